"""The wizard's controls besides text: a choice among a few answers and a switch.

They are Textual's radio set and switch, made keyboard-first: Enter picks, or toggles, and
goes on to the next answer. They live apart from :mod:`.fields`, which imports this module
only when a field asks a choice or a yes/no question: the wizard's first step asks neither,
and is painted before Textual's radio buttons and switches are imported.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import RadioButton, RadioSet, Switch

from pligos_tui.tui.text import literal
from pligos_tui.tui.widgets.keyorder import KeysInOrder


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

    def chosen(self) -> int:
        """The index of the choice made (-1: none)."""
        return self.picked if self.picked is not None else self.pressed_index


class Toggle(KeysInOrder, Switch, inherit_bindings=False):
    """A switch where Space toggles and Enter moves on."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_switch", "Toggle", show=False),
        Binding("enter", "advance", "Next", show=False),
    ]

    def action_advance(self) -> None:
        self.app.advance(self)  # type: ignore[attr-defined]


def choice(choices: tuple[str, ...], initial: object) -> Choice:
    """The control of a choice among `choices`, `initial` picked."""
    # more choices than fit one line of 80 columns (the flavors) take a grid
    return Choice(*(RadioButton(literal(c), value=c == initial) for c in choices),
                  classes="control many" if len(choices) > 4 else "control")


def toggle(value: bool) -> Toggle:
    """The control of a yes/no question."""
    return Toggle(value=value, classes="control")
