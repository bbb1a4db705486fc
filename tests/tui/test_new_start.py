"""The wizard's start: its first step is on screen before the template, the given answers and
the flavors are read; what is typed meanwhile is kept, in order, and an error in what was
given ends the wizard with that error, once, exit status 2, nothing written."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import threading
from pathlib import Path

import pytest
from new_support import ready
from test_new_e2e import Terminal
from textual.widgets import Input
from typing_support import send_keys

from pligos_tui.jobs import scaffold
from pligos_tui.tui.new.app import NewServiceApp
from pligos_tui.tui.new.fields import Field

SIZE = (120, 36)


def slow_load(answers: scaffold.Answers, release: threading.Event):
    """A Load that reads the built-in template once `release` is set (as a slow disk would)."""
    def load():
        release.wait(5)
        return scaffold.load_template(None), scaffold.Given(answers, [])
    return load


def value_of(app: NewServiceApp, key: str) -> str:
    return app.query_one(f"#{Field(key, '', '').id} Input", Input).value


@pytest.mark.asyncio
async def test_keys_typed_before_the_start_is_read_land_in_order(tmp_path: Path) -> None:
    release = threading.Event()
    app = NewServiceApp(scaffold.Answers(), tmp_path / "billing",
                        slow_load(scaffold.Answers(), release), helm=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not app.ready.is_set()  # only the first step's name and description so far
        assert not app.query("#f-flavor")
        threading.Timer(0.3, release.set).start()  # read while the keys below are queued
        await send_keys(pilot, *"billing", "tab", *"Bills customers", "tab", "down")
        await ready(pilot)
        for _ in range(20):
            await pilot.pause(0.02)
        # Tab after the description waited for the flavor choice, and Down moved in it
        assert value_of(app, "name") == "billing"
        assert value_of(app, "description") == "Bills customers"
        assert app.focused is app.query_one("#f-flavor").query_one(".control")
        assert [s.id for s in app.query(".step")] == [
            "service", "image", "start", "network", "contexts", "review"]


@pytest.mark.asyncio
async def test_given_answers_fill_the_first_step_unless_typed_into(tmp_path: Path) -> None:
    release = threading.Event()
    given = scaffold.Answers(name="billing", description="from --set", flavor="worker")
    app = NewServiceApp(scaffold.Answers(), tmp_path / "billing", slow_load(given, release),
                        helm=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        threading.Timer(0.3, release.set).start()
        await send_keys(pilot, "tab", *"typed")  # into the description, before the load
        await ready(pilot)
        assert value_of(app, "name") == "billing"
        assert value_of(app, "description") == "typed"
        answers, _ = app.collect()
        assert (answers.name, answers.description, answers.flavor) == (
            "billing", "typed", "worker")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
@pytest.mark.parametrize("given, said", [
    (["--set", "nam=x"], "unknown answer 'nam' (did you mean 'name'?)"),
    (["--template", "no-such-template"], "cannot fetch template no-such-template"),
])
def test_bad_given_input_ends_the_wizard_with_its_error_once(tmp_path, given, said):
    env = {"TERM": "xterm-256color", "PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    command = " ".join(shlex.quote(a) for a in [sys.executable, "-m", "pligos_tui", "new",
                                                 "svc", *given])
    term = Terminal(command, tmp_path, env)
    try:
        screen = term.wait_for("EXIT=")
    finally:
        term.close()
    assert "EXIT=2" in screen
    assert screen.count(said) == 1
    assert "Traceback" not in screen
    assert not (tmp_path / "svc").exists()
