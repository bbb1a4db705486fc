"""`pligos generate`: load every service, plan every chart, then write them all.

Everything is loaded, validated and compiled before anything is written, so bad input never
half-writes. A service whose inputs and charts did not change since the last run
(:mod:`pligos_tui.charts.records`) is not loaded at all. Large runs write in two forked
processes.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.context import ForkProcess
from pathlib import Path

from pligos_tui import helm, v1
from pligos_tui.charts import subcharts
from pligos_tui.charts.chart import content_hash, describe_edits, edited_files, file_sums
from pligos_tui.charts.library import (
    LIBRARY_FOLDER,
    LIBRARY_META,
    LINK,
    chart_stat,
    library_files,
    library_of,
)
from pligos_tui.charts.plan import (
    ChartPlan,
    plan_chart,
    secret_provider,
    select_contexts,
)
from pligos_tui.charts.records import (
    ChartRecord,
    Records,
    collect,
    collect_flavors,
    collect_secrets,
    lock_input,
)
from pligos_tui.charts.umbrella import UMBRELLA, UmbrellaPlan, plan_umbrellas
from pligos_tui.charts.writer import EDITED_HINT, edited_refusal, remove_chart, write_chart
from pligos_tui.errors import (
    ChartWriteError,
    ConfigError,
    PligosError,
    Problem,
    UsageError,
    did_you_mean,
    display_path,
)
from pligos_tui.io.files import locked
from pligos_tui.secrets import SecretProvider, Watched
from pligos_tui.secrets.file import ensure_ignored
from pligos_tui.spec.discover import find_services, read_marker, split_v1
from pligos_tui.spec.flavors import FlavorSet
from pligos_tui.spec.load import load_service
from pligos_tui.spec.model import Service
from pligos_tui.spec.pins import lock_updates, write_locks
from pligos_tui.spec.vocabulary import CHARTS_DIR, DEFAULT_SECRETS_PATH


def load_services(roots: list[Path], *, follow_symlinks: bool = False) -> list[Service]:
    """Load every service; all problems of all files are raised together."""
    services: list[Service] = []
    problems: list[Problem] = []
    for root in roots:
        try:
            services.append(load_service(root, follow_symlinks=follow_symlinks))
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)
    return services


def plan(services: list[Service], *, contexts: list[str] | None = None,
         out: Path | None = None, flavors: FlavorSet | None = None,
         v1_roots: list[Path] | None = None, covered: set[str] | None = None,
         build: bool = True, fetch_secrets: bool = True,
         watched: dict[Path, Watched] | None = None) -> list[ChartPlan]:
    """The charts of the services' contexts (all, or those named in `contexts`; a context
    named there must exist in some service, or in `covered`). Without `fetch_secrets` no
    secret store is read (the charts lack their inline secret data); `watched` receives each
    service's provider, which tells whether it was read."""
    flavors = flavors or FlavorSet()
    plans: list[ChartPlan] = []
    problems: list[Problem] = []  # located ones, of every chart, each reported once
    for svc in services:
        secrets: SecretProvider | None = None
        if fetch_secrets:
            secrets = secret_provider(svc)
            if secrets is not None and watched is not None:
                secrets = watched[svc.root] = Watched(secrets)
        for name in select_contexts(svc, contexts):
            try:
                plans.append(plan_chart(svc, name, out=out, flavors=flavors, secrets=secrets,
                                        build=build, fetch_secrets=fetch_secrets))
            except ConfigError as exc:  # (a secret the provider lacks, at the line using it)
                problems += [q for q in exc.problems if q not in problems]
    if problems:
        raise ConfigError(problems)
    if v1_roots:  # services of the original Pligos: pligos_tui.v1 builds their charts
        plans.extend(v1.plans(v1_roots, contexts=contexts, out=out))
    if contexts:
        missing = [c for c in contexts if not any(p.context == c for p in plans)
                   and c not in (covered or set())]
        if missing:
            known = sorted({c.name for s in services for c in s.contexts}
                           | {p.context for p in plans})
            raise UsageError(f"no service has a context named {missing[0]!r}",
                             hint=did_you_mean(missing[0], known, loose=True)
                             or f"contexts are: {', '.join(known)}")
    seen: dict[Path, ChartPlan] = {}
    for p in plans:
        if p.dest in seen:
            other = seen[p.dest]
            raise UsageError(f"{other.origin.file} and {p.origin.file} would both write "
                             f"{display_path(p.dest)}",
                             hint="give the services different names, or generate them "
                             "without --out")
        seen[p.dest] = p
    return plans


@dataclass
class GenerateReport:
    written: list[ChartRecord] = field(default_factory=list)
    unchanged: list[ChartRecord] = field(default_factory=list)
    umbrellas: list[tuple[UmbrellaPlan, str]] = field(default_factory=list)
    libraries: list[tuple[Path, str]] = field(default_factory=list)  # the helpers' libraries
    warnings: list[str] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)  # charts of contexts that are gone
    fetched: list[Path] = field(default_factory=list)  # charts whose subcharts were built

    @property
    def services(self) -> int:
        return len({r.root for r in self.written + self.unchanged})


def generate(paths: list[Path], *, contexts: list[str] | None = None, out: Path | None = None,
             progress: Callable[[int, int], None] | None = None,
             follow_symlinks: bool = False, force: bool = False,
             deps: bool = False) -> GenerateReport:
    """Load, validate and compile everything first; then write each chart atomically. With
    `deps`, `helm dependency build` then fetches the subcharts of every chart whose subcharts
    are missing or out of date.

    A service whose inputs and charts did not change since the last run (see charts/records.py) is
    not loaded at all."""
    if deps:  # (before anything is written)
        helm.require_helm("fetching subcharts (--deps)")
    report = GenerateReport()
    flavors = FlavorSet()
    records = Records(out, contexts, follow_symlinks=follow_symlinks)
    work: list[tuple[list[ChartPlan], list[UmbrellaPlan]]] = []
    read: dict[Path, tuple[dict[str, str], dict[str, str]]] = {}
    watched: dict[Path, Watched] = {}
    loaded: list[Service] = []
    for root in paths:  # every tree is planned (and so checked) before anything is written
        roots, v1_roots = split_v1(find_services([root]))
        fresh: list[Path] = []
        for service_root in roots:
            record = records.unchanged(service_root)
            if record is None or record.shared:
                fresh.append(service_root)
                continue
            report.unchanged += record.chart_records(service_root)
        services = load_services(fresh, follow_symlinks=follow_symlinks)
        loaded += services
        # inputs hashed before they are compiled (an input changed meanwhile makes the next
        # run build again, never the reverse)
        read.update({svc.root: (collect(svc), collect_secrets(svc)) for svc in services})
        plans = plan(services, contexts=contexts, out=out, flavors=flavors, v1_roots=v1_roots,
                     covered={r.context for r in report.unchanged}, build=False,
                     watched=watched)
        work.append((plans, plan_umbrellas(plans, root, out)))
    all_plans = [p for plans, _ in work for p in plans]
    locks = lock_updates(loaded, flavors)  # (the flavor versions chosen, for pligos.lock)
    libraries = library_dests(all_plans)
    # every destination is checked before anything is written
    _check_destinations(all_plans, [u for _, umbrellas in work for u in umbrellas], records,
                        libraries, force=force)
    inputs = _inputs(all_plans, read, watched, records)  # (flavors: before they are built)
    for lib in libraries:  # (before the charts that link to them)
        report.libraries.append((lib, write_chart(lib, library_files(), meta=LIBRARY_META,
                                                  force=force)))
    results = _write_charts(all_plans, progress, force=force)
    for p, (status, digest, stat) in zip(all_plans, results):
        (report.written if status == "written" else report.unchanged).append(p.record())
        p.digest, p.stat = digest, stat
    for _, umbrellas in work:
        for u in umbrellas:
            status = write_chart(u.dest, u.files, meta={"context": u.context,
                                                        "service": UMBRELLA}, force=force)
            report.umbrellas.append((u, status))
    report.warnings = _protect_secret_folders(all_plans)  # (once the charts are written)
    if contexts is None and out is None:
        report.removed, left = _prune_orphans(all_plans)
        report.warnings += left
        _prune_libraries(all_plans)
    write_locks(locks)  # (once everything else is written; the records name its digest)
    for i in inputs:
        i.digests.update(lock_input(i.service.root))
    _record_inputs(inputs, records)
    if deps:
        report.fetched = fetch_subcharts(
            [p.dest for p in all_plans] + [r.dest for r in report.unchanged]
            + [u.dest for _, umbrellas in work for u in umbrellas])
    return report


def fetch_subcharts(dests: list[Path]) -> list[Path]:
    """`helm dependency build` for each chart whose subcharts are missing or out of date (with
    the chart's folder locked, as a write would); the charts it ran for."""
    due = [d for d in dict.fromkeys(dests)
           if subcharts.state(d) in (subcharts.MISSING, subcharts.STALE)]
    for dest in due:
        with locked(dest.parent):
            subcharts.drop_stale_lock(dest)
            helm.dependency_build(dest, display_path(dest))
            subcharts.drop_packed_library(dest)
    return due


def orphans(svc: Service, *, copies: bool = False) -> list[Path]:
    """Charts Pligos generated for contexts the service no longer has (default layout); with
    `copies`, the charts of the service copied by hand into a folder of another name."""
    names = {c.name for c in svc.contexts}
    found = []
    for dest in sorted((svc.root / CHARTS_DIR).glob(f"*/{svc.name}")):
        marker = read_marker(dest)
        if marker is None or marker.get("service") != svc.name or dest.parent.name in names:
            continue
        if (marker.get("context") != dest.parent.name) == copies:
            found.append(dest)
    return found


def _prune_orphans(plans: list[ChartPlan]) -> tuple[list[Path], list[str]]:
    """Remove the charts of contexts that are gone: (removed, warnings for those left, which
    hold files Pligos did not write)."""
    removed: list[Path] = []
    left: list[str] = []
    for svc in {id(p.service): p.service for p in plans if p.service is not None}.values():
        for dest in orphans(svc):
            edited = edited_files(dest)
            if edited:
                left.append(f"{display_path(dest)} belongs to no context of {svc.file} but "
                            f"was changed by hand ({describe_edits(edited)}); it is left "
                            "in place: remove it yourself when it is no longer needed")
                continue
            remove_chart(dest)
            removed.append(dest)
        for dest in orphans(svc, copies=True):
            copied = (read_marker(dest) or {}).get("context", "")
            left.append(f"{display_path(dest)} is a copy of the chart of context {copied!r} of "
                        f"{svc.file}; it is left in place")
    return removed, left


def library_dests(plans: list[ChartPlan]) -> list[Path]:
    """The library folder of each charts root the plans write into: every chart of a
    format-1 service links to its root's (`charts.library`)."""
    return sorted({library_of(p.dest) for p in plans if p.service is not None})


def _prune_libraries(plans: list[ChartPlan]) -> None:
    """Remove the library of a service's charts root once no chart there links to it (a
    library other charts still use is never removed)."""
    for svc in {id(p.service): p.service for p in plans if p.service is not None}.values():
        root = svc.root / CHARTS_DIR
        lib = root / LIBRARY_FOLDER
        if read_marker(lib) is not None and not any(
                (chart / LINK).is_symlink() for chart in root.glob("*/*")):
            remove_chart(lib)


PARALLEL_FROM = 40  # charts; below this, starting a second process costs more than it saves


def _write_charts(plans: list[ChartPlan], progress: Callable[[int, int], None] | None, *,
                  force: bool = False) -> list[tuple[str, str, str]]:
    """Build and write every chart: (status, content hash, stat digest) per plan, in order.

    A large run is shared between two processes (forked, so they inherit the plans without
    copying them); charts that share a folder go to the same process, as each holds that
    folder's lock while it writes."""
    results: list[tuple[str, str, str] | None] = [None] * len(plans)
    groups: dict[Path, list[int]] = {}
    for i, p in enumerate(plans):
        groups.setdefault(p.dest.parent, []).append(i)
    workers = min(2, os.cpu_count() or 1, len(groups))
    if (len(plans) < PARALLEL_FROM or workers < 2 or "fork" not in _start_methods()
            or threading.active_count() > 1):  # forking a threaded process (a TUI) is unsafe
        for i, p in enumerate(plans):
            results[i] = _write_plan(p, force)
            if progress:
                progress(i + 1, len(plans))
        return [r for r in results if r is not None]
    batches: list[list[int]] = [[] for _ in range(workers)]
    for indexes in sorted(groups.values(), key=len, reverse=True):
        min(batches, key=len).extend(indexes)
    context = multiprocessing.get_context("fork")
    writers: list[tuple[list[int], Connection, ForkProcess]] = []
    done = 0
    try:
        for batch in batches:
            receive, send = context.Pipe(duplex=False)
            # forked: the writer inherits the plans as they are, nothing is copied or pickled
            writer = context.Process(target=_write_batch,
                                     args=(plans, batch, send, os.getpid(), force), daemon=True)
            writer.start()
            send.close()
            writers.append((batch, receive, writer))
        for batch, receive, _ in writers:
            try:
                outcome: list[tuple[str, str, str] | BaseException] = receive.recv()
            except EOFError:
                raise PligosError("a chart writer stopped before it finished",
                                  hint="run the command again; charts are either the previous "
                                  "or the new ones") from None
            for i, result in zip(batch, outcome):
                if isinstance(result, BaseException):
                    raise result
                results[i] = result
            done += len(batch)
            if progress:
                progress(done, len(plans))
    finally:
        for _, receive, writer in writers:
            receive.close()
            if writer.is_alive() and done < len(plans):
                writer.kill()
            writer.join()
    return [r for r in results if r is not None]


def _start_methods() -> list[str]:
    return multiprocessing.get_all_start_methods()


def _write_plan(p: ChartPlan, force: bool) -> tuple[str, str, str]:
    files = p.chart_files()
    sums = file_sums(files)
    status = write_chart(p.dest, files, meta=p.meta, force=force, sums=sums)
    return status, content_hash(files, sums=sums), chart_stat(p.dest)


def _write_batch(plans: list[ChartPlan], batch: list[int], send: Connection,
                 parent: int, force: bool) -> None:
    """A forked writer: write the charts of `batch` and send back their results.

    It ends when its parent does (even by kill -9), so that no orphan goes on writing after
    the run was stopped. A PligosError is sent back, not raised, so it keeps its hint."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent is already gone
        os._exit(1)
    out: list[tuple[str, str, str] | BaseException] = []
    for i in batch:
        try:
            out.append(_write_plan(plans[i], force))
        except PligosError as exc:
            out.append(PligosError(exc.message, exc.hint))
            break
        except Exception as exc:
            out.append(RuntimeError(f"{type(exc).__name__}: {exc}"))
            break
    send.send(out)
    send.close()


@dataclass
class Inputs:
    """What one format-1 service's charts were made from."""

    service: Service
    plans: list[ChartPlan]
    digests: dict[str, str]  # for the committed record
    secrets: dict[str, str] | None  # for the local cache (None: a store not checked here)


def _inputs(plans: list[ChartPlan], read: dict[Path, tuple[dict[str, str], dict[str, str]]],
            watched: dict[Path, Watched], records: Records) -> list[Inputs]:
    """What each format-1 service's charts are made from: what `collect` hashed when it was
    loaded, and the digests of its flavors, hashed before the charts are built from them."""
    by_service: dict[int, list[ChartPlan]] = {}
    for p in plans:
        if p.service is not None:
            by_service.setdefault(id(p.service), []).append(p)
    out: list[Inputs] = []
    for group in by_service.values():
        svc = group[0].service
        assert svc is not None
        digests, secrets = read[svc.root]
        folders = list(dict.fromkeys(p.flavor.path for p in group))
        digests = {**digests, **collect_flavors(folders, svc.root, records.flavor_digest)}
        store = watched.get(svc.root)
        remote = svc.secrets is not None and svc.secrets.provider != "file"
        out.append(Inputs(svc, group, digests,
                          None if remote and store is not None and store.read else secrets))
    return out


def _record_inputs(inputs: list[Inputs], records: Records) -> None:
    """Remember what each service's charts were made from, for the next run."""
    for i in inputs:
        charts = {p.dest: {"hash": p.digest, "context": p.context, "flavor": p.flavor.name,
                           "service": i.service.name} for p in i.plans}
        records.put(i.service.root, i.digests, charts, secrets=i.secrets,
                    stats={p.dest: p.stat for p in i.plans},
                    shared=any(p.compiled.shared for p in i.plans))
    records.save()


def _check_destinations(plans: list[ChartPlan], umbrellas: list[UmbrellaPlan],
                        records: Records, libraries: list[Path], *,
                        force: bool = False) -> None:
    """Refuse the run, before anything is written, when two charts would share a folder, a
    destination holds a folder Pligos did not generate, or a chart (or the helpers' library
    of a charts root) was changed by hand."""
    seen: dict[Path, str] = {}
    for dest, owner in [(p.dest, p.origin.file) for p in plans] + [
            (u.dest, "the shared dependencies") for u in umbrellas] + [
            (lib, "the helpers' library") for lib in libraries]:
        if dest in seen:
            raise UsageError(f"{seen[dest]} and {owner} would both write {display_path(dest)}",
                             hint="give the services different names, or generate the trees "
                             "one at a time")
        seen[dest] = owner
    recorded = {p.dest: record.stat(p.dest) for p in plans if p.service is not None
                for record in [records.get(p.service.root)] if record is not None}
    foreign: list[str] = []
    edited: list[str] = []
    for dest in seen:
        blocked = next((p for p in dest.parents if p.exists() or p.is_symlink()), None)
        if blocked is not None and not blocked.is_dir():
            shown = f"{display_path(blocked)} (a file where a folder of charts goes)"
            if shown not in foreign:
                foreign.append(shown)
            continue
        if not (dest.exists() or dest.is_symlink()):
            continue
        marker = read_marker(dest) if dest.is_dir() and not dest.is_symlink() else None
        if marker is None:
            foreign.append(display_path(dest) + (" (where Pligos writes the helpers' library "
                                                 "the charts beside it link to)"
                                                 if dest in libraries else ""))
        elif not force and recorded.get(dest) != chart_stat(dest):  # (else as last written)
            with locked(dest.parent):  # (another run may be swapping it in right now)
                changed = edited_files(dest)
            if changed:
                edited.append(edited_refusal(dest, changed))
    if foreign:
        raise ChartWriteError(
            "; ".join(foreign) + (" exists" if len(foreign) == 1 else " exist")
            + " and " + ("was" if len(foreign) == 1 else "were") + " not generated by "
            "Pligos; nothing was written", hint="move it away, or write the charts elsewhere "
            "with --out DIR")
    if edited:
        raise ChartWriteError("; ".join(edited) + "; nothing was written", hint=EDITED_HINT)


def _protect_secret_folders(plans: list[ChartPlan]) -> list[str]:
    """The file provider's folder is git-ignored (added when missing); tracked files warned."""
    warnings: list[str] = []
    done: set[Path] = set()
    for p in plans:
        svc = p.service
        if svc is None or svc.root in done or svc.secrets is None \
                or svc.secrets.provider != "file":
            continue
        done.add(svc.root)
        folder = str(svc.secrets.settings.get("path", DEFAULT_SECRETS_PATH))
        if (svc.root / folder).exists():
            warnings += ensure_ignored(svc.root, folder)
    return warnings
