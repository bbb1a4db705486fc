"""The wizard's keys: Ctrl+Q asks before answers are lost, Ctrl+S on any step writes or says
what is missing, ?/F1 help, and the review's layout (every context side by side, readable
at 120 columns; stacked at 80×24, with a footer that fits)."""

from __future__ import annotations

from pathlib import Path

import pytest
from new_support import started
from rich.console import Console
from textual.widgets import Input

from pligos_tui.jobs import scaffold
from pligos_tui.tui.new.app import NewServiceApp
from pligos_tui.tui.new.dialogs import QuitScreen
from pligos_tui.tui.new.fields import Field
from pligos_tui.tui.new.review import ReviewStep
from pligos_tui.tui.widgets.help import HelpScreen
from pligos_tui.tui.widgets.preview import PreviewPane

pytestmark = pytest.mark.asyncio


def wizard(tmp_path: Path, answers: scaffold.Answers | None = None) -> NewServiceApp:
    app = NewServiceApp(answers or scaffold.Answers(), tmp_path / "svc",
                        scaffold.load_template(None), helm=False)
    app.animation_level = "none"
    return app


def screen_text(app: NewServiceApp) -> str:
    """The screen as a user reads it (its characters, no colours)."""
    console = Console(record=True, width=app.size.width, height=app.size.height,
                      color_system=None, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text()


def focused_key(app: NewServiceApp) -> str | None:
    field = next((a for a in app.focused.ancestors_with_self if isinstance(a, Field)), None)
    return field.key if field else None


async def test_ctrl_q_quits_at_once_when_no_answer_was_given(tmp_path):
    app = wizard(tmp_path, scaffold.Answers(name="api"))  # given on the command line
    async with started(app, size=(80, 24)) as pilot:
        await pilot.press("ctrl+n", "ctrl+q")
        await pilot.pause()
        assert not app.is_running
    assert app.return_value is None and list(tmp_path.iterdir()) == []


async def test_ctrl_q_asks_before_answers_are_lost(tmp_path):
    app = wizard(tmp_path)
    async with started(app, size=(80, 24)) as pilot:
        await pilot.press(*"api", "enter", *"An API")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, QuitScreen)
        assert "Quit without writing? The 2 answers you gave are lost" in screen_text(app)
        await pilot.press("escape")  # keep answering: everything as it was
        await pilot.pause()
        assert not isinstance(app.screen, QuitScreen) and app.is_running
        assert focused_key(app) == "description" and app.focused.value == "An API"
        await pilot.press("ctrl+q", "q")
        await pilot.pause()
        assert not app.is_running
    assert app.return_value is None and list(tmp_path.iterdir()) == []


async def test_ctrl_q_twice_quits(tmp_path):
    app = wizard(tmp_path)
    async with started(app, size=(80, 24)) as pilot:
        await pilot.press(*"api", "ctrl+q", "ctrl+q")
        await pilot.pause()
        assert not app.is_running and app.return_value is None


async def test_ctrl_s_before_the_review_says_what_is_missing(tmp_path):
    app = wizard(tmp_path)
    async with started(app, size=(120, 36), notifications=True) as pilot:
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.is_running and app.step == "service" and focused_key(app) == "name"
        text = screen_text(app)
        assert "Not written: 1 answer to fix first" in text
        assert "• Service › Name: required" in text
        await pilot.press(*"api")
        app.go("contexts")
        await pilot.pause()
        app.query_one("#f-contexts-prod-fqdn Input", Input).focus()
        await pilot.press(*"Not A Host")
        app.go("image")  # from another step: it goes to the one with the problem
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.is_running and app.step == "contexts"
        assert focused_key(app) == "contexts.prod.fqdn"
        assert "• Contexts › prod Host name: 'Not A Host' is not a host" in screen_text(app)


async def test_ctrl_s_on_any_step_writes_when_every_answer_is_valid(tmp_path):
    app = wizard(tmp_path)
    async with started(app, size=(80, 24)) as pilot:
        await pilot.press(*"api", "ctrl+s")
        await pilot.pause()
        assert not app.is_running
    answers = app.return_value
    assert answers is not None and answers.name == "api"
    assert [c.name for c in answers.contexts] == ["dev", "prod"]


async def test_help_lists_every_key_and_typing_a_question_mark_stays_typing(tmp_path):
    app = wizard(tmp_path)
    async with started(app, size=(100, 40)) as pilot:
        await pilot.press(*"a?")  # into the name: a character, not the help
        assert app.focused.value == "a?" and not isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = dict(app.screen.rows)
        assert rows["^s"] == "Write" and rows["^q"] == "Quit" and rows["esc"] == "Back"
        assert rows["tab"] == "Next answer"
        assert rows["⏎"].startswith("Next answer; after a step's last one")
        assert "on a choice: move between its options" in rows.values()
        text = screen_text(app)
        assert "pligos new: keys" in text and "shift+tab" in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen) and app.step == "service"
        await pilot.press("tab", "tab", "question_mark")  # on the flavor choice: the help
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def _at_review(pilot, app: NewServiceApp) -> None:
    app.go("review")
    for _ in range(200):
        await pilot.pause()
        preview = app.query_one(ReviewStep).preview
        if preview is not None and not preview.pending:
            break
    await pilot.pause()


@pytest.mark.parametrize(("size", "contexts", "stacked"), [
    ((120, 36), "dev, prod", False),  # pligos.yaml and both charts side by side
    ((120, 36), "dev, staging, prod", True),  # pligos.yaml above three charts
    ((80, 24), "dev, prod", True),
])
async def test_the_review_shows_every_context_readably(tmp_path, size, contexts, stacked):
    answers = scaffold.answers_from([("name", "api"), ("contexts", contexts)])
    app = wizard(tmp_path, answers)
    async with started(app, size=size) as pilot:
        await _at_review(pilot, app)
        assert not app.query_one("#steps").display  # the review takes the whole width
        assert app.query_one("#review-body").has_class("stacked") is stacked
        panes = list(app.query_one(ReviewStep).query(PreviewPane))
        names = [c.strip() for c in contexts.split(",")]
        assert [p.title.split(" ")[0] for p in panes] == names
        assert all(p.size.width >= 35 for p in panes), [p.size.width for p in panes]
        yaml_box = app.query_one("#review-yaml")
        assert yaml_box.size.width >= 35
        text = screen_text(app)
        for name in names:
            assert f"{name} · values" in text
        footer = text.rstrip("\n").splitlines()[-1]
        for key in ("^q Quit", "esc Back", "^n Next", "^s Write", "Help"):
            assert key in footer
        await pilot.press("escape")
        await pilot.pause()
        assert app.step == "contexts" and (app.query_one("#steps").display is (size[0] >= 100))


async def test_the_footer_fits_at_80_columns_on_every_step(tmp_path):
    app = wizard(tmp_path, scaffold.Answers(name="api"))
    async with started(app, size=(80, 24)) as pilot:
        for step in app.step_ids[:-1]:
            app.go(step)
            await pilot.pause()
            footer = screen_text(app).rstrip("\n").splitlines()[-1]
            assert all(k in footer for k in ("^q Quit", "esc Back", "^n Next", "^s Write",
                                             "Help")), (step, footer)
