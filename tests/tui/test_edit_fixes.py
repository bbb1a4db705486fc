"""What the editor got wrong, each as a user meets it: the context name field, clipped texts at
80×24 (a dialog's prompt, the problems, a new field starting in error), the palette's
Screenshot without ~/Downloads, and a value holding line breaks."""

from __future__ import annotations

import pytest
from edit_support import (
    HELLO,
    field_input,
    screen_lines,
    select_node,
    service,
    settle,
    type_into,
    until,
)
from textual.widgets import Input, Select, Tree

from pligos_tui.jobs.editing import Selection
from pligos_tui.tui.edit.app import EditApp
from pligos_tui.tui.edit.dialogs import NameDialog

SMALL = (80, 24)
pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("helm_bin")]


def field_error(app: EditApp, widget_id: str) -> str:
    widget = app.editor.query_one(f"#{widget_id}")
    return str(widget.parent.query_one(".field-error").render())


async def test_the_context_name_field_renames_on_leaving_it_and_checks_as_typed(tmp_path):
    app = EditApp(service(tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.context("prod"))
        await type_into(pilot, app.editor.query_one("#ctx-name", Input), "Prod_X")
        await pilot.pause()
        assert "not a DNS label" in field_error(app, "ctx-name")  # said at once, inline
        await type_into(pilot, app.editor.query_one("#ctx-name", Input), "dev")
        await pilot.pause()
        assert "already a context named 'dev'" in field_error(app, "ctx-name")
        await type_into(pilot, app.editor.query_one("#ctx-name", Input), "production")
        await pilot.pause()
        assert field_error(app, "ctx-name") == ""
        await pilot.press("tab")  # leaving the field renames, as enter does
        preview = await settle(pilot, app)
        assert "  - name: production\n" in app.buffer.text
        assert "production" in [str(n.label) for n in app.editor.query_one(Tree).root.children[
            2].children]
        assert app.editor.query_one("#ctx-name", Input).value == "production"
        assert app.focused is app.editor.query_one("#ctx-flavor", Select)  # where tab went
        assert [c for c, _ in preview.panes] == ["production", "dev"]


async def test_a_dialog_prompt_wraps_instead_of_being_clipped(tmp_path):
    app = EditApp(service(tmp_path))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.entry("images", "nginx"))
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, NameDialog)
        drawn = " ".join(" ".join(line.split("█")[1:2]).strip() for line in screen_lines(app))
        assert "Rename images entry nginx to (contexts referring to it follow)" in \
            " ".join(drawn.split()), screen_lines(app)
        await pilot.press("escape")


async def test_every_problem_is_on_screen_at_80x24(tmp_path):
    text = (HELLO.replace("    image: nginx\n", "    image: nginxx\n")
            .replace("    replicas: 2\n", "    replicas: many\n"))
    app = EditApp(service(tmp_path, text))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        lines = screen_lines(app)
        start = next(i for i, line in enumerate(lines) if "2 problems" in line)
        end = next(i for i in range(start, len(lines)) if "▔▔▔" in lines[i])
        shown = "\n".join(lines[start:end])  # the problems, above the preview
        assert "refers to image 'nginxx'" in shown, "\n".join(lines)
        assert "replicas must be a whole number" in shown, "\n".join(lines)
        assert "21:12  context 'dev'" in shown and "27:15  replicas" in shown  # line:column


async def test_a_new_pull_policy_field_starts_valid(tmp_path):
    app = EditApp(service(tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.entry("images", "nginx"))
        app.editor.query_one("#entry-add", Select).value = "pullPolicy"
        await settle(pilot, app)
        assert "    pullPolicy: IfNotPresent\n" in app.buffer.text
        assert app.buffer.error is None
        assert field_input(app, "pullPolicy").value == "IfNotPresent"
        assert not field_input(app, "pullPolicy").parent.parent.has_class("-invalid")


async def test_the_palette_screenshot_works_without_a_downloads_folder(tmp_path,
                                                                      monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.delenv("XDG_DOWNLOAD_DIR", raising=False)
    app = EditApp(service(tmp_path))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        command = next(c for c in app.get_system_commands(app.screen)
                       if c.title == "Screenshot")
        command.callback()  # what the palette runs
        assert await until(pilot, lambda: list(home.glob("*.svg")))
        await until(pilot, lambda: any("screenshot" in n.title.lower()
                                       for n in app._notifications))
        messages = [n.message for n in app._notifications]
    assert any("Saved screenshot" in m for m in messages), messages
    assert "<svg" in next(home.glob("*.svg")).read_text()


ENV_BREAKS = """\
pligos: 1
name: hello
images:
  - name: nginx
    repository: nginx
    tag: "1.27"
env:
  - name: e
    variables:
      MSG: "a\\nb"
      CR: "x\\r\\ny"
      OTHER: |
        line one
        line two
contexts:
  - name: dev
    flavor: webservice
    image: nginx
    env: [e]
  - name: prod
    extends: dev
"""


async def test_values_with_line_breaks_stay_on_their_line_at_80x24(tmp_path):
    app = EditApp(service(tmp_path, ENV_BREAKS))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.entry("env", "e"))
        tree = app.editor.query_one("#tree", Tree)
        for _mode in ("values", "files", "manifests"):
            lines = screen_lines(app)
            assert len(lines) == SMALL[1]
            assert not [line for line in lines if any(c in line for c in "\r\n\x1b")]
            edge = tree.region.right - 1
            assert {lines[y][edge] for y in range(tree.region.y, tree.region.bottom)} == {"▕"}
            await pilot.press("f2")
            await settle(pilot, app)
        assert '{MSG: "a\\nb", CR: "x\\r\\ny"' in "\n".join(screen_lines(app))
