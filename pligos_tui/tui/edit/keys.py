"""The editor's keys: its bindings, each with a short name for the footer and what it does
for the help screen and the command palette (the binding's tooltip), and the help screen."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding, BindingType
from textual.screen import Screen

from pligos_tui.tui.widgets.help import HELP_KEYS, HelpScreen

# what the help screen adds to the bindings: keys handled without one
HELP_EXTRA = [
    ("typing", "edit the focused field: the file changes as you type, and is checked in the "
               "background; a field with a problem turns red and says why"),
    ("enter", "in the tree: open the highlighted node's form; in a context's name field: "
              "rename it (leaving the field does too)"),
    ("space", "tick or untick an item of a list (routes, mounts, env, friends)"),
]


def _bind(key: str, action: str, what: str, tooltip: str, show: bool = True,
          **kw: Any) -> Binding:
    return Binding(key, action, what, show=show, tooltip=tooltip, **kw)


EDITOR_KEYS: list[BindingType] = [
    _bind("ctrl+s", "app.save", "Save",
          "save pligos.yaml (atomic; comments and layout kept; never over a change made "
          "outside the editor without asking)"),
    _bind("ctrl+z", "undo", "Undo",
          "undo the last change (typing in one field is one step); the focus stays"),
    _bind("ctrl+n", "add", "New",
          "new: an entry of the highlighted property, else a context extending the "
          "highlighted one"),
    _bind("ctrl+k", "clone", "Clone",
          "clone the highlighted entry or context under a new name", show=False),
    _bind("ctrl+r", "rename", "Rename",
          "rename the highlighted entry or context; references follow"),
    _bind("ctrl+d", "delete", "Delete",
          "delete the highlighted entry or context (asks first)"),
    _bind("f8", "remove_field", "Remove field",
          "remove the focused field of an entry", show=False),
    _bind("ctrl+u", "use_context", "Use context",
          "make the highlighted context the current-context", show=False),
    _bind("ctrl+t", "try_flavor", "Try flavor",
          "preview the context with another flavor next to its own; the file is unchanged",
          show=False),
    _bind("ctrl+o", "pick_panes", "Panes",
          "pick the contexts and flavors the preview compares (all contexts is one choice)"),
    _bind("f2", "cycle_mode", "Mode", "preview manifests, values or the chart's files",
          show=False),
    _bind("f3", "toggle_diff", "Diff", "show the diff of the first two preview panes",
          show=False),
    _bind("f4", "show_source", "Source", "edit pligos.yaml as text (the source view)",
          show=False),
    _bind("f5", "refresh", "Refresh", "render the preview again (after secrets appear, "
          "say)", show=False),
    _bind("1", "jump('tree')", "Tree", "go to the tree", show=False, priority=True),
    _bind("2", "jump('form')", "Form", "go to the form", show=False, priority=True),
    _bind("3", "jump('preview')", "Preview", "go to the preview", show=False,
          priority=True),
    _bind("escape", "leave_field", "Back to tree", "leave the field for the tree",
          show=False, priority=True),
    _bind("tab", "focus_field(1)", "Next field", "go to the next field", show=False,
          priority=True),
    _bind("shift+tab", "focus_field(-1)", "Previous field", "go to the previous field",
          show=False, priority=True),
    _bind(HELP_KEYS, "help", "Help", "every key, with what it does"),
    _bind("ctrl+q", "app.quit_editor", "Quit", "quit (asks when there are unsaved changes)",
          priority=True),
]


def editor_help(screen: Screen[Any]) -> HelpScreen:
    """The help screen of the editor: its own keys first, then the focused widget's (moving in
    a tree, editing in a field), then the keys handled without a binding."""
    help_screen = HelpScreen(screen, title="pligos edit: keys", extra=HELP_EXTRA)
    own = {b.tooltip for b in Binding.make_bindings(EDITOR_KEYS)} | {
        what for _, what in HELP_EXTRA}
    mine = [r for r in help_screen.rows if r[1] in own]
    rest = [r for r in help_screen.rows if r[1] not in own]
    focused = _WIDGET_WORDS.get(type(screen.focused).__name__, "focused widget") \
        if screen.focused is not None else "screen"
    help_screen.rows = mine + ([("", ""), (f"in the {focused}:", "")] if rest else []) + rest
    return help_screen


# what the help screen calls the focused widget
_WIDGET_WORDS = {"ServiceTree": "tree", "ValueInput": "field", "Input": "field",
                 "SourceArea": "source view", "Select": "pick", "SelectionList": "list",
                 "Log": "preview pane"}
