"""The parity figures of docs/import.md: each case imported, its report counted.

    python scripts/import_figures.py      # prints the markdown table of docs/import.md

Needs helm ($PLIGOS_HELM or PATH). The cases are the test suite's: the chart `helm create`
makes (with two values files of this script's own), the hand-written charts of
tests/fixtures/import_charts/, the compose file of tests/fixtures/import_compose/ and the Score
workload of tests/fixtures/import_score/. tests/integration/test_import_docs.py checks that
docs/import.md shows what this prints.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pligos_tui.helm import require_helm  # noqa: E402
from pligos_tui.jobs.importing.compose import read_compose  # noqa: E402
from pligos_tui.jobs.importing.importer import ImportResult, import_original  # noqa: E402
from pligos_tui.jobs.importing.score import read_score  # noqa: E402
from pligos_tui.jobs.importing.sources import read_chart  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
CHARTS = ("web", "stateful", "cron", "configs", "unexpressible")
CREATE_DEV = 'image: {tag: "1.27"}\nresources: {requests: {cpu: 100m, memory: 64Mi}}\n'
CREATE_PROD = ('image: {tag: "1.28"}\nreplicaCount: 3\n'
               "resources: {requests: {cpu: 500m, memory: 256Mi}, limits: {memory: 512Mi}}\n"
               "ingress:\n  enabled: true\n  hosts:\n"
               "    - {host: demo.example.com, paths: [{path: /, pathType: Prefix}]}\n")
HEAD = ("| case | what it is | contexts | fields that match | objects that differ | "
        "not expressed | added by the flavor | exit |\n|---|---|---|---|---|---|---|---|\n")


def _chart(chart: Path, out: Path) -> ImportResult:
    contexts = [(name, [str(chart / f"values-{name}.yaml")]) for name in ("dev", "prod")]
    original, meta = read_chart(str(chart), contexts, sets=[])
    return import_original(original, out, chart_name=str(meta.get("name") or ""), chart=meta)


def cases(tmp: Path) -> list[tuple[str, str, ImportResult]]:
    helm = require_helm("the import figures")
    subprocess.run([helm, "create", str(tmp / "demo")], check=True, capture_output=True)
    (tmp / "demo" / "values-dev.yaml").write_text(CREATE_DEV)
    (tmp / "demo" / "values-prod.yaml").write_text(CREATE_PROD)
    out = [("`helm create demo`", "the chart helm makes, two values files",
            _chart(tmp / "demo", tmp / "out-demo"))]
    for name in CHARTS:
        out.append((f"`{name}/`", _what(name), _chart(FIXTURES / "import_charts" / name,
                                                     tmp / f"out-{name}")))
    compose = read_compose(FIXTURES / "import_compose" / "compose.yaml")
    out.append(("`compose.yaml`", "six compose services", import_original(
        compose, tmp / "out-compose")))
    score_dir = FIXTURES / "import_score"
    friends = [ROOT / "examples" / "shop" / "friends"]
    score = read_score([score_dir / "score.yaml"], contexts=[
        ("dev", []), ("prod", [score_dir / "prod.score-overrides.yaml"])],
        friends_library=friends)
    out.append(("`score.yaml`", "a Score workload, prod overrides", import_original(
        score, tmp / "out-score", friends_library=friends)))
    return out


def _what(chart: str) -> str:
    return {"web": "Deployment, Service, Ingress, HPA and PDB in prod",
            "stateful": "StatefulSet with claims, two Services",
            "cron": "a CronJob alone",
            "configs": "config files from a ConfigMap, a Secret, an emptyDir",
            "unexpressible": "plus a Certificate and template tricks"}[chart]


def row(case: str, what: str, result: ImportResult) -> str:
    parities = [p for s in result.services for p in s.parity.values()]
    left = sum(x.material for x in result.leftovers) + sum(
        x.material for s in result.services for x in s.leftovers)
    missing = sum(len(p.missing) for p in parities) + left
    cells = [case, what, str(len(parities)), str(sum(p.matched for p in parities)),
             str(sum(len(p.differs) for p in parities)), str(missing),
             str(sum(len(p.added) for p in parities)), "1" if result.material else "0"]
    return "| " + " | ".join(cells) + " |\n"


def table() -> str:
    with tempfile.TemporaryDirectory(prefix="pligos-figures-") as tmp:
        return HEAD + "".join(row(*case) for case in cases(Path(tmp)))


if __name__ == "__main__":
    sys.stdout.write(table())
