"""A small YAML reader for the subset config files use, in the standard library alone.

Generated Python config modules must not depend on PyYAML, so they carry this reader: the part
between the `begin reader` and `end reader` markers is copied verbatim into every generated
module that reads a YAML file. `pligos codegen` only gives a YAML file a parsed accessor when
this reader and a full YAML 1.2 parser agree on the file as it is in the repository.

The subset: block mappings and sequences, plain, single- and double-quoted scalars on one line,
flow sequences and mappings on one line, literal (`|`) and folded (`>`) block scalars, comments,
and a leading `---`. Scalars resolve by the YAML 1.2 core schema (null, true/false, decimal
integers, floats). Anchors, aliases, tags, complex keys and several documents are refused.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

from ruamel.yaml import YAML

# isort: split
# --- begin reader
import re as _re
from typing import Any as _Any


class YamlSubsetError(ValueError):
    """The text uses YAML this reader does not support, or is not valid YAML."""


_YAML_INT = _re.compile(r"[-+]?[0-9]+")
_YAML_FLOAT = _re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_YAML_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v",
                 "f": "\f", "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/",
                 "\\": "\\", "N": "\x85", "_": "\xa0"}


def _yaml_scalar(text: str, line: int) -> _Any:
    if text == "" or text in ("~", "null", "Null", "NULL"):
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if _YAML_INT.fullmatch(text):
        return int(text)
    if _YAML_FLOAT.fullmatch(text):
        return float(text)
    if text[0] in "&*!|>%@`'\"{[]}#,?" or text.startswith("- ") or text == "-":
        raise YamlSubsetError(f"line {line}: unsupported value {text!r}")
    return text


def _yaml_quoted(text: str, pos: int, line: int) -> tuple[str, int]:
    """The quoted string starting at text[pos]; returns it and the index after it."""
    quote = text[pos]
    out: list[str] = []
    i = pos + 1
    while i < len(text):
        c = text[i]
        if quote == "'" and c == "'":
            if text.startswith("''", i):
                out.append("'")
                i += 2
                continue
            return "".join(out), i + 1
        if quote == '"' and c == '"':
            return "".join(out), i + 1
        if quote == '"' and c == "\\":
            esc = text[i + 1:i + 2]
            if esc in _YAML_ESCAPES:
                out.append(_YAML_ESCAPES[esc])
                i += 2
                continue
            size = {"x": 2, "u": 4, "U": 8}.get(esc, 0)
            digits = text[i + 2:i + 2 + size]
            if size and len(digits) == size and all(d in "0123456789abcdefABCDEF"
                                                    for d in digits):
                out.append(chr(int(digits, 16)))
                i += 2 + size
                continue
            raise YamlSubsetError(f"line {line}: unsupported escape in {text!r}")
        out.append(c)
        i += 1
    raise YamlSubsetError(f"line {line}: unterminated quoted string")


def _yaml_strip_comment(text: str, line: int) -> str:
    """The line without a trailing comment (a '#' after a space, outside quotes)."""
    i = 0
    while i < len(text):
        c = text[i]
        if c in "'\"" and (i == 0 or text[i - 1] in " \t[{,:"):
            _, i = _yaml_quoted(text, i, line)
            continue
        if c == "#" and (i == 0 or text[i - 1] in " \t"):
            return text[:i].rstrip(" \t")
        i += 1
    return text.rstrip(" \t")


def _yaml_flow(text: str, pos: int, line: int) -> tuple[_Any, int]:
    """A flow collection or scalar starting at text[pos]; returns it and the index after."""
    while pos < len(text) and text[pos] == " ":
        pos += 1
    if pos >= len(text):
        raise YamlSubsetError(f"line {line}: unexpected end of a flow collection")
    c = text[pos]
    if c in "[{":
        close = "]" if c == "[" else "}"
        items: list[_Any] = []
        mapping: dict[str, _Any] = {}
        pos += 1
        while True:
            while pos < len(text) and text[pos] == " ":
                pos += 1
            if pos < len(text) and text[pos] == close:
                return (items if c == "[" else mapping), pos + 1
            value, pos = _yaml_flow(text, pos, line)
            while pos < len(text) and text[pos] == " ":
                pos += 1
            if c == "{":
                if pos >= len(text) or text[pos] != ":" or not isinstance(value, str):
                    raise YamlSubsetError(f"line {line}: expected 'key: value' in {text!r}")
                if value in mapping:
                    raise YamlSubsetError(f"line {line}: duplicate key {value!r}")
                mapping[value], pos = _yaml_flow(text, pos + 1, line)
                while pos < len(text) and text[pos] == " ":
                    pos += 1
            else:
                items.append(value)
            if pos < len(text) and text[pos] == ",":
                pos += 1
            elif pos >= len(text) or text[pos] != close:
                raise YamlSubsetError(f"line {line}: expected ',' or {close!r} in {text!r}")
    if c in "'\"":
        return _yaml_quoted(text, pos, line)
    end = pos
    while end < len(text) and text[end] not in ",]}" and not (
            text[end] == ":" and (end + 1 == len(text) or text[end + 1] in " ,]}")):
        end += 1
    return _yaml_scalar(text[pos:end].strip(" \t"), line), end


def _yaml_value(text: str, line: int) -> _Any:
    """A whole inline value: a flow collection, a quoted string or a plain scalar."""
    if text[:1] in "[{'\"":
        value, end = _yaml_flow(text, 0, line)
        if text[end:].strip(" \t"):
            raise YamlSubsetError(f"line {line}: unexpected text after {text[:end]!r}")
        return value
    return _yaml_scalar(text, line)


def _yaml_split_key(text: str, line: int) -> tuple[str, str] | None:
    """('key', 'rest') when the line is a mapping entry, else None."""
    if text[:1] in "'\"":
        key, end = _yaml_quoted(text, 0, line)
        rest = text[end:].lstrip(" ")
        if rest == ":" or rest.startswith(": "):
            return key, rest[1:].strip(" \t")
        return None
    if text[:1] in "[{?&*!|>%@`#":
        return None
    for i, c in enumerate(text):
        if c == ":" and (i + 1 == len(text) or text[i + 1] == " "):
            key = text[:i].rstrip(" \t")
            scalar = _yaml_scalar(key, line)
            if not isinstance(scalar, str):
                raise YamlSubsetError(f"line {line}: key {key!r} is not a string")
            return key, text[i + 1:].strip(" \t")
    return None


class _YamlReader:
    def __init__(self, text: str) -> None:
        self.raw = text.split("\n")
        self.rows: list[tuple[int, str, int]] = []  # indent, content, index in raw
        started = False
        for index, raw in enumerate(self.raw):
            raw = raw.rstrip("\r")
            body = raw.lstrip(" ")
            if body.startswith("\t") or (body and raw[:len(raw) - len(body)].count("\t")):
                raise YamlSubsetError(f"line {index + 1}: tab in indentation")
            content = _yaml_strip_comment(body, index + 1)
            if not content:
                continue
            if content == "---" or content.startswith("--- "):
                if started or content != "---":
                    raise YamlSubsetError(f"line {index + 1}: only one document is supported")
                started = True
                continue
            if content.startswith("%") or content == "...":
                raise YamlSubsetError(f"line {index + 1}: directives are not supported")
            started = True
            self.rows.append((len(raw) - len(body), content, index))
        self.pos = 0

    def load(self) -> _Any:
        if not self.rows:
            return None
        value = self.block(self.rows[0][0])
        if self.pos < len(self.rows):
            raise YamlSubsetError(f"line {self.rows[self.pos][2] + 1}: unexpected indentation")
        return value

    def block(self, indent: int) -> _Any:
        n, text, index = self.rows[self.pos]
        if text == "-" or text.startswith("- "):
            return self.sequence(n)
        if _yaml_split_key(text, index + 1) is not None:
            return self.mapping(n)
        self.pos += 1
        if self.pos < len(self.rows) and self.rows[self.pos][0] > indent:
            raise YamlSubsetError(f"line {index + 2}: multi-line plain scalars are not "
                                  "supported")
        return _yaml_value(text, index + 1)

    def nested(self, indent: int, index: int) -> _Any:
        """The value of an entry whose text ended after ':' or '-' at `indent`."""
        if self.pos < len(self.rows) and self.rows[self.pos][0] > indent:
            return self.block(self.rows[self.pos][0])
        return None

    def sequence(self, indent: int) -> list[_Any]:
        items: list[_Any] = []
        while self.pos < len(self.rows):
            n, text, index = self.rows[self.pos]
            if n != indent or not (text == "-" or text.startswith("- ")):
                break
            rest = text[1:].lstrip(" ")
            if not rest:
                self.pos += 1
                items.append(self.nested(indent, index))
                continue
            # the rest of the line is the first line of a node indented past the dash
            self.rows[self.pos] = (n + len(text) - len(rest), rest, index)
            items.append(self.block(n + len(text) - len(rest)))
        return items

    def mapping(self, indent: int) -> dict[str, _Any]:
        out: dict[str, _Any] = {}
        while self.pos < len(self.rows):
            n, text, index = self.rows[self.pos]
            if n != indent:
                if n > indent:
                    raise YamlSubsetError(f"line {index + 1}: unexpected indentation")
                break
            entry = _yaml_split_key(text, index + 1)
            if entry is None:
                raise YamlSubsetError(f"line {index + 1}: expected 'key: value'")
            key, rest = entry
            if key in out:
                raise YamlSubsetError(f"line {index + 1}: duplicate key {key!r}")
            self.pos += 1
            if rest[:1] in ("|", ">"):
                out[key] = self.block_scalar(rest, indent, index)
            elif rest:
                out[key] = _yaml_value(rest, index + 1)
            elif (self.pos < len(self.rows) and self.rows[self.pos][0] == indent
                  and (self.rows[self.pos][1] == "-"
                       or self.rows[self.pos][1].startswith("- "))):
                out[key] = self.sequence(indent)
            else:
                out[key] = self.nested(indent, index)
        return out

    def block_scalar(self, header: str, indent: int, index: int) -> str:
        if header not in ("|", "|-", "|+", ">", ">-", ">+"):
            raise YamlSubsetError(f"line {index + 1}: unsupported block scalar {header!r}")
        stop = index + 1
        while stop < len(self.raw):
            raw = self.raw[stop].rstrip("\r")
            if raw.strip(" \t") and len(raw) - len(raw.lstrip(" ")) <= indent:
                break
            stop += 1
        while self.pos < len(self.rows) and self.rows[self.pos][2] < stop:
            self.pos += 1
        lines = [r.rstrip("\r") for r in self.raw[index + 1:stop]]
        if stop == len(self.raw) and lines and not self.raw[-1]:
            lines.pop()  # the text ends with a line break: no line follows it
        # trailing empty lines before the next entry belong to the scalar's chomping
        content_end = len(lines)
        while content_end and not lines[content_end - 1].strip(" \t"):
            content_end -= 1
        body = lines[:content_end]
        trailing = len(lines) - content_end
        if not body:
            return ""
        width = min(len(x) - len(x.lstrip(" ")) for x in body if x.strip(" \t"))
        if len(body[0]) - len(body[0].lstrip(" ")) != width:
            raise YamlSubsetError(f"line {index + 2}: unsupported block scalar indentation")
        text_lines = [x[width:] for x in body]
        if header[0] == "|":
            text = "\n".join(text_lines)
        else:
            if any(x.startswith(" ") for x in text_lines):
                raise YamlSubsetError(f"line {index + 2}: more-indented lines in a folded "
                                      "scalar are not supported")
            text = ""
            for i, x in enumerate(text_lines):
                if i == 0:
                    text = x
                elif not x:
                    text += "\n"
                elif text_lines[i - 1]:
                    text += " " + x
                else:
                    text += x
        if header.endswith("-"):
            return text
        if header.endswith("+"):
            return text + "\n" * (1 + trailing)
        return text + "\n"


def yaml_load(text: str) -> _Any:
    """The data of a YAML document in the supported subset; YamlSubsetError otherwise."""
    return _YamlReader(text).load()
# --- end reader


def reader_source() -> str:
    """The reader's source, as it is copied into generated modules."""
    text = Path(__file__).read_text(encoding="utf-8")
    start = text.index("# --- begin reader\n") + len("# --- begin reader\n")
    return text[start:text.index("# --- end reader\n")]


def same_data(a: _Any, b: _Any) -> bool:
    """Equal values of equal types (True is not 1; 1 is not 1.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_data(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_data(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def full_load(text: str) -> _Any:
    """The document as a full YAML 1.2 parser reads it (plain Python types)."""
    yaml = YAML(typ="safe", pure=True)
    return _plain(yaml.load(io.StringIO(text)))


def _plain(value: _Any) -> _Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def read_parsed(text: str) -> tuple[_Any, str]:
    """(data, "") when the subset reader reads `text` exactly as a full parser does; else
    (None, the reason)."""
    try:
        mine = yaml_load(text)
    except YamlSubsetError as exc:
        return None, f"uses YAML beyond what the generated reader supports ({exc})"
    try:
        full = full_load(text)
    except Exception as exc:
        return None, f"is not valid YAML ({type(exc).__name__})"
    if not same_data(mine, full):
        return None, "uses YAML beyond what the generated reader supports"
    return mine, ""
