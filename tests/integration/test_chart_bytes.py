"""The charts of every example, pinned byte for byte.

A change that should not alter what Pligos writes (a refactoring, a speed-up) must leave every
file of every generated chart as it was. The digests are in tests/fixtures/chart-digests.json;
after a deliberate change of the output, write them again with
`PLIGOS_PIN_CHARTS=1 .venv/bin/python -m pytest tests/integration/test_chart_bytes.py`
and review the diff of that file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from support import EXAMPLES, run_cli

PINNED = Path(__file__).resolve().parent.parent / "fixtures" / "chart-digests.json"
RECORDS = ".pligos-inputs.json"  # holds absolute paths and stat data: not chart content


def _digests(root: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and "/charts/" in f"/{rel}" and path.name != RECORDS:
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def test_example_charts_are_byte_identical(tmp_path: Path) -> None:
    tree = tmp_path / "examples"
    shutil.copytree(EXAMPLES, tree, ignore=shutil.ignore_patterns("secrets", "charts"))
    subprocess.run([sys.executable, str(tree / "shop" / "make-demo-secrets.py")], check=True,
                   capture_output=True)
    (tree / "shop" / "make-demo-secrets.py").unlink()
    for name in ("hello", "tokend", "shop"):
        result = run_cli("generate", str(tree / name))
        assert result.code == 0, result.err
    digests = _digests(tree)
    assert len(digests) > 100, sorted(digests)
    if os.environ.get("PLIGOS_PIN_CHARTS") == "1":
        PINNED.write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n")
    pinned = json.loads(PINNED.read_text())
    changed = sorted(k for k in pinned.keys() | digests.keys() if pinned.get(k) != digests.get(k))
    assert not changed, f"{len(changed)} chart files differ from the pinned bytes: {changed[:20]}"
