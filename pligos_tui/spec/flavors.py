"""Flavors: the chart templates a platform team owns, and where Pligos finds them.

A flavor is a folder holding `flavor.yaml` (what it is for, which context properties it
accepts and which it requires), `Chart.yaml` and `templates/`. The built-in flavors ship inside
this package; a service adds folders of its own flavors with `flavorPaths`. A flavor found in a
`flavorPaths` folder takes precedence over a built-in of the same name.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from pligos_tui.errors import Problems, Rule, display_path
from pligos_tui.io.yamlread import load_file
from pligos_tui.spec.reader import KEY_UNKNOWN, WRONG_TYPE
from pligos_tui.spec.vocabulary import CONTEXT_PROPERTIES, FLAVOR_FILE, FLAVOR_KEYS

# the built-in flavors' chart folders ship as data beside the package's code
BUILTIN_DIR = Path(__file__).resolve().parent.parent / "flavors" / "builtin"

FLAVOR_PROPERTY = Rule("E-FLAVOR-PROPERTY", "a flavor.yaml accepts or requires a property "
                       "that contexts do not have")
FLAVOR_CHART = Rule("E-FLAVOR-CHART", "a flavor folder without Chart.yaml")
FLAVOR_IMAGE_REF = Rule("E-FLAVOR-IMAGE-REF", "a flavor's template reads .Values.image.ref, "
                        "which charts no longer hold (the image set at deploy time would not "
                        "run)")
# the rules of flavor.yaml and its folder, for the table of every rule
FLAVOR_RULES = (FLAVOR_PROPERTY, FLAVOR_CHART, FLAVOR_IMAGE_REF)


@dataclass
class Flavor:
    name: str
    path: Path
    description: str
    accepts: tuple[str, ...]
    requires: tuple[str, ...]
    builtin: bool = False

    @cached_property
    def files(self) -> dict[str, bytes]:
        """The flavor's chart files (relative path -> bytes), without flavor.yaml."""
        out: dict[str, bytes] = {}
        for file in sorted(self.path.rglob("*")):
            if not file.is_file() or "__pycache__" in file.parts:
                continue
            rel = file.relative_to(self.path).as_posix()
            if rel in (FLAVOR_FILE, "values.yaml", "values.schema.json"):
                continue
            out[rel] = file.read_bytes()
        return out

    @cached_property
    def chart_meta(self) -> dict[str, Any]:
        """The flavor's Chart.yaml, parsed once."""
        meta = yaml.safe_load(self.files.get("Chart.yaml", b"")) or {}
        return meta if isinstance(meta, dict) else {}



def read_flavor(path: Path, *, builtin: bool = False) -> Flavor:
    """Read one flavor folder; a broken flavor.yaml is a located ConfigError."""
    file = path / FLAVOR_FILE
    display = display_path(file)
    doc = load_file(file, display)
    problems = Problems(display)
    data = doc.data if isinstance(doc.data, dict) else {}
    if not isinstance(doc.data, dict):
        doc.problem(problems, (), "flavor.yaml must be a mapping",
                    "write description:, accepts: and requires:", rule=WRONG_TYPE.id)
    for key in data:
        if key not in FLAVOR_KEYS:
            doc.problem(problems, (key,), f"unknown key {key!r} in flavor.yaml",
                        f"allowed keys: {', '.join(FLAVOR_KEYS)}", key=True, rule=KEY_UNKNOWN.id)
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("accepts", "requires"):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            doc.problem(problems, (key,), f"{key} must be a list of property names",
                        rule=WRONG_TYPE.id)
            value = []
        for i, prop in enumerate(value):
            if prop not in CONTEXT_PROPERTIES:
                doc.problem(problems, (key, i), f"unknown property {prop!r} in {key}",
                            f"properties are: {', '.join(CONTEXT_PROPERTIES)}",
                            rule=FLAVOR_PROPERTY.id)
        lists[key] = tuple(value)
    if not (path / "Chart.yaml").is_file():
        problems.add(f"flavor {path.name!r} has no Chart.yaml", file=display_path(path),
                     hint="a flavor is a Helm chart without values: add Chart.yaml and templates/",
                     rule=FLAVOR_CHART.id)
    templates = path / "templates"
    for template in sorted(templates.rglob("*")) if templates.is_dir() else ():
        if template.is_file() and b".Values.image.ref" in template.read_bytes():
            problems.add("the template reads .Values.image.ref, which charts no longer hold",
                         file=display_path(template),
                         hint='write include "pligos.image" . instead (repository@digest, '
                              "else repository:tag, as set at deploy time too)",
                         rule=FLAVOR_IMAGE_REF.id)
    problems.raise_if_any()
    description = data.get("description", "")
    return Flavor(name=path.name, path=path, description=str(description or ""),
                  accepts=tuple(dict.fromkeys(lists["accepts"] + lists["requires"])),
                  requires=lists["requires"], builtin=builtin)


class FlavorSet:
    """The flavors one service can use: its flavorPaths first, then the built-ins.

    Flavor folders are read lazily and cached, so a tree of services sharing flavors reads
    each folder once.
    """

    def __init__(self, cache: dict[Path, Flavor] | None = None) -> None:
        self._cache: dict[Path, Flavor] = cache if cache is not None else {}

    def _flavor(self, path: Path, builtin: bool) -> Flavor:
        key = path.resolve()
        if key not in self._cache:
            self._cache[key] = read_flavor(path, builtin=builtin)
        return self._cache[key]

    def available(self, search: list[Path]) -> dict[str, Path]:
        """Flavor name -> folder, for the given extra folders and the built-ins."""
        found: dict[str, Path] = {}
        for folder in search:
            if folder.is_dir():
                for child in sorted(folder.iterdir()):
                    if (child / FLAVOR_FILE).is_file():
                        found.setdefault(child.name, child)
        for child in sorted(BUILTIN_DIR.iterdir()):
            if (child / FLAVOR_FILE).is_file():
                found.setdefault(child.name, child)
        return found

    def get(self, name: str, search: list[Path]) -> Flavor | None:
        path = self.available(search).get(name)
        if path is None:
            return None
        return self._flavor(path, builtin=path.parent == BUILTIN_DIR)

    def all(self, search: list[Path]) -> list[Flavor]:
        return [self._flavor(p, builtin=p.parent == BUILTIN_DIR)
                for p in self.available(search).values()]
