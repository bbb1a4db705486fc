"""Edits of a user's pligos.yaml, each taking the file's text and returning the new text.

These are the operations the editor and `use-context` perform: set a context's or an entry's
field, set or clear one key of a context's setting, assign entries, add, clone, rename and
delete contexts and entries (references follow), pick friends. They keep the user's
comments, order, quoting and blank lines (:mod:`pligos_tui.io.yamltext` changes one value in
place; anything more goes through the round trip of :mod:`pligos_tui.io.roundtrip`). They
check only what they need to find their target and the names they are given; whether the
result is a valid service is the loader's business (`spec.load.load_service_text`).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from pligos_tui.errors import PligosError
from pligos_tui.io import roundtrip
from pligos_tui.io.files import atomic_write
from pligos_tui.io.keypath import Named, PathPart
from pligos_tui.io.roundtrip import (
    append_item,
    append_key,
    dump,
    find_named,
    insert_key,
    like,
    remove,
    set_item,
    set_path,
    styled,
)
from pligos_tui.io.yamltext import (
    compose_fast,
    fast_data,
    fast_set,
    fast_set_many,
    locate,
    set_top_level_scalar,
    simple_tree,
)
from pligos_tui.spec.fields import ROUTE_NAME_HINT, dns_label, port_name, reserved_mount_name
from pligos_tui.spec.model import Service
from pligos_tui.spec.ports import named_ports
from pligos_tui.spec.resolve import require_context
from pligos_tui.spec.vocabulary import (
    CONFIG_NAME,
    CONTEXT_REF_LISTS,
    CONTEXT_REFS,
    CONTEXT_SETTINGS,
    DEFAULT_PROTOCOL,
    DEFAULT_PULL_POLICY,
    ENTRY_WORDS,
    PROPERTY_LISTS,
    REF_PROPERTY,
)


def use_context(svc: Service, name: str) -> None:
    """`pligos use-context`: make `name` the current context in the service's pligos.yaml,
    which keeps its comments, order, byte order mark and line endings."""
    require_context(svc, name)
    set_current_context(svc.root / CONFIG_NAME, name)


def set_current_context(file: Path, name: str) -> None:
    raw = file.read_bytes()
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    text = raw[len(bom):].decode("utf-8")
    atomic_write(file, bom + set_top_level_scalar(text, "current-context", name).encode())



def _contexts(data: Any) -> list[Any]:
    ctxs = data.get("contexts")
    if not isinstance(ctxs, list):
        raise PligosError("pligos.yaml has no list of contexts",
                          hint="add `contexts:` with at least one `- name: ...` item")
    return ctxs


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
    fast = fast_set(text, ("contexts", Named(context, "context")) + path, value)
    if fast is not None:
        return fast
    y, data = roundtrip.load(text)
    ctx = find_named(_contexts(data), context, "context")
    set_path(ctx, path, value)
    return dump(y, data, text)


def set_context_setting(text: str, context: str, path: tuple[str, ...], value: Any) -> str:
    """Set one key of a context's setting, `path` = (setting, key) or, for a key of fixed keys,
    (setting, key, subkey): `contexts[context].autoscaling.maxReplicas`. None removes the key,
    and a mapping it leaves empty goes with it (up to the setting itself), so that clearing
    the last key of a setting leaves no `autoscaling: {}` behind."""
    if len(path) < 2 or path[0] not in CONTEXT_SETTINGS:
        raise PligosError(f"{'.'.join(path) or 'nothing'} is not a key of a context setting",
                          hint=f"a setting is one of {', '.join(CONTEXT_SETTINGS)}")
    if value is not None:
        return set_context_field(text, context, path, value)
    ctx = next((c for c in _context_maps(fast_data(text)) if c.get("name") == context), None)

    def at(depth: int) -> Any:
        node: Any = ctx
        for part in path[:depth]:
            node = node.get(part) if isinstance(node, dict) else None
        return node

    if not (isinstance(at(len(path) - 1), dict) and path[-1] in at(len(path) - 1)):
        return text  # nothing to remove
    # removing the only key of a mapping removes the mapping (up to the setting itself)
    depth = len(path)
    while depth > 1 and set(at(depth - 1)) == {path[depth - 1]}:
        depth -= 1
    return set_context_field(text, context, path[:depth], None)


def set_entry_field(text: str, prop: str, entry: str, key: str | tuple[str | int, ...],
                    value: Any) -> str:
    """Set (or, with None, remove) `key` of the entry named `entry` of the list `prop`; `key`
    may be a path inside the entry, e.g. ("liveness", "httpGet", "path")."""
    path = _key_path(key)
    word = _entry_word(prop)
    fast = fast_set(text, (prop, Named(entry, word)) + path, value)
    if fast is not None:
        return fast
    y, data = roundtrip.load(text)
    items = data.get(prop)
    if not isinstance(items, list):
        raise PligosError(f"pligos.yaml has no list of {prop}")
    set_path(find_named(items, entry, word), path, value)
    return dump(y, data, text)


def _entry_word(prop: str) -> str:
    return ENTRY_WORDS.get(prop, prop)


def assign_entries(text: str, context: str, prop: str, names: list[str]) -> str:
    """Make the context use the named entries for `prop`: one name for image, command, probe
    and resources (none removes the assignment); a list for routes, mounts, env and friends."""
    if prop in CONTEXT_REFS:
        if len(names) > 1:
            raise PligosError(f"a context has one {prop}, not {len(names)}")
        return set_context_field(text, context, prop, names[0] if names else None)
    if prop in CONTEXT_REF_LISTS:
        return set_context_field(text, context, prop, list(names))
    if prop == "friends":
        return set_friends(text, context, list(names))
    raise PligosError(f"{prop!r} is not an assignable property",
                      hint=f"one of {', '.join((*CONTEXT_REFS, *CONTEXT_REF_LISTS, 'friends'))}")


def context_name_problem(data: Any, name: str) -> str:
    """Why a context cannot be given the name `name` ('' when it can), `data` being the
    file's plain data: what an inline check of a name field shows."""
    problem = dns_label(name)
    if problem:
        return f"context name {name!r}: {problem}"
    ctxs = data.get("contexts") if isinstance(data, dict) else None
    if isinstance(ctxs, list) and any(isinstance(c, dict) and c.get("name") == name
                                      for c in ctxs):
        return f"there is already a context named {name!r}"
    return ""


def _check_new_name(data: Any, name: str) -> None:
    _contexts(data)
    problem = context_name_problem(data, name)
    if problem:
        raise PligosError(problem, hint="pick another name" if "already" in problem else "")


def add_context(text: str, name: str, *, flavor: str = "", extends: str = "") -> str:
    """Append a context named `name` with the given flavor and/or extends."""
    y, data = roundtrip.load(text)
    _check_new_name(data, name)
    if extends:
        find_named(_contexts(data), extends, "context")
    ctx = CommentedMap(name=name)
    if flavor:
        ctx["flavor"] = flavor
    if extends:
        ctx["extends"] = extends
    append_item(_contexts(data), ctx)
    return dump(y, data, text)


def clone_context(text: str, source: str, name: str) -> str:
    """Append a copy of the context `source` named `name`, placed right after it."""
    y, data = roundtrip.load(text)
    _check_new_name(data, name)
    ctxs = _contexts(data)
    src = find_named(ctxs, source, "context")
    clone = copy.deepcopy(src)
    clone["name"] = like(src.get("name"), name)
    ctxs.insert(ctxs.index(src) + 1, clone)
    return dump(y, data, text)


def rename_context(text: str, old: str, new: str) -> str:
    """Rename a context; every `extends: old` and `current-context: old` follows."""
    y, data = roundtrip.load(text)
    if old == new:
        return text
    _check_new_name(data, new)
    ctxs = _contexts(data)
    ctx = find_named(ctxs, old, "context")
    ctx["name"] = like(ctx["name"], new)
    for other in ctxs:
        if hasattr(other, "get") and other.get("extends") == old:
            other["extends"] = like(other["extends"], new)
    if data.get("current-context") == old:
        data["current-context"] = like(data["current-context"], new)
    return dump(y, data, text)


def delete_context(text: str, name: str) -> str:
    """Remove a context. Contexts extending it would break, so that is refused; a
    current-context naming it moves to the first remaining context."""
    y, data = roundtrip.load(text)
    ctxs = _contexts(data)
    ctx = find_named(ctxs, name, "context")
    users = [c.get("name") for c in ctxs if hasattr(c, "get") and c.get("extends") == name]
    if users:
        raise PligosError(f"context {name!r} is extended by {', '.join(users)}",
                          hint="change or remove their `extends` first")
    if len(ctxs) == 1:
        raise PligosError(f"{name!r} is the only context; a service needs at least one")
    remove(ctxs, next(i for i, c in enumerate(ctxs) if c is ctx))
    if data.get("current-context") == name:
        first = ctxs[0].get("name") if hasattr(ctxs[0], "get") else None
        if first:
            data["current-context"] = like(data["current-context"], first)
        else:
            del data["current-context"]
    return dump(y, data, text)


def set_extends(text: str, context: str, parent: str | None) -> str:
    """Make `context` extend `parent` (None: extend nothing). A cycle is refused."""
    y, data = roundtrip.load(text)
    ctxs = _contexts(data)
    ctx = find_named(ctxs, context, "context")
    if parent:
        find_named(ctxs, parent, "context")
        seen: set[str] = {context}
        walk: str | None = parent
        while walk:
            if walk in seen:
                raise PligosError(f"{context!r} cannot extend {parent!r}: that makes a cycle")
            seen.add(walk)
            nxt = next((c for c in ctxs if hasattr(c, "get") and c.get("name") == walk), None)
            walk = nxt.get("extends") if nxt is not None else None
    set_item(ctx, "extends", parent)
    return dump(y, data, text)


def set_current_context_text(text: str, name: str) -> str:
    """`text` with `current-context` set to `name` (which must be a context)."""
    root = compose_fast(text)
    if root is None or not simple_tree(root) or \
            locate(root, ("contexts", Named(name, "context"))) is None:
        _, data = roundtrip.load(text)
        find_named(_contexts(data), name, "context")
    return set_top_level_scalar(text, "current-context", name)


# -- entries of the property lists -------------------------------------------------------------

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
    # a sidecar or init container: the image to run is picked in its form
    "containers": {"image": None},
}

# What a field added to an entry starts as (the editor's "add field"): the fields that hold
# mappings or lists start as one showing its shape, a choice as its default, text the loader
# would refuse empty as a valid example; any other field starts as "".
FIELD_TEMPLATES: dict[str, Any] = {
    "pullPolicy": DEFAULT_PULL_POLICY, "protocol": DEFAULT_PROTOCOL, "tag": "latest",
    "path": "/",
    "requests": {"cpu": "100m"}, "limits": {"memory": "256Mi"}, "variables": {"NAME": "value"},
    "emptyDir": {}, "volume": {"size": "1Gi"}, "files": ["config/file"],
    "command": ["/app"], "args": ["--flag"], "interpreter": ["/bin/sh"],
    "startup": {"httpGet": {"path": "/healthz", "port": "http"}},
    "liveness": {"httpGet": {"path": "/healthz", "port": "http"}},
    "readiness": {"httpGet": {"path": "/ready", "port": "http"}},
    "readOnly": True, "port": 80, "containerPort": 8080,
    "runAsUser": 10001, "runAsGroup": 10001, "appProtocol": "http",
    "annotations": {"example.com/key": "value"},
}


def new_field_value(key: str) -> Any:
    """What the field `key` of an entry starts as when added (a copy of FIELD_TEMPLATES')."""
    return copy.deepcopy(FIELD_TEMPLATES.get(key, ""))


def _check_property(prop: str) -> None:
    if prop not in PROPERTY_LISTS:
        raise PligosError(f"{prop!r} is not a property", hint=f"one of {', '.join(PROPERTY_LISTS)}")


def _entries(data: Any, prop: str) -> list[Any]:
    _check_property(prop)
    items = data.get(prop)
    if not isinstance(items, list):
        raise PligosError(f"pligos.yaml has no list of {prop}",
                          hint=f"add one with {prop}: and a first '- name: ...' item")
    return items


def _check_entry_name(data: Any, prop: str, name: str) -> None:
    """Refuse a name an entry of `prop` cannot have, or one another entry already has."""
    word = _entry_word(prop)
    if not isinstance(name, str):
        raise PligosError(f"{word} name must be text, not {name!r}")
    problem = port_name(name) if prop == "routes" else dns_label(name)
    if problem:
        hint = (ROUTE_NAME_HINT if prop == "routes" else
                "lower-case letters, digits and '-', e.g. main")
        raise PligosError(f"{word} name {problem}", hint=hint)
    taken = reserved_mount_name(name) if prop == "mounts" else None
    if taken:
        raise PligosError(taken, hint="choose another name")
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
    _check_property(prop)
    y, data = roundtrip.load(text)
    _check_entry_name(data, prop, name)
    entry = CommentedMap(name=name)
    for key, value in (fields or ENTRY_TEMPLATES[prop]).items():
        if key != "name":
            entry[key] = styled(None, copy.deepcopy(value))
    items = data.get(prop)
    if isinstance(items, list):
        append_item(items, entry)
    elif items is not None:
        raise PligosError(f"{prop} in pligos.yaml is not a list of entries",
                          hint="fix it in the source view first")
    else:
        seq = CommentedSeq([entry])
        seq.fa.set_block_style()
        if prop in data:
            set_item(data, prop, seq)
        elif "contexts" in data:
            insert_key(data, list(data).index("contexts"), prop, seq)
        else:
            append_key(data, prop, seq)
    return dump(y, data, text)


def clone_entry(text: str, prop: str, source: str, name: str) -> str:
    """Insert a copy of the entry `source` of `prop` named `name`, right after it (its
    comments and layout come along)."""
    _check_property(prop)
    y, data = roundtrip.load(text)
    _check_entry_name(data, prop, name)
    items = _entries(data, prop)
    src = find_named(items, source, _entry_word(prop))
    clone = copy.deepcopy(src)
    clone["name"] = like(src.get("name"), name)
    items.insert(items.index(src) + 1, clone)
    return dump(y, data, text)


def entry_users(text: str, prop: str, name: str) -> list[str]:
    """The contexts that refer to the entry `name` of `prop` by name."""
    _check_property(prop)
    key = _REF_KEY[prop]
    users = []
    for ctx in _context_maps(fast_data(text)):
        value = ctx.get(key)
        if value == name or (key in CONTEXT_REF_LISTS and isinstance(value, list)
                             and name in value):
            users.append(ctx.get("name"))
    return users


def rename_entry(text: str, prop: str, old: str, new: str) -> str:
    """Rename an entry of `prop`; every context's reference to it follows, and so do probe
    ports naming a renamed route. Only the renamed values' characters change."""
    data = fast_data(text)
    find_named(_entries(data, prop), old, _entry_word(prop))
    if old == new:
        return text
    _check_entry_name(data, prop, new)
    fast = fast_set_many(text, _rename_paths(data, prop, old), new)
    if fast is not None:
        return fast
    y, data = roundtrip.load(text)
    for path in _rename_paths(data, prop, old):
        set_path(data, path, new)
    return dump(y, data, text)


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
        elif key in CONTEXT_REF_LISTS and isinstance(value, list):
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
    return [at + (stage, handler, "port") for at, probe in probes
            for stage, handler, port in named_ports(probe) if port == route]


def delete_entry(text: str, prop: str, name: str) -> str:
    """Remove an entry of `prop` and every context's reference to it by name; a list emptied
    that way, and the property list itself when it empties, are removed too.

    In a context that extends another, a removed reference becomes `key:` (none) and an
    emptied list `key: []`, so the context does not start taking its parent's instead.
    """
    y, data = roundtrip.load(text)
    items = _entries(data, prop)
    entry = find_named(items, name, _entry_word(prop))
    key = _REF_KEY[prop]
    for ctx in _context_maps(data):
        if key not in ctx:
            continue
        value = ctx[key]
        if isinstance(value, list) and key in CONTEXT_REF_LISTS:
            hits = [i for i, item in enumerate(value) if item == name]
            for i in reversed(hits):
                remove(value, i)
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
            remove(ctx, key)
    remove(items, next(i for i, e in enumerate(items) if e is entry))
    if not items:
        remove(data, prop)
    return dump(y, data, text)


def set_friends(text: str, context: str, names: list[str]) -> str:
    """Make the context's `friends:` list exactly `names`, in that order. A friend kept keeps
    its item as written (with its `values:`); no names remove the key."""
    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise PligosError(f"friend {twice!r} is listed twice", hint="list each friend once")
    y, data = roundtrip.load(text)
    ctx = find_named(_contexts(data), context, "context")
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
        set_item(ctx, "friends", None)
        return dump(y, data, text)
    seq = CommentedSeq(items)
    if old is None or (isinstance(old, CommentedSeq) and old.fa.flow_style()):
        seq.fa.set_flow_style()
    else:
        seq.fa.set_block_style()
    set_item(ctx, "friends", seq)
    return dump(y, data, text)
