"""The panes of a chart preview: what each shows for a (context, flavor) pair, rendered in the
background.

`PaneJob` makes what one pane shows; `Prefetch` starts the first renders of an editor before
its screen exists (importing and starting Textual takes longer than a helm render), and the
TUI's `ChartPreview` picks them up instead of rendering again. Helm runs as a background
process from the start of a job, so a busy UI thread does not slow it. Every pane's text is
`pligos preview`'s (`jobs.render.start_preview`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pligos_tui.errors import HelmNotFound, PligosError
from pligos_tui.jobs.render import MANIFESTS, VALUES, Finished, Rendering, start_preview
from pligos_tui.spec.model import Service

# a service; a function returning one (called off the UI thread: it may be slow, and may raise
# the error to show); an error to show; or None
Source = Service | Callable[[], Service] | PligosError | None
Pane = tuple[str, str | None]


@dataclass(frozen=True)
class PaneText:
    """What a pane shows: `error` marks a failure, `note` a stand-in (values without helm)."""

    text: str
    error: bool = False
    note: bool = False


def resolve(source: Source) -> tuple[Service | None, str]:
    """The service a source stands for, or the text of the problem that stops it loading."""
    if isinstance(source, PligosError):
        return None, source.format(rules=False)
    try:
        svc = source() if callable(source) else source
    except PligosError as exc:
        return None, exc.format(rules=False)
    except Exception as exc:
        return None, f"internal error: {type(exc).__name__}: {exc}"
    return svc, "" if svc is not None else "no service loaded"


class PaneJob:
    """One pane's text being made: `pligos preview`'s text for the context; without helm, the
    values. Starting it plans the chart and starts helm (in the background); `result()` waits.
    Every failure becomes a `PaneText` marked as an error, never an exception."""

    def __init__(self, svc: Service | None, problem: str, context: str, flavor: str | None,
                 mode: str) -> None:
        self._job: Rendering | Finished = Finished("")  # the render, once one has started
        self._text: PaneText | None = None  # set once known: the job's result, or a failure
        if svc is None:
            self._text = PaneText(problem, error=True)
            return
        try:
            self._job = start_preview(svc, context, flavor=flavor, mode=mode)
        except HelmNotFound as missing:
            note = f"# {missing.message}\n# showing the chart's values instead\n"
            self._text = self._guard(lambda: PaneText(
                note + start_preview(svc, context, flavor=flavor, mode=VALUES).result(),
                note=True))
        except Exception as exc:
            self._text = self._failure(exc)

    @staticmethod
    def _failure(exc: Exception) -> PaneText:
        if isinstance(exc, PligosError):
            return PaneText(exc.format(rules=False), error=True)
        return PaneText(f"internal error: {type(exc).__name__}: {exc}", error=True)

    @classmethod
    def _guard(cls, make: Callable[[], PaneText]) -> PaneText:
        try:
            return make()
        except Exception as exc:
            return cls._failure(exc)

    def done(self) -> bool:
        return self._text is not None or self._job.done()

    def result(self) -> PaneText:
        if self._text is None:
            job = self._job
            self._text = self._guard(lambda: PaneText(job.result()))
        return self._text

    def cancel(self) -> None:
        if self._text is None:
            self._job.cancel()
            self._text = PaneText("cancelled", note=True)


def start_panes(svc: Service | None, problem: str, panes: Sequence[Pane],
                mode: str) -> list[PaneJob]:
    """Start every pane at once: the helm processes run side by side."""
    return [PaneJob(svc, problem, c, f, mode) for c, f in panes]


class Prefetch:
    """Renders started early for a preview's first refresh.

    They are used only when the preview's first refresh is for the very same service object,
    panes and mode; anything else renders afresh.
    """

    def __init__(self, svc: Service, panes: Sequence[Pane], mode: str = MANIFESTS) -> None:
        self.service, self.panes, self.mode = svc, list(panes), mode
        self.jobs = start_panes(svc, "", self.panes, mode)

    def matches(self, svc: Service | None, panes: Sequence[Pane], mode: str) -> bool:
        return svc is self.service and list(panes) == self.panes and mode == self.mode

    def cancel(self) -> None:
        for job in self.jobs:
            job.cancel()
