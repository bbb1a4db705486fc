"""A service's drafts as pligos.yaml: what contexts share is one named entry, a context that
differs little from an earlier one `extends` it and says only what differs.

Entries are named after what they hold (an image after its repository, `start`, `health`,
`standard` resources, `common` variables); a variant another context needs is named after that
context (`web-prod`). Routes and mounts keep their own names (a route's is its port's): a
context whose route or mount of that name differs gives it inline.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from pligos_tui.io.yamlwrite import dump_for_people
from pligos_tui.jobs.importing.draft import ContainerDraft, ContextDraft, ServiceDraft
from pligos_tui.spec.fields import suggest_label
from pligos_tui.spec.vocabulary import FORMAT

Data = dict[str, Any]
# the keys of a context, in the order pligos.yaml writes them
CONTEXT_ORDER = ("name", "extends", "flavor", "namespace", "release", "image", "command",
                 "probe", "routes", "mounts", "env", "resources", "sidecars", "initContainers",
                 "replicas", "schedule", "friends", "security", "serviceAccount",
                 "networkPolicy", "autoscaling", "disruption", "scheduling", "rollout",
                 "expose", "service", "health", "job", "cronjob", "values")
SETTING_KEYS = ("security", "serviceAccount", "networkPolicy", "autoscaling", "disruption",
                "scheduling", "rollout", "expose", "service", "health", "job", "cronjob")
BASE_NAMES = {"commands": "start", "probes": "health", "resources": "standard"}
ENTRY_KEY = {"image": "images", "command": "commands", "probe": "probes",
             "resources": "resources"}
PROPERTY_ORDER = ("images", "commands", "probes", "routes", "mounts", "env", "resources",
                  "containers")
# a derived context that must say more than this share of its keys stands alone
EXTEND_BELOW = 0.5


@dataclass
class _Entries:
    """The named entries of each property list, in order of first use."""

    lists: dict[str, list[Data]] = field(default_factory=lambda: {k: [] for k in PROPERTY_ORDER})

    def name_for(self, prop: str, value: Data, base: str, context: str) -> str:
        """The name of the entry holding `value`: an existing one, else a new one."""
        for entry in self.lists[prop]:
            if {k: v for k, v in entry.items() if k != "name"} == value:
                return str(entry["name"])
        taken = {str(e["name"]) for e in self.lists[prop]}
        name = base if base not in taken else _fit(f"{base}-{context}", taken)
        self.lists[prop].append({"name": name, **value})
        return name

    def named(self, prop: str, entry: Data) -> str | Data:
        """A route's or mount's name when the entry of that name holds the same, else the
        entry itself (inline)."""
        for have in self.lists[prop]:
            if have["name"] == entry["name"]:
                return str(entry["name"]) if have == entry else copy.deepcopy(entry)
        self.lists[prop].append(copy.deepcopy(entry))
        return str(entry["name"])


def _fit(name: str, taken: set[str]) -> str:
    name = name[:63].rstrip("-")
    n, candidate = 2, name
    while candidate in taken:
        candidate = f"{name[:60]}-{n}"
        n += 1
    return candidate


def image_base(repository: str) -> str:
    return suggest_label(repository.rstrip("/").rsplit("/", 1)[-1], 40)


def service_document(svc: ServiceDraft) -> Data:
    """The pligos.yaml data of a drafted service."""
    entries = _Entries()
    plain = [_context_data(c, entries, svc) for c in svc.contexts]
    contexts = _with_extends(plain)
    doc: Data = {"pligos": FORMAT, "name": svc.name}
    if svc.description:
        doc["description"] = svc.description
    if svc.chart_version:
        doc["chartVersion"] = svc.chart_version
    if svc.app_version:
        doc["appVersion"] = svc.app_version
    if svc.friends_library:
        doc["friendsLibrary"] = list(svc.friends_library)
    secrets = _secrets_block(svc)
    if secrets:
        doc["secrets"] = secrets
    for prop in PROPERTY_ORDER:
        if entries.lists[prop]:
            doc[prop] = entries.lists[prop]
    doc["contexts"] = contexts
    doc["current-context"] = svc.contexts[0].name
    return doc


def _secrets_block(svc: ServiceDraft) -> Data:
    names: dict[str, str] = {}
    for ctx in svc.contexts:
        names.update(ctx.secrets)
    if not names and not any(ctx.friends for ctx in svc.contexts):
        return {}
    block: Data = {"delivery": "existing"}
    renamed = {k: v for k, v in names.items() if k != v}
    if renamed:
        block["names"] = renamed
    return block


def _context_data(ctx: ContextDraft, entries: _Entries, svc: ServiceDraft) -> Data:
    data: Data = {"name": ctx.name, "flavor": ctx.flavor}
    if ctx.namespace and ctx.namespace != ctx.name:
        data["namespace"] = ctx.namespace
    if ctx.release and ctx.release != svc.name:
        data["release"] = ctx.release
    for key in ("image", "command", "probe", "resources"):
        value = getattr(ctx, key)
        if value is None:
            continue
        prop = ENTRY_KEY[key]
        base = image_base(value["repository"]) if key == "image" else BASE_NAMES[prop]
        data[key] = entries.name_for(prop, value, base, ctx.name)
    for key in ("routes", "mounts"):
        items = getattr(ctx, key)
        if items:
            data[key] = [entries.named(key, e) for e in items]
    if ctx.env:
        data["env"] = _env_refs(ctx, entries, svc)
    for key, containers in (("sidecars", ctx.sidecars), ("initContainers", ctx.init)):
        if containers:
            data[key] = [_container_ref(c, entries, ctx.name) for c in containers]
    if ctx.replicas is not None:
        data["replicas"] = ctx.replicas
    if ctx.schedule is not None:
        data["schedule"] = ctx.schedule
    if ctx.friends:
        data["friends"] = list(ctx.friends)
    for key in SETTING_KEYS:
        if ctx.settings.get(key):
            data[key] = copy.deepcopy(ctx.settings[key])
    if ctx.values:
        data["values"] = copy.deepcopy(ctx.values)
    return data


def _env_refs(ctx: ContextDraft, entries: _Entries, svc: ServiceDraft) -> list[str]:
    """The context's variables as env entries: those every context sets alike in `common`,
    the rest in an entry of the context's own."""
    others = [c.env for c in svc.contexts if c.env]
    common = {k: v for k, v in ctx.env.items() if all(o.get(k) == v for o in others)}
    refs = []
    if common:
        refs.append(entries.name_for("env", {"variables": common}, "common", ctx.name))
    rest = {k: v for k, v in ctx.env.items() if k not in common}
    if rest:
        refs.append(entries.name_for("env", {"variables": rest}, ctx.name, ctx.name))
    return refs


def _container_ref(c: ContainerDraft, entries: _Entries, context: str) -> str | Data:
    entry: Data = {"name": c.name,
                   "image": entries.name_for("images", c.image, _fit(c.name, set()), context)}
    if c.command is not None:
        entry["command"] = entries.name_for("commands", c.command, c.name, context)
    if c.probe is not None:
        entry["probe"] = entries.name_for("probes", c.probe, c.name, context)
    if c.env:
        entry["env"] = [entries.name_for("env", {"variables": c.env}, c.name, context)]
    if c.mounts:
        entry["mounts"] = list(c.mounts)
    if c.resources is not None:
        entry["resources"] = entries.name_for("resources", c.resources, c.name, context)
    return entries.named("containers", entry)


# ----- extends

def _with_extends(contexts: list[Data]) -> list[Data]:
    out: list[Data] = []
    for i, ctx in enumerate(contexts):
        best: tuple[int, Data] | None = None
        for earlier in contexts[:i]:
            delta = _delta(earlier, ctx)
            if delta is not None and (best is None or len(delta) < len(best[1])):
                best = (contexts.index(earlier), delta)
        if best is not None and len(best[1]) - 1 < EXTEND_BELOW * (len(ctx) - 1):
            index, delta = best
            out.append({"name": ctx["name"], "extends": contexts[index]["name"],
                        **{k: v for k, v in delta.items() if k != "name"}})
        else:
            out.append(ctx)
    return [_ordered(c) for c in out]


def _delta(base: Data, ctx: Data) -> Data | None:
    """What `ctx` must say when it extends `base` (None: it cannot, e.g. values it drops)."""
    delta: Data = {"name": ctx["name"]}
    for key in {*base, *ctx} - {"name", "current-context"}:
        if key == "namespace" or key == "release":
            if ctx.get(key) != base.get(key):
                # an unset namespace means the context's own name, which extends keeps
                delta[key] = ctx.get(key, ctx["name"] if key == "namespace" else None)
            continue
        if key not in ctx:
            delta[key] = [] if key in ("routes", "mounts", "env", "sidecars",
                                       "initContainers", "friends") else None
            if key == "values":
                return None
        elif key not in base or base[key] != ctx[key]:
            if key in SETTING_KEYS and isinstance(base.get(key), dict):
                delta[key] = _setting_delta(base[key], ctx[key])
            elif key == "values" and key in base:
                sub = _values_delta(base[key], ctx[key])
                if sub is None:
                    return None
                delta[key] = sub
            else:
                delta[key] = ctx[key]
    return delta


def _setting_delta(base: Data, ctx: Data) -> Data:
    out: Data = {}
    for key in {*base, *ctx}:
        if key not in ctx:
            out[key] = None
        elif base.get(key) != ctx[key]:
            out[key] = ctx[key]
    return dict(sorted(out.items()))


def _values_delta(base: Any, ctx: Any) -> Any:
    if not (isinstance(base, dict) and isinstance(ctx, dict)):
        return ctx
    if set(base) - set(ctx):
        return None
    out: Data = {}
    for key, value in ctx.items():
        if key not in base:
            out[key] = value
        elif base[key] != value:
            sub = _values_delta(base[key], value)
            if sub is None:
                return None
            out[key] = sub
    return out


def _ordered(ctx: Data) -> Data:
    return {k: ctx[k] for k in CONTEXT_ORDER if k in ctx}


def pligos_yaml(svc: ServiceDraft, header: list[str]) -> str:
    """The text of pligos.yaml: a comment header, then the document."""
    lines = "".join(f"# {line}\n" if line else "#\n" for line in header)
    return lines + dump_for_people(service_document(svc))
