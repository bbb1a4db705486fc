"""The package's shape: no import cycle among its modules (imports inside functions count), and
no module grows past what one reader takes in. The layers themselves are import-linter's
contract in pyproject.toml, checked by `lint-imports` in scripts/test.
"""

from __future__ import annotations

from pathlib import Path

import grimp

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
