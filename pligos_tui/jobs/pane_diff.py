"""What differs between the panes of a preview, line by line: the core of its highlighting,
its next/previous-difference keys and its panes scrolling together.

`compare(texts, mode)` reads the text of each pane and gives a `PaneDiff`: the lines of each
pane that belong to something that differs between the panes, and the ordered list of those
differences to jump through. How texts are compared depends on the mode:

- manifests (rendered manifest streams): object by object, with the engine of `pligos plan`
  and `pligos diff` (`charts.changes.diff_objects`): objects are matched across panes by kind
  and name, whatever their namespace (contexts deploy to different namespaces), and an object
  that differs marks the lines of each field that differs; an object missing from a pane is
  marked whole in the panes that have it.
- values (a chart's values.yaml): key by key, with the same engine over the whole document.
- anything else (the file list): line by line, a line being marked when some pane lacks it.

A field that differs in any pair of panes is marked in every pane that has it, so the same
field is lit in all panes. `PaneDiff.align` maps a line of one pane to the line of the same
object and field in another (how the panes scroll together), and `PaneDiff.path_at` gives
the key path under a line (what the editor shows the origin of). A pane whose text is None
(an error) or does not read as YAML takes no part and has no marks.

Pure: no Textual, no helm, no files.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from pligos_tui.charts.changes import (
    FieldChange,
    Item,
    ObjectKey,
    diff_objects,
    format_field_path,
)
from pligos_tui.io.keypath import KeyPath
from pligos_tui.spec.vocabulary import MANIFESTS, VALUES

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Span = tuple[int, int]  # lines [start, end) of a pane, 0-based
Step = str | int  # a mapping key, a list position, or an `Item` (a list item by its name)
Ident = tuple[str, str]  # (kind, name) of an object; ("", "") for the values document

_VALUES_IDENT: Ident = ("", "")


@dataclass(frozen=True)
class Difference:
    """One thing that differs between the panes: a field of an object (or of the values), or
    an object that some pane lacks (`field` ""), or a run of lines (files).

    `lines[i]` is where it sits in pane i, None when pane i does not have it; `near[i]` the
    line to show for it in pane i (its start, or where it would be: the nearest enclosing
    field or object that pane has; None when the pane has nothing near)."""

    label: str
    object: str = ""
    field: str = ""
    lines: tuple[Span | None, ...] = ()
    near: tuple[int | None, ...] = ()


@dataclass
class _Object:
    ident: Ident
    key: ObjectKey
    node: yaml.Node  # its YAML node, with the lines of everything in it
    start: int
    end: int  # exclusive
    data: Any


@dataclass
class Layout:
    """Where things are in one pane's text: its objects (or the values document), each with
    its YAML node, from which the lines of a field are found when asked for."""

    objects: list[_Object]
    by_ident: dict[Ident, _Object]

    def _walk(self, ident: Ident, path: Sequence[Step]) -> tuple[int, int, bool] | None:
        """(first line, end line) of the deepest part of `path` the object has, and whether
        that is all of it."""
        obj = self.by_ident.get(ident)
        if obj is None:
            return None
        node, start, end = obj.node, obj.start, obj.end
        for step in path:
            found = _child(node, step)
            if found is None:
                return start, end, False
            node, start = found
            end = max(_last_line(node), start) + 1
        return start, end, True

    def locate(self, ident: Ident, path: Sequence[Step]) -> Span | None:
        """The lines of the field at `path` of the object, None when it has no such field."""
        found = self._walk(ident, path)
        return (found[0], found[1]) if found is not None and found[2] else None

    def nearest(self, ident: Ident, path: Sequence[Step]) -> int | None:
        """The first line of the deepest part of `path` this pane has (its object at least)."""
        found = self._walk(ident, path)
        return found[0] if found is not None else None

    def at(self, line: int) -> tuple[Ident, tuple[Step, ...], int] | None:
        """The object, the deepest field path holding `line` (list items by position), and
        how far below that field's first line it is; None outside every object."""
        obj = next((o for o in self.objects if o.start <= line < o.end), None)
        if obj is None:
            return None
        node, start, path = obj.node, obj.start, list[Step]()
        while True:
            inner = next(((step, child, first) for step, child, first in _children(node)
                          if first <= line <= max(_last_line(child), first)), None)
            if inner is None:
                return obj.ident, tuple(path), line - start
            path.append(inner[0])
            node, start = inner[1], inner[2]


@dataclass(frozen=True)
class PaneDiff:
    """The differences between the panes' texts; see the module's docstring."""

    mode: str
    marked: tuple[frozenset[int], ...]
    differences: tuple[Difference, ...]
    layouts: tuple[Layout | None, ...] = ()

    def align(self, source: int, line: int, target: int) -> int | None:
        """The line of pane `target` showing what `line` of pane `source` shows: the same
        field of the same object (manifests, values), else the same line number (files, or
        a pane that could not be read). None when `target` lacks that object."""
        if source == target:
            return line
        layouts = self.layouts
        a = layouts[source] if source < len(layouts) else None
        b = layouts[target] if target < len(layouts) else None
        if a is None or b is None:
            return line
        found = a.at(line)
        if found is None:
            return _between_objects(a, b, line)
        ident, path, offset = found
        exact = b.locate(ident, path)
        if exact is not None:
            return min(exact[0] + offset, exact[1] - 1)
        return b.nearest(ident, path)

    def path_at(self, pane: int, line: int) -> KeyPath | None:
        """The key path of the value on `line` of pane `pane` (values: list items by their
        position, as `jobs.explain` gives them); None off every key."""
        layout = self.layouts[pane] if pane < len(self.layouts) else None
        found = layout.at(line) if layout is not None else None
        if found is None:
            return None
        return found[1]

    def first_marked(self, pane: int) -> int | None:
        marked = self.marked[pane] if pane < len(self.marked) else frozenset()
        return min(marked) if marked else None


EMPTY = PaneDiff("", (), ())


def read(text: str | None, mode: str = MANIFESTS) -> Layout | None:
    """Where things are in one pane's text (None: nothing to compare in this mode, or text
    that does not read). `compare` takes these, so a pane can be read as soon as it lands."""
    if text is None or mode not in (MANIFESTS, VALUES):
        return None
    return _layout(text, manifests=mode == MANIFESTS)


def compare(texts: Sequence[str | None], mode: str = MANIFESTS,
            layouts: Sequence[Layout | None] | None = None) -> PaneDiff:
    """The differences between the panes' `texts` in `mode` (see the module's docstring).
    Texts that are None, or that do not read, take no part (their panes have no marks).
    `layouts`: each text already `read` (in `mode`), to spare reading it again."""
    if mode in (MANIFESTS, VALUES):
        if layouts is None:
            layouts = [read(t, mode) for t in texts]
        return _compare_structured(mode, [lay if t is not None else None
                                          for t, lay in zip(texts, layouts)])
    return _compare_lines(mode, texts)


def next_difference(differences: Sequence[Difference], pane: int, cursor: int,
                    last: int | None, step: int) -> int:
    """The index of the difference to go to from line `cursor` of pane `pane`: after (`step`
    1) or before (-1) it; from `last`, the one gone to before, when the cursor is still on it
    (or that pane lacks it). Wraps around. Needs differences."""
    at = [(d.near[pane] if pane < len(d.near) else None) for d in differences]
    if last is not None and last < len(differences) and at[last] in (cursor, None):
        return (last + step) % len(differences)
    lines = [(i, line) for i, line in enumerate(at) if line is not None]
    if step > 0:
        return next((i for i, line in lines if line > cursor), 0)
    return next((i for i, line in reversed(lines) if line < cursor), len(differences) - 1)


# --- reading a pane ----------------------------------------------------------------------

def _layout(text: str, *, manifests: bool) -> Layout | None:
    loader = _LOADER(text)
    objects: list[_Object] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            data = loader.construct_document(node)
            if manifests:
                objects.extend(_objects_of(node, data))
            elif isinstance(data, dict):
                objects.append(_object(_VALUES_IDENT, ObjectKey("v1", "Values", "", ""),
                                       node, data))
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    if manifests and not objects and text.strip():
        return None  # text of no object at all (a note, a message): nothing to compare
    by_ident: dict[Ident, _Object] = {}
    for obj in objects:
        ident = obj.ident
        n = 1
        while ident in by_ident:  # the same kind and name twice (two namespaces)
            n += 1
            ident = (obj.ident[0], f"{obj.ident[1]}#{n}")
        obj.ident = ident
        by_ident[ident] = obj
    return Layout(objects, by_ident)


def _objects_of(node: yaml.Node, data: Any) -> Iterator[_Object]:
    if not isinstance(data, dict) or not data.get("kind"):
        return
    if data["kind"] == "List" and isinstance(data.get("items"), list) \
            and isinstance(node, yaml.MappingNode):
        items = next((v for k, v in node.value if getattr(k, "value", None) == "items"), None)
        if isinstance(items, yaml.SequenceNode):
            for item_node, item in zip(items.value, data["items"]):
                yield from _objects_of(item_node, item)
        return
    meta: dict[str, Any] = data["metadata"] if isinstance(data.get("metadata"), dict) else {}
    name = str(meta.get("name") or meta.get("generateName") or "")
    kind = str(data["kind"])
    key = ObjectKey(str(data.get("apiVersion") or ""), kind, str(meta.get("namespace") or ""),
                    name)
    yield _object((kind, name), key, node, data)


def _object(ident: Ident, key: ObjectKey, node: yaml.Node, data: Any) -> _Object:
    start = node.start_mark.line
    return _Object(ident, key, node, start, max(_last_line(node), start) + 1, data)


def _last_line(node: yaml.Node) -> int:
    """The last line (0-based) that holds some of `node`'s text."""
    if isinstance(node, yaml.ScalarNode):
        end = node.end_mark
        if end.column == 0 and end.line > node.start_mark.line:
            return end.line - 1  # a block scalar ends at the start of the next line
        return end.line
    if getattr(node, "flow_style", False) or not node.value:
        return node.end_mark.line
    last = node.value[-1]
    return _last_line(last[1] if isinstance(node, yaml.MappingNode) else last)


def _children(node: yaml.Node) -> Iterator[tuple[Step, yaml.Node, int]]:
    """Each field of a mapping (by key) or item of a list (by position), with its first
    line (a field's is its key's)."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value in node.value:
            step = _step_of_key(key_node)
            if step is not None:
                yield step, value, key_node.start_mark.line
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield i, item, item.start_mark.line


def _child(node: yaml.Node, step: Step) -> tuple[yaml.Node, int] | None:
    """The part of `node` at `step` and its first line: a key of a mapping, a position in a
    list, or a list item by its name (`Item`)."""
    if isinstance(node, yaml.SequenceNode):
        if isinstance(step, Item):
            item = next((i for i in node.value if _name_of(i) == step), None)
        else:
            item = node.value[step] if isinstance(step, int) and 0 <= step < len(node.value) \
                else None
        return (item, item.start_mark.line) if item is not None else None
    if isinstance(node, yaml.MappingNode) and isinstance(step, str) \
            and not isinstance(step, Item):
        return next(((v, k.start_mark.line) for k, v in node.value
                     if _step_of_key(k) == step), None)
    return None


def _step_of_key(key_node: yaml.Node) -> str | None:
    if not isinstance(key_node, yaml.ScalarNode):
        return None
    value = key_node.value
    if key_node.tag.endswith(":null") and value in ("", "~", "null", "Null", "NULL"):
        return "null"
    if key_node.tag.endswith(":bool"):
        return "true" if value.lower() in ("true", "yes", "on") else "false"
    return str(value)


def _name_of(item: yaml.Node) -> str:
    if isinstance(item, yaml.MappingNode):
        for key_node, value in item.value:
            if getattr(key_node, "value", None) == "name" and isinstance(value, yaml.ScalarNode):
                return str(value.value)
    return ""


def _between_objects(a: Layout, b: Layout, line: int) -> int | None:
    """A line outside every object of `a` (a separator, a `# Source:` comment): the same
    distance above the start of the next object, in `b`."""
    for obj in a.objects:
        if obj.start > line:
            there = b.by_ident.get(obj.ident)
            return max(0, there.start - (obj.start - line)) if there else None
    return None


# --- comparing ---------------------------------------------------------------------------

def _fields(old: _Object, new: _Object) -> list[FieldChange]:
    """What differs between one object in two panes (namespaces aside), field by field."""
    a = ObjectKey("", old.ident[0], old.key.namespace, old.ident[1])
    b = ObjectKey("", new.ident[0], new.key.namespace, new.ident[1])
    changes = diff_objects({a: old.data}, {b: new.data}, match_namespace=False)
    return [f for change in changes for f in change.fields]


def _compare_structured(mode: str, layouts: list[Layout | None]) -> PaneDiff:
    live = [i for i, layout in enumerate(layouts) if layout is not None]
    n = len(layouts)
    marked: list[set[int]] = [set() for _ in range(n)]
    differences: list[Difference] = []
    if len(live) < 2:
        return PaneDiff(mode, tuple(frozenset(m) for m in marked), (), tuple(layouts))
    idents: list[Ident] = []
    seen: set[Ident] = set()
    for i in live:
        for obj in layouts[i].objects:  # type: ignore[union-attr]
            if obj.ident not in seen:
                seen.add(obj.ident)
                idents.append(obj.ident)
    for ident in idents:
        having = [i for i in live if ident in layouts[i].by_ident]  # type: ignore[union-attr]
        objs = {i: layouts[i].by_ident[ident] for i in having}  # type: ignore[union-attr]
        label = ObjectKey("", ident[0], "", ident[1]).label() if mode == MANIFESTS else ""
        if len(having) < len(live):  # not in every pane: the whole object differs
            spans = tuple((objs[i].start, objs[i].end) if i in objs else None
                          for i in range(n))
            for i, span in enumerate(spans):
                if span is not None:
                    marked[i].update(range(*span))
            differences.append(Difference(label, label, "", spans,
                                          tuple(s[0] if s else None for s in spans)))
            continue
        ref = objs[having[0]]
        paths: list[tuple[Step, ...]] = []
        for i in having[1:]:
            for change in _fields(ref, objs[i]):
                if change.path not in paths:
                    paths.append(change.path)
        paths = [p for p in paths if not any(q != p and p[:len(q)] == q for q in paths)]
        found = []
        for path in paths:
            spans = tuple(layouts[i].locate(ident, path) if i in objs else None  # type: ignore[union-attr]
                          for i in range(n))
            near = tuple(layouts[i].nearest(ident, path) if i in objs else None  # type: ignore[union-attr]
                         for i in range(n))
            for i, span in enumerate(spans):
                if span is not None:
                    marked[i].update(range(*span))
            shown = format_field_path(path)
            first = next((s[0] for s in spans if s is not None), 0)
            found.append((first, Difference(f"{label} {shown}".strip(), label, shown, spans,
                                            near)))
        found.sort(key=lambda d: d[0])
        differences.extend(d for _, d in found)
    return PaneDiff(mode, tuple(frozenset(m) for m in marked), tuple(differences),
                    tuple(layouts))


def _compare_lines(mode: str, texts: Sequence[str | None]) -> PaneDiff:
    lines = [t.splitlines() if t is not None else None for t in texts]
    live = [ls for ls in lines if ls is not None]
    n = len(texts)
    if len(live) < 2:
        return PaneDiff(mode, tuple(frozenset() for _ in range(n)), ())
    common = set(live[0]).intersection(*live[1:])
    marked = [frozenset(i for i, line in enumerate(ls) if line not in common)
              if ls is not None else frozenset() for ls in lines]
    rows = sorted(set().union(*marked))
    differences = []
    for start, end in _runs(rows):
        spans = tuple(
            (start, min(end, len(ls))) if ls is not None and start < len(ls)
            and any(r in marked[i] for r in range(start, min(end, len(ls)))) else None
            for i, ls in enumerate(lines))
        label = next((lines[i][s[0]] for i, s in enumerate(spans)  # type: ignore[index]
                      if s is not None), "")
        differences.append(Difference(label.strip(), "", "", spans,
                                      tuple(s[0] if s else None for s in spans)))
    return PaneDiff(mode, tuple(marked), tuple(differences))


def _runs(rows: list[int]) -> Iterator[Span]:
    start = prev = None
    for row in rows:
        if start is None:
            start = prev = row
        elif row == prev + 1:  # type: ignore[operator]
            prev = row
        else:
            yield start, prev + 1  # type: ignore[operator]
            start = prev = row
    if start is not None:
        yield start, prev + 1  # type: ignore[operator]


__all__ = ["EMPTY", "Difference", "Layout", "PaneDiff", "Span", "compare", "next_difference",
           "read"]
