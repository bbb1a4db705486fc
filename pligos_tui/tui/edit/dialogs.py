"""Small modal screens of the editor: ask for a name, pick from a list, confirm, pick the
preview's panes, and decide about a change made to pligos.yaml outside the editor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, SelectionList, Static
from textual.widgets.option_list import Option

from pligos_tui.jobs.preview import Pane
from pligos_tui.jobs.render import diff_lines
from pligos_tui.tui.text import field_text, literal, needs_escape, one_line, read_field
from pligos_tui.tui.widgets.keyorder import LineInput


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
            yield LineInput(field_text(self.value), placeholder=self.placeholder,
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


ALL = "\x00all"  # the "all contexts" choice of the pane picker (no context has this name)
OWN = ""  # the "own flavor" choice: each context with the flavor it names


class PanePicker(ModalScreen[list[Pane] | None]):
    """Pick the contexts and the flavors the preview compares: one pane per context and
    flavor ticked, "all contexts" standing for every context. Space ticks, enter shows,
    escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("enter", "accept", "Show", priority=True),
    ]

    def __init__(self, contexts: list[str], flavors: list[str], panes: Sequence[Pane]) -> None:
        super().__init__()
        self.contexts, self.flavors = contexts, flavors
        shown = [c for c, _ in panes]
        self.ticked_contexts = {ALL} if contexts and set(shown) >= set(contexts) else set(shown)
        self.ticked_flavors = {f or OWN for _, f in panes} or {OWN}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog pane-picker"):
            yield Label("Compare: one pane per context and flavor ticked", classes="dialog-title",
                        markup=False)
            with Horizontal(classes="picker-lists"):
                yield SelectionList[str](
                    ("all contexts", ALL, ALL in self.ticked_contexts),
                    *[(literal(c), c, c in self.ticked_contexts) for c in self.contexts],
                    id="pick-contexts")
                yield SelectionList[str](
                    ("own flavor", OWN, OWN in self.ticked_flavors),
                    *[(literal(f), f, f in self.ticked_flavors) for f in self.flavors],
                    id="pick-flavors")
            yield Label("space: tick · tab: contexts/flavors · enter: show · escape: cancel",
                        classes="dialog-hint", id="picker-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#pick-contexts", SelectionList).focus()

    def on_selection_list_selection_toggled(
            self, event: SelectionList.SelectionToggled[str]) -> None:
        """Ticking "all contexts" ticks each; unticking one of them unticks "all"."""
        options = event.selection_list
        if options.id != "pick-contexts":
            return
        value = event.selection.value
        if value == ALL and ALL in options.selected:
            options.select_all()
        elif value != ALL and value not in options.selected:
            options.deselect(ALL)

    def panes(self) -> list[Pane]:
        contexts = self.query_one("#pick-contexts", SelectionList).selected
        flavors = self.query_one("#pick-flavors", SelectionList).selected
        names = self.contexts if ALL in contexts else [c for c in self.contexts
                                                       if c in contexts]
        chosen = [f for f in [OWN, *self.flavors] if f in flavors]
        return [(c, f or None) for c in names for f in chosen]

    def action_accept(self) -> None:
        panes = self.panes()
        if not panes:
            self.query_one("#picker-hint", Label).update(
                "tick a context (or all contexts) and a flavor (or own flavor)")
            return
        self.dismiss(panes)

    def action_cancel(self) -> None:
        self.dismiss(None)


class OutsideChangeDialog(ModalScreen[str]):
    """pligos.yaml changed on disk while the editor holds unsaved changes: keep mine, take
    theirs, or show both (the differences, theirs to mine) before deciding. Dismisses with
    "mine", "theirs" or "later" (escape: ask again when the file changes again, or on
    saving)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "later", "Decide later")]

    def __init__(self, display: str, mine: str, theirs: str, *, saving: bool = False) -> None:
        super().__init__()
        self.file_name, self.mine, self.theirs, self.saving = display, mine, theirs, saving

    def compose(self) -> ComposeResult:
        doing = "Saving would overwrite it." if self.saving else "Your changes are not saved."
        with Vertical(classes="dialog outside-change"):
            yield Label(f"{one_line(self.file_name)} was changed outside the editor. {doing}",
                        classes="dialog-title", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Keep mine", id="mine", variant="primary")
                yield Button("Take theirs", id="theirs", variant="warning")
                yield Button("Show both", id="both", variant="default")
            with VerticalScroll(id="outside-diff"):
                yield Static("", id="outside-diff-body", markup=False)
            yield Label("keep mine: saving replaces theirs · take theirs: ctrl+z brings yours "
                        "back · escape: decide later", classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#outside-diff").display = False
        self.query_one("#mine", Button).focus()

    def diff_text(self) -> Text:
        """Both versions: a unified diff from the file's text (theirs) to the editor's."""
        lines = diff_lines(self.theirs, self.mine, "on disk (theirs)", "in the editor (mine)",
                           keep_ends=False)
        out = Text()
        for line in lines or ["(the two are the same)"]:
            style = ("green" if line.startswith("+") else "red" if line.startswith("-")
                     else "cyan" if line.startswith("@@") else "")
            out.append(one_line(line, 0) + "\n", style=style)
        return out

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "both":
            box = self.query_one("#outside-diff")
            box.display = not box.display
            if box.display:
                self.query_one("#outside-diff-body", Static).update(self.diff_text())
            return
        self.dismiss(event.button.id or "later")

    def action_later(self) -> None:
        self.dismiss("later")
