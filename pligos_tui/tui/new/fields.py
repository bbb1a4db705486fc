"""A labelled answer: the control, its help and the live message of the loader's rules."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input, Label, RadioButton, RadioSet, Static, Switch

from pligos_tui.jobs.scaffold import (
    Answers,
    ContextAnswers,
    Question,
    answer_value,
    fallback_value,
)
from pligos_tui.tui.text import literal, one_line
from pligos_tui.tui.widgets.keyorder import KeysInOrder, LineInput


def ident(key: str) -> str:
    """A widget id for an answer key (contexts.prod.fqdn -> f-contexts-prod-fqdn)."""
    return "f-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in key)


class Choice(KeysInOrder, RadioSet, inherit_bindings=False):
    """A radio set where Enter picks the highlighted choice and moves on (Space only picks)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,right", "next_button", "Next option", show=False),
        Binding("up,left", "previous_button", "Previous option", show=False),
        Binding("space", "toggle_button", "Pick", show=False),
        Binding("enter", "pick", "Pick and go on", show=False),
    ]

    picked: int | None = None  # the choice, known at once (the set's own state follows)

    def action_pick(self) -> None:
        if self._selected is not None:
            self.picked = self._selected
        self.action_toggle_button()
        self.app.advance(self)  # type: ignore[attr-defined]

    def on_mount(self) -> None:
        self.call_after_refresh(self._highlight_pressed)

    def _highlight_pressed(self) -> None:
        if self.pressed_index >= 0:  # the highlight starts on the current choice
            self._selected = self.pressed_index

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self.picked = event.index


class Toggle(KeysInOrder, Switch, inherit_bindings=False):
    """A switch where Space toggles and Enter moves on."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_switch", "Toggle", show=False),
        Binding("enter", "advance", "Next", show=False),
    ]

    def action_advance(self) -> None:
        self.app.advance(self)  # type: ignore[attr-defined]


class Field(Vertical):
    """One answer. `kind` is text, int, bool or choice; `key` is the answers-model key."""

    def __init__(self, key: str, prompt: str, value: str | int | bool | None, *,
                 kind: str = "text", choices: tuple[str, ...] = (), placeholder: str = "",
                 help: str = "", compact: bool = False, question: Question | None = None
                 ) -> None:
        super().__init__(id=ident(key), classes="field compact" if compact else "field")
        self.key = key
        self.prompt = prompt
        self.kind = kind
        self.choices = choices
        self.initial = value
        self.placeholder = placeholder
        self.help = help
        self.compact = compact
        self.question = question

    @classmethod
    def asking(cls, question: Question, answers: Answers | ContextAnswers, *,
               key: str = "", choices: tuple[str, ...] = (), compact: bool = False) -> Field:
        """The field of `question`, showing its answer in `answers` (a context's answers for a
        context's question, whose answer key is `key`). `choices` are offered when the
        question has no fixed ones (the flavors)."""
        placeholder = question.example
        if question.fallback and isinstance(answers, Answers):
            placeholder = fallback_value(answers, question)
        return cls(key or question.key, question.label, answer_value(answers, question),
                   kind="text" if question.kind in ("list", "pairs", "pick") else question.kind,
                   choices=question.choices or (choices if question.kind == "choice" else ()),
                   placeholder=placeholder,
                   help=question.help, compact=compact, question=question)

    def compose(self) -> ComposeResult:
        yield Label(self.prompt, classes="prompt", markup=False)
        if self.kind == "choice":
            # more choices than fit one line of 80 columns (the flavors) take a grid
            with Choice(classes="control many" if len(self.choices) > 4 else "control"):
                for choice in self.choices:
                    yield RadioButton(literal(choice), value=choice == self.initial)
        elif self.kind == "bool":
            yield Toggle(value=bool(self.initial), classes="control")
        else:
            yield LineInput(value=self._text(self.initial),
                        placeholder=self.placeholder, classes="control",
                        type="integer" if self.kind == "int" else "text")
        if self.help and not self.compact:
            yield Static(self.help, classes="help", markup=False)
        # (the message's line is added under them when there is a first message)

    @property
    def control(self) -> Widget:
        return self.query_one(".control")

    def value(self) -> str | int | bool | None:
        control = self.control
        if isinstance(control, Choice):
            index = control.picked if control.picked is not None else control.pressed_index
            return self.choices[index] if index >= 0 else self.initial
        if isinstance(control, (Switch, Input)):
            return control.value
        return self.initial

    def take(self, value: str | int | bool | None) -> None:
        """Show `value` as the answer, as if the field had been made with it, unless the
        user has changed the answer already (what they typed stays). It is not a change the
        user made: no check is started, the field is not marked as touched."""
        control = self.control
        if isinstance(control, Input):
            if control.value != self._text(self.initial):
                return
            with control.prevent(Input.Changed):
                control.value = self._text(value)
        elif isinstance(control, Switch):
            if control.value != bool(self.initial):
                return
            with control.prevent(Switch.Changed):
                control.value = bool(value)
        self.initial = value

    @staticmethod
    def _text(value: str | int | bool | None) -> str:
        return "" if value is None else one_line(value, 0)

    def follow(self, answers: Answers) -> None:
        """Show what an empty answer now stands for (the repository made from the name)."""
        if self.question is not None and self.question.fallback and self.kind == "text":
            placeholder = fallback_value(answers, self.question)
            for control in self.query(Input):
                if control.placeholder != placeholder:
                    control.placeholder = placeholder

    _shown: str | None = None  # the message on screen (None: not yet shown)

    def show(self, message: str) -> None:
        """Show `message` under the answer ("": none); nothing is redrawn when it is the one
        already shown."""
        if message == self._shown or not self.is_mounted:
            return
        found = self.query(".error")
        if found:
            error = found.first(Static)
            error.update(message)
            error.display = bool(message)
        elif message:
            self.mount(Static(message, classes="error", markup=False))
        self.set_class(bool(message), "invalid")
        self._shown = message
