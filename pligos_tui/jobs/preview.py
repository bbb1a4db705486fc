"""The panes of a chart preview: what each shows for a (context, flavor) pair, rendered in the
background.

`PaneJob` makes what one pane shows; `Prefetch` starts the first renders of an editor before
its screen exists (importing and starting Textual takes longer than a helm render), and the
TUI's `ChartPreview` picks them up instead of rendering again. Every pane is planned, then
helm is started for all of them at once, as background processes, so a busy UI thread does
not slow them. Every pane's text is `pligos preview`'s (`jobs.render.start_preview`).
`Comparison` reads the panes' texts as they land and compares them (`jobs.pane_diff`);
`pane_origins` says where each value of a pane's values comes from (`jobs.explain`), for
the values line under a pane's cursor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pligos_tui.charts.plan import ChartPlan
from pligos_tui.errors import HelmNotFound, PligosError
from pligos_tui.jobs.explain import Origin, explain
from pligos_tui.jobs.pane_diff import EMPTY, Layout, PaneDiff, compare, read
from pligos_tui.jobs.render import Finished, Rendering, plan_preview, start_planned
from pligos_tui.spec.flavors import FlavorSet
from pligos_tui.spec.model import Service
from pligos_tui.spec.vocabulary import MANIFESTS, VALUES

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
    values. Making it plans the chart; `start()` starts helm (in the background; `start_panes`
    plans every pane first, then starts them all, so that no helm process already running
    slows the planning of the others down); `result()` waits. Every failure becomes a
    `PaneText` marked as an error, never an exception."""

    def __init__(self, svc: Service | None, problem: str, context: str, flavor: str | None,
                 mode: str, flavors: FlavorSet | None = None) -> None:
        self._job: Rendering | Finished = Finished("")  # the render, once one has started
        self._text: PaneText | None = None  # set once known: the job's result, or a failure
        self._plan: ChartPlan | None = None  # planned, not started yet
        self._mode = mode
        if svc is None:
            self._text = PaneText(problem, error=True)
            return
        try:
            self._plan = plan_preview(svc, context, flavor=flavor, flavors=flavors)
        except Exception as exc:
            self._text = self._failure(exc)

    def start(self) -> None:
        """Start rendering the planned chart (nothing when started already, or failed)."""
        plan, self._plan = self._plan, None
        if plan is None or self._text is not None:
            return
        try:
            self._job = start_planned(plan, self._mode)
        except HelmNotFound as missing:
            note = f"# {missing.message}\n# showing the chart's values instead\n"
            self._text = self._guard(lambda: PaneText(
                note + start_planned(plan, VALUES).result(), note=True))
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
        self.start()
        return self._text is not None or self._job.done()

    def result(self) -> PaneText:
        self.start()
        if self._text is None:
            job = self._job
            self._text = self._guard(lambda: PaneText(job.result()))
        return self._text

    def cancel(self) -> None:
        self._plan = None
        if self._text is None:
            self._job.cancel()
            self._text = PaneText("cancelled", note=True)


def start_panes(svc: Service | None, problem: str, panes: Sequence[Pane], mode: str,
                flavors: FlavorSet | None = None) -> list[PaneJob]:
    """Start every pane at once: the helm processes run side by side (the flavors they use
    read once for them all, or taken from `flavors`, those read already)."""
    flavors = flavors if flavors is not None else FlavorSet()
    jobs = [PaneJob(svc, problem, c, f, mode, flavors) for c, f in panes]
    for job in jobs:  # every chart planned before any helm process takes a core
        job.start()
    return jobs


class Prefetch:
    """Renders started early for a preview's first refresh.

    They are used only when the preview's first refresh is for the very same service object,
    panes and mode; anything else renders afresh.
    """

    def __init__(self, svc: Service, panes: Sequence[Pane], mode: str = MANIFESTS, *,
                 flavors: FlavorSet | None = None) -> None:
        self.service, self.panes, self.mode = svc, list(panes), mode
        self.jobs = start_panes(svc, "", self.panes, mode, flavors)

    def matches(self, svc: Service | None, panes: Sequence[Pane], mode: str) -> bool:
        return svc is self.service and list(panes) == self.panes and mode == self.mode

    def cancel(self) -> None:
        for job in self.jobs:
            job.cancel()


def start_source(source: Source, prefetch: Prefetch | None, panes: Sequence[Pane],
                 mode: str) -> tuple[Service | None, list[PaneJob]]:
    """The service of `source` and its panes' renders: those of `prefetch` when they are of
    that very service, these panes and mode, else started now (`prefetch` then stopped)."""
    svc, problem = resolve(source)
    if prefetch is not None and prefetch.matches(svc, panes, mode):
        return svc, prefetch.jobs
    if prefetch is not None:
        prefetch.cancel()
    return svc, start_panes(svc, problem, panes, mode)


def pane_origins(svc: Service | None, pane: Pane) -> list[Origin]:
    """Where each value of the pane's values comes from; [] when that cannot be told (no
    service, a context that does not compile): the pane shows its text either way."""
    if svc is None:
        return []
    try:
        return explain(svc, pane[0], flavor=pane[1])
    except Exception:
        return []


class Comparison:
    """The panes of one refresh: each text as it lands (`add`), read for comparing (`read`,
    while the other panes still render), then compared (`result`). `known`: the texts a
    previous refresh read (`known` of its Comparison), not read again."""

    def __init__(self, mode: str, count: int,
                 known: dict[tuple[str, str], Layout | None] | None = None) -> None:
        self.mode = mode
        self.texts: list[str | None] = [None] * count
        self.failed = [False] * count
        self._notes = [False] * count
        self._layouts: list[Layout | None] = [None] * count
        self._before = known or {}
        self.known: dict[tuple[str, str], Layout | None] = {}

    @property
    def read_as(self) -> str:
        """The mode the texts are in (without helm, manifests mode shows the values)."""
        return VALUES if self.mode == MANIFESTS and any(self._notes) else self.mode

    def add(self, index: int, shown: PaneText) -> None:
        self.texts[index], self.failed[index] = shown.text, shown.error
        self._notes[index] = shown.note

    def read(self, index: int) -> None:
        text = self.texts[index]
        if text is None or self.failed[index]:
            return
        key = (self.read_as, text)
        if key in self._before:
            layout = self._before[key]
        else:
            try:
                layout = read(text, self.read_as)
            except Exception:  # (a text that cannot be read is not compared; it is shown)
                layout = None
        self._layouts[index] = self.known[key] = layout

    def result(self, svc: Service | None, panes: Sequence[Pane]
               ) -> tuple[PaneDiff, list[list[Origin]]]:
        """What differs between the panes that did not fail and, in values mode, where each
        value of each pane comes from."""
        try:
            compared = compare([None if f else t for t, f in zip(self.texts, self.failed)],
                               self.read_as, self._layouts)
        except Exception:  # (a comparison that fails lights nothing; the texts are shown)
            compared = EMPTY
        if self.read_as != VALUES:
            return compared, []
        return compared, [[] if f else pane_origins(svc, p) for p, f in zip(panes, self.failed)]
