"""`pligos explain`: where each value of a context's values contract comes from.

`explain` compiles one context as `pligos generate` would (without reading any secret store,
and without helm) and gives, for every leaf of its values (a scalar, a list of scalars, an
empty mapping), an `Origin`: the property entry and its line, the context that set it or the
one it inherits it from through `extends`, a `values:` block, a friend's definition, its
flavor's `defaults:`, Pligos' built-in default, or what Pligos computed it from. The command
line prints them (`cli_explain`); the editor shows `Origin.shown` beside a value.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pligos_tui.charts.contract import compile_context
from pligos_tui.errors import UsageError, did_you_mean
from pligos_tui.io.keypath import KeyPath, format_path, parse_path, steps
from pligos_tui.io.yamlread import Document
from pligos_tui.io.yamlwrite import dump_flow
from pligos_tui.jobs.explain_friends import FriendsTrace
from pligos_tui.jobs.explain_trace import (
    CONTEXT,
    DEFAULT,
    ENTRY,
    FLAVOR,
    FRIEND,
    INHERITED,
    KINDS,
    VALUES,
)
from pligos_tui.spec.effective import flavor_of, settings_of
from pligos_tui.spec.flavors import FlavorSet
from pligos_tui.spec.model import Service
from pligos_tui.spec.resolve import extends_chain, require_context, resolve_context
from pligos_tui.spec.vocabulary import CONTRACT_KEYS, CONTRACT_SOURCES

__all__ = ["KINDS", "Origin", "explain", "origin_at"]


@dataclass(frozen=True)
class Origin:
    """Where one value of a context's values comes from.

    `key` is its key path in the values as shown (`routes[http].port`), `path` the same as
    steps; `kind` one of KINDS; `file` and `line` where it is written (none for a built-in
    default); `context` the context whose assignment it is, reached through `via` (the
    explained context first, then each it extends up to `context`); `source` a short name of
    what set it (`images[release]`, `postgres`, a reason) and `detail` a longer one; `at` the
    key path in `file`."""

    key: str
    path: KeyPath
    value: Any
    kind: str
    file: str = ""
    line: int | None = None
    context: str = ""
    via: tuple[str, ...] = ()
    detail: str = ""
    source: str = ""
    at: KeyPath = ()

    @property
    def where(self) -> str:
        """`file:line` (or the file alone, or '')."""
        return f"{self.file}:{self.line}" if self.file and self.line else self.file

    @property
    def chain(self) -> str:
        return " → ".join(self.via)

    @property
    def shown(self) -> str:
        """The origin in one line: `images[release] pligos.yaml:11`, `inherited from dev
        (prod → dev) pligos.yaml:21`, `values: of prod pligos.yaml:30`, `friend postgres
        friends/postgres.yaml:8`, `flavor default flavors/web/flavor.yaml:12`, `default`."""
        if self.kind == ENTRY:
            text = self.source + (f", assigned in {self.context} ({self.chain})"
                                  if len(self.via) > 1 else "")
        elif self.kind == CONTEXT:
            text = f"context {self.context}"
        elif self.kind == INHERITED:
            text = f"inherited from {self.context} ({self.chain})"
        elif self.kind == VALUES:
            text = f"values: of {self.context}" + (f" ({self.chain})" if len(self.via) > 1
                                                   else "")
        elif self.kind == FRIEND:
            text = f"friend {self.source}"
        elif self.kind == FLAVOR:
            text = f"flavor {self.source} default" if not self.where else "flavor default"
        elif self.kind == DEFAULT:
            text = "default" + (f" ({self.source})" if self.source else "")
        else:
            text = f"derived: {self.source}"
        return f"{text} {self.where}".rstrip()

    @property
    def value_text(self) -> str:
        """The value on one line, in YAML's flow style (`"1.4.2"`, `[/tokend]`, `{}`)."""
        return dump_flow(self.value)

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "value": self.value, "kind": self.kind,
                "file": self.file or None, "line": self.line, "context": self.context or None,
                "via": list(self.via), "detail": self.detail, "shown": self.shown}


def explain(svc: Service, context: str, key_path: str | None = None, *,
            flavor: str | None = None, flavors: FlavorSet | None = None) -> list[Origin]:
    """The origin of every leaf of context `context`'s values (compiled with `flavor`, else
    its own), in the order of values.yaml; with `key_path`, only that key and those below it
    (`image`, `routes[http]`, `env.LOG_LEVEL`; `routes[0]` works too). An unknown context or
    key path is a UsageError naming the closest one. Reads no secret store, runs no helm."""
    require_context(svc, context)
    flavors = flavors or FlavorSet()
    compiled = compile_context(svc, context, flavor, fetch_secrets=False, flavors=flavors)
    ctx = resolve_context(svc, context)
    found = flavor_of(svc, ctx, flavor or ctx.flavor, flavors)
    values = compiled.values
    leaves = list(_leaves(values, ()))
    if key_path is not None:
        leaves = _under(leaves, key_path, values, svc, context, compiled.flavor)
    trace = FriendsTrace(svc, ctx, extends_chain(svc, context), found, settings_of(ctx, found),
                         values, asked=flavor or "")
    out = []
    for path, value in leaves:
        src = trace.source(path, value)
        at = _written(src.doc, src.at) if src.doc is not None else ()
        out.append(Origin(
            key=format_path(path, values), path=path, value=value, kind=src.kind,
            file=src.doc.file if src.doc is not None else "",
            line=src.doc.line(at) if at and src.doc is not None else None,
            context=src.context, via=trace.via(src.context) if src.context else (),
            detail=src.detail, source=src.source, at=at))
    return out


def _written(doc: Document, at: KeyPath) -> KeyPath:
    """`at`, or the nearest key path above it that `doc` holds (an inline mapping written on
    one line holds its keys; a default's place may be its entry)."""
    while at and at not in doc.marks:
        at = at[:-1]
    return at


def origin_at(origins: list[Origin], path: KeyPath) -> Origin | None:
    """The origin of the value at `path` of the values, or of the first leaf below it (a
    line of values.yaml that opens a mapping): what the editor shows for a selected line."""
    exact = next((o for o in origins if o.path == path), None)
    return exact or next((o for o in origins if o.path[:len(path)] == path), None)


def _leaves(data: Any, path: KeyPath) -> Iterator[tuple[KeyPath, Any]]:
    """Every leaf of the values: scalars, lists of scalars, empty mappings and lists; the
    items of a list of mappings one by one."""
    if isinstance(data, dict) and data:
        for key, value in data.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(data, list) and data and all(isinstance(v, dict) for v in data):
        for i, value in enumerate(data):
            yield from _leaves(value, (*path, i))
    else:
        yield path, data


def _shown_steps(path: KeyPath, values: dict[str, Any]) -> tuple[str, ...]:
    try:
        return parse_path(format_path(path, values))
    except ValueError:  # (a key that reads as no path: compared by its steps alone)
        return steps(path)


def _under(leaves: list[tuple[KeyPath, Any]], key_path: str, values: dict[str, Any],
           svc: Service, context: str, flavor: str) -> list[tuple[KeyPath, Any]]:
    """The leaves at `key_path` or below it; none is a UsageError with the closest key."""
    try:
        wanted = parse_path(key_path.strip())
    except ValueError:
        wanted = ()
    n = len(wanted)
    kept = [(p, v) for p, v in leaves if n and (_shown_steps(p, values)[:n] == wanted
                                                 or steps(p)[:n] == wanted)]
    if kept:
        return kept
    keys = {format_path(p[:i], values) for p, _ in leaves for i in range(1, len(p) + 1)}
    top = wanted[0] if wanted else ""
    if top in CONTRACT_KEYS and top not in values:
        source = CONTRACT_SOURCES.get(top, top)
        hint = f"its flavor {flavor} does not take {source}, so its chart has no {top}"
    else:
        hint = did_you_mean(key_path, keys)
    raise UsageError(f"context {context!r} of {svc.file} has no value {key_path!r}",
                     hint=hint or "its values' keys are: " + ", ".join(values))
