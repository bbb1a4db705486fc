"""`pligos edit` at 80×24 and 160×48 (pytest-textual-snapshot).

Update after an intended change of the layout with
`pytest tests/tui/test_edit_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import pytest
from edit_support import HELLO, no_blink, select_node, service, settle

from pligos_tui.jobs.editing import Selection
from pligos_tui.tui.edit.app import EditApp

SIZES = [(80, 24), (160, 48)]


def at(state: str):
    async def run_before(pilot) -> None:
        app = pilot.app
        await settle(pilot, app)
        if state == "context":
            await select_node(pilot, app, Selection.context("prod"))
        elif state == "diff":
            await pilot.press("f3")
        elif state == "invalid":
            pass
        no_blink(app)
        await settle(pilot, app)
        no_blink(app)

    return run_before


@pytest.fixture
def app_in(tmp_path, monkeypatch, helm_bin):
    def make(text: str = HELLO) -> EditApp:
        service(tmp_path, text)
        monkeypatch.chdir(tmp_path)  # the title shows hello/pligos.yaml on every machine
        from pathlib import Path
        return EditApp(Path("hello"))

    return make


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x48"])
@pytest.mark.parametrize("state", ["opened", "context", "diff"])
def test_editor(snap_compare, app_in, state, size):
    assert snap_compare(app_in(), terminal_size=size, run_before=at(state))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x48"])
def test_invalid_file(snap_compare, app_in, size):
    app = app_in(HELLO.replace("    image: nginx\n", "    image: nginxx\n"))
    assert snap_compare(app, terminal_size=size, run_before=at("invalid"))
