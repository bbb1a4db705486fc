"""The package's shape: no import cycle among its modules (imports inside functions count), and
no module grows past what one reader takes in. The layers themselves are import-linter's
contract in pyproject.toml, checked by `lint-imports` in scripts/test.
"""

from __future__ import annotations

from pathlib import Path

import grimp

from pligos_tui.charts.records import CHART_MAKERS

PACKAGE = Path(__file__).resolve().parent.parent.parent / "pligos_tui"
LONGEST = 600  # lines


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle_among_the_modules() -> None:
    graph = grimp.build_graph("pligos_tui", cache_dir=None)
    edges = {m: {t for t in graph.find_modules_directly_imported_by(m)
                 if t in graph.modules and t != m} for m in graph.modules}
    assert _cycles(edges) == []


def test_a_cycle_is_found_when_there_is_one() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_is_longer_than_a_reader_takes_in() -> None:
    lengths = {path.relative_to(PACKAGE).as_posix(): len(path.read_text().splitlines())
               for path in PACKAGE.rglob("*.py") if "_cookiecutters" not in path.parts}
    too_long = {name: n for name, n in lengths.items() if n >= LONGEST}
    assert not too_long, too_long


def test_the_input_records_cover_all_code_that_makes_charts() -> None:
    """A record of a service's inputs names the Pligos that made its charts by a digest of the
    chart-making code (`records.CHART_MAKERS`): every module `generate` runs on must be in it,
    or a changed build could take an old chart for current."""
    graph = grimp.build_graph("pligos_tui", cache_dir=None)
    used = graph.find_upstream_modules("pligos_tui.jobs.generate") | {"pligos_tui.jobs.generate"}
    outside = []
    for module in sorted(used - {"pligos_tui"}):
        rel = module.removeprefix("pligos_tui.").replace(".", "/")
        path = f"{rel}.py" if (PACKAGE / f"{rel}.py").is_file() else f"{rel}/__init__.py"
        if not any(path == part or path.startswith(part + "/") for part in CHART_MAKERS):
            outside.append(path)
    assert outside == []
