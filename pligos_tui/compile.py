"""Resolving a context (extends, references) and compiling it into the values contract.

`resolve_context` follows a context's `extends` chain and its references to entries, giving a
ResolvedContext with every assignment in place. `compile_context` turns that into the values
contract (docs/values-contract.md) plus the files the chart ships (config files, scripts).
Both are pure: they read the service's files but write nothing.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pligos_tui.errors import PligosError
from pligos_tui.model import (
    CONTEXT_PROPERTIES, CONTEXT_REF_LISTS, CONTEXT_REFS, Command, Context, Entry, EnvSet,
    FriendUse, Image, Mount, Probe, Ref, Resources, Route, Service,
)
from pligos_tui.yamlfile import KeyPath

CONTRACT_VERSION = 1
SCRIPTS_MOUNT = "/pligos/scripts"


class ResolveError(PligosError):
    def __init__(self, message: str, at: KeyPath, hint: str = "") -> None:
        super().__init__(message, hint)
        self.at = at


@dataclass
class ResolvedContext:
    """A context with its extends chain applied and every reference replaced by its entry."""

    name: str
    chain: list[str]  # the context, then what it extends, and so on
    flavor: str = ""
    image: Image | None = None
    command: Command | None = None
    probe: Probe | None = None
    routes: list[Route] = field(default_factory=list)
    mounts: list[Mount] = field(default_factory=list)
    env: list[EnvSet] = field(default_factory=list)
    resources: Resources | None = None
    replicas: int | None = None
    schedule: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    friends: list[FriendUse] = field(default_factory=list)
    origin: dict[str, KeyPath] = field(default_factory=dict)  # property -> where it was set

    @property
    def assigned(self) -> list[str]:
        return [p for p in CONTEXT_PROPERTIES if p in self.origin]

    def where(self, prop: str) -> KeyPath:
        return self.origin.get(prop, ())


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Maps merge key by key; anything else in `over` replaces what `base` has."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def extends_chain(svc: Service, name: str) -> list[Context]:
    """The context named `name` followed by its ancestors; a cycle is a ResolveError."""
    chain: list[Context] = []
    current = svc.context(name)
    if current is None:
        raise ResolveError(f"no context named {name!r}", ())
    while current is not None:
        if any(c.name == current.name for c in chain):
            names = " -> ".join([c.name for c in chain] + [current.name])
            raise ResolveError(f"extends forms a cycle: {names}", chain[0].at + ("extends",),
                               "remove extends from one of these contexts")
        chain.append(current)
        current = svc.context(current.extends) if current.extends else None
    return chain


def _entry(svc: Service, prop: str, ref: Ref) -> Entry | None:
    if ref.inline is not None:
        return ref.inline
    return next((e for e in svc.entries(prop) if e.name == ref.name), None)


def resolve_context(svc: Service, name: str) -> ResolvedContext:
    chain = extends_chain(svc, name)
    resolved = ResolvedContext(name=name, chain=[c.name for c in chain])
    for ctx in reversed(chain):  # the farthest ancestor first, the context itself last
        if ctx.flavor:
            resolved.flavor = ctx.flavor
            resolved.origin["flavor"] = ctx.at + ("flavor",)
        for key, prop in CONTEXT_REFS.items():
            ref = getattr(ctx, key)
            if ref is not None:
                setattr(resolved, key, _entry(svc, prop, ref))
                resolved.origin[key] = ctx.at + (key,)
        for key, prop in CONTEXT_REF_LISTS.items():
            refs = getattr(ctx, key)
            if refs is not None:
                entries = [_entry(svc, prop, r) for r in refs]
                setattr(resolved, key, [e for e in entries if e is not None])
                resolved.origin[key] = ctx.at + (key,)
        for key in ("replicas", "schedule", "friends"):
            value = getattr(ctx, key)
            if value is not None:
                setattr(resolved, key, value)
                resolved.origin[key] = ctx.at + (key,)
        if ctx.values is not None:
            resolved.values = deep_merge(resolved.values, ctx.values)
            resolved.origin["values"] = ctx.at + ("values",)
    return resolved


@dataclass
class Compiled:
    """One context compiled: the chart's values and the files it ships (path -> bytes)."""

    service: str
    context: str
    flavor: str
    values: dict[str, Any]
    files: dict[str, bytes]


def _is_text(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\0" not in data


def _mount_files(svc: Service, mount: Mount) -> list[Path]:
    out: list[Path] = []
    for name in mount.files:
        path = svc.root / name
        out.extend(sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path])
    return out


def _number_probe_ports(svc: Service, ctx: ResolvedContext, probes: dict[str, Any]) -> None:
    """A probe may name a route the context does not use; it then probes that route's port.

    (A context serving `http-dev` can share a probe written for `http`: the probe gets the
    container port number instead of a port name the container does not have.)
    """
    in_context = {r.name for r in ctx.routes}
    for spec in probes.values():
        for handler in ("httpGet", "tcpSocket"):
            named = spec.get(handler, {}).get("port")
            if isinstance(named, str) and named not in in_context:
                route = next((r for r in svc.routes if r.name == named), None)
                if route is not None:
                    spec[handler]["port"] = route.container_port


def compile_context(svc: Service, name: str, flavor: str | None = None) -> Compiled:
    """Compile context `name` into the values contract; `flavor` overrides the context's."""
    ctx = resolve_context(svc, name)
    flavor_name = flavor or ctx.flavor
    files: dict[str, bytes] = {}

    image: dict[str, Any] = {"repository": "", "tag": "", "digest": "", "ref": "",
                             "pullPolicy": "IfNotPresent", "pullSecrets": []}
    if ctx.image is not None:
        img = ctx.image
        ref = f"{img.repository}@{img.digest}" if img.digest else f"{img.repository}:{img.tag}"
        image.update(repository=img.repository, tag="" if img.digest else img.tag,
                     digest=img.digest, ref=ref, pullPolicy=img.pull_policy)

    command: dict[str, Any] = {"type": "image", "command": [], "args": []}
    if ctx.command is not None:
        cmd = ctx.command
        if cmd.type == "script":
            script = svc.root / cmd.file_name
            key = script.name
            files[f"files/scripts/{key}"] = script.read_bytes()
            command = {"type": "script",
                       "command": [*cmd.interpreter, f"{SCRIPTS_MOUNT}/{key}"],
                       "args": list(cmd.args),
                       "script": {"file": key, "mountPath": SCRIPTS_MOUNT}}
        else:
            command = {"type": "executable", "command": list(cmd.command),
                       "args": list(cmd.args)}

    probes: dict[str, Any] = {}
    if ctx.probe is not None:
        probes = copy.deepcopy(ctx.probe.stages)
        _number_probe_ports(svc, ctx, probes)

    routes = [{"name": r.name, "port": r.port, "containerPort": r.container_port,
               "protocol": r.protocol, "fqdn": r.fqdn, "path": r.path, "pathType": "Prefix",
               "tls": r.tls} for r in ctx.routes]

    mounts: list[dict[str, Any]] = []
    for m in ctx.mounts:
        item: dict[str, Any] = {"name": m.name, "path": m.path, "readOnly": m.read_only,
                                "type": m.kind}
        if m.kind == "files":
            entries = []
            for path in _mount_files(svc, m):
                data = path.read_bytes()
                source = f"files/mounts/{m.name}/{path.name}"
                files[source] = data
                entries.append({"key": path.name, "source": source, "binary": not _is_text(data)})
            item["files"] = entries
        elif m.kind == "secret":
            item["secret"] = {"name": m.secret}
        elif m.kind == "hostPath":
            item["hostPath"] = {"path": m.host_path}
        elif m.kind == "volume":
            item["volume"] = dict(m.volume)
        else:
            item["emptyDir"] = {"medium": m.empty_dir.get("medium", ""),
                                "sizeLimit": m.empty_dir.get("sizeLimit", "")}
        mounts.append(item)

    env: dict[str, str] = {}
    for e in ctx.env:
        env.update(e.variables)

    resources: dict[str, Any] = {}
    if ctx.resources is not None:
        if ctx.resources.requests:
            resources["requests"] = dict(ctx.resources.requests)
        if ctx.resources.limits:
            resources["limits"] = dict(ctx.resources.limits)

    values: dict[str, Any] = {
        "pligos": {"contract": CONTRACT_VERSION, "service": svc.name, "context": name,
                   "flavor": flavor_name},
        "metadata": {"name": svc.name, "description": svc.description, "context": name,
                     "appVersion": svc.app_version},
        "image": image,
        "command": command,
        "probes": probes,
        "routes": routes,
        "ingress": {"className": "", "annotations": {}},
        "mounts": mounts,
        "env": [{"name": k, "value": v} for k, v in env.items()],
        "resources": resources,
        "replicas": ctx.replicas if ctx.replicas is not None else 1,
        "schedule": ctx.schedule or "",
        "cronjob": {"concurrencyPolicy": "Forbid", "backoffLimit": 6,
                    "restartPolicy": "OnFailure"},
        "pod": {"annotations": {}, "labels": {}},
        "friends": {},
        "secrets": {},
    }
    if ctx.values:
        values = deep_merge(values, ctx.values)
    return Compiled(service=svc.name, context=name, flavor=flavor_name, values=values,
                    files=files)
