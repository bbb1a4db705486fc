"""One pane of a chart preview: `PreviewPane` (a title, an error banner, the text) and its
`PaneBody`, the scrollable text drawn a visible line at a time; `SearchInput`, the field `/`
opens.

    body = PaneBody()
    body.set_text(text)                 # repaints at once, keeps the scroll position
    body.set_marks(frozenset({3, 4}))   # lines drawn as differing (a bar in the gutter too)
    body.set_matches(query)             # lines holding `query` (case-insensitive); returns them
    body.move_cursor(line, top=True)    # the line under the cursor, scrolled into view

Only the lines in view are drawn (a 3,000-line chart costs what a 30-line one does), each with
a one-column gutter that shows `▌` on a marked line, so the marks read without colour too.
The cursor line is lit while the body has focus; `stale` dims every line (a last good render
under an error). Moving the cursor posts `CursorMoved`; scrolling posts `Scrolled` unless it
came from `follow` (another pane being followed).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from pligos_tui.tui.text import show_text
from pligos_tui.tui.widgets.keyorder import LineInput, caught_up

MIN_PANE_WIDTH = 38  # columns (border included): narrower panes are stacked or shown singly
MIN_STACKED_ROWS = 8  # rows a stacked pane needs; with fewer, one pane at a time
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
MARK = "▌"


def arrange(panes: int, width: int, height: int) -> str:
    """How `panes` panes share `width` × `height` cells: "side" by side when each gets
    `MIN_PANE_WIDTH` columns; else "stacked" when each gets `MIN_STACKED_ROWS` rows besides
    its title (a status line sits below them all); else "single", one at a time."""
    if panes <= 1 or not width or width // panes >= MIN_PANE_WIDTH:
        return "side"
    if (height - 1) // panes >= MIN_STACKED_ROWS + 1:
        return "stacked"
    return "single"


def unified_diff(lines: list[str], name_a: str, name_b: str) -> Text:
    """The lines of a unified diff of two panes, coloured by line."""
    if not lines:
        return Text(f"{name_a} and {name_b} are the same", style="dim")
    out = Text()
    for line in lines:
        style = ("green" if line.startswith("+") else "red" if line.startswith("-")
                 else "cyan" if line.startswith("@@") else "")
        out.append(line + "\n", style=style)
    return out


def clean_line(line: str) -> str:
    """A line as drawn: tabs expanded, control characters shown as �."""
    return _CONTROL.sub("\ufffd", line.expandtabs())


class PaneBody(ScrollView, can_focus=True):
    """One pane's text; see the module's docstring."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "pane-body--changed", "pane-body--gutter", "pane-body--match", "pane-body--cursor",
        "pane-body--stale",
    }
    DEFAULT_CSS = """
    PaneBody { background: transparent; overflow: auto; scrollbar-size: 1 1; }
    PaneBody > .pane-body--changed { background: $warning 20%; }
    PaneBody > .pane-body--gutter { color: $warning; }
    PaneBody > .pane-body--match { background: $accent 45%; text-style: bold; }
    PaneBody > .pane-body--cursor { background: $primary 30%; }
    PaneBody > .pane-body--stale { color: $text-disabled; text-style: dim; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_by(-1)", "Line up", show=False),
        Binding("down", "cursor_by(1)", "Line down", show=False),
        Binding("pageup", "page_by(-1)", "Page up", show=False),
        Binding("pagedown", "page_by(1)", "Page down", show=False),
        Binding("home", "cursor_to_end(False)", "First line", show=False),
        Binding("end", "cursor_to_end(True)", "Last line", show=False),
        Binding("left", "scroll_left", "Scroll left", show=False),
        Binding("right", "scroll_right", "Scroll right", show=False),
    ]

    class Scrolled(Message):
        """The user scrolled this body (not a pane following another)."""

        def __init__(self, body: PaneBody) -> None:
            super().__init__()
            self.body = body

    class CursorMoved(Message):
        def __init__(self, body: PaneBody) -> None:
            super().__init__()
            self.body = body

    def __init__(self, text: str = "", *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.lines: list[str] = []
        self.marked: frozenset[int] = frozenset()
        self.matches: list[int] = []
        self._match_lines: set[int] = set()
        self.query_text = ""
        self.cursor = 0
        self.stale = False
        self._follow_depth = 0
        self.set_text(text)

    # -- content -------------------------------------------------------------------------------
    def set_text(self, text: str, *, home: bool = False) -> None:
        """Show `text`: the lines are replaced and the whole body repainted. The scroll
        position and cursor stay (within the new text) unless `home`."""
        self.lines = [clean_line(line) for line in text.splitlines()]
        width = max((cell_len(line) for line in self.lines), default=0)
        self.virtual_size = Size(width + 2, len(self.lines))
        self.cursor = 0 if home else min(self.cursor, max(0, len(self.lines) - 1))
        if self.query_text:
            self._find(self.query_text)
        if home or self.scroll_y > self.max_scroll_y:
            self.follow(0 if home else self.max_scroll_y)
        self.refresh()

    def set_marks(self, marked: frozenset[int]) -> None:
        if marked != self.marked:
            self.marked = marked
            self.refresh()

    def set_stale(self, stale: bool) -> None:
        if stale != self.stale:
            self.stale = stale
            self.refresh()

    def set_matches(self, query: str) -> list[int]:
        """Light the lines holding `query` (any case); "" clears them. Returns the lines."""
        self.query_text = query
        self._find(query)
        self.refresh()
        return self.matches

    def _find(self, query: str) -> None:
        needle = query.lower()
        self.matches = [i for i, line in enumerate(self.lines) if needle and needle in
                        line.lower()]
        self._match_lines = set(self.matches)

    def match_step(self, step: int) -> int:
        """Move to the next match below the cursor (`step` 1), above it (-1), or the first at
        or below it (0), wrapping around; returns its line. Needs matches."""
        matches, cursor = self.matches, self.cursor
        if step > 0:
            line = next((m for m in matches if m > cursor), matches[0])
        elif step < 0:
            line = next((m for m in reversed(matches) if m < cursor), matches[-1])
        else:
            line = next((m for m in matches if m >= cursor), matches[0])
        self.move_cursor(line, top=True)
        return line

    @property
    def top(self) -> int:
        """The first line in view."""
        return round(self.scroll_y)

    def visible_text(self) -> list[str]:
        """The lines in view, as drawn (without the gutter): what a user reads now."""
        height = self.scrollable_content_region.height or self.size.height
        return self.lines[self.top:self.top + height]

    # -- moving --------------------------------------------------------------------------------
    def follow(self, line: int) -> None:
        """Scroll so that `line` is at the top, without posting `Scrolled`."""
        self._follow_depth += 1
        try:
            self.scroll_to(y=max(0, line), animate=False)
        finally:
            self._follow_depth -= 1

    def move_cursor(self, line: int, *, top: bool = False, context: int = 2,
                    follow: bool = False, quiet: bool = False) -> None:
        """Put the cursor on `line` and bring it into view (`top`: near the top, with
        `context` lines above it). `follow` scrolls without posting `Scrolled`, `quiet`
        moves without posting `CursorMoved`."""
        self.cursor = max(0, min(line, len(self.lines) - 1)) if self.lines else 0
        height = max(1, self.scrollable_content_region.height)
        want = None
        if top:
            want = self.cursor - context
        elif self.cursor < self.top:
            want = self.cursor
        elif self.cursor >= self.top + height:
            want = self.cursor - height + 1
        if want is not None:
            if follow:
                self.follow(want)
            else:
                self.scroll_to(y=max(0, want), animate=False)
        self.refresh()
        if not quiet:
            self.post_message(self.CursorMoved(self))

    def action_cursor_by(self, delta: int) -> None:
        self.move_cursor(self.cursor + delta)

    def action_page_by(self, delta: int) -> None:
        height = max(1, self.scrollable_content_region.height - 1)
        self.scroll_to(y=self.scroll_y + delta * height, animate=False)
        self.move_cursor(self.cursor + delta * height)

    def action_cursor_to_end(self, last: bool) -> None:
        self.move_cursor(len(self.lines) - 1 if last else 0)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if round(old_value) != round(new_value) and not self._follow_depth:
            self.post_message(self.Scrolled(self))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None:
            self.move_cursor(self.top + offset.y)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- drawing -------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width or self.size.width
        base = self.rich_style
        if index >= len(self.lines) or width <= 0:
            return Strip.blank(width, base)
        style = base
        if self.stale:
            style += self.get_component_rich_style("pane-body--stale", partial=True)
        marked = index in self.marked and not self.stale
        if marked:
            style += self.get_component_rich_style("pane-body--changed", partial=True)
        if index == self.cursor and self.has_focus:
            style += self.get_component_rich_style("pane-body--cursor", partial=True)
        line = self.lines[index]
        if index in self._match_lines:
            text = Text(line, style=style, no_wrap=True, end="")
            text.highlight_words([self.query_text], self.get_component_rich_style(
                "pane-body--match", partial=True), case_sensitive=False)
            body = Strip(text.render(self.app.console), cell_len(line))
        else:
            body = Strip([Segment(line, style)], cell_len(line))
        body = body.crop_extend(scroll_x, scroll_x + width - 1, style)
        gutter_style = base + (self.get_component_rich_style("pane-body--gutter", partial=True)
                               if marked else Style())
        gutter = Strip([Segment(MARK if marked else " ", gutter_style)], 1)
        return Strip.join([gutter, body])




class PreviewPane(Vertical):
    """One context's chart: a title line, an error banner (shown over the last good render,
    which stays, dimmed) and the text (`PaneBody`)."""

    DEFAULT_CSS = """
    PreviewPane { width: 1fr; height: 1fr; }
    PreviewPane > .pane-title { height: 1; background: $boost; color: $text; text-style: bold;
                                padding: 0 1; }
    PreviewPane:focus-within > .pane-title { background: $primary 40%; }
    PreviewPane > .pane-banner { display: none; height: auto; max-height: 50%; padding: 0 1;
                                 background: $error 25%; color: $text; }
    PreviewPane.error > .pane-banner { display: block; }
    PreviewPane > .pane-body { height: 1fr; }
    PreviewPane.note > .pane-body { color: $text-muted; }
    """

    def __init__(self, title: str, text: str = "rendering…", *, note: bool = True,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.title = title
        self._text = text
        self._good: str | None = None  # the last text shown that was not an error
        self.set_class(note, "note")

    def compose(self) -> ComposeResult:
        yield Static(self.title, classes="pane-title", markup=False)
        failed = self.has_class("error")
        yield Static(self._text if failed else "", classes="pane-banner", markup=False)
        yield PaneBody(self._good or "" if failed else self._text, classes="pane-body")

    @property
    def text(self) -> str:
        """The last text given to `show` (an error's, when it failed)."""
        return self._text

    @property
    def good_text(self) -> str | None:
        """The last text shown that was not an error: what the body shows."""
        return self._good

    @property
    def failed(self) -> bool:
        return self.has_class("error")

    @property
    def body(self) -> PaneBody | None:
        found = self.query(PaneBody)
        return found.first() if found else None

    def set_title(self, title: str) -> None:
        self.title = title
        for widget in self.query(".pane-title").results(Static):
            show_text(widget, Text(title))

    def show(self, text: str, *, error: bool = False, note: bool = False,
             home: bool = False) -> None:
        """Show `text`; an error goes in the banner, over the last good text, dimmed (kept
        until the body exists, when called before it is composed)."""
        self._text = text
        self.set_class(error, "error")
        self.set_class(note and not error, "note")
        for banner in self.query(".pane-banner").results(Static):
            show_text(banner, Text(text) if error else "")
        body = self.body
        if error:
            if body is not None:
                if self._good is None:
                    body.set_text("")
                body.set_marks(frozenset())
                body.set_stale(True)
            return
        self._good = text
        if body is not None:
            body.set_stale(False)
            body.set_text(text, home=home)


class SearchInput(LineInput):
    """The search field of a preview: Enter finds, Escape closes. Both are acted on as they are
    typed (after the letters before them), so the keys after them go where they move focus."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "finish(True)", "Find", show=False, priority=True),
        Binding("escape", "finish(False)", "Close the search", show=False, priority=True)]

    def __init__(self, done: Callable[[str | None], None], **kw: Any) -> None:
        super().__init__(**kw)
        self._done = done  # told the query found (Enter) or None (Escape)

    async def action_finish(self, find: bool) -> None:
        await caught_up(self)
        self._done(self.value if find else None)


__all__ = ["MARK", "MIN_PANE_WIDTH", "MIN_STACKED_ROWS", "PaneBody", "PreviewPane", "SearchInput",
           "arrange", "clean_line", "unified_diff"]
