"""The `pligos new` wizard app: steps in a switcher, live checks, a review, nothing written
until the user confirms (the CLI then writes through the one writer)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import ClassVar

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import (
    Button,
    ContentSwitcher,
    Footer,
    Header,
    Input,
    OptionList,
    RadioSet,
    SelectionList,
    Switch,
)
from textual.widgets.option_list import Option

from pligos_tui.helm import find_helm
from pligos_tui.jobs import scaffold
from pligos_tui.jobs.render import MANIFESTS, VALUES
from pligos_tui.jobs.scaffold import CONTEXTS, Answers, Template, find_library, split_context_key
from pligos_tui.spec.flavors import FlavorSet
from pligos_tui.tui.new.fields import Field
from pligos_tui.tui.new.review import ReviewStep
from pligos_tui.tui.new.steps import (
    ContextsStep,
    ExtrasStep,
    ImageStep,
    NetworkStep,
    ServiceStep,
    StartStep,
    Step,
)
from pligos_tui.tui.text import one_line


class NewServiceApp(App[Answers | None]):
    """Create a service. The result is the confirmed answers, or None when quit."""

    CSS_PATH = "new.tcss"
    TITLE = "pligos new"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "step_back", "Back"),
        Binding("ctrl+n", "step_next", "Next"),
        Binding("ctrl+s", "write", "Write"),
        Binding("ctrl+q", "cancel", "Quit", priority=True),
    ]

    def __init__(self, answers: Answers, dest: Path, template: Template, *,
                 flavors: list[tuple[str, str]] | None = None, helm: bool | None = None,
                 force: bool = False) -> None:
        super().__init__()
        self.force = force
        self.initial = copy.deepcopy(answers)
        self.dest = Path(dest).absolute()
        self.template = template
        self.flavors = flavors if flavors is not None else _flavors(answers, self.dest)
        if helm is None:
            helm = find_helm() is not None
        self.mode = MANIFESTS if helm else VALUES
        self.library, self.friends = find_library(self.dest, answers.friends_library)
        self.step_ids = ["service", "image", "start", "network", "contexts"]
        if self.friends or template.own_prompts:
            self.step_ids.append("extras")
        self.step_ids.append("review")
        self.touched: set[str] = set()
        self.check: scaffold.Check | None = None
        self._check_due = False  # a check of the answers is queued
        self._checked: tuple[Answers, dict[str, str]] | None = None  # what `check` is of
        self.sub_title = f"step 1 of {len(self.step_ids)} · {one_line(self.dest.name)}"

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        a = self.initial
        yield Header()
        with Horizontal(id="body"):
            yield OptionList(*[Option(_TITLES[s], id=s) for s in self.step_ids], id="steps")
            with ContentSwitcher(initial="service", id="switcher"):
                yield ServiceStep(a, self.flavors, id="service")
                yield ImageStep(a, id="image")
                yield StartStep(a, id="start")
                yield NetworkStep(a, id="network")
                yield ContextsStep(a, id="contexts")
                if "extras" in self.step_ids:
                    yield ExtrasStep(a, self.friends, self.library, self.template.own_prompts,
                                     id="extras")
                yield ReviewStep(self.template, self.dest, force=self.force, id="review")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#steps", OptionList).highlighted = 0
        self.query_one("#f-name Input", Input).focus()
        self.call_after_refresh(self.refresh_checks)  # the first screen does not wait for it

    # ------------------------------------------------------------------ answers

    @property
    def step(self) -> str:
        return self.query_one("#switcher", ContentSwitcher).current or "service"

    def collect(self) -> tuple[Answers, dict[str, str]]:
        """The answers on screen, and messages for values that are not even of their type."""
        answers = copy.deepcopy(self.initial)
        keys = tuple(self.template.own_prompts)
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

    def checked(self, answers: Answers, bad: dict[str, str]) -> scaffold.Check:
        """The check of these answers: built once per change of them, then reused (moving
        between steps, writing, the review)."""
        if self.check is not None and self._checked == (answers, bad):
            return self.check
        check = scaffold.check_answers(answers, self.dest)
        for key, message in bad.items():
            check.fields.setdefault(key, []).insert(0, message)
        self.check, self._checked = check, (answers, bad)
        return check

    def refresh_checks(self) -> scaffold.Check:
        answers, bad = self.collect()
        check = self.checked(answers, bad)
        for field in self.query(Field):
            field.follow(answers)
            field.display = field.key not in check.skipped
            message = check.first(field.key)
            if field.key not in self.touched and message == "required":
                message = ""
            field.show(message)
        return check

    def step_problems(self, step_id: str) -> list[Field]:
        check = self.refresh_checks()
        if step_id == "review":
            return [f for f in self.query(Field) if f.display and check.fields.get(f.key)]
        step = self.query_one(f"#{step_id}")
        return [f for f in step.query(Field) if f.display and check.fields.get(f.key)]

    def unplaced_problems(self) -> list[str]:
        """Problems of answers no field on screen shows (e.g. a default that fails)."""
        shown = {f.key for f in self.query(Field)}
        check = self.check or self.refresh_checks()
        return [f"{k}: {m[0]}" for k, m in check.fields.items() if k not in shown]

    # ------------------------------------------------------------------ events

    def on_input_changed(self, event: Input.Changed) -> None:
        self._changed(event.input)

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self._changed(event.radio_set)

    def on_switch_changed(self, event: Switch.Changed) -> None:
        self._changed(event.switch)

    def on_selection_list_selected_changed(
            self, event: SelectionList.SelectedChanged[str]) -> None:
        self.refresh_checks()

    def _changed(self, widget: Widget) -> None:
        field = next((a for a in widget.ancestors if isinstance(a, Field)), None)
        if field is not None:
            self.touched.add(field.key)
        if not self._check_due:  # keys typed in a burst are checked once, after the last
            self._check_due = True
            self.call_later(self._due_checks)

    def _due_checks(self) -> None:
        self._check_due = False
        self.refresh_checks()

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        if await self.sync_context_rows():
            self.refresh_checks()
        self.advance(event.input)

    async def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        if await self.sync_context_rows():
            self.refresh_checks()

    async def sync_context_rows(self) -> bool:
        return await self.query_one(ContextsStep).rebuild(self.collect()[0])

    def advance(self, widget: Widget) -> None:
        """Enter: the next answer of this step, or the next step after its last answer."""
        step = self.query_one(f"#{self.step}")
        controls = [c for c in step.query(".control")
                    if c.focusable and all(a.display for a in c.ancestors_with_self
                                           if isinstance(a, Field))]
        if widget in controls and controls.index(widget) + 1 < len(controls):
            controls[controls.index(widget) + 1].focus()
        else:
            self.action_step_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "write":
            self.action_write()
        elif event.button.has_class("next"):
            self.action_step_next()
        elif event.button.has_class("back"):
            self.action_step_back()

    async def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        target = event.option.id or "service"
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
        self.sub_title = (f"step {self.step_ids.index(step_id) + 1} of {len(self.step_ids)} · "
                          f"{one_line(self.dest.name)}")
        steps = self.query_one("#steps", OptionList)
        steps.highlighted = self.step_ids.index(step_id)
        if step_id == "review":
            check = self.refresh_checks()
            answers, _ = self._checked or self.collect()
            self.query_one(ReviewStep).load(answers, check, self.mode)
            self.query_one("#write", Button).focus()
            return
        for control in self.query_one(f"#{step_id}").query(".control"):
            field = next((a for a in control.ancestors if isinstance(a, Field)), None)
            if field is None or field.display:
                control.focus()
                break

    def _flag(self, bad: list[Field]) -> None:
        for field in bad:
            self.touched.add(field.key)
        self.refresh_checks()
        bad[0].control.focus()
        self.bell()
        self.notify(f"{len(bad)} answer{'s' if len(bad) != 1 else ''} to fix on this step",
                    severity="warning", timeout=3)

    def action_step_next(self) -> None:
        here = self.step_ids.index(self.step)
        if here == len(self.step_ids) - 1:
            self.action_write()
            return
        bad = self.step_problems(self.step)
        if bad:
            self._flag(bad)
            return
        self.go(self.step_ids[here + 1])

    def action_step_back(self) -> None:
        here = self.step_ids.index(self.step)
        if here > 0:
            self.go(self.step_ids[here - 1])

    def action_write(self) -> None:
        if self.step != "review":
            return
        answers, _ = self.collect()
        bad = self.step_problems("review")
        if bad or self.unplaced_problems():
            first = bad[0] if bad else None
            if first is not None:
                step = next(a for a in first.ancestors if isinstance(a, Step))
                self.go(step.id or "service")
                self._flag(bad)
            else:
                self.notify("; ".join(self.unplaced_problems()), severity="error",
                            markup=False)
            return
        self.exit(answers)

    def action_cancel(self) -> None:
        self.exit(None)


_TITLES = {"service": "1 Service", "image": "2 Image", "start": "3 Start",
           "network": "4 Ports & probes", "contexts": "5 Contexts", "extras": "6 Friends",
           "review": "✓ Review"}


def _flavors(answers: Answers, dest: Path) -> list[tuple[str, str]]:
    search = [Path(scaffold.near(dest, p)) for p in answers.flavor_paths]
    return [(f.name, f.description) for f in FlavorSet().all(search)]


def run_wizard(answers: Answers, dest: Path, template: Template, *,
               force: bool = False) -> Answers | None:
    """Run the wizard in this terminal; the confirmed answers, or None when quit."""
    return NewServiceApp(answers, dest, template, force=force).run()
