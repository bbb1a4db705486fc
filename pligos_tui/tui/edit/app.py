"""`pligos edit`: the Textual application. The screens and widgets live in their own modules.

The app saves and quits, and watches pligos.yaml: a change made outside the editor is taken
at once while the buffer holds nothing unsaved, and otherwise asked about (keep mine, take
theirs, show both); saving never overwrites such a change without asking.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from platformdirs import user_downloads_path
from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from pligos_tui.errors import PligosError
from pligos_tui.jobs.editing import Buffer, OutsideChange, Stamp
from pligos_tui.jobs.generate import generate
from pligos_tui.jobs.preview import Prefetch
from pligos_tui.tui.edit.dialogs import ConfirmDialog, OutsideChangeDialog
from pligos_tui.tui.edit.screens import EditorScreen
from pligos_tui.tui.startup import after_first_paint, thaw

# keys that move the focus: not commands of the palette
_NOT_COMMANDS = ("jump", "focus_field", "leave_field")


def screenshot_folder() -> Path:
    """Where the palette's Screenshot goes: the Downloads folder when there is one, else the
    home folder (Textual's own choice fails when Downloads does not exist)."""
    for folder in (user_downloads_path(), Path.home()):
        if folder.is_dir():
            return folder
    return Path(tempfile.gettempdir())


class EditApp(App[None]):
    CSS_PATH = "edit.tcss"
    TITLE = "pligos edit"
    ENABLE_COMMAND_PALETTE = True
    WATCH_SECONDS = 1.0  # how often pligos.yaml is looked at for outside changes

    def __init__(self, source: Path | Buffer, *, generate: bool = False,
                 prefetch: Prefetch | None = None) -> None:
        super().__init__()
        self.buffer = source if isinstance(source, Buffer) else Buffer.open(source)
        self.generate_on_save = generate
        self.prefetch = prefetch or self.buffer.prefetch_preview()
        self._asking = False  # the outside-change dialog is open
        self._put_off: Stamp | None = None  # the outside version the user decides on later

    def on_mount(self) -> None:
        self.push_screen(EditorScreen(self.buffer, self.prefetch))
        self.set_interval(self.WATCH_SECONDS, self.watch_file)
        # what exists once the editor is up lives as long as it: kept out of the garbage
        # collector's full passes, which otherwise pause a keystroke's preview for ~0.1 s
        self.call_after_refresh(after_first_paint)

    def on_unmount(self) -> None:
        thaw()

    @property
    def editor(self) -> EditorScreen:
        return next(s for s in self.screen_stack if isinstance(s, EditorScreen))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if not isinstance(screen, EditorScreen):
            return
        for binding in Binding.make_bindings(screen.BINDINGS):
            if binding.action.startswith(_NOT_COMMANDS):
                continue
            target = self if binding.action.startswith("app.") else screen
            name = binding.action.removeprefix("app.")
            yield SystemCommand(f"{binding.description}  ({binding.key})",
                                binding.tooltip or binding.description,
                                getattr(target, f"action_{name}"))

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None,
                           time_format: str | None = None) -> str | None:
        return super().deliver_screenshot(filename, path or str(screenshot_folder()),
                                          time_format)

    # -- saving and quitting -------------------------------------------------------------------
    def action_save(self, overwrite: bool = False) -> None:
        if self.buffer.stale:  # typed text not checked yet: say what is saved
            self.buffer.validate()
            self.editor.after_change(checked_only=True)
        try:
            self.buffer.save(overwrite=overwrite)
        except OutsideChange as change:
            self.ask_outside(change, saving=True)
            return
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

    # -- changes made outside the editor ---------------------------------------------------------
    def watch_file(self) -> None:
        """Look at pligos.yaml (a stat; read only when that changed)."""
        if self._asking or (self._put_off is not None
                            and self.buffer.stamp_now() == self._put_off):
            return
        change = self.buffer.outside_change()
        if change is not None:
            self.ask_outside(change)

    def ask_outside(self, change: OutsideChange, *, saving: bool = False) -> None:
        buffer = self.buffer
        if change.removed:
            buffer.keep_mine(change)
            if saving:
                self.action_save()
            else:
                self.notify(f"{buffer.display} was removed; ctrl+s writes it again",
                            severity="warning", markup=False, timeout=8)
                self.editor.after_change(checked_only=True)
            return
        if not buffer.dirty and not saving:
            self._take(change)
            self.notify(f"{buffer.display} changed outside the editor: reloaded", markup=False)
            return

        def done(answer: str | None) -> None:
            self._asking = False
            if answer == "theirs":
                self._take(change)
            elif answer == "mine":
                buffer.keep_mine(change)
                if saving:
                    self.action_save()
                else:
                    self.editor.after_change(checked_only=True)
            else:
                self._put_off = buffer.stamp_now()
        self._asking = True
        self.push_screen(OutsideChangeDialog(buffer.display, buffer.text, change.theirs,
                                             saving=saving), done)

    def _take(self, change: OutsideChange) -> None:
        self._put_off = None
        self.buffer.take(change)
        self.editor.after_change(structural=True)
