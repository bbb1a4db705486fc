"""`HelpScreen`: every key of the screen below it, in context, with what it does.

    app.push_screen(HelpScreen(screen, extra=[("1 2 3", "jump to tree, form, preview")]))

The keys are read from the bindings Textual has active on that screen (its own, its focused
widget's and the app's), so nothing is listed twice and a binding added anywhere shows up;
`extra` adds keys that are handled without a binding (typing into a field). Bindings marked
`show=False` are listed too: the footer leaves them out, the help screen is where they are
found. Escape, `?` or F1 close it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

# the keys a help screen opens with, for every screen that offers one
HELP_KEYS = "question_mark,f1"


def key_rows(screen: Screen[Any], extra: Iterable[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    """(keys, what they do) of every active binding of `screen`, in the order Textual keeps
    them, keys of one action joined (`ctrl+s`), then `extra`."""
    by_action: dict[str, tuple[list[str], str]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if binding.action in ("help", "app.help", "screen.help"):
            continue
        description = binding.tooltip or binding.description or binding.action.removeprefix(
            "app.")
        keys, _ = by_action.setdefault(binding.action, ([], description))
        shown = screen.app.get_key_display(binding) if binding.key_display is None \
            else binding.key_display
        if shown not in keys:
            keys.append(shown or key)
    rows = [(" ".join(keys), what) for keys, what in by_action.values()]
    return rows + list(extra)


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 80%; max-width: 90; height: auto; max-height: 90%;
                                  border: round $primary; padding: 0 1;
                                  background: $panel; }
    HelpScreen .help-title { text-style: bold; padding: 0 0 1 0; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,f1", "dismiss_help", "Close", show=False)]

    def __init__(self, screen: Screen[Any], *, title: str = "Keys",
                 extra: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__()
        self.rows = key_rows(screen, extra)
        self.title_text = title

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, pad_edge=False, expand=True)
        table.add_column("keys", style="bold", no_wrap=True)
        table.add_column("does", ratio=1)
        for keys, what in self.rows:
            table.add_row(keys, what)
        with VerticalScroll():
            yield Static(f"{self.title_text}  (Escape closes)", classes="help-title",
                         markup=False)
            yield Static(table, id="help-keys")

    def action_dismiss_help(self) -> None:
        self.dismiss(None)


__all__ = ["HELP_KEYS", "HelpScreen", "key_rows"]
