"""Small modal screens of the editor: ask for a name, pick from a list, confirm."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList
from textual.widgets.option_list import Option

from pligos_tui.tui.text import field_text, literal, needs_escape, read_field


class NameDialog(ModalScreen[str | None]):
    """Ask for one line of text (a context's name). Enter accepts, escape cancels.

    A `value` holding a line break is shown double-quoted, and read back the same way."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.title_text, self.value, self.placeholder = title, value, placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield Input(field_text(self.value), placeholder=self.placeholder,
                        id="dialog-input")
            yield Label("enter: ok · escape: cancel", classes="dialog-hint", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value
        if needs_escape(self.value):
            try:
                text = read_field(text)
            except ValueError as exc:
                self.query_one(".dialog-hint", Label).update(str(exc))
                return
        self.dismiss(text.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PickDialog(ModalScreen[str | None]):
    """Pick one of `choices`. Enter picks, escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, choices: list[str], current: str = "") -> None:
        super().__init__()
        self.title_text, self.choices, self.current = title, choices, current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield OptionList(*[Option(literal(c), id=c) for c in self.choices],
                             id="dialog-options")
            yield Label("enter: pick · escape: cancel", classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.current in self.choices:
            options.highlighted = self.choices.index(self.current)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[str]):
    """A question with buttons; dismisses with the pressed button's id (escape: "cancel")."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, buttons: list[tuple[str, str, str]]) -> None:
        """`buttons`: (id, label, variant) triples, e.g. ("save", "Save", "primary")."""
        super().__init__()
        self.question, self.buttons = question, buttons

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="dialog-title", markup=False)
            with Horizontal(classes="dialog-buttons"):
                for ident, label, variant in self.buttons:
                    yield Button(label, id=ident, variant=variant)  # type: ignore[arg-type]

    def on_mount(self) -> None:
        self.query(Button).first().focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "cancel")

    def action_cancel(self) -> None:
        self.dismiss("cancel")
