"""Recognising v1 values that are format 1's built-in properties.

A context's compiled v1 values map onto the built-in properties when every key of them is one
this module understands: `image` (repository, tag, registry, pullPolicy), `routes`/`ports` (by
name: port, containerPort, protocol), `livenessProbe`/`readinessProbe`/`startupProbe` (or a
`probes` mapping of them), `env`, `resources`, `replicas`/`replicaCount`, `command`/`args`, and
a single container's fields nested under `container`/`containers`. Anything else left over
means the flavor does something of its own, and `pligos migrate` keeps it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from pligos_tui.spec.vocabulary import DEFAULT_PROTOCOL, PROBE_HANDLERS, PROTOCOLS, PULL_POLICIES

PROBE_KEYS = {"livenessProbe": "liveness", "readinessProbe": "readiness",
              "startupProbe": "startup"}


@dataclass
class Properties:
    image: dict[str, Any] | None = None
    command: list[str] | None = None
    args: list[str] | None = None
    routes: dict[str, dict[str, Any]] = field(default_factory=dict)
    probe: dict[str, Any] = field(default_factory=dict)  # stage -> Kubernetes probe
    env: dict[str, str] = field(default_factory=dict)
    resources: dict[str, Any] | None = None
    replicas: int | None = None


def _scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool) and value != ""


def _image(p: Properties, value: Any) -> bool:
    if not isinstance(value, dict) or not set(value) <= {"repository", "tag", "registry",
                                                          "pullPolicy", "name"}:
        return False
    repo, tag = value.get("repository"), value.get("tag")
    if not isinstance(repo, str) or not repo or not _scalar(tag):
        return False
    registry = value.get("registry")
    if isinstance(registry, str) and registry:
        repo = f"{registry.rstrip('/')}/{repo}"
    image = {"repository": repo, "tag": str(tag)}
    if value.get("pullPolicy") in PULL_POLICIES:
        image["pullPolicy"] = value["pullPolicy"]
    elif "pullPolicy" in value:
        return False
    p.image = image
    return True


def _routes(p: Properties, value: Any) -> bool:
    items: list[tuple[Any, Any]]
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = [(r.get("name") if isinstance(r, dict) else None, r) for r in value]
    else:
        return False
    for name, route in items:
        if not isinstance(name, str) or not isinstance(route, dict):
            return False
        if not set(route) <= {"name", "port", "containerPort", "protocol", "type"}:
            return False
        container_port = route.get("containerPort", route.get("port"))
        port = route.get("port", container_port)
        if not isinstance(container_port, int) or not isinstance(port, int):
            return False
        protocol = route.get("protocol", DEFAULT_PROTOCOL)
        if protocol not in PROTOCOLS:
            return False
        entry = {"port": port, "containerPort": container_port, "protocol": protocol}
        if p.routes.get(name, entry) != entry:
            return False
        p.routes[name] = entry
    return True


def _probe(stage: str, p: Properties, value: Any) -> bool:
    if not isinstance(value, dict) or sum(h in value for h in PROBE_HANDLERS) != 1:
        return False
    p.probe[stage] = value
    return True


def _probes(p: Properties, value: Any) -> bool:
    return isinstance(value, dict) and set(value) <= set(PROBE_KEYS) and all(
        _probe(PROBE_KEYS[k], p, v) for k, v in value.items())


def _env(p: Properties, value: Any) -> bool:
    if isinstance(value, dict) and all(_scalar(v) or isinstance(v, bool)
                                       for v in value.values()):
        p.env.update({k: str(v).lower() if isinstance(v, bool) else str(v)
                      for k, v in value.items()})
        return True
    if isinstance(value, list) and all(isinstance(v, dict) and set(v) == {"name", "value"}
                                       for v in value):
        p.env.update({v["name"]: str(v["value"]) for v in value})
        return True
    return False


def _resources(p: Properties, value: Any) -> bool:
    if not isinstance(value, dict) or not set(value) <= {"requests", "limits"} or not all(
            isinstance(v, dict) and all(_scalar(x) for x in v.values()) for v in value.values()):
        return False
    p.resources = {k: {n: str(x) for n, x in v.items()} for k, v in value.items()}
    return True


def _replicas(p: Properties, value: Any) -> bool:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        p.replicas = value
        return True
    return False


def _strings(value: Any) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _command(p: Properties, value: Any) -> bool:
    p.command = _strings(value)
    return p.command is not None


def _args(p: Properties, value: Any) -> bool:
    p.args = _strings(value)
    return p.args is not None


READERS: dict[str, Callable[[Properties, Any], bool]] = {
    "image": _image, "routes": _routes, "ports": _routes, "probes": _probes, "env": _env,
    "resources": _resources, "replicas": _replicas, "replicaCount": _replicas,
    "command": _command, "args": _args,
    **{key: partial(_probe, stage) for key, stage in PROBE_KEYS.items()},
}


def read_properties(values: dict[str, Any]) -> tuple[Properties, list[str]]:
    """The built-in properties in a context's v1 values, and the keys that are none of them."""
    fields: list[tuple[str, Any]] = []
    for key, value in values.items():
        if key in ("container", "containers"):
            inner = list(value.values()) if isinstance(value, dict) else value
            if isinstance(inner, list) and len(inner) == 1 and isinstance(inner[0], dict):
                fields += [(k, v) for k, v in inner[0].items()
                           if not (k == "name" and isinstance(v, str))]
                continue
        if key == "serviceType" and value == "ClusterIP":
            continue
        fields.append((key, value))
    props = Properties()
    left = [key for key, value in fields if key not in READERS or not READERS[key](props, value)]
    return props, left


def format1_service(name: str, meta: dict[str, Any],
                    contexts: dict[str, Properties]) -> dict[str, Any]:
    """A format-1 pligos.yaml (as data) using the built-in flavors for these contexts."""
    lists: dict[str, list[dict[str, Any]]] = {k: [] for k in (
        "images", "commands", "probes", "routes", "env", "resources")}

    def entry(kind: str, wanted: str, body: dict[str, Any]) -> str:
        for e in lists[kind]:
            if {k: v for k, v in e.items() if k != "name"} == body:
                return str(e["name"])
        taken = {e["name"] for e in lists[kind]}
        chosen, n = wanted, 2
        while chosen in taken:
            chosen, n = f"{wanted}-{n}", n + 1
        lists[kind].append({"name": chosen, **body})
        return chosen

    out_contexts: list[dict[str, Any]] = []
    for ctx_name, p in contexts.items():
        ctx: dict[str, Any] = {"name": ctx_name,
                               "flavor": "webservice" if p.routes else "worker"}
        if p.image:
            ctx["image"] = entry("images", ctx_name, p.image)
        if p.command is not None or p.args is not None:
            ctx["command"] = entry("commands", ctx_name, {
                "type": "executable", "command": p.command or [], "args": p.args or []})
        if p.probe:
            ctx["probe"] = entry("probes", ctx_name, dict(p.probe))
        if p.routes:
            ctx["routes"] = [entry("routes", rname, body) for rname, body in p.routes.items()]
        if p.env:
            ctx["env"] = [entry("env", ctx_name, {"variables": dict(p.env)})]
        if p.resources:
            ctx["resources"] = entry("resources", ctx_name, dict(p.resources))
        if p.replicas is not None:
            ctx["replicas"] = p.replicas
        out_contexts.append(ctx)
    doc = service_header(name, meta)
    doc.update({k: v for k, v in lists.items() if v})
    doc["contexts"] = out_contexts
    if out_contexts:
        doc["current-context"] = out_contexts[0]["name"]
    return doc


def service_header(name: str, meta: dict[str, Any]) -> dict[str, Any]:
    """The top of a format-1 pligos.yaml for a v1 service, from its Chart.yaml."""
    doc: dict[str, Any] = {"pligos": 1, "name": name}
    if isinstance(meta.get("description"), str) and meta["description"]:
        doc["description"] = meta["description"]
    if meta.get("version") is not None:
        doc["chartVersion"] = str(meta["version"])
    if meta.get("appVersion") is not None:
        doc["appVersion"] = str(meta["appVersion"])
    return doc
