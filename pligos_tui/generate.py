"""The jobs the command line and the TUI share: find services, plan, write, render, check.

Everything here works on services and charts and returns data; printing is the callers' job.
`pligos generate`, `pligos check`, `pligos preview` and the editor's preview all go through
these functions.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pligos_tui import chart, helm, inputs
from pligos_tui.compile import Compiled, compile_context
from pligos_tui.discover import find_services, split_v1, stat_digest
from pligos_tui.errors import (
    ConfigError,
    PligosError,
    Problem,
    UsageError,
    display_path,
)
from pligos_tui.flavors import Flavor, FlavorSet
from pligos_tui.inputs import ChartRecord
from pligos_tui.model import Service, load_service
from pligos_tui.validate import did_you_mean


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


@dataclass
class ChartPlan:
    """One chart to generate: where it goes and what it holds."""

    service: Service
    context: str
    flavor: Flavor
    compiled: Compiled
    dest: Path
    files: dict[str, bytes] | None = None  # None until built (see chart_files)
    digest: str = ""  # the chart's content hash, once written
    stat: str = ""  # and the fingerprint of the written folder (chart.stat_digest)

    def chart_files(self) -> dict[str, bytes]:
        """The chart's files, built on first use."""
        if self.files is None:
            svc = self.service
            self.files = chart.build_chart(self.compiled, self.flavor,
                                           chart_version=svc.chart_version,
                                           app_version=svc.app_version,
                                           description=svc.description, dest=self.dest)
        return self.files

    @property
    def meta(self) -> dict[str, str]:
        return {"service": self.service.name, "context": self.context,
                "flavor": self.flavor.name}

    def record(self) -> ChartRecord:
        return ChartRecord(self.dest, self.service.name, self.context, self.flavor.name,
                           self.service.root)


def chart_dest(svc: Service, context: str, out: Path | None) -> Path:
    base = out if out is not None else svc.root / "charts"
    return base / context / svc.name


def secret_provider(svc: Service, *, redact: bool = False) -> Any:
    """The service's secret provider (None without a `secrets:` block).

    With `redact`, secrets keep their keys but not their bytes: for previews and diffs, which
    print what they render."""
    if svc.secrets is None:
        return None
    from pligos_tui.secrets import RedactingProvider, make_provider

    provider = make_provider(svc.secrets.settings, svc.root, svc.file)
    return RedactingProvider(provider) if redact else provider


def plan_chart(svc: Service, context: str, *, out: Path | None = None,
               flavor: str | None = None, flavors: FlavorSet | None = None,
               secrets: Any = None, redact: bool = False, build: bool = True) -> ChartPlan:
    """Compile one context (optionally with another flavor) and build its chart in memory
    (or later, on first use of `chart_files()`, when `build` is false)."""
    flavors = flavors or FlavorSet()
    if secrets is None:
        secrets = secret_provider(svc, redact=redact)
    compiled = compile_context(svc, context, flavor, secrets)
    search = [svc.root / p for p in svc.flavor_paths]
    found = flavors.get(compiled.flavor, search)
    if found is None:
        available = list(flavors.available(search))
        raise UsageError(f"unknown flavor {compiled.flavor!r}",
                         hint=did_you_mean(compiled.flavor, available)
                         or f"flavors are: {', '.join(available)}")
    if compiled.values_at is not None:
        chart.check_values(compiled, svc.doc)
    p = ChartPlan(svc, context, found, compiled, chart_dest(svc, context, out))
    if build:
        p.chart_files()
    return p


def select_contexts(svc: Service, wanted: list[str] | None) -> list[str]:
    names = [c.name for c in svc.contexts]
    if not wanted:
        return names
    return [n for n in wanted if n in names]


def plan(services: list[Service], *, contexts: list[str] | None = None,
         out: Path | None = None, flavors: FlavorSet | None = None,
         v1_roots: list[Path] | None = None, covered: set[str] | None = None,
         build: bool = True) -> list[ChartPlan]:
    """The charts of the services' contexts (all, or those named in `contexts`; a context
    named there must exist in some service, or in `covered`)."""
    flavors = flavors or FlavorSet()
    plans: list[ChartPlan] = []
    for svc in services:
        secrets = secret_provider(svc)
        for name in select_contexts(svc, contexts):
            plans.append(plan_chart(svc, name, out=out, flavors=flavors, secrets=secrets,
                                    build=build))
    if v1_roots:  # services of the original Pligos: pligos_tui.v1 builds their charts
        from pligos_tui import v1

        plans.extend(v1.plans(v1_roots, contexts=contexts, out=out))
    if contexts:
        missing = [c for c in contexts if not any(p.context == c for p in plans)
                   and c not in (covered or set())]
        if missing:
            known = sorted({c.name for s in services for c in s.contexts}
                           | {p.context for p in plans})
            raise UsageError(f"no service has a context named {missing[0]!r}",
                             hint=did_you_mean(missing[0], known)
                             or f"contexts are: {', '.join(known)}")
    seen: dict[Path, ChartPlan] = {}
    for p in plans:
        if p.dest in seen:
            other = seen[p.dest]
            raise UsageError(f"{other.service.file} and {p.service.file} would both write "
                             f"{display_path(p.dest)}",
                             hint="give the services different names, or generate them "
                             "without --out")
        seen[p.dest] = p
    return plans


@dataclass
class UmbrellaPlan:
    """The chart of one context's shared dependencies, for one tree."""

    context: str
    dest: Path
    files: dict[str, bytes]
    friends: list[str]


UMBRELLA = "shared-dependencies"


def plan_umbrellas(plans: list[ChartPlan], root: Path, out: Path | None) -> list[UmbrellaPlan]:
    """One umbrella chart per context holding every shared dependency once.

    Two services that define the same shared dependency differently is a ConfigError naming
    both definitions."""
    from pligos_tui.friends import umbrella_files

    by_context: dict[str, dict[str, tuple[Any, dict[str, Any]]]] = {}
    owners: dict[tuple[str, str], ChartPlan] = {}
    problems: list[Problem] = []
    for p in plans:
        shared = by_context.setdefault(p.context, {})
        for name, (friend, values) in p.compiled.shared.items():
            if name not in shared:
                shared[name] = (friend, values)
                owners[(p.context, name)] = p
                continue
            first_friend, first_values = shared[name]
            if (first_friend.definition(), first_values) != (friend.definition(), values):
                other = owners[(p.context, name)]
                problems.append(Problem(
                    file=p.service.file, line=friend.line if friend.doc is p.service.doc
                    else None,
                    message=f"shared dependency {name!r} of context {p.context!r} is defined "
                            f"differently by {other.service.file} ({first_friend.where}) and "
                            f"{p.service.file} ({friend.where})",
                    hint="a dependency is deployed once per context: make both definitions "
                         "and their context values the same, or make it a requirement"))
    if problems:
        raise ConfigError(problems)
    base = out if out is not None else root / "charts"
    return [UmbrellaPlan(ctx, base / ctx / UMBRELLA,
                         umbrella_files(ctx, shared, base / ctx / UMBRELLA), sorted(shared))
            for ctx, shared in sorted(by_context.items()) if shared]


@dataclass
class GenerateReport:
    written: list[ChartRecord] = field(default_factory=list)
    unchanged: list[ChartRecord] = field(default_factory=list)
    umbrellas: list[tuple[UmbrellaPlan, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)  # charts of contexts that are gone

    @property
    def services(self) -> int:
        return len({r.root for r in self.written + self.unchanged})


def generate(paths: list[Path], *, contexts: list[str] | None = None, out: Path | None = None,
             progress: Callable[[int, int], None] | None = None,
             follow_symlinks: bool = False) -> GenerateReport:
    """Load, validate and compile everything first; then write each chart atomically.

    A service whose inputs and charts did not change since the last run (see inputs.py) is
    not loaded at all."""
    report = GenerateReport()
    flavors = FlavorSet()
    records = inputs.Records(out, contexts)
    work: list[tuple[list[ChartPlan], list[UmbrellaPlan]]] = []
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
        plans = plan(services, contexts=contexts, out=out, flavors=flavors, v1_roots=v1_roots,
                     covered={r.context for r in report.unchanged}, build=False)
        work.append((plans, plan_umbrellas(plans, root, out)))
    all_plans = [p for plans, _ in work for p in plans]
    _check_destinations(all_plans, [u for _, umbrellas in work for u in umbrellas])
    report.warnings = _protect_secret_folders(all_plans)
    for p, (status, digest, stat) in zip(all_plans, _write_charts(all_plans, progress)):
        (report.written if status == "written" else report.unchanged).append(p.record())
        p.digest, p.stat = digest, stat
    for _, umbrellas in work:
        for u in umbrellas:
            status = chart.write_chart(u.dest, u.files, meta={"context": u.context,
                                                              "service": UMBRELLA})
            report.umbrellas.append((u, status))
    if contexts is None and out is None:
        report.removed = _prune_orphans(all_plans)
    _record_inputs(all_plans, records)
    return report


def orphans(svc: Service) -> list[Path]:
    """Charts Pligos generated for contexts the service no longer has (default layout)."""
    names = {c.name for c in svc.contexts}
    found = []
    for dest in sorted((svc.root / "charts").glob(f"*/{svc.name}")):
        marker = chart.read_marker(dest)
        if (marker is not None and marker.get("service") == svc.name
                and dest.parent.name not in names):
            found.append(dest)
    return found


def _prune_orphans(plans: list[ChartPlan]) -> list[Path]:
    removed: list[Path] = []
    for svc in {id(p.service): p.service for p in plans
                if isinstance(p.service, Service)}.values():
        for dest in orphans(svc):
            chart.remove_chart(dest)
            removed.append(dest)
    return removed


PARALLEL_FROM = 40  # charts; below this, starting a second process costs more than it saves


def _write_charts(plans: list[ChartPlan], progress: Callable[[int, int], None] | None
                  ) -> list[tuple[str, str, str]]:
    """Build and write every chart: (status, content hash, stat digest) per plan, in order.

    A large run is shared between two processes (forked, so they inherit the plans without
    copying them); charts that share a folder go to the same process, as each holds that
    folder's lock while it writes."""
    results: list[tuple[str, str, str] | None] = [None] * len(plans)
    groups: dict[Path, list[int]] = {}
    for i, p in enumerate(plans):
        groups.setdefault(p.dest.parent, []).append(i)
    workers = min(2, os.cpu_count() or 1, len(groups))
    import threading

    if (len(plans) < PARALLEL_FROM or workers < 2 or "fork" not in _start_methods()
            or threading.active_count() > 1):  # forking a threaded process (a TUI) is unsafe
        for i, p in enumerate(plans):
            results[i] = _write_plan(p)
            if progress:
                progress(i + 1, len(plans))
        return [r for r in results if r is not None]
    import multiprocessing

    batches: list[list[int]] = [[] for _ in range(workers)]
    for indexes in sorted(groups.values(), key=len, reverse=True):
        min(batches, key=len).extend(indexes)
    context = multiprocessing.get_context("fork")
    done = 0
    with context.Pool(workers, initializer=_adopt, initargs=(plans, os.getpid())) as pool:
        for batch, outcome in zip(batches, pool.imap(_write_batch, batches)):
            for i, result in zip(batch, outcome):
                if isinstance(result, PligosError):
                    raise result
                results[i] = result
            done += len(batch)
            if progress:
                progress(done, len(plans))
    return [r for r in results if r is not None]


def _start_methods() -> list[str]:
    import multiprocessing

    return multiprocessing.get_all_start_methods()


def _write_plan(p: ChartPlan) -> tuple[str, str, str]:
    files = p.chart_files()
    status = chart.write_chart(p.dest, files, meta=p.meta)
    return status, chart.content_hash(files), stat_digest(p.dest)


_ADOPTED: list[ChartPlan] = []  # a forked writer's view of the parent's plans


def _adopt(plans: list[ChartPlan], parent: int) -> None:
    """Set up a forked writer: it ends when its parent does (even by kill -9), so that no
    orphan goes on writing after the run was stopped."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent is already gone
        os._exit(1)
    _ADOPTED[:] = plans


def _write_batch(indexes: list[int]) -> list[tuple[str, str, str] | PligosError]:
    out: list[tuple[str, str, str] | PligosError] = []
    for i in indexes:
        try:
            out.append(_write_plan(_ADOPTED[i]))
        except PligosError as exc:  # returned, not raised: it keeps its hint across processes
            out.append(PligosError(exc.message, exc.hint))
            break
    return out


def _record_inputs(plans: list[ChartPlan], records: inputs.Records) -> None:
    """Remember what each format-1 service's charts were made from, for the next run."""
    by_service: dict[int, list[ChartPlan]] = {}
    for p in plans:
        if isinstance(p.service, Service):
            by_service.setdefault(id(p.service), []).append(p)
    for group in by_service.values():
        svc = group[0].service
        digests = inputs.collect(svc, list({id(p.flavor): p.flavor for p in group}.values()))
        if digests is None:
            continue
        charts = {str(p.dest): {"hash": p.digest, "stat": p.stat, "context": p.context,
                                "flavor": p.flavor.name, "service": svc.name} for p in group}
        records.put(svc.root, digests, charts, shared=any(p.compiled.shared for p in group))
    records.save()


def _check_destinations(plans: list[ChartPlan], umbrellas: list[UmbrellaPlan]) -> None:
    seen: dict[Path, str] = {}
    for dest, owner in [(p.dest, p.service.file) for p in plans] + [
            (u.dest, "the shared dependencies") for u in umbrellas]:
        if dest in seen:
            raise UsageError(f"{seen[dest]} and {owner} would both write {display_path(dest)}",
                             hint="give the services different names, or generate the trees "
                             "one at a time")
        seen[dest] = owner


def _protect_secret_folders(plans: list[ChartPlan]) -> list[str]:
    """The file provider's folder is git-ignored (added when missing); tracked files warned."""
    from pligos_tui.secrets.file import ensure_ignored

    warnings: list[str] = []
    done: set[Path] = set()
    for p in plans:
        svc = p.service
        if svc.root in done or svc.secrets is None or svc.secrets.provider != "file":
            continue
        done.add(svc.root)
        if (svc.root / svc.secrets.settings.get("path", "secrets")).exists():
            warnings += ensure_ignored(svc.root, svc.secrets.settings.get("path", "secrets"))
    return warnings


# --------------------------------------------------------------------------- rendering

class Rendering:
    """The manifests of a planned chart, being rendered by helm in the background.

    The chart is written to a temporary folder and helm started when this is made; `result()`
    waits for the manifests (and removes the folder), `done()` polls, `cancel()` stops helm.
    """

    def __init__(self, p: ChartPlan, *, release: str | None = None) -> None:
        import tempfile

        files = dict(p.chart_files())
        if p.compiled.requirements:  # subcharts are not fetched for a preview: ours alone
            import yaml

            meta = yaml.safe_load(files["Chart.yaml"])
            meta.pop("dependencies", None)
            files["Chart.yaml"] = chart.dump_yaml(meta).encode()
        self.plan = p
        self._tmp = tempfile.TemporaryDirectory(prefix="pligos-render-")
        try:
            dest = Path(self._tmp.name) / p.service.name
            for rel, data in files.items():
                path = dest / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            self._helm = helm.Template(dest, release or p.service.name)
        except BaseException:
            self._tmp.cleanup()
            raise

    def done(self) -> bool:
        return self._helm.done()

    def result(self) -> str:
        try:
            return self._helm.result()
        except helm.HelmError as exc:
            raise helm.HelmError(f"rendering context {self.plan.context!r} of "
                                 f"{self.plan.service.file} failed: "
                                 + exc.message.split(": ", 1)[-1]) from None
        finally:
            self._tmp.cleanup()

    def cancel(self) -> None:
        self._helm.cancel()
        self._tmp.cleanup()


def render(p: ChartPlan, *, release: str | None = None) -> str:
    """The manifests helm renders for a planned chart."""
    return Rendering(p, release=release).result()


PREVIEW_MODES = ("manifests", "values", "files")


class Finished:
    """A preview whose text is already known (values, file list)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def done(self) -> bool:
        return True

    def result(self) -> str:
        return self.text

    def cancel(self) -> None:
        pass


def start_preview(svc: Service, context: str, *, flavor: str | None = None,
                  mode: str = "manifests") -> Rendering | Finished:
    """`preview`, started: the chart is planned now and helm left running in the background."""
    require_context(svc, context)
    p = plan_chart(svc, context, flavor=flavor, redact=True)
    if mode == "values":
        return Finished(p.chart_files()["values.yaml"].decode())
    if mode == "files":
        return Finished("".join(f"{rel}  ({len(data)} bytes)\n"
                                for rel, data in p.chart_files().items()))
    return Rendering(p)


def preview(svc: Service, context: str, *, flavor: str | None = None,
            mode: str = "manifests") -> str:
    """What a context's chart holds, as text: rendered manifests (needs helm), its values.yaml,
    or its file list. Nothing is written. The CLI's `preview` and the TUI's panes use this."""
    return start_preview(svc, context, flavor=flavor, mode=mode).result()


def diff_contexts(svc: Service, a: str, b: str) -> str:
    """A unified diff of the manifests two contexts render ('' when they are the same)."""
    for name in (a, b):
        require_context(svc, name)
    secrets = secret_provider(svc, redact=True)
    left = render(plan_chart(svc, a, secrets=secrets), release=svc.name)
    right = render(plan_chart(svc, b, secrets=secrets), release=svc.name)
    import difflib

    return "".join(difflib.unified_diff(left.splitlines(keepends=True),
                                        right.splitlines(keepends=True),
                                        fromfile=f"context {a}", tofile=f"context {b}"))


def require_context(svc: Service, name: str) -> None:
    names = [c.name for c in svc.contexts]
    if name not in names:
        raise UsageError(f"{svc.file} has no context {name!r}",
                         hint=did_you_mean(name, names) or f"contexts are: {', '.join(names)}")


# --------------------------------------------------------------------------- checking

@dataclass
class Finding:
    file: str
    context: str
    kind: str  # missing | stale | modified | foreign | lint
    message: str


def check(paths: list[Path], *, lint: bool = True, out: Path | None = None,
          skipped: list[str] | None = None) -> list[Finding]:
    """Configs valid (else ConfigError), charts current, charts lint. Returns the findings.

    Charts with subcharts that were not fetched yet (`helm dependency build`) are not linted;
    they are added to `skipped` when given."""
    roots, v1_roots = split_v1(find_services(paths))
    services = load_services(roots)
    plans = plan(services, out=out, v1_roots=v1_roots)
    if lint:
        helm.require_helm("checking that charts lint (leave it out with --no-lint)")
    findings: list[Finding] = []
    from pligos_tui.secrets.scan import scan

    for svc in services:
        for found in scan(svc.doc):
            where = f"{svc.file}:{found.line}" if found.line else svc.file
            findings.append(Finding(where, "", "secret-in-config",
                                    f"{found.message} [{found.key_path}]; move it to the "
                                    "secret provider and refer to it by name"))
    skipped = skipped if skipped is not None else []
    if out is None:
        for svc in services:
            for dest in orphans(svc):
                findings.append(Finding(display_path(dest), dest.parent.name, "orphaned",
                                        f"context {dest.parent.name!r} is no longer in "
                                        f"{svc.file}; `pligos generate` removes its chart"))
    for p in plans:
        state = chart.chart_state(p.dest, p.chart_files())
        where = display_path(p.dest)
        if state.status != "current":
            findings.append(Finding(where, p.context, state.status, state.detail))
            continue
        for problem in chart.secret_file_problems(p.dest):
            findings.append(Finding(where, p.context, "secret-permissions", problem))
        if (p.dest / chart.SECRETS_DIR).is_dir():
            from pligos_tui.secrets.file import git_tracked

            tracked = git_tracked(p.dest, p.dest / chart.SECRETS_DIR)
            if tracked:
                findings.append(Finding(where, p.context, "secret-tracked",
                                        f"git tracks {len(tracked)} secret file(s): "
                                        f"git rm --cached -r {chart.SECRETS_DIR} in the chart, "
                                        "then rotate those secrets"))
        if lint and p.compiled.requirements and not (p.dest / "charts").is_dir():
            skipped.append(where)
            continue
        if lint:
            result = helm.lint(p.dest)
            if not result.ok:
                detail = "; ".join(result.messages) or result.output.strip().splitlines()[-1]
                findings.append(Finding(where, p.context, "lint", detail))
    from pligos_tui import codegen

    for svc in services:  # code `pligos codegen` wrote, recorded in .pligos-codegen.json
        findings += [Finding(s.file, s.context, "codegen", s.message) for s in codegen.stale(svc)]
    return findings


__all__ = ["ChartPlan", "Finding", "GenerateReport", "PligosError", "check", "diff_contexts",
           "find_services", "generate", "load_services", "plan", "plan_chart", "render"]
