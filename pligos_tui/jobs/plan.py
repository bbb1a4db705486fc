"""`pligos plan`: what a change does to the manifests of every service and context.

Two sides are compared, chart by chart and then object by object (`charts/changes.py`): the
work tree as it is now, and the same tree at a git ref (`git archive` into a temporary folder)
or, outside git, the charts on disk. Each side plans its charts in memory with secrets
redacted (the ref's side reads the work tree's secrets: they are never in git). A chart whose
files are the same on both sides is unchanged and never rendered; the rest are rendered by
`charts/batch.py`, which caches renders by the chart's content, so the ref's side is usually
rendered already.

In git, a service none of whose inputs changed since the ref (its folder, the folders of
flavors and friends it reads, the files it mounts, pligos.lock) is not even planned: `plan`
of a tree where nothing changed reads each pligos.yaml once and renders nothing. The ref's side
of the others is kept between runs while what it read at the ref is the same, and helm
renders each service's charts while the next is planned (`plan_cache.py`).

The result is a `Plan`: every chart's status and object changes, the changes grouped across the
fleet (`fleet_groups`), what changed without a manifest change (chart version, flavor), the
charts that fail after the change and the services that no longer validate. The shells print
it as text, markdown or JSON (`cli_fleet`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pligos_tui.charts.batch import ChartInput, Outcome, chart_digest, render_many
from pligos_tui.charts.changes import (
    ChartChanges,
    Group,
    ObjectChange,
    diff_objects,
    fleet_groups,
    parse_objects,
)
from pligos_tui.charts.chart import chart_version, read_chart
from pligos_tui.charts.plan import plan_chart, secret_provider, select_contexts
from pligos_tui.charts.rendercache import RenderCache
from pligos_tui.errors import ConfigError, PligosError, UsageError, display_path
from pligos_tui.io import git
from pligos_tui.jobs import plan_cache
from pligos_tui.jobs.plan_cache import Parsed, Pending, Renders
from pligos_tui.secrets import SecretProvider
from pligos_tui.spec.discover import find_services, split_v1
from pligos_tui.spec.flavors import Flavor, FlavorSet
from pligos_tui.spec.load import load_service, load_service_text
from pligos_tui.spec.lock import Locks
from pligos_tui.spec.model import Service
from pligos_tui.spec.resolve import namespace_of, release_name, require_context, resolve_context
from pligos_tui.spec.vocabulary import (
    CHARTS_DIR,
    CONFIG_NAME,
    LOCK_FILE,
    MARKER,
    SECRET_VALUES_FILE,
)

PLAN_FORMAT = "pligos.plan/1"  # the JSON document's format: a new one for any breaking change

# what happened to a chart between the two sides
ADDED, REMOVED, CHANGED, UNCHANGED = "added", "removed", "changed", "unchanged"
FAILS, FIXED = "fails", "fixed"  # renders only before the change / only after it
STATUSES = (FAILS, REMOVED, ADDED, CHANGED, FIXED, UNCHANGED)


@dataclass(frozen=True, order=True)
class ChartId:
    """A chart on both sides: its service's folder (posix, from the compared tree's top)
    and its context."""

    folder: str
    context: str


@dataclass
class SideChart:
    """One chart as one side plans it."""

    id: ChartId
    service: str
    file: str  # the service's pligos.yaml, as shown
    flavor: str  # the flavor it is made from, "name" or "name@version"
    chart_version: str
    input: ChartInput | None = None
    error: str = ""  # why it cannot be planned or rendered
    digest: str = ""  # chart_digest of its input (a kept plan's chart has only this)
    render: Pending | None = field(default=None, repr=False, compare=False)  # under way


@dataclass
class Side:
    """The charts of one side and the services that do not load on it."""

    label: str  # "HEAD", "the work tree", "the charts on disk"
    charts: dict[ChartId, SideChart] = field(default_factory=dict)
    invalid: dict[str, str] = field(default_factory=dict)  # folder -> its problems, as text


@dataclass
class ChartResult:
    """What the change does to one chart."""

    id: ChartId
    service: str
    file: str
    status: str  # one of STATUSES
    changes: tuple[ObjectChange, ...] = ()
    notes: tuple[str, ...] = ()  # what changes without a manifest change
    error: str = ""  # FAILS: why it fails after the change

    @property
    def changed(self) -> bool:
        return self.status != UNCHANGED or bool(self.notes)


@dataclass
class Plan:
    before: str  # what is compared: the ref, or "the charts on disk"
    after: str
    charts: list[ChartResult]
    groups: list[Group]
    invalid: dict[str, str]  # folder -> problems: services that no longer validate
    broken: list[ChartResult]  # charts that fail on both sides (the tree's, not the change's)

    @property
    def changed(self) -> bool:
        return bool(self.invalid) or any(c.changed for c in self.charts)

    @property
    def failed(self) -> bool:
        """Something cannot be planned after the change: the command exits 2."""
        return bool(self.invalid) or bool(self.broken) or any(c.status == FAILS
                                                              for c in self.charts)

    def count(self, status: str) -> int:
        return sum(1 for c in self.charts if c.status == status)


# --------------------------------------------------------------------------- the sides

def plan_side(label: str, roots: Iterable[tuple[str, Path | Service]], *,
              contexts: list[str] | None, shown: Callable[[str], str] = str,
              secrets_roots: dict[str, Path] | None = None,
              flavors: FlavorSet | None = None) -> Side:
    """The charts of the services at `roots` ((folder id, folder or loaded service) pairs),
    planned in memory with redacted secrets; a service that does not load, or a chart that
    cannot be planned, is recorded with its problems (`shown` turns a message's temporary
    paths into what a user knows)."""
    side = Side(label)
    flavors = flavors if flavors is not None else FlavorSet()
    for folder, given in roots:
        try:
            svc = given if isinstance(given, Service) else load_service(given)
        except ConfigError as exc:
            side.invalid[folder] = shown(exc.format())
            continue
        secrets = secret_provider(svc, redact=True, root=(secrets_roots or {}).get(folder))
        for context in select_contexts(svc, contexts):
            side.charts[ChartId(folder, context)] = _side_chart(
                ChartId(folder, context), svc, flavors, secrets, shown)
    return side


def _side_chart(cid: ChartId, svc: Service, flavors: FlavorSet,
                secrets: SecretProvider | None, shown: Callable[[str], str]) -> SideChart:
    file = shown(svc.file)
    try:
        planned = plan_chart(svc, cid.context, flavors=flavors, secrets=secrets, redact=True)
        files = planned.chart_files()
        resolved = resolve_context(svc, cid.context)
    except PligosError as exc:
        return SideChart(cid, svc.name, file, "", "", error=shown(exc.format()))
    chart_input = ChartInput(label=f"context {cid.context!r} of {file}", files=files,
                             release=release_name(svc, resolved),
                             namespace=namespace_of(resolved),
                             values=_values(files))
    return SideChart(cid, svc.name, file, _flavor_label(planned.flavor), svc.chart_version,
                     chart_input)


def _values(files: dict[str, bytes]) -> tuple[str, ...]:
    return (SECRET_VALUES_FILE,) if SECRET_VALUES_FILE in files else ()


def _flavor_label(flavor: Flavor) -> str:
    return f"{flavor.name}@{flavor.version}" if flavor.version else flavor.name


def disk_side(work: Side, roots: dict[str, Path]) -> Side:
    """The charts `generate` wrote, as they are on disk, for the charts of `work`: the side
    `plan` compares with outside git (what the next `generate` would change)."""
    side = Side("the charts on disk")
    for cid, chart in work.charts.items():
        root = roots[cid.folder]
        dest = root / CHARTS_DIR / cid.context / chart.service
        if not (dest / MARKER).is_file():
            continue
        files = read_chart(dest)
        if SECRET_VALUES_FILE in files:  # (real data on disk: the redacted plan's instead)
            planned = chart.input.files if chart.input else {}
            if SECRET_VALUES_FILE in planned:
                files[SECRET_VALUES_FILE] = planned[SECRET_VALUES_FILE]
            else:
                del files[SECRET_VALUES_FILE]
        side.charts[cid] = SideChart(
            cid, chart.service, chart.file, chart.flavor, chart_version(files),
            ChartInput(label=f"the chart at {display_path(dest)}", files=files,
                       release=chart.input.release if chart.input else chart.service,
                       namespace=chart.input.namespace if chart.input else cid.context,
                       values=(SECRET_VALUES_FILE,) if SECRET_VALUES_FILE in files else ()))
    return side


# --------------------------------------------------------------------------- comparing

def compare(before: Side, after: Side, *, cache: RenderCache | None = None,
            unchanged: Iterable[ChartResult] = (), renders: Renders | None = None) -> Plan:
    """Every chart of both sides, compared; those whose files are the same are not
    rendered. `unchanged` adds charts known to be the same without planning them; `renders`
    is where renders already under way were started."""
    results: list[ChartResult] = list(unchanged)
    pending: list[tuple[ChartId, SideChart | None, SideChart | None]] = []
    for cid in sorted(set(before.charts) | set(after.charts)):
        old, new = before.charts.get(cid), after.charts.get(cid)
        if old is not None and new is not None and _same(old, new):
            results.append(_result(cid, old, new, UNCHANGED))
        elif new is None and old is not None and old.error:
            continue  # gone, and it never rendered: nothing of it was deployed
        elif new is None and old is not None and cid.folder in after.invalid:
            results.append(_result(cid, old, None, FAILS, error=f"{old.file} does not "
                                   "validate any more (its problems are listed below)"))
        else:
            if old is None and new is not None and cid.folder in before.invalid:
                old = SideChart(cid, new.service, new.file, "", "",  # (did not load there)
                                error=f"at {before.label}: {before.invalid[cid.folder]}")
            pending.append((cid, old, new))
    started = renders if renders is not None else Renders(cache)
    parsed = Parsed(_beside(cache, "objects"), keep=cache is not None)
    try:
        for _, old, new in pending:
            _start(started, old, new)
        started.flush()
        for cid, old, new in pending:
            results.append(_compared(cid, old, new, _text(old), _text(new), parsed))
    finally:
        if renders is None:
            started.close()
        parsed.close()
    results.sort(key=lambda r: r.id)
    broken = [r for r in results if r.status == FAILS and r.id in before.charts
              and before.charts[r.id].error]
    results = [r for r in results if r not in broken]
    groups = fleet_groups([ChartChanges(r.service, r.id.context, r.changes) for r in results
                           if r.changes])
    return Plan(before.label, after.label, results, groups, dict(after.invalid), broken)


def _same(old: SideChart, new: SideChart) -> bool:
    return bool(_digest(old)) and _digest(old) == _digest(new)


def _digest(chart: SideChart) -> str:
    if not chart.digest and chart.input is not None:
        chart.digest = chart_digest(chart.input)
    return chart.digest


def _start(renders: Renders, *charts: SideChart | None) -> None:
    for chart in charts:
        if chart is not None and chart.render is None and chart.input is not None:
            chart.render = renders.submit(chart.input)


def _text(chart: SideChart | None) -> str | None:
    """A chart's render (its error kept when it fails), None when it has none."""
    if chart is None or chart.render is None:
        return None
    outcome = chart.render.outcome()
    if outcome.error is not None or outcome.text is None:
        chart.error = str(outcome.error or "it did not render")
    return outcome.text


def _compared(cid: ChartId, old: SideChart | None, new: SideChart | None,
              old_text: str | None, new_text: str | None, parsed: Parsed) -> ChartResult:
    """One chart that differs between the sides, by its objects."""
    if new is not None and (new.error or new_text is None):
        return _result(cid, old, new, FAILS, error=new.error or "it did not render")
    before = _objects(old_text, old, parsed)
    if isinstance(before, dict) and old_text is not None and new is not None \
            and new_text is not None:  # (reading only what differs from a good render)
        found = parsed.changes(before, old_text, new_text, _label(new))
        if isinstance(found, str):
            return _result(cid, old, new, FAILS, error=found)
        changes, status = tuple(found), CHANGED
    else:
        after = _objects(new_text, new, parsed)
        if isinstance(after, str):
            return _result(cid, old, new, FAILS, error=after)
        if isinstance(before, str):
            before, status = {}, FIXED  # the old side did not render: everything is new
        else:
            status = ADDED if old is None else REMOVED
        changes = tuple(diff_objects(before, after))
    notes = _notes(old, new)
    if status == FIXED and isinstance(old_error := _objects(old_text, old, parsed), str):
        notes += (f"it did not render before: {old_error.splitlines()[0]}",)
    if status == CHANGED and not changes and not notes:
        status = UNCHANGED  # (files differ in a way no object shows, e.g. a comment)
    return _result(cid, old, new, status, changes=changes, notes=notes)


def _objects(text: str | None, chart: SideChart | None, parsed: Parsed
             ) -> dict[Any, Any] | str:
    """The objects of a render; why there are none as text when it did not render."""
    if chart is None:
        return {}
    if chart.error or text is None:
        return chart.error or "it did not render"
    return parsed.objects(text, _label(chart))


def _label(chart: SideChart) -> str:
    return chart.input.label if chart.input else chart.file


def _beside(cache: RenderCache | None, part: str) -> Path | None:
    """The folder `part` beside the render cache's (`cache_dir(part)` for the default)."""
    return cache.folder.parent / part if cache is not None else None


def _notes(old: SideChart | None, new: SideChart | None) -> tuple[str, ...]:
    if old is None or new is None:
        return ()
    notes = []
    if old.flavor != new.flavor and old.flavor and new.flavor:
        notes.append(f"flavor {old.flavor} → {new.flavor}")
    if old.chart_version != new.chart_version and old.chart_version and new.chart_version:
        notes.append(f"chart version {old.chart_version} → {new.chart_version}")
    return tuple(notes)


def _result(cid: ChartId, old: SideChart | None, new: SideChart | None, status: str, *,
            changes: tuple[ObjectChange, ...] = (), notes: tuple[str, ...] = (),
            error: str = "") -> ChartResult:
    chart = new or old
    assert chart is not None
    return ChartResult(cid, chart.service, chart.file, status, changes, notes, error)


# --------------------------------------------------------------------------- the command

def plan(paths: list[Path], *, against: str | None = None, contexts: list[str] | None = None,
         cache: RenderCache | None = None) -> Plan:
    """`pligos plan`: the services at or below `paths` now, against git ref `against`
    (default HEAD) or, outside git, against the charts on disk."""
    cache = cache if cache is not None else RenderCache()
    roots = _service_roots(paths)
    tops = {git.toplevel(p.resolve()) for p in paths}
    if len(tops) > 1:
        raise UsageError("the paths given are in different git repositories (or some in none): "
                         + ", ".join(display_path(p) for p in paths),
                         hint="plan one repository at a time")
    top = tops.pop() if tops else None
    result = _plan(paths, roots, top, against, contexts, cache)
    known = {c.id.context for c in [*result.charts, *result.broken]}
    missing = [c for c in dict.fromkeys(contexts or ()) if c not in known]
    if missing and not result.invalid:
        raise UsageError(f"no service below {', '.join(display_path(p) for p in paths)} has a "
                         f"context named {missing[0]!r}",
                         hint="`pligos contexts PATH` lists a service's contexts")
    return result


def _plan(paths: list[Path], roots: list[Path], top: Path | None, against: str | None,
          contexts: list[str] | None, cache: RenderCache) -> Plan:
    if top is None:
        if against:
            raise UsageError(f"{display_path(paths[0])} is not in a git repository, so "
                             f"there is no {against!r} to compare with",
                             hint="leave out --against to compare with the charts on disk")
        ids = {r.as_posix(): r for r in roots}
        work = plan_side("the work tree", ids.items(), contexts=contexts)
        return compare(disk_side(work, ids), work, cache=cache)
    return _plan_git(top, paths, roots, against or "HEAD", contexts, cache)


def _service_roots(paths: list[Path]) -> list[Path]:
    roots, v1_roots = split_v1(find_services(paths))
    if v1_roots:
        raise UsageError(f"{display_path(v1_roots[0])} is a service of the original Pligos, "
                         "which plan does not compare",
                         hint=f"convert it first: pligos migrate {display_path(v1_roots[0])}")
    return roots


def _plan_git(top: Path, paths: list[Path], roots: list[Path], ref: str,
              contexts: list[str] | None, cache: RenderCache) -> Plan:
    commit = git.resolve(top, ref)
    changed = git.changed_paths(top, commit)
    scope = [plan_cache.rel(p, top) for p in paths]
    work_ids = {plan_cache.rel(r, top): r.resolve() for r in roots}
    deleted = sorted(plan_cache.deleted_services(changed, top, scope))
    affected: dict[str, Path | Service] = {}
    quiet: list[ChartResult] = []
    for folder, root in work_ids.items():
        svc = plan_cache.loaded(root)
        if svc is None or plan_cache.touched(svc, top, changed):
            affected[folder] = svc or root  # (one that does not load: the side says why)
        else:
            quiet += [ChartResult(ChartId(folder, c), svc.name, svc.file, UNCHANGED)
                      for c in select_contexts(svc, contexts)]
    after = Side("the work tree")
    if not affected and not deleted:
        return compare(Side(ref), after, cache=cache, unchanged=quiet)
    excluded = [f"{f}/{CHARTS_DIR}" if f != "." else CHARTS_DIR for f in work_ids]
    flavors = FlavorSet()
    with tempfile.TemporaryDirectory(prefix="pligos-plan-") as tmp, Renders(cache) as renders:
        before = _Ref(top, commit, ref, Path(os.path.realpath(tmp)), contexts, cache, excluded)
        for folder in [*affected, *deleted]:  # (helm renders each while the next is planned)
            if folder in affected:
                one = plan_side(after.label, [(folder, affected[folder])], contexts=contexts,
                                flavors=flavors)
                after.charts.update(one.charts)
                after.invalid.update(one.invalid)
            for cid in before.add(folder, after) | {c for c in after.charts if c.folder == folder}:
                old, new = before.side.charts.get(cid), after.charts.get(cid)
                if not (old and new and _same(old, new) or new is None and old and (
                        old.error or folder in after.invalid)):  # (what compare renders)
                    _start(renders, old, new)
        result = compare(before.side, after, cache=cache, unchanged=quiet, renders=renders)
        before.close()
        return result


class _Ref:
    """The ref's side, service by service: kept from an earlier run when what the service
    reads at the ref is what it read then (`plan_cache.RefPlans`) and the renders it needs
    are in the cache, else planned from the ref's files (taken out of git when the first one
    is needed) and kept. Its messages name the ref, not the temporary folder."""

    def __init__(self, top: Path, commit: str, ref: str, tmp: Path, contexts: list[str] | None,
                 cache: RenderCache, excluded: list[str]) -> None:
        self.top, self.commit, self.ref, self.tmp = top, commit, ref, tmp
        self.contexts, self.cache, self.excluded = contexts, cache, excluded
        self.side = Side(ref)
        self.tree = plan_cache.Tree(git.ls_tree(top, commit))
        self.plans = plan_cache.RefPlans(top, self.tree, contexts, _beside(cache, "plans"))
        self.helm = plan_cache.helm_now()
        self.extracted = False
        self.flavors: dict[Any, Any] = {}  # (flavor folders read, shared by the services)

    def add(self, folder: str, work: Side) -> set[ChartId]:
        """Plan the ref's charts of the service at `folder` (none when it has none there)."""
        if not self.tree.has_service(folder):
            return set()
        kept = self.plans.find(folder, self.helm) if self.helm else None
        charts = self._kept(folder, kept, work) if kept is not None else None
        if charts is None:
            charts = self._planned(folder)
        self.side.charts.update(charts)
        return set(charts)

    def _kept(self, folder: str, kept: dict[str, Any], work: Side
              ) -> dict[ChartId, SideChart] | None:
        """The charts of a kept plan, with the renders that differ from `work`'s; None when
        one of those renders is gone from the cache."""
        charts = {}
        try:
            for context, data in kept["charts"].items():
                cid = ChartId(folder, context)
                chart = SideChart(cid, data["service"], self._shown(data["file"]),
                                  data["flavor"], data["chart_version"],
                                  error=self._shown(data["error"]), digest=data["digest"])
                new = work.charts.get(cid)
                if chart.digest and not (new is not None and _same(chart, new)):
                    text = self.cache.get(data["key"])
                    if text is None:
                        return None
                    chart.render = Pending.done(Outcome(text, None, cached=True))
                charts[cid] = chart
        except (KeyError, TypeError, AttributeError, ValueError):
            return None
        return charts

    def _planned(self, folder: str) -> dict[ChartId, SideChart]:
        if not self.extracted:
            git.extract(self.top, self.commit, self.tmp, exclude=self.excluded)
            self.extracted = True
        try:
            svc = load_service(self.tmp / folder)
        except ConfigError as exc:
            self.side.invalid[folder] = self._shown(plan_cache.marked(exc.format(), self.tmp))
            return {}
        reads = plan_cache.FlavorReads(self.flavors)
        side = plan_side(self.side.label, [(folder, svc)], contexts=self.contexts,
                         shown=lambda text: plan_cache.marked(text, self.tmp),
                         secrets_roots={folder: self.top / folder},
                         flavors=FlavorSet(cache=reads))
        if self.helm:
            self.plans.keep_planned(folder, svc, self.tmp, {c.context: chart for c, chart
                                                            in side.charts.items()},
                                    list(reads.seen), self.helm)
        for chart in side.charts.values():
            chart.file, chart.error = self._shown(chart.file), self._shown(chart.error)
            if chart.input is not None:
                chart.input = replace(chart.input, label=self._shown(chart.input.label))
        return side.charts

    def _shown(self, text: str) -> str:
        return text.replace(plan_cache.REF, self.ref)

    def close(self) -> None:
        self.plans.close()


# --------------------------------------------------------------------------- two contexts

def context_changes(svc: Service, a: str, b: str, *,
                  cache: RenderCache | None = None) -> ChartResult:
    """The object changes from context `a` to context `b` of one service (`pligos diff`):
    both rendered with the service's name as release, objects matched without their
    namespaces (which differ by context)."""
    for name in (a, b):
        require_context(svc, name)
    flavors, secrets = FlavorSet(), secret_provider(svc, redact=True)
    texts = []
    charts = [_side_chart(ChartId(".", name), svc, flavors, secrets, str) for name in (a, b)]
    inputs = []
    for chart in charts:
        if chart.error or chart.input is None:
            raise PligosError(chart.error)
        inputs.append(replace(chart.input, release=svc.name))
    for outcome in render_many(inputs, cache=cache if cache is not None else RenderCache()):
        if outcome.error is not None:
            raise outcome.error
        texts.append(outcome.text or "")
    changes = diff_objects(parse_objects(texts[0]), parse_objects(texts[1]),
                           match_namespace=False)
    return ChartResult(ChartId(".", b), svc.name, svc.file, CHANGED if changes else UNCHANGED,
                       tuple(changes))


# --------------------------------------------------------------------------- an edit

def plan_edit(before: Mapping[Path, bytes], *, contexts: list[str] | None = None,
              cache: RenderCache | None = None) -> Plan:
    """What an edit made in place did (`upgrade-flavor`): the services whose pligos.yaml was
    `before` (path -> its bytes then), as they were against as they are now."""
    roots = sorted({p.parent.resolve() for p in before if p.name == CONFIG_NAME})
    old: list[tuple[str, Path | Service]] = []
    for root in roots:
        text = before[next(p for p in before if p.name == CONFIG_NAME
                           and p.parent.resolve() == root)]
        try:
            old.append((display_path(root), load_service_text(text.decode(), root,
                                                              display_path(root / CONFIG_NAME))))
        except ConfigError:
            old.append((display_path(root), root))  # (did not load before: nor does it now)
    new = [(display_path(root), root) for root in roots]
    locks = Locks({p: data for p, data in before.items() if p.name == LOCK_FILE})
    return compare(plan_side("pligos.yaml before the edit", old, contexts=contexts,
                             flavors=FlavorSet(locks=locks)),
                   plan_side("pligos.yaml after it", new, contexts=contexts),
                   cache=cache if cache is not None else RenderCache())
