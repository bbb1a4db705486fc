"""Format-preserving edits of YAML text: change one value, touch nothing else.

An edit that sets one scalar replaces exactly that scalar's characters, located by the C
parser, and checks the result by reading it back; adding or removing a `key: value` line of a
block mapping is done on the lines too. Anything else goes through the round trip of
:mod:`pligos_tui.io.roundtrip`. Nothing here knows what a pligos.yaml means: paths are mapping
keys, sequence indexes and `Named` steps (the item of a sequence with that `name`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from typing import Any

import yaml
from yaml.representer import SafeRepresenter

from pligos_tui.errors import PligosError
from pligos_tui.io import roundtrip
from pligos_tui.io.keypath import Named, NamedPath
from pligos_tui.io.roundtrip import dump, set_path
from pligos_tui.io.yamlread import Loader


def set_top_level_scalar(text: str, key: str, value: str) -> str:
    """`text` with the top-level `key` set to the plain scalar `value`.

    Only the old value's characters change; when the key is missing it is appended.
    """
    fast = fast_set(text, (key,), value)
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



# -- setting one value -------------------------------------------------------------------------
#
# Most edits change one scalar (a field typed in a form). `set_value_at` replaces the characters
# of that scalar, located with the C parser, and checks the result by reading it back; anything
# else goes through the round trip below.

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
    return set_at(text, path, value)


def set_at(text: str, path: NamedPath, value: Any) -> str:
    fast = fast_set(text, path, value)
    if fast is not None:
        return fast
    y, data = roundtrip.load(text)
    set_path(data, path, value)
    return dump(y, data, text)


def fast_set(text: str, path: NamedPath, value: Any) -> str | None:
    """`text` with the scalar at `path` replaced in place by `value` (or its one-line key
    added to, or with None removed from, a block mapping), or None when that cannot be done
    safely (then the caller takes the round trip)."""
    if value is None:
        return _fast_line_edit(text, path, None)
    return fast_set_many(text, [path], value) or _fast_line_edit(text, path, value)


def _fast_line_edit(text: str, path: NamedPath, value: Any) -> str | None:
    """Add the line `key: value` at the end of a block mapping whose last key and value sit on
    one line, or (value None) remove such a line; None when the text is not like that. The
    result is checked by reading it back: the data must be the old data with that one change."""
    if not path or not isinstance(path[-1], str) or (value is not None
                                                       and _plain_value(value) is None):
        return None
    bom, body, root = _split_bom(text)
    if root is None:
        return None
    parent = locate(root, path[:-1])
    if not isinstance(parent, yaml.MappingNode) or parent.flow_style or not parent.value \
            or not simple_tree(root):
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
    expected = fast_data_or_none(body)
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
        got = fast_data_or_none(candidate)
        if got == expected and (value is None or _same(_data_at(got, path), value)):
            return bom + candidate
    return None


def fast_data_or_none(text: str) -> Any:
    """The plain data of `text` read by the C parser, or None when it does not parse."""
    try:
        return yaml.load(text, Loader=Loader)
    except yaml.YAMLError:
        return None


def _data_at(data: Any, path: NamedPath) -> Any:
    """The plain value at `path` (a Named step picks the item of that name), or None."""
    for part in path:
        if isinstance(part, Named):
            data = next((i for i in data if isinstance(i, dict) and i.get("name") == part.name),
                        None) if isinstance(data, list) else None
        elif isinstance(data, dict) and isinstance(part, str):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


def fast_set_many(text: str, paths: Sequence[NamedPath],
                   value: Any) -> str | None:
    """`text` with the scalars at `paths` replaced in place by `value`, or None."""
    value = _plain_value(value)
    if value is None or not paths:
        return None
    bom, body, root = _split_bom(text)
    if root is None:
        return None
    nodes: dict[int, yaml.Node] = {}
    for path in paths:
        node = locate(root, path)
        if node is None:
            return None
        nodes[id(node)] = node
    if not simple_tree(root):
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


def _split_bom(text: str) -> tuple[str, str, yaml.Node | None]:
    """(byte order mark or "", the text after it, its composed root or None)."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom):]
    return bom, body, compose_fast(body)


def compose_fast(body: str) -> yaml.Node | None:
    """The node tree of a one-document text, read by the C parser (None if it is not one)."""
    try:
        return yaml.compose(body, Loader=Loader)
    except yaml.YAMLError:
        return None


_UNREADABLE = object()


def _scalar_value(node: yaml.Node) -> Any:
    """What the safe loader makes of a scalar node (_UNREADABLE when it cannot)."""
    try:
        return yaml.constructor.SafeConstructor().construct_object(node)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError):
        return _UNREADABLE


def simple_tree(root: yaml.Node) -> bool:
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


def locate(root: yaml.Node, path: NamedPath) -> yaml.Node | None:
    """The node at `path`, or None."""
    node: yaml.Node | None = root
    for part in path:
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            for key, value in node.value:
                if key.tag == _STR_TAG and key.value == part:
                    node = value
                    break
            else:
                return None
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, Named):
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
    new = compose_fast(candidate)
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


def fast_data(text: str) -> Any:
    """The plain data of `text` (read by the C parser), or the round trip's error."""
    data = fast_data_or_none(text)
    return data if isinstance(data, dict) else roundtrip.load(text)[1]



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
