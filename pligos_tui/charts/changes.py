"""What a change does to the Kubernetes objects of rendered charts.

`parse_objects` reads a rendered manifest stream (what `helm template` prints) into objects
keyed by their identity, an `ObjectKey` (apiVersion, kind, namespace, name). `diff_objects`
compares two such sets object by object and field by field: an object of one key that is
gone is removed, one of a new key is added (a ConfigMap `x` never turns into a PVC `x`), and
an object on both sides that differs lists its `FieldChange`s. `fleet_groups` folds the
changes of many charts into groups that read as one sentence each ("Ingress removed,
HTTPRoute added"), so that a change of a flavor used by hundreds of services is read once.

How fields are compared: mappings key by key; a list of scalars (args, command) changes as one
value; a list of mappings whose items all carry a unique `name` on both sides is matched by
name (containers, env, ports), and any other list of mappings position by position. Values
are compared with `==` before anything else, so equal objects cost next to nothing.

Pure: no helm, no files, no printing.
"""

from __future__ import annotations

import base64
import datetime
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

import yaml

from pligos_tui.errors import ManifestError

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# The order in which helm installs kinds; other kinds come after these, by kind.
INSTALL_ORDER: tuple[str, ...] = (
    "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy",
    "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList", "ConfigMap",
    "StorageClass", "PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition",
    "ClusterRole", "ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role",
    "RoleList", "RoleBinding", "RoleBindingList", "Service", "DaemonSet", "Pod",
    "ReplicationController", "ReplicaSet", "Deployment", "HorizontalPodAutoscaler",
    "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService",
)
_RANK = {kind: i for i, kind in enumerate(INSTALL_ORDER)}


def kind_order(kind: str) -> tuple[int, str]:
    """Sort key of a kind: helm's install order, then every other kind by its name."""
    return (_RANK.get(kind, len(INSTALL_ORDER)), kind)


class ObjectKey(NamedTuple):
    """The identity of a Kubernetes object; namespace is "" when the manifest has none."""

    api_version: str
    kind: str
    namespace: str
    name: str

    def label(self) -> str:
        """"Deployment shop/checkout", or "ClusterRole x" without a namespace."""
        return f"{self.kind} {self.namespace}/{self.name}" if self.namespace \
            else f"{self.kind} {self.name}"


class _Missing:
    """The type of MISSING."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()  # "no value here": the old value of a field set, the new of one removed


class Item(str):
    """A step of a field path that is a list item matched by its `name` (a container, an env
    variable): shown `[name]`, where a mapping key with the same text is shown `.name`."""

    __slots__ = ()


Path = tuple[str | int, ...]
Verb = Literal["set", "removed", "changed"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*\Z")


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _shown_step(step: str | int, first: bool) -> str:
    if isinstance(step, int):
        return f"[{step}]"
    if isinstance(step, Item):
        plain = _PLAIN_NAME.match(step) and not step.isdigit()
        return f"[{step}]" if plain else f"[{_quoted(step)}]"
    if _IDENTIFIER.match(step):
        return step if first else f".{step}"
    return f"[{_quoted(step)}]"


def format_field_path(path: Path, *, pattern: bool = False) -> str:
    """spec.template.spec.containers[app].env[LOG_LEVEL].value; keys that are not plain
    identifiers in brackets and quotes (metadata.annotations["checksum/config"]); `pattern`
    writes every list item (by name or position) as [*]."""
    out = []
    for i, step in enumerate(path):
        if pattern and isinstance(step, (int, Item)):
            out.append("[*]")
        else:
            out.append(_shown_step(step, i == 0))
    return "".join(out)


@dataclass(frozen=True)
class FieldChange:
    """One field of an object that a change sets, removes or changes.

    `path` holds mapping keys (str), list positions (int) and list items matched by name
    (`Item`, a str)."""

    path: Path
    old: Any  # MISSING when the change sets the field
    new: Any  # MISSING when the change removes it

    @property
    def verb(self) -> Verb:
        if self.old is MISSING:
            return "set"
        if self.new is MISSING:
            return "removed"
        return "changed"

    @property
    def shown(self) -> str:
        return format_field_path(self.path)

    @property
    def pattern(self) -> str:
        return format_field_path(self.path, pattern=True)

    def to_json(self) -> dict[str, Any]:
        """The change as plain data for --json output: path, pattern, verb, and the values
        there are (old is left out for a field set, new for one removed)."""
        out: dict[str, Any] = {"path": self.shown, "pattern": self.pattern, "verb": self.verb}
        if self.old is not MISSING:
            out["old"] = _plain(self.old)
        if self.new is not MISSING:
            out["new"] = _plain(self.new)
        return out


Change = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class ObjectChange:
    """What a change does to one object; `fields` is () for an object added or removed."""

    key: ObjectKey
    change: Change
    fields: tuple[FieldChange, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"apiVersion": self.key.api_version, "kind": self.key.kind,
                "namespace": self.key.namespace, "name": self.key.name,
                "change": self.change, "fields": [f.to_json() for f in self.fields]}


def _plain(value: Any) -> Any:
    """A loaded YAML value as JSON can hold it (timestamps as ISO text, binary as base64,
    keys as text, non-finite numbers as text)."""
    if isinstance(value, dict):
        return {_key_text(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def _key_text(key: Any) -> str:
    """A mapping key as a path step: YAML keys may load as numbers, booleans or null."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    return "null" if key is None else str(key)


# --- reading a stream ---------------------------------------------------------------------

Objects = dict[ObjectKey, dict[str, Any]]
# where an object was read: the first line of its text in the stream (0-based), the text, and
# the index of its document in that text
_At = tuple[int, str, int]


def parse_objects(stream: str, *, label: str = "") -> Objects:
    """The objects of a rendered manifest stream by key, in stream order. The items of a
    `kind: List` are objects; documents that are empty or have no kind are skipped.

    `label` names the stream in messages ("context 'prod' of shop/pligos.yaml"). Text that
    is not YAML, or an object that appears twice: ManifestError."""
    return _read(stream, [(0, stream)], _what(label))[0]


def diff_streams(old: str, new: str, *, match_namespace: bool = True, label: str = ""
                 ) -> list[ObjectChange]:
    """diff_objects of two rendered streams, reading only the documents whose text differs
    (a document printed alike on both sides is the same object): a change that touches one
    template of a chart reads one document per side, not the whole chart. The same errors as
    parse_objects, from either side (parse each side alone to learn which)."""
    old_docs, new_docs = _documents(old), _documents(new)
    if not match_namespace or old_docs is None or new_docs is None:
        return diff_objects(parse_objects(old, label=label), parse_objects(new, label=label),
                            match_namespace=match_namespace)
    old_count = Counter(text for _, text in old_docs)
    new_count = Counter(text for _, text in new_docs)
    same = {text for text, n in old_count.items() if n == 1 and new_count[text] == 1}
    what = _what(label)
    return diff_objects(_read_changed(old, old_docs, same, what),
                        _read_changed(new, new_docs, same, what))


def _what(label: str) -> str:
    return f"the manifests of {label}" if label else "the rendered manifests"


_SEPARATOR = re.compile(r"^---(?=[ \t\r]|$)", re.M)
_UNSPLIT = re.compile(r"^(\.\.\.|%)", re.M)  # document ends and directives: read whole


def _documents(stream: str) -> list[tuple[int, str]] | None:
    """The stream's documents as text, each with its first line: split at each `---` in
    the first column, which YAML never reads as anything but a new document."""
    if _UNSPLIT.search(stream):
        return None
    starts = [m.start() for m in _SEPARATOR.finditer(stream)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    out, line = [], 0
    for start, end in zip(starts, [*starts[1:], len(stream)]):
        text = stream[start:end]
        out.append((line, text))
        line += text.count("\n")
    return out


def _read_changed(stream: str, docs: list[tuple[int, str]], same: set[str], what: str
                  ) -> Objects:
    objects, at = _read(stream, [d for d in docs if d[1] not in same], what)
    left = [d for d in docs if d[1] in same]
    for key in objects:  # an object left as it was may be one a changed document adds
        kind = re.compile(rf"kind[\"']?\s*:\s*[\"']?{re.escape(key.kind)}(?![\w.-])")
        for doc in left:
            if key.name in doc[1] and kind.search(doc[1]):
                there = _read(stream, [doc], what)[1].get(key)
                if there is not None:
                    raise _duplicate(stream, what, key, at[key], there)
    return objects


def _read(stream: str, docs: list[tuple[int, str]], what: str
          ) -> tuple[Objects, dict[ObjectKey, _At]]:
    objects: Objects = {}
    at: dict[ObjectKey, _At] = {}
    for first, text in docs:
        try:
            loaded = list(yaml.load_all(text, Loader=_LOADER))
        except yaml.YAMLError as exc:
            raise _not_yaml(stream, what, exc, first) from None
        for index, doc in enumerate(loaded):
            for obj in _objects_of(doc):
                key = _key_of(obj)
                if key in objects:
                    raise _duplicate(stream, what, key, at[key], (first, text, index))
                objects[key] = obj
                at[key] = (first, text, index)
    return objects, at


def _objects_of(doc: Any) -> Iterator[dict[str, Any]]:
    if not isinstance(doc, dict) or not doc.get("kind"):
        return
    if doc["kind"] == "List" and isinstance(doc.get("items"), list):
        for item in doc["items"]:
            yield from _objects_of(item)
    else:
        yield doc


def _key_of(obj: dict[str, Any]) -> ObjectKey:
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        meta = {}
    name = meta.get("name") or meta.get("generateName") or ""
    return ObjectKey(str(obj.get("apiVersion") or ""), str(obj["kind"]),
                     str(meta.get("namespace") or ""), str(name))


_SOURCE = re.compile(r"#\s*Source:\s*(.+?)\s*\Z")


def _where(lines: list[str], line: int) -> str:
    """"line 12, from shop/templates/deployment.yaml": a line of the stream (given 0-based)
    and the `# Source:` comment of its document, if it has one."""
    for text in reversed(lines[:line + 1]):
        m = _SOURCE.match(text)
        if m:
            return f"line {line + 1}, from {m.group(1)}"
        if text.startswith("---"):
            break
    return f"line {line + 1}"


def _line_of(at: _At) -> int:
    first, text, index = at
    node = list(yaml.compose_all(text, Loader=_LOADER))[index]
    return first + (node.start_mark.line if node is not None else 0)


def _duplicate(stream: str, what: str, key: ObjectKey, one: _At, other: _At
               ) -> ManifestError:
    lines = stream.splitlines()
    where = "; ".join(_where(lines, line) for line in sorted((_line_of(one), _line_of(other))))
    return ManifestError(
        f"{what} hold {key.label()} ({key.api_version}) twice ({where})",
        hint="two templates render the same object (apiVersion, kind, namespace and name): "
             "give one another name, or render it under a condition")


def _not_yaml(stream: str, what: str, exc: yaml.YAMLError, first: int) -> ManifestError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    at = f" at {_where(stream.splitlines(), first + mark.line)}" if mark is not None else ""
    return ManifestError(
        f"{what} are not YAML: {problem}{at}",
        hint="a template prints text that is not YAML there (`helm template` shows it); "
             "quote values with `| quote` and indent blocks with `nindent`")


# --- comparing objects --------------------------------------------------------------------

def diff_objects(old: Objects, new: Objects, *, match_namespace: bool = True) -> list[ObjectChange]:
    """What turns `old` into `new`, object by object, by kind (helm's install order) then
    name. With `match_namespace=False` objects are matched whatever their namespace (two
    contexts deployed to different namespaces), and metadata.namespace is not compared."""
    if match_namespace:
        pairs = [(key, key) for key in old if key in new]
        gone = [key for key in old if key not in new]
        came = [key for key in new if key not in old]
    else:
        pairs, gone, came = _match_across_namespaces(old, new)
    changes: list[ObjectChange] = [ObjectChange(key, "removed") for key in gone]
    changes += [ObjectChange(key, "added") for key in came]
    for old_key, new_key in pairs:
        before, after = old[old_key], new[new_key]
        if before == after:
            continue
        if old_key.namespace != new_key.namespace:
            before, after = _without_namespace(before), _without_namespace(after)
            if before == after:
                continue
        fields: list[FieldChange] = []
        _diff(before, after, (), fields)
        changes.append(ObjectChange(new_key, "changed", tuple(fields)))
    changes.sort(key=_change_order)
    return changes


_CHANGE_RANK = {"removed": 0, "changed": 1, "added": 2}


def _change_order(change: ObjectChange) -> tuple[Any, ...]:
    key = change.key
    return (kind_order(key.kind), key.name, key.namespace, _CHANGE_RANK[change.change],
            key.api_version)


def _match_across_namespaces(old: dict[ObjectKey, Any], new: dict[ObjectKey, Any]
                             ) -> tuple[list[tuple[ObjectKey, ObjectKey]], list[ObjectKey],
                                        list[ObjectKey]]:
    """Pairs matched on (apiVersion, kind, name); where one side holds that more than once
    (in several namespaces), those are matched with their namespace."""
    def loose(keys: Iterable[ObjectKey]) -> dict[ObjectKey, list[ObjectKey]]:
        out: dict[ObjectKey, list[ObjectKey]] = {}
        for key in keys:
            out.setdefault(key._replace(namespace=""), []).append(key)
        return out

    old_by, new_by = loose(old), loose(new)
    pairs: list[tuple[ObjectKey, ObjectKey]] = []
    gone: list[ObjectKey] = []
    came: list[ObjectKey] = []
    for common in {**old_by, **new_by}:
        olds, news = old_by.get(common, []), new_by.get(common, [])
        if len(olds) == 1 and len(news) == 1:
            pairs.append((olds[0], news[0]))
            continue
        pairs += [(key, key) for key in olds if key in new]
        gone += [key for key in olds if key not in new]
        came += [key for key in news if key not in old]
    return pairs, gone, came


def _without_namespace(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or "namespace" not in meta:
        return obj
    return {**obj, "metadata": {k: v for k, v in meta.items() if k != "namespace"}}


def _diff(old: Any, new: Any, path: Path, out: list[FieldChange]) -> None:
    if old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key, value in old.items():
            step = _key_text(key)
            if key in new:
                _diff(value, new[key], (*path, step), out)
            else:
                out.append(FieldChange((*path, step), value, MISSING))
        for key, value in new.items():
            if key not in old:
                out.append(FieldChange((*path, _key_text(key)), MISSING, value))
        return
    if isinstance(old, list) and isinstance(new, list) \
            and all(isinstance(item, dict) for item in old) \
            and all(isinstance(item, dict) for item in new):
        old_names, new_names = _names(old), _names(new)
        if old_names is not None and new_names is not None:
            if _same_relative_order(old_names, new_names):
                _diff_named(old, new, old_names, new_names, path, out)
                return
        else:
            _diff_positions(old, new, path, out)
            return
    out.append(FieldChange(path, old, new))


def _names(items: list[dict[str, Any]]) -> list[str] | None:
    """The items' names when each has a non-empty text `name` and no two share one."""
    names = [item.get("name") for item in items]
    if not all(isinstance(n, str) and n for n in names) or len(set(names)) != len(names):
        return None
    return names  # type: ignore[return-value]  # (all text, checked above)


def _same_relative_order(old: list[str], new: list[str]) -> bool:
    """Whether the names on both sides come in the same order (a reordered env list changes
    what `$(VAR)` expands to, so it is shown as the whole list changed)."""
    both = set(old) & set(new)
    return [n for n in old if n in both] == [n for n in new if n in both]


def _diff_named(old: list[dict[str, Any]], new: list[dict[str, Any]], old_names: list[str],
                new_names: list[str], path: Path, out: list[FieldChange]) -> None:
    after = dict(zip(new_names, new))
    for name, item in zip(old_names, old):
        if name in after:
            _diff(item, after[name], (*path, Item(name)), out)
        else:
            out.append(FieldChange((*path, Item(name)), item, MISSING))
    before = set(old_names)
    for name, item in zip(new_names, new):
        if name not in before:
            out.append(FieldChange((*path, Item(name)), MISSING, item))


def _diff_positions(old: list[Any], new: list[Any], path: Path, out: list[FieldChange]
                    ) -> None:
    for i in range(max(len(old), len(new))):
        if i >= len(new):
            out.append(FieldChange((*path, i), old[i], MISSING))
        elif i >= len(old):
            out.append(FieldChange((*path, i), MISSING, new[i]))
        else:
            _diff(old[i], new[i], (*path, i), out)


# --- many charts --------------------------------------------------------------------------

@dataclass(frozen=True)
class ChartChanges:
    """What a change does to the objects of one chart: a context of a service."""

    service: str
    context: str
    changes: tuple[ObjectChange, ...]


@dataclass(frozen=True)
class Group:
    """Charts that a change affects alike, and the sentence that says how."""

    label: str  # "Ingress removed, HTTPRoute added" or "Deployment spec.replicas changed"
    charts: tuple[tuple[str, str], ...]  # (service, context), sorted

    @property
    def services(self) -> int:
        """How many services these charts belong to."""
        return len({service for service, _ in self.charts})

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "services": self.services,
                "charts": [{"service": s, "context": c} for s, c in self.charts]}


def objects_label(kinds: Iterable[tuple[str, str]]) -> str:
    """"Ingress removed, HTTPRoute added": each (kind, "removed" | "added") once, removed
    first, kinds in install order."""
    order = {"removed": 0, "added": 1}
    pairs = sorted(set(kinds), key=lambda p: (order[p[1]], kind_order(p[0])))
    return ", ".join(f"{kind} {change}" for kind, change in pairs)


def fleet_groups(charts: list[ChartChanges]) -> list[Group]:
    """The changes of many charts in groups: one per distinct set of kinds a chart adds and
    removes ("Ingress removed, HTTPRoute added"), one per kind, field pattern and verb of
    the fields changed ("Deployment spec.template.spec.containers[*].image changed"). A chart
    counts once per group; groups with the most charts first, then by label."""
    members: dict[str, set[tuple[str, str]]] = {}
    for chart in charts:
        at = (chart.service, chart.context)
        kinds = {(c.key.kind, c.change) for c in chart.changes if c.change != "changed"}
        if kinds:
            members.setdefault(objects_label(kinds), set()).add(at)
        for change in chart.changes:
            for f in change.fields:
                members.setdefault(f"{change.key.kind} {f.pattern} {f.verb}", set()).add(at)
    groups = [Group(label, tuple(sorted(at))) for label, at in members.items()]
    groups.sort(key=lambda g: (-len(g.charts), g.label))
    return groups
