"""What applies to each field of a context's form while the context writes nothing there,
and where that comes from: the editor shows it, greyed, in the empty field.

A field is a key path inside the context: a property (`("replicas",)`, `("image",)`,
`("routes",)`) or a key of a setting (`("security", "runAsUser")`, `("expose", "gateway",
"name")`). Its `Origin` (jobs/explain.py's) is the nearest context of the `extends` chain
that writes it (`inherited`, with the line), a `null` that sends it back to its default, an
image's own user, its flavor's `defaults:` (with the line of the flavor.yaml) or Pligos'
default; its value is what `spec.effective.settings_of` makes of the context without its own
key there. Worked out from the buffer's plain data (so it holds while the file has problems),
without helm or a chart, once per text.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path as FilePath
from typing import Any

from pligos_tui.errors import PligosError, display_path
from pligos_tui.io.keypath import KeyPath
from pligos_tui.io.yamlread import Document, load_file, load_text
from pligos_tui.jobs.editing import Buffer
from pligos_tui.jobs.explain import Origin
from pligos_tui.jobs.explain_trace import DEFAULT, ENTRY, FLAVOR, INHERITED, MISSING, nulled
from pligos_tui.jobs.explain_trace import value_at as found_at
from pligos_tui.spec import vocabulary
from pligos_tui.spec.flavors import Flavor
from pligos_tui.spec.settings import SETTINGS, Kind, effective, merge_setting

Path = tuple[str, ...]  # a field: a key inside the context (("autoscaling", "maxReplicas"))
FieldOrigins = dict[Path, Origin]  # a field -> what applies while the context leaves it empty


def setting_fields(setting: str) -> list[tuple[Path, Kind]]:
    """The fields of one setting: each key by its path; a key of fixed keys (expose.gateway)
    as one field per fixed key (gateway.name, gateway.namespace, ...)."""
    out: list[tuple[Path, Kind]] = []
    for key, kind in SETTINGS[setting].items():
        if kind.of == "keys":
            out.extend(((setting, key, sub), inner) for sub, inner in kind.keys)
        else:
            out.append(((setting, key), kind))
    return out


_PROPERTY_DEFAULTS: dict[str, Any] = {"replicas": 1}
_LISTS = (*vocabulary.CONTEXT_REF_LISTS, "friends")
_PROPERTIES = ("flavor", *vocabulary.CONTEXT_REFS, *_LISTS, "replicas", "schedule")
_IMAGE_USER = {"runAsUser": "runAsUser", "runAsGroup": "runAsGroup", "fsGroup": "runAsGroup"}
_CACHE: OrderedDict[tuple[str, str, str], FieldOrigins] = OrderedDict()
_CACHED = 16  # texts (and contexts) kept: undo and switching contexts find them again
_FLAVOR_DOCS: dict[tuple[str, float], Document | None] = {}


def field_origins(buffer: Buffer, context: str) -> FieldOrigins:
    """What applies to each field of a context's form while the context writes nothing
    there, and where it comes from; worked out once per text of the buffer."""
    key = (str(buffer.file), buffer.text, context)
    found = _CACHE.get(key)
    if found is None:
        found = _Inherited(buffer, context).all()
        _CACHE[key] = found
        while len(_CACHE) > _CACHED:
            _CACHE.popitem(last=False)
    else:
        _CACHE.move_to_end(key)
    return found


def _without(written: dict[str, Any], rest: Path) -> dict[str, Any]:
    """A setting's mapping as written, without the key at `rest` (a value, not a null)."""
    if not rest or rest[0] not in written:
        return written
    inner, out = written[rest[0]], dict(written)
    if len(rest) == 1 and inner is not None:
        del out[rest[0]]
    elif len(rest) > 1 and isinstance(inner, dict):
        out[rest[0]] = _without(inner, rest[1:])
    return out


class _Inherited:
    """The origins of one context's fields, from the buffer's plain data and the lines of
    its YAML."""

    def __init__(self, buffer: Buffer, context: str) -> None:
        self.buffer, self.context = buffer, context
        data = buffer.data or {}
        listed = data.get("contexts")
        self.listed: list[Any] = listed if isinstance(listed, list) else []
        self.chain = self._chain()  # (index in contexts, mapping): the context, then its parents
        self.doc = self._doc()
        self.flavor: Flavor | None = buffer.flavor(buffer.context_flavor(context))

    def _chain(self) -> list[tuple[int, dict[str, Any]]]:
        chain: list[tuple[int, dict[str, Any]]] = []
        name: Any = self.context
        while isinstance(name, str) and name and all(c.get("name") != name for _, c in chain):
            found = next(((i, c) for i, c in enumerate(self.listed)
                          if isinstance(c, dict) and str(c.get("name")) == name), None)
            if found is None:
                break
            chain.append(found)
            name = found[1].get("extends")
        return chain

    def _doc(self) -> Document | None:
        if self.buffer.service is not None:
            return self.buffer.service.doc
        try:
            return load_text(self.buffer.text, self.buffer.file.name)
        except PligosError:
            return None

    def all(self) -> FieldOrigins:
        out: FieldOrigins = {(key,): self._property(key) for key in _PROPERTIES}
        if self.chain:
            for setting in SETTINGS:
                for path, _kind in setting_fields(setting):
                    out[path] = self._setting(setting, path[1:])
        return out

    # -- where a value is written
    def _origin(self, path: Path, value: Any, kind: str, n: int | None = None,
                source: str = "") -> Origin:
        """An origin of `path`'s value; `n`, the context of the chain writing it there."""
        if n is None:
            return Origin(key=".".join(path), path=path, value=value, kind=kind, source=source)
        index, ctx = self.chain[n]
        names = tuple(str(c.get("name")) for _, c in self.chain[:n + 1])
        return Origin(key=".".join(path), path=path, value=value, kind=kind, source=source,
                      **self._where(("contexts", index, *path)), context=names[-1], via=names)

    def _where(self, at: KeyPath) -> dict[str, Any]:
        line = self.doc.line(at, key=True) if self.doc is not None else None
        return {"file": self.buffer.file.name, "line": line, "at": at}

    # -- properties
    def _property(self, key: str) -> Origin:
        for n, (_, ctx) in enumerate(self.chain):
            if key not in ctx:
                continue
            if ctx[key] is None:  # null: none of what it extends
                return self._origin((key,), None, DEFAULT, n or None)
            if n:
                return self._origin((key,), ctx[key], INHERITED, n)
        return self._origin((key,), _PROPERTY_DEFAULTS.get(key), DEFAULT)

    # -- settings
    def _setting(self, name: str, rest: Path) -> Origin:
        """A key of a setting: the value `settings_of` gives the context without its own
        key there, and the nearest source holding it."""
        written: dict[str, Any] = {}
        for n, (_, ctx) in reversed(list(enumerate(self.chain))):
            mine = ctx.get(name)
            if name in ctx and mine is None:
                written = {}
            elif isinstance(mine, dict):
                written = merge_setting(written, _without(mine, rest) if n == 0 else mine)
        defaults = self.flavor.defaults.get(name) if self.flavor is not None else None
        value = found_at(effective(name, defaults, written), rest)
        path = (name, *rest)
        reset: int | None = None  # the context of a null that sent the key back
        for n, (_, ctx) in enumerate(self.chain):
            mine = ctx.get(name)
            if name in ctx and mine is None or isinstance(mine, dict) and nulled(mine, rest):
                reset = n
                break
            if n and isinstance(mine, dict) and found_at(mine, rest) is not MISSING:
                return self._origin(path, value, INHERITED, n)
        # (a null key keeps the image's user off too; a whole setting null does not)
        keyed = reset is not None and self.chain[reset][1].get(name) is not None
        image = None if keyed else self._image_user(name, rest, written)
        if image is not None:
            return image
        if defaults is not None and found_at(defaults, rest) is not MISSING:
            return self._flavor_default(path, value)
        return self._origin(path, value, DEFAULT, reset or None)

    def _image_user(self, name: str, rest: Path, written: dict[str, Any]) -> Origin | None:
        """The image's own runAsUser or runAsGroup (fsGroup: its group), which applies
        unless the contexts write one."""
        field = _IMAGE_USER.get(str(rest[0])) if name == "security" and rest else None
        if field is None or rest[0] in written or field in written:
            return None
        image = next((c["image"] for _, c in self.chain if "image" in c), None)
        at: KeyPath = ()
        if isinstance(image, str):
            images = (self.buffer.data or {}).get("images")
            found = next(((i, e) for i, e in enumerate(images if isinstance(images, list)
                                                        else []) if isinstance(e, dict)
                          and str(e.get("name")) == image), None)
            image, at = (found[1], ("images", found[0])) if found else (None, ())
        if not isinstance(image, dict) or not isinstance(image.get(field), int):
            return None
        where = self._where((*at, field)) if at else {}
        return Origin(key=".".join((name, *rest)), path=(name, *rest), value=image[field],
                      kind=ENTRY, source=f"images[{image.get('name')}]", **where)

    def _flavor_default(self, path: Path, value: Any) -> Origin:
        """A flavor's `defaults:` (or its base's), at the line of the flavor.yaml writing it."""
        assert self.flavor is not None
        at = ("defaults", *path)
        flavor: Flavor | None = self.flavor
        where: dict[str, Any] = {}
        while flavor is not None and not where:
            doc = None if flavor.builtin else _flavor_doc(flavor.path / vocabulary.FLAVOR_FILE)
            if doc is not None and found_at(doc.data, at) is not MISSING:
                where = {"file": _shown_file(flavor.path / vocabulary.FLAVOR_FILE,
                                             self.buffer.root),
                         "line": doc.line(at, key=True), "at": at}
            flavor = flavor.base
        return Origin(key=".".join(path), path=path, value=value, kind=FLAVOR,
                      source=self.flavor.name, **where)


def _flavor_doc(file: FilePath) -> Document | None:
    """A flavor.yaml with its lines, read again only when it changed."""
    try:
        key = (str(file), file.stat().st_mtime)
    except OSError:
        return None
    if key not in _FLAVOR_DOCS:
        try:
            _FLAVOR_DOCS[key] = load_file(file, file.name)
        except PligosError:
            _FLAVOR_DOCS[key] = None
    return _FLAVOR_DOCS[key]


def _shown_file(file: FilePath, root: FilePath) -> str:
    try:
        return file.relative_to(root).as_posix()
    except ValueError:
        return display_path(file)
