"""An import's outcome as data: the versioned JSON document, and the summary lines the
terminal shows (`cli_import` styles them)."""

from __future__ import annotations

from typing import Any

from pligos_tui.errors import display_path
from pligos_tui.jobs.importing.importer import REPORT_FORMAT, ImportedService, ImportResult


def import_json(result: ImportResult) -> dict[str, Any]:
    return {
        "format": REPORT_FORMAT,
        "source": {"kind": result.kind, "name": result.source},
        "out": display_path(result.out),
        "material": result.material,
        "written": [display_path(p) for p in result.written],
        "services": [_service_json(s) for s in result.services],
        "leftovers": [item.to_json() for item in result.leftovers],
    }


def _service_json(svc: ImportedService) -> dict[str, Any]:
    return {
        "name": svc.name,
        "workload": svc.workload,
        "folder": display_path(svc.folder),
        "contexts": {name: svc.parity[name].to_json() for name in svc.contexts
                     if name in svc.parity},
        "leftovers": [item.to_json() for item in svc.leftovers],
        "problems": list(svc.problems),
        "turnedOff": list(svc.notes),
        "leftOut": list(svc.dropped),
    }


def parity_word(result: ImportResult) -> str:
    """The last line: how many contexts of how many services match the original."""
    contexts = sum(len(s.contexts) for s in result.services)
    same = sum(1 for s in result.services for p in s.parity.values() if not p.material)
    services = len(result.services)
    head = f"{same} of {contexts} context{'s' if contexts != 1 else ''} of " \
           f"{services} service{'s' if services != 1 else ''} match the original"
    unchecked = [s.name for s in result.services if s.problems]
    if unchecked:
        head += f" ({', '.join(unchecked)}: not compared, pligos.yaml needs finishing)"
    left = sum(x.material for x in result.leftovers) + sum(
        x.material for s in result.services for x in s.leftovers)
    if left:
        head += f"; {left} thing{'s' if left != 1 else ''} not expressed"
    return head
