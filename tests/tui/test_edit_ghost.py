"""`pligos edit`: an empty field of a context's form shows, greyed, what applies without it and
where that comes from (the context it extends, its flavor's `defaults:`, Pligos' default);
a value typed in hides it, clearing the value brings it back. Driven with Pilot, read off the
screen as a user sees it."""

from __future__ import annotations

import pytest
from edit_support import select_node, type_into, until
from support import make_tree
from textual.widget import Widget
from textual.widgets import Input, Select
from textual.widgets._collapsible import CollapsibleTitle

from pligos_tui.jobs.editing import Buffer, Selection
from pligos_tui.jobs.field_origins import field_origins, setting_fields
from pligos_tui.spec.vocabulary import CONTEXT_SETTINGS
from pligos_tui.tui.edit.app import EditApp
from pligos_tui.tui.edit.context_form import InheritedList, SettingGroup, ghost_text

SIZE = (120, 40)

# base <- staging <- prod; the flavor `web` of flavorPaths gives its contexts a user
SERVICE = """\
pligos: 1
name: hello
flavorPaths: [flavors]
images:
  - name: nginx
    repository: nginx
    tag: "1.27"
  - name: next
    repository: nginx
    tag: "1.29"
routes:
  - name: http
    port: 80
probes:
  - name: tcp
    readiness: {tcpSocket: {port: http}}
contexts:
  - name: base
    flavor: web
    image: nginx
    routes: [http]
    probe: tcp
    replicas: 3
    security: {runAsGroup: 3000}
  - name: staging
    extends: base
  - name: prod
    extends: staging
current-context: base
"""
FLAVOR = """\
base: webservice
defaults:
  rollout: {revisionHistoryLimit: 5}
  security:
    runAsUser: 2000
"""
REPLICAS_LINE = SERVICE.splitlines().index("    replicas: 3") + 1
IMAGE_LINE = SERVICE.splitlines().index("    image: nginx") + 1
ROUTES_LINE = SERVICE.splitlines().index("    routes: [http]") + 1
GROUP_LINE = SERVICE.splitlines().index("    security: {runAsGroup: 3000}") + 1
USER_LINE = FLAVOR.splitlines().index("    runAsUser: 2000") + 1
CHAIN = "from prod → staging → base"


def tree(tmp_path, text: str = SERVICE):
    return make_tree(tmp_path / "hello", {"pligos.yaml": text,
                                          "flavors/web/flavor.yaml": FLAVOR})


def on_screen(app: EditApp, widget: Widget) -> str:
    """The text the screen draws where `widget` is (its first row)."""
    lines = [strip.text for strip in app.screen._compositor.render_strips()]
    region = widget.region
    assert region.height, f"{widget} is not on screen"
    return lines[region.y][region.x:region.right].rstrip()


async def into_view(pilot, widget: Widget) -> None:
    widget.scroll_visible(animate=False)
    await pilot.pause()
    await pilot.pause()


async def open_group(pilot, app: EditApp, setting: str) -> None:
    group = app.screen.query_one(f"#setting-{setting}", SettingGroup)
    group.query_one(CollapsibleTitle).focus()
    await pilot.press("enter")
    await until(pilot, lambda: bool(group.query(Input)))


@pytest.mark.asyncio
@pytest.mark.usefixtures("helm_bin")
async def test_inherited_properties_show_the_context_they_come_from(tmp_path):
    root = tree(tmp_path)
    app = EditApp(root)
    async with app.run_test(size=SIZE) as pilot:
        await select_node(pilot, app, Selection.context("prod"))
        image = app.screen.query_one("#ctx-image", Select)
        await into_view(pilot, image)
        ghost = f"nginx  ({CHAIN}, pligos.yaml:{IMAGE_LINE})"
        assert image.is_blank() and on_screen(app, image).startswith(ghost)
        routes = app.screen.query_one("#ghost-routes", InheritedList)
        await into_view(pilot, routes)
        assert on_screen(app, routes).strip() == \
            f"inherited: http  ({CHAIN}, pligos.yaml:{ROUTES_LINE})"
        replicas = app.screen.query_one("#ctx-replicas", Input)
        await into_view(pilot, replicas)
        ghost = f"3  ({CHAIN}, pligos.yaml:{REPLICAS_LINE})"
        assert on_screen(app, replicas) == ghost

        await type_into(pilot, replicas, "5")  # its own value: shown as it is, no ghost
        await until(pilot, lambda: "extends: staging\n    replicas: 5\n" in app.buffer.text)
        await pilot.pause()
        assert on_screen(app, replicas) == "5"
        await type_into(pilot, replicas, "")  # cleared: what it inherits again
        await until(pilot, lambda: app.buffer.text == SERVICE)
        await pilot.pause()
        assert on_screen(app, replicas) == ghost

        image.value = "next"
        await until(pilot, lambda: "extends: staging\n    image: next\n" in app.buffer.text)
        await into_view(pilot, image)
        assert on_screen(app, image).startswith("next") and "from" not in on_screen(app, image)
        image.clear()
        await until(pilot, lambda: app.buffer.text == SERVICE)
        await pilot.pause()
        assert on_screen(app, image).startswith(f"nginx  ({CHAIN}")

        await select_node(pilot, app, Selection.context("base"))  # all its own: no ghost
        assert app.screen.query_one("#ctx-replicas", Input).value == "3"
        assert not app.screen.query_one("#ghost-routes", InheritedList).display
        assert app.screen.query_one("#ctx-image", Select).value == "nginx"


@pytest.mark.asyncio
@pytest.mark.usefixtures("helm_bin")
async def test_settings_show_the_flavor_default_the_built_in_one_and_what_is_inherited(
        tmp_path):
    app = EditApp(tree(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await select_node(pilot, app, Selection.context("prod"))
        await open_group(pilot, app, "security")
        user = app.screen.query_one("#set-security-runAsUser", Input)
        await into_view(pilot, user)
        flavor_ghost = f"2000  (flavor web default, flavors/web/flavor.yaml:{USER_LINE})"
        assert on_screen(app, user) == flavor_ghost
        group = app.screen.query_one("#set-security-runAsGroup", Input)
        assert group.placeholder == f"3000  ({CHAIN}, pligos.yaml:{GROUP_LINE})"
        assert app.screen.query_one("#set-security-fsGroup", Input).placeholder == \
            "10001  (default)"
        read_only = app.screen.query_one("#set-security-readOnlyRootFilesystem", Select)
        await into_view(pilot, read_only)
        assert read_only.is_blank() and on_screen(app, read_only).startswith("true  (default)")

        await type_into(pilot, user, "7")
        await until(pilot, lambda: "    security: {runAsUser: 7}\n" in app.buffer.text)
        await pilot.pause()
        assert on_screen(app, user) == "7"
        await type_into(pilot, user, "")
        await until(pilot, lambda: "runAsUser" not in app.buffer.text)
        await pilot.pause()
        assert on_screen(app, user) == flavor_ghost

        await select_node(pilot, app, Selection.context("base"))  # writes runAsGroup itself
        own = app.screen.query_one("#set-security-runAsGroup", Input)
        await into_view(pilot, own)
        assert own.value == "3000" and on_screen(app, own) == "3000"


def test_the_values_are_those_that_apply_and_are_worked_out_once_per_text(tmp_path):
    """No Pilot: every setting key a context leaves unset shows the value the loader's
    settings give it; a null and an image's own user are named; the file need not load."""
    text = SERVICE.replace("    tag: \"1.27\"\n", "    tag: \"1.27\"\n    runAsUser: 101\n")
    text = text.replace("    extends: staging\n", "    extends: staging\n    rollout: null\n"
                        "    expose: {via: gateway, gateway: {name: public}}\n")
    buf = Buffer.open(tree(tmp_path, text))
    assert buf.error is None, buf.error
    for context in ("base", "staging", "prod"):
        _, applies = buf.context_settings(context)
        own = buf.context(context) or {}
        origins = field_origins(buf, context)
        for name in CONTEXT_SETTINGS:
            for path, _kind in setting_fields(name):
                written = own.get(name) or {}
                if path[1] not in written:
                    value = applies[name]
                    for step in path[1:]:
                        value = value[step]
                    assert origins[path].value == value, (context, path)
    prod = field_origins(buf, "prod")
    assert field_origins(buf, "prod") is prod  # the same text: not worked out again
    assert ghost_text(("security", "runAsUser"), prod[("security", "runAsUser")]) == \
        "101  (from images[nginx], pligos.yaml:8)"
    assert ghost_text(("rollout", "revisionHistoryLimit"),
                      prod[("rollout", "revisionHistoryLimit")]).startswith(
        "5  (flavor web default")  # a null goes back to the defaults: the flavor's first
    staging = field_origins(buf, "staging")
    assert ghost_text(("expose", "via"), staging[("expose", "via")]) == "ingress  (default)"

    broken = text.replace("    replicas: 3\n", "    replicas: many\n")
    buf.change(broken)
    assert buf.service is None
    ghost = ghost_text(("replicas",), field_origins(buf, "prod")[("replicas",)])
    assert ghost == f"many  ({CHAIN}, pligos.yaml:{REPLICAS_LINE + 1})"
