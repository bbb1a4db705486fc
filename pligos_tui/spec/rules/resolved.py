"""Rules of a resolved context (its extends chain applied) whose flavor was found: what its
routes, mounts, friends, env and probe add up to."""

from __future__ import annotations

from collections.abc import Iterator

from pligos_tui.errors import Rule, did_you_mean
from pligos_tui.spec.fields import NAME_RESERVED
from pligos_tui.spec.model import Context, Friend, FriendUse, Probe, Route
from pligos_tui.spec.ports import named_ports
from pligos_tui.spec.resolve import ResolvedContext
from pligos_tui.spec.rules.context import RuleContext
from pligos_tui.spec.rules.registry import Found, rule

CONTEXT_TWICE = Rule("E-CONTEXT-TWICE", "a context uses one route, mount, mount path or friend "
                     "twice")
ENV_CLASH = Rule("E-ENV-CLASH", "an env entry of a context sets a variable that one of its "
                 "friends injects")
TLS_HOST = Rule("E-TLS-HOST", "routes of one context serve one host with different TLS secrets")
PORT_SHARED = Rule("E-PORT-SHARED", "two routes of one context share a service port")
PROBE_PORT = Rule("E-PROBE-PORT", "a probe's port names a route neither of the context nor of "
                  "the service")


def _friend_uses(ctx: RuleContext,
                 resolved: ResolvedContext) -> Iterator[tuple[FriendUse, Friend]]:
    """The context's uses of friends that are defined, with each friend."""
    for use in resolved.friends:
        friend = ctx.svc.friends.get(use.name)
        if friend is not None:
            yield use, friend


@rule(CONTEXT_TWICE)
def used_twice(ctx: RuleContext) -> Iterator[Found]:
    for context, resolved, _ in ctx.flavored:
        for kind, prop, values in (("route", "routes", [r.name for r in resolved.routes]),
                                   ("mount", "mounts", [m.name for m in resolved.mounts]),
                                   ("mount path", "mounts", [m.path for m in resolved.mounts])):
            seen: set[str] = set()
            for value in values:
                if value in seen:
                    yield Found(resolved.where(prop), "{contexts} uses the "
                                f"{kind} {value!r} twice",
                                "each route and mount of a context needs its own name and path",
                                context=context.name)
                seen.add(value)
        listed: set[str] = set()
        for use, _ in _friend_uses(ctx, resolved):
            if use.name in listed:
                yield Found(use.at, "{contexts} lists friend " + repr(use.name) + " twice",
                            "list each friend once", context=context.name)
            listed.add(use.name)


@rule(NAME_RESERVED)
def scripts_mount(ctx: RuleContext) -> Iterator[Found]:
    for context, resolved, _ in ctx.flavored:
        if resolved.command is None or resolved.command.type != "script":
            continue
        for m in resolved.mounts:
            if m.name == "scripts" and m.kind == "files":
                yield Found(resolved.where("mounts"), "{contexts} runs a script "
                            "and has a files mount named 'scripts', whose ConfigMap would "
                            "take the scripts' name", "rename the mount (e.g. tools)",
                            context=context.name)


@rule(ENV_CLASH)
def env_clash(ctx: RuleContext) -> Iterator[Found]:
    for context, resolved, _ in ctx.flavored:
        plain = {name: e for e in resolved.env for name in e.variables}
        for _, friend in _friend_uses(ctx, resolved):
            for key in list(friend.config) + list(friend.credentials):
                var = friend.env_name(key)
                if var in plain:
                    yield Found(resolved.where("env"), f"{var} is set by env entry "
                                f"{plain[var].name!r} and injected by friend {friend.name!r} "
                                "({contexts})", f"remove {var} from the env entry",
                                context=context.name)


@rule(TLS_HOST)
def one_certificate(ctx: RuleContext) -> Iterator[Found]:
    for context, resolved, _ in ctx.flavored:
        tls_of: dict[str, Route] = {}
        for r in resolved.routes:
            if not r.fqdn:
                continue
            other = tls_of.setdefault(r.fqdn, r)
            if other is not r and other.tls != r.tls:
                yield Found(resolved.where("routes"), f"routes {other.name!r} and {r.name!r} of "
                            "{contexts} serve " + f"{r.fqdn} with different TLS "
                            f"secrets ({other.tls or 'none'} and {r.tls or 'none'})",
                            "one host has one certificate: give both routes the same tls",
                            context=context.name)


@rule(PORT_SHARED)
def shared_port(ctx: RuleContext) -> Iterator[Found]:
    for context, resolved, _ in ctx.flavored:
        ports = [(r.port, r.protocol) for r in resolved.routes]
        if len(set(ports)) != len(ports):
            yield Found(resolved.where("routes"), "two routes of {contexts} "
                        "share a service port", "give each route its own port",
                        context=context.name)


@rule(PROBE_PORT)
def probe_port(ctx: RuleContext) -> Iterator[Found]:
    for context, resolved, _ in ctx.flavored:
        if resolved.probe is not None:
            yield from _probe_ports(ctx, context, resolved, resolved.probe)


def _probe_ports(ctx: RuleContext, context: Context, resolved: ResolvedContext,
                 probe: Probe) -> Iterator[Found]:
    route_names = [r.name for r in resolved.routes]
    known = route_names + [r.name for r in ctx.svc.routes]
    for stage, handler, named in named_ports(probe.stages):
        if named not in known:
            yield Found(probe.at + (stage, handler, "port"),
                        f"probe port {named!r} is not a route of context "
                        f"{context.name!r} nor of the service",
                        did_you_mean(named, known, loose=True) or
                        (f"routes of {context.name}: {', '.join(route_names)}"
                         if route_names else "give a port number, or add a route"))
