"""docs/import.md says what `pligos import` does: its figures are what the suite's cases give,
and its table of rules is every rule of the files an import reads."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from pligos_tui.jobs.importing.rules import import_rules

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "import.md").read_text(encoding="utf-8")


def _figures_script():
    spec = importlib.util.spec_from_file_location("import_figures",
                                                  ROOT / "scripts" / "import_figures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_figures_of_the_document_are_what_the_cases_give() -> None:
    shown = DOC.split("<!-- figures -->\n", 1)[1].split("<!-- /figures -->", 1)[0]
    assert _figures_script().table() == shown


def test_every_rule_of_an_import_is_documented_and_every_documented_one_exists() -> None:
    documented = re.findall(r"^\| `(E-IMPORT-[A-Z-]+)` \|", DOC, re.M)
    assert len(documented) == len(set(documented))
    assert sorted(documented) == sorted(r.id for r in import_rules())
