"""What a provider hands back: a secret's data, checked once for every provider.

A :class:`SecretDataError` names the secret (and the key) it is about and where the provider
looked, so that the layer that knows pligos.yaml can point at the line that uses the secret.
Neither its message nor its hint ever holds a secret's bytes.
"""

from __future__ import annotations

import re

from pligos_tui.errors import SecretError

# a key of a Secret's data: what Kubernetes takes (IsConfigMapKey)
KEY_PATTERN = re.compile(r"[-._a-zA-Z0-9]+")
KEY_MAX = 253


class SecretDataError(SecretError):
    """A secret that is missing from its provider, or holds a key or value a chart cannot
    take: `secret` is its name, `key` the key (or ''), `source` where the provider looked."""

    def __init__(self, message: str, hint: str = "", *, secret: str, key: str = "",
                 source: str = "") -> None:
        super().__init__(message, hint)
        self.secret = secret
        self.key = key
        self.source = source


class SecretDataErrors(SecretError):
    """Several secrets of one context that the provider lacks or cannot give: each reported
    at the line that uses it, all at once."""

    def __init__(self, errors: list[SecretDataError]) -> None:
        super().__init__(f"{errors[0].message} (and {len(errors) - 1} more)", errors[0].hint)
        self.errors = errors


def key_problem(key: str) -> str | None:
    """Why Kubernetes refuses `key` as a key of a Secret's data (None when it takes it)."""
    if not KEY_PATTERN.fullmatch(key):
        return "it holds characters other than letters, digits, '-', '_' and '.'"
    if key in (".", "..") or key.startswith(".."):
        return "it is '.' or starts with '..'"
    if len(key) > KEY_MAX:
        return f"it is longer than {KEY_MAX} characters"
    return None


def check_keys(name: str, data: dict[str, bytes], source: str) -> dict[str, bytes]:
    """`data`, once every key is one Kubernetes takes; else a SecretDataError for the first."""
    for key in sorted(data):
        problem = key_problem(key)
        if problem:
            raise SecretDataError(f"secret {name!r} ({source}) has a key {shown_key(key)} that "
                                  f"Kubernetes does not allow: {problem}",
                                  hint="rename it to letters, digits, '-', '_' and '.'",
                                  secret=name, key=key, source=source)
    return data


def shown_key(key: str) -> str:
    """A key as messages show it: quoted, with anything unprintable escaped."""
    return repr(key)


def secret_text(name: str, key: str, value: bytes, *, what: str, source: str = "") -> str:
    """The value of `key` as text, for a use that needs text (a pull secret's user name or
    password); a SecretDataError naming the secret and key (never the bytes) otherwise."""
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None or any(ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f for c in text):
        where = f" ({source})" if source else ""
        raise SecretDataError(f"key {shown_key(key)} of secret {name!r}{where} holds bytes "
                              f"that are not plain text, which {what} needs",
                              hint=f"store {key} as UTF-8 text on one line, without control "
                                   "characters", secret=name, key=key, source=source)
    return text
