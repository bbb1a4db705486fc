"""The values of how a context's pods run: their containers beside the service's own
(sidecars, init containers), their security, how many there are and where they are scheduled.

Each function turns one part of a resolved context and its effective settings
(spec.effective.settings_of) into the keys of the values contract (docs/values-contract.md)
that the flavors' shared helpers read.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from pligos_tui.spec.effective import Settings, replica_range
from pligos_tui.spec.model import Container, Mount, Resources, Service
from pligos_tui.spec.ports import named_ports
from pligos_tui.spec.resolve import ResolvedContext
from pligos_tui.spec.settings import DEFAULT_RESOURCES, merge_setting
from pligos_tui.spec.vocabulary import DEFAULT_PULL_POLICY, TMP_PATH, TMP_VOLUME


def resources_of(entry: Resources | None, defaults: dict[str, Any]) -> dict[str, Any]:
    """A container's requests and limits: the built-in defaults, then the flavor's, then the
    entry's own, key by key (a flavor's default written "" leaves that resource unset)."""
    out = merge_setting(copy.deepcopy(DEFAULT_RESOURCES), defaults)
    if entry is not None:
        own = {"requests": dict(entry.requests), "limits": dict(entry.limits)}
        out = merge_setting(out, {k: v for k, v in own.items() if v})  # (only what it sets)
    kept = {k: {name: q for name, q in v.items() if q != ""} for k, v in out.items()}
    return {k: v for k, v in kept.items() if v}


def route_numbers(svc: Service, ctx: ResolvedContext, probes: dict[str, Any], *,
                  every: bool) -> None:
    """Give a probe the container port number of the route its `port` names where a name
    would not do: a route the context does not serve (a context serving `http-dev` can share a
    probe written for `http`), a grpc probe (Kubernetes takes only a number there) and, with
    `every`, any name (a sidecar has none of the service's named ports)."""
    in_context = {r.name for r in ctx.routes}
    for stage, handler, named in list(named_ports(probes)):
        if every or handler == "grpc" or named not in in_context:
            route = next((r for r in ctx.routes if r.name == named), None) or next(
                (r for r in svc.routes if r.name == named), None)
            if route is not None:
                probes[stage][handler]["port"] = route.container_port


def default_probes(ctx: ResolvedContext, probes: dict[str, Any], settings: Settings) -> None:
    """A context serving a TCP route gets a TCP check of its first one for each of liveness
    and readiness its probe leaves out (setting health.defaultProbes)."""
    if not settings["health"]["defaultProbes"]:
        return
    route = next((r for r in ctx.routes if r.protocol == "TCP"), None)
    if route is None:
        return
    for stage in ("liveness", "readiness"):
        probes.setdefault(stage, {"tcpSocket": {"port": route.name}})


def security_values(settings: Settings) -> dict[str, Any]:
    """The securityContext settings the helpers apply to the pod and every container."""
    security = dict(settings["security"])
    security.pop("reason", None)  # (why a default is off: for the reader of pligos.yaml)
    return security


def tmp_mount(mounts: list[dict[str, Any]], settings: Settings) -> dict[str, Any] | None:
    """A writable /tmp for a read-only root file system, unless something is mounted there."""
    if not settings["security"]["readOnlyRootFilesystem"]:
        return None
    if any(m["path"].rstrip("/") == TMP_PATH for m in mounts):
        return None
    return {"name": TMP_VOLUME, "path": TMP_PATH, "readOnly": False, "type": "emptyDir",
            "main": True, "emptyDir": {"medium": "", "sizeLimit": ""}}


def containers_values(svc: Service, ctx: ResolvedContext, mounts: list[dict[str, Any]],
                      settings: Settings, resource_defaults: dict[str, Any],
                      compile_mount: Callable[[Mount], dict[str, Any]]) -> dict[str, Any]:
    """The sidecars and init containers, each with what it runs; the volumes only they mount
    join `mounts` (as `main: false`). `compile_mount` makes a mount's values item."""
    by_name = {m["name"]: m for m in mounts}
    tmp = tmp_mount(mounts, settings) is not None or TMP_VOLUME in by_name

    def one(c: Container) -> dict[str, Any]:
        image = next((i for i in svc.images if i.name == c.image), None)
        command = next((x for x in svc.commands if x.name == c.command), None)
        probe = next((p for p in svc.probes if p.name == c.probe), None)
        res = next((r for r in svc.resources if r.name == c.resources), None)
        env: dict[str, str] = {}
        for e in svc.env:
            if e.name in c.env:
                env.update(e.variables)
        own: list[dict[str, Any]] = []
        for name in c.mounts:
            mount: Mount | None = next((m for m in svc.mounts if m.name == name), None)
            if mount is None:
                continue
            if name not in by_name:
                item = compile_mount(mount)
                item["main"] = False
                mounts.append(item)
                by_name[name] = item
            own.append({"name": name, "path": mount.path, "readOnly": mount.read_only})
        if tmp and not any(m["path"].rstrip("/") == TMP_PATH for m in own):
            own.append({"name": TMP_VOLUME, "path": TMP_PATH, "readOnly": False})
        probes = copy.deepcopy(probe.stages) if probe is not None else {}
        route_numbers(svc, ctx, probes, every=True)
        pinned: dict[str, Any] = {
            "repository": image.repository if image else "",
            "tag": "" if image is None or image.digest else image.tag,
            "digest": image.digest if image else "",
            "pullPolicy": image.pull_policy if image else DEFAULT_PULL_POLICY}
        if image is not None and image.run_as_user is not None:
            pinned["runAsUser"] = image.run_as_user
        if image is not None and image.run_as_group is not None:
            pinned["runAsGroup"] = image.run_as_group
        return {
            "name": c.name,
            "image": pinned,
            "command": {"command": list(command.command) if command else [],
                        "args": list(command.args) if command else []},
            "probes": probes,
            "env": env,
            "mounts": own,
            "resources": resources_of(res, resource_defaults),
        }

    return {"sidecars": [one(c) for c in ctx.sidecars],
            "init": [one(c) for c in ctx.initContainers]}


def scaling_values(ctx: ResolvedContext, settings: Settings) -> dict[str, Any]:
    """replicas, autoscaling, disruption and scheduling: what depends on how many pods run."""
    low, high = replica_range(ctx, settings)
    scaling = settings["autoscaling"]
    enabled = bool(scaling["maxReplicas"])
    cpu, memory = scaling["cpu"], scaling["memory"]
    if enabled and not cpu and not memory:
        cpu = 80
    disruption = settings["disruption"]
    min_available = disruption["minAvailable"]
    scheduling = copy.deepcopy(settings["scheduling"])
    scheduling["spread"] = bool(scheduling["spread"]) and high > 1
    return {
        "replicas": ctx.replicas if ctx.replicas is not None else 1,
        "autoscaling": {"enabled": enabled, "minReplicas": low if enabled else 0,
                        "maxReplicas": high if enabled else 0, "cpu": cpu, "memory": memory},
        "disruption": {"enabled": bool(disruption["enabled"]) and low > 1,
                       "maxUnavailable": "" if min_available != "" else
                       disruption["maxUnavailable"],
                       "minAvailable": min_available},
        "scheduling": scheduling,
    }
