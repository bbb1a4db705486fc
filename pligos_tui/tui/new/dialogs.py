"""The wizard's dialogs: asking before answers are thrown away."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class QuitScreen(ModalScreen[bool]):
    """Quit without writing? True: quit (the answers are lost), False: keep answering."""

    DEFAULT_CSS = """
    QuitScreen { align: center middle; }
    QuitScreen > Vertical { width: 60; max-width: 95%; height: auto; border: round $warning;
                            padding: 0 1; background: $panel; }
    QuitScreen .quit-text { padding: 0 0 1 0; }
    QuitScreen Horizontal { height: auto; }
    QuitScreen Button { margin-right: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q,y", "quit_wizard", "Quit, nothing written", show=False),
        Binding("escape,n", "keep", "Keep answering", show=False),
    ]

    def __init__(self, changed: int) -> None:
        super().__init__()
        self.changed = changed

    def compose(self) -> ComposeResult:
        answers = (f"the {self.changed} answers you gave are" if self.changed != 1
                   else "the answer you gave is")
        with Vertical():
            yield Static(f"Quit without writing? {answers[0].upper()}{answers[1:]} lost; "
                         "nothing is written.", classes="quit-text", markup=False)
            with Horizontal():
                yield Button("Quit (q)", id="quit-yes", variant="error", compact=True)
                yield Button("Keep answering (Esc)", id="quit-no", variant="primary",
                             compact=True)

    def on_mount(self) -> None:
        self.query_one("#quit-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "quit-yes")

    def action_quit_wizard(self) -> None:
        self.dismiss(True)

    def action_keep(self) -> None:
        self.dismiss(False)
