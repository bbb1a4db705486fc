"""`pligos migrate`: a service of the original Pligos -> a format-1 service.

The v1 flavor is kept as a format-1 flavor of the service (`flavors/<name>/`): its templates,
the service's own templates and files, with `<CHARTNAME>` filled in. Its templates read the
compiled v1 values under `.Values.v1` (every `.Values` is rewritten), and each context passes
those values through format 1's `values:`, so the migrated charts render the same manifests.
What cannot be carried over is listed in the result.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pligos_tui.errors import (
    ChartWriteError,
    ConfigError,
    PligosError,
    UsageError,
    display_path,
)
from pligos_tui.io.files import atomic_write
from pligos_tui.io.yamlwrite import dump_yaml
from pligos_tui.spec.discover import is_v1_config
from pligos_tui.spec.load import load_service as load_format1
from pligos_tui.spec.load import load_service_text
from pligos_tui.spec.vocabulary import CONFIG_NAME
from pligos_tui.v1.build import MANIFEST, Built, build, service_files, sort_keys
from pligos_tui.v1.load import CHART_FILE, load_service
from pligos_tui.v1.mapping import format1_service, read_properties, service_header

VALUES_KEY = "v1"
BACKUP_NAME = "pligos.v1.yaml"
FLAVORS_DIR = "flavors"
_VALUES_REF = re.compile(rb"\.Values\b")
_DNS = re.compile(r"[^a-z0-9-]+")


@dataclass
class Migration:
    service: str
    pligos_yaml: Path
    flavors: dict[str, Path] = field(default_factory=dict)  # converted name -> folder
    notes: list[str] = field(default_factory=list)  # what could not be converted, and why
    builtin: bool = False  # the contexts use built-in flavors (no flavor was kept)
    done: list[str] = field(default_factory=list)  # what was converted


def yaml_contexts(text: str) -> list[dict[str, Any]]:
    data = yaml.safe_load(text)
    return [c for c in data.get("contexts", []) if isinstance(c, dict)]


def _label(text: str) -> str:
    label = _DNS.sub("-", text.lower()).strip("-")[:53].strip("-")
    return label or "flavor"


PLACEHOLDER_IMAGE = {"repository": "pligos/placeholder", "tag": "none"}


def find_image(values: Any) -> dict[str, str] | None:
    """The first image in v1 values (a mapping with text repository and tag), as a format-1
    image entry: the built-in property the values contract needs."""
    if isinstance(values, dict):
        repo, tag = values.get("repository"), values.get("tag")
        if isinstance(repo, str) and repo and isinstance(tag, (str, int, float)) \
                and not isinstance(tag, bool) and str(tag):
            registry = values.get("registry")
            if isinstance(registry, str) and registry:
                repo = f"{registry.rstrip('/')}/{repo}"
            return {"repository": repo, "tag": str(tag)}
        children = list(values.values())
    elif isinstance(values, list):
        children = values
    else:
        return None
    for child in children:
        found = find_image(child)
        if found is not None:
            return found
    return None


def rewrite_values(template: bytes) -> tuple[bytes, int]:
    """`.Values` -> `.Values.v1` in a template; returns the text and how many were changed."""
    count = len(_VALUES_REF.findall(template))
    return _VALUES_REF.sub(b".Values." + VALUES_KEY.encode(), template), count


def _header(in_place: bool, flavors: bool) -> str:
    text = ("# Migrated by `pligos migrate` from the original Pligos's pligos.yaml"
            f"{' (kept as ' + BACKUP_NAME + ')' if in_place else ''}.\n")
    if flavors:
        text += (f"# The flavors in {FLAVORS_DIR}/ read these values under .Values."
                 f"{VALUES_KEY}.\n")
    return text


def _dependency_notes(builds: dict[str, Built], result: Migration) -> None:
    for name, b in builds.items():
        for dep in b.context.dependencies:
            result.notes.append(
                f"context {name}: dependency {dep.alias or display_path(dep.path)} "
                f"({display_path(dep.path)}, context {dep.context}) is not converted: "
                "migrate that service too and add it as a friend (type: requirement)")


def _builtin(svc: Any, builds: dict[str, Built], own: dict[str, bytes],
             in_place: bool) -> tuple[str, str]:
    """(format-1 pligos.yaml text using built-in flavors, '') or ('', why not)."""
    if any(rel.startswith("templates/") for rel in own):
        return "", "the service has templates of its own"
    props = {}
    for name, b in builds.items():
        found, left = read_properties(b.values)
        if left:
            return "", (f"the values of context {name} hold {', '.join(sorted(left))}, which "
                        "no built-in property expresses")
        props[name] = found
    text = _header(in_place, False) + dump_yaml(format1_service(svc.name, svc.chart, props))
    try:
        load_service_text(text, svc.root, "pligos.yaml (migrated)")
    except ConfigError as exc:
        return "", "mapped onto built-in properties, the service would not be valid: " + \
            "; ".join(p.message for p in exc.problems)
    return text, ""


def migrate(root: Path, *, out: Path | None = None, keep_flavor: bool = False) -> Migration:
    """Write the format-1 service of the v1 service at `root` into `out` (default: `root`,
    where the v1 pligos.yaml is kept as pligos.v1.yaml). Nothing is written when anything
    fails."""
    dest = out if out is not None else root
    in_place = dest.resolve() == root.resolve()
    if in_place and (root / BACKUP_NAME).exists():
        raise ChartWriteError(f"{display_path(root / BACKUP_NAME)} exists: the service seems "
                              "migrated already; nothing was written",
                              hint="move it away to migrate again")
    if not is_v1_config(root / CONFIG_NAME):
        raise UsageError(f"{display_path(root / CONFIG_NAME)} is not a pligos.yaml of the "
                         "original Pligos", hint="migrate converts a folder whose pligos.yaml "
                         "starts with pligos: {version: '1'}")
    svc = load_service(root)
    builds: dict[str, Built] = {name: build(svc, name) for name in svc.contexts}
    result = Migration(svc.name, dest / CONFIG_NAME)
    if (dest / CONFIG_NAME).exists() and not in_place:
        raise ChartWriteError(f"{display_path(dest / CONFIG_NAME)} exists; nothing was written",
                              hint="give an empty folder with --out")
    own = {rel: data for rel, data in service_files(svc).items()
           if rel not in (BACKUP_NAME, MANIFEST) and not rel.startswith(FLAVORS_DIR + "/")}
    if not keep_flavor:
        text, why = _builtin(svc, builds, own, in_place)
        if text:
            dest.mkdir(parents=True, exist_ok=True)
            if in_place:
                atomic_write(root / BACKUP_NAME, (root / CONFIG_NAME).read_bytes())
            atomic_write(dest / CONFIG_NAME, text.encode())
            result.builtin = True
            result.done.append("the flavor maps onto built-in properties: contexts use "
                               + ", ".join(sorted({f"{c['flavor']}" for c in
                                                   yaml_contexts(text)})))
            _dependency_notes(builds, result)
            return result
        result.done.append(f"the flavor is kept as a format-1 flavor: {why}")
    flavor_names: dict[Path, str] = {}
    for b in builds.values():
        if b.flavor.path.resolve() in flavor_names:
            continue
        name = _label(b.flavor.name)
        while name in flavor_names.values():
            name = f"{name}-{len(flavor_names) + 1}"
        flavor_names[b.flavor.path.resolve()] = name

    with tempfile.TemporaryDirectory(prefix="pligos-migrate-") as tmp:
        staging = Path(tmp)
        rewrites = 0
        for path, name in flavor_names.items():
            b = next(b for b in builds.values() if b.flavor.path.resolve() == path)
            files: dict[str, bytes] = {}
            for rel, data in own.items():
                if rel.startswith("templates/"):
                    data, n = rewrite_values(data)
                    rewrites += n
                files[rel] = data
            for rel, data in b.flavor.templates.items():
                data, n = rewrite_values(data)
                rewrites += n
                files[rel] = data
            files[CHART_FILE] = own.get(CHART_FILE, b"apiVersion: v2\n")
            files["flavor.yaml"] = dump_yaml({
                "description": f"{b.flavor.name}, a flavor of the original Pligos, migrated "
                               f"for {svc.name}; its templates read the v1 values under "
                               f".Values.{VALUES_KEY}",
                "accepts": ["image", "replicas", "values"],
                "requires": ["values"]}).encode()
            for rel, data in files.items():
                target = staging / FLAVORS_DIR / name / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            result.flavors[name] = dest / FLAVORS_DIR / name
        if rewrites:
            result.done.append(f"templates read the values under .Values.{VALUES_KEY}: "
                               f"{rewrites} reference{'s' if rewrites != 1 else ''} rewritten")
        if own.keys() - {CHART_FILE, ".helmignore"}:
            result.done.append("the service's own files and templates were copied into its "
                               "flavor, so that templates reading them with .Files still do")
        contexts: list[dict[str, Any]] = []
        images: list[dict[str, Any]] = []
        for name, b in builds.items():
            ctx: dict[str, Any] = {"name": name, "flavor": flavor_names[b.flavor.path.resolve()]}
            image = find_image(b.values)
            if image is None:
                image = dict(PLACEHOLDER_IMAGE)
                result.notes.append(f"context {name}: no image (a mapping with repository and "
                                    "tag) in its v1 values; the values contract needs one, so "
                                    f"it names the placeholder {image['repository']}:"
                                    f"{image['tag']}, which the flavor does not use")
            same = next((i for i in images if {k: v for k, v in i.items() if k != "name"}
                         == image), None)
            if same is None:
                same = {"name": _label(name), **image}
                images.append(same)
            ctx["image"] = same["name"]
            ctx["values"] = {VALUES_KEY: sort_keys(b.values)}
            contexts.append(ctx)
        _dependency_notes(builds, result)
        meta = svc.chart
        doc = service_header(svc.name, meta)
        doc["flavorPaths"] = [FLAVORS_DIR]
        doc["images"] = images
        doc["contexts"] = contexts
        if contexts:
            doc["current-context"] = contexts[0]["name"]
        text = _header(in_place, True) + dump_yaml(doc)
        (staging / CONFIG_NAME).write_text(text)
        try:  # the result must load as a valid format-1 service before anything is written
            load_format1(staging)
        except ConfigError as exc:
            raise PligosError("the migrated pligos.yaml would not be valid: "
                              + "; ".join(p.message for p in exc.problems),
                              hint="fix the v1 service (e.g. Chart.yaml's name must be a DNS "
                              "label) and migrate again; nothing was written") from None
        for name in flavor_names.values():
            if (dest / FLAVORS_DIR / name).exists():
                raise ChartWriteError(f"{display_path(dest / FLAVORS_DIR / name)} exists; "
                                      "nothing was written", hint="move it away and migrate "
                                      "again")
        dest.mkdir(parents=True, exist_ok=True)
        for name in flavor_names.values():
            target = dest / FLAVORS_DIR / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(staging / FLAVORS_DIR / name, target)
        if in_place:
            atomic_write(root / BACKUP_NAME, (root / CONFIG_NAME).read_bytes())
        atomic_write(dest / CONFIG_NAME, text.encode())
    if in_place:
        result.done.append(f"{CHART_FILE}, templates/, values.yaml and charts/ of the service "
                           "folder belong to the original format: remove them once the "
                           "charts of `pligos generate` are in use")
    return result
