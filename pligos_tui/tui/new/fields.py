"""A labelled answer: the control, its help and the live message of the loader's rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from pligos_tui.jobs.scaffold import (
    Answers,
    ContextAnswers,
    Question,
    answer_value,
    fallback_value,
)
from pligos_tui.tui.text import one_line
from pligos_tui.tui.widgets.keyorder import LineInput

if TYPE_CHECKING:
    from pligos_tui.tui.new.controls import Choice, Toggle


def ident(key: str) -> str:
    """A widget id for an answer key (contexts.prod.fqdn -> f-contexts-prod-fqdn)."""
    return "f-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in key)


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
        if self.kind in ("choice", "bool"):  # (the first step has none: imported when asked)
            from pligos_tui.tui.new.controls import choice, toggle

            yield (choice(self.choices, self.initial) if self.kind == "choice"
                   else toggle(bool(self.initial)))
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
        if isinstance(control, Input):
            return control.value
        if self.kind == "choice":
            index = cast("Choice", control).chosen()
            return self.choices[index] if index >= 0 else self.initial
        if self.kind == "bool":
            return cast("Toggle", control).value
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
        elif self.kind == "bool":
            toggle = cast("Toggle", control)
            if toggle.value != bool(self.initial):
                return
            with toggle.prevent(toggle.Changed):
                toggle.value = bool(value)
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
