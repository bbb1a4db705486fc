"""`pligos edit`: the Textual application. The screens and widgets live in their own modules."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from pligos_tui.errors import PligosError
from pligos_tui.jobs.editing import Buffer
from pligos_tui.jobs.generate import generate
from pligos_tui.jobs.preview import Prefetch
from pligos_tui.tui.edit.dialogs import ConfirmDialog
from pligos_tui.tui.edit.screens import EditorScreen


class EditApp(App[None]):
    CSS_PATH = "edit.tcss"
    TITLE = "pligos edit"
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, source: Path | Buffer, *, generate: bool = False,
                 prefetch: Prefetch | None = None) -> None:
        super().__init__()
        self.buffer = source if isinstance(source, Buffer) else Buffer.open(source)
        self.generate_on_save = generate
        self.prefetch = prefetch or self.buffer.prefetch_preview()

    def on_mount(self) -> None:
        self.push_screen(EditorScreen(self.buffer, self.prefetch))

    @property
    def editor(self) -> EditorScreen:
        return next(s for s in self.screen_stack if isinstance(s, EditorScreen))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if not isinstance(screen, EditorScreen):
            return
        for binding in Binding.make_bindings(screen.BINDINGS):
            target = self if binding.action.startswith("app.") else screen
            name = binding.action.removeprefix("app.")
            yield SystemCommand(f"{binding.description}  ({binding.key})",
                                _ACTION_HELP.get(name, binding.description),
                                getattr(target, f"action_{name}"))

    # -- saving and quitting -------------------------------------------------------------------
    def action_save(self) -> None:
        try:
            self.buffer.save()
        except PligosError as exc:
            self.notify(exc.message, severity="error", title="not saved", markup=False)
            return
        if self.buffer.error is not None:
            self.notify(f"saved {self.buffer.display} with {len(self.buffer.problems) or 1} "
                        "problem(s)", severity="warning", markup=False)
        else:
            self.notify(f"saved {self.buffer.display}", markup=False)
            if self.generate_on_save:
                self._generate()
        self.editor.after_change()

    @work(thread=True, exclusive=True, group="generate", exit_on_error=False)
    def _generate(self) -> None:
        """`pligos generate` of the service, off the UI thread (typing goes on meanwhile)."""
        try:
            report = generate([self.buffer.root])
        except PligosError as exc:
            self.call_from_thread(self.notify, exc.format(rules=False), severity="error",
                                  title="charts not generated", markup=False)
            return
        self.call_from_thread(self.notify, f"charts: {len(report.written)} written, "
                              f"{len(report.unchanged)} unchanged")

    async def action_quit(self) -> None:  # ctrl+q and the palette's "Quit"
        self.action_quit_editor()

    def action_quit_editor(self) -> None:
        if not self.buffer.dirty:
            self.exit()
            return

        def done(answer: str | None) -> None:
            if answer == "save":
                self.action_save()
                if not self.buffer.dirty:
                    self.exit()
            elif answer == "discard":
                self.exit()
        self.push_screen(ConfirmDialog("pligos.yaml has unsaved changes.",
                                       [("save", "Save and quit", "primary"),
                                        ("discard", "Quit without saving", "error"),
                                        ("cancel", "Cancel", "default")]), done)


_ACTION_HELP = {
    "save": "write pligos.yaml (comments and layout kept)",
    "undo": "undo the last change",
    "add": "add an entry to the selected property, else a context extending the selected one",
    "clone": "copy the selected entry or context under a new name",
    "rename": "rename the selected entry or context; references follow",
    "delete": "remove the selected entry or context (asks first)",
    "remove_field": "remove the focused field of an entry",
    "use_context": "make the selected context the current-context",
    "try_flavor": "preview the selected context with another flavor, file unchanged",
    "compare_with": "preview the selected context next to another one",
    "cycle_mode": "preview manifests, values or the chart's files",
    "toggle_diff": "show the diff between the two preview panes",
    "show_source": "edit pligos.yaml as text",
    "quit_editor": "quit (asks when there are unsaved changes)",
}
