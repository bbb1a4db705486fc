"""How a workload's routes are reached from outside: the Ingresses and Gateway API routes of
the original, read into the routes' `fqdn`, `path`, `tls`, and the context's `expose`."""

from __future__ import annotations

from typing import Any

from pligos_tui.jobs.importing.draft import Drafted
from pligos_tui.jobs.importing.original import KEPT, Context, Leftover

GATEWAY_ROUTES = ("HTTPRoute", "GRPCRoute")


class _Reader:
    """What reading the exposure of one workload needs: the context, the draft, and where
    to note what it cannot express."""

    def __init__(self, ctx: Context, out: Drafted) -> None:
        self.ctx, self.out, self.draft = ctx, out, out.context

    def leftover(self, what: str, why: str, *, fragment: Any = None, where: str = "") -> None:
        self.out.leftovers.append(Leftover(what, where, why, KEPT,
                                           self.ctx.name, fragment))


def read_exposure(ctx: Context, out: Drafted, services: list[dict[str, Any]]) -> None:
    """Give each route the host and path an Ingress or HTTPRoute sends to its Service port."""
    reader = _Reader(ctx, out)
    names = {str((s.get("metadata") or {}).get("name")): s for s in services}
    if not names:
        return
    routes = reader.draft.routes
    ingresses = [o for o in reader.ctx.objects if o.get("kind") == "Ingress"]
    gateways = [o for o in reader.ctx.objects if o.get("kind") in GATEWAY_ROUTES]
    classes: set[str] = set()
    annotations: list[dict[str, Any]] = []
    for ing in ingresses:
        spec = ing.get("spec") or {}
        hits = 0
        tls = {h: str(t.get("secretName")) for t in spec.get("tls") or []
               for h in t.get("hosts") or [] if t.get("secretName")}
        for rule in spec.get("rules") or []:
            host = rule.get("host")
            for path in ((rule.get("http") or {}).get("paths")) or []:
                backend = (path.get("backend") or {}).get("service") or {}
                if str(backend.get("name")) not in names:
                    continue
                route = _route_of(routes, names[str(backend["name"])], backend.get("port") or {})
                hits += 1
                what = f"the path {host or '*'}{path.get('path', '/')} of Ingress " \
                       f"{ing['metadata']['name']}"
                if route is None or not host or route.get("fqdn"):
                    reader.leftover(what, "a route has one host and path, and this one has "
                                    "no route of its own left" if route is not None and host
                                    else "an Ingress rule without a host, or to no port of the "
                                    "workload", fragment=rule,
                                    where=reader.ctx.source_of(ing))
                    continue
                route["fqdn"] = host
                if path.get("path", "/") != "/":
                    route["path"] = path["path"]
                if path.get("pathType") == "Exact":
                    reader.leftover(what, "an Exact path is matched as a prefix",
                                    where=reader.ctx.source_of(ing))
                if host in tls:
                    route["tls"] = tls[host]
                    reader.draft.secrets[tls[host]] = tls[host]
        if hits:
            reader.out.used.add(id(ing))
            if spec.get("ingressClassName"):
                classes.add(str(spec["ingressClassName"]))
            annotations.append(dict((ing.get("metadata") or {}).get("annotations") or {}))
    expose: dict[str, Any] = {}
    if len(classes) == 1:
        expose["ingressClass"] = classes.pop()
    shared = _common(annotations)
    if shared:
        expose["annotations"] = shared
    for gw in gateways:
        _gateway_route(reader, gw, names, expose)
    if expose:
        reader.draft.settings["expose"] = expose


def _route_of(routes: list[dict[str, Any]], svc: dict[str, Any], port: dict[str, Any]
              ) -> dict[str, Any] | None:
    number = port.get("number")
    if port.get("name") is not None:
        for sp in (svc.get("spec") or {}).get("ports") or []:
            if sp.get("name") == port["name"]:
                number = sp.get("port")
    return next((r for r in routes if r["port"] == number), None)


def _common(maps: list[dict[str, Any]]) -> dict[str, Any]:
    if not maps:
        return {}
    first = maps[0]
    return {k: v for k, v in first.items() if all(m.get(k) == v for m in maps[1:])}


def _gateway_route(reader: _Reader, gw: dict[str, Any], names: dict[str, dict[str, Any]],
                   expose: dict[str, Any]) -> None:
    spec = gw.get("spec") or {}
    hosts = [str(h) for h in spec.get("hostnames") or []]
    used = False
    for rule in spec.get("rules") or []:
        for ref in rule.get("backendRefs") or []:
            if str(ref.get("name")) not in names:
                continue
            route = _route_of(reader.draft.routes, names[str(ref["name"])],
                              {"number": ref.get("port")})
            if route is None or not hosts or route.get("fqdn"):
                continue
            used = True
            route["fqdn"] = hosts[0]
            matches = rule.get("matches") or []
            path = ((matches[0].get("path") or {}).get("value")) if matches else None
            if path and path != "/":
                route["path"] = path
            if gw.get("kind") == "GRPCRoute":
                route["appProtocol"] = "grpc"
    if not used:
        return
    reader.out.used.add(id(gw))
    parents = spec.get("parentRefs") or []
    gateway = {k: str(parents[0][k]) for k in ("name", "namespace", "sectionName")
               if parents and parents[0].get(k)}
    expose["via"] = "gateway"
    expose["gateway"] = gateway
    if len(hosts) > 1:
        reader.leftover(f"the hostnames {', '.join(hosts[1:])} of {gw['kind']} "
                        f"{gw['metadata']['name']}", "a route has one host",
                        where=reader.ctx.source_of(gw))
