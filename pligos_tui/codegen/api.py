"""What the infrastructure gives a service's container, as a language-neutral description.

`describe(svc, context)` compiles the context (or every context) with `compile_context` and
reads the values contract (docs/values-contract.md): the routes' listening ports, `files`
mounts and the type of each YAML/JSON file's content, `secret` mounts and their keys, plain
environment variables, and each friend's config variables and credentials (each a file named
by `<VARIABLE>_FILE`, or the variable itself: `security.credentialsAs`). Only the service's own
container is described: the mounts only its sidecars and init containers use, and the
writable /tmp of a read-only root file system, are left out. With no context, the description
is the union of all contexts; an item some contexts lack lists the contexts that have it, and
the emitters make it optional.

Secret data is never read into the description: secrets are read through a provider that
keeps their keys and drops their bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import PurePosixPath
from typing import Any

from pligos_tui.charts.contract import Compiled, compile_context
from pligos_tui.codegen import miniyaml
from pligos_tui.codegen.shapes import Shape, infer, merge
from pligos_tui.errors import CodegenError, SecretError
from pligos_tui.secrets import LazyProvider, RedactingProvider, SecretProvider
from pligos_tui.spec.model import Service
from pligos_tui.spec.resolve import require_context
from pligos_tui.spec.rules.secrets import locate_secret_error
from pligos_tui.spec.vocabulary import (
    CREDENTIAL_FILE_SUFFIX,
    CREDENTIALS_MOUNT,
    DEFAULT_PROTOCOL,
    EXISTING,
    TMP_VOLUME,
)

INT = re.compile(r"0|-?[1-9][0-9]{0,17}")


@dataclass(frozen=True)
class Port:
    route: str
    port: int  # the container port the service listens on
    protocol: str
    contexts: tuple[str, ...]


@dataclass(frozen=True)
class ConfigFile:
    key: str  # its name in the mounted folder
    path: str  # absolute, in the container
    format: str  # yaml | json | text | binary
    shape: Shape | None  # the parsed content's type (yaml/json), None when not parsed
    note: str  # why a YAML/JSON file has no parsed accessor, "" otherwise
    contexts: tuple[str, ...]


@dataclass(frozen=True)
class FilesMount:
    name: str
    path: str
    files: tuple[ConfigFile, ...]
    contexts: tuple[str, ...]


@dataclass(frozen=True)
class SecretKey:
    key: str
    path: str
    contexts: tuple[str, ...]


@dataclass(frozen=True)
class SecretMount:
    name: str
    path: str
    secret: str
    keys: tuple[SecretKey, ...]
    contexts: tuple[str, ...]


@dataclass(frozen=True)
class EnvVar:
    name: str
    contexts: tuple[str, ...]


@dataclass(frozen=True)
class FriendValue:
    key: str  # the config key or credential name
    env: str  # the container variable that carries it (a credential: in `env_contexts`)
    type: str  # str | int; credentials are always secret strings
    secret: bool
    contexts: tuple[str, ...]
    # a credential: the variable naming its file, the file's path in the container, and the
    # contexts (of `contexts`) that mount it as that file; the others set `env` itself
    file_env: str = ""
    file: str = ""
    file_contexts: tuple[str, ...] = ()

    @property
    def env_contexts(self) -> tuple[str, ...]:
        """The contexts (of `contexts`) that give a credential as the variable `env`."""
        return tuple(c for c in self.contexts if c not in self.file_contexts)

    def delivery(self) -> str:
        """How a credential reaches the container: files | env | both (by context)."""
        if not self.file_contexts:
            return "env"
        return "files" if not self.env_contexts else "both"

    def source(self) -> str:
        """Where the value comes from, for the generated code's comments."""
        if not self.secret:
            return f"from ${self.env}"
        from_file = f"read from the file named by ${self.file_env} ({self.file})"
        return "a credential, " + {
            "files": from_file, "env": f"from ${self.env}",
            "both": f"{from_file} in {', '.join(self.file_contexts)}, from ${self.env} in "
                    f"{', '.join(self.env_contexts)}"}[self.delivery()]


@dataclass(frozen=True)
class Friend:
    name: str
    values: tuple[FriendValue, ...]
    contexts: tuple[str, ...]


@dataclass(frozen=True)
class Api:
    service: str
    contexts: tuple[str, ...]  # the contexts described
    single: bool  # one context was asked for (--context)
    ports: tuple[Port, ...] = field(default_factory=tuple)
    files: tuple[FilesMount, ...] = field(default_factory=tuple)
    secrets: tuple[SecretMount, ...] = field(default_factory=tuple)
    env: tuple[EnvVar, ...] = field(default_factory=tuple)
    friends: tuple[Friend, ...] = field(default_factory=tuple)

    def optional(self, item: Any) -> bool:
        """Whether some described context lacks the item."""
        return tuple(item.contexts) != self.contexts

    def digest(self) -> str:
        text = json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def _provider(svc: Service) -> SecretProvider | None:
    if svc.secrets is None or not svc.secrets.provider:
        return None
    return RedactingProvider(LazyProvider(svc.secrets.settings, svc.root, svc.file))


def compile_all(svc: Service, context: str | None) -> list[Compiled]:
    names = [c.name for c in svc.contexts]
    if context is not None:
        require_context(svc, context)
    provider = _provider(svc)
    compiled = [compile_context(svc, n, secrets=provider)
                for n in ([context] if context else names)]
    for c in compiled:  # the keys of secrets the chart does not carry: from the store
        for name, entry in c.values.get("secrets", {}).items():
            if name not in c.secret_keys and provider is not None \
                    and entry.get("delivery") != EXISTING:
                try:
                    c.secret_keys[name] = sorted(provider.get(name, c.context))
                except SecretError as exc:
                    raise locate_secret_error(svc, c.context, exc) from None
    return compiled


def _file_format(key: str, binary: bool) -> str:
    suffix = PurePosixPath(key).suffix.lower()
    if binary:
        return "binary"
    return {".yaml": "yaml", ".yml": "yaml", ".json": "json"}.get(suffix, "text")


def _parse(fmt: str, data: bytes) -> tuple[Shape | None, str]:
    text = data.decode("utf-8")
    if fmt == "json":
        try:
            return infer(json.loads(text)), ""
        except ValueError as exc:
            return None, f"is not valid JSON ({exc})"
    value, why = miniyaml.read_parsed(text)
    return (infer(value), "") if not why else (None, why)


def credentials_as_files(values: dict[str, Any]) -> bool:
    """Whether a chart mounts friends' credentials as files: `security.credentialsAs` unless
    it says env, as the flavors' helpers read it (a flavor that does not take `security` has no
    such key in its values, and gets files)."""
    security = values.get("security")
    said = security.get("credentialsAs") if isinstance(security, dict) else None
    return said != "env"


def _credential_name(friend: str, var: str) -> str:
    """`password` of POSTGRES_PASSWORD: the contract names the variable, not the credential."""
    prefix = friend.upper().replace("-", "_") + "_"
    return var.removeprefix(prefix).lower()


class _Union:
    """Collects items by identity over the contexts, checking that they agree."""

    def __init__(self, svc: Service) -> None:
        self.svc = svc
        self.items: dict[tuple[str, ...], dict[str, Any]] = {}

    def add(self, ident: tuple[str, ...], context: str, facts: dict[str, Any],
            what: str) -> dict[str, Any]:
        seen = self.items.get(ident)
        if seen is None:
            seen = self.items[ident] = {"facts": facts, "contexts": [context], "first": context}
            return seen
        for key, value in facts.items():
            if seen["facts"].get(key) != value:
                raise CodegenError(
                    f"{self.svc.file}: {what} has {key} {seen['facts'].get(key)!r} in context "
                    f"{seen['first']!r} but {value!r} in context {context!r}; one API cannot "
                    "cover both", hint="generate for one context: --context NAME")
        seen["contexts"].append(context)
        return seen

    def contexts(self, *ident: str) -> tuple[str, ...]:
        return tuple(self.items[ident]["contexts"])


def describe(svc: Service, context: str | None = None) -> Api:
    compiled = compile_all(svc, context)
    order = [c.context for c in compiled]
    u = _Union(svc)
    ports: list[str] = []
    mounts: list[str] = []
    files: dict[str, list[str]] = {}
    shapes: dict[tuple[str, str], tuple[Shape | None, str]] = {}
    secret_keys: dict[str, list[str]] = {}
    env: list[str] = []
    friends: dict[str, list[str]] = {}
    friend_types: dict[tuple[str, str], str] = {}
    as_files: dict[tuple[str, str], list[str]] = {}  # (friend, variable) -> contexts

    for c in compiled:
        v = c.values
        for r in v.get("routes") or []:
            if ("route", r["name"]) not in u.items:
                ports.append(r["name"])
            u.add(("route", r["name"]), c.context,
                  {"port": r["containerPort"], "protocol": r.get("protocol", DEFAULT_PROTOCOL)},
                  f"route {r['name']!r}")
        for m in v.get("mounts") or []:
            if m["type"] not in ("files", "secret") or m.get("main") is False \
                    or m["name"] == TMP_VOLUME:
                continue  # (only sidecars or init containers mount it; the writable /tmp)
            name = m["name"]
            if ("mount", name) not in u.items:
                mounts.append(name)
            mount_facts = {"type": m["type"], "path": m["path"]}
            if m["type"] == "secret":
                mount_facts["secret"] = m["secret"]["name"]
            u.add(("mount", name), c.context, mount_facts, f"mount {name!r}")
            if m["type"] == "files":
                for f in m.get("files") or []:
                    key = f["key"]
                    if ("file", name, key) not in u.items:
                        files.setdefault(name, []).append(key)
                    fmt = _file_format(key, bool(f.get("binary")))
                    u.add(("file", name, key), c.context, {"format": fmt},
                          f"file {key!r} of mount {name!r}")
                    shape, note = None, ""
                    if fmt in ("yaml", "json"):
                        shape, note = _parse(fmt, c.files[f["source"]])
                    seen = shapes.get((name, key))
                    if seen is None:
                        shapes[(name, key)] = (shape, note)
                    elif seen[0] is not None and shape is not None:
                        shapes[(name, key)] = (merge(seen[0], shape), "")
                    else:
                        shapes[(name, key)] = (None, seen[1] or note)
            else:
                for key in c.secret_keys.get(m["secret"]["name"], []):
                    if ("secret-key", name, key) not in u.items:
                        secret_keys.setdefault(name, []).append(key)
                    u.add(("secret-key", name, key), c.context, {}, "")
        variables = v.get("env") or {}
        if not isinstance(variables, dict):
            raise CodegenError(f"{svc.file}: the values of context {c.context!r} hold `env` as "
                               f"a {type(variables).__name__}, not a mapping of variable names "
                               "to values", hint="env is a mapping NAME: value; fix the "
                               "context's `values:`")
        for var_name in variables:
            if ("env", var_name) not in u.items:
                env.append(var_name)
            u.add(("env", var_name), c.context, {}, "")
        files_here = credentials_as_files(v)
        for fname, friend in sorted((v.get("friends") or {}).items()):
            if ("friend", fname) not in u.items:
                friends[fname] = []
            u.add(("friend", fname), c.context, {}, "")
            config = friend.get("config") or {}
            pairs = [(x["key"], x["name"], "") for x in friend.get("env") or []]
            pairs += [(_credential_name(fname, x["name"]), x["name"],
                       f"{CREDENTIALS_MOUNT}/{fname}/{x['key']}")
                      for x in friend.get("credentials") or []]
            for key, var, file in pairs:
                secret = bool(file)
                ident = ("friend-value", fname, var)
                if ident not in u.items:
                    friends[fname].append(var)
                u.add(ident, c.context, {"key": key, "secret": secret, "file": file},
                      f"variable {var} of friend {fname!r}")
                if secret and files_here:
                    as_files.setdefault((fname, var), []).append(c.context)
                if not secret:
                    text = str(config.get(key, ""))
                    kind = "int" if INT.fullmatch(text) else "str"
                    before = friend_types.get((fname, var))
                    friend_types[(fname, var)] = kind if before in (None, kind) else "str"

    def facts(*ident: str) -> dict[str, Any]:
        facts: dict[str, Any] = u.items[ident]["facts"]
        return facts

    api_ports = tuple(Port(r, facts("route", r)["port"], facts("route", r)["protocol"],
                           u.contexts("route", r)) for r in ports)
    api_files: list[FilesMount] = []
    api_secrets: list[SecretMount] = []
    for name in mounts:
        f = facts("mount", name)
        if f["type"] == "files":
            entries = tuple(
                ConfigFile(key, str(PurePosixPath(f["path"]) / key),
                           facts("file", name, key)["format"], *shapes[(name, key)],
                           contexts=u.contexts("file", name, key))
                for key in files.get(name, []))
            api_files.append(FilesMount(name, f["path"], entries, u.contexts("mount", name)))
        else:
            keys = tuple(SecretKey(k, str(PurePosixPath(f["path"]) / k),
                                   u.contexts("secret-key", name, k))
                         for k in secret_keys.get(name, []))
            api_secrets.append(SecretMount(name, f["path"], f["secret"], keys,
                                           u.contexts("mount", name)))

    def friend_value(name: str, var: str) -> FriendValue:
        f = facts("friend-value", name, var)
        return FriendValue(f["key"], var, friend_types.get((name, var), "str"), f["secret"],
                           u.contexts("friend-value", name, var),
                           file_env=var + CREDENTIAL_FILE_SUFFIX if f["secret"] else "",
                           file=f["file"], file_contexts=tuple(as_files.get((name, var), ())))

    api_friends = tuple(
        Friend(name, tuple(friend_value(name, var) for var in variables),
               u.contexts("friend", name))
        for name, variables in sorted(friends.items()))
    return Api(service=svc.name, contexts=tuple(order), single=context is not None,
               ports=api_ports, files=tuple(api_files), secrets=tuple(api_secrets),
               env=tuple(EnvVar(n, u.contexts("env", n)) for n in env), friends=api_friends)
