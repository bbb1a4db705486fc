"""pligos.yaml changed by someone else while the editor is open: taken at once when nothing is
unsaved, else asked about (keep mine, take theirs, show both), and never overwritten on save
without asking."""

from __future__ import annotations

import os

import pytest
from edit_support import HELLO, select_node, service, settle, tree_labels, type_into, until
from textual.widgets import Button, Input, Static

from pligos_tui.jobs.editing import Selection
from pligos_tui.tui.edit.app import EditApp
from pligos_tui.tui.edit.dialogs import OutsideChangeDialog

SIZE = (100, 30)
pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("helm_bin")]

THEIRS = HELLO.replace("current-context: dev\n", "  - name: qa\n    extends: dev\n"
                       "current-context: dev\n")


def write_outside(root, text: str) -> None:
    """What another editor does: a new file renamed over the old one."""
    tmp = root / ".pligos.yaml.other"
    tmp.write_text(text)
    os.replace(tmp, root / "pligos.yaml")


@pytest.fixture(autouse=True)
def watch_often(monkeypatch):
    monkeypatch.setattr(EditApp, "WATCH_SECONDS", 0.1, raising=False)


async def edit_replicas(pilot, app: EditApp, value: str) -> None:
    await select_node(pilot, app, Selection.context("prod"))
    await type_into(pilot, app.editor.query_one("#ctx-replicas", Input), value)
    await settle(pilot, app)


async def test_a_clean_buffer_takes_the_outside_change(tmp_path):
    root = service(tmp_path)
    app = EditApp(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        write_outside(root, THEIRS)
        assert await until(pilot, lambda: "qa" in tree_labels(app))
        await settle(pilot, app)
        assert app.buffer.text == THEIRS and not app.buffer.dirty
        assert any("changed outside the editor: reloaded" in n.message
                   for n in app._notifications)


async def test_unsaved_changes_ask_and_show_both(tmp_path):
    root = service(tmp_path)
    app = EditApp(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await edit_replicas(pilot, app, "5")
        mine = app.buffer.text
        write_outside(root, THEIRS)
        assert await until(pilot, lambda: isinstance(app.screen, OutsideChangeDialog))
        await pilot.pause()
        app.screen.query_one("#both", Button).press()
        await pilot.pause()
        diff = str(app.screen.query_one("#outside-diff-body", Static).render())
        assert "-    replicas: 2" in diff and "+    replicas: 5" in diff
        assert "-  - name: qa" in diff
        app.screen.query_one("#mine", Button).press()
        await pilot.pause()
        assert app.buffer.text == mine and app.buffer.dirty
        await pilot.press("ctrl+s")  # asked once: keeping mine means saving replaces theirs
        await pilot.pause()
        assert not isinstance(app.screen, OutsideChangeDialog)
    assert (root / "pligos.yaml").read_text() == mine


async def test_take_theirs_and_undo_brings_mine_back(tmp_path):
    root = service(tmp_path)
    app = EditApp(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await edit_replicas(pilot, app, "5")
        mine = app.buffer.text
        write_outside(root, THEIRS)
        assert await until(pilot, lambda: isinstance(app.screen, OutsideChangeDialog))
        await pilot.pause()
        app.screen.query_one("#theirs", Button).press()
        await settle(pilot, app)
        assert app.buffer.text == THEIRS and not app.buffer.dirty
        assert "qa" in tree_labels(app)
        app.editor.query_one("#tree").focus()
        await pilot.press("ctrl+z")
        await settle(pilot, app)
        assert app.buffer.text == mine
    assert (root / "pligos.yaml").read_text() == THEIRS


async def test_saving_never_overwrites_an_outside_change_silently(tmp_path, monkeypatch):
    monkeypatch.setattr(EditApp, "WATCH_SECONDS", 3600, raising=False)  # save comes first
    root = service(tmp_path)
    app = EditApp(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await edit_replicas(pilot, app, "5")
        mine = app.buffer.text
        write_outside(root, THEIRS)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert (root / "pligos.yaml").read_text() == THEIRS
        assert isinstance(app.screen, OutsideChangeDialog)
        assert "Saving would overwrite it" in str(app.screen.query_one(".dialog-title")
                                                  .render())
        await pilot.press("escape")  # decide later: nothing written
        await pilot.pause()
        assert (root / "pligos.yaml").read_text() == THEIRS
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, OutsideChangeDialog)  # asked again
        app.screen.query_one("#mine", Button).press()
        await pilot.pause()
    assert (root / "pligos.yaml").read_text() == mine
