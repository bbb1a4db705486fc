"""Rules of how a context's pods run: its settings (security, exposure, scaling, rollout) as
its flavor's defaults and its own mappings make them, and its sidecars and init containers."""

from __future__ import annotations

from collections.abc import Iterator

from pligos_tui.errors import Rule, did_you_mean
from pligos_tui.io.keypath import KeyPath
from pligos_tui.spec.effective import Settings, replica_range
from pligos_tui.spec.fields import NAME_DNS, dns_label
from pligos_tui.spec.model import Container, Image
from pligos_tui.spec.reader import INT_RANGE
from pligos_tui.spec.resolve import ResolvedContext, pod_mounts
from pligos_tui.spec.rules.context import ABSENT, RuleContext
from pligos_tui.spec.rules.contexts import REF_UNKNOWN
from pligos_tui.spec.rules.registry import Found, rule
from pligos_tui.spec.rules.resolved import CONTEXT_TWICE
from pligos_tui.spec.vocabulary import (
    CONTAINER_REF_LISTS,
    CONTAINER_REFS,
    ENTRY_WORDS,
    SAFE_CAPABILITIES,
)

SECURITY_REASON = Rule("E-SECURITY-REASON", "a context turns off a secure default (read-only "
                       "root file system, a non-root user, credentials as files, no added "
                       "capabilities) without saying why in security.reason")
GATEWAY_NAME = Rule("E-GATEWAY-NAME", "routes exposed through Gateway API without the name of "
                    "the Gateway to attach to")
AUTOSCALING_RANGE = Rule("E-AUTOSCALING-RANGE", "autoscaling whose maxReplicas is below its "
                         "minReplicas")
DISRUPTION_BOTH = Rule("E-DISRUPTION-BOTH", "a disruption budget with both minAvailable and "
                       "maxUnavailable")
PRESTOP_BOTH = Rule("E-PRESTOP-BOTH", "a preStop hook with both sleep and command")
ROLLOUT_STRATEGY = Rule("E-ROLLOUT-STRATEGY", "a rollout strategy the context's workload does "
                        "not have (Recreate: Deployments; OnDelete: StatefulSets, DaemonSets)")
CONTAINER_RUNS = Rule("E-CONTAINER-RUNS", "a sidecar or init container with what it cannot run: "
                      "a script command, or a probe on an init container")
VOLUME_SHARED = Rule("E-VOLUME-SHARED", "a ReadWriteOnce volume mounted by the many pods of a "
                     "Deployment (they may run on different nodes)")

_REASON_HINT = ('say why in security.reason (e.g. reason: "the image writes to /var/run"), '
                "so that a reviewer sees it")
# the kinds of workload whose pods share one claim of a `volume` mount
_SHARED_CLAIMS = ("Deployment",)
# the rollout strategies of each kind of workload (Jobs and CronJobs have none)
_STRATEGIES = {"Deployment": ("RollingUpdate", "Recreate"),
               "StatefulSet": ("RollingUpdate", "OnDelete"),
               "DaemonSet": ("RollingUpdate", "OnDelete")}


def _settings(ctx: RuleContext) -> Iterator[tuple[str, ResolvedContext, Settings]]:
    for context, resolved, _ in ctx.flavored:
        yield context.name, resolved, ctx.settings[context.name]


def _at(ctx: RuleContext, resolved: ResolvedContext, setting: str, *keys: str) -> KeyPath:
    """Where a setting's key was written for a context (the setting, else the context)."""
    base = resolved.where(setting)
    if not base:
        chain = [c for c in ctx.svc.contexts if c.name in resolved.chain]
        return chain[0].at if chain else ()
    path = base + tuple(keys)
    return path if ctx.written(path) is not ABSENT else base


@rule(SECURITY_REASON)
def insecure_without_reason(ctx: RuleContext) -> Iterator[Found]:
    for name, resolved, settings in _settings(ctx):
        security = settings["security"]
        if security["reason"]:
            continue
        turned_off: list[tuple[str, str]] = []
        if not security["readOnlyRootFilesystem"]:
            turned_off.append(("readOnlyRootFilesystem", "a writable root file system"))
        if security["runAsUser"] == 0:
            turned_off.append(("runAsUser", "running as root"))
        if security["credentialsAs"] == "env":
            turned_off.append(("credentialsAs", "credentials in environment variables"))
        unsafe = [c for c in security["addCapabilities"] if c not in SAFE_CAPABILITIES]
        if unsafe:
            turned_off.append(("addCapabilities", f"the capabilities {', '.join(unsafe)}"))
        for key, what in turned_off:
            yield Found(_at(ctx, resolved, "security", key), f"{what} without a reason "
                        "({contexts})", _REASON_HINT, context=name)
        for c in resolved.containers:
            image = next((i for i in ctx.svc.images if i.name == c.image), None)
            if image is not None and image.run_as_user == 0:
                yield Found(image.at + ("runAsUser",), f"container {c.name!r} runs image "
                            f"{image.name!r} as root without a reason ({{contexts}})",
                            _REASON_HINT, context=name)


@rule(GATEWAY_NAME)
def gateway_name(ctx: RuleContext) -> Iterator[Found]:
    for name, resolved, settings in _settings(ctx):
        expose = settings["expose"]
        if expose["via"] == "gateway" and not expose["gateway"]["name"] and any(
                r.fqdn for r in resolved.routes):
            yield Found(_at(ctx, resolved, "expose", "via"), "routes exposed through Gateway "
                        "API, but no Gateway named ({contexts})",
                        "add expose: {gateway: {name: <the Gateway>, namespace: <its "
                        "namespace>}}", context=name)


@rule(AUTOSCALING_RANGE)
def autoscaling_range(ctx: RuleContext) -> Iterator[Found]:
    for name, resolved, settings in _settings(ctx):
        scaling = settings["autoscaling"]
        low = scaling["minReplicas"] or resolved.replicas or 1
        if scaling["maxReplicas"] and scaling["maxReplicas"] < low:
            yield Found(_at(ctx, resolved, "autoscaling", "maxReplicas"),
                        f"autoscaling to at most {scaling['maxReplicas']} but at least {low} "
                        "replicas ({contexts})", "raise maxReplicas or lower minReplicas (or "
                        "replicas, which is the minimum when minReplicas is not set)",
                        context=name)


@rule(DISRUPTION_BOTH)
def disruption_both(ctx: RuleContext) -> Iterator[Found]:
    for name, resolved, _ in _settings(ctx):
        ours = resolved.settings.get("disruption", {})
        if ours.get("minAvailable", "") != "" and "maxUnavailable" in ours:
            yield Found(_at(ctx, resolved, "disruption", "minAvailable"),
                        "both minAvailable and maxUnavailable ({contexts})",
                        "a PodDisruptionBudget takes one of them: remove the other",
                        context=name)


@rule(PRESTOP_BOTH)
def prestop_both(ctx: RuleContext) -> Iterator[Found]:
    for name, resolved, settings in _settings(ctx):
        hook = settings["rollout"]["preStop"]
        if hook.get("sleep") and hook.get("command"):
            yield Found(_at(ctx, resolved, "rollout", "preStop"),
                        "a preStop hook with both a sleep and a command ({contexts})",
                        "keep one: {sleep: 5} (no binary needed) or {command: [...]}",
                        context=name)


@rule(ROLLOUT_STRATEGY)
def rollout_strategy(ctx: RuleContext) -> Iterator[Found]:
    for context, resolved, flavor in ctx.flavored:
        strategy = ctx.settings[context.name]["rollout"]["strategy"]
        offered = _STRATEGIES.get(flavor.workload)
        if offered is not None and strategy not in offered:
            yield Found(_at(ctx, resolved, "rollout", "strategy"),
                        f"a {flavor.workload} has no rollout strategy {strategy} "
                        "({contexts})", f"use one of: {', '.join(offered)}",
                        context=context.name)


@rule(CONTAINER_RUNS)
def container_runs(ctx: RuleContext) -> Iterator[Found]:
    for e in ctx.of(Container):
        command = next((c for c in ctx.svc.commands if c.name == e.command), None)
        if command is not None and command.type == "script":
            yield Found(e.at + ("command",), f"container {e.name!r} names the script command "
                        f"{command.name!r}", "a sidecar or init container runs an executable "
                        "command; ship the script in its image, or run it with a command: "
                        "[/bin/sh, -c, ...]")
    for context in ctx.svc.contexts:
        for ref in context.initContainers or []:
            entry = ref.inline or next((c for c in ctx.svc.containers if c.name == ref.name),
                                       None)
            if entry is not None and entry.probe:
                yield Found(ref.at, f"init container {entry.name!r} has a probe, which "
                            "Kubernetes refuses on init containers",
                            "remove its probe, or run it as a sidecar")


@rule(VOLUME_SHARED)
def volume_shared(ctx: RuleContext) -> Iterator[Found]:
    for context, resolved, flavor in ctx.flavored:
        if flavor.workload not in _SHARED_CLAIMS:
            continue
        _, most = replica_range(resolved, ctx.settings[context.name])
        if most < 2:
            continue
        for m in pod_mounts(ctx.svc, resolved):
            mode = m.volume.get("accessMode", "")
            if m.kind == "volume" and mode in ("ReadWriteOnce", "ReadWriteOncePod"):
                at = m.at + ("volume", "accessMode")
                yield Found(at if ctx.written(at) is not ABSENT else m.at + ("volume",),
                            f"volume {m.name!r} is {mode}, but up to {most} pods of a "
                            f"{flavor.workload} share its one claim ({{contexts}})",
                            "use flavor: statefulset (a claim for each pod), accessMode: "
                            "ReadWriteMany (storage many nodes can mount), or one replica",
                            context=context.name)


@rule(INT_RANGE)
def image_users(ctx: RuleContext) -> Iterator[Found]:
    for e in ctx.of(Image):
        for key, value in (("runAsUser", e.run_as_user), ("runAsGroup", e.run_as_group)):
            if value is not None and value < 0:
                yield Found(e.at + (key,), f"{key} {value} is not a user or group id",
                            "use 0 or more (and 10000 or more to keep clear of the node's "
                            "users)")


@rule(NAME_DNS)
def container_names(ctx: RuleContext) -> Iterator[Found]:
    for e in ctx.of(Container):
        problem = dns_label(e.name) if e.name else None
        if problem:
            yield Found(e.at + ("name",), f"container name {problem}", "e.g. name: log-shipper")


@rule(REF_UNKNOWN)
def container_refs(ctx: RuleContext) -> Iterator[Found]:
    for e in ctx.of(Container):
        for key, prop in CONTAINER_REFS.items():
            named: str = getattr(e, key)
            if named:
                yield from _unknown(ctx, e, prop, named, e.at + (key,))
        for key, prop in CONTAINER_REF_LISTS.items():
            for i, named in enumerate(getattr(e, key)):
                yield from _unknown(ctx, e, prop, named, e.at + (key, i))


def _unknown(ctx: RuleContext, e: Container, prop: str, named: str,
             at: KeyPath) -> Iterator[Found]:
    known = [x.name for x in ctx.svc.entries(prop)]
    if named not in known:
        yield Found(at, f"container {e.name!r} names {ENTRY_WORDS[prop]} {named!r}, which is "
                    "not defined", did_you_mean(named, known, loose=True)
                    or (f"{prop} defines: {', '.join(known)}" if known
                        else f"define it under {prop}:"))


@rule(CONTEXT_TWICE)
def containers_twice(ctx: RuleContext) -> Iterator[Found]:
    for context, resolved, _ in ctx.flavored:
        seen = {ctx.svc.name}  # (the service's own container)
        for c in resolved.containers:
            if c.name in seen:
                yield Found(resolved.where("sidecars") or resolved.where("initContainers"),
                            f"two containers named {c.name!r} ({{contexts}})",
                            "each container of a pod needs its own name (the service's own "
                            "container is named after the service)", context=context.name)
            seen.add(c.name)
