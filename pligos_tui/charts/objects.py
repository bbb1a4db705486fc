"""Which objects a chart's values make: the conditions of flavor.yaml's `templates:`.

A flavor names, for a template that renders only some of the time, the condition under which
it renders anything (vocabulary.TEMPLATE_CONDITIONS); a chart holds the template only when the
condition holds for its values, so that no chart carries a template that renders nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pligos_tui.spec.vocabulary import EXISTING, TEMPLATE_CONDITIONS

Values = dict[str, Any]


def _exposed(values: Values, via: str) -> list[dict[str, Any]]:
    expose = values.get("expose") or {}
    if expose.get("via", "ingress") != via:
        return []
    return [r for r in values.get("routes") or [] if r.get("fqdn")]


def _mounts(values: Values, kind: str) -> bool:
    return any(m.get("type") == kind for m in values.get("mounts") or [])


def _grpc(route: dict[str, Any]) -> bool:
    return route.get("appProtocol") == "grpc"  # (as the templates compare it)


_CONDITIONS: dict[str, Callable[[Values], bool]] = {
    "routes": lambda v: bool(v.get("routes")),
    "ingress": lambda v: bool(_exposed(v, "ingress")),
    "http-routes": lambda v: any(not _grpc(r) for r in _exposed(v, "gateway")),
    "grpc-routes": lambda v: any(_grpc(r) for r in _exposed(v, "gateway")),
    "files": lambda v: _mounts(v, "files"),
    "volumes": lambda v: _mounts(v, "volume"),
    "script": lambda v: (v.get("command") or {}).get("type") == "script",
    "secrets": lambda v: any(s.get("delivery") != EXISTING
                             for s in (v.get("secrets") or {}).values()),
    "autoscaling": lambda v: bool((v.get("autoscaling") or {}).get("enabled")),
    "disruption": lambda v: bool((v.get("disruption") or {}).get("enabled")),
    "network-policy": lambda v: bool((v.get("networkPolicy") or {}).get("enabled")),
    "service-account": lambda v: bool((v.get("serviceAccount") or {}).get("create")),
    "headless": lambda v: True,  # a StatefulSet's pods are always named through one
}
assert tuple(_CONDITIONS) == TEMPLATE_CONDITIONS  # (one list of names, one table of tests)


def holding(values: Values) -> set[str]:
    """The conditions that hold for a chart's values."""
    return {name for name, test in _CONDITIONS.items() if test(values)}
