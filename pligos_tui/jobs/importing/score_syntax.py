"""The Score workload format (`score.dev/v1b1`, its JSON schema) as `score.py` reads it: the
shape every key must have, the rules that name what is wrong, overrides merged over a
workload with the file each key came from, the placeholder syntax, and the inputs beside the
Score files (the names of contexts, a friends library).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pligos_tui.errors import Problems, Rule, UsageError, did_you_mean, display_path
from pligos_tui.io.keypath import KeyPath
from pligos_tui.io.yamlread import Document, load_file
from pligos_tui.spec.fields import dns_label, port, quantity
from pligos_tui.spec.friends import read_friend
from pligos_tui.spec.model import Friend
from pligos_tui.spec.reader import type_name

VERSION = Rule("E-IMPORT-SCORE-VERSION", "a Score file whose apiVersion is not score.dev/v1b1")
REQUIRED = Rule("E-IMPORT-SCORE-REQUIRED", "a key the Score specification requires is missing "
                "(metadata.name, containers, a container's image, a resource's type, ...)")
WRONG_TYPE = Rule("E-IMPORT-SCORE-TYPE", "a value of the wrong type in a Score or overrides "
                  "file (text where a number goes, a list where a mapping is, ...)")
KEY = Rule("E-IMPORT-SCORE-KEY", "a key the Score specification does not have")
VALUE = Rule("E-IMPORT-SCORE-VALUE", "a value the Score specification does not take (a name "
             "that is not a DNS label, a port outside 1-65535, a protocol, a file mode, ...)")
OVERRIDES = Rule("E-IMPORT-SCORE-OVERRIDES", "an overrides file that is not a mapping, or (with "
                 "several Score files) does not name its workload by metadata.name")
DUPLICATE = Rule("E-IMPORT-SCORE-DUPLICATE", "two Score files describe workloads of one name")
RULES = (VERSION, REQUIRED, WRONG_TYPE, KEY, VALUE, OVERRIDES, DUPLICATE)

API_VERSION = "score.dev/v1b1"

# -- the shape of a workload (the Score JSON schema) ------------------------------------------


class Rec:
    """A mapping of known keys (`open`: other keys allowed too)."""

    def __init__(self, fields: dict[str, Any], required: tuple[str, ...] = (),
                 open_: bool = False) -> None:
        self.fields, self.required, self.open = fields, required, open_


class Map:
    """A mapping of names the user chooses (`key` checks one) to values of one shape."""

    def __init__(self, item: Any, key: Any = None) -> None:
        self.item, self.key = item, key


class Keyed:
    """Files and volumes: a mapping of target paths to items, or (deprecated) a list."""

    def __init__(self, item: Rec) -> None:
        self.item = item


class Val:
    """A scalar of `kind`, checked by `check` (a message, or None)."""

    def __init__(self, kind: type, check: Any = None) -> None:
        self.kind, self.check = kind, check


def _one_of(*choices: str) -> Any:
    return lambda v: None if v in choices else f"{v!r} is not one of {', '.join(choices)}"


def _mode(value: str) -> str | None:
    return None if re.fullmatch(r"0?[0-7]{3}", value) else f"{value!r} is not an octal mode"


def _variable(name: str) -> str | None:
    return f"{name!r} holds '=', which no variable's name may" if "=" in name else None


def _base64(value: str) -> str | None:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return "binaryContent is not standard base64"
    return None


_LABEL = Val(str, dns_label)
_LIMITS = Rec({"cpu": Val(str, quantity), "memory": Val(str, quantity)})
_PROBE = Rec({"httpGet": Rec({"host": str, "scheme": Val(str, _one_of("HTTP", "HTTPS")),
                              "path": str, "port": Val(int, port),
                              "httpHeaders": [Rec({"name": str, "value": str},
                                                  ("name", "value"))]}, ("path",)),
              "exec": Rec({"command": [str]}, ("command",))})
_FILE = Rec({"target": str, "mode": Val(str, _mode), "source": str, "content": str,
             "binaryContent": Val(str, _base64), "noExpand": bool})
_VOLUME = Rec({"source": str, "path": str, "target": str, "readOnly": bool}, ("source",))
_CONTAINER = Rec({
    "image": str, "command": [str], "args": [str],
    "variables": Map(str, _variable),
    "files": Keyed(_FILE), "volumes": Keyed(_VOLUME),
    "resources": Rec({"limits": _LIMITS, "requests": _LIMITS}),
    "livenessProbe": _PROBE, "readinessProbe": _PROBE,
    "before": Map(Rec({"ready": Val(str, _one_of("started", "healthy", "complete"))},
                      ("ready",)), dns_label)}, ("image",))
_RESOURCE = Rec({"type": str, "class": str, "id": str, "metadata": dict, "params": dict},
                ("type",))
WORKLOAD = Rec({
    "apiVersion": str,
    "metadata": Rec({"name": _LABEL, "annotations": Map(str)}, ("name",), open_=True),
    "service": Rec({"ports": Map(Rec({"port": Val(int, port),
                                      "protocol": Val(str, _one_of("TCP", "UDP")),
                                      "targetPort": Val(int, port)}, ("port",)), dns_label)}),
    "containers": Map(_CONTAINER, dns_label),
    "resources": Map(_RESOURCE, dns_label)}, ("apiVersion", "metadata", "containers"))


class Located:
    """A workload merged from a Score file and overrides: which file each key path came from."""

    def __init__(self, base: Document) -> None:
        self.base = base
        self.origins: dict[KeyPath, Document] = {}

    def doc(self, path: KeyPath) -> Document:
        for end in range(len(path), 0, -1):
            if path[:end] in self.origins:
                return self.origins[path[:end]]
        return self.base

    def where(self, path: KeyPath) -> str:
        doc = self.doc(path)
        line = doc.line(path, key=True)  # where it is named
        return f"{doc.file}:{line}" if line else doc.file

    def problem(self, problems: Problems, path: KeyPath, message: str, hint: str, rule: Rule,
                *, key: bool = False) -> None:
        self.doc(path).problem(problems, path, message, hint, key=key, rule=rule.id)

    def merge(self, base: dict[str, Any], over: dict[str, Any], doc: Document,
              path: KeyPath = ()) -> dict[str, Any]:
        """score-go's OverrideMapInMap: maps merge, other values replace, null removes."""
        out = dict(base)
        for key, value in over.items():
            at = path + (key,)
            if isinstance(out.get(key), dict) and isinstance(value, dict):
                out[key] = self.merge(out[key], value, doc, at)
                continue
            if key in out and out[key] == value:
                continue  # the same value: it stays where it was first written
            for old in [p for p in self.origins if p[:len(at)] == at]:
                del self.origins[old]
            self.origins[at] = doc
            if value is None:
                out.pop(key, None)
            else:
                out[key] = value
        return out


def check(value: Any, shape: Any, path: KeyPath, loc: Located, problems: Problems) -> bool:
    """Whether `value` has `shape`; a located problem for each misfit."""
    if shape is dict or isinstance(shape, (Rec, Map)):
        if not isinstance(value, dict):
            loc.problem(problems, path, f"must be a mapping, not {type_name(value)}",
                        "write it as keys and values", WRONG_TYPE)
            return False
        if isinstance(shape, Map):
            for key, item in value.items():
                wrong = shape.key(key) if shape.key else None
                if wrong:
                    loc.problem(problems, path + (key,), f"name {wrong}", _hint(shape.key),
                                VALUE, key=True)
                check(item, shape.item, path + (key,), loc, problems)
        elif isinstance(shape, Rec):
            for key, item in value.items():
                if key in shape.fields:
                    check(item, shape.fields[key], path + (key,), loc, problems)
                elif not shape.open:
                    loc.problem(problems, path + (key,), f"unknown key {key!r}",
                                did_you_mean(key, shape.fields) or "known keys: "
                                + ", ".join(shape.fields), KEY, key=True)
            for key in shape.required:
                if key not in value:
                    loc.problem(problems, path + (key,), f"{key!r} is missing",
                                f"the Score specification requires {key}", REQUIRED, key=True)
        return True
    if isinstance(shape, list):
        if not isinstance(value, list):
            loc.problem(problems, path, f"must be a list, not {type_name(value)}",
                        "write it as a list: [a, b]", WRONG_TYPE)
            return False
        return all([check(v, shape[0], path + (i,), loc, problems) for i, v in enumerate(value)])
    if isinstance(shape, Keyed):
        if isinstance(value, list):
            ok = check(value, [shape.item], path, loc, problems)
            for i, item in enumerate(value):
                if isinstance(item, dict) and "target" not in item:
                    loc.problem(problems, path + (i,), "'target' is missing",
                                "give the path in the container", REQUIRED, key=True)
            return ok
        return check(value, Map(shape.item), path, loc, problems)
    val = shape if isinstance(shape, Val) else Val(shape)
    if not isinstance(value, val.kind) or (val.kind is int and isinstance(value, bool)):
        hint = "quote it" if val.kind is str else f"write {type_name(val.kind())}"
        loc.problem(problems, path, f"must be {type_name(val.kind())}, not {type_name(value)}",
                    hint, WRONG_TYPE)
        return False
    wrong = val.check(value) if val.check else None
    if wrong:
        loc.problem(problems, path, wrong, _hint(val.check), VALUE)
    return not wrong


def _hint(checker: Any) -> str:
    """What to write instead of a value `checker` refuses."""
    return {dns_label: "use lower-case letters, digits and '-' (at most 63)",
            port: "a port is a number from 1 to 65535",
            quantity: "a quantity of Kubernetes: 250m, 0.5, 128Mi, 1Gi",
            _mode: 'an octal mode, quoted: "0644"',
            _base64: "encode the file's bytes with standard base64"}.get(
        checker, "write one of the values named")


def check_workload(spec: dict[str, Any], loc: Located, problems: Problems) -> None:
    """The Score schema, then what it says in words (a file has one source of content, ...)."""
    if not check(spec, WORKLOAD, (), loc, problems):
        return
    if isinstance(spec.get("apiVersion"), str) and spec["apiVersion"] != API_VERSION:
        loc.problem(problems, ("apiVersion",), f"apiVersion {spec['apiVersion']!r} is not "
                    f"{API_VERSION}", f"pligos imports Score workloads of {API_VERSION}",
                    VERSION)
    containers = spec.get("containers")
    if containers == {}:
        loc.problem(problems, ("containers",), "no containers", "add one", REQUIRED)
    if not isinstance(containers, dict):
        return
    ports = (spec.get("service") or {}).get("ports") or {}
    for cname, c in containers.items():
        if not isinstance(c, dict):
            continue
        for target, item, at in keyed(c.get("files"), ("containers", cname, "files")):
            given = [k for k in ("content", "binaryContent", "source") if k in item]
            if len(given) != 1:
                loc.problem(problems, at, f"file {target} gives {' and '.join(given) or 'none'}"
                            " of content, binaryContent and source", "give exactly one", VALUE)
        for other in c.get("before") or {}:
            if other not in containers or other == cname:
                loc.problem(problems, ("containers", cname, "before", other),
                            f"no other container {other!r}", did_you_mean(other, containers)
                            or "name another container of the workload", VALUE, key=True)
        for stage in ("livenessProbe", "readinessProbe"):
            get = (c.get(stage) or {}).get("httpGet")
            if isinstance(get, dict) and "port" not in get and not ports:
                loc.problem(problems, ("containers", cname, stage, "httpGet", "port"),
                            "'port' is missing and the workload has no service port",
                            "give the port the probe asks", REQUIRED, key=True)


def keyed(value: Any, path: KeyPath = ()) -> list[tuple[str, dict[str, Any], KeyPath]]:
    """Files or volumes as (target, item, key path), from either form."""
    if isinstance(value, list):
        return [(str(v.get("target", "")), v, path + (i,)) for i, v in enumerate(value)
                if isinstance(v, dict)]
    if isinstance(value, dict):
        return [(k, v, path + (k,)) for k, v in value.items() if isinstance(v, dict)]
    return []


def ref_parts(ref: str) -> list[str]:
    """The keys of a placeholder's reference: `resources.db.host`; `\\.` is a dot in a key."""
    return [p.replace("\0", ".") for p in ref.replace("\\.", "\0").split(".")]


PLACEHOLDER = re.compile(r"\$(\$?\{([^}]*)\}|\$)")
WHOLE_OUTPUT = re.compile(r"\$\{resources\.([a-z0-9-]+)\.([^}.]+)\}")
WHOLE_RESOURCE = re.compile(r"\$\{resources\.([a-z0-9-]+)\}")
CM_KEY = re.compile(r"[-._a-zA-Z0-9]+")


def label(text: str) -> str:
    """A DNS label made of `text` (a volume's name)."""
    return re.sub(r"[^a-z0-9-]+", "-", text.lower())[:63].strip("-") or "x"


def read_library(paths: Sequence[Path]) -> dict[str, Friend]:
    """The friends of library folders (or single files), one YAML file per friend."""
    problems = Problems("")
    friends: dict[str, Friend] = {}
    for path in paths:
        if not path.exists():
            raise UsageError(f"friends library {display_path(path)} does not exist",
                             hint="name a folder of friend files (one YAML file per friend)")
        files = sorted([*path.glob("*.yaml"), *path.glob("*.yml")]) if path.is_dir() else [path]
        for file in files:
            doc = load_file(file, display_path(file))
            friend = read_friend(doc, doc.data, (), problems)
            if friend and friend.name:
                friends.setdefault(friend.name, friend)
    problems.raise_if_any()
    return friends


def context_names(contexts: Sequence[tuple[str, list[Path]]]) -> None:
    """Refuse a context name that is no DNS label, or one given twice."""
    seen: set[str] = set()
    for name, _ in contexts:
        wrong = dns_label(name)
        if wrong:
            raise UsageError(f"context name {wrong}", hint="e.g. --context prod=prod.yaml")
        if name in seen:
            raise UsageError(f"context {name!r} is given twice", hint="give each context once")
        seen.add(name)
