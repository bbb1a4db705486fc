"""`pligos check`: configs valid, charts up to date, charts lint, secrets kept secret.

Returns findings as data; the shells print them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pligos_tui import codegen, helm
from pligos_tui.charts.chart import SECRETS_DIR, chart_state, secret_file_problems
from pligos_tui.errors import display_path
from pligos_tui.jobs.generate import load_services, orphans, plan
from pligos_tui.secrets.file import git_tracked
from pligos_tui.secrets.scan import scan
from pligos_tui.spec.discover import find_services, split_v1


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
        state = chart_state(p.dest, p.chart_files())
        where = display_path(p.dest)
        if state.status != "current":
            findings.append(Finding(where, p.context, state.status, state.detail))
            continue
        for problem in secret_file_problems(p.dest):
            findings.append(Finding(where, p.context, "secret-permissions", problem))
        if (p.dest / SECRETS_DIR).is_dir():
            tracked = git_tracked(p.dest, p.dest / SECRETS_DIR)
            if tracked:
                findings.append(Finding(where, p.context, "secret-tracked",
                                        f"git tracks {len(tracked)} secret file(s): "
                                        f"git rm --cached -r {SECRETS_DIR} in the chart, "
                                        "then rotate those secrets"))
        if lint and p.compiled.requirements and not (p.dest / "charts").is_dir():
            skipped.append(where)
            continue
        if lint:
            result = helm.lint(p.dest)
            if not result.ok:
                detail = "; ".join(result.messages) or result.output.strip().splitlines()[-1]
                findings.append(Finding(where, p.context, "lint", detail))
    for svc in services:  # code `pligos codegen` wrote, recorded in .pligos-codegen.json
        findings += [Finding(s.file, s.context, "codegen", s.message) for s in codegen.stale(svc)]
    return findings
