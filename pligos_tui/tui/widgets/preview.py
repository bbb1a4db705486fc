"""`ChartPreview`: the charts of one or more contexts side by side, rendered in the background,
what differs between them lit, with keys to walk through it.

API
---
    ChartPreview(source=None, panes=(), mode="manifests", *, debounce=0.12, prefetch=None,
                 id=..., classes=...)

- `source`: a loaded `spec.model.Service`; a `PligosError` (e.g. the `ConfigError` of an editor's
  buffer), shown in every pane; a callable returning a service (called off the UI thread, so
  it may be slow; it may raise a `PligosError`, shown the same way); or None.
- `panes`: `(context, flavor)` pairs, any number (they share the width); `flavor` None means
  the context's own, a name renders the context with that flavor instead (nothing written).
- `mode`: one of `jobs.render.PREVIEW_MODES` = ("manifests", "values", "files"), as
  `pligos preview` shows them (`jobs.render.start_preview`).
- `prefetch`: a `jobs.preview.Prefetch` started before the widget existed; the first refresh
  uses its renders when they are of the same service object, panes and mode (`set_source`
  takes one too: the renders the editor's check of typed text started where it ran).

Methods (call from the UI thread; they may be called before the widget is composed):
- `set_source(source, panes=None, *, prefetch=None)`, `set_panes(pairs)` (what a pane picker calls),
  `set_mode(mode)`, `cycle_mode()`: change what is shown and schedule one refresh.
- `schedule()`: re-render soon (after every edit): at once when idle, else `debounce` seconds
  after the last of a burst of calls. `refresh_now()`: re-render at once (the F5 key).
- `toggle_diff()` / `diff`: a unified diff of the first two panes instead of the panes.
- `jump(step)`: every pane to the next (1) or previous (-1) difference; `search(query)`,
  `search_step(step)`: find in the current pane; `toggle_maximized()`; `show_pane(i)`;
  `focus_pane(i=None)`.

State: `texts` (each pane's last text, None while rendering; an error's text where
`failed[i]`, whose pane keeps its last good render on screen, dimmed, under a banner);
`comparison` (a `jobs.pane_diff.PaneDiff`: `marked`, `differences`) and `marked(i)`;
`pending` (a refresh scheduled or running, until its differences are lit); `rendered_at`
(`time.perf_counter()` when the last texts landed); `arrangement` ("side", "stacked", or
"single": one pane at a time, when a pane would be narrower than `MIN_PANE_WIDTH`);
`current` and `maximized` (pane indexes); `status_text` (the line under the panes: the
difference or match reached, where the values line under the cursor comes from, the keys).

Keys (bindings of the widget: every screen holding one has them while a pane has focus, and
its help screen lists them): `]` `[` next/previous difference, `/` search the pane (Enter
finds, Escape closes), `n` `N` next/previous match, `z` maximize/restore the pane, `<` `>`
previous/next pane, `s` scroll together on/off, F5 re-render; in a pane, arrows, PageUp/Down,
Home/End move the cursor. The other panes follow the pane scrolled: to the same field of the
same object (manifests, values), or the same line (files).

A refresh plans each pane's chart and starts one helm process per pane (on the UI thread; with
a callable source, in the worker); a thread worker shows each pane as it lands and reads it
(`jobs.pane_diff.read`) while the others render, then compares them (`jobs.pane_diff.compare`)
and, in values mode, finds where each value comes from (`jobs.preview.pane_origins`). A newer
refresh supersedes an older one, whose helm runs are stopped and whose results are dropped.
One pane's error (an unknown flavor, a failed helm template) touches no other pane. Without
helm, manifests mode shows the values, with a note. Each completed refresh posts
`ChartPreview.Rendered(texts)`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import DescendantFocus, Resize
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static
from textual.worker import get_current_worker

from pligos_tui.jobs import pane_diff
from pligos_tui.jobs.explain import Origin, origin_at
from pligos_tui.jobs.pane_diff import PaneDiff
from pligos_tui.jobs.preview import (
    Comparison,
    Pane,
    PaneJob,
    PaneText,
    Prefetch,
    Source,
    start_source,
)
from pligos_tui.jobs.render import diff_lines
from pligos_tui.spec.model import Service
from pligos_tui.spec.vocabulary import MANIFESTS, PREVIEW_MODES
from pligos_tui.tui.text import one_line, show_text
from pligos_tui.tui.widgets.keyorder import move_focus, not_while_typing
from pligos_tui.tui.widgets.pane import (
    MIN_PANE_WIDTH,
    PaneBody,
    PreviewPane,
    SearchInput,
    arrange,
    unified_diff,
)

HINT = "] [ differences · / search · z maximize · F5 re-render"


class ChartPreview(Vertical):
    """The charts of `panes` side by side; see the module's docstring for the API."""

    DEFAULT_CSS = """
    ChartPreview { height: 1fr; }
    ChartPreview > #preview-panes { height: 1fr; }
    ChartPreview > #preview-panes.-stacked { layout: vertical; }
    ChartPreview > #preview-diff { height: 1fr; display: none; }
    ChartPreview.diff > #preview-panes { display: none; }
    ChartPreview.diff > #preview-diff { display: block; }
    ChartPreview PreviewPane { border-left: vkey $primary 30%; }
    ChartPreview > #preview-status { height: 1; padding: 0 1; color: $text-muted; }
    ChartPreview > #preview-search { display: none; height: 1; border: none; padding: 0 1; }
    ChartPreview.searching > #preview-search { display: block; }
    ChartPreview.searching > #preview-status { display: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right_square_bracket", "jump(1)", "Next difference of the panes", show=False),
        Binding("left_square_bracket", "jump(-1)", "Previous difference", show=False),
        Binding("slash", "search", "Search in the pane", show=False, priority=True),
        Binding("n", "search_step(1)", "Next match", show=False),
        Binding("N", "search_step(-1)", "Previous match", show=False),
        Binding("z", "toggle_maximized", "Maximize / restore the pane", show=False),
        Binding("greater_than_sign", "pane_by(1)", "Next pane", show=False),
        Binding("less_than_sign", "pane_by(-1)", "Previous pane", show=False),
        Binding("s", "toggle_sync", "Scroll the panes together on/off", show=False),
        Binding("f5", "rerender", "Re-render the panes (after secrets appear)", show=False),
    ]

    class Rendered(Message):
        """A refresh finished; `texts` holds each pane's text in pane order."""

        def __init__(self, preview: ChartPreview, texts: list[str | None]) -> None:
            super().__init__()
            self.preview = preview
            self.texts = texts

    diff: reactive[bool] = reactive(False)

    def __init__(self, source: Source = None, panes: Sequence[Pane] = (),
                 mode: str = MANIFESTS, *, debounce: float = 0.12,
                 prefetch: Prefetch | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if mode not in PREVIEW_MODES:
            raise ValueError(f"mode must be one of {', '.join(PREVIEW_MODES)}")
        self._source = source
        self._panes: list[Pane] = list(panes)
        self.mode = mode
        self.debounce = debounce
        self.texts: list[str | None] = [None] * len(self._panes)
        self.failed: list[bool] = [False] * len(self._panes)
        self.comparison: PaneDiff = pane_diff.EMPTY
        self.origins: list[list[Origin]] = []
        self.arrangement = "side"
        self.current = 0
        self.maximized: int | None = None
        self.sync = True
        self.rendered_at = 0.0
        # (not `_running`: a widget's message pump keeps its own state under that name)
        self._busy = False
        self._generation = 0
        self._timer: Any = None
        self._widgets: list[PreviewPane] = []
        self._prefetch = prefetch
        self._home = True  # the next refresh shows each pane from its top
        self._difference: int | None = None  # the difference last jumped to
        self._message = ""  # the status line's news (a difference or a match reached)
        self._known: dict[tuple[str, str], pane_diff.Layout | None] = {}

    # -- composition -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Horizontal(id="preview-panes")
        with VerticalScroll(id="preview-diff"):
            yield Static("", id="preview-diff-body", markup=False)
        yield Static("", id="preview-status", markup=False)
        yield SearchInput(self._search_done,
                          placeholder="search this pane (Enter finds, Escape closes)",
                          id="preview-search")

    def on_mount(self) -> None:
        self._rebuild_panes()
        self._busy = True  # pending until the first render lands
        if self._prefetch is not None:
            self.call_later(self.refresh_now)  # its renders are under way: collect them
        else:
            self.call_after_refresh(self.refresh_now)

    @property
    def pending(self) -> bool:
        return self._timer is not None or self._busy

    @property
    def panes(self) -> list[Pane]:
        return list(self._panes)

    def _title(self, pane: Pane) -> str:
        context, flavor = one_line(pane[0]), pane[1] and one_line(pane[1])
        title = context if not flavor else f"{context} (flavor {flavor})"
        return f"{title} · {self.mode}"

    def pane_title(self, index: int) -> str:
        """The title pane `index` shows: its context and mode, and where it stands."""
        title = self._title(self._panes[index])
        if self.maximized == index:
            return f"{title} · maximized (z restores)"
        if self.arrangement == "single" and len(self._panes) > 1:
            return f"{title} · {index + 1}/{len(self._panes)} (< > switch)"
        return title

    def _rebuild_panes(self) -> None:
        box = self.query_one("#preview-panes", Horizontal)
        box.remove_children()
        self.current = min(self.current, max(0, len(self._panes) - 1))
        self.maximized = None
        self._forget()
        if not self._panes:
            self._widgets = []
            box.mount(PreviewPane("preview", "no context to preview"))
            return
        self._widgets = [PreviewPane(self._title(p)) for p in self._panes]
        box.mount_all(self._widgets)
        self._arrange()

    def _forget(self) -> None:
        """Drop what was known of the panes' last texts (they are about to change)."""
        self.comparison = pane_diff.EMPTY
        self.origins = []
        self._difference = None

    def _body(self, index: int) -> PaneBody | None:
        return self._widgets[index].body if 0 <= index < len(self._widgets) else None

    # -- layout ------------------------------------------------------------------------------
    def on_resize(self, event: Resize) -> None:
        self._arrange()

    def _arrange(self) -> None:
        """Arrange the panes for the size (`pane.arrange`); a maximized pane is alone."""
        if not self.is_mounted:
            return
        arrangement = arrange(len(self._widgets), *self.size)
        self.arrangement = arrangement
        self.query_one("#preview-panes").set_class(arrangement == "stacked", "-stacked")
        for i, widget in enumerate(self._widgets):
            alone = self.maximized if self.maximized is not None else (
                self.current if arrangement == "single" else None)
            widget.display = alone is None or alone == i
            widget.set_title(self.pane_title(i))

    def show_pane(self, index: int) -> None:
        """Make pane `index` the current one (shown, when one pane is shown at a time)."""
        if not self._widgets:
            return
        self.current = index % len(self._widgets)
        if self.maximized is not None:
            self.maximized = self.current
        self._arrange()
        self.focus_pane(self.current)

    def focus_pane(self, index: int | None = None) -> None:
        body = self._body(self.current if index is None else index)
        if body is not None:
            move_focus(body)

    def toggle_maximized(self) -> bool:
        """Maximize the current pane (the others hidden, its title kept), or restore."""
        self.maximized = None if self.maximized is not None or not self._widgets \
            else self.current
        self._arrange()
        return self.maximized is not None

    action_toggle_maximized = toggle_maximized

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        for i, widget in enumerate(self._widgets):
            if widget.body is event.widget:
                if i != self.current:
                    self.current = i
                    self._message = ""
                self._update_status()

    # -- public API --------------------------------------------------------------------------
    def set_source(self, source: Source, panes: Sequence[Pane] | None = None, *,
                   prefetch: Prefetch | None = None) -> None:
        """A new source (and, given `panes`, new panes), rendered by one refresh (using the
        renders of `prefetch` when they are of this source, its panes and the mode)."""
        self._source = source
        if prefetch is not None:
            if self._prefetch is not None:
                self._prefetch.cancel()
            self._prefetch = prefetch
        if panes is not None:
            self._replace_panes(panes)
        self.schedule()

    def set_panes(self, panes: Sequence[Pane]) -> None:
        self._replace_panes(panes)
        self.schedule()

    def _replace_panes(self, panes: Sequence[Pane]) -> None:
        panes = list(panes)
        if panes != self._panes:
            self._panes = panes
            self.texts = [None] * len(panes)
            self.failed = [False] * len(panes)
            self._home = True
            if self.is_mounted and self.children:  # else on_mount builds them
                self._rebuild_panes()

    def set_mode(self, mode: str) -> None:
        if mode not in PREVIEW_MODES:
            raise ValueError(f"mode must be one of {', '.join(PREVIEW_MODES)}")
        self.mode = mode
        self._home = True
        self._forget()
        self._arrange()
        self.refresh_now()

    def cycle_mode(self) -> str:
        modes = PREVIEW_MODES
        self.set_mode(modes[(modes.index(self.mode) + 1) % len(modes)])
        return self.mode

    def toggle_diff(self) -> bool:
        self.diff = not self.diff
        return self.diff

    def schedule(self) -> None:
        if not self.is_mounted:
            return
        if self._timer is None and not self._busy:
            self.refresh_now()  # a change when idle renders at once; a burst, once after it
            return
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(self.debounce, self.refresh_now)

    def refresh_now(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if not self.is_mounted:
            return
        self._generation += 1
        self._busy = True
        panes, mode, home = list(self._panes), self.mode, self._home
        self._home = False
        prefetch, self._prefetch = self._prefetch, None
        if callable(self._source):  # may be slow: made, planned and started in the worker
            self._collect(self._generation, (self._source, prefetch), None, panes, mode, home)
            return
        # planning takes milliseconds and is done here, where it need not wait for the
        # thread to get its turn; helm then runs as separate processes
        svc, jobs = start_source(self._source, prefetch, panes, mode)
        self._collect(self._generation, jobs, svc, panes, mode, home)

    def marked(self, index: int) -> frozenset[int]:
        """The lines of pane `index` drawn as differing."""
        body = self._body(index)
        return body.marked if body is not None else frozenset()

    # -- rendering ---------------------------------------------------------------------------
    @work(thread=True, group="chart-preview", exit_on_error=False)
    def _collect(self, generation: int,
                 jobs: list[PaneJob] | tuple[Source, Prefetch | None], svc: Service | None,
                 panes: list[Pane], mode: str, home: bool) -> None:
        """Wait for the panes' renders and show each as it lands, then compare them (a
        thread worker). Given a source function (and the renders started for it, if any)
        instead of started jobs, first call it, then take those renders or start them."""
        worker = get_current_worker()

        def superseded() -> bool:  # a newer refresh started, or the app is closing
            return generation != self._generation or worker.is_cancelled

        if not isinstance(jobs, list):
            svc, jobs = start_source(*jobs, panes, mode)

        seen = Comparison(mode, len(jobs), self._known)
        waiting = dict(enumerate(jobs))
        while waiting and not superseded():  # each pane is shown as soon as it is ready
            ready = [i for i, job in waiting.items() if job.done()]
            if not ready:
                time.sleep(0.004)
                continue
            batch = [(i, waiting.pop(i).result()) for i in ready]
            for i, shown in batch:
                seen.add(i, shown)
            if not superseded():  # one trip to the UI thread per batch
                self.app.call_from_thread(self._show, generation, batch,
                                          None if waiting else (seen.texts, seen.failed), home)
            for i in ready:  # read while the other panes still render
                seen.read(i)
        for job in waiting.values():  # superseded by a newer refresh: stop its helm runs
            job.cancel()
        if not superseded():
            compared, origins = seen.result(svc, panes)
            self._known = seen.known  # (the next refresh reads only the texts that changed)
            if not superseded():
                self.app.call_from_thread(self._compared, generation, compared, origins)

    def _show(self, generation: int, batch: list[tuple[int, PaneText]],
              final: tuple[list[str | None], list[bool]] | None, home: bool) -> None:
        if generation != self._generation:
            return
        for index, shown in batch:
            if index < len(self._widgets):
                self._widgets[index].show(shown.text, error=shown.error, note=shown.note, home=home)
        if final is not None:
            self.texts, self.failed = list(final[0]), list(final[1])
            self.rendered_at = time.perf_counter()

    def _compared(self, generation: int, compared: PaneDiff,
                  origins: list[list[Origin]]) -> None:
        if generation != self._generation:
            return
        self.comparison = compared
        self.origins = origins
        for i, widget in enumerate(self._widgets):
            body = widget.body
            if body is not None:
                body.set_marks(compared.marked[i] if i < len(compared.marked)
                               and not self.failed[i] else frozenset())
        if self._difference is not None and self._difference >= len(compared.differences):
            self._difference = None
        self._follow(self.current)  # what moved in the other panes lines up again
        self._busy = False
        self._update_diff()
        self._update_status()
        self.post_message(self.Rendered(self, list(self.texts)))

    # -- differences -------------------------------------------------------------------------
    def jump(self, step: int) -> pane_diff.Difference | None:
        """Move every pane to the next (`step` 1) or previous (-1) difference, from the
        cursor of the current pane; returns it (None: the panes do not differ)."""
        diffs = self.comparison.differences
        if not diffs:
            self._say("no differences between the panes" if len(self._panes) > 1
                      else "one pane: nothing to compare")
            return None
        body = self._body(self.current)
        index = pane_diff.next_difference(diffs, self.current,
                                          body.cursor if body is not None else 0,
                                          self._difference, step)
        self._difference = index
        found = diffs[index]
        for i in range(len(self._widgets)):
            line = found.near[i] if i < len(found.near) else None
            pane_body = self._body(i)
            if line is not None and pane_body is not None:
                pane_body.move_cursor(line, top=True, follow=True, quiet=True)
        missing = [self._panes[i][0] for i, span in enumerate(found.lines)
                   if span is None and i < len(self._panes) and not self.failed[i]]
        self._say(f"difference {index + 1}/{len(diffs)}: {found.label}"
                  + (f" (not in {', '.join(missing)})" if missing else ""))
        return found

    action_jump = jump

    # -- search ------------------------------------------------------------------------------
    def action_search(self) -> None:
        not_while_typing(self.screen.focused)
        self.set_class(True, "searching")
        move_focus(self.query_one("#preview-search", SearchInput))

    def _search_done(self, query: str | None) -> None:
        self.close_search()
        if query is not None:
            self.search(query)

    def close_search(self) -> None:
        self.set_class(False, "searching")
        self.focus_pane()

    def search(self, query: str) -> list[int]:
        """Light the lines of the current pane holding `query` (any case) and move to the
        first at or below the cursor; returns the matching lines."""
        for i, other in enumerate(self._widgets):  # one pane's search at a time
            if i != self.current and other.body is not None and other.body.query_text:
                other.body.set_matches("")
        body = self._body(self.current)
        if body is None:
            return []
        matches = body.set_matches(query)
        if not query:
            self._say("")
        elif not matches:
            self._say(f"/{query}: no match in this pane")
        else:
            line = body.match_step(0)
            self._say(f"/{query}: match {matches.index(line) + 1} of {len(matches)}  (n N)")
        return matches

    def search_step(self, step: int) -> int | None:
        """To the next (1) or previous (-1) match of the last search in the current pane."""
        body = self._body(self.current)
        if body is None or not body.matches:
            self._say("no search: / searches this pane")
            return None
        line = body.match_step(step)
        self._say(f"/{body.query_text}: match {body.matches.index(line) + 1} of "
                  f"{len(body.matches)}")
        return line

    action_search_step = search_step

    # -- other keys --------------------------------------------------------------------------
    def action_pane_by(self, step: int) -> None:
        self.show_pane(self.current + step)

    def action_toggle_sync(self) -> None:
        self.sync = not self.sync
        self._say("panes scroll together" if self.sync else "panes scroll on their own")

    def action_rerender(self) -> None:
        self._say("re-rendering…")
        self.refresh_now()

    # -- panes scrolling together ------------------------------------------------------------
    def on_pane_body_scrolled(self, event: PaneBody.Scrolled) -> None:
        event.stop()
        source = next((i for i, w in enumerate(self._widgets) if w.body is event.body), None)
        if source is not None:
            self._follow(source)

    def _follow(self, source: int) -> None:
        """Scroll the other panes to what pane `source` shows at its top."""
        top = self._body(source)
        for i, other in enumerate(self._widgets):
            line = self.comparison.align(source, top.top, i) \
                if self.sync and top is not None and i != source else None
            if line is not None and other.body is not None:
                other.body.follow(line)

    def on_pane_body_cursor_moved(self, event: PaneBody.CursorMoved) -> None:
        event.stop()
        if self._body(self.current) is event.body:
            self._update_status()

    # -- the status line ---------------------------------------------------------------------
    def _say(self, message: str) -> None:
        self._message = message
        self._update_status()

    def origin_under_cursor(self) -> Origin | None:
        """Values mode: where the value on the current pane's cursor line comes from."""
        i, body = self.current, self._body(self.current)
        if body is None or i >= len(self.origins) or not self.origins[i]:
            return None
        path = self.comparison.path_at(i, body.cursor)
        return origin_at(self.origins[i], path) if path else None

    @property
    def status_text(self) -> str:
        origin = self.origin_under_cursor()
        shown = " · ".join(p for p in (self._message, origin and f"{origin.key} ← {origin.shown}")
                           if p)
        if shown or len(self._panes) < 2:
            return shown or "/ search · F5 re-render"
        count = len(self.comparison.differences)
        return f"{count or 'no'} difference{'' if count == 1 else 's'} · {HINT}"

    def _update_status(self) -> None:
        if self.is_mounted:
            show_text(self.query_one("#preview-status", Static), Text(self.status_text))

    # -- diff --------------------------------------------------------------------------------
    def watch_diff(self, value: bool) -> None:
        self.set_class(value, "diff")
        self._update_diff()

    def diff_text(self) -> Text:
        """A unified diff of the first two panes' texts, coloured by line."""
        if len(self._panes) < 2:
            return Text("the diff needs two panes", style="dim")
        a, b = self.texts[0], self.texts[1]
        if a is None or b is None:
            return Text("rendering…", style="dim")
        name_a, name_b = (self._title(p) for p in self._panes[:2])
        return unified_diff(diff_lines(a, b, name_a, name_b, keep_ends=False), name_a, name_b)

    def _update_diff(self) -> None:
        if self.diff and self.is_mounted:
            self.query_one("#preview-diff-body", Static).update(self.diff_text())


__all__ = ["MIN_PANE_WIDTH", "ChartPreview", "PreviewPane"]
