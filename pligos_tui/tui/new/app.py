"""The `pligos new` wizard app: steps in a switcher, live checks, a review, nothing written
until the user confirms (the CLI then writes through the one writer).

The first step is on screen before anything else is read: the template, the given answers,
the flavors and the friends library are read after the first paint, off the UI thread
(:mod:`.loading`), and the other steps are added then. A key that moves focus or changes step
waits for that (keys typed into the first step meanwhile are not held up).

Typing never waits for a check: a change of an answer only marks the answers as changed, and
once they have been still for `CHECK_DELAY` seconds they are read off the screen and checked in
a thread worker (one document built, loaded by the loader's rules); the result is shown when
it is still of the answers on screen. The keys that move focus or change step (Tab, Enter,
Escape, Ctrl+N, Ctrl+S, Ctrl+Q) are the app's priority bindings: they are handled in the order
they were typed, before the next key is given to a field, however busy the app is. Moving to
another step needs the check of the answers as they are: that is the one check made at once
(the document is still built once per change of the answers)."""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events, work
from textual.actions import SkipAction
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button, ContentSwitcher, Footer, Input
from textual.worker import Worker, WorkerState, get_current_worker

from pligos_tui.jobs import scaffold
from pligos_tui.jobs.scaffold import (
    CONTEXTS,
    Answers,
    changed_answers,
    split_context_key,
)
from pligos_tui.spec.vocabulary import MANIFESTS, VALUES
from pligos_tui.tui.new.dialogs import QuitScreen
from pligos_tui.tui.new.fields import Field
from pligos_tui.tui.new.frame import StepList, TitleBar
from pligos_tui.tui.new.loading import Load, Start, load_start, preloaded
from pligos_tui.tui.new.steps import (
    ContextsStep,
    ExtrasStep,
    ImageStep,
    NetworkStep,
    ServiceStep,
    StartStep,
    Step,
)
from pligos_tui.tui.startup import after_first_paint, thaw
from pligos_tui.tui.text import one_line
from pligos_tui.tui.widgets.help import HELP_KEYS, HelpScreen
from pligos_tui.tui.widgets.keyorder import caught_up, move_focus

if TYPE_CHECKING:
    from textual.widgets import RadioSet, SelectionList, Switch

    from pligos_tui.jobs.scaffold import Template
    from pligos_tui.tui.new.review import ReviewStep

CHECK_DELAY = 0.12  # seconds without a change before the answers are checked


class NewServiceApp(App[Answers | None]):
    """Create a service. The result is the confirmed answers, or None when quit."""

    CSS_PATH = "new.tcss"
    TITLE = "pligos new"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "next_answer", "Next answer", show=False, priority=True),
        Binding("shift+tab", "previous_answer", "Previous answer", show=False, priority=True),
        Binding("enter", "enter", "Next answer; after a step's last one, the next step",
                show=False, priority=True),
        Binding("escape", "back", "Back", priority=True),
        Binding("ctrl+n", "next_step", "Next", priority=True),
        Binding("ctrl+s", "write", "Write", priority=True),
        Binding("ctrl+q", "quit_wizard", "Quit", priority=True),
        Binding(HELP_KEYS, "help", "Help"),
    ]

    def __init__(self, answers: Answers, dest: Path, template: Template | Load, *,
                 flavors: list[tuple[str, str]] | None = None, helm: bool | None = None,
                 force: bool = False) -> None:
        """`answers` are what the first step shows at once; `template` is the template (read
        already, `answers` then being the given ones) or a :data:`Load` that reads it and
        the given answers. `flavors` and `helm`, when given, are not looked for."""
        super().__init__()
        self.force = force
        self.initial = copy.deepcopy(answers)
        self.dest = Path(dest).absolute()
        self._load = template if callable(template) else preloaded(template, answers,
                                                                     self.dest)
        self._flavors, self._helm = flavors, helm  # (None: looked for once started)
        self.start: Start | None = None  # what the wizard started from, once read
        self.failure: Exception | None = None  # why it could not be read
        self.ready = asyncio.Event()  # set once it is read and every step is there
        self.mode = VALUES
        self.step_ids = ["service", "image", "start", "network", "contexts", "review"]
        self.touched: set[str] = set()
        self.check: scaffold.Check | None = None
        self._checked: tuple[Answers, dict[str, str]] | None = None  # what `check` is of
        self._version = 0  # changes of an answer so far
        self._shown_version = -1  # the version whose fields' visibility is on screen
        self._timer: Timer | None = None  # the check of a burst of changes, when still
        self._subtitle()

    @property
    def template(self) -> Template | None:
        return self.start.template if self.start else None

    def _subtitle(self) -> None:
        here = self.step_ids.index(self.step) if self.is_running else 0
        self.sub_title = f"step {here + 1} of {len(self.step_ids)} · {one_line(self.dest.name)}"

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with Horizontal(id="body"):
            yield StepList(self._step_titles(), id="steps")
            with ContentSwitcher(initial="service", id="switcher"):
                yield ServiceStep(self.initial, self._flavors, id="service")
        yield Footer()

    def _step_titles(self) -> list[tuple[str, str]]:
        return [(s, _TITLES[s]) for s in self.step_ids]

    def on_mount(self) -> None:
        move_focus(self.query_one("#f-name Input", Input))

    def on_ready(self) -> None:
        """The first screen is on the terminal: what it does not show is read or added now."""
        after_first_paint()
        self._read_start()
        self.query_one(ServiceStep).add_buttons()

    def on_unmount(self) -> None:
        thaw()

    @work(thread=True, group="load", exit_on_error=False)
    def _read_start(self) -> None:
        try:
            start = load_start(self._load, self.dest, flavors=self._flavors, helm=self._helm)
        except Exception as exc:  # reported by the command line, once the wizard has closed
            self._from_thread(self._not_started, exc)
            return
        self._from_thread(self._started, start)

    def _from_thread(self, callback: object, *args: object) -> None:
        try:
            self.call_from_thread(callback, *args)  # type: ignore[arg-type]
        except RuntimeError:
            pass  # the wizard was closed meanwhile

    def _not_started(self, exc: Exception) -> None:
        self.failure = exc
        self.ready.set()
        self.exit(None)

    async def _started(self, start: Start) -> None:
        """Add what needed the template, the given answers and the flavors."""
        from pligos_tui.tui.new.review import ReviewStep

        self.start = start
        a = self.initial = copy.deepcopy(start.given.answers)
        self.mode = MANIFESTS if start.helm else VALUES
        await self.query_one(ServiceStep).offer(a, start.flavors)
        steps: list[Widget] = [ImageStep(a, id="image"), StartStep(a, id="start"),
                               NetworkStep(a, id="network"), ContextsStep(a, id="contexts")]
        if start.friends or start.template.own_prompts:
            self.step_ids.insert(-1, "extras")
            steps.append(ExtrasStep(a, start.friends, start.library,
                                    start.template.own_prompts, id="extras"))
            step_list = self.query_one("#steps", StepList)
            step_list.set_steps(self._step_titles())
            step_list.current = self.step_ids.index(self.step)
            self._subtitle()
        steps.append(ReviewStep(start.template, self.dest, force=self.force, id="review"))
        for step in steps:
            step.display = False  # the switcher shows the current step only
        await self.query_one("#switcher", ContentSwitcher).mount_all(steps)
        self._version += 1
        self._show_visibility()  # the fields the answers leave out are never shown
        self.ready.set()
        self._start_check()

    # ------------------------------------------------------------------ answers

    @property
    def step(self) -> str:
        return self.query_one("#switcher", ContentSwitcher).current or "service"

    def collect(self) -> tuple[Answers, dict[str, str]]:
        """The answers on screen, and messages for values that are not even of their type."""
        answers = copy.deepcopy(self.initial)
        keys = tuple(self.template.own_prompts) if self.template else ()
        bad: dict[str, str] = {}
        pairs: list[tuple[str, object]] = []
        for step in self.query(Step):
            pairs += step.values()
        pairs.sort(key=lambda kv: kv[0] != CONTEXTS)  # the list first, then its settings
        for key, value in pairs:
            setting = split_context_key(key)
            if setting is not None and answers.context(setting[0]) is None:
                continue  # a row of a context no longer in the list
            try:
                scaffold.set_answer(answers, key, value, template_keys=keys)
            except ValueError as exc:
                bad[key] = str(exc)
        return answers, bad

    def current_check(self) -> scaffold.Check:
        """The check of the answers on screen now, shown: the last one when they are the
        answers it is of, else made here (moving between steps and writing need it)."""
        answers, bad = self.collect()
        if self.check is None or self._checked != (answers, bad):
            self.check, self._checked = check_of(answers, bad, self.dest), (answers, bad)
        self._show(answers, self.check, self._version)
        return self.check

    def _show(self, answers: Answers, check: scaffold.Check, version: int) -> None:
        for field in self.query(Field):
            field.follow(answers)
            field.display = field.key not in check.skipped
            message = check.first(field.key)
            if field.key not in self.touched and message == "required":
                message = ""
            field.show(message)
        self._shown_version = version

    def _show_visibility(self, *, force: bool = False) -> None:
        """Hide and show the fields as the answers on screen say, before focus moves (the
        check of a change may not have landed yet); only the quick part of a check."""
        if self._shown_version == self._version and not force:
            return
        answers, _ = self.collect()
        hidden = scaffold.skipped(answers, self.dest)
        for field in self.query(Field):
            field.display = field.key not in hidden
        self._shown_version = self._version

    def step_problems(self, step_id: str) -> list[Field]:
        check = self.current_check()
        where = self if step_id == "review" else self.query_one(f"#{step_id}")
        return [f for f in where.query(Field) if f.display and check.fields.get(f.key)]

    def unplaced_problems(self) -> list[str]:
        """Problems of answers no field on screen shows (e.g. a default that fails)."""
        shown = {f.key for f in self.query(Field)}
        check = self.check or self.current_check()
        return [f"{k}: {m[0]}" for k, m in check.fields.items() if k not in shown]

    # ------------------------------------------------------------------ checking

    @property
    def checking(self) -> bool:
        """True while a check of changed answers is due or under way."""
        return self._timer is not None or any(
            w.group == "check" and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
            for w in self.workers)

    def _changed(self, widget: Widget, *, delay: float = CHECK_DELAY) -> None:
        """An answer changed: check the answers once they are still for `delay` seconds."""
        field = _field_of(widget)
        if field is not None:
            self.touched.add(field.key)
        self._version += 1
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(delay, self._start_check)

    def _start_check(self) -> None:
        self._timer = None
        if not self.ready.is_set():
            return  # checked once everything is read
        answers, bad = self.collect()
        if self.check is not None and self._checked == (answers, bad):
            self._show(answers, self.check, self._version)  # (typed, then undone)
            return
        self._check_in_thread(self._version, answers, bad)

    @work(thread=True, exclusive=True, group="check", exit_on_error=False)
    def _check_in_thread(self, version: int, answers: Answers, bad: dict[str, str]) -> None:
        check = check_of(answers, bad, self.dest)
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self._landed, version, answers, bad, check)

    def _landed(self, version: int, answers: Answers, bad: dict[str, str],
                check: scaffold.Check) -> None:
        if version != self._version:
            return  # the answers moved on since: their own check is due
        self.check, self._checked = check, (answers, bad)
        self._show(answers, check, version)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "check" and event.state == WorkerState.ERROR:
            self.notify(f"checking the answers failed: {event.worker.error}",
                        severity="error", markup=False)

    # ------------------------------------------------------------------ events

    def on_input_changed(self, event: Input.Changed) -> None:
        self._changed(event.input)

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self._changed(event.radio_set, delay=0.01)

    def on_switch_changed(self, event: Switch.Changed) -> None:
        self._changed(event.switch, delay=0.01)

    def on_selection_list_selected_changed(
            self, event: SelectionList.SelectedChanged[str]) -> None:
        self._changed(event.selection_list, delay=0.01)

    async def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        if _is_contexts_list(event.widget):  # left by the mouse: the rows follow the list
            await self.sync_context_rows()

    async def sync_context_rows(self) -> bool:
        """The rows of the contexts step for the contexts listed; True when they changed."""
        if await self.query_one(ContextsStep).rebuild(self.collect()[0]):
            self._version += 1
            self.current_check()
            return True
        return False

    async def _before_moving(self) -> None:
        """Focus is about to move: the contexts' rows and the fields shown are made to follow
        the answers first, so that it moves to where the user sees it go."""
        if _is_contexts_list(self.focused):
            await self.sync_context_rows()
        self._show_visibility()

    async def _settled(self) -> None:
        """Wait until the focused widget has handled the keys typed before the one being
        handled: a key the app handles itself then sees every answer typed before it."""
        if not self._on_main_screen():
            raise SkipAction()  # a dialog's own key
        await self.ready.wait()  # the step it may move to is there
        await caught_up(self.focused)

    def _on_main_screen(self) -> bool:
        return len(self.screen_stack) == 1

    async def action_next_answer(self) -> None:
        await self._settled()
        await self._before_moving()
        self.screen.focus_next()

    async def action_previous_answer(self) -> None:
        await self._settled()
        await self._before_moving()
        self.screen.focus_previous()

    async def action_next_step(self) -> None:
        await self._settled()
        self.step_next()

    async def action_back(self) -> None:
        if isinstance(self.focused, Input) and _field_of(self.focused) is None:
            raise SkipAction()  # a box of its own (a preview's search): Escape closes it
        await self._settled()
        self.step_back()

    async def action_write(self) -> None:
        await self._settled()
        self.write()

    async def action_quit_wizard(self) -> None:
        if isinstance(self.screen, QuitScreen):  # Ctrl+Q again: quit
            self.exit(None)
            return
        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
        await self._settled()
        self.cancel()

    async def action_enter(self) -> None:
        """Enter on an answer: the next answer, or the next step after the step's last one.
        Anywhere else (a button, the step list, a friend), Enter does what it does there."""
        await self._settled()
        widget = self.focused
        if widget is None or _field_of(widget) is None:
            raise SkipAction()
        from pligos_tui.tui.new.controls import Choice, Toggle

        if isinstance(widget, Choice):
            widget.action_pick()  # picks, then goes on
        elif isinstance(widget, (Input, Toggle)):
            if _is_contexts_list(widget):
                await self.sync_context_rows()
            self.advance(widget)
        else:
            raise SkipAction()

    def advance(self, widget: Widget) -> None:
        """Enter: the next answer of this step, or the next step after its last answer."""
        field = _field_of(widget)  # a choice's pick is not posted yet: shown now
        self._show_visibility(force=field is not None and field.kind == "choice")
        step = self.query_one(f"#{self.step}")
        controls = [c for c in step.query(".control")
                    if c.focusable and all(a.display for a in c.ancestors_with_self
                                           if isinstance(a, Field))]
        if widget in controls and controls.index(widget) + 1 < len(controls):
            move_focus(controls[controls.index(widget) + 1])
        else:
            self.step_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if not self.ready.is_set():
            return  # (clicked before the other steps are there)
        if event.button.id == "write":
            self.write()
        elif event.button.has_class("next"):
            self.step_next()
        elif event.button.has_class("back"):
            self.step_back()

    async def on_step_list_chosen(self, event: StepList.Chosen) -> None:
        if not self.ready.is_set():
            return
        target = event.step
        here = self.step_ids.index(self.step)
        there = self.step_ids.index(target)
        if there <= here:
            self.go(target)
            return
        for step_id in self.step_ids[here:there]:  # moving forward: every step on the way
            bad = self.step_problems(step_id)
            if bad:
                self.go(step_id)
                self._flag(bad)
                return
        self.go(target)

    # ------------------------------------------------------------------ actions

    def go(self, step_id: str) -> None:
        self.query_one("#switcher", ContentSwitcher).current = step_id
        self._subtitle()
        self.query_one("#steps", StepList).current = self.step_ids.index(step_id)
        # the review takes the whole width: every context's chart side by side
        self.query_one("#body").set_class(step_id == "review", "reviewing")
        if step_id == "review":
            check = self.current_check()
            answers, _ = self._checked or self.collect()
            self.review.load(answers, check, self.mode)
            move_focus(self.query_one("#write", Button))
            return
        for control in self.query_one(f"#{step_id}").query(".control"):
            field = _field_of(control)
            if field is None or field.display:
                move_focus(control)
                break

    @property
    def review(self) -> ReviewStep:
        from pligos_tui.tui.new.review import ReviewStep

        return self.query_one("#review", ReviewStep)

    def _flag(self, bad: list[Field], *, say: bool = True) -> None:
        for field in bad:
            self.touched.add(field.key)
        self.current_check()
        move_focus(bad[0].control)
        self.bell()
        if say:
            self.notify(f"{len(bad)} answer{'s' if len(bad) != 1 else ''} to fix on this step",
                        severity="warning", timeout=3)

    def step_next(self) -> None:
        here = self.step_ids.index(self.step)
        if here == len(self.step_ids) - 1:
            self.write()
            return
        bad = self.step_problems(self.step)
        if bad:
            self._flag(bad)
            return
        self.go(self.step_ids[here + 1])

    def step_back(self) -> None:
        here = self.step_ids.index(self.step)
        if here > 0:
            self.go(self.step_ids[here - 1])

    def write(self) -> None:
        """Ctrl+S, on any step: write when every answer is valid; else say each answer to
        fix, and go to the first."""
        for field in self.query(Field):  # a required answer not given is one to fix now
            self.touched.add(field.key)
        check = self.current_check()
        answers, _ = self._checked or self.collect()
        bad = [f for f in self.query(Field) if f.display and check.fields.get(f.key)]
        unplaced = self.unplaced_problems()
        if not bad and not unplaced:
            self.exit(answers)
            return
        lines = [f"{self._where(f)}: {check.first(f.key)}" for f in bad] + unplaced
        count = len(lines)
        self.notify(f"Not written: {count} answer{'s' if count != 1 else ''} to fix first\n"
                    + "\n".join(f"• {line}" for line in lines),
                    severity="error", markup=False, timeout=8)
        if bad:
            step = next(a for a in bad[0].ancestors if isinstance(a, Step))
            self.go(step.id or "service")
            self._flag([f for f in bad if step in f.ancestors], say=False)

    def _where(self, field: Field) -> str:
        """Where an answer is asked: its step, its context, its label."""
        step = next((a.id for a in field.ancestors if isinstance(a, Step)), None) or ""
        setting = split_context_key(field.key)
        label = f"{setting[0]} {field.prompt}" if setting else field.prompt
        return f"{_TITLES.get(step, step).split(' ', 1)[-1]} › {label}"

    def answers_changed(self) -> int:
        """How many answers differ from those the wizard started with."""
        answers, _ = self.collect()
        answers.friends_library = self.initial.friends_library  # the wizard's own choice
        return len(changed_answers(self.initial, answers))

    def cancel(self) -> None:
        """Ctrl+Q: quit, writing nothing; asked first when answers were given (Ctrl+Q again
        in that dialog quits)."""
        changed = self.answers_changed()
        if not changed:
            self.exit(None)
            return

        def quit_if(yes: bool | None) -> None:
            if yes:
                self.exit(None)

        self.push_screen(QuitScreen(changed), quit_if)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen, title="pligos new: keys", extra=_KEYS))


def check_of(answers: Answers, bad: dict[str, str], dest: Path) -> scaffold.Check:
    """The check of `answers`, with the messages of values that are not of their type first
    (safe to call off the UI thread: it reads no widget)."""
    check = scaffold.check_answers(answers, dest)
    for key, message in bad.items():
        check.fields.setdefault(key, []).insert(0, message)
    return check


def _field_of(widget: Widget | None) -> Field | None:
    if widget is None:
        return None
    return next((a for a in widget.ancestors_with_self if isinstance(a, Field)), None)


def _is_contexts_list(widget: Widget | None) -> bool:
    field = _field_of(widget)
    return field is not None and field.key == CONTEXTS


# keys the help screen lists besides the bindings (handled by the widget focused)
_KEYS = [
    ("← → ↑ ↓", "on a choice: move between its options"),
    ("space", "on a choice: pick (Enter picks and goes on); on a switch: toggle; "
              "on a friend: pick or drop it"),
    ("mouse", "the step list, the buttons and every field can be clicked"),
]

_TITLES = {"service": "1 Service", "image": "2 Image", "start": "3 Start",
           "network": "4 Ports & probes", "contexts": "5 Contexts", "extras": "6 Friends",
           "review": "✓ Review"}


def run_wizard(dest: Path, load: Load, *, force: bool = False
               ) -> tuple[Answers | None, Start | None]:
    """Run the wizard in this terminal: the confirmed answers (None when quit) and what it
    started from (None when it was closed before that was read). What `load` raises is
    raised here, once the wizard has closed."""
    app = NewServiceApp(Answers(), dest, load, force=force)
    answers = app.run()
    if app.failure is not None:
        raise app.failure
    return answers, app.start
