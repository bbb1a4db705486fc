"""Finding secret data that was copied into pligos.yaml by hand.

Secrets belong to a provider, never to pligos.yaml (which is committed). This scan flags
values that look like private keys or tokens, and non-empty literal values of variables whose
name says they hold a secret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pligos_tui.io.keypath import KeyPath, format_path
from pligos_tui.io.yamlread import Document

PATTERNS = (
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key"),
    (re.compile(r"\bAKIA[0-9A-Z]{16}\b"), "an AWS access key"),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"), "a GitHub token"),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"), "a Slack token"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"), "a JWT"),
    (re.compile(r"\b(hvs|s)\.[A-Za-z0-9]{24,}\b"), "a Vault token"),
)
SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)",
                         re.IGNORECASE)


@dataclass(frozen=True)
class SecretFinding:
    line: int | None
    key_path: str
    message: str


def scan(doc: Document) -> list[SecretFinding]:
    found: list[SecretFinding] = []

    def walk(node: Any, path: KeyPath) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, path + (key,))
        elif isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, path + (i,))
        elif isinstance(node, str):
            for pattern, what in PATTERNS:
                if pattern.search(node):
                    found.append(SecretFinding(doc.line(path), format_path(path, doc.data),
                                               f"this value looks like {what}"))
                    return
            in_env = len(path) >= 4 and path[0] == "env" and path[2] == "variables"
            if in_env and SECRET_NAME.search(str(path[-1])) and node.strip():
                found.append(SecretFinding(doc.line(path), format_path(path, doc.data),
                                           f"{path[-1]} looks like a secret written into "
                                           "pligos.yaml"))

    walk(doc.data, ())
    return found


# a URL that carries a password: postgres://user:password@db/shop
CREDENTIALS_URL = re.compile(r"://[^/\s:@]+:[^/\s@]+@")
REDACTED = "<not imported: looks like a secret>"


def looks_secret(name: str, value: str) -> bool:
    """Whether a variable holds a secret, as `pligos check` tells (by its name or value), or
    a URL with a password; the path of a *_FILE variable (where a secret is mounted) is not
    one."""
    if not value.strip():
        return False
    if name.upper().endswith("_FILE") and value.startswith("/"):
        return False
    return bool(SECRET_NAME.search(name) or CREDENTIALS_URL.search(value)
                or any(p.search(value) for p, _ in PATTERNS))


def redacted(value: Any, name: str = "") -> Any:
    """Data with what looks like a secret taken out: values of secret-looking names or
    contents, at any depth, and `NAME=value` items (build args, labels, command lines)."""
    if isinstance(value, dict):
        return {k: redacted(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [redacted(v, name) for v in value]
    if isinstance(value, str):
        key, sep, rest = value.partition("=")
        if sep and looks_secret(key, rest):
            return f"{key}={REDACTED}"
        return REDACTED if looks_secret(name, value) else value
    return value
