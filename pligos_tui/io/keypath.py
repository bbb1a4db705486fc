"""Key paths: where a value sits in a YAML document.

A key path is a tuple of mapping keys (text) and sequence indexes (numbers), e.g.
`("contexts", 1, "image")`. A path may also name a sequence's item by its `name` with a
`Named` step: `("contexts", Named("prod", "context"), "image")`. Shown to a user either reads
`contexts[prod].image`: a list item that has a `name` is shown by it. `format_path` writes that
form and `parse_path` reads it back; nothing else builds or splits these strings. `steps` and
`is_under` compare a path with one read back from its shown form.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

PathPart = str | int
KeyPath = tuple[PathPart, ...]


@dataclass(frozen=True)
class Named:
    """A step of an edit's path: the item of a sequence whose `name` is `name` (a context or
    an entry); `what` names it in messages."""

    name: str
    what: str


# a key path whose sequence items may be given by name
NamedPath = tuple[PathPart | Named, ...]


def format_path(path: Sequence[PathPart | Named], data: object = None) -> str:
    """contexts[prod].image: list items that have a name are shown by it (a `Named` step by
    its name; an index by the name of the item of `data` it points at, if it has one)."""
    out = ""
    node = data
    for part in path:
        if isinstance(part, Named):
            out += f"[{part.name}]"
            node = next((item for item in node if isinstance(item, dict)
                         and item.get("name") == part.name), None) \
                if isinstance(node, list) else None
        elif isinstance(part, int):
            label = str(part)
            if isinstance(node, list) and part < len(node):
                item = node[part]
                if isinstance(item, dict) and isinstance(item.get("name"), str) \
                        and item["name"]:
                    label = item["name"]
                node = item
            else:
                node = None
            out += f"[{label}]"
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out


_STEP = re.compile(r"\[([^\]]*)\]|\.?([^.\[\]]+)")


def parse_path(text: str) -> tuple[str, ...]:
    """The steps of a shown key path: `contexts[prod].image` -> ("contexts", "prod", "image").

    A bracketed step is kept as written (a name or an index), so the result names what the
    user saw; `format_path` of a document's path gives text this reads back."""
    steps: list[str] = []
    pos = 0
    while pos < len(text):
        m = _STEP.match(text, pos)
        if m is None or m.end() == pos:
            raise ValueError(f"not a key path: {text!r}")
        steps.append(m.group(1) if m.group(1) is not None else m.group(2))
        pos = m.end()
    return tuple(steps)


def steps(path: Sequence[PathPart | Named]) -> tuple[str, ...]:
    """`path` as `parse_path` reads its shown form without the document: a `Named` step is its
    name, an index its digits. ("contexts", Named("prod", ...), "image") -> ("contexts",
    "prod", "image")."""
    return tuple(part.name if isinstance(part, Named) else str(part) for part in path)


def is_under(path: Sequence[PathPart | Named], prefix: Sequence[PathPart | Named]) -> bool:
    """Whether `path` is `prefix` or lies inside it, step by step (never by text: `images[a]`
    is not under `images[ab]`, nor `name` under `names`)."""
    inner, outer = steps(path), steps(prefix)
    return inner[:len(outer)] == outer
