"""Both shells start with the garbage collector held and a short switch interval, and give
both back once their first screen is painted: a long session then frees what it no longer
uses, and its threads share the interpreter as usual."""

from __future__ import annotations

import gc
import shutil
import sys
import threading

import pytest
from edit_support import settle
from support import EXAMPLES
from test_new_start import SIZE, slow_load
from textual.widgets import Button

from pligos_tui.jobs import scaffold
from pligos_tui.tui.edit.app import EditApp
from pligos_tui.tui.new.app import NewServiceApp
from pligos_tui.tui.startup import SWITCH_INTERVAL, starting


def test_starting_gives_the_collector_back_however_the_start_ends() -> None:
    interval = sys.getswitchinterval()
    with pytest.raises(RuntimeError), starting():
        assert not gc.isenabled()
        raise RuntimeError("the app failed to start")
    assert gc.isenabled()
    assert sys.getswitchinterval() == interval


@pytest.mark.asyncio
async def test_the_wizard_gives_the_collector_back_once_painted(tmp_path) -> None:
    release = threading.Event()  # the template is not read yet: only the first step is up
    app = NewServiceApp(scaffold.Answers(), tmp_path / "billing",
                        slow_load(scaffold.Answers(), release), helm=False)
    try:
        with starting():
            assert not gc.isenabled()
            async with app.run_test(size=SIZE) as pilot:
                await pilot.pause()
                assert not app.ready.is_set()
                assert gc.isenabled()
                assert sys.getswitchinterval() == SWITCH_INTERVAL
                assert gc.get_freeze_count() > 0  # what the start made: out of full passes
                # the first step's buttons come right after its first paint
                assert [b.id for b in app.query_one("#service").query(Button)] == [
                    "back-service", "next-service"]
                release.set()
            assert gc.get_freeze_count() == 0  # closed: all of it is the collector's again
    finally:
        release.set()


@pytest.mark.asyncio
@pytest.mark.usefixtures("helm_bin")
async def test_the_editor_gives_the_collector_back_once_painted(tmp_path) -> None:
    shutil.copytree(EXAMPLES / "tokend", tmp_path / "tokend",
                    ignore=shutil.ignore_patterns("charts"))
    with starting():
        app = EditApp(tmp_path / "tokend")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            assert gc.isenabled()
            assert sys.getswitchinterval() == SWITCH_INTERVAL
            assert gc.get_freeze_count() > 0
        assert gc.get_freeze_count() == 0
