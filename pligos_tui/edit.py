"""Changing a user's pligos.yaml in place without disturbing anything else in it.

An edit replaces exactly the characters of the value it changes, located by the YAML parser,
so comments, key order, quoting and blank lines stay byte for byte. Files are replaced
atomically (written beside, then renamed over), keeping the file's permissions.
"""

from __future__ import annotations

import copy
import json
import math
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pligos_tui.errors import PligosError, display_path
from pligos_tui.model import ENTRY_WORDS, PROBE_STAGES

try:  # the C parser is several times faster; fall back when libyaml is missing
    _CLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _CLoader = yaml.SafeLoader


def atomic_write(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one rename; on failure the old file stays as it was."""
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    _remove_stale_temps(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".pligos-tmp",
                               dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise PligosError(f"cannot write {display_path(path)}: {exc.strerror or exc}",
                          hint="check that the folder is writable and the disk has space") from None
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _remove_stale_temps(path: Path) -> None:
    """Remove what an interrupted save of `path` left beside it (its writer is gone)."""
    for temp in path.parent.glob(f".{path.name}.*.pligos-tmp"):
        pid = temp.name[len(path.name) + 2:].split(".", 1)[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            temp.unlink(missing_ok=True)
        except OSError:
            pass


def set_top_level_scalar(text: str, key: str, value: str) -> str:
    """`text` with the top-level `key` set to the plain scalar `value`.

    Only the old value's characters change; when the key is missing it is appended.
    """
    fast = _fast_set(text, (key,), value)
    if fast is not None:
        return fast
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    rendered = value if _plain_safe(value) else '"' + value.replace("\\", "\\\\").replace(
        '"', '\\"') + '"'
    if isinstance(root, yaml.MappingNode):
        for key_node, value_node in root.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                if not isinstance(value_node, yaml.ScalarNode):
                    break
                if value_node.value == value and (value_node.style or value_node.tag.endswith(
                        ":str")):
                    return text  # already so: keep the user's quoting
                if value_node.style in ('"', "'") and rendered == value:
                    rendered = ('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
                                if value_node.style == '"' else "'" + value.replace("'", "''")
                                + "'")
                start, end = value_node.start_mark.index, value_node.end_mark.index
                if start == end:  # an empty value: `key:` with nothing after it
                    return text[:start] + " " + rendered + text[end:] if not text[
                        start - 1:start].isspace() else text[:start] + rendered + text[end:]
                return text[:start] + rendered + text[end:]
    if isinstance(root, yaml.MappingNode) and root.flow_style:
        # a file that is one {...} mapping: the new key goes inside it, before the `}`
        close = text.rindex("}", 0, root.end_mark.index)
        before = text[:close].rstrip()
        sep = "" if before.endswith("{") else ", "
        return f"{before}{sep}{key}: {rendered}{text[len(before):close]}{text[close:]}"
    newline = "\r\n" if "\r\n" in text else "\n"
    sep = "" if text.endswith("\n") or not text else newline
    return f"{text}{sep}{key}: {rendered}{newline}"


def _plain_safe(value: str) -> bool:
    if not value:
        return False
    try:
        return yaml.safe_load(value) == value and "#" not in value and ": " not in value
    except yaml.YAMLError:
        return False


def set_current_context(file: Path, name: str) -> None:
    raw = file.read_bytes()
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    text = raw[len(bom):].decode("utf-8")
    atomic_write(file, bom + set_top_level_scalar(text, "current-context", name).encode())


# -- setting one value -------------------------------------------------------------------------
#
# Most edits change one scalar (a field typed in a form). `set_value_at` replaces the characters
# of that scalar, located with the C parser, and checks the result by reading it back; anything
# else goes through the round trip below.

PathPart = str | int


@dataclass(frozen=True)
class _Named:
    """A path step: the item of a sequence whose `name` is `name` (a context or an entry)."""

    name: str
    what: str


_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
# text that YAML 1.2 (and so other tools) would read as a number: always written quoted
_PLAIN_UNSAFE = re.compile(r"[,\[\]{}?]|: |:$| #|^[-:!&*|>'\"%@`#]")
_NUMBER_LIKE = re.compile(r"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$"
                          r"|^0o[0-7]+$|^[-+]?\.(inf|Inf|INF|nan|NaN|NAN)$")


def set_value_at(text: str, path: tuple[str | int, ...], value: Any) -> str:
    """`text` with the value at `path` (mapping keys as str, sequence indexes as int) set to
    `value`; None (or []) removes the key. Missing keys of existing mappings are created.

    A scalar replacing a scalar changes only that scalar's characters; other edits go through
    the round trip, which keeps comments, order and quoting.
    """
    path = tuple(path)
    if not path or any(isinstance(p, bool) or not isinstance(p, (str, int)) for p in path):
        raise PligosError(f"not a path into pligos.yaml: {path!r}",
                          hint="mapping keys as text, sequence indexes as numbers")
    return _set_at(text, path, value)


def _set_at(text: str, path: tuple[PathPart | _Named, ...], value: Any) -> str:
    fast = _fast_set(text, path, value)
    if fast is not None:
        return fast
    y, data = _load(text)
    _set_path(data, path, value)
    return _dump(y, data, text)


def _fast_set(text: str, path: tuple[PathPart | _Named, ...], value: Any) -> str | None:
    """`text` with the scalar at `path` replaced in place by `value` (or its one-line key
    added to, or with None removed from, a block mapping), or None when that cannot be done
    safely (then the caller takes the round trip)."""
    if value is None:
        return _fast_line_edit(text, path, None)
    return _fast_set_many(text, [path], value) or _fast_line_edit(text, path, value)


def _fast_line_edit(text: str, path: tuple[PathPart | _Named, ...], value: Any) -> str | None:
    """Add the line `key: value` at the end of a block mapping whose last key and value sit on
    one line, or (value None) remove such a line; None when the text is not like that. The
    result is checked by reading it back: the data must be the old data with that one change."""
    if not path or not isinstance(path[-1], str) or (value is not None
                                                       and _plain_value(value) is None):
        return None
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom):]
    root = _compose_fast(body)
    parent = _locate(root, path[:-1]) if root is not None else None
    if not isinstance(parent, yaml.MappingNode) or parent.flow_style or not parent.value \
            or not _simple_tree(root):
        return None
    key = path[-1]
    pairs = {k.value: (k, v) for k, v in parent.value if k.tag == _STR_TAG}
    newline = "\r\n" if "\r\n" in body else "\n"

    def line_of(k: yaml.Node, v: yaml.Node) -> tuple[int, int] | None:
        """(start, end) of the whole line holding one key and its one-line value."""
        if v.end_mark.line != k.start_mark.line:
            return None
        start = body.rfind("\n", 0, k.start_mark.index) + 1
        if body[start:k.start_mark.index].strip():
            return None  # `- key: ...`: the key shares its line with the item's dash
        end = body.find("\n", v.end_mark.index)
        return start, len(body) if end < 0 else end + 1

    if value is None:
        if key not in pairs or len(parent.value) < 2:
            return text if key not in pairs and root is not None else None
        span = line_of(*pairs[key])
        if span is None:
            return None
        candidates = [body[:span[0]] + body[span[1]:]]
    else:
        if key in pairs:
            return None
        span = line_of(*parent.value[-1])
        if span is None or not _plain_candidate(key):
            return None
        indent = " " * parent.value[0][0].start_mark.column
        head = body[:span[1]] + ("" if body[:span[1]].endswith("\n") else newline)
        candidates = [head + f"{indent}{key}: {rendered}{newline}" + body[span[1]:]
                      for rendered in _renderings(_plain_value(value), "")]  # type: ignore[arg-type]
    expected = _fast_data_or_none(body)
    if expected is None:
        return None
    holder = _data_at(expected, path[:-1])
    if not isinstance(holder, dict):
        return None
    if value is None:
        holder.pop(key, None)
    else:
        holder[key] = value
    for candidate in candidates:
        got = _fast_data_or_none(candidate)
        if got == expected and (value is None or _same(_data_at(got, path), value)):
            return bom + candidate
    return None


def _fast_data_or_none(text: str) -> Any:
    """The plain data of `text` read by the C parser, or None when it does not parse."""
    try:
        return yaml.load(text, Loader=_CLoader)
    except yaml.YAMLError:
        return None


def _data_at(data: Any, path: tuple[PathPart | _Named, ...]) -> Any:
    """The plain value at `path` (a _Named step picks the item of that name), or None."""
    for part in path:
        if isinstance(part, _Named):
            data = next((i for i in data if isinstance(i, dict) and i.get("name") == part.name),
                        None) if isinstance(data, list) else None
        elif isinstance(data, dict) and isinstance(part, str):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


def _fast_set_many(text: str, paths: Sequence[tuple[PathPart | _Named, ...]],
                   value: Any) -> str | None:
    """`text` with the scalars at `paths` replaced in place by `value`, or None."""
    value = _plain_value(value)
    if value is None or not paths:
        return None
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom):]
    root = _compose_fast(body)
    if root is None:
        return None
    nodes: dict[int, yaml.Node] = {}
    for path in paths:
        node = _locate(root, path)
        if node is None:
            return None
        nodes[id(node)] = node
    if not _simple_tree(root):
        return None
    spans: list[tuple[int, int, str, str]] = []
    changed: set[int] = set()
    for key, node in nodes.items():
        span = _scalar_span(body, node)
        if span is None:
            return None
        if not _same(_scalar_value(node), value):
            spans.append(span)
            changed.add(key)
    if not spans:
        return text
    spans.sort(reverse=True)
    for attempt in (0, 1):
        candidate = body
        for start, end, quote, space in spans:
            choices = _renderings(value, quote)
            rendered = choices[min(attempt, len(choices) - 1)]
            candidate = candidate[:start] + space + rendered + candidate[end:]
        if _reads_as(candidate, root, changed, value):
            return bom + candidate
    return None


def _scalar_span(body: str, node: yaml.Node) -> tuple[int, int, str, str] | None:
    """Where a one-line plain or quoted scalar stands: (start, end, quote, space to insert
    before a new value), or None for any other node."""
    if not isinstance(node, yaml.ScalarNode) or node.style not in (None, "", "'", '"'):
        return None
    start, end = node.start_mark.index, node.end_mark.index
    raw = body[start:end]
    quote = node.style if node.style in ("'", '"') else ""
    if "\n" in raw or "\r" in raw:
        return None
    if quote and (len(raw) < 2 or raw[0] != quote or raw[-1] != quote):
        return None
    if not quote and raw != node.value:  # a tag or an anchor before the value
        return None
    if raw in ("''", '""'):  # an empty text is quoted by necessity, not by choice
        quote = ""
    space = " " if start == end and not body[start - 1:start].isspace() else ""
    return start, end, quote, space


def _plain_value(value: Any) -> str | float | None:
    """`value` as a plain Python scalar, or None when it is not one the fast path writes."""
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    return None


def _compose_fast(body: str) -> yaml.Node | None:
    """The node tree of a one-document text, read by the C parser (None if it is not one)."""
    try:
        return yaml.compose(body, Loader=_CLoader)
    except yaml.YAMLError:
        return None


_UNREADABLE = object()


def _scalar_value(node: yaml.Node) -> Any:
    """What the safe loader makes of a scalar node (_UNREADABLE when it cannot)."""
    try:
        return yaml.constructor.SafeConstructor().construct_object(node)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError):
        return _UNREADABLE


def _simple_tree(root: yaml.Node) -> bool:
    """Whether the tree has no alias, merge key, non-scalar key or duplicate key (which the
    round trip reports, or which an in-place edit could change in more than one place)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return False
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys: set[tuple[str, str]] = set()
            for key, value in node.value:
                if not isinstance(key, yaml.ScalarNode) or key.tag == _MERGE_TAG:
                    return False
                if (key.tag, key.value) in keys:
                    return False
                keys.add((key.tag, key.value))
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return True


def _locate(root: yaml.Node, path: tuple[PathPart | _Named, ...]) -> yaml.Node | None:
    """The node at `path`, or None."""
    node = root
    for part in path:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            for key, value in node.value:
                if key.tag == _STR_TAG and key.value == part:
                    node = value
                    break
            else:
                return None
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, _Named):
            node = next((item for item in node.value if _node_name(item) == part.name), None)
            if node is None:
                return None
        elif (isinstance(node, yaml.SequenceNode) and isinstance(part, int)
              and 0 <= part < len(node.value)):
            node = node.value[part]
        else:
            return None
    return node


def _node_name(node: yaml.Node) -> str | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.tag == _STR_TAG and key.value == "name":
                return value.value if isinstance(value, yaml.ScalarNode) and \
                    value.tag == _STR_TAG else None
    return None


def _same(a: Any, b: Any) -> bool:
    """Equal, and of the same type (1, 1.0 and True differ)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def _renderings(value: str | float, quote: str) -> list[str]:
    """How `value` may be written in place of a scalar quoted with `quote`, best first."""
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, int):
        return [str(value)]
    if isinstance(value, float):
        from yaml.representer import SafeRepresenter

        return [SafeRepresenter().represent_float(value).value]
    double = json.dumps(value, ensure_ascii=False)
    if quote == "'":
        return ["'" + value.replace("'", "''") + "'", double]
    if quote == '"' or not _plain_candidate(value):
        return [double]
    return [value, double]


def _plain_candidate(value: str) -> bool:
    """Whether `value` may be tried unquoted: no character that YAML readers treat
    differently in flow collections, no indicator first, no edge spaces, not number-like."""
    return bool(value and value.isprintable() and value == value.strip()
                and not _PLAIN_UNSAFE.search(value) and not _NUMBER_LIKE.match(value))


def _reads_as(candidate: str, old: yaml.Node, targets: set[int], value: Any) -> bool:
    """Whether `candidate` reads as the tree `old` with only the scalars `targets` (ids) now
    `value`: every other node the same, with the same tags and text."""
    new = _compose_fast(candidate)
    if new is None:
        return False
    stack = [(old, new)]
    found = 0
    while stack:
        a, b = stack.pop()
        if type(a) is not type(b):
            return False
        if id(a) in targets:
            if not _same(_scalar_value(b), value):
                return False
            found += 1
        elif a.tag != b.tag or len(a.value) != len(b.value):
            return False
        elif isinstance(a, yaml.ScalarNode):
            if a.value != b.value:
                return False
        elif isinstance(a, yaml.MappingNode):
            for (ka, va), (kb, vb) in zip(a.value, b.value):
                stack.append((ka, kb))
                stack.append((va, vb))
        else:
            stack.extend(zip(a.value, b.value))
    return found == len(targets)


def _fast_data(text: str) -> Any:
    """The plain data of `text` (read by the C parser), or the round trip's error."""
    data = _fast_data_or_none(text)
    return data if isinstance(data, dict) else _load(text)[1]


# -- structural edits (the editor's actions) ---------------------------------------------------
#
# Each function takes the text of a pligos.yaml and returns the new text. They parse with
# ruamel.yaml's round-trip loader, which keeps comments, key order, quoting, flow style and
# blank lines, and dump with the indentation detected in the file, so only what was edited
# changes. They check only what they need to find their target; whether the result is a valid
# service is the loader's business (`model.load_service_text`).

SINGLE_REFS = ("image", "command", "probe", "resources")
LIST_REFS = ("routes", "mounts", "env")
PROPERTIES = ("images", "commands", "probes", "routes", "mounts", "env", "resources")


def detect_indent(text: str) -> tuple[int, int, int]:
    """The file's (mapping, sequence, offset) indentation, as ruamel.yaml's `indent()` takes it.

    `sequence` is the column of an item's content relative to its parent key, `offset` the
    column of the dash; the first block sequence under a key decides. Defaults: 2, 4, 2.
    """
    import re

    lines = text.splitlines()
    mapping = sequence = offset = None
    for i, line in enumerate(lines):
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        key = re.match(r"^( *)(?:- +)?[^\s#'\"\-][^:#]*:\s*(#.*)?$", line)
        if not key:
            continue
        indent = len(key.group(1))
        if line[indent:].startswith("-"):  # `- key:` opens a mapping inside a sequence item
            indent = len(line) - len(line.lstrip(" -"))
        for nxt in lines[i + 1:]:
            s = nxt.lstrip(" ")
            if not s or s.startswith("#"):
                continue
            col = len(nxt) - len(s)
            if col <= indent and not (s.startswith("- ") or s == "-"):
                break
            if s.startswith("- ") or s == "-":
                if sequence is None and col >= indent:
                    offset = col - indent
                    content = len(nxt) - len(s[1:].lstrip(" ")) if s != "-" else col + 2
                    sequence = content - indent
            elif mapping is None and col > indent:
                mapping = col - indent
            break
        if mapping is not None and sequence is not None:
            break
    mapping = mapping or 2
    if sequence is None:
        sequence, offset = mapping + 2, mapping
    offset = offset if offset is not None else 0
    return mapping, max(sequence, offset + 2), offset


def _yaml(text: str) -> Any:
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096
    mapping, sequence, offset = detect_indent(text)
    y.indent(mapping=mapping, sequence=sequence, offset=offset)
    return y


def _load(text: str) -> tuple[Any, Any]:
    from ruamel.yaml.error import YAMLError

    y = _yaml(text)
    try:
        data = y.load(text.replace("\r\n", "\n"))  # ruamel.yaml loses blank lines of CRLF
    except YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise PligosError(f"pligos.yaml cannot be edited structurally: {problem}{where}",
                          hint="fix the file in the source view first") from None
    if not hasattr(data, "get"):
        raise PligosError("pligos.yaml is not a mapping",
                          hint="the file starts with `pligos: 1` and `name: ...`")
    return y, data


def structurally_editable(text: str) -> bool:
    """Whether the functions below can work on `text` (it parses as one YAML mapping)."""
    try:
        _load(text)
    except PligosError:
        return False
    return True


def _dump(y: Any, data: Any, original: str) -> str:
    import io

    buf = io.StringIO()
    y.dump(data, buf)
    out = buf.getvalue()
    if original.startswith("---") and not out.startswith("---"):
        out = "---\n" + out
    if not original.endswith("\n") and out.endswith("\n") and original:
        out = out[:-1]
    if "\r\n" in original:
        out = out.replace("\r\n", "\n").replace("\n", "\r\n")
    return _keep_untouched_lines(original, out)


def _keep_untouched_lines(original: str, out: str) -> str:
    """`out` with every line that differs from its counterpart in `original` only in spacing
    (aligned values, spaces before comments) taken back from `original`, byte for byte."""
    import difflib

    old, new = original.splitlines(keepends=True), out.splitlines(keepends=True)

    import re

    quoted = re.compile(r"(\"(?:[^\"\\]|\\.)*\"|'(?:[^']|'')*')")

    def norm(line: str) -> str:  # spacing collapsed, except inside quotes
        parts = quoted.split(line)
        return "".join(p if i % 2 else " ".join(p.split()) + (" " if p[-1:].isspace() else "")
                       for i, p in enumerate(parts)).strip()

    matcher = difflib.SequenceMatcher(None, [norm(x) for x in old], [norm(x) for x in new],
                                      autojunk=False)
    result: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            chunk = old[i1:i2]
            if j2 == len(new) and not new[-1].endswith("\n") and chunk[-1].endswith("\n"):
                chunk[-1] = chunk[-1].rstrip("\r\n")
            elif chunk and not chunk[-1].endswith("\n") and j2 < len(new):
                chunk[-1] += "\n"
            result.extend(chunk)
        else:
            result.extend(new[j1:j2])
    return "".join(result)


def _contexts(data: Any) -> list[Any]:
    ctxs = data.get("contexts")
    if not isinstance(ctxs, list):
        raise PligosError("pligos.yaml has no list of contexts",
                          hint="add `contexts:` with at least one `- name: ...` item")
    return ctxs


def _find(items: list[Any], name: str, what: str) -> Any:
    for item in items:
        if hasattr(item, "get") and item.get("name") == name:
            return item
    raise PligosError(f"there is no {what} named {name!r}")


def _like(old: Any, new: Any) -> Any:
    """`new` in the style of `old`: a quoted string stays quoted the same way."""
    from ruamel.yaml.scalarstring import ScalarString

    if isinstance(old, ScalarString) and isinstance(new, str) and not isinstance(new, ScalarString):
        return type(old)(new)
    return new


def _set(mapping: Any, key: PathPart, value: Any) -> None:
    """Set `mapping[key]` (a mapping key or a sequence index) in the round-trip data; None or
    [] removes it. Blank lines and comments after the old value stay where they were."""
    if isinstance(mapping, list) and isinstance(key, int) and key < 0:
        key += len(mapping)
    if value is None or value == []:
        if _has(mapping, key):
            _remove(mapping, key)
        return
    old = mapping[key] if _has(mapping, key) else None
    value = _styled(old, value)
    if not _has(mapping, key):
        if isinstance(mapping, list):
            raise PligosError(f"there is no item {key!r} in that list")
        _append_key(mapping, key, value)
    elif isinstance(old, (list, dict)) or isinstance(value, (list, dict)):
        tail = _take_tail(mapping, key)
        mapping[key] = value
        _give_tail(mapping, key, tail)
    else:
        mapping[key] = _like(old, value)


def _has(container: Any, key: PathPart) -> bool:
    if isinstance(container, list):
        return isinstance(key, int) and -len(container) <= key < len(container)
    return key in container


def _styled(old: Any, value: Any) -> Any:
    """A list or mapping `value` as round-trip data: in flow style (`[a, b]`, `{k: v}`) unless
    it replaces one written in block style."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, (CommentedMap, CommentedSeq)) or not isinstance(value, (list, dict)):
        return value
    flow = old is None or (isinstance(old, (CommentedMap, CommentedSeq))
                           and bool(old.fa.flow_style()))
    new: Any = (CommentedSeq([_styled(None, v) for v in value]) if isinstance(value, list)
                else CommentedMap((k, _styled(None, v)) for k, v in value.items()))
    if flow:
        new.fa.set_flow_style()
    else:
        new.fa.set_block_style()
    return new


def _show(path: tuple[Any, ...]) -> str:
    return ".".join(p.name if isinstance(p, _Named) else str(p) for p in path) or "the file"


def _set_path(root: Any, path: tuple[PathPart | _Named, ...], value: Any) -> None:
    """Set the value at `path` below `root` (round-trip data), creating missing mappings on
    the way; None removes it (and a missing path is then left alone)."""
    from ruamel.yaml.comments import CommentedMap

    node = root
    for i, part in enumerate(path):
        last = i == len(path) - 1
        if isinstance(part, _Named):
            if not isinstance(node, list):
                raise PligosError(f"{_show(path[:i])} is not a list")
            item = _find(node, part.name, part.what)
            part = next(j for j, x in enumerate(node) if x is item)
        if isinstance(node, list) and not (isinstance(part, int) and _has(node, part)):
            raise PligosError(f"there is no item {part!r} in {_show(path[:i])}")
        if not isinstance(node, (list, dict)):
            raise PligosError(f"{_show(path[:i])} is not a mapping",
                              hint="fix it in the source view")
        if last:
            _set(node, part, value)
            return
        child = node.get(part) if isinstance(node, dict) else node[int(part)]
        if child is None:
            if value is None or value == []:
                return
            child = CommentedMap()
            child.fa.set_flow_style()
            _set(node, part, child)
        node = child


# Blank lines and comments after a value: ruamel.yaml keeps them with the last scalar before
# them (or at the end of the enclosing list), so appending or removing at the end of a block
# would carry them along. These helpers move them to where a reader expects them.

def _slot(container: Any, key: Any) -> Any:
    entry = container.ca.items.get(key)
    pos = 0 if isinstance(container, list) else 2
    return entry[pos] if entry and len(entry) > pos else None


def _set_slot(container: Any, key: Any, token: Any) -> None:
    entry = container.ca.items.setdefault(key, [None, None, None, None])
    entry[0 if isinstance(container, list) else 2] = token


def _last_key(node: Any) -> Any:
    return len(node) - 1 if isinstance(node, list) else next(reversed(node))


def _chain(container: Any, key: Any) -> list[tuple[Any, Any]]:
    """(container, key) from `container[key]` down through the last items of block nodes."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    chain = [(container, key)]
    node = container[key]
    while isinstance(node, (CommentedMap, CommentedSeq)) and len(node) and \
            not node.fa.flow_style():
        last = _last_key(node)
        chain.append((node, last))
        node = node[last]
    return chain


def _take_tail(container: Any, key: Any) -> str:
    """Remove and return the whole lines (blank or comment) after the value `container[key]`
    up to the next item; a comment on the value's own last line stays."""
    from ruamel.yaml.comments import CommentedBase
    from ruamel.yaml.tokens import CommentToken

    if not isinstance(container, CommentedBase):
        return ""
    pieces: list[str] = []
    for parent, k in reversed(_chain(container, key)):
        child = parent[k]
        if isinstance(child, CommentedBase) and getattr(child.ca, "end", None):
            pieces.extend(t.value for t in child.ca.end if isinstance(t, CommentToken))
            child.ca.end = []
        token = _slot(parent, k)
        if isinstance(token, CommentToken) and "\n" in token.value:
            value = token.value
            cut = value.index("\n") + 1
            if value[cut:]:
                pieces.append(value[cut:])
                if value[:cut] == "\n":
                    _set_slot(parent, k, None)
                else:
                    token.value = value[:cut]
    return "".join(pieces)


def _give_tail(container: Any, key: Any, tail: str) -> None:
    """Put `tail` (whole lines) after the value `container[key]`, in place of the blank lines
    already there (lines with a comment stay, before `tail`)."""
    from ruamel.yaml.comments import CommentedBase
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    if not tail or not isinstance(container, CommentedBase):
        return
    there = _take_tail(container, key)
    if there.strip():
        tail = there + tail
    parent, k = _chain(container, key)[-1]
    token = _slot(parent, k)
    if isinstance(token, CommentToken) and token.value.endswith("\n"):
        token.value += tail
    else:
        _set_slot(parent, k, CommentToken("\n" + tail, CommentMark(0), None))


def _append_key(mapping: Any, key: Any, value: Any) -> None:
    """Add `key` at the end of `mapping`, before the lines that followed its last value."""
    tail = _take_tail(mapping, _last_key(mapping)) if len(mapping) else ""
    mapping[key] = value
    _give_tail(mapping, key, tail)


def _append_item(seq: Any, item: Any) -> None:
    """Append `item` to `seq`, before the lines that followed its last item."""
    tail = _take_tail(seq, len(seq) - 1) if len(seq) else ""
    seq.append(item)
    _give_tail(seq, len(seq) - 1, tail)


def _insert_key(mapping: Any, pos: int, key: str, value: Any) -> None:
    """Insert `key` before the key at `pos` and before the comments leading up to that key;
    blank lines before those comments are repeated before the new key."""
    keys = list(mapping)
    tail = _take_tail(mapping, keys[pos - 1]) if pos > 0 else ""
    mapping.insert(pos, key, value)
    if tail:
        lead = tail[:len(tail) - len(tail.lstrip("\n"))]
        _give_tail(mapping, keys[pos - 1], lead)
        _give_tail(mapping, key, tail)


def _remove(container: Any, key: Any) -> None:
    """Remove `container[key]`; the lines that followed it stay, after the item before it."""
    from ruamel.yaml.comments import CommentedBase

    keys = list(range(len(container))) if isinstance(container, list) else list(container)
    pos = keys.index(key)
    tail = _take_tail(container, key)
    del container[key]
    if not isinstance(container, list) and isinstance(container, CommentedBase):
        container.ca.items.pop(key, None)
    if tail and pos > 0 and len(container):
        _give_tail(container, keys[pos - 1], tail)


def parse_scalar(text: str, old: Any = None) -> Any:
    """What a form field's text means as a YAML value, keeping `old`'s type where it can:
    a field that held a string stays a string ("1.20" stays a tag, not a number)."""
    if isinstance(old, bool):
        low = text.strip().lower()
        if low in ("true", "false"):
            return low == "true"
    if isinstance(old, str):
        return text
    if isinstance(old, int) and not isinstance(old, bool):
        try:
            return int(text)
        except ValueError:
            return text
    try:
        value = yaml.safe_load(text) if text.strip() else ""
    except yaml.YAMLError:
        return text
    return value if isinstance(value, (str, int, float, bool)) or value is None else text


def _key_path(key: str | tuple[str | int, ...]) -> tuple[PathPart, ...]:
    path = (key,) if isinstance(key, (str, int)) else tuple(key)
    if not path:
        raise PligosError("no field given")
    return path


def set_context_field(text: str, context: str, key: str | tuple[str | int, ...],
                      value: Any) -> str:
    """Set (or, with None or [], remove) `key` of the context named `context`; `key` may be a
    path inside the context, e.g. ("values", "replicaCount")."""
    path = _key_path(key)
    fast = _fast_set(text, ("contexts", _Named(context, "context")) + path, value)
    if fast is not None:
        return fast
    y, data = _load(text)
    ctx = _find(_contexts(data), context, "context")
    _set_path(ctx, path, value)
    return _dump(y, data, text)


def set_entry_field(text: str, prop: str, entry: str, key: str | tuple[str | int, ...],
                    value: Any) -> str:
    """Set (or, with None, remove) `key` of the entry named `entry` of the list `prop`; `key`
    may be a path inside the entry, e.g. ("liveness", "httpGet", "path")."""
    path = _key_path(key)
    word = _entry_word(prop)
    fast = _fast_set(text, (prop, _Named(entry, word)) + path, value)
    if fast is not None:
        return fast
    y, data = _load(text)
    items = data.get(prop)
    if not isinstance(items, list):
        raise PligosError(f"pligos.yaml has no list of {prop}")
    _set_path(_find(items, entry, word), path, value)
    return _dump(y, data, text)


def _entry_word(prop: str) -> str:
    return ENTRY_WORDS.get(prop, prop)


def assign_entries(text: str, context: str, prop: str, names: list[str]) -> str:
    """Make the context use the named entries for `prop`: one name for image, command, probe
    and resources (none removes the assignment); a list for routes, mounts, env and friends."""
    if prop in SINGLE_REFS:
        if len(names) > 1:
            raise PligosError(f"a context has one {prop}, not {len(names)}")
        return set_context_field(text, context, prop, names[0] if names else None)
    if prop in LIST_REFS:
        return set_context_field(text, context, prop, list(names))
    if prop == "friends":
        return set_friends(text, context, list(names))
    raise PligosError(f"{prop!r} is not an assignable property",
                      hint=f"one of {', '.join(SINGLE_REFS + LIST_REFS + ('friends',))}")


def _check_new_name(data: Any, name: str) -> None:
    from pligos_tui.validate import dns_label

    problem = dns_label(name)
    if problem:
        raise PligosError(f"context name {name!r}: {problem}")
    if any(hasattr(c, "get") and c.get("name") == name for c in _contexts(data)):
        raise PligosError(f"there is already a context named {name!r}",
                          hint="pick another name")


def add_context(text: str, name: str, *, flavor: str = "", extends: str = "") -> str:
    """Append a context named `name` with the given flavor and/or extends."""
    from ruamel.yaml.comments import CommentedMap

    y, data = _load(text)
    _check_new_name(data, name)
    if extends:
        _find(_contexts(data), extends, "context")
    ctx = CommentedMap(name=name)
    if flavor:
        ctx["flavor"] = flavor
    if extends:
        ctx["extends"] = extends
    _append_item(_contexts(data), ctx)
    return _dump(y, data, text)


def clone_context(text: str, source: str, name: str) -> str:
    """Append a copy of the context `source` named `name`, placed right after it."""
    import copy

    y, data = _load(text)
    _check_new_name(data, name)
    ctxs = _contexts(data)
    src = _find(ctxs, source, "context")
    clone = copy.deepcopy(src)
    clone["name"] = _like(src.get("name"), name)
    ctxs.insert(ctxs.index(src) + 1, clone)
    return _dump(y, data, text)


def rename_context(text: str, old: str, new: str) -> str:
    """Rename a context; every `extends: old` and `current-context: old` follows."""
    y, data = _load(text)
    if old == new:
        return text
    _check_new_name(data, new)
    ctxs = _contexts(data)
    ctx = _find(ctxs, old, "context")
    ctx["name"] = _like(ctx["name"], new)
    for other in ctxs:
        if hasattr(other, "get") and other.get("extends") == old:
            other["extends"] = _like(other["extends"], new)
    if data.get("current-context") == old:
        data["current-context"] = _like(data["current-context"], new)
    return _dump(y, data, text)


def context_dependents(text: str, name: str) -> list[str]:
    """The contexts whose `extends` names `name`."""
    _, data = _load(text)
    return [c.get("name") for c in _contexts(data)
            if hasattr(c, "get") and c.get("extends") == name]


def delete_context(text: str, name: str) -> str:
    """Remove a context. Contexts extending it would break, so that is refused; a
    current-context naming it moves to the first remaining context."""
    y, data = _load(text)
    ctxs = _contexts(data)
    ctx = _find(ctxs, name, "context")
    users = [c.get("name") for c in ctxs if hasattr(c, "get") and c.get("extends") == name]
    if users:
        raise PligosError(f"context {name!r} is extended by {', '.join(users)}",
                          hint="change or remove their `extends` first")
    if len(ctxs) == 1:
        raise PligosError(f"{name!r} is the only context; a service needs at least one")
    _remove(ctxs, next(i for i, c in enumerate(ctxs) if c is ctx))
    if data.get("current-context") == name:
        first = ctxs[0].get("name") if hasattr(ctxs[0], "get") else None
        if first:
            data["current-context"] = _like(data["current-context"], first)
        else:
            del data["current-context"]
    return _dump(y, data, text)


def set_extends(text: str, context: str, parent: str | None) -> str:
    """Make `context` extend `parent` (None: extend nothing). A cycle is refused."""
    y, data = _load(text)
    ctxs = _contexts(data)
    ctx = _find(ctxs, context, "context")
    if parent:
        _find(ctxs, parent, "context")
        seen: set[str] = {context}
        walk: str | None = parent
        while walk:
            if walk in seen:
                raise PligosError(f"{context!r} cannot extend {parent!r}: that makes a cycle")
            seen.add(walk)
            nxt = next((c for c in ctxs if hasattr(c, "get") and c.get("name") == walk), None)
            walk = nxt.get("extends") if nxt is not None else None
    _set(ctx, "extends", parent)
    return _dump(y, data, text)


def set_current_context_text(text: str, name: str) -> str:
    """`text` with `current-context` set to `name` (which must be a context)."""
    root = _compose_fast(text)
    if root is None or not _simple_tree(root) or \
            _locate(root, ("contexts", _Named(name, "context"))) is None:
        _, data = _load(text)
        _find(_contexts(data), name, "context")
    return set_top_level_scalar(text, "current-context", name)


# -- entries of the property lists -------------------------------------------------------------

# context key -> the property list whose entries it names
REF_PROPERTY = {"image": "images", "command": "commands", "probe": "probes",
                "resources": "resources", "routes": "routes", "mounts": "mounts", "env": "env"}
_REF_KEY = {prop: key for key, prop in REF_PROPERTY.items()}

# What a new entry starts with: close to valid, and showing what to fill in. An image's
# repository is left empty (`repository:`), which the loader reports until it is filled.
ENTRY_TEMPLATES: dict[str, dict[str, Any]] = {
    "images": {"repository": None, "tag": "latest"},
    "commands": {"type": "executable", "command": ["/app"]},
    "probes": {"liveness": {"httpGet": {"path": "/healthz", "port": 8080}}},
    "routes": {"port": 80, "containerPort": 8080},
    "mounts": {"path": "/data", "emptyDir": {}},
    "env": {"variables": {}},
    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
}


def _check_property(prop: str) -> None:
    if prop not in PROPERTIES:
        raise PligosError(f"{prop!r} is not a property", hint=f"one of {', '.join(PROPERTIES)}")


def _entries(data: Any, prop: str) -> list[Any]:
    _check_property(prop)
    items = data.get(prop)
    if not isinstance(items, list):
        raise PligosError(f"pligos.yaml has no list of {prop}",
                          hint=f"add one with {prop}: and a first '- name: ...' item")
    return items


def _check_entry_name(data: Any, prop: str, name: str) -> None:
    """Refuse a name an entry of `prop` cannot have, or one another entry already has."""
    from pligos_tui.validate import SCRIPTS_VOLUME, dns_label, port_name

    word = _entry_word(prop)
    if not isinstance(name, str):
        raise PligosError(f"{word} name must be text, not {name!r}")
    problem = port_name(name) if prop == "routes" else dns_label(name)
    if problem:
        hint = ("a route's name is also its container port's name: at most 15 characters, "
                "lower-case letters, digits and '-'" if prop == "routes" else
                "lower-case letters, digits and '-', e.g. main")
        raise PligosError(f"{word} name {problem}", hint=hint)
    if prop == "mounts" and name == SCRIPTS_VOLUME:
        raise PligosError(f"{SCRIPTS_VOLUME} is the name of the volume Pligos mounts scripts "
                          "from", hint="choose another name")
    items = data.get(prop)
    if isinstance(items, list) and any(hasattr(e, "get") and e.get("name") == name
                                       for e in items):
        article = "an" if word[0] in "aeiou" else "a"
        raise PligosError(f"there is already {article} {word} named {name!r}",
                          hint="pick another name")


def _context_maps(data: Any) -> list[Any]:
    ctxs = data.get("contexts")
    return [c for c in ctxs if hasattr(c, "get")] if isinstance(ctxs, list) else []


def add_entry(text: str, prop: str, name: str, fields: dict[str, Any] | None = None) -> str:
    """Append an entry named `name` to the list `prop`, with `fields` (by default
    ENTRY_TEMPLATES[prop]); a missing list is created right before `contexts:`."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    _check_property(prop)
    y, data = _load(text)
    _check_entry_name(data, prop, name)
    entry = CommentedMap(name=name)
    for key, value in (fields or ENTRY_TEMPLATES[prop]).items():
        if key != "name":
            entry[key] = _styled(None, copy.deepcopy(value))
    items = data.get(prop)
    if isinstance(items, list):
        _append_item(items, entry)
    elif items is not None:
        raise PligosError(f"{prop} in pligos.yaml is not a list of entries",
                          hint="fix it in the source view first")
    else:
        seq = CommentedSeq([entry])
        seq.fa.set_block_style()
        if prop in data:
            _set(data, prop, seq)
        elif "contexts" in data:
            _insert_key(data, list(data).index("contexts"), prop, seq)
        else:
            _append_key(data, prop, seq)
    return _dump(y, data, text)


def clone_entry(text: str, prop: str, source: str, name: str) -> str:
    """Insert a copy of the entry `source` of `prop` named `name`, right after it (its
    comments and layout come along)."""
    _check_property(prop)
    y, data = _load(text)
    _check_entry_name(data, prop, name)
    items = _entries(data, prop)
    src = _find(items, source, _entry_word(prop))
    clone = copy.deepcopy(src)
    clone["name"] = _like(src.get("name"), name)
    items.insert(items.index(src) + 1, clone)
    return _dump(y, data, text)


def entry_users(text: str, prop: str, name: str) -> list[str]:
    """The contexts that refer to the entry `name` of `prop` by name."""
    _check_property(prop)
    key = _REF_KEY[prop]
    users = []
    for ctx in _context_maps(_fast_data(text)):
        value = ctx.get(key)
        if value == name or (key in LIST_REFS and isinstance(value, list) and name in value):
            users.append(ctx.get("name"))
    return users


def rename_entry(text: str, prop: str, old: str, new: str) -> str:
    """Rename an entry of `prop`; every context's reference to it follows, and so do probe
    ports naming a renamed route. Only the renamed values' characters change."""
    data = _fast_data(text)
    _find(_entries(data, prop), old, _entry_word(prop))
    if old == new:
        return text
    _check_entry_name(data, prop, new)
    fast = _fast_set_many(text, _rename_paths(data, prop, old), new)
    if fast is not None:
        return fast
    y, data = _load(text)
    for path in _rename_paths(data, prop, old):
        _set_path(data, path, new)
    return _dump(y, data, text)


def _rename_paths(data: Any, prop: str, old: str) -> list[tuple[PathPart, ...]]:
    """The paths of the values naming the entry `old` of `prop`: its name, the contexts'
    references and, for a route, the probe ports naming it."""
    paths: list[tuple[PathPart, ...]] = []
    items = data.get(prop)
    index = next(i for i, e in enumerate(items) if hasattr(e, "get") and e.get("name") == old)
    paths.append((prop, index, "name"))
    key = _REF_KEY[prop]
    ctxs = data.get("contexts") if isinstance(data.get("contexts"), list) else []
    for ci, ctx in enumerate(ctxs):
        value = ctx.get(key) if hasattr(ctx, "get") else None
        if isinstance(value, str) and value == old:
            paths.append(("contexts", ci, key))
        elif key in LIST_REFS and isinstance(value, list):
            paths.extend(("contexts", ci, key, j) for j, item in enumerate(value)
                         if isinstance(item, str) and item == old)
    if prop == "routes":
        paths.extend(_probe_port_paths(data, old))
    return paths


def _probe_port_paths(data: Any, route: str) -> list[tuple[PathPart, ...]]:
    """The probe handler ports naming the route `route`: none when a context has an inline
    route of that name (a port might then mean that one)."""
    probes: list[tuple[tuple[PathPart, ...], Any]] = [
        (("probes", i), p) for i, p in enumerate(data.get("probes") or [])
        if hasattr(p, "get")] if isinstance(data.get("probes"), list) else []
    ctxs = data.get("contexts") if isinstance(data.get("contexts"), list) else []
    for ci, ctx in enumerate(ctxs):
        if not hasattr(ctx, "get"):
            continue
        routes = ctx.get("routes")
        if any(hasattr(r, "get") and r.get("name") == route
               for r in (routes if isinstance(routes, list) else [routes])):
            return []
        if hasattr(ctx.get("probe"), "get"):
            probes.append((("contexts", ci, "probe"), ctx["probe"]))
    paths: list[tuple[PathPart, ...]] = []
    for at, probe in probes:
        for stage in PROBE_STAGES:
            spec = probe.get(stage)
            for handler in ("httpGet", "tcpSocket"):
                h = spec.get(handler) if hasattr(spec, "get") else None
                port = h.get("port") if h is not None and hasattr(h, "get") else None
                if isinstance(port, str) and port == route:
                    paths.append(at + (stage, handler, "port"))
    return paths


def delete_entry(text: str, prop: str, name: str) -> str:
    """Remove an entry of `prop` and every context's reference to it by name; a list emptied
    that way, and the property list itself when it empties, are removed too.

    In a context that extends another, a removed reference becomes `key:` (none) and an
    emptied list `key: []`, so the context does not start taking its parent's instead.
    """
    from ruamel.yaml.comments import CommentedSeq

    y, data = _load(text)
    items = _entries(data, prop)
    entry = _find(items, name, _entry_word(prop))
    key = _REF_KEY[prop]
    for ctx in _context_maps(data):
        if key not in ctx:
            continue
        value = ctx[key]
        if isinstance(value, list) and key in LIST_REFS:
            hits = [i for i, item in enumerate(value) if item == name]
            for i in reversed(hits):
                _remove(value, i)
            if not hits or value:
                continue
        elif value != name:
            continue
        if ctx.get("extends"):
            if isinstance(value, list):
                empty = CommentedSeq()
                empty.fa.set_flow_style()
                ctx[key] = empty
            else:
                ctx[key] = None
        else:
            _remove(ctx, key)
    _remove(items, next(i for i, e in enumerate(items) if e is entry))
    if not items:
        _remove(data, prop)
    return _dump(y, data, text)


def set_friends(text: str, context: str, names: list[str]) -> str:
    """Make the context's `friends:` list exactly `names`, in that order. A friend kept keeps
    its item as written (with its `values:`); no names remove the key."""
    from ruamel.yaml.comments import CommentedSeq

    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise PligosError(f"friend {twice!r} is listed twice", hint="list each friend once")
    y, data = _load(text)
    ctx = _find(_contexts(data), context, "context")
    old = ctx.get("friends")
    written: dict[str, Any] = {}
    for item in old if isinstance(old, list) else []:
        friend = item.get("name") if hasattr(item, "get") else item
        if isinstance(friend, str):
            written.setdefault(friend, item)
    items = [written.get(name, name) for name in names]
    if isinstance(old, list) and len(old) == len(items) and all(
            a is b or (isinstance(a, str) and a == b) for a, b in zip(old, items)):
        return text
    if not items:
        _set(ctx, "friends", None)
        return _dump(y, data, text)
    seq = CommentedSeq(items)
    if old is None or (isinstance(old, CommentedSeq) and old.fa.flow_style()):
        seq.fa.set_flow_style()
    else:
        seq.fa.set_block_style()
    _set(ctx, "friends", seq)
    return _dump(y, data, text)
