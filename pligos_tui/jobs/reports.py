"""The one service a command works on, and what `pligos contexts`, `pligos flavors` and
`pligos friends` report about it, as data."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pligos_tui.errors import UsageError
from pligos_tui.spec.discover import find_services, is_v1_service
from pligos_tui.spec.flavors import FlavorSet
from pligos_tui.spec.load import load_service
from pligos_tui.spec.model import Service
from pligos_tui.spec.resolve import resolve_context
from pligos_tui.spec.vocabulary import CONFIG_NAME


def load_one_service(path: str | Path) -> Service:
    """The format-1 service at or below `path`, which must hold exactly one service."""
    roots = find_services([Path(path)])
    if len(roots) != 1:
        raise UsageError(f"{path} holds {len(roots)} services; this command works on one",
                         hint="give the folder of one service")
    if is_v1_service(roots[0]):
        raise UsageError(f"{roots[0] / CONFIG_NAME} is a service of the original Pligos; "
                         "this command works on format 1",
                         hint="write its charts with `pligos generate --out DIR` (or "
                         "`--in-place --context NAME`), or convert it with `pligos migrate`")
    return load_service(roots[0])


def default_context(svc: Service) -> str:
    """The context a command shows when none is named: current-context, else the first."""
    return svc.current_context or (svc.contexts[0].name if svc.contexts else "")


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


def flavors_report(svc: Service | None, extra: Sequence[Path] = (), *,
                   flavors: FlavorSet | None = None) -> list[dict[str, Any]]:
    """For `pligos flavors`: each flavor a service can use (the built-in ones, those in its
    flavorPaths, then those in `extra` folders) and what it accepts and requires."""
    search = [svc.root / p for p in svc.flavor_paths] if svc is not None else []
    return [{"name": f.name, "description": f.description, "accepts": list(f.accepts),
             "requires": list(f.requires), "builtin": f.builtin, "path": str(f.path)}
            for f in (flavors or FlavorSet()).all([*search, *extra])]


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
