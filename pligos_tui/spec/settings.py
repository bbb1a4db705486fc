"""Context settings: what a context says about how its pods run, beyond the entries it names.

A setting (vocabulary.CONTEXT_SETTINGS) is a mapping of fixed keys on a context, such as
`autoscaling: {maxReplicas: 10}`. `SETTINGS` holds, for each setting, its keys, the kind of
value each takes and the built-in default, which is what a key not written means. A flavor's
`defaults:` (flavor.yaml) replaces built-in defaults for every context of that flavor; a
context's own mapping is merged over the one of the context it extends, key by key, and
`setting: null` goes back to the defaults.

`read_setting` checks one written mapping and records a located problem for each misfit;
`effective` gives the value of every key of a setting for a context.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from pligos_tui.io.keypath import KeyPath
from pligos_tui.spec.reader import WRONG_TYPE, Reader, type_name
from pligos_tui.spec.vocabulary import CONTEXT_SETTINGS, EXPOSE_VIA


@dataclass(frozen=True)
class Kind:
    """The kind of value a setting's key takes, with its default.

    `of`: "int" (a whole number, 0 = not set unless said otherwise), "bool", "text",
    "intstr" (a whole number or a percentage such as "25%"), "texts" (a list of text),
    "objects" (a list of mappings, passed to Kubernetes as written), "labels" (a mapping of
    names to text), "object" (a mapping passed as written), "choice" (one of `choices`) or
    "keys" (a mapping of the fixed keys `keys`, each of its own kind)."""

    of: str
    default: Any
    choices: tuple[str, ...] = ()
    keys: tuple[tuple[str, Kind], ...] = ()
    minimum: int = 0
    whole: bool = False  # a "keys" mapping of alternatives: written over whole, never merged


def _int(default: int, minimum: int = 0) -> Kind:
    return Kind("int", default, minimum=minimum)


def _choice(*choices: str) -> Kind:
    return Kind("choice", choices[0], choices=choices)


# setting -> key -> its kind and built-in default (docs/flavors.md says why each default is what
# it is)
SETTINGS: dict[str, dict[str, Kind]] = {
    "security": {
        "runAsUser": _int(10001), "runAsGroup": _int(10001), "fsGroup": _int(10001),
        "readOnlyRootFilesystem": Kind("bool", True),
        "addCapabilities": Kind("texts", []),
        "credentialsAs": _choice("files", "env"),
        "reason": Kind("text", ""),
    },
    "serviceAccount": {
        "create": Kind("bool", True), "name": Kind("text", ""),
        "automountToken": Kind("bool", False), "annotations": Kind("labels", {}),
    },
    "networkPolicy": {
        "enabled": Kind("bool", True), "ingressFrom": Kind("objects", []),
        "egressTo": Kind("objects", []), "allowAllEgress": Kind("bool", False),
    },
    "autoscaling": {
        "minReplicas": _int(0), "maxReplicas": _int(0), "cpu": _int(0), "memory": _int(0),
    },
    "disruption": {
        "enabled": Kind("bool", True), "maxUnavailable": Kind("intstr", 1),
        "minAvailable": Kind("intstr", ""),
    },
    "scheduling": {
        "nodeSelector": Kind("labels", {}), "tolerations": Kind("objects", []),
        "affinity": Kind("object", {}), "priorityClassName": Kind("text", ""),
        "spread": Kind("bool", True),
    },
    "rollout": {
        # (Recreate: Deployments only; OnDelete: StatefulSets and DaemonSets only)
        "strategy": _choice("RollingUpdate", "Recreate", "OnDelete"),
        "maxSurge": Kind("intstr", "25%"), "maxUnavailable": Kind("intstr", 0),
        "revisionHistoryLimit": _int(3), "terminationGracePeriodSeconds": _int(30),
        "preStop": Kind("keys", {}, keys=(("sleep", _int(0)), ("command", Kind("texts", []))),
                        whole=True),
    },
    "expose": {
        "via": _choice(*EXPOSE_VIA),
        "ingressClass": Kind("text", ""), "annotations": Kind("labels", {}),
        "gateway": Kind("keys", {}, keys=(("name", Kind("text", "")),
                                          ("namespace", Kind("text", "")),
                                          ("sectionName", Kind("text", "")))),
        "certManager": Kind("keys", {}, keys=(("issuer", Kind("text", "")),
                                              ("kind", _choice("ClusterIssuer", "Issuer")))),
    },
    "service": {
        "type": _choice("ClusterIP", "NodePort", "LoadBalancer"),
        "annotations": Kind("labels", {}),
    },
    "health": {"defaultProbes": Kind("bool", True)},
    "job": {
        "backoffLimit": _int(6), "restartPolicy": _choice("OnFailure", "Never"),
        "activeDeadlineSeconds": _int(0), "ttlSecondsAfterFinished": _int(0),
        "completions": _int(0), "parallelism": _int(0),
    },
    "cronjob": {
        "timeZone": Kind("text", ""), "concurrencyPolicy": _choice("Forbid", "Allow", "Replace"),
        "successfulJobsHistoryLimit": _int(3), "failedJobsHistoryLimit": _int(1),
        "startingDeadlineSeconds": _int(0), "suspend": Kind("bool", False),
    },
}
assert tuple(SETTINGS) == CONTEXT_SETTINGS  # (one list of names, one table of their keys)

# resources a context's entry leaves out: every container gets requests and limits, key by key
DEFAULT_RESOURCES = {"requests": {"cpu": "100m", "memory": "128Mi"},
                     "limits": {"cpu": "1", "memory": "512Mi"}}

_PERCENT = re.compile(r"^[0-9]+%$")


def setting_keys(name: str) -> tuple[str, ...]:
    return tuple(SETTINGS[name])


def default_of(kind: Kind) -> Any:
    if kind.of == "keys":
        return {k: default_of(sub) for k, sub in kind.keys}
    return copy.deepcopy(kind.default)


def builtin_defaults(name: str) -> dict[str, Any]:
    """Every key of setting `name` with its built-in default."""
    return {key: default_of(kind) for key, kind in SETTINGS[name].items()}


def read_setting(r: Reader, name: str, value: Any, at: KeyPath) -> dict[str, Any] | None:
    """The keys written in one setting's mapping, each checked for its kind (a key of the
    wrong kind is left out, with a located problem); a key written `null` is None, which
    takes the key back to its default."""
    return _read_keys(r, value, at, tuple(SETTINGS[name].items()), name)


def _read_keys(r: Reader, value: Any, at: KeyPath, kinds: tuple[tuple[str, Kind], ...],
               what: str) -> dict[str, Any] | None:
    allowed = tuple(k for k, _ in kinds)
    m = r.mapping(value, at, allowed, what)
    if m is None:
        return None
    out: dict[str, Any] = {}
    for key, kind in kinds:
        if key in m and m[key] is None:
            out[key] = None
        elif key in m:
            read = _read_value(r, m, key, kind, at)
            if read is not None:
                out[key] = read
    return out


def _read_value(r: Reader, m: dict[str, Any], key: str, kind: Kind, at: KeyPath) -> Any:
    path = at + (key,)
    value = m[key]
    if kind.of == "int":
        number = r.integer(m, key, at)
        if number is not None and number < kind.minimum:
            r.problem(path, f"{key} must not be below {kind.minimum}", rule=WRONG_TYPE)
            return None
        return number
    if kind.of == "bool":
        return r.boolean(m, key, at, bool(kind.default)) if isinstance(value, bool) else \
            _wrong(r, path, key, "true or false", value)
    if kind.of == "text":
        return r.string(m, key, at) if isinstance(value, str) else \
            _wrong(r, path, key, "text", value, quote=True)
    if kind.of == "choice":
        if isinstance(value, str) and value in kind.choices:
            return value
        return _wrong(r, path, key, "one of " + ", ".join(kind.choices), value)
    if kind.of == "intstr":
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return r.integer(m, key, at)
        if isinstance(value, str) and _PERCENT.match(value):
            return value
        return _wrong(r, path, key, 'a whole number or a percentage such as "25%"', value)
    if kind.of == "texts":
        listed = r.str_list(m, key, at)
        return listed if isinstance(value, list) and len(listed) == len(value) else None
    if kind.of == "labels":
        labels = r.scalar_map(m, key, at)
        return labels if isinstance(value, dict) else None
    if kind.of == "objects":
        if isinstance(value, list) and all(isinstance(v, dict) for v in value):
            r.plain_data(value, path)
            return copy.deepcopy(value)
        return _wrong(r, path, key, "a list of mappings", value)
    if kind.of == "object":
        found = r.any_map(m, key, at)
        return copy.deepcopy(found) if found is not None else None
    return _read_keys(r, value, path, kind.keys, key)  # "keys"


def _wrong(r: Reader, path: KeyPath, key: str, wanted: str, value: Any, *,
           quote: bool = False) -> None:
    hint = f'quote it: {key}: "{value}"' if quote and isinstance(value, (int, float)) else ""
    r.problem(path, f"{key} must be {wanted}, not {type_name(value)}"
              + (f" {value!r}" if isinstance(value, str) else ""), hint, rule=WRONG_TYPE)
    return None


def merge_setting(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """`over` written over `base`: key by key, and into the keys of a mapping (annotations,
    node selectors, a Gateway); a key None in `over` is dropped (back to its default)."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict) and value \
                and not _whole(key):
            out[key] = merge_setting(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _whole(key: str) -> bool:
    """Whether a mapping key's value replaces the one under it whole: affinity (a Kubernetes
    object, not keys to merge) and a preStop hook (a sleep or a command)."""
    return any(key in keys and (keys[key].of == "object" or keys[key].whole)
               for keys in SETTINGS.values())


def effective(name: str, flavor_defaults: dict[str, Any] | None,
              written: dict[str, Any] | None) -> dict[str, Any]:
    """The value of every key of setting `name`: the built-in defaults, then the flavor's
    `defaults:`, then what the context (and those it extends) wrote."""
    defaults = builtin_defaults(name)
    if flavor_defaults:
        defaults = _filled(merge_setting(defaults, flavor_defaults), builtin_defaults(name))
    return _filled(merge_setting(defaults, written or {}), defaults)


def _filled(value: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """`value` with every key it lacks (a key written null) taken from `defaults`."""
    for key, default in defaults.items():
        if key not in value:
            value[key] = copy.deepcopy(default)
        elif isinstance(default, dict) and isinstance(value[key], dict) and not _whole(key):
            _filled(value[key], default)
    return value
