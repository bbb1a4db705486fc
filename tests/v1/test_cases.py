"""The schema compiler's cases: v1 service folders under cases/, each with its expected values.

Cases a and b are the original Pligos's own compiler test data (pkg/compiler/testdata) turned
into service folders (schema.yaml -> the flavor's schema, the instances -> values:, contexts.base
-> the context's spec); c is the composition walk-through of its getting-started guide; d covers
the corners of the type language (embedded mapped with inline entries, nested anonymous types,
primitive lists and maps, a schema type replacing one from a types file, keys a type does not
declare, and [] becoming {} as in the original).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from support import render, run_cli

from pligos_tui.jobs.generate import generate

CASES = Path(__file__).parent / "cases"
CASE_CONTEXTS = sorted((case.name, expected.stem) for case in CASES.iterdir() if case.is_dir()
                       for expected in (case / "expected").glob("*.yaml"))


def test_every_case_has_expectations() -> None:
    assert {c for c, _ in CASE_CONTEXTS} == {"a", "b", "c", "d"}


@pytest.mark.parametrize(("case", "context"), CASE_CONTEXTS)
def test_case_values_are_identical_and_render(case: str, context: str, tmp_path: Path,
                                              helm_bin: str) -> None:
    service = CASES / case / "service"
    expected = yaml.safe_load((CASES / case / "expected" / f"{context}.yaml").read_text())
    report = generate([service], contexts=[context], out=tmp_path)
    (written,) = report.written
    chart = tmp_path / context / f"case-{case}"
    assert written.dest == chart
    values = yaml.safe_load((chart / "values.yaml").read_text())
    assert values == expected
    (configmap,) = render(helm_bin, chart, "rel")
    # <CHARTNAME> in the flavor's templates became the service chart's name
    assert configmap["metadata"]["name"] == f"rel-case-{case}"
    assert yaml.safe_load(configmap["data"]["values.yaml"]) == expected


def test_cli_generates_a_v1_service_with_its_values(tmp_path: Path) -> None:
    result = run_cli("generate", str(CASES / "c" / "service"), "--out", str(tmp_path))
    assert result.code == 0, result.err
    assert "2 charts of 1 service: 2 written" in result.out
    for context in ("default", "development"):
        values = yaml.safe_load((tmp_path / context / "case-c" / "values.yaml").read_text())
        assert values == yaml.safe_load((CASES / "c" / "expected" / f"{context}.yaml")
                                        .read_text())
    again = run_cli("generate", str(CASES / "c" / "service"), "--out", str(tmp_path))
    assert "0 written, 2 unchanged" in again.out
