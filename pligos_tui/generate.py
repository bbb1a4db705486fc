"""The jobs the command line and the TUI share: find services, plan, write, render, check.

Everything here works on services and charts and returns data; printing is the callers' job.
`pligos generate`, `pligos check`, `pligos preview` and the editor's preview all go through
these functions.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pligos_tui import chart, helm
from pligos_tui.compile import Compiled, compile_context
from pligos_tui.errors import ConfigError, PligosError, Problem, UsageError, display_path
from pligos_tui.flavors import Flavor, FlavorSet
from pligos_tui.model import CONFIG_NAME, Service, load_service
from pligos_tui.validate import did_you_mean

SKIP_DIRS = {"node_modules", "__pycache__", "venv"}


def find_services(paths: Iterable[Path]) -> list[Path]:
    """Service folders at or below `paths`: each folder holding a pligos.yaml.

    Hidden folders, generated charts and the folders below a service are not searched.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_file():
            if path.name != CONFIG_NAME:
                raise UsageError(f"{path} is not a {CONFIG_NAME}",
                                 hint="give a service folder, its pligos.yaml, or a tree")
            found.append(path.parent)
            continue
        if not path.is_dir():
            raise UsageError(f"{path} does not exist", hint="give a service folder or a tree")
        if (path / CONFIG_NAME).is_file():
            found.append(path)
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            if CONFIG_NAME in filenames:
                found.append(Path(dirpath))
                dirnames[:] = []
                continue
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                                 and d not in SKIP_DIRS
                                 and not (Path(dirpath) / d / chart.MARKER).is_file())
    unique = list(dict.fromkeys(p.resolve() for p in found))
    if not unique:
        raise UsageError(f"no {CONFIG_NAME} found in {', '.join(str(p) for p in paths)}",
                         hint="run `pligos new` to create a service, or give another path")
    return unique


def load_services(roots: list[Path]) -> list[Service]:
    """Load every service; all problems of all files are raised together."""
    services: list[Service] = []
    problems: list[Problem] = []
    for root in roots:
        try:
            services.append(load_service(root))
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
    files: dict[str, bytes]

    @property
    def meta(self) -> dict[str, str]:
        return {"service": self.service.name, "context": self.context,
                "flavor": self.flavor.name}


def chart_dest(svc: Service, context: str, out: Path | None) -> Path:
    base = out if out is not None else svc.root / "charts"
    return base / context / svc.name


def plan_chart(svc: Service, context: str, *, out: Path | None = None,
               flavor: str | None = None, flavors: FlavorSet | None = None) -> ChartPlan:
    """Compile one context (optionally with another flavor) and build its chart in memory."""
    flavors = flavors or FlavorSet()
    compiled = compile_context(svc, context, flavor)
    search = [svc.root / p for p in svc.flavor_paths]
    found = flavors.get(compiled.flavor, search)
    if found is None:
        available = list(flavors.available(search))
        raise UsageError(f"unknown flavor {compiled.flavor!r}",
                         hint=did_you_mean(compiled.flavor, available)
                         or f"flavors are: {', '.join(available)}")
    files = chart.build_chart(compiled, found, chart_version=svc.chart_version,
                              app_version=svc.app_version, description=svc.description)
    return ChartPlan(svc, context, found, compiled, chart_dest(svc, context, out), files)


def select_contexts(svc: Service, wanted: list[str] | None) -> list[str]:
    names = [c.name for c in svc.contexts]
    if not wanted:
        return names
    return [n for n in wanted if n in names]


def plan(services: list[Service], *, contexts: list[str] | None = None,
         out: Path | None = None, flavors: FlavorSet | None = None) -> list[ChartPlan]:
    flavors = flavors or FlavorSet()
    plans: list[ChartPlan] = []
    for svc in services:
        for name in select_contexts(svc, contexts):
            plans.append(plan_chart(svc, name, out=out, flavors=flavors))
    if contexts:
        missing = [c for c in contexts if not any(p.context == c for p in plans)]
        if missing:
            known = sorted({c.name for s in services for c in s.contexts})
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
class GenerateReport:
    written: list[ChartPlan] = field(default_factory=list)
    unchanged: list[ChartPlan] = field(default_factory=list)

    @property
    def services(self) -> int:
        return len({p.service.root for p in self.written + self.unchanged})


def generate(paths: list[Path], *, contexts: list[str] | None = None, out: Path | None = None,
             progress: Callable[[int, int], None] | None = None) -> GenerateReport:
    """Load, validate and compile everything first; then write each chart atomically."""
    services = load_services(find_services(paths))
    plans = plan(services, contexts=contexts, out=out)
    report = GenerateReport()
    for i, p in enumerate(plans):
        status = chart.write_chart(p.dest, p.files, meta=p.meta)
        (report.written if status == "written" else report.unchanged).append(p)
        if progress:
            progress(i + 1, len(plans))
    return report


# --------------------------------------------------------------------------- rendering

def render(p: ChartPlan, *, release: str | None = None) -> str:
    """The manifests helm renders for a planned chart, written to a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="pligos-render-") as tmp:
        dest = Path(tmp) / p.service.name
        for rel, data in p.files.items():
            path = dest / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        try:
            return helm.template(dest, release or p.service.name)
        except helm.HelmError as exc:
            raise helm.HelmError(f"rendering context {p.context!r} of {p.service.file} failed: "
                                 + exc.message.split(": ", 1)[-1]) from None


PREVIEW_MODES = ("manifests", "values", "files")


def preview(svc: Service, context: str, *, flavor: str | None = None,
            mode: str = "manifests") -> str:
    """What a context's chart holds, as text: rendered manifests (needs helm), its values.yaml,
    or its file list. Nothing is written. The CLI's `preview` and the TUI's panes use this."""
    require_context(svc, context)
    p = plan_chart(svc, context, flavor=flavor)
    if mode == "values":
        return p.files["values.yaml"].decode()
    if mode == "files":
        return "".join(f"{rel}  ({len(data)} bytes)\n" for rel, data in p.files.items())
    return render(p)


def diff_contexts(svc: Service, a: str, b: str) -> str:
    """A unified diff of the manifests two contexts render ('' when they are the same)."""
    for name in (a, b):
        require_context(svc, name)
    left = render(plan_chart(svc, a), release=svc.name)
    right = render(plan_chart(svc, b), release=svc.name)
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


def check(paths: list[Path], *, lint: bool = True, out: Path | None = None) -> list[Finding]:
    """Configs valid (else ConfigError), charts current, charts lint. Returns the findings."""
    services = load_services(find_services(paths))
    plans = plan(services, out=out)
    if lint:
        helm.require_helm("checking that charts lint (leave it out with --no-lint)")
    findings: list[Finding] = []
    for p in plans:
        state = chart.chart_state(p.dest, p.files)
        where = display_path(p.dest)
        if state.status != "current":
            findings.append(Finding(where, p.context, state.status, state.detail))
            continue
        if lint:
            result = helm.lint(p.dest)
            if not result.ok:
                detail = "; ".join(result.messages) or result.output.strip().splitlines()[-1]
                findings.append(Finding(where, p.context, "lint", detail))
    return findings


__all__ = ["ChartPlan", "Finding", "GenerateReport", "PligosError", "check", "diff_contexts",
           "find_services", "generate", "load_services", "plan", "plan_chart", "render"]
