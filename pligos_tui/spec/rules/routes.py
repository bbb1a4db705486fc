"""Rules of route entries: a port name, ports in range, a known protocol, and what the Ingress
needs of a route it serves (a host name, TCP, an HTTP path)."""

from __future__ import annotations

from collections.abc import Iterator

from pligos_tui.errors import Rule, did_you_mean
from pligos_tui.spec.fields import PORT_RANGE, ROUTE_NAME_HINT, fqdn, port, port_name
from pligos_tui.spec.model import Route
from pligos_tui.spec.rules.context import RuleContext
from pligos_tui.spec.rules.registry import Found, rule
from pligos_tui.spec.vocabulary import DEFAULT_PROTOCOL, PROTOCOLS

NAME_PORT = Rule("E-NAME-PORT", "a route's name is not a port name (at most 15 characters, "
                 "lower-case letters, digits and '-', with a letter)")
PROTOCOL = Rule("E-PROTOCOL", "a route's protocol is not one Kubernetes has")
FQDN = Rule("E-FQDN", "a route's fqdn is not a host name")
ROUTE_INGRESS = Rule("E-ROUTE-INGRESS", "a route the Ingress cannot serve: an fqdn on a "
                     "protocol other than TCP, tls without an fqdn")
HTTP_PATH = Rule("E-HTTP-PATH", "an HTTP path (a route's, an httpGet probe's) that does not "
                 "start with /")


@rule(NAME_PORT)
def route_name(ctx: RuleContext) -> Iterator[Found]:
    for e in ctx.of(Route):
        problem = port_name(e.name) if e.name else None
        if problem:
            yield Found(e.at + ("name",), f"route name {problem}", ROUTE_NAME_HINT)


@rule(PORT_RANGE)
def route_ports(ctx: RuleContext) -> Iterator[Found]:
    for e in ctx.of(Route):
        for key, value in (("port", e.port), ("containerPort", e.container_port)):
            problem = port(value)
            if isinstance(ctx.written(e.at + (key,)), int) and problem:
                yield Found(e.at + (key,), problem, "use a port between 1 and 65535")


@rule(PROTOCOL)
def protocol(ctx: RuleContext) -> Iterator[Found]:
    for e in ctx.of(Route):
        if e.protocol not in PROTOCOLS:
            yield Found(e.at + ("protocol",), f"unknown protocol {e.protocol!r}",
                        did_you_mean(e.protocol.upper(), list(PROTOCOLS), loose=True)
                        or f"one of {', '.join(PROTOCOLS)}")


@rule(FQDN)
def host_name(ctx: RuleContext) -> Iterator[Found]:
    for e in ctx.of(Route):
        problem = fqdn(e.fqdn) if e.fqdn else None
        if problem:
            yield Found(e.at + ("fqdn",), problem)


@rule(ROUTE_INGRESS)
def ingress(ctx: RuleContext) -> Iterator[Found]:
    for e in ctx.of(Route):
        if e.fqdn and e.protocol != DEFAULT_PROTOCOL:
            yield Found(e.at + ("fqdn",), f"route {e.name!r} is {e.protocol} but has an fqdn",
                        "an fqdn exposes the route through an HTTP Ingress, which needs TCP; "
                        "remove fqdn or the protocol")
        if e.tls and not e.fqdn:
            yield Found(e.at + ("tls",), f"route {e.name!r} has tls but no fqdn",
                        "TLS is served by the Ingress, which needs a host: add fqdn:")


@rule(HTTP_PATH)
def route_path(ctx: RuleContext) -> Iterator[Found]:
    for e in ctx.of(Route):
        if not e.path.startswith("/"):
            yield Found(e.at + ("path",), f"route path {e.path!r} must start with /",
                        f"e.g. path: /{e.path}")
