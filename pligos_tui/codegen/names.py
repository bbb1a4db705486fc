"""Turning names from pligos.yaml (routes, mounts, files, variables) into identifiers."""

from __future__ import annotations

import keyword
import re

GO_KEYWORDS = frozenset({
    "break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough",
    "for", "func", "go", "goto", "if", "import", "interface", "map", "package", "range",
    "return", "select", "struct", "switch", "type", "var",
})
# initialisms Go code spells in capitals
GO_INITIALISMS = frozenset({"api", "dns", "grpc", "http", "https", "id", "ip", "json", "tcp",
                            "tls", "udp", "uri", "url", "uuid", "yaml", "sql", "html", "ttl"})


def words(name: str) -> list[str]:
    return [w for w in re.split(r"[^0-9A-Za-z]+", name) if w]


def snake(name: str) -> str:
    """A Python attribute name: `http-dev` -> `http_dev`, `app.yaml` -> `app_yaml`."""
    out = "_".join(w.lower() for w in words(name)) or "value"
    if out[0].isdigit():
        out = "_" + out
    if keyword.iskeyword(out) or keyword.issoftkeyword(out):
        out += "_"
    return out


def python_attr(name: str) -> str:
    """A name kept as it is when Python allows it (environment variables keep theirs)."""
    if name.isidentifier() and not keyword.iskeyword(name) and not name.startswith("__"):
        return name
    return snake(name) if words(name) else "value"


def camel(name: str, go: bool = False) -> str:
    """A type or exported Go name: `app.yaml` -> `AppYaml` (Go: `AppYAML`)."""
    parts = []
    for w in words(name):
        if go and w.lower() in GO_INITIALISMS:
            parts.append(w.upper())
        elif w.isupper() or w.islower():
            parts.append(w[0].upper() + w[1:].lower())
        else:
            parts.append(w[0].upper() + w[1:])
    out = "".join(parts) or "Value"
    if out[0].isdigit():
        out = ("V" if go else "_") + out
    return out


def unique(names: list[str], taken: set[str] | None = None) -> list[str]:
    """The names, with a numeric suffix on those that repeat an earlier one or a taken one."""
    seen = set(taken or ())
    out = []
    for n in names:
        candidate, i = n, 2
        while candidate in seen:
            candidate = f"{n}{'_' if n[-1:].isdigit() or '_' in n else ''}{i}"
            i += 1
        seen.add(candidate)
        out.append(candidate)
    return out
