"""`ChartPreview`: the charts of one or more contexts side by side, rendered in the background.

API
---
    ChartPreview(source=None, panes=(), mode="manifests", *, debounce=0.12, prefetch=None,
                 id=..., classes=...)

- `source`: a loaded `spec.model.Service`; a `PligosError` (e.g. the `ConfigError` of an editor's
  buffer), shown in every pane; a callable returning a service (called off the UI thread, so
  it may be slow; it may raise a `PligosError`, shown the same way); or None (the panes say
  there is nothing to show).
- `panes`: a sequence of `(context, flavor)` pairs; `flavor` None means the context's own
  flavor, a name renders the context with that flavor instead ("try flavor"; nothing is
  written).
- `mode`: one of `pligos_tui.jobs.render.PREVIEW_MODES` = ("manifests", "values", "files"):
  the rendered manifests (helm template), the chart's values.yaml, or its file list; all come
  from `pligos_tui.jobs.render.start_preview`, what `pligos preview` uses.
- `prefetch`: a `pligos_tui.jobs.preview.Prefetch` started before the widget existed; the
  first refresh uses its renders when they are of the same service object, panes and mode.

Methods (call from the UI thread):
- `set_source(source, panes=None)`, `set_panes(pairs)`, `set_mode(mode)`: change what is
  shown and schedule one refresh (see `schedule`).
- `schedule()`: re-render soon (call after every edit of the service): at once when the
  widget is idle, else once `debounce` seconds after the last of a burst of calls.
- `refresh_now()`: re-render at once.
- `toggle_diff()` / `diff` attribute: with two or more panes, show a unified diff of the first
  two panes' texts instead of the panes (`pligos_tui.jobs.render.diff_lines`).
- `cycle_mode()`: manifests → values → files → manifests.
- `texts`: the last text of each pane, in pane order (None while rendering).
- `pending`: True while a refresh is scheduled or running.
- `rendered_at`: `time.perf_counter()` when the last refresh landed (0.0: none yet).

A refresh plans each pane's chart and starts one helm process per pane (milliseconds, on the
UI thread; with a callable source, in the worker); a thread worker waits for them and shows
each pane as it lands, so the UI never waits for helm. A newer refresh supersedes an older
one, whose helm runs are stopped and whose results are dropped (refreshes are numbered, and
the number decides). The methods above may be called before the widget is composed. A
`PligosError` of one pane (unknown flavor, helm template failure) shows in that pane, marked
as an error. When helm is missing, manifests mode falls back to the values, with a note
saying so. After each completed refresh the widget posts `ChartPreview.Rendered(texts)`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Log, Static
from textual.worker import get_current_worker

from pligos_tui.jobs.preview import (
    Pane,
    PaneJob,
    PaneText,
    Prefetch,
    Source,
    resolve,
    start_panes,
)
from pligos_tui.jobs.render import MANIFESTS, PREVIEW_MODES, diff_lines
from pligos_tui.tui.text import one_line


class PreviewPane(Vertical):
    """One context's chart: a title line and the scrollable text. The text is a `Log`, which
    draws only the lines in view, so a long chart costs no more to show than a short one."""

    DEFAULT_CSS = """
    PreviewPane { width: 1fr; height: 1fr; }
    PreviewPane > .pane-title { height: 1; background: $boost; color: $text; text-style: bold;
                                padding: 0 1; }
    PreviewPane > .pane-body { height: 1fr; padding: 0 1; background: transparent; }
    PreviewPane.error > .pane-body { color: $error; }
    PreviewPane.note > .pane-body { color: $text-muted; }
    """

    def __init__(self, title: str, text: str = "rendering…", *, note: bool = True,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.title = title
        self._text = text
        self.set_class(note, "note")

    def compose(self) -> ComposeResult:
        yield Static(self.title, classes="pane-title", markup=False)
        body = Log(auto_scroll=False, classes="pane-body")
        body.write(self._text)
        yield body

    @property
    def text(self) -> str:
        return self._text

    def set_title(self, title: str) -> None:
        self.title = title
        for widget in self.query(".pane-title").results(Static):
            widget.update(Text(title))

    def show(self, text: str, *, error: bool = False, note: bool = False) -> None:
        """Show `text` (kept until the body exists, when called before it is composed)."""
        self._text = text
        self.set_class(error, "error")
        self.set_class(note, "note")
        for body in self.query(".pane-body").results(Log):
            body.clear()
            body.write(text)
            body.scroll_home(animate=False)


class ChartPreview(Vertical):
    """The charts of `panes` side by side; see the module's docstring for the API."""

    DEFAULT_CSS = """
    ChartPreview { height: 1fr; }
    ChartPreview > #preview-panes { height: 1fr; }
    ChartPreview > #preview-diff { height: 1fr; display: none; }
    ChartPreview.diff > #preview-panes { display: none; }
    ChartPreview.diff > #preview-diff { display: block; }
    ChartPreview PreviewPane { border-left: vkey $primary 30%; }
    """

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
        self._failed: list[bool] = [False] * len(self._panes)
        self._generation = 0
        self._timer: Any = None
        self._running = False
        self.rendered_at = 0.0
        self._widgets: list[PreviewPane] = []
        self._prefetch = prefetch

    # -- composition -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Horizontal(id="preview-panes")
        with VerticalScroll(id="preview-diff"):
            yield Static("", id="preview-diff-body", markup=False)

    def on_mount(self) -> None:
        self._rebuild_panes()
        self._running = True  # pending until the first render lands
        if self._prefetch is not None:
            self.call_later(self.refresh_now)  # its renders are under way: collect them
        else:
            self.call_after_refresh(self.refresh_now)

    @property
    def pending(self) -> bool:
        return self._timer is not None or self._running

    @property
    def panes(self) -> list[Pane]:
        return list(self._panes)

    def _title(self, pane: Pane) -> str:
        context, flavor = one_line(pane[0]), pane[1] and one_line(pane[1])
        title = context if not flavor else f"{context} (flavor {flavor})"
        return f"{title} · {self.mode}"

    def _rebuild_panes(self) -> None:
        box = self.query_one("#preview-panes", Horizontal)
        box.remove_children()
        if not self._panes:
            self._widgets = []
            box.mount(PreviewPane("preview", "no context to preview"))
            return
        self._widgets = [PreviewPane(self._title(p)) for p in self._panes]
        box.mount_all(self._widgets)

    def _pane_widgets(self) -> list[PreviewPane]:
        return list(self._widgets)

    # -- public API --------------------------------------------------------------------------
    def set_source(self, source: Source, panes: Sequence[Pane] | None = None) -> None:
        """A new source (and, given `panes`, new panes), rendered by one refresh."""
        self._source = source
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
            self._failed = [False] * len(panes)
            if self.is_mounted and self.children:  # else on_mount builds them
                self._rebuild_panes()

    def set_mode(self, mode: str) -> None:
        if mode not in PREVIEW_MODES:
            raise ValueError(f"mode must be one of {', '.join(PREVIEW_MODES)}")
        self.mode = mode
        for pane, w in zip(self._panes, self._pane_widgets()):
            w.set_title(self._title(pane))
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
        if self._timer is None and not self._running:
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
        self._running = True
        panes, mode = list(self._panes), self.mode
        prefetch, self._prefetch = self._prefetch, None
        if callable(self._source):  # may be slow: made, planned and started in the worker
            if prefetch is not None:
                prefetch.cancel()
            self._collect(self._generation, self._source, panes, mode)
            return
        svc, problem = resolve(self._source)
        if prefetch is not None and prefetch.matches(svc, panes, mode):
            jobs = prefetch.jobs
        else:
            if prefetch is not None:
                prefetch.cancel()
            # planning takes milliseconds and is done here, where it need not wait for the
            # thread to get its turn; helm then runs as separate processes
            jobs = start_panes(svc, problem, panes, mode)
        self._collect(self._generation, jobs, panes, mode)

    # -- rendering ---------------------------------------------------------------------------
    @work(thread=True, group="chart-preview", exit_on_error=False)
    def _collect(self, generation: int, jobs: list[PaneJob] | Source, panes: list[Pane],
                 mode: str) -> None:
        """Wait for the panes' renders and show each as it lands (a thread worker). Given a
        source function instead of started jobs, first call it and start them."""
        worker = get_current_worker()

        def superseded() -> bool:  # a newer refresh started, or the app is closing
            return generation != self._generation or worker.is_cancelled

        if not isinstance(jobs, list):
            jobs = start_panes(*resolve(jobs), panes, mode)

        texts: list[str | None] = [None] * len(jobs)
        failed: list[bool] = [False] * len(jobs)
        waiting = dict(enumerate(jobs))
        while waiting and not superseded():  # each pane is shown as soon as it is ready
            ready = [i for i, job in waiting.items() if job.done()]
            if not ready:
                time.sleep(0.004)
                continue
            batch = []
            for i in ready:
                shown = waiting.pop(i).result()
                texts[i], failed[i] = shown.text, shown.error
                batch.append((i, shown))
            if not superseded():  # one trip to the UI thread per batch
                self.app.call_from_thread(self._show, generation, batch,
                                          None if waiting else (texts, failed))
        for job in waiting.values():  # superseded by a newer refresh: stop its helm runs
            job.cancel()

    def _show(self, generation: int, batch: list[tuple[int, PaneText]],
              final: tuple[list[str | None], list[bool]] | None) -> None:
        if generation != self._generation:
            return
        widgets = self._pane_widgets()
        for index, shown in batch:
            if index < len(widgets):
                widgets[index].show(shown.text, error=shown.error, note=shown.note)
        if final is not None:
            self._finish(generation, *final)

    def _finish(self, generation: int, texts: list[str | None], failed: list[bool]) -> None:
        if generation != self._generation:
            return
        self.texts = texts
        self._failed = failed
        self._running = False
        self.rendered_at = time.perf_counter()
        self._update_diff()
        self.post_message(self.Rendered(self, list(texts)))

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
        lines = diff_lines(a, b, name_a, name_b, keep_ends=False)
        if not lines:
            return Text(f"{name_a} and {name_b} are the same", style="dim")
        out = Text()
        for line in lines:
            style = ("green" if line.startswith("+") else "red" if line.startswith("-")
                     else "cyan" if line.startswith("@@") else "")
            out.append(line + "\n", style=style)
        return out

    def _update_diff(self) -> None:
        if self.diff and self.is_mounted:
            self.query_one("#preview-diff-body", Static).update(self.diff_text())


__all__ = ["ChartPreview", "PreviewPane"]
