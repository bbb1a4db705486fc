"""The values contract's JSON schema: shipped in every chart, and checked against raw values.

A context's raw `values:` are merged last and so could break the contract; helm would then
refuse the chart. `check_values` finds that first and reports it at the `values:` block.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from pligos_tui.charts.contract import Compiled
from pligos_tui.errors import Problems
from pligos_tui.io.yamlread import Document
from pligos_tui.spec.vocabulary import CONTRACT_VERSION

SCHEMA_FILE = (Path(__file__).resolve().parent.parent / "schema"
               / f"values-contract-{CONTRACT_VERSION}.json")


@lru_cache(maxsize=1)
def schema_bytes() -> bytes:
    return SCHEMA_FILE.read_bytes()


@lru_cache(maxsize=1)
def _schema_validator() -> Any:
    import jsonschema

    return jsonschema.Draft7Validator(json.loads(schema_bytes()))


def check_values(compiled: Compiled, doc: Document) -> None:
    """A context's raw `values:` must keep the values contract (helm would refuse the chart):
    a ConfigError located at that `values:` block otherwise."""
    problems = Problems(doc.file)
    for error in sorted(_schema_validator().iter_errors(compiled.values), key=str)[:5]:
        where = ".".join(str(p) for p in error.absolute_path) or "(top)"
        doc.problem(problems, compiled.values_at or (), f"values of context "
                    f"{compiled.context!r} break the values contract at {where}: "
                    f"{error.message}", "see docs/values-contract.md for the type of each key")
    problems.raise_if_any()
