"""Compiling a resolved context into the values contract and the files its chart ships.

`compile_context` turns a context, resolved with its `extends` chain and references, into the
values every flavor's templates read (docs/values-contract.md; its top-level keys are
`vocabulary.CONTRACT_KEYS`, in that order) plus the files the chart carries: config files,
scripts and secret data. It reads the service's files and its secret provider, and writes
nothing.
"""

from __future__ import annotations

import base64
import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pligos_tui.charts.delivery import (
    compile_secrets,
    secret_values,
)
from pligos_tui.charts.pod import (
    containers_values,
    default_probes,
    resources_of,
    route_numbers,
    scaling_values,
    security_values,
    tmp_mount,
)
from pligos_tui.io.keypath import KeyPath
from pligos_tui.secrets import LazyProvider, SecretProvider
from pligos_tui.spec.effective import flavor_of, settings_of
from pligos_tui.spec.fields import folder_files
from pligos_tui.spec.flavors import FlavorSet
from pligos_tui.spec.model import Friend, Mount, Service
from pligos_tui.spec.resolve import (
    ResolvedContext,
    container_images,
    deep_merge,
    resolve_context,
)
from pligos_tui.spec.vocabulary import (
    CONTRACT_KEYS,
    CONTRACT_SOURCES,
    CONTRACT_VERSION,
    DEFAULT_PULL_POLICY,
    SCRIPTS_MOUNT,
    SECRET_VALUES_FILE,
)


@dataclass
class Compiled:
    """One context compiled: the chart's values and the files it ships (path -> bytes)."""

    service: str
    context: str
    flavor: str
    values: dict[str, Any]
    files: dict[str, bytes]
    requirements: list[Friend] = field(default_factory=list)  # friends deployed as subcharts
    values_at: KeyPath | None = None  # where the context's raw `values:` were given
    shared: dict[str, tuple[Friend, dict[str, Any]]] = field(default_factory=dict)  # friend, values
    secret_keys: dict[str, list[str]] = field(default_factory=dict)  # inline secrets read


# text that a ConfigMap's `data` cannot carry exactly through helm: control characters other
# than tab and line breaks, line/paragraph separators, non-characters, a byte order mark
_NOT_CONFIGMAP_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029"
                                 "\ufeff\ufffe\uffff]")


def _is_text(data: bytes) -> bool:
    """Whether a file can ship as text (`data`); anything else ships as `binaryData`."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return _NOT_CONFIGMAP_TEXT.search(text) is None


def chart_bytes(data: bytes, binary: bool) -> bytes:
    """What a chart file holds for `data`: text as it is, anything else base64-encoded (helm
    drops a leading byte order mark from the files it loads, so raw bytes would not survive)."""
    return base64.b64encode(data) if binary else data


def _mount_files(svc: Service, mount: Mount) -> list[Path]:
    out: list[Path] = []
    for name in mount.files:
        path = svc.root / name
        out.extend(folder_files(path) if path.is_dir() else [path])
    return out


def _mount_values(svc: Service, m: Mount, files: dict[str, bytes]) -> dict[str, Any]:
    """One mount as the contract's `mounts` item; a `files` mount's files go into `files`."""
    item: dict[str, Any] = {"name": m.name, "path": m.path, "readOnly": m.read_only,
                            "type": m.kind, "main": True}
    if m.kind == "files":
        entries = []
        for path in _mount_files(svc, m):
            data = path.read_bytes()
            source = f"files/mounts/{m.name}/{path.name}"
            binary = not _is_text(data)
            files[source] = chart_bytes(data, binary)
            entries.append({"key": path.name, "source": source, "binary": binary})
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
    return item


def compile_context(svc: Service, name: str, flavor: str | None = None,
                    secrets: SecretProvider | None = None, *,
                    fetch_secrets: bool = True, flavors: FlavorSet | None = None) -> Compiled:
    """Compile context `name` into the values contract; `flavor` overrides the context's.

    `secrets` is the secret provider to read inline secret data from; when None and the
    context has inline secrets, the provider of the service's `secrets:` block is used.
    Without `fetch_secrets` no provider is read, and the chart lacks only its secret data
    (`vocabulary.SECRET_VALUES_FILE`). The flavor (looked up in `flavors`) gives the defaults
    of the context's settings and which keys the values hold.
    """
    ctx = resolve_context(svc, name)
    found = flavor_of(svc, ctx, flavor or ctx.flavor, flavors)
    flavor_name = found.name if found is not None else flavor or ctx.flavor  # (without a pin)
    settings = settings_of(ctx, found)
    resource_defaults = found.defaults.get("resources", {}) if found is not None else {}
    files: dict[str, bytes] = {}

    image: dict[str, Any] = {"repository": "", "tag": "", "digest": "",
                             "pullPolicy": DEFAULT_PULL_POLICY, "pullSecrets": []}
    if ctx.image is not None:
        img = ctx.image
        image.update(repository=img.repository, tag="" if img.digest else img.tag,
                     digest=img.digest, pullPolicy=img.pull_policy)
    pull_secrets = [i.pull_secret for i in [ctx.image, *container_images(svc, ctx)]
                    if i is not None and i.pull_secret]
    image["pullSecrets"] = list(dict.fromkeys(pull_secrets))

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
    default_probes(ctx, probes, settings)
    route_numbers(svc, ctx, probes, every=False)

    routes = [{"name": r.name, "port": r.port, "containerPort": r.container_port,
               "protocol": r.protocol, "appProtocol": r.app_protocol, "fqdn": r.fqdn,
               "path": r.path, "pathType": "Prefix", "tls": r.tls,
               "ingressClass": r.ingress_class, "annotations": dict(r.annotations)}
              for r in ctx.routes]

    mounts = [_mount_values(svc, m, files) for m in ctx.mounts]
    tmp = tmp_mount(mounts, settings)
    containers = containers_values(svc, ctx, mounts, settings, resource_defaults,
                                   lambda m: _mount_values(svc, m, files))
    if tmp is not None:
        mounts.append(tmp)

    env: dict[str, str] = {}
    for e in ctx.env:
        env.update(e.variables)

    values: dict[str, Any] = {
        "pligos": {"contract": CONTRACT_VERSION, "service": svc.name, "context": name,
                   "flavor": flavor_name},
        "metadata": {"name": svc.name, "description": svc.description, "context": name,
                     "appVersion": svc.app_version},
        "image": image,
        "command": command,
        "probes": probes,
        "routes": routes,
        "expose": settings["expose"],
        "service": settings["service"],
        "mounts": mounts,
        "env": env,
        "resources": resources_of(ctx.resources, resource_defaults),
        **scaling_values(ctx, settings),
        "rollout": settings["rollout"],
        "security": security_values(settings),
        "serviceAccount": settings["serviceAccount"],
        "networkPolicy": settings["networkPolicy"],
        "containers": containers,
        "schedule": ctx.schedule or "",
        "job": settings["job"],
        "cronjob": settings["cronjob"],
        "pod": {"annotations": {}, "labels": {}},
        "friends": {},
        "secrets": {},
    }
    assert tuple(values) == CONTRACT_KEYS  # (the contract's keys, in their order)
    compiled = Compiled(service=svc.name, context=name, flavor=flavor_name, values=values,
                        files=files)
    if fetch_secrets and secrets is None and svc.secrets is not None and svc.secrets.provider:
        secrets = LazyProvider(svc.secrets.settings, svc.root, svc.file)  # (read if inline)
    secret_entries, credentials, secret_data = compile_secrets(
        svc, ctx, secrets, fetch=fetch_secrets, settings=settings)
    values["secrets"] = secret_entries
    if secret_data:
        files[SECRET_VALUES_FILE] = secret_values(secret_data)
        compiled.secret_keys = {name: sorted(keys) for name, keys in secret_data.items()}
    _compile_friends(svc, ctx, compiled, credentials)
    if found is not None:
        _keep_accepted(compiled.values, found.accepts)
    if ctx.values:
        compiled.values = deep_merge(compiled.values, ctx.values)
        compiled.values_at = ctx.where("values")
    return compiled


def _keep_accepted(values: dict[str, Any], accepts: tuple[str, ...]) -> None:
    """Leave out of a chart's values the keys whose property its flavor does not take."""
    for key, prop in CONTRACT_SOURCES.items():
        if prop not in accepts:
            values.pop(key, None)
    if "sidecars" not in accepts and "initContainers" not in accepts:
        values.pop("containers", None)


def _compile_friends(svc: Service, ctx: ResolvedContext, compiled: Compiled,
                     credentials: dict[str, list[dict[str, str]]]) -> None:
    friends: dict[str, Any] = {}
    for use in ctx.friends:
        friend = svc.friends[use.name]
        merged = deep_merge(friend.values, use.values)
        friends[friend.name] = {
            "type": friend.type,
            "alias": friend.name if friend.type == "requirement" else "",
            "config": dict(friend.config),
            "env": [{"name": friend.env_name(k), "key": k} for k in friend.config],
            "credentials": credentials.get(friend.name, []),
        }
        if friend.type == "requirement":
            compiled.requirements.append(friend)
            compiled.values[friend.name] = merged
        else:
            compiled.shared[friend.name] = (friend, merged)
    compiled.values["friends"] = friends
