"""Resolving a context: its `extends` chain applied, every reference replaced by its entry.

`resolve_context` gives a ResolvedContext with every assignment in place and where each was
made (`origin`), which the rules check and the compiler turns into the values contract.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from pligos_tui.errors import ResolveError, UnknownContext
from pligos_tui.io.keypath import KeyPath
from pligos_tui.spec.model import (
    Command,
    Container,
    Context,
    Delivery,
    Entry,
    EnvSet,
    FriendUse,
    Image,
    Mount,
    Probe,
    Ref,
    Resources,
    Route,
    Service,
)
from pligos_tui.spec.settings import merge_setting
from pligos_tui.spec.vocabulary import (
    CONTEXT_PROPERTIES,
    CONTEXT_REF_LISTS,
    CONTEXT_REFS,
    CONTEXT_SETTINGS,
    DEFAULT_REFRESH_INTERVAL,
    DELIVERY_KEYS,
    INLINE,
    SECRET_DELIVERIES,
)


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
    sidecars: list[Container] = field(default_factory=list)
    initContainers: list[Container] = field(default_factory=list)
    replicas: int | None = None
    schedule: str | None = None
    # setting -> the keys written along the extends chain, merged (spec/settings.effective adds
    # the defaults)
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    friends: list[FriendUse] = field(default_factory=list)
    namespace: str | None = None  # None: the namespace helm is given
    release: str | None = None  # None: the service's name
    cluster: str | None = None  # None: the cluster the GitOps engine runs in
    delivery: Delivery = field(default_factory=Delivery)
    origin: dict[str, KeyPath] = field(default_factory=dict)  # property -> where it was set

    @property
    def assigned(self) -> list[str]:
        """The properties the context has (an empty list or mapping counts as none)."""
        return [p for p in CONTEXT_PROPERTIES if p in self.origin
                and (self.settings.get(p, {}) if p in CONTEXT_SETTINGS else getattr(self, p))
                not in ([], {})]

    def where(self, prop: str) -> KeyPath:
        return self.origin.get(prop, ())

    @property
    def containers(self) -> list[Container]:
        """The pod's containers besides the service's own: init containers, then sidecars."""
        return [*self.initContainers, *self.sidecars]


def container_images(svc: Service, ctx: ResolvedContext) -> list[Image]:
    """The images the context's init and sidecar containers run (each that is defined)."""
    return [i for c in ctx.containers for i in svc.images if i.name == c.image]


def pod_mounts(svc: Service, ctx: ResolvedContext) -> list[Mount]:
    """Every mount of the context's pods: its own, then those only its containers use."""
    mounts = list(ctx.mounts)
    for c in ctx.containers:
        mounts += [m for m in svc.mounts if m.name in c.mounts and m not in mounts]
    return mounts


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


def _entry(svc: Service, prop: str, ref: Ref[Entry]) -> Entry | None:
    if ref.inline is not None:
        return ref.inline
    return next((e for e in svc.entries(prop) if e.name == ref.name), None)


def resolve_context(svc: Service, name: str) -> ResolvedContext:
    chain = extends_chain(svc, name)
    resolved = ResolvedContext(name=name, chain=[c.name for c in chain])
    for ctx in reversed(chain):  # the farthest ancestor first, the context itself last
        for key in ctx.unset - {"secrets"}:  # (delivery() reads secrets: null itself)
            if key in CONTEXT_SETTINGS:
                resolved.settings.pop(key, None)
            else:
                default = ResolvedContext(name=name, chain=[])
                setattr(resolved, key, getattr(default, key))
            resolved.origin.pop(key, None)
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
        for key in ("replicas", "schedule", "friends", "namespace", "release", "cluster"):
            value = getattr(ctx, key)
            if value is not None:
                setattr(resolved, key, value)
                resolved.origin[key] = ctx.at + (key,)
        for key, written in ctx.settings.items():  # (a key null stays None: to the default)
            merged = merge_setting(resolved.settings.get(key, {}), written)
            merged.update({k: None for k, v in written.items() if v is None})
            resolved.settings[key] = merged
            resolved.origin[key] = ctx.at + (key,)
        if ctx.values is not None:
            resolved.values = deep_merge(resolved.values, ctx.values)
            resolved.origin["values"] = ctx.at + ("values",)
        if ctx.secrets is not None:
            resolved.origin["secrets"] = ctx.at + ("secrets",)
    resolved.delivery = delivery(svc, chain)
    return resolved


def release_name(svc: Service, ctx: ResolvedContext) -> str:
    """The helm release of a context: its `release:`, else the service's name."""
    return ctx.release or svc.name


def namespace_of(ctx: ResolvedContext) -> str:
    """The namespace a context deploys to: its `namespace:`, else one named after the
    context, so that the contexts of one service never share a namespace (their objects have
    the same names) while the services of one context do (and find their shared
    dependencies by short names). `render`, `preview`, `gitops` and the helm line of
    `pligos contexts` all use it."""
    return ctx.namespace or ctx.name


def delivery(svc: Service, chain: list[Context]) -> Delivery:
    """How secret data reaches the cluster for the first context of `chain`: the secrets
    block's choice, then each context's `secrets:` from the farthest ancestor on (a mapping
    merged key by key; `secrets: null` goes back to the block's)."""
    settings: dict[str, Any] = {}
    if svc.secrets is not None:
        settings = {k: v for k, v in svc.secrets.settings.items() if k in DELIVERY_KEYS}
    for ctx in reversed(chain):
        if "secrets" in ctx.unset:
            settings = {k: v for k, v in (svc.secrets.settings.items() if svc.secrets else ())
                        if k in DELIVERY_KEYS}
        if ctx.secrets is not None:
            settings = deep_merge(settings, ctx.secrets)
    store, names = settings.get("store"), settings.get("names")
    store = store if isinstance(store, dict) else {}
    names = names if isinstance(names, dict) else {}
    mode = settings.get("delivery")
    return Delivery(mode=mode if mode in SECRET_DELIVERIES else INLINE,
                    store_kind=str(store.get("kind", "")), store_name=str(store.get("name", "")),
                    refresh_interval=str(settings.get("refreshInterval")
                                         or DEFAULT_REFRESH_INTERVAL),
                    names={str(k): str(v) for k, v in names.items()})


def require_context(svc: Service, name: str) -> Context:
    """The context named `name`, or an UnknownContext error that names the closest one."""
    ctx = svc.context(name)
    if ctx is None:
        raise UnknownContext(svc.file, name, [c.name for c in svc.contexts])
    return ctx
