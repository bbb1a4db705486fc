"""Reading YAML files with the position of every node kept.

Pligos reports problems by file, line and column, taken from the YAML parser's marks. This
module turns a YAML document into plain Python data plus a table of positions keyed by the
path of each node, so that later checks can name the exact line of what they reject. It also
guards against hostile input: oversized files, alias bombs, very deep nesting and duplicate
keys are reported as problems, not crashes.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pligos_tui.errors import ConfigError, Problem, Problems
from pligos_tui.io.files import NotRegularFile, read_regular
from pligos_tui.io.keypath import KeyPath, format_path

# the C parser is several times faster; fall back when PyYAML was built without libyaml
Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# control characters other than tab and line breaks: helm rejects them in values
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

DEFAULT_MAX_BYTES = 1024 * 1024
MAX_NODES = 200_000
MAX_DEPTH = 64
EXPANDED_PER_FILE_BYTE = 4  # the text of all values, aliases expanded, per byte of the limit

# How a number or true/false is spelled when its text says plainly what it is. YAML 1.1, which
# PyYAML reads, also takes 12:30 as 750, 0755 as 493, 0x10 as 16, 1_000 as 1000 and yes/on as
# true, where YAML 1.2, helm and Kubernetes read other things (or text) from the same words.
_PLAIN_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_PLAIN_FLOAT = re.compile(r"[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?"
                          r"|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")
_PLAIN_BOOL = re.compile(r"true|True|TRUE|false|False|FALSE")


def plainly_spelled(text: str, value: Any) -> bool:
    """Whether `text`, a plain scalar YAML read as `value` (a number or true/false), says
    what it is the way every YAML reader agrees on."""
    if isinstance(value, bool):
        return bool(_PLAIN_BOOL.fullmatch(text))
    if isinstance(value, int):
        return bool(_PLAIN_INT.fullmatch(text))
    if isinstance(value, float):
        return bool(_PLAIN_FLOAT.fullmatch(text))
    return True


def max_file_bytes() -> int:
    value = os.environ.get("PLIGOS_MAX_FILE_SIZE", "")
    return int(value) if value.isdigit() else DEFAULT_MAX_BYTES


@dataclass
class Document:
    """Plain data of one YAML document and where each of its nodes stands in the file."""

    file: str  # the path as shown to the user
    data: Any
    marks: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)  # value node: line, col
    key_marks: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)  # mapping key
    texts: dict[KeyPath, str] = field(default_factory=dict)  # scalars as written, non-text ones
    digest: str = ""  # sha256 of the bytes read (a file's), so a record names what was used

    def line(self, path: KeyPath, *, key: bool = False) -> int | None:
        mark = self.locate(path, key=key)
        return mark[0] if mark else None

    def locate(self, path: KeyPath, *, key: bool = False) -> tuple[int, int] | None:
        """The (line, column) of the node at `path`, or of its nearest located parent."""
        table = self.key_marks if key else self.marks
        while path:
            if path in table:
                return table[path]
            if key and path in self.marks:
                return self.marks[path]
            path = path[:-1]
            table = self.marks
        return self.marks.get(())

    def problem(self, problems: Problems, path: KeyPath, message: str, hint: str = "",
                *, key: bool = False, level: str = "error", rule: str = "") -> None:
        mark = self.locate(path, key=key)
        problems.add(
            message,
            file=self.file,
            line=mark[0] if mark else None,
            column=mark[1] if mark else None,
            key_path=format_path(path, self.data),
            hint=hint,
            level=level,
            rule=rule,
        )


def load_text(text: str, file: str) -> Document:
    """Parse YAML text; every problem becomes a located ConfigError."""
    problems = Problems(file)
    try:
        root = yaml.compose(text, Loader=Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "invalid YAML"
        hint = "check the indentation and quoting on this line"
        if "nesting depth" in str(message):
            hint = "the document nests too deeply; flatten the structure"
        if "\t" in text and mark is not None:
            lines = text.splitlines()
            if 0 <= mark.line < len(lines) and "\t" in lines[mark.line]:
                hint = "YAML does not allow tabs for indentation; indent with spaces"
        problems.add(f"invalid YAML: {message}",
                     line=mark.line + 1 if mark else None,
                     column=mark.column + 1 if mark else None, hint=hint)
        raise ConfigError(problems.items) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow, at an offset
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[0])
        problems.add(f"the file holds the control character U+{char:04X}, which YAML does not "
                     "allow", line=line, column=column,
                     hint="remove it: neither YAML nor charts can carry it")
        raise ConfigError(problems.items) from None
    except yaml.YAMLError as exc:
        problems.add(f"invalid YAML: {exc}")
        raise ConfigError(problems.items) from None
    doc = Document(file=file, data=None)
    if root is None:
        doc.data = None
        return doc
    builder = Builder(doc, problems)
    doc.data = builder.build(root, (), 0)
    problems.raise_if_any()
    return doc


def load_file(path: Path, display: str) -> Document:
    """Read and parse a YAML file with the size, encoding and structure guards applied."""
    try:
        raw = read_regular(path, max_file_bytes())
    except FileNotFoundError:
        raise ConfigError([Problem(display, message="file not found")]) from None
    except IsADirectoryError:
        raise ConfigError([Problem(display, message="is a folder, not a YAML file")]) from None
    except NotRegularFile as exc:
        raise ConfigError([Problem(display, message=f"is {exc.kind}, not a regular file",
                                   hint="replace it with the YAML file itself")]) from None
    except OSError as exc:
        raise ConfigError([Problem(display, message=f"cannot read: {exc.strerror}")]) from None
    limit = max_file_bytes()
    if len(raw) > limit:
        raise ConfigError([Problem(
            display, line=1, message=f"file is larger than {limit} bytes",
            hint="a pligos.yaml stays small; move data into files the service mounts, "
                 "or raise PLIGOS_MAX_FILE_SIZE")])
    digest = hashlib.sha256(raw).hexdigest()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError([Problem(
            display, line=line, column=column,
            message=f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
            hint="save the file as UTF-8")]) from None
    doc = load_text(text, display)
    doc.digest = digest
    return doc


class Builder:
    def __init__(self, doc: Document, problems: Problems) -> None:
        self.doc = doc
        self.problems = problems
        self.count = 0
        self.text_bytes = 0  # the text of the values built so far (an alias's each time)
        self.max_text_bytes = EXPANDED_PER_FILE_BYTE * max_file_bytes()
        self.constructor = yaml.constructor.SafeConstructor()

    def _mark(self, node: yaml.Node) -> tuple[int, int]:
        return (node.start_mark.line + 1, node.start_mark.column + 1)

    def build(self, node: yaml.Node, path: KeyPath, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            if self.count == MAX_NODES + 1:
                line, col = self._mark(node)
                self.problems.add(
                    f"document expands to more than {MAX_NODES} nodes",
                    line=line, column=col,
                    hint="anchors and aliases may be nested too deeply; write the data out")
            return None
        if isinstance(node, yaml.ScalarNode):
            self.text_bytes += len(node.value)
            if self.text_bytes > self.max_text_bytes:
                if self.count <= MAX_NODES:
                    line, col = self._mark(node)
                    self.problems.add(
                        f"document expands to more than {self.max_text_bytes} bytes of values",
                        line=line, column=col,
                        hint="anchors and aliases repeat large values; write the data once, "
                             "or raise PLIGOS_MAX_FILE_SIZE")
                self.count = MAX_NODES + 1  # stop building: one problem is enough
                return None
        if depth > MAX_DEPTH:
            line, col = self._mark(node)
            self.problems.add(f"nesting deeper than {MAX_DEPTH} levels", line=line, column=col,
                              hint="flatten the structure")
            return None
        self.doc.marks.setdefault(path, self._mark(node))
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    line, col = self._mark(key_node)
                    self.problems.add("merge keys (<<) are not supported", line=line, column=col,
                                      hint="write the keys out, or use a context's extends")
                    continue
                key = self._scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
                if not isinstance(key, str):
                    line, col = self._mark(key_node)
                    self.problems.add(f"keys must be text, not {_yaml_type(key_node)}",
                                      line=line, column=col,
                                      hint="quote the key")
                    continue
                if key in result:
                    line, col = self._mark(key_node)
                    first = self.doc.key_marks.get(path + (key,))
                    self.problems.add(
                        f"duplicate key {key!r}"
                        + (f" (first defined on line {first[0]})" if first else ""),
                        line=line, column=col, hint="remove one of the two")
                    continue
                self.doc.key_marks[path + (key,)] = self._mark(key_node)
                result[key] = self.build(value_node, path + (key,), depth + 1)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        value = self._scalar(node)
        if not isinstance(value, str):
            self.doc.texts[path] = node.value
        elif _CONTROL.search(value):
            line, col = self._mark(node)
            char = _CONTROL.search(value).group()  # type: ignore[union-attr]
            self.problems.add(f"text contains the control character U+{ord(char):04X}",
                              line=line, column=col,
                              hint="remove it: charts cannot carry control characters")
        return value

    def _scalar(self, node: yaml.Node) -> Any:
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            line, col = self._mark(node)
            self.problems.add(f"cannot read value: {getattr(exc, 'problem', exc)}",
                              line=line, column=col, hint="quote the value")
            return None
        except (ValueError, TypeError, OverflowError):  # e.g. !!int "x"
            line, col = self._mark(node)
            tag = node.tag.rsplit(":", 1)[-1]
            self.problems.add(f"cannot read {node.value[:40]!r} as the {tag} its tag asks for",
                              line=line, column=col,
                              hint="remove the tag (!!...), or write a value of that type")
            return None


def _yaml_type(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return "a " + node.tag.rsplit(":", 1)[-1]
