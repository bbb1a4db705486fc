"""Where each value of a compiled context comes from: the sources `jobs/explain.py` names.

`Trace` answers, for one leaf of a context's values contract (its path and its value), what
set it: an entry of pligos.yaml, the context or one it extends, a `values:` block, a friend's
definition, its flavor's `defaults:`, Pligos' built-in default, or Pligos itself computing it
from other values. It retraces the steps of `spec.resolve`, `spec.effective` and
`charts.contract` without repeating their work: each candidate source is asked for the value
at the leaf's path, and the first (nearest) one holding the value the contract has is it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pligos_tui.errors import display_path
from pligos_tui.io.keypath import KeyPath, format_path
from pligos_tui.io.yamlread import Document, load_file
from pligos_tui.spec.effective import Settings, replica_range
from pligos_tui.spec.flavors import Flavor
from pligos_tui.spec.model import Container, Context, Entry, Resources, Service
from pligos_tui.spec.resolve import ResolvedContext, container_images, pod_mounts
from pligos_tui.spec.settings import DEFAULT_RESOURCES, SETTINGS, default_of
from pligos_tui.spec.vocabulary import (
    CONTEXT_SETTINGS,
    DEFAULT_PULL_POLICY,
    FLAVOR_FILE,
    SCRIPTS_MOUNT,
    TMP_VOLUME,
)

# what set a value (Origin.kind)
ENTRY, CONTEXT, INHERITED, VALUES, FRIEND, FLAVOR, DEFAULT, DERIVED = (
    "entry", "context", "inherited", "values", "friend", "flavor", "default", "derived")
KINDS = (ENTRY, CONTEXT, INHERITED, VALUES, FRIEND, FLAVOR, DEFAULT, DERIVED)

MISSING = object()
# the contract's keys that hold a context property's entries (empty when it has none)
_PROPERTY_OF = {"probes": "probe", "routes": "routes", "mounts": "mounts", "env": "env",
                "friends": "friends", "secrets": "secrets"}


def value_at(data: Any, path: KeyPath) -> Any:
    """The value at `path` inside `data` (mapping keys and list indexes), else MISSING."""
    for step in path:
        if isinstance(data, list) and isinstance(step, int) and 0 <= step < len(data):
            data = data[step]
            continue
        if not isinstance(data, dict) or step not in data:
            return MISSING
        data = data[step]
    return data


def nulled(data: Any, path: KeyPath) -> bool:
    """Whether a step of `path` inside `data` is written null (back to the default)."""
    for step in path:
        if not isinstance(data, dict) or step not in data:
            return False
        data = data[step]
        if data is None:
            return True
    return False


def _null_at(ctx: Context, name: str, rest: KeyPath) -> KeyPath:
    """Where a context writes null on the way to key `rest` of its setting `name`."""
    written: Any = ctx.settings.get(name)
    at: KeyPath = ctx.at + (name,)
    for step in rest:
        at, written = at + (step,), written.get(step) if isinstance(written, dict) else None
        if written is None:
            break
    return at


@dataclass(frozen=True)
class Source:
    """What set one value: its kind, a short name of it (`images[release]`, `postgres`, the
    context's name, a reason), a longer detail, and where it is written (a document and the
    key path in it; none for a built-in default)."""

    kind: str
    source: str = ""
    detail: str = ""
    doc: Document | None = None
    at: KeyPath = ()
    context: str = ""  # the context that made the assignment, if one did


class Trace:
    """The sources of the values of one compiled context."""

    def __init__(self, svc: Service, ctx: ResolvedContext, chain: list[Context],
                 flavor: Flavor | None, settings: Settings, values: dict[str, Any], *,
                 asked: str = "") -> None:
        self.svc, self.ctx, self.chain, self.flavor = svc, ctx, chain, flavor
        self.asked = asked  # the flavor compiled with instead of the context's, if any
        self.settings, self.values = settings, values
        self._flavor_docs: dict[str, Document | None] = {}
        self._handlers: dict[str, Callable[[KeyPath, Any], Source | None]] = {
            "pligos": self._pligos, "metadata": self._metadata, "image": self._image,
            "command": self._command, "probes": self._probes, "routes": self._routes,
            "mounts": self._mounts, "env": self._env, "resources": self._resources,
            "replicas": self._replicas, "autoscaling": self._autoscaling,
            "disruption": self._disruption, "scheduling": self._scheduling,
            "containers": self._containers, "schedule": self._schedule, "pod": self._pod}

    # ----- the chain of contexts

    def via(self, name: str) -> tuple[str, ...]:
        """The extends chain from the explained context to `name` (both included)."""
        names = [c.name for c in self.chain]
        return tuple(names[:names.index(name) + 1]) if name in names else ()

    def _owner(self, at: KeyPath) -> Context | None:
        return next((c for c in self.chain if at[:len(c.at)] == c.at), None)

    def _assigner(self, prop: str) -> str:
        """The context whose assignment of `prop` the explained context has."""
        owner = self._owner(self.ctx.where(prop)) if self.ctx.where(prop) else None
        return owner.name if owner is not None else ""

    def _by_context(self, ctx: Context, at: KeyPath, detail: str = "") -> Source:
        kind = CONTEXT if ctx.name == self.ctx.name else INHERITED
        return Source(kind, ctx.name, detail or f"{format_path(at, self.svc.doc.data)}",
                      self.svc.doc, at, ctx.name)

    def _label(self, at: KeyPath) -> str:
        return format_path(at, self.svc.doc.data)

    # ----- one leaf

    def source(self, path: KeyPath, value: Any) -> Source:
        found = self._values(path, value)
        if found is None:
            handler = self._handlers.get(str(path[0]))
            if len(path) == 1 and path[0] in _PROPERTY_OF:
                found = self._none(_PROPERTY_OF[str(path[0])])
            elif handler is not None:
                found = handler(path, value)
            elif path[0] in CONTEXT_SETTINGS:
                found = self._setting(str(path[0]), path[1:], value)
            elif path[0] in self.svc.friends:
                found = self._requirement(path, value)
        return found or Source(DERIVED, "computed by Pligos",
                               "compiled from the context's properties and settings")

    def _values(self, path: KeyPath, value: Any) -> Source | None:
        """A `values:` block along the chain, nearest first (they are merged over all else)."""
        for c in self.chain:
            if "values" in c.unset:
                return None
            if c.values is not None and value_at(c.values, path) == value:
                return Source(VALUES, c.name, f"values: of context {c.name}", self.svc.doc,
                              c.at + ("values", *path), c.name)
        return None

    # ----- entries

    def _entry(self, entry: Entry | None, rest: KeyPath, prop: str) -> Source | None:
        """An entry's field, when the entry writes it."""
        if entry is None or entry.at + rest not in self.svc.doc.marks:
            return None
        label = self._label(entry.at)
        return Source(ENTRY, label, self._label(entry.at + rest), self.svc.doc,
                      entry.at + rest, self._assigner(prop))

    def _none(self, prop: str) -> Source:
        """An empty key: the context assigns none of `prop` (or an empty list itself)."""
        owner = self._owner(self.ctx.where(prop)) if self.ctx.where(prop) else None
        if owner is not None and prop != "secrets":
            return self._by_context(owner, self.ctx.where(prop), f"{prop}: of {owner.name}")
        dropped = next((c for c in self.chain if prop in c.unset), None)
        if dropped is not None:
            return Source(DEFAULT, f"{prop}: null in {dropped.name}", "null: none of what it "
                          "extends", self.svc.doc, dropped.at + (prop,), dropped.name)
        return self._default(f"the context has no {prop}")

    def _default(self, detail: str) -> Source:
        return Source(DEFAULT, "", detail)

    def _derived(self, reason: str, detail: str = "", doc: Document | None = None,
                 at: KeyPath = (), context: str = "") -> Source:
        return Source(DERIVED, reason, detail or reason, doc or (self.svc.doc if at else None),
                      at, context)

    def _pligos(self, path: KeyPath, value: Any) -> Source | None:
        key = path[1]
        if key == "contract":
            return self._default("the version of the values contract this Pligos writes")
        if key == "service":
            return self._derived("the service's name", at=("name",))
        if key == "context":
            own = self.chain[0]
            return self._derived("the context's name", at=own.at + ("name",),
                                 context=own.name)
        if self.asked:
            return self._derived("the flavor asked for", f"compiled with flavor {self.asked} "
                                 "instead of the context's")
        owner = self._owner(self.ctx.where("flavor"))
        return self._by_context(owner, self.ctx.where("flavor"), f"flavor: of {owner.name}") \
            if owner is not None else None

    def _metadata(self, path: KeyPath, value: Any) -> Source | None:
        key = path[1]
        if key == "context":
            return self._derived("the context's name", at=self.chain[0].at + ("name",))
        written = {"name": "name", "description": "description", "appVersion": "appVersion"}
        if key in written and (written[key],) in self.svc.doc.marks:
            return self._derived(f"the service's {written[key]}", at=(written[key],))
        return self._default(f"pligos.yaml writes no {key}") if key in written else None

    def _image(self, path: KeyPath, value: Any) -> Source | None:
        key, img = path[1], self.ctx.image
        if key == "pullSecrets":
            images = [i for i in [img, *container_images(self.svc, self.ctx)]
                      if i is not None and i.pull_secret]
            if not images:
                return self._default("no image names a pullSecret")
            return self._entry(images[0], ("pullSecret",), "image")
        if img is None:
            return self._default("the context runs no image")
        if key == "tag" and img.digest:
            return self._derived("a digest is used", at=img.at + ("digest",))
        return self._entry(img, (key,), "image") or self._default(
            f"{self._label(img.at)} writes no {key}"
            + (f": {DEFAULT_PULL_POLICY}" if key == "pullPolicy" else ""))

    def _command(self, path: KeyPath, value: Any) -> Source | None:
        cmd, key = self.ctx.command, path[1]
        if cmd is None:
            return self._default("no command: the image's entrypoint runs")
        if key == "type":
            return self._entry(cmd, ("type",), "command") or self._derived(
                f"{cmd.type}: from its fields", at=cmd.at + ("name",))
        if cmd.type == "script" and key in ("command", "script"):
            if path[-1] == "mountPath":
                return self._default(f"scripts are mounted at {SCRIPTS_MOUNT}")
            return self._derived("the script's interpreter and file",
                                 at=cmd.at + ("fileName",), context=self._assigner("command"))
        return self._entry(cmd, path[1:], "command") or self._default(
            f"{self._label(cmd.at)} writes no {key}")

    def _probe(self, probe: Entry | None, stages: dict[str, Any], rest: KeyPath, value: Any,
               prop: str) -> Source | None:
        """A probe's field: written in its entry, or a route's name made its port number."""
        written = value_at(stages, rest)
        if written is MISSING or probe is None:
            return None
        if written == value:
            return self._entry(probe, rest, prop)
        return self._derived(f"the container port of route {written}",
                             at=probe.at + rest, context=self._assigner(prop))

    def _probes(self, path: KeyPath, value: Any) -> Source | None:
        probe = self.ctx.probe
        found = self._probe(probe, probe.stages if probe else {}, path[1:], value, "probe")
        if found is not None:
            return found
        route = next((r for r in self.ctx.routes if r.protocol == "TCP"), None)
        if route is None:
            return None
        return self._derived(f"health.defaultProbes: a TCP check of route {route.name}",
                             at=route.at + ("name",), context=self._assigner("routes"))

    def _routes(self, path: KeyPath, value: Any) -> Source | None:
        index, key = path[1], path[2]
        if not isinstance(index, int) or index >= len(self.ctx.routes):
            return None
        route = self.ctx.routes[index]
        if key == "pathType":
            return self._default("Prefix, the only path type of a route")
        found = self._entry(route, path[2:], "routes")
        if found is None and key == "containerPort":
            return self._derived("its port", at=route.at + ("port",),
                                 context=self._assigner("routes"))
        return found or self._default(f"{self._label(route.at)} writes no {key}")

    def _mounts(self, path: KeyPath, value: Any) -> Source | None:
        item = value_at(self.values, path[:2])
        name = item.get("name") if isinstance(item, dict) else None
        if name == TMP_VOLUME:
            return self._derived("a writable /tmp", "security.readOnlyRootFilesystem is "
                                 "true and nothing else is mounted at /tmp")
        mount = next((m for m in pod_mounts(self.svc, self.ctx) if m.name == name), None)
        if mount is None or len(path) < 3:
            return None
        prop = "mounts" if mount in self.ctx.mounts else \
            "sidecars" if any(name in c.mounts for c in self.ctx.sidecars) else "initContainers"
        key = path[2]
        if key == "main":
            return self._derived("the service's container mounts it" if value else
                                 "only its sidecars or init containers mount it",
                                 at=mount.at + ("name",), context=self._assigner(prop))
        if key in ("type", "files"):
            return self._derived(f"its {mount.kind}:", at=mount.at + (mount.kind,),
                                 context=self._assigner(prop))
        if key in ("secret", "hostPath") and path[-1] in ("name", "path"):
            return self._entry(mount, (key,), prop)
        return self._entry(mount, path[2:], prop) or self._default(
            f"{self._label(mount.at)} writes no {'.'.join(map(str, path[2:]))}")

    def _env(self, path: KeyPath, value: Any) -> Source | None:
        return self._variable(self.ctx.env, str(path[1]), "env")

    def _variable(self, sets: list[Any], name: str, prop: str) -> Source | None:
        for env in reversed(sets):  # (a later entry's variable wins)
            if name in env.variables:
                return self._entry(env, ("variables", name), prop)
        return None

    def _resource(self, entry: Resources | None, rest: KeyPath, value: Any,
                  prop: str) -> Source | None:
        own = {"requests": entry.requests, "limits": entry.limits} if entry else {}
        if value_at(own, rest) == value:
            return self._entry(entry, rest, prop)
        found = self._flavor_default("resources", rest, value)
        if found is not None:
            return found
        if value_at(DEFAULT_RESOURCES, rest) == value:
            return self._default(f"Pligos' default {'.'.join(map(str, rest))} of a container")
        return None

    def _resources(self, path: KeyPath, value: Any) -> Source | None:
        return self._resource(self.ctx.resources, path[1:], value, "resources")

    def _replicas(self, path: KeyPath, value: Any) -> Source | None:
        owner = self._owner(self.ctx.where("replicas")) if self.ctx.where("replicas") else None
        if owner is None:
            return self._default("1 pod")
        return self._by_context(owner, self.ctx.where("replicas"), f"replicas: of {owner.name}")

    def _schedule(self, path: KeyPath, value: Any) -> Source | None:
        owner = self._owner(self.ctx.where("schedule")) if self.ctx.where("schedule") else None
        if owner is None:
            return self._default("no schedule")
        return self._by_context(owner, self.ctx.where("schedule"), f"schedule: of {owner.name}")

    def _pod(self, path: KeyPath, value: Any) -> Source | None:
        return self._default("none; a context's values: may add them")

    # ----- settings

    def _setting(self, name: str, rest: KeyPath, value: Any) -> Source | None:
        """A key of a setting: the nearest context writing it, an image's own user, the
        flavor's defaults, the built-in default (the first holding the value there)."""
        reset: Source | None = None  # a `null` that sent the key back to its default
        for c in self.chain:
            if name in c.unset or nulled(c.settings.get(name), rest):
                at = c.at + (name,) if name in c.unset else _null_at(c, name, rest)
                reset = Source(DEFAULT, f"{format_path(at[len(c.at):])}: null in {c.name}",
                               "null: back to the default", self.svc.doc, at, c.name)
                break
            written = c.settings.get(name)
            if written is None:
                continue
            if value_at(written, rest) == value:
                return self._by_context(c, c.at + (name, *rest),
                                        f"{name}.{'.'.join(map(str, rest))} of {c.name}")
        img = self.ctx.image
        if name == "security" and img is not None and rest:
            own = {"runAsUser": img.run_as_user, "runAsGroup": img.run_as_group,
                   "fsGroup": img.run_as_group}.get(str(rest[0]))
            if own is not None and own == value:
                field = "runAsUser" if rest[0] == "runAsUser" else "runAsGroup"
                return self._entry(img, (field,), "image")
        found = self._flavor_default(name, rest, value)
        if found is not None:
            return found
        kind = SETTINGS[name].get(str(rest[0])) if rest else None
        if kind is not None and value_at(default_of(kind), rest[1:]) == value:
            return reset or self._default(
                f"Pligos' default of {name}.{'.'.join(map(str, rest))}")
        return None

    def _flavor_default(self, name: str, rest: KeyPath, value: Any) -> Source | None:
        """A flavor's `defaults:` (or its base's), at the line of the flavor.yaml writing it."""
        if self.flavor is None or value_at(self.flavor.defaults.get(name, {}), rest) != value:
            return None
        at = ("defaults", name, *rest)
        flavor: Flavor | None = self.flavor
        while flavor is not None:
            doc = self._flavor_doc(flavor)
            if doc is not None and value_at(doc.data, at) is not MISSING:
                return Source(FLAVOR, flavor.name, f"the defaults of flavor {flavor.name}",
                              doc, at, self._assigner("flavor"))
            flavor = flavor.base
        return Source(FLAVOR, self.flavor.name, f"the defaults of flavor {self.flavor.name}",
                      context=self._assigner("flavor"))

    def _flavor_doc(self, flavor: Flavor) -> Document | None:
        key = str(flavor.path)
        if key not in self._flavor_docs:
            file = flavor.path / FLAVOR_FILE
            self._flavor_docs[key] = load_file(file, display_path(file)) \
                if file.is_file() else None
        return self._flavor_docs[key]

    def _pods(self) -> tuple[int, int]:
        return replica_range(self.ctx, self.settings)

    def _autoscaling(self, path: KeyPath, value: Any) -> Source | None:
        key, scaling = path[1], self.settings["autoscaling"]
        top = self._setting("autoscaling", ("maxReplicas",), scaling["maxReplicas"])
        enabled = bool(scaling["maxReplicas"])
        if key == "enabled":
            reset = f" ({top.source})" if top is not None and top.kind == DEFAULT \
                and top.source else ""
            return self._derived("autoscaling.maxReplicas is set" if enabled else
                                 "autoscaling.maxReplicas is not set" + reset,
                                 doc=top.doc if top else None, at=top.at if top else (),
                                 context=top.context if top else "")
        if not enabled and key in ("minReplicas", "maxReplicas"):
            return self._derived("autoscaling is off", doc=top.doc if top else None,
                                 at=top.at if top else (), context=top.context if top else "")
        if enabled and key == "minReplicas" and not scaling["minReplicas"]:
            replicas = self._replicas(("replicas",), self.ctx.replicas)
            return self._derived("the context's replicas", doc=replicas.doc if replicas
                                 else None, at=replicas.at if replicas else (),
                                 context=replicas.context if replicas else "")
        if enabled and key == "cpu" and not scaling["cpu"] and not scaling["memory"]:
            return self._derived("80: neither cpu nor memory is set",
                                 doc=top.doc if top else None, at=top.at if top else ())
        return self._setting("autoscaling", path[1:], value) or self._derived(
            f"raised to the fewest pods, {self._pods()[0]}" if key == "maxReplicas"
            else "computed from the context's autoscaling")

    def _disruption(self, path: KeyPath, value: Any) -> Source | None:
        key, setting = path[1], self.settings["disruption"]
        if key == "enabled":
            low = self._pods()[0]
            why = ("disruption.enabled is false" if not setting["enabled"] else
                   f"{low} pod{'s' if low != 1 else ''} at all times"
                   + (", fewer than two" if low < 2 else ""))
            written = self._setting("disruption", ("enabled",), setting["enabled"])
            scaling = self.settings["autoscaling"]
            fewest = self._setting("autoscaling", ("minReplicas",), scaling["minReplicas"]) \
                if scaling["maxReplicas"] and scaling["minReplicas"] else None
            near = written if written is not None and written.doc is not None else \
                fewest or self._replicas(("replicas",), self.ctx.replicas)
            return self._derived(why, "a PodDisruptionBudget when the setting is on and at "
                                 "least two pods run at all times", doc=near.doc if near
                                 else None, at=near.at if near else (),
                                 context=near.context if near else "")
        if key == "maxUnavailable" and setting["minAvailable"] != "":
            return self._derived("minAvailable is set")
        return self._setting("disruption", path[1:], value)

    def _scheduling(self, path: KeyPath, value: Any) -> Source | None:
        if path[1] == "spread":
            high = self._pods()[1]
            setting = self.settings["scheduling"]["spread"]
            why = "scheduling.spread is false" if not setting else \
                f"at most {high} pod{'s' if high != 1 else ''}" + \
                (": nothing to spread" if high < 2 else "")
            written = self._setting("scheduling", ("spread",), setting)
            return self._derived(why, "pods are spread when the setting is on and more than "
                                 "one may run", doc=written.doc if written else None,
                                 at=written.at if written else (),
                                 context=written.context if written else "")
        return self._setting("scheduling", path[1:], value)

    # ----- sidecars and init containers

    def _containers(self, path: KeyPath, value: Any) -> Source | None:
        group, index = path[1], path[2] if len(path) > 2 else None
        prop = "sidecars" if group == "sidecars" else "initContainers"
        listed: list[Container] = getattr(self.ctx, prop)
        if len(path) < 4 or not isinstance(index, int) or index >= len(listed):
            return self._default(f"the context has no {prop}")
        c, key, rest = listed[index], path[3], path[4:]
        svc = self.svc
        if not rest and key != "name":
            return self._default(f"{self._label(c.at)} names no {key}")
        if key == "name":
            return self._entry(c, ("name",), prop)
        if key == "image":
            img = next((i for i in svc.images if i.name == c.image), None)
            return self._entry(img, rest, prop) or self._default(f"images[{c.image}] writes "
                                                                 f"no {rest[0]}")
        if key == "command":
            cmd = next((x for x in svc.commands if x.name == c.command), None)
            return self._entry(cmd, rest, prop) or self._default("the image's entrypoint")
        if key == "probes":
            probe = next((p for p in svc.probes if p.name == c.probe), None)
            return self._probe(probe, probe.stages if probe else {}, rest, value, prop)
        if key == "env":
            return self._variable([e for e in svc.env if e.name in c.env], str(rest[0]), prop)
        if key == "resources":
            res = next((r for r in svc.resources if r.name == c.resources), None)
            return self._resource(res, rest, value, prop)
        if key == "mounts" and value_at(self.values, path[:5] + ("name",)) == TMP_VOLUME:
            return self._derived("a writable /tmp", "security.readOnlyRootFilesystem is "
                                 "true and nothing else is mounted at /tmp")
        if key == "mounts":
            return self._derived(f"the mounts: of {self._label(c.at)}", at=c.at + ("mounts",),
                                 context=self._assigner(prop))
        return None

    def _requirement(self, path: KeyPath, value: Any) -> Source | None:
        """A requirement friend's subchart values (explain_friends.py)."""
        return None
