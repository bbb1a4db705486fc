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
