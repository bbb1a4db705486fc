"""`pligos edit`: property entries and friends edited from the forms, driven with Pilot."""

from __future__ import annotations

import shutil

import pytest
import yaml
from edit_support import (
    field_input,
    no_blink,
    select_node,
    service,
    settle,
    tree_labels,
    type_into,
    until,
)
from support import EXAMPLES
from textual.widgets import Input, Select, SelectionList, Static

from pligos_tui.jobs.editing import Selection
from pligos_tui.tui.edit.app import EditApp
from pligos_tui.tui.edit.dialogs import ConfirmDialog, NameDialog
from pligos_tui.tui.edit.forms import EntryForm

SIZE = (120, 40)
pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("helm_bin")]


def field_error(app: EditApp, label: str) -> str:
    from pligos_tui.tui.edit.forms import Field

    field = next(f for f in app.screen.query(Field) if f.label == label)
    return str(field.query_one(".field-error", Static).render())


async def answer_name(pilot, app: EditApp, name: str) -> None:
    await pilot.pause()
    assert isinstance(app.screen, NameDialog)
    await type_into(pilot, app.screen.query_one(Input), name)
    await pilot.press("enter")
    await pilot.pause()


async def test_add_an_entry_to_a_property(tmp_path):
    app = EditApp(service(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.property_list("routes"))
        await pilot.press("ctrl+n")
        await answer_name(pilot, app, "admin")
        routes = yaml.safe_load(app.buffer.text)["routes"]
        assert [r["name"] for r in routes] == ["http", "admin"]
        assert "admin" in tree_labels(app) and "routes (2)" in tree_labels(app)
        form = app.screen.query_one(EntryForm)
        assert (form.prop, form.entry) == ("routes", "admin")
        assert field_input(app, "port").value == "80"
        assert "# The hello service" in app.buffer.text  # the file's comments stay


async def test_rename_an_entry_and_the_contexts_follow(tmp_path):
    app = EditApp(service(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.entry("routes", "http"))
        await pilot.press("ctrl+r")
        await answer_name(pilot, app, "web")
        preview = await settle(pilot, app)
        assert "  - name: web\n    port: 80\n" in app.buffer.text
        assert "    routes: [web]\n" in app.buffer.text
        assert app.buffer.error is None
        assert "web" in tree_labels(app) and "http" not in tree_labels(app)
        assert '- name: "web"' in preview.texts[0]


async def test_clone_an_entry(tmp_path):
    app = EditApp(service(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.entry("images", "nginx"))
        await pilot.press("ctrl+k")
        await answer_name(pilot, app, "nginx-next")
        assert ('  - name: nginx-next\n    repository: nginx\n    tag: "1.27"       # quoted'
                in app.buffer.text)
        assert "images (2)" in tree_labels(app)
        form = app.screen.query_one(EntryForm)
        assert (form.prop, form.entry) == ("images", "nginx-next")


async def test_delete_an_entry_asks_and_removes_its_references(tmp_path):
    app = EditApp(service(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.entry("probes", "tcp"))
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "dev" in str(app.screen.query_one(".dialog-title").render())
        await pilot.click("#delete")
        preview = await settle(pilot, app)
        assert "probes:" not in app.buffer.text and "probe: tcp" not in app.buffer.text
        # its route still gets it a default probe (health.defaultProbes): a TCP check of it
        assert "readinessProbe:\n            tcpSocket:\n              port: http" in \
            preview.texts[0]
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert "probe: tcp" in app.buffer.text


async def test_a_nested_field_is_edited_in_place(tmp_path):
    app = EditApp(service(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.entry("probes", "tcp"))
        no_blink(app)
        port = field_input(app, "readiness.tcpSocket.port")
        assert port.value == "http"
        await type_into(pilot, port, "8080")
        preview = await settle(pilot, app)
        assert "    readiness: {tcpSocket: {port: 8080}}\n" in app.buffer.text
        assert "port: 8080" in preview.texts[0].split("readinessProbe:")[1]


async def test_add_a_field_then_remove_it(tmp_path):
    app = EditApp(service(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.entry("routes", "http"))
        add = app.screen.query_one("#entry-add", Select)
        add.value = "fqdn"
        await pilot.pause()
        fqdn = field_input(app, "fqdn")
        await until(pilot, lambda: app.screen.focused is field_input(app, "fqdn"))
        await pilot.press(*"hello.example.com")
        preview = await settle(pilot, app)
        assert "    fqdn: hello.example.com\n" in app.buffer.text
        assert '- host: "hello.example.com"' in preview.texts[0]
        fqdn = field_input(app, "fqdn")
        fqdn.focus()
        await pilot.press("f8")
        preview = await settle(pilot, app)
        assert "fqdn" not in app.buffer.text
        assert "kind: Ingress" not in preview.texts[0]


async def test_a_list_field_takes_flow_yaml_and_says_when_it_is_not(tmp_path):
    root = service(tmp_path)  # the hello service, with a command
    body = (root / "pligos.yaml").read_text().replace(
        "routes:\n", "commands:\n  - name: serve\n    type: executable\n"
        "    command: [nginx, -g]\n    args: [daemon off;]\nroutes:\n", 1).replace(
        "    image: nginx\n", "    image: nginx\n    command: serve\n", 1)
    (root / "pligos.yaml").write_text(body)
    app = EditApp(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.entry("commands", "serve"))
        args = field_input(app, "args")
        assert args.value == "[daemon off;]"
        await type_into(pilot, args, "[daemon off;, -q")
        await pilot.pause()
        assert "args: [daemon off;]" in app.buffer.text  # unchanged while it does not parse
        assert "write it like" in field_error(app, "args")
        await pilot.press("]")
        preview = await settle(pilot, app)
        assert "    args: [daemon off;, -q]\n" in app.buffer.text
        assert '- "daemon off;"\n            - "-q"' in preview.texts[0]


async def test_env_variables_are_edited_as_one_mapping(tmp_path):
    root = service(tmp_path)
    body = (root / "pligos.yaml").read_text().replace(
        "routes:\n", "env:\n  - name: common\n    variables: {LOG_FORMAT: json}\nroutes:\n", 1
    ).replace("    routes: [http]\n", "    routes: [http]\n    env: [common]\n", 1)
    (root / "pligos.yaml").write_text(body)
    app = EditApp(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.entry("env", "common"))
        variables = field_input(app, "variables")
        assert variables.value == "{LOG_FORMAT: json}"
        await type_into(pilot, variables, "{LOG_FORMAT: json, LOG_LEVEL: debug}")
        preview = await settle(pilot, app)
        assert "    variables: {LOG_FORMAT: json, LOG_LEVEL: debug}\n" in app.buffer.text
        assert '- name: "LOG_LEVEL"\n              value: "debug"' in preview.texts[0]


async def test_pick_friends_for_a_context(tmp_path):
    shutil.copytree(EXAMPLES / "shop", tmp_path / "shop", ignore=shutil.ignore_patterns("charts"))
    root = tmp_path / "shop" / "catalog"
    app = EditApp(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert "friends (2)" in tree_labels(app)
        await select_node(pilot, app, Selection.friend("postgres"))
        shown = " ".join(str(s.render()) for s in app.screen.query(Static))
        assert "requirement" in shown and "dev" in shown
        await select_node(pilot, app, Selection.context("dev"))
        friends = app.screen.query_one("#ctx-friends", SelectionList)
        assert set(friends.selected) == {"postgres", "redis"}
        friends.deselect("postgres")
        preview = await settle(pilot, app)
        assert "    friends: [redis]\n" in app.buffer.text
        assert "POSTGRES_HOST" not in preview.texts[0]
        friends = app.screen.query_one("#ctx-friends", SelectionList)
        friends.select("postgres")
        await settle(pilot, app)
        assert "    friends: [redis, postgres]\n" in app.buffer.text


async def test_without_helm_the_panes_show_the_values_and_say_so(tmp_path, monkeypatch):
    monkeypatch.setenv("PLIGOS_HELM", str(tmp_path / "no-helm-here"))
    app = EditApp(service(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        preview = await settle(pilot, app)
        first = preview.texts[0]
        assert "showing the chart's values instead" in first
        assert "no-helm-here" in first and "replicas: 1" in first
        assert "kind: Deployment" not in first


async def test_a_problem_given_to_a_field_before_it_is_composed_shows_once_it_is(tmp_path):
    from pligos_tui.tui.edit.forms import Field

    app = EditApp(service(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        field = Field("tag", Input("1.27 beta"), "images[nginx].tag")
        field.show_local("not a valid image tag")  # a form shows problems as it is built
        await app.screen.query_one("#form-box").mount(field)
        await pilot.pause()
        assert app.is_running
        assert "not a valid image tag" in str(field.query_one(".field-error", Static).render())
        assert field.has_class("-invalid")
