"""The YAML round trip: structural edits that keep comments, order, quoting and spacing.

Text is parsed with ruamel.yaml's round-trip loader and dumped with the indentation detected
in the file; lines that changed only in spacing are then taken back from the original byte
for byte. The helpers here move, add and remove keys and items of that data while keeping the
comments and blank lines that belong to them where they were.
"""

from __future__ import annotations

import difflib
import io
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedBase, CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.scalarstring import ScalarString
from ruamel.yaml.tokens import CommentToken

from pligos_tui.errors import PligosError
from pligos_tui.io.keypath import Named, PathPart, format_path


def detect_indent(text: str) -> tuple[int, int, int]:
    """The file's (mapping, sequence, offset) indentation, as ruamel.yaml's `indent()` takes it.

    `sequence` is the column of an item's content relative to its parent key, `offset` the
    column of the dash; the first block sequence under a key decides. Defaults: 2, 4, 2.
    """
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


def _yaml(text: str) -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096
    mapping, sequence, offset = detect_indent(text)
    y.indent(mapping=mapping, sequence=sequence, offset=offset)
    return y


def load(text: str) -> tuple[YAML, CommentedMap]:
    """The round-trip loader set up for `text` and the mapping it reads (a PligosError when
    the text is not one YAML mapping)."""
    y = _yaml(text)
    try:
        data = y.load(text.replace("\r\n", "\n"))  # ruamel.yaml loses blank lines of CRLF
    except YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise PligosError(f"pligos.yaml cannot be edited structurally: {problem}{where}",
                          hint="fix the file in the source view first") from None
    if not isinstance(data, CommentedMap):
        raise PligosError("pligos.yaml is not a mapping",
                          hint="the file starts with `pligos: 1` and `name: ...`")
    return y, data


def structurally_editable(text: str) -> bool:
    """Whether the functions below can work on `text` (it parses as one YAML mapping)."""
    try:
        load(text)
    except PligosError:
        return False
    return True


def dump(y: YAML, data: CommentedMap, original: str) -> str:

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
    (aligned values, spaces before comments) or in how it spells null (`key: null`, `key:`)
    taken back from `original`, byte for byte."""
    old, new = original.splitlines(keepends=True), out.splitlines(keepends=True)


    quoted = re.compile(r"(\"(?:[^\"\\]|\\.)*\"|'(?:[^']|'')*')")

    null = re.compile(r":\s+(?:null|Null|NULL|~)(?=\s|$)")

    def norm(line: str) -> str:  # spacing collapsed, except inside quotes; `key: null` = `key:`
        parts = quoted.split(line)
        return "".join(p if i % 2 else " ".join(null.sub(":", p).split())
                       + (" " if p[-1:].isspace() else "")
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


def find_named(items: list[Any], name: str, what: str) -> Any:
    for item in items:
        if hasattr(item, "get") and item.get("name") == name:
            return item
    raise PligosError(f"there is no {what} named {name!r}")


def like(old: Any, new: Any) -> Any:
    """`new` in the style of `old`: a quoted string stays quoted the same way."""
    if isinstance(old, ScalarString) and isinstance(new, str) and not isinstance(new, ScalarString):
        return type(old)(new)
    return new


def set_item(mapping: Any, key: PathPart, value: Any) -> None:
    """Set `mapping[key]` (a mapping key or a sequence index) in the round-trip data; None or
    [] removes it. Blank lines and comments after the old value stay where they were."""
    if isinstance(mapping, list) and isinstance(key, int) and key < 0:
        key += len(mapping)
    if value is None or value == []:
        if has(mapping, key):
            remove(mapping, key)
        return
    old = mapping[key] if has(mapping, key) else None
    value = styled(old, value)
    if not has(mapping, key):
        if isinstance(mapping, list):
            raise PligosError(f"there is no item {key!r} in that list")
        append_key(mapping, key, value)
    elif isinstance(old, (list, dict)) or isinstance(value, (list, dict)):
        tail = take_tail(mapping, key)
        mapping[key] = value
        give_tail(mapping, key, tail)
    else:
        mapping[key] = like(old, value)


def has(container: Any, key: PathPart) -> bool:
    if isinstance(container, list):
        return isinstance(key, int) and -len(container) <= key < len(container)
    return key in container


def styled(old: Any, value: Any) -> Any:
    """A list or mapping `value` as round-trip data: in flow style (`[a, b]`, `{k: v}`) unless
    it replaces one written in block style and is not empty."""
    if isinstance(value, (CommentedMap, CommentedSeq)) or not isinstance(value, (list, dict)):
        return value
    # (an empty one always: block style has no way to write it)
    flow = old is None or not value or (isinstance(old, (CommentedMap, CommentedSeq))
                                        and bool(old.fa.flow_style()))
    new: Any = (CommentedSeq([styled(None, v) for v in value]) if isinstance(value, list)
                else CommentedMap((k, styled(None, v)) for k, v in value.items()))
    if flow:
        new.fa.set_flow_style()
    else:
        new.fa.set_block_style()
    return new


def set_path(root: Any, path: tuple[PathPart | Named, ...], value: Any) -> None:
    """Set the value at `path` below `root` (round-trip data), creating missing mappings on
    the way; None removes it (and a missing path is then left alone)."""
    node = root
    for i, part in enumerate(path):
        last = i == len(path) - 1
        if isinstance(part, Named):
            if not isinstance(node, list):
                raise PligosError(f"{_shown(path[:i])} is not a list")
            item = find_named(node, part.name, part.what)
            part = next(j for j, x in enumerate(node) if x is item)
        if isinstance(node, list) and not (isinstance(part, int) and has(node, part)):
            raise PligosError(f"there is no item {part!r} in {_shown(path[:i])}")
        if not isinstance(node, (list, dict)):
            raise PligosError(f"{_shown(path[:i])} is not a mapping",
                              hint="fix it in the source view")
        if last:
            set_item(node, part, value)
            return
        child = node.get(part) if isinstance(node, dict) else node[int(part)]
        if child is None:
            if value is None or value == []:
                return
            child = CommentedMap()
            child.fa.set_flow_style()
            set_item(node, part, child)
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
    chain = [(container, key)]
    node = container[key]
    while isinstance(node, (CommentedMap, CommentedSeq)) and len(node) and \
            not node.fa.flow_style():
        last = _last_key(node)
        chain.append((node, last))
        node = node[last]
    return chain


def take_tail(container: Any, key: Any) -> str:
    """Remove and return the whole lines (blank or comment) after the value `container[key]`
    up to the next item; a comment on the value's own last line stays."""
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


def give_tail(container: Any, key: Any, tail: str) -> None:
    """Put `tail` (whole lines) after the value `container[key]`, in place of the blank lines
    already there (lines with a comment stay, before `tail`)."""
    if not tail or not isinstance(container, CommentedBase):
        return
    there = take_tail(container, key)
    if there.strip():
        tail = there + tail
    parent, k = _chain(container, key)[-1]
    token = _slot(parent, k)
    if isinstance(token, CommentToken) and token.value.endswith("\n"):
        token.value += tail
    else:
        _set_slot(parent, k, CommentToken("\n" + tail, CommentMark(0), None))


def append_key(mapping: Any, key: Any, value: Any) -> None:
    """Add `key` at the end of `mapping`, before the lines that followed its last value."""
    tail = take_tail(mapping, _last_key(mapping)) if len(mapping) else ""
    mapping[key] = value
    give_tail(mapping, key, tail)


def append_item(seq: Any, item: Any) -> None:
    """Append `item` to `seq`, before the lines that followed its last item."""
    tail = take_tail(seq, len(seq) - 1) if len(seq) else ""
    seq.append(item)
    give_tail(seq, len(seq) - 1, tail)


def insert_key(mapping: Any, pos: int, key: str, value: Any) -> None:
    """Insert `key` before the key at `pos` and before the comments leading up to that key;
    blank lines before those comments are repeated before the new key."""
    keys = list(mapping)
    tail = take_tail(mapping, keys[pos - 1]) if pos > 0 else ""
    mapping.insert(pos, key, value)
    if tail:
        lead = tail[:len(tail) - len(tail.lstrip("\n"))]
        give_tail(mapping, keys[pos - 1], lead)
        give_tail(mapping, key, tail)


def remove(container: Any, key: Any) -> None:
    """Remove `container[key]`; the lines that followed it stay, after the item before it."""
    keys = list(range(len(container))) if isinstance(container, list) else list(container)
    pos = keys.index(key)
    tail = take_tail(container, key)
    del container[key]
    if not isinstance(container, list) and isinstance(container, CommentedBase):
        container.ca.items.pop(key, None)
    if tail and pos > 0 and len(container):
        give_tail(container, keys[pos - 1], tail)


def _shown(path: tuple[PathPart | Named, ...]) -> str:
    return format_path(path) or "the file"
