"""The one service a command works on, what `pligos contexts`, `pligos flavors` and
`pligos friends` report about it, as data, and the names shell completion offers."""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pligos_tui.charts.plan import chart_dest
from pligos_tui.errors import PligosError, UsageError, display_path
from pligos_tui.io.yamlread import load_file
from pligos_tui.spec.discover import find_services, is_v1_service
from pligos_tui.spec.flavors import FlavorSet
from pligos_tui.spec.load import load_service
from pligos_tui.spec.model import Service
from pligos_tui.spec.resolve import (
    ResolvedContext,
    namespace_of,
    release_name,
    resolve_context,
)
from pligos_tui.spec.rules.secrets import uses_in
from pligos_tui.spec.vocabulary import CONFIG_NAME, INLINE, SECRET_VALUES_FILE


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


def service_here() -> Service | None:
    """The format-1 service in the working folder, if it is one (`pligos flavors` without a
    PATH)."""
    here = Path(".")
    if not (here / CONFIG_NAME).is_file() or is_v1_service(here):
        return None
    return load_service(here.resolve())


def default_context(svc: Service) -> str:
    """The context a command shows when none is named: current-context, else the first."""
    return svc.current_context or (svc.contexts[0].name if svc.contexts else "")


def upgrade_command(svc: Service, ctx: ResolvedContext, chart: str) -> list[str]:
    """The helm command that installs or upgrades a context's chart (at `chart`): its
    release, its namespace, and the inline secret data the chart never carries."""
    command = ["helm", "upgrade", "--install", release_name(svc, ctx), chart,
               "--namespace", namespace_of(ctx), "--create-namespace"]
    if ctx.delivery.mode == INLINE and uses_in(svc, ctx):
        command += ["--values", f"{chart}/{SECRET_VALUES_FILE}"]
    return command


def contexts_report(svc: Service) -> list[dict[str, Any]]:
    """For `pligos contexts`: each context with its flavor, parent, image and replicas, where
    it is deployed (release, namespace, cluster), how its secrets are delivered, and the helm
    command that deploys its chart."""
    rows = []
    for ctx in svc.contexts:
        r = resolve_context(svc, ctx.name)
        chart = display_path(chart_dest(svc, ctx.name, None))  # as run from here
        rows.append({"name": ctx.name, "current": ctx.name == svc.current_context,
                     "flavor": r.flavor, "extends": ctx.extends,
                     "image": r.image.name if r.image else "",
                     "replicas": r.replicas if r.replicas is not None else 1,
                     "release": release_name(svc, r), "namespace": namespace_of(r),
                     "cluster": r.cluster,
                     "secrets": r.delivery.mode if uses_in(svc, r) else None,
                     "upgrade": shlex.join(upgrade_command(svc, r, chart))})
    return rows


def flavors_report(svc: Service | None, extra: Sequence[Path] = (), *,
                   flavors: FlavorSet | None = None) -> list[dict[str, Any]]:
    """For `pligos flavors`: each flavor a service can use (the built-in ones, those in its
    flavorPaths, then those in `extra` folders): what it runs, what it accepts and requires,
    and the defaults it gives its contexts' settings."""
    search = [svc.root / p for p in svc.flavor_paths] if svc is not None else []
    folders = [Path(os.path.normpath(Path(p).absolute())) for p in [*search, *extra]]
    flavors = flavors or FlavorSet()
    return [{"name": f.name, "description": f.description, "workload": f.workload,
             "base": f.base.name if f.base is not None else "", "accepts": list(f.accepts),
             "requires": list(f.requires), "defaults": f.defaults, "builtin": f.builtin,
             "path": str(f.path), "version": f.version,
             "versions": [{"version": o.version, "path": str(o.folder)}
                          for o in flavors.other_versions(folders, f.name)]}
            for f in flavors.all(folders)]


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


# --------------------------------------------------------------------------- completion

def _config(paths: Sequence[str]) -> list[tuple[Path, dict[str, Any]]]:
    """The services at or below `paths` (else the one in the working folder), each with its
    pligos.yaml as plain data; never raising (it may be half written while its names are
    completed)."""
    if not paths:
        return _config(["."]) if Path(CONFIG_NAME).is_file() else []
    try:
        roots = find_services([Path(p) for p in paths])
    except PligosError:
        return []
    found = []
    for root in roots:
        try:
            data = load_file(root / CONFIG_NAME, CONFIG_NAME).data
        except PligosError:
            continue
        if isinstance(data, dict):
            found.append((root, data))
    return found


def context_names(paths: Sequence[str]) -> list[str]:
    """The context names of the services at `paths` (default: the working folder)."""
    names: list[str] = []
    for _, data in _config(paths):
        contexts = data.get("contexts")
        for ctx in contexts if isinstance(contexts, list) else []:
            if isinstance(ctx, dict) and isinstance(ctx.get("name"), str):
                names.append(ctx["name"])
    return sorted(set(names))


def flavor_names(paths: Sequence[str], extra: Sequence[str] = ()) -> list[str]:
    """The flavors the services at `paths` can use: built-in, in their flavorPaths, and in
    the `extra` folders."""
    search: list[Path] = []
    for root, data in _config(paths):
        listed = data.get("flavorPaths")
        listed = [listed] if isinstance(listed, str) else listed
        search += [root / p for p in listed or [] if isinstance(p, str)]
    return sorted(FlavorSet().available([*search, *(Path(p) for p in extra)]))
