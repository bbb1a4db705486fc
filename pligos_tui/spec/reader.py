"""Typed access to a parsed YAML document: each value read records a located problem when it
is not what its key takes (a mapping with unknown keys, text where a number goes, ...).

:mod:`pligos_tui.spec.structure` reads pligos.yaml with it, and the readers of friends and
flavor.yaml do too; the rules of structure they enforce are declared here.
"""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

from pligos_tui.errors import Problems, Rule, did_you_mean
from pligos_tui.io.files import NAME_MAX, too_long
from pligos_tui.io.keypath import KeyPath
from pligos_tui.io.yamlread import Document, plainly_spelled
from pligos_tui.spec.vocabulary import (
    REQUIRED_EXAMPLES,
)

# The rules of structure every Reader enforces (for pligos.yaml, friends and flavor.yaml)
WRONG_TYPE = Rule("E-TYPE", "a value of the wrong type (text where a number is needed, a "
                  "mapping where a list is, ...)")
KEY_UNKNOWN = Rule("E-KEY-UNKNOWN", "a key the format does not have, with the closest known "
                   "key as a hint")
KEY_REQUIRED = Rule("E-KEY-REQUIRED", "a key that must be written is missing (an entry's name, "
                    "an image's repository, a route's port, the secrets provider, ...)")
SPELLING = Rule("E-YAML-SPELLING", "a number or true/false spelled so that YAML readers disagree "
                "on it (12:30, 0755, 0x10, 1_000, yes, on): quote it, or write it plainly")
INT_RANGE = Rule("E-INT-RANGE", "a whole number outside what Kubernetes takes (-2147483648 to "
                 "2147483647)")
PATH_LONG = Rule("E-PATH-LONG", "a path the file system cannot take: a name in it longer than "
                 "255 bytes, or the whole longer than 4096")
READ_RULES = (WRONG_TYPE, KEY_UNKNOWN, KEY_REQUIRED, SPELLING, INT_RANGE, PATH_LONG)



INT32 = (-2**31, 2**31 - 1)


def type_name(value: Any) -> str:
    """How a message names the YAML type of a value."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


class Reader:
    """Typed access to a Document that records a located problem for every misfit."""

    def __init__(self, doc: Document, problems: Problems) -> None:
        self.doc = doc
        self.problems = problems

    def problem(self, path: KeyPath, message: str, hint: str = "", *, rule: Rule,
                key: bool = False) -> None:
        self.doc.problem(self.problems, path, message, hint, key=key, rule=rule.id)

    def mapping(self, value: Any, path: KeyPath, allowed: tuple[str, ...], what: str,
                required: tuple[str, ...] = ()) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.problem(path, f"{what} must be a mapping, not {type_name(value)}",
                         f"write it as keys and values, e.g. {{{allowed[0]}: ...}}",
                         rule=WRONG_TYPE)
            return None
        for key in value:
            if key not in allowed:
                hint = did_you_mean(key, allowed) or f"allowed keys: {', '.join(allowed)}"
                self.problem(path + (key,), f"unknown key {key!r} in {what}", hint,
                             rule=KEY_UNKNOWN, key=True)
        for key in required:
            if value.get(key) is None:
                self.problem(path, f"{what} needs {key!r}",
                             f"add {key}: {REQUIRED_EXAMPLES.get(key, '...')}",
                             rule=KEY_REQUIRED, key=True)
        return value

    def string(self, m: dict[str, Any], key: str, path: KeyPath, default: str = "",
               example: str = "") -> str:
        value = m.get(key)
        if value is None:
            return default
        if isinstance(value, str):
            return value
        written = self.doc.texts.get(path + (key,), str(value))
        hint = ""
        if example:
            hint = f'write it as text in quotes, e.g. {key}: "{example}"'
        elif isinstance(value, (int, float, bool)):
            hint = f'quote it: {key}: "{written}"'
            if isinstance(value, (float, bool)):
                hint += " (YAML reads it as a number or true/false otherwise)"
        self.problem(path + (key,), f"{key} must be text, not {type_name(value)}", hint,
                     rule=WRONG_TYPE)
        return default

    def integer(self, m: dict[str, Any], key: str, path: KeyPath, *,
                bounded: bool = True) -> int | None:
        """A whole number; `bounded`: within what Kubernetes takes (leave it to a rule of its
        own, such as the port range, with bounded=False)."""
        value = m.get(key)
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            if self.spelled_plainly(path + (key,), value, key, text_ok=False) and bounded \
                    and not INT32[0] <= value <= INT32[1]:
                self.problem(path + (key,), f"{key} {value} is outside what Kubernetes takes",
                             f"use a whole number from {INT32[0]} to {INT32[1]}",
                             rule=INT_RANGE)
            return value
        hint = ""
        if isinstance(value, str):
            digits = re.match(r"^\s*(\d+)\s*[a-zA-Z]+\s*$", value)
            hint = (f"write the number alone, without a unit: {key}: {digits.group(1)}" if digits
                    else "write a whole number without quotes")
        self.problem(path + (key,), f"{key} must be a whole number, not {type_name(value)}",
                     hint, rule=WRONG_TYPE)
        return None

    def spelled_plainly(self, path: KeyPath, value: Any, key: str | None,
                        text_ok: bool = True) -> bool:
        """False, with a problem, when the number or true/false at `path` is written in a way
        YAML readers do not agree on (see io.yamlread.plainly_spelled)."""
        written = self.doc.texts.get(path)
        if written is None or plainly_spelled(written, value):
            return True
        shown = ("true" if value else "false") if isinstance(value, bool) else repr(value)
        lead = f"{key}: " if key is not None else ""
        self.problem(path, f"{lead}{written} is read as {shown} by YAML 1.1, and as something "
                     "else by other YAML readers",
                     f'write {lead}{shown} if that is meant, or quote it: {lead}"{written}"'
                     if text_ok else f"write {lead}{shown}", rule=SPELLING)
        return False

    def plain_data(self, value: Any, path: KeyPath) -> None:
        """Record a problem for every number or true/false in `value` (free-form data such as
        values:) that is not spelled plainly."""
        if isinstance(value, dict):
            for k, v in value.items():
                self.plain_data(v, path + (k,))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                self.plain_data(v, path + (i,))
        elif isinstance(value, (int, float)) and path:
            self.spelled_plainly(path, value, path[-1] if isinstance(path[-1], str) else None)

    def file_path(self, value: str, path: KeyPath) -> str:
        """`value`, a path the service names, or "" (with a problem) when no file system
        can take it."""
        what = too_long(value)
        if what:
            self.problem(path, f"path {value[:40]}… is too long for a file system ({what})",
                         f"use names of at most {NAME_MAX} bytes", rule=PATH_LONG)
            return ""
        return value

    def path_list(self, m: dict[str, Any], key: str, path: KeyPath, *,
                  single: bool = False) -> list[str]:
        """A list of paths (or, with `single`, one path written as text); see file_path."""
        listed = isinstance(m.get(key), list)
        values = [m[key]] if single and isinstance(m.get(key), str) else self.str_list(m, key, path)
        out = [self.file_path(v, path + ((key, i) if listed else (key,)))
               for i, v in enumerate(values)]
        return [v for v in out if v]

    def boolean(self, m: dict[str, Any], key: str, path: KeyPath, default: bool) -> bool:
        value = m.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            self.spelled_plainly(path + (key,), value, key, text_ok=False)
            return value
        self.problem(path + (key,), f"{key} must be true or false, not {type_name(value)}",
                     rule=WRONG_TYPE)
        return default

    def str_list(self, m: dict[str, Any], key: str, path: KeyPath) -> list[str]:
        value = m.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            try:
                words = shlex.split(value)
            except ValueError:
                words = [value]
            self.problem(path + (key,), f"{key} must be a list of text, not a single text",
                         f"write it as a list: {key}: {json.dumps(words)}", rule=WRONG_TYPE)
            return []
        if not isinstance(value, list):
            self.problem(path + (key,), f"{key} must be a list of text, not {type_name(value)}",
                         rule=WRONG_TYPE)
            return []
        out = []
        for i, item in enumerate(value):
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, (int, float)) and not isinstance(item, bool):
                self.problem(path + (key, i), f"{key}[{i}] must be text, not a number",
                             f'quote it: "{item}"', rule=WRONG_TYPE)
            else:
                self.problem(path + (key, i), f"{key}[{i}] must be text, not {type_name(item)}",
                             rule=WRONG_TYPE)
        return out

    def scalar_map(self, m: dict[str, Any], key: str, path: KeyPath) -> dict[str, str]:
        """A mapping of names to text; numbers and booleans are taken as their YAML text."""
        value = m.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            hint = ""
            if isinstance(value, list) and value and all(isinstance(v, str) and "=" in v
                                                         for v in value):
                pairs = ", ".join(f"{k}: {v}" for k, v in (i.split("=", 1) for i in value))
                hint = f"write NAME: value pairs: {key}: {{{pairs}}}"
            elif isinstance(value, list):
                hint = f"write NAME: value pairs, e.g. {key}: {{NAME: value}}"
            self.problem(path + (key,), f"{key} must be a mapping, not {type_name(value)}", hint,
                         rule=WRONG_TYPE)
            return {}
        out: dict[str, str] = {}
        for k, v in value.items():
            if isinstance(v, str):
                out[k] = v
            elif isinstance(v, (int, float)):  # (and true/false) taken as written
                written = self.doc.texts.get(path + (key, k))
                out[k] = written if written is not None else (
                    ("true" if v else "false") if isinstance(v, bool) else str(v))
            else:
                self.problem(path + (key, k), f"{key}.{k} must be text or a number, "
                             f"not {type_name(v)}", rule=WRONG_TYPE)
        return out

    def any_map(self, m: dict[str, Any], key: str, path: KeyPath) -> dict[str, Any] | None:
        value = m.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.problem(path + (key,), f"{key} must be a mapping, not {type_name(value)}",
                         rule=WRONG_TYPE)
            return None
        self.plain_data(value, path + (key,))
        return value


# Each entry reader fills one dataclass from a mapping already checked for its keys.
