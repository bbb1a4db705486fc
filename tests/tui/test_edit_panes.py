"""ctrl+o: pick the contexts and flavors the preview compares; "all contexts" is one choice, and
the panes picked stay while other nodes are selected."""

from __future__ import annotations

import pytest
from edit_support import HELLO, select_node, service, settle
from textual.widgets import SelectionList

from pligos_tui.jobs.editing import Selection
from pligos_tui.tui.edit.app import EditApp
from pligos_tui.tui.edit.dialogs import ALL, PanePicker

pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("helm_bin")]

THREE = HELLO.replace("current-context: dev\n",
                      "  - name: qa\n    extends: dev\n    replicas: 3\ncurrent-context: dev\n")


async def pick(pilot, app: EditApp, contexts: list[str], flavors: list[str]) -> None:
    await pilot.press("ctrl+o")
    await pilot.pause()
    assert isinstance(app.screen, PanePicker)
    for ident, wanted in (("#pick-contexts", contexts), ("#pick-flavors", flavors)):
        options = app.screen.query_one(ident, SelectionList)
        options.deselect_all()
        for value in wanted:
            options.select(value)
    await pilot.press("enter")
    await pilot.pause()


async def test_all_contexts_is_one_choice_and_flavors_multiply_the_panes(tmp_path):
    app = EditApp(service(tmp_path, THREE))
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot, app)
        await pick(pilot, app, [ALL], [""])
        preview = await settle(pilot, app)
        assert preview.panes == [("dev", None), ("prod", None), ("qa", None)]
        assert ["replicas: 1" in t for t in preview.texts] == [True, False, False]
        assert "replicas: 3" in preview.texts[2]
        await select_node(pilot, app, Selection.context("prod"))  # the picked panes stay
        await select_node(pilot, app, Selection.entry("images", "nginx"))
        assert [c for c, _ in app.editor.query_one("#preview").panes] == ["dev", "prod", "qa"]
        await pick(pilot, app, ["prod"], ["", "worker"])
        preview = await settle(pilot, app)
        assert preview.panes == [("prod", None), ("prod", "worker")]
        assert "kind: Service\n" in preview.texts[0]
        assert "kind: Service\n" not in preview.texts[1]
        assert app.buffer.text == THREE  # nothing written


async def test_the_picker_shows_what_is_previewed_and_cancels(tmp_path):
    app = EditApp(service(tmp_path, THREE))
    async with app.run_test(size=(100, 30)) as pilot:
        preview = await settle(pilot, app)
        before = preview.panes
        await pilot.press("ctrl+o")
        await pilot.pause()
        contexts = app.screen.query_one("#pick-contexts", SelectionList)
        assert contexts.selected == ["dev", "prod"]
        assert app.screen.query_one("#pick-flavors", SelectionList).selected == [""]
        await pilot.press("space")  # "all contexts": each is ticked
        await pilot.pause()
        assert set(contexts.selected) == {ALL, "dev", "prod", "qa"}
        await pilot.press("down", "space")  # dev unticked: not all any more
        await pilot.pause()
        assert set(contexts.selected) == {"prod", "qa"}
        contexts.deselect_all()
        await pilot.press("enter")  # nothing ticked: says so, stays open
        await pilot.pause()
        assert isinstance(app.screen, PanePicker)
        await pilot.press("escape")
        await pilot.pause()
        assert app.editor.query_one("#preview").panes == before
