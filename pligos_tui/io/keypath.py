"""Key paths: where a value sits in a YAML document.

A key path is a tuple of mapping keys (text) and sequence indexes (numbers), e.g.
`("contexts", 1, "image")`. Shown to a user it reads `contexts[prod].image`: a list item that
has a `name` is shown by it. `format_path` writes that form and `parse_path` reads it back;
nothing else builds or splits these strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

PathPart = str | int
KeyPath = tuple[PathPart, ...]


@dataclass(frozen=True)
class Named:
    """A step of an edit's path: the item of a sequence whose `name` is `name` (a context or
    an entry); `what` names it in messages."""

    name: str
    what: str


def format_path(path: KeyPath, data: Any = None) -> str:
    """contexts[prod].image: list items that have a name are shown by it."""
    out = ""
    node = data
    for part in path:
        if isinstance(part, int):
            label = str(part)
            if isinstance(node, list) and part < len(node):
                item = node[part]
                if isinstance(item, dict) and isinstance(item.get("name"), str):
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
