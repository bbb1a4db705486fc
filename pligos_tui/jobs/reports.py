"""What `pligos contexts`, `pligos flavors` and `pligos friends` report, as data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pligos_tui.spec.flavors import FlavorSet
from pligos_tui.spec.model import Service
from pligos_tui.spec.resolve import resolve_context


def contexts_report(svc: Service) -> list[dict[str, Any]]:
    """For `pligos contexts`: each context with its flavor, parent, image and replicas."""
    rows = []
    for ctx in svc.contexts:
        r = resolve_context(svc, ctx.name)
        rows.append({"name": ctx.name, "current": ctx.name == svc.current_context,
                     "flavor": r.flavor, "extends": ctx.extends,
                     "image": r.image.name if r.image else "",
                     "replicas": r.replicas if r.replicas is not None else 1})
    return rows


def flavors_report(flavors: FlavorSet, search: list[Path]) -> list[dict[str, Any]]:
    """For `pligos flavors`: each flavor a service can use and what it accepts and requires."""
    return [{"name": f.name, "description": f.description, "accepts": list(f.accepts),
             "requires": list(f.requires), "builtin": f.builtin, "path": str(f.path)}
            for f in flavors.all(search)]


def friends_report(svc: Service) -> list[dict[str, Any]]:
    """For `pligos friends`: each friend, where it is defined, and the contexts using it."""
    users: dict[str, list[str]] = {}
    for ctx in svc.contexts:
        for use in resolve_context(svc, ctx.name).friends:
            users.setdefault(use.name, []).append(ctx.name)
    return [{"name": f.name, "type": f.type, "defined": f.where,
             "chart": f"{f.chart.name} {f.chart.version}" if f.chart else "",
             "config": sorted(f.env_name(k) for k in f.config),
             "credentials": sorted(f.env_name(k) for k in f.credentials),
             "contexts": users.get(f.name, [])}
            for f in sorted(svc.friends.values(), key=lambda f: f.name)]
