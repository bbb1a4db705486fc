"""Every step of the `pligos new` wizard, at 80×24 and 160×48 (pytest-textual-snapshot).

Update after an intended change of the layout with `pytest tests/tui --snapshot-update`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from new_support import ready
from textual.widgets import Input

from pligos_tui.jobs import scaffold
from pligos_tui.tui.new.app import NewServiceApp
from pligos_tui.tui.new.review import ReviewStep

STEPS = ["service", "image", "start", "network", "contexts", "review"]
DEST = Path("/srv/services/billing")  # shown in the title; never written


def make_app() -> NewServiceApp:
    """The app as the CLI builds it, with fixed answers and values (not helm) in the review."""
    answers = scaffold.Answers(name="billing", description="Bills customers every month",
                               start="executable", command="/billing --serve")
    answers.contexts[1].fqdn = "billing.example.com"
    return NewServiceApp(answers, DEST, scaffold.load_template(None), helm=False)


def at_step(step: str):
    async def run_before(pilot) -> None:
        app = pilot.app
        await ready(pilot)
        for widget in app.query(Input):
            widget.cursor_blink = False
        if step != "service":
            app.go(step)
        for _ in range(200):
            await pilot.pause()
            await app.workers.wait_for_complete()
            preview = app.query_one(ReviewStep).preview
            if step != "review" or (preview and not preview.pending
                                    and None not in preview.texts):
                break
        for widget in app.query(Input):
            widget.cursor_blink = False
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
@pytest.mark.parametrize("step", STEPS)
def test_step(snap_compare, step, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=at_step(step))


def test_invalid_name_message(snap_compare):
    async def type_bad_name(pilot) -> None:
        await ready(pilot)
        for widget in pilot.app.query(Input):
            widget.cursor_blink = False
        await pilot.press("end", "backspace", "backspace", *"_B")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=type_bad_name)


def _typed_then(*keys: str):
    async def run_before(pilot) -> None:
        await ready(pilot)
        for widget in pilot.app.query(Input):
            widget.cursor_blink = False
        await pilot.press("end", *"-api", *keys)
        await pilot.pause()

    return run_before


def test_quit_dialog(snap_compare):
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=_typed_then("ctrl+q"))


def test_help_screen(snap_compare):
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=_typed_then("f1"))
