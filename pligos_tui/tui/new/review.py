"""The last step: the pligos.yaml the answers give and, beside it, each context's chart.

The review takes the whole width (the step list is hidden on it). pligos.yaml and the charts
sit side by side when each of them gets `MIN_PANE_WIDTH` columns (what a preview pane needs);
otherwise pligos.yaml goes above
the charts, which then share the whole width (the preview itself decides how its panes share
it)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from pligos_tui.jobs import scaffold
from pligos_tui.tui.text import one_line
from pligos_tui.tui.widgets.pane import MIN_PANE_WIDTH

if TYPE_CHECKING:
    from pligos_tui.jobs.scaffold import Answers, Check, Template
    from pligos_tui.spec.model import Service
    from pligos_tui.tui.widgets.preview import ChartPreview


class ReviewStep(Vertical):
    """pligos.yaml on the left; the chart of every context beside it, side by side.

    The charts come from a service rendered through the template into a temporary folder
    (removed when the wizard ends), previewed by the same core function as `pligos preview`.
    """

    def __init__(self, template: Template, dest: Path, *, force: bool = False,
                 id: str | None = None) -> None:
        super().__init__(classes="step", id=id)
        self.force = force
        self.template = template
        self.dest = dest
        self.yaml_text = ""
        self.contexts = 0  # how many charts the last load shows
        self._loads = 0
        self._scratch: list[Path] = []
        self._lock = threading.Lock()

    def compose(self) -> ComposeResult:
        yield Static("Review", classes="step-title")
        yield Static("", id="review-where", classes="intro", markup=False)
        with Horizontal(id="review-body"):
            with VerticalScroll(id="review-yaml"):
                yield Static("", id="yaml-text")
            yield Vertical(id="review-charts-box")
        with Horizontal(classes="nav"):
            yield Button("‹ Back", id="back-review", classes="back", compact=True)
            yield Button("Write service", id="write", variant="success", compact=True)

    def on_mount(self) -> None:
        self.query_one("#review-yaml").border_title = "pligos.yaml"

    def on_resize(self) -> None:
        self.fit_columns()

    def fit_columns(self) -> None:
        """pligos.yaml beside the charts when every column gets `MIN_PANE_WIDTH`, else above."""
        width = self.content_size.width
        if not width:
            return
        columns = max(self.contexts, 1)
        stacked = width < MIN_PANE_WIDTH * (columns + 1)
        body = self.query_one("#review-body", Horizontal)
        body.set_class(stacked, "stacked")
        box = self.query_one("#review-charts-box", Vertical)
        box.styles.width = "1fr" if stacked else f"{columns}fr"

    @property
    def preview(self) -> ChartPreview | None:
        """The preview of the answers last loaded."""
        from pligos_tui.tui.widgets.preview import ChartPreview

        found = [w for w in self.query(ChartPreview) if w.is_attached and
                 w.has_class(f"load-{self._loads}")]
        return found[-1] if found else None

    def load(self, answers: Answers, check: Check, mode: str) -> None:
        """Show the pligos.yaml of `check` (of `answers`) and a fresh preview of its charts.
        (What it needs is imported here, when the review is first shown: the wizard's first
        step is on screen sooner.)"""
        from rich.syntax import Syntax

        from pligos_tui.tui.widgets.preview import ChartPreview

        dest = one_line(self.dest, 0)
        where = (f"Adds to {dest} (--force: its other files are kept)" if self.force
                 else f"Writes {dest}")
        self.query_one("#review-where", Static).update(
            f"{where}: this pligos.yaml, and the chart of each context ({mode}).")
        self.yaml_text = check.text
        self.query_one("#yaml-text", Static).update(
            Syntax(check.text, "yaml", theme="ansi_dark", background_color="default"))
        box = self.query_one("#review-charts-box", Vertical)
        box.remove_children()  # a fresh preview for these answers: it renders once mounted
        self._loads += 1
        self.contexts = len(answers.contexts)
        box.mount(ChartPreview(self._source(answers, check.checked_text),
                               [(c.name, None) for c in answers.contexts],
                               mode, classes=f"review-charts load-{self._loads}"))
        self.fit_columns()

    def _source(self, answers: Answers, text: str) -> Callable[[], Service]:
        def build() -> Service:
            svc, scratch = scaffold.preview_service(answers, self.template, self.dest,
                                                    text=text)
            with self._lock:
                self._scratch.append(scratch)
            return svc

        return build

    def on_unmount(self) -> None:
        with self._lock:
            for folder in self._scratch:
                shutil.rmtree(folder, ignore_errors=True)
            self._scratch.clear()
