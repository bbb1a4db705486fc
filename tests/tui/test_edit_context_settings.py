"""`pligos edit`: a context's settings, sidecars and containers, driven with Pilot: what a user
sees (the groups of the context's flavor, what applies while a field is empty), what a key
typed in writes, that clearing it gives the file back, and the problems shown at the field."""

from __future__ import annotations

import re

import pytest
from edit_support import HELLO, field_input, select_node, service, settle, type_into, until
from textual.widgets import Input, Select, SelectionList, Static
from textual.widgets._collapsible import CollapsibleTitle

from pligos_tui.jobs.editing import Selection
from pligos_tui.tui.edit.app import EditApp
from pligos_tui.tui.edit.context_form import SettingGroup
from pligos_tui.tui.edit.forms import EntryForm, Field

SIZE = (120, 40)
pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("helm_bin")]

WITH_CONTAINERS = HELLO.replace("probes:\n", """\
env:
  - name: shipping
    variables: {TARGET: logs.example.com}
containers:
  - name: shipper     # ships the access log
    image: nginx
probes:
""")


async def open_group(pilot, app: EditApp, setting: str) -> SettingGroup:
    """Open a setting's group the way a user does: its title focused, then Enter."""
    group = app.screen.query_one(f"#setting-{setting}", SettingGroup)
    group.query_one(CollapsibleTitle).focus()
    await pilot.press("enter")
    await until(pilot, lambda: bool(group.query(Field)))
    await pilot.pause()
    return group


def ghost(text: str) -> str:
    """The value an empty field shows, without where it comes from (`10001  (default)`)."""
    return text.split("  (")[0]


def field_error(app: EditApp, ident: str) -> str:
    widget = app.screen.query_one(f"#{ident}")
    field = next(a for a in widget.ancestors if isinstance(a, Field))
    return str(field.query_one(".field-error", Static).render())


async def test_the_settings_of_the_flavor_show_what_applies(tmp_path):
    app = EditApp(service(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.context("prod"))
        groups = [g.setting for g in app.screen.query(SettingGroup)]
        assert groups == ["security", "serviceAccount", "networkPolicy", "autoscaling",
                          "disruption", "scheduling", "rollout", "expose", "service", "health"]
        assert all(g.collapsed for g in app.screen.query(SettingGroup))
        await open_group(pilot, app, "autoscaling")
        max_replicas = app.screen.query_one("#set-autoscaling-maxReplicas", Input)
        assert (max_replicas.value, ghost(max_replicas.placeholder)) == (
            "", "not set: no autoscaling")
        assert ghost(app.screen.query_one("#set-autoscaling-minReplicas", Input).placeholder) == \
            "the context's replicas"
        await open_group(pilot, app, "security")
        assert ghost(app.screen.query_one("#set-security-runAsUser", Input).placeholder) == "10001"
        read_only = app.screen.query_one("#set-security-readOnlyRootFilesystem", Select)
        assert read_only.is_blank() and ghost(read_only.prompt) == "true"
        await open_group(pilot, app, "expose")
        assert ghost(app.screen.query_one("#set-expose-via", Select).prompt) == "ingress"
        assert ghost(app.screen.query_one("#set-expose-gateway-name", Input).placeholder) == \
            "not set"
        assert app.buffer.text == HELLO  # looking changes nothing


async def test_a_key_typed_in_writes_one_line_and_clearing_it_gives_the_file_back(tmp_path):
    root = service(tmp_path)
    app = EditApp(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.context("prod"))
        group = await open_group(pilot, app, "autoscaling")
        await type_into(pilot, app.screen.query_one("#set-autoscaling-maxReplicas", Input), "10")
        await pilot.pause()
        expected = HELLO.replace("    replicas: 2\n",
                                 "    replicas: 2\n    autoscaling: {maxReplicas: 10}\n")
        assert app.buffer.text == expected  # comments, blank lines and quotes kept
        assert "maxReplicas: 10" in str(group.title)
        assert "valid" in str(app.screen.query_one("#problems", Static).render())
        preview = await settle(pilot, app)
        assert "kind: HorizontalPodAutoscaler" in preview.texts[0]
        assert "maxReplicas: 10" in preview.texts[0]
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert (root / "pligos.yaml").read_text() == expected
        await type_into(pilot, app.screen.query_one("#set-autoscaling-maxReplicas", Input), "")
        await pilot.pause()
        assert app.buffer.text == HELLO
        assert str(group.title) == "autoscaling"


async def test_a_problem_shows_at_the_key_and_on_the_group(tmp_path):
    app = EditApp(service(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.context("prod"))
        group = await open_group(pilot, app, "autoscaling")
        await type_into(pilot, app.screen.query_one("#set-autoscaling-maxReplicas", Input), "1")
        await until(pilot, lambda: "at most 1" in field_error(app, "set-autoscaling-maxReplicas"))
        assert "autoscaling to at most 1 but at least 2 replicas" in \
            field_error(app, "set-autoscaling-maxReplicas")
        assert "⚠" in str(group.title)
        await pilot.press("0")  # 10
        await until(pilot, lambda: not field_error(app, "set-autoscaling-maxReplicas"))
        assert "⚠" not in str(group.title)


async def test_a_secure_default_turned_off_asks_for_a_reason_at_the_field(tmp_path):
    app = EditApp(service(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.context("dev"))
        await open_group(pilot, app, "security")
        app.screen.query_one("#set-security-readOnlyRootFilesystem", Select).value = "false"
        await pilot.pause()
        assert "    probe: tcp\n    security: {readOnlyRootFilesystem: false}\n" in \
            app.buffer.text
        await until(pilot, lambda: "without a reason" in
                    field_error(app, "set-security-readOnlyRootFilesystem"))
        await type_into(pilot, app.screen.query_one("#set-security-reason", Input),
                        "nginx writes its cache")
        await until(pilot, lambda: app.buffer.error is None)
        # (quoted when a space ended it at some key, and then kept; typed at once, not)
        assert re.search(r'^    security: \{readOnlyRootFilesystem: false, '
                         r'reason: ("?)nginx writes its cache\1\}$', app.buffer.text, re.M)
        assert not field_error(app, "set-security-readOnlyRootFilesystem")


async def test_a_list_setting_takes_flow_yaml(tmp_path):
    app = EditApp(service(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.context("prod"))
        await open_group(pilot, app, "scheduling")
        selector = app.screen.query_one("#set-scheduling-nodeSelector", Input)
        assert ghost(selector.placeholder) == "{}"
        await type_into(pilot, selector, "{disk: ssd")
        await pilot.pause()
        assert app.buffer.text == HELLO  # unchanged while it does not parse
        assert "write it like {key: value}" in field_error(app, "set-scheduling-nodeSelector")
        await pilot.press("}")
        await pilot.pause()
        assert "    scheduling: {nodeSelector: {disk: ssd}}\n" in app.buffer.text


async def test_open_groups_stay_open_and_undo_restores_the_text(tmp_path):
    app = EditApp(service(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.context("prod"))
        await open_group(pilot, app, "rollout")
        await type_into(pilot, app.screen.query_one("#set-rollout-preStop-sleep", Input), "5")
        await pilot.pause()
        assert "    rollout: {preStop: {sleep: 5}}\n" in app.buffer.text
        await select_node(pilot, app, Selection.context("dev"))
        assert not app.screen.query_one("#setting-rollout", SettingGroup).collapsed
        app.screen.query_one("#tree").focus()
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert app.buffer.text == HELLO


async def test_tick_a_sidecar_and_edit_the_container(tmp_path):
    app = EditApp(service(tmp_path, WITH_CONTAINERS))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.context("prod"))
        assert isinstance(app.screen.query_one("#ctx-initContainers"), SelectionList)
        sidecars = app.screen.query_one("#ctx-sidecars", SelectionList)
        sidecars.select("shipper")
        await pilot.pause()
        assert "    replicas: 2\n    sidecars: [shipper]\n" in app.buffer.text
        assert app.buffer.error is None
        await select_node(pilot, app, Selection.entry("containers", "shipper"))
        form = app.screen.query_one(EntryForm)
        assert [f.label for f in form.query(Field)][:6] == ["image", "command", "probe",
                                                             "resources", "env", "mounts"]
        assert app.screen.query_one("#ref-image", Select).value == "nginx"
        app.screen.query_one("#refs-env", SelectionList).select("shipping")
        await pilot.pause()
        assert "    image: nginx\n    env: [shipping]\nprobes:" in app.buffer.text
        app.screen.query_one("#ref-probe", Select).value = "tcp"
        await pilot.pause()
        assert "  - name: shipper     # ships the access log\n    image: nginx\n" \
            "    env: [shipping]\n    probe: tcp\n" in app.buffer.text
        app.screen.query_one("#ref-probe", Select).clear()
        await pilot.pause()
        assert "probe: tcp\n" in app.buffer.text.split("contexts:")[1]
        assert "    probe: tcp\n" not in app.buffer.text.split("contexts:")[0]


async def test_a_new_container_asks_for_its_image(tmp_path):
    app = EditApp(service(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.property_list("containers"))
        await pilot.press("ctrl+n")
        await pilot.pause()
        await type_into(pilot, app.screen.query_one(Input), "migrate")
        await pilot.press("enter")
        await pilot.pause()
        assert "containers:\n  - name: migrate\n    image:\n" in app.buffer.text
        assert "container needs 'image'" in str(app.screen.query_one("#problems",
                                                                     Static).render())
        app.screen.query_one("#ref-image", Select).value = "nginx"
        await until(pilot, lambda: app.buffer.error is None)
        assert "  - name: migrate\n    image: nginx\n" in app.buffer.text
        await select_node(pilot, app, Selection.context("dev"))
        init = app.screen.query_one("#ctx-initContainers", SelectionList)
        init.select("migrate")
        await pilot.pause()
        assert "    probe: tcp\n    initContainers: [migrate]\n" in app.buffer.text


async def test_the_new_keys_of_images_and_routes_can_be_added(tmp_path):
    app = EditApp(service(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.entry("routes", "http"))
        add = app.screen.query_one("#entry-add", Select)
        offered = [str(o[0]) for o in add._options]
        assert {"appProtocol", "ingressClass", "annotations"} <= set(offered)
        add.value = "annotations"
        await pilot.pause()
        assert "    annotations: {example.com/key: value}\n" in app.buffer.text
        await select_node(pilot, app, Selection.entry("images", "nginx"))
        add = app.screen.query_one("#entry-add", Select)
        add.value = "runAsUser"
        await pilot.pause()
        assert '    tag: "1.27"       # quoted: YAML would read 1.27 as a number\n' \
            "    runAsUser: 10001\n" in app.buffer.text
        await type_into(pilot, field_input(app, "runAsUser"), "101")  # nginx's own user
        await until(pilot, lambda: "    runAsUser: 101\n" in app.buffer.text)
        await select_node(pilot, app, Selection.context("dev"))
        await open_group(pilot, app, "security")
        assert ghost(app.screen.query_one("#set-security-runAsUser", Input).placeholder) == "101"
        assert ghost(app.screen.query_one("#set-security-fsGroup", Input).placeholder) == "10001"
