"""`pligos check`: configs valid, charts up to date, charts lint, secrets kept secret.

Returns a CheckReport: what was found (each finding with the fix that fits it), what was not
checked and why, and what passed; the shells print it.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pligos_tui import codegen, helm
from pligos_tui.charts import subcharts
from pligos_tui.charts.chart import ChartState, chart_state, library_state, secret_file_problems
from pligos_tui.charts.library import library_files, library_of
from pligos_tui.charts.plan import ChartPlan
from pligos_tui.charts.umbrella import UmbrellaPlan, plan_umbrellas
from pligos_tui.errors import display_path
from pligos_tui.jobs.generate import library_dests, load_services, orphans, plan
from pligos_tui.secrets.file import git_tracked
from pligos_tui.secrets.scan import scan
from pligos_tui.spec.discover import find_services, split_v1
from pligos_tui.spec.flavors import FlavorSet
from pligos_tui.spec.model import Service
from pligos_tui.spec.pins import LockUpdate, stale_locks
from pligos_tui.spec.vocabulary import (
    DEFAULT_SECRETS_PATH,
    SECRET_DATA,
    SECRET_VALUES_FILE,
    SECRETS_DIR,
)

GENERATE = "run `pligos generate` to bring the charts up to date"
FORCE = ("move the hand edits into pligos.yaml or the flavor, then run `pligos generate "
         "--force` (it overwrites charts edited by hand)")
NOT_FETCHED = "its subcharts are not fetched"
OUT_OF_DATE = "its fetched subcharts are out of date"


@dataclass
class Finding:
    file: str
    context: str
    # missing | stale | modified | stale-modified | foreign | orphaned | lint | codegen |
    # secret-in-config | secret-permissions | secret-tracked | secrets-not-ignored
    # (a pligos.lock `generate` would change: missing or stale)
    kind: str
    message: str
    hint: str = ""  # what fixes it
    files: list[str] = field(default_factory=list)  # modified: the files edited by hand


@dataclass
class Skipped:
    """A check that was not run on a chart, and why."""

    chart: str
    context: str
    check: str  # lint
    reason: str
    hint: str


@dataclass
class Passed:
    """The checks a chart or a service's pligos.yaml passed."""

    where: str
    context: str
    checks: list[str]


@dataclass
class CheckReport:
    findings: list[Finding] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    passed: list[Passed] = field(default_factory=list)
    charts: int = 0
    lint: bool = True

    def fixes(self) -> list[str]:
        """The distinct hints of the findings, in the order they were found; when a chart was
        edited by hand, that one first and instead of a plain `pligos generate` (which refuses
        to overwrite the edit)."""
        hints = list(dict.fromkeys(f.hint for f in self.findings if f.hint))
        if FORCE in hints:
            hints = [FORCE, *(h for h in hints if h not in (FORCE, GENERATE))]
        return hints


def check(paths: list[Path], *, lint: bool = True, out: Path | None = None) -> CheckReport:
    """Configs valid (else ConfigError), charts current, charts lint, secrets git-ignored.

    No secret store is read: whether a chart is current is told from everything but its
    secret data, which never counts in its content hash. A chart is linted with a stand-in of
    its inline secret data (`lint_chart`). Charts with subcharts that were not fetched yet
    (`helm dependency build`), or are out of date, are not linted; the report says so."""
    roots, v1_roots = split_v1(find_services(paths))
    services = load_services(roots)
    plans = plan(services, out=out, v1_roots=v1_roots, fetch_secrets=False)
    umbrellas = _umbrellas(paths, plans, out)
    if lint:
        helm.require_helm("checking that charts lint (leave it out with --no-lint)")
    report = CheckReport(charts=len(plans) + len(umbrellas), lint=lint)
    for svc in services:
        _check_service(svc, report, orphaned=out is None)
    report.findings += [_lock_finding(u) for u in stale_locks(services, FlavorSet())]
    unusable: set[Path] = set()  # libraries not as generated: their charts are not linted
    for lib in library_dests(plans):  # (once per charts root, not once per chart using it)
        finding = _finding(library_state(lib, library_files()), display_path(lib), "")
        if finding is not None:
            report.findings.append(finding)
            unusable.add(lib)
        else:
            report.passed.append(Passed(display_path(lib), "", ["up to date"]))
    for p in plans:
        _check_chart(p.dest, p.context, p.chart_files(), report, lint=lint,
                     subcharts_used=bool(p.compiled.requirements), lint_hint=_lint_hint(p),
                     library_ok=library_of(p.dest) not in unusable)
    for u in umbrellas:
        _check_chart(u.dest, u.context, u.files, report, lint=lint, subcharts_used=True,
                     lint_hint="fix the definitions of the shared dependencies "
                     f"({', '.join(u.friends)}) in the friends library, then run "
                     "`pligos generate`")
    for svc in services:  # code `pligos codegen` wrote, recorded in .pligos-codegen.json
        report.findings += [Finding(s.file, s.context, "codegen", s.message,
                                    hint="run the `pligos codegen` command it names")
                            for s in codegen.stale(svc)]
    return report


def _umbrellas(paths: list[Path], plans: list[ChartPlan], out: Path | None
               ) -> list[UmbrellaPlan]:
    """The shared-dependencies charts `pligos generate` would write for the same paths."""
    found: list[UmbrellaPlan] = []
    for path in paths:
        here = set(find_services([path]))
        found += plan_umbrellas([p for p in plans if p.origin.root in here], path, out)
    return found


def _check_service(svc: Service, report: CheckReport, *, orphaned: bool) -> None:
    passed = ["valid"]
    typed = scan(svc.doc)
    for found in typed:
        where = f"{svc.file}:{found.line}" if found.line else svc.file
        report.findings.append(Finding(where, "", "secret-in-config",
                                       f"{found.message} [{found.key_path}]",
                                       hint="move each secret to the secret provider and "
                                       "refer to it by name"))
    if not typed:
        passed.append("no secret typed into it")
    if svc.secrets is not None and svc.secrets.provider == "file":
        path = str(svc.secrets.settings.get("path", DEFAULT_SECRETS_PATH))
        folder = svc.root / path
        if folder.is_dir():
            done = _secrets_kept_out_of_git(folder, svc.root, "", report)
            if done:
                passed.append(done)
    if orphaned:
        for dest in orphans(svc):
            report.findings.append(Finding(
                display_path(dest), dest.parent.name, "orphaned",
                f"context {dest.parent.name!r} is no longer in {svc.file}",
                hint="run `pligos generate` to remove the charts of contexts that are gone"))
    report.passed.append(Passed(svc.file, "", passed))


def _lock_finding(update: LockUpdate) -> Finding:
    """A pligos.lock that `generate` would change: which pins it lacks, or holds otherwise."""
    old, new = update.lock.flavors, update.flavors
    where = display_path(update.lock.path)
    if update.lock.raw is None:
        return Finding(where, "", "missing", "the flavor versions are not recorded yet",
                       hint=GENERATE)
    changes = [f"{pin} is not recorded" for pin in new if pin not in old]
    changes += [f"{pin} is now {new[pin].version} ({new[pin].source})" if
                new[pin].version != old[pin].version or new[pin].source != old[pin].source
                else f"{pin} {new[pin].version} changed (its digest)"
                for pin in new if pin in old and new[pin] != old[pin]]
    changes += [f"{pin} is no longer used" for pin in old if pin not in new]
    return Finding(where, "", "stale", "; ".join(changes) or "not as Pligos writes it",
                   hint=GENERATE)


def _check_chart(dest: Path, context: str, files: dict[str, bytes], report: CheckReport, *,
                 lint: bool, subcharts_used: bool, lint_hint: str,
                 library_ok: bool = True) -> None:
    where = display_path(dest)
    finding = state_finding(dest, context, files, library=False)  # (its library: once, above)
    if finding is not None:
        report.findings.append(finding)
        return
    passed = ["up to date"]
    problems = secret_file_problems(dest)
    for problem in problems:
        report.findings.append(Finding(where, context, "secret-permissions", problem,
                                       hint=f"chmod -R go= {where}/{SECRETS_DIR}"))
    if (dest / SECRETS_DIR).is_dir():
        if not problems:
            passed.append("secret files private")
        done = _secrets_kept_out_of_git(dest / SECRETS_DIR, dest, context, report)
        if done:
            passed.append(done)
    if not lint:
        report.passed.append(Passed(where, context, passed))
        return
    if not library_ok:
        report.skipped.append(Skipped(where, context, "lint", "its helpers' library is not as "
                                      "generated", "fix the library as the finding about it "
                                      "says, then `pligos check` again"))
        report.passed.append(Passed(where, context, passed))
        return
    fetched = subcharts.state(dest) if subcharts_used else subcharts.NONE
    if fetched in (subcharts.MISSING, subcharts.STALE):
        missing = fetched == subcharts.MISSING
        fix = (f"run `helm dependency build {where}` (or `pligos generate --deps`)" if missing
               else "run `pligos generate --deps`")
        report.skipped.append(Skipped(where, context, "lint", NOT_FETCHED if missing
                                      else OUT_OF_DATE, f"{fix}, then `pligos check` again"))
        report.passed.append(Passed(where, context, passed))
        return
    result = lint_chart(dest)
    if result.ok:
        passed.append("lints (helm lint --strict)")
    else:
        messages = [m for m in result.messages if not m.startswith("Error:")]
        detail = "; ".join(messages or result.messages) or (
            result.output.strip().splitlines() or ["helm lint failed"])[-1]
        report.findings.append(Finding(where, context, "lint", detail, hint=lint_hint))
    report.passed.append(Passed(where, context, passed))


def _lint_hint(p: ChartPlan) -> str:
    if p.service is None:
        return (f"fix the chart of {p.origin.file} or its flavor {p.flavor.name}, then run "
                "`pligos generate`")
    if p.flavor.builtin:
        return (f"helm lint --strict failed on the chart of the built-in flavor {p.flavor.name}"
                f": fix the raw values: of context {p.context} in pligos.yaml, then run "
                "`pligos generate` (without any, it is a bug in Pligos: please report it)")
    return (f"helm lint --strict failed on the chart of flavor {p.flavor.name} "
            f"({display_path(p.flavor.path)}): fix the flavor, or what pligos.yaml gives "
            f"context {p.context}, then run `pligos generate`")


# --------------------------------------------------------------------------- lint

_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
STAND_IN, NOT_BASE64 = "c3RhbmQtaW4=", "<not base64>"  # what lint is given for secret bytes


def lint_chart(dest: Path) -> helm.LintResult:
    """`helm lint --strict` of the chart at `dest`, given a stand-in of its inline secret
    data (its SECRET_VALUES_FILE) when it has some: without any, helm only notes (as [INFO])
    that each inline Secret fails to render, and lints none of them. The stand-in has the
    same secrets and keys, each value a fixed base64 text, or a text that is not base64
    where the real one is not, so the Secrets and the schema are linted as deployed while no
    secret byte reaches helm's messages (helm 4 quotes the values it refuses)."""
    stand_in = _secret_stand_in(dest / SECRET_VALUES_FILE)
    if stand_in is None:
        return helm.lint(dest)
    with tempfile.TemporaryDirectory(prefix="pligos-lint-") as tmp:
        given = Path(tmp) / "secret-values.yaml"
        given.write_text(yaml.safe_dump(stand_in))
        return helm.lint(dest, values=(given,))


def _secret_stand_in(path: Path) -> dict[str, Any] | None:
    """The values of the chart's secret values file, SECRET_DATA's values replaced by
    STAND_IN or NOT_BASE64; None without a readable file."""
    try:
        loaded = yaml.safe_load(path.read_bytes()) if path.is_file() else None
    except (OSError, yaml.YAMLError):
        return None
    if not isinstance(loaded, dict):
        return None

    def stand_in(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: stand_in(v) for k, v in value.items()}
        return STAND_IN if isinstance(value, str) and _BASE64.fullmatch(value) else NOT_BASE64

    if SECRET_DATA in loaded:
        loaded[SECRET_DATA] = stand_in(loaded[SECRET_DATA])
    return loaded


# --------------------------------------------------------------------------- chart state

def state_finding(dest: Path, context: str, files: dict[str, bytes], *,
                  library: bool = True) -> Finding | None:
    """Whether the chart at `dest` is what `pligos generate` would write now (`files`, as
    planned for `context`), with the helpers' library it links to unless `library` is
    false: None when it is, else the Finding that says how it is not and what fixes it
    (`missing`, `stale`, `modified`, `foreign`; a stale chart that was also edited by hand is
    `stale-modified`, with the edited files). `check` reports it; `push` refuses to push
    such a chart."""
    return _finding(chart_state(dest, files, library=library), display_path(dest), context)


def _finding(state: ChartState, where: str, context: str) -> Finding | None:
    if state.status == "current":
        return None
    if state.status == "modified" or (state.status == "stale" and state.edited):
        kind = "modified" if state.status == "modified" else "stale-modified"
        return Finding(where, context, kind, state.detail, FORCE, list(state.edited))
    hint = (GENERATE if state.status in ("missing", "stale")
            else "move the folder away, or write the charts elsewhere with --out DIR")
    return Finding(where, context, state.status, state.detail, hint)


# --------------------------------------------------------------------------- git

def _secrets_kept_out_of_git(folder: Path, base: Path, context: str,
                             report: CheckReport) -> str:
    """Findings when git does not ignore a folder of secrets or tracks files in it; what
    passed ('' when the folder is not in a git work tree)."""
    ignored = git_ignores(folder)
    if ignored is None:
        return ""
    where = display_path(folder)
    tracked = git_tracked(base, folder)
    if tracked:
        report.findings.append(Finding(where, context, "secret-tracked",
                                       f"git tracks {len(tracked)} secret file(s)",
                                       hint=f"git rm --cached -r {where}, then rotate those "
                                       "secrets"))
    if ignored:
        return "secrets git-ignored" if not tracked else ""
    rel = os.path.normpath(os.path.relpath(folder, base)).replace(os.sep, "/")
    fix = (f"add /{rel}/ to {display_path(base / '.gitignore')}" if not rel.startswith("..")
           else "ignore it in the .gitignore of a folder holding it")
    report.findings.append(Finding(
        where, context, "secrets-not-ignored",
        "git does not ignore the secrets folder, so its files can be committed",
        hint=f"{fix} (`git check-ignore {where}/` then names it)"))
    return ""


def git_ignores(folder: Path) -> bool | None:
    """Whether git ignores `folder`; None when it is not in a git work tree (or there is no
    git)."""
    try:
        # by its patterns alone: a folder whose files git tracks is still ignored (or not)
        result = subprocess.run(["git", "check-ignore", "-q", "--no-index", "--",
                                 folder.name + "/"], cwd=folder.parent, capture_output=True,
                                timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return {0: True, 1: False}.get(result.returncode)
