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
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pligos_tui.errors import SecretError
from pligos_tui.io.keypath import KeyPath
from pligos_tui.secrets import SecretProvider, make_provider
from pligos_tui.secrets.data import SecretDataError, secret_text
from pligos_tui.spec.fields import folder_files
from pligos_tui.spec.model import Friend, Mount, Service
from pligos_tui.spec.ports import named_ports
from pligos_tui.spec.resolve import ResolvedContext, deep_merge, resolve_context
from pligos_tui.spec.vocabulary import (
    CONTRACT_VERSION,
    DEFAULT_PULL_POLICY,
    SCRIPTS_MOUNT,
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


def _number_probe_ports(svc: Service, ctx: ResolvedContext, probes: dict[str, Any]) -> None:
    """A probe may name a route the context does not use; it then probes that route's port.

    (A context serving `http-dev` can share a probe written for `http`: the probe gets the
    container port number instead of a port name the container does not have.)
    """
    in_context = {r.name for r in ctx.routes}
    for stage, handler, named in list(named_ports(probes)):
        if named not in in_context:
            route = next((r for r in svc.routes if r.name == named), None)
            if route is not None:
                probes[stage][handler]["port"] = route.container_port


def compile_context(svc: Service, name: str, flavor: str | None = None,
                    secrets: SecretProvider | None = None) -> Compiled:
    """Compile context `name` into the values contract; `flavor` overrides the context's.

    `secrets` is the secret provider to read from; when None and the context uses secrets,
    the provider of the service's `secrets:` block is used.
    """
    ctx = resolve_context(svc, name)
    flavor_name = flavor or ctx.flavor
    files: dict[str, bytes] = {}

    image: dict[str, Any] = {"repository": "", "tag": "", "digest": "", "ref": "",
                             "pullPolicy": DEFAULT_PULL_POLICY, "pullSecrets": []}
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
    compiled = Compiled(service=svc.name, context=name, flavor=flavor_name, values=values,
                        files=files)
    uses = _secret_uses(ctx, svc)
    if uses:
        if secrets is None:
            assert svc.secrets is not None  # validated: secret references need a provider
            secrets = make_provider(svc.secrets.settings, svc.root, svc.file)
        _compile_secrets(compiled, uses, secrets, ctx)
    _compile_friends(svc, ctx, compiled, secrets)
    if ctx.values:
        compiled.values = deep_merge(compiled.values, ctx.values)
        compiled.values_at = ctx.where("values")
        merged_image = compiled.values.get("image")
        given = ctx.values.get("image")
        if isinstance(merged_image, dict) and isinstance(given, dict) and "ref" not in given:
            # what runs follows a repository, tag or digest set through values
            digest, tag = merged_image.get("digest"), merged_image.get("tag")
            merged_image["ref"] = (f"{merged_image.get('repository')}@{digest}" if digest
                                   else f"{merged_image.get('repository')}:{tag}")
    return compiled


DOCKERCONFIG = "kubernetes.io/dockerconfigjson"
TLS = "kubernetes.io/tls"


def _secret_uses(ctx: ResolvedContext, svc: Service) -> dict[str, list[tuple[str, str]]]:
    """secret name -> [(Kubernetes type, what uses it)] for the context."""
    uses: dict[str, list[tuple[str, str]]] = {}
    if ctx.image is not None and ctx.image.pull_secret:
        uses.setdefault(ctx.image.pull_secret, []).append(
            (DOCKERCONFIG, f"the pull secret of image {ctx.image.name!r}"))
    for r in ctx.routes:
        if r.tls:
            uses.setdefault(r.tls, []).append((TLS, f"the TLS secret of route {r.name!r}"))
    for m in ctx.mounts:
        if m.kind == "secret" and m.secret:
            uses.setdefault(m.secret, []).append(("Opaque", f"mount {m.name!r}"))
    for use in ctx.friends:
        friend = svc.friends.get(use.name)
        for key, secret in (friend.credentials.items() if friend else ()):
            uses.setdefault(secret.split("/", 1)[0], []).append(
                ("Opaque", f"credential {key!r} of friend {use.name!r}"))
    return uses


def _dockerconfig(name: str, data: dict[str, bytes]) -> dict[str, bytes]:
    if ".dockerconfigjson" in data:
        return {".dockerconfigjson": data[".dockerconfigjson"]}
    missing = [k for k in ("registry", "username", "password") if k not in data]
    if missing:
        raise SecretDataError(f"pull secret {name!r} needs the keys registry, username and "
                              f"password (or .dockerconfigjson); it lacks {', '.join(missing)}",
                              hint="add the missing keys to the secret", secret=name)
    user, password, registry = (secret_text(name, key, data[key], what="a pull secret")
                                for key in ("username", "password", "registry"))
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    config = {"auths": {registry: {"username": user, "password": password, "auth": auth}}}
    return {".dockerconfigjson": json.dumps(config, sort_keys=True).encode()}


def _compile_secrets(compiled: Compiled, uses: dict[str, list[tuple[str, str]]],
                     provider: SecretProvider,
                     ctx: ResolvedContext) -> None:
    entries: dict[str, Any] = {}
    for name in sorted(uses):
        kinds = {k for k, _ in uses[name]}
        special = kinds - {"Opaque"}
        if len(special) > 1:
            users = " and ".join(w for _, w in uses[name])
            raise SecretError(f"secret {name!r} is used as {users}, which need different kinds "
                              "of secret", hint="use one secret for each")
        kind = special.pop() if special else "Opaque"
        data = provider.get(name, compiled.context)
        if kind == DOCKERCONFIG:
            data = _dockerconfig(name, data)
        elif kind == TLS:
            missing = [k for k in ("tls.crt", "tls.key") if k not in data]
            if missing:
                raise SecretDataError(f"TLS secret {name!r} lacks the keys "
                                      f"{', '.join(missing)} (has: "
                                      f"{', '.join(sorted(data)) or 'none'})",
                                      hint="store the certificate chain as tls.crt and the "
                                           "private key as tls.key", secret=name)
        files = []
        for i, key in enumerate(sorted(data)):  # (keys Kubernetes takes: providers check them)
            source = f"secrets/{name}/{i}"
            compiled.files[source] = chart_bytes(data[key], binary=True)
            files.append({"key": key, "source": source})
        entries[name] = {"type": kind, "files": files}
    compiled.values["secrets"] = entries
    if ctx.image is not None and ctx.image.pull_secret:
        compiled.values["image"]["pullSecrets"] = [ctx.image.pull_secret]


def _compile_friends(svc: Service, ctx: ResolvedContext, compiled: Compiled,
                     provider: SecretProvider | None) -> None:
    friends: dict[str, Any] = {}
    for use in ctx.friends:
        friend = svc.friends[use.name]
        merged = deep_merge(friend.values, use.values)
        credentials = []
        for key, ref in friend.credentials.items():
            assert provider is not None  # validated: credentials need a secret provider
            secret, _, secret_key = ref.partition("/")
            keys = sorted(provider.get(secret, compiled.context))
            if not secret_key:
                if key in keys:
                    secret_key = key
                elif len(keys) == 1:
                    secret_key = keys[0]
                else:
                    raise SecretDataError(f"credential {key!r} of friend {friend.name!r}: "
                                          f"secret {secret!r} has several keys "
                                          f"({', '.join(keys)})",
                                          hint=f"name the key: {key}: {secret}/<key>",
                                          secret=secret)
            elif secret_key not in keys:
                raise SecretDataError(f"credential {key!r} of friend {friend.name!r}: secret "
                                      f"{secret!r} has no key {secret_key!r}",
                                      hint=f"its keys are: {', '.join(keys)}", secret=secret,
                                      key=secret_key)
            credentials.append({"name": friend.env_name(key), "secret": secret,
                                "key": secret_key})
        friends[friend.name] = {
            "type": friend.type,
            "alias": friend.name if friend.type == "requirement" else "",
            "config": dict(friend.config),
            "env": [{"name": friend.env_name(k), "key": k} for k in friend.config],
            "credentials": credentials,
        }
        if friend.type == "requirement":
            compiled.requirements.append(friend)
            compiled.values[friend.name] = merged
        else:
            compiled.shared[friend.name] = (friend, merged)
    compiled.values["friends"] = friends
