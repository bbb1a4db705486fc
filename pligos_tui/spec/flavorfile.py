"""flavor.yaml and its folder: what one flavor is.

`read_flavor` reads a flavor folder in full (its name and version, what it accepts and
requires, the defaults it gives, its templates' conditions, its changelog, its base's files);
`read_head` only what is needed to choose among versions, its name and version. Which folder a
context gets is `spec/flavors.py`'s business.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from pligos_tui.errors import ConfigError, Problem, Problems, Rule, did_you_mean, display_path
from pligos_tui.io.yamlread import Document, load_file
from pligos_tui.spec.reader import KEY_UNKNOWN, WRONG_TYPE, Reader
from pligos_tui.spec.settings import merge_setting, read_setting
from pligos_tui.spec.versions import (
    NO_VERSION,
    PIN_SEPARATOR,
    Version,
    VersionSyntaxError,
    parse_version,
)
from pligos_tui.spec.vocabulary import (
    CONTEXT_PROPERTIES,
    CONTEXT_SETTINGS,
    FLAVOR_FILE,
    FLAVOR_KEYS,
    TEMPLATE_CONDITIONS,
    WORKLOADS,
)

# the built-in flavors' chart folders ship as data beside the package's code
BUILTIN_DIR = Path(__file__).resolve().parent.parent / "flavors" / "builtin"

FLAVOR_PROPERTY = Rule("E-FLAVOR-PROPERTY", "a flavor.yaml accepts or requires a property "
                       "that contexts do not have")
FLAVOR_CHART = Rule("E-FLAVOR-CHART", "a flavor folder without Chart.yaml")
FLAVOR_BASE = Rule("E-FLAVOR-BASE", "a flavor.yaml's base is not a built-in flavor")
FLAVOR_TEMPLATE = Rule("E-FLAVOR-TEMPLATE", "a flavor.yaml's templates: names a condition "
                       "Pligos does not know")
FLAVOR_IMAGE_REF = Rule("E-FLAVOR-IMAGE-REF", "a flavor's template reads .Values.image.ref, "
                        "which charts no longer hold (the image set at deploy time would not "
                        "run)")
FLAVOR_SEMVER = Rule("E-FLAVOR-SEMVER", "a flavor.yaml's version: (or a version of its "
                     "changelog:) is not a SemVer version such as 2.3.1")
FLAVOR_NAME = Rule("E-FLAVOR-NAME", "a flavor.yaml's name: is not a flavor name (text without "
                   "spaces, '/' or '@')")
# the rules of flavor.yaml and its folder
FLAVOR_FILE_RULES = (FLAVOR_PROPERTY, FLAVOR_CHART, FLAVOR_IMAGE_REF, FLAVOR_BASE,
                     FLAVOR_TEMPLATE, FLAVOR_SEMVER, FLAVOR_NAME)


@dataclass
class Flavor:
    name: str
    path: Path
    description: str
    accepts: tuple[str, ...]
    requires: tuple[str, ...]
    builtin: bool = False
    version: str = NO_VERSION  # SemVer, as flavor.yaml writes it
    changelog: dict[str, str] = field(default_factory=dict)  # version -> what changed
    workload: str = ""  # one of WORKLOADS, "" when flavor.yaml does not say
    # setting (or "resources") -> the defaults this flavor gives its contexts
    defaults: dict[str, dict[str, Any]] = field(default_factory=dict)
    templates: dict[str, str] = field(default_factory=dict)  # template -> its condition
    base: Flavor | None = None  # the built-in flavor whose chart files this one starts from

    @cached_property
    def files(self) -> dict[str, bytes]:
        """The flavor's chart files (relative path -> bytes), without flavor.yaml: those of
        its base, then its own."""
        out: dict[str, bytes] = dict(self.base.files) if self.base is not None else {}
        for file in sorted(self.path.rglob("*")):
            if not file.is_file() or "__pycache__" in file.parts:
                continue
            rel = file.relative_to(self.path).as_posix()
            if rel in (FLAVOR_FILE, "values.yaml", "values.schema.json"):
                continue
            out[rel] = file.read_bytes()
        return out

    def chart_files(self, holding: set[str]) -> dict[str, bytes]:
        """The files a chart of this flavor holds when the conditions `holding` hold (of
        vocabulary.TEMPLATE_CONDITIONS): a template whose condition does not hold would
        render nothing, and is left out."""
        return {path: data for path, data in self.files.items()
                if self.templates.get(path, "") in holding or path not in self.templates}

    @cached_property
    def chart_meta(self) -> dict[str, Any]:
        """The flavor's Chart.yaml, parsed once."""
        meta = yaml.safe_load(self.files.get("Chart.yaml", b"")) or {}
        return meta if isinstance(meta, dict) else {}

    @cached_property
    def digest(self) -> str:
        """What this flavor is, as pligos.lock records it: a digest of its chart files and of
        its flavor.yaml (and its base's)."""
        h = hashlib.sha256()
        for rel, data in sorted(self.files.items()):
            h.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
        flavor: Flavor | None = self
        while flavor is not None:
            h.update(b"\0" + (flavor.path / FLAVOR_FILE).read_bytes())
            flavor = flavor.base
        return f"sha256:{h.hexdigest()}"


def read_flavor(path: Path, *, builtin: bool = False,
                read_base: Callable[[Path], Flavor] | None = None) -> Flavor:
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
    name, version = read_identity(doc, problems, data, path)
    changelog = _read_changelog(doc, problems, data.get("changelog"))
    base: Flavor | None = None
    written_base = data.get("base")
    if written_base is not None:
        base_dir = BUILTIN_DIR / str(written_base)
        if not isinstance(written_base, str) or not (base_dir / FLAVOR_FILE).is_file() \
                or base_dir.resolve() == path.resolve():
            doc.problem(problems, ("base",), f"base {written_base!r} is not a built-in flavor",
                        f"built-in flavors are: {', '.join(builtin_names())}",
                        rule=FLAVOR_BASE.id)
        else:
            base = read_base(base_dir) if read_base is not None else read_flavor(
                base_dir, builtin=True)
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("accepts", "requires"):
        if key not in data and base is not None:
            lists[key] = getattr(base, key)
            continue
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
    workload = data.get("workload", base.workload if base else "")
    if workload and workload not in WORKLOADS:
        doc.problem(problems, ("workload",), f"unknown workload {workload!r}",
                    f"one of: {', '.join(WORKLOADS)}", rule=WRONG_TYPE.id)
        workload = ""
    defaults = _read_defaults(doc, problems, data.get("defaults"), base)
    conditions = dict(base.templates) if base is not None else {}
    conditions.update(_read_templates(doc, problems, data.get("templates")))
    if not (path / "Chart.yaml").is_file() and written_base is None:
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
    if not description and base is not None:
        description = base.description
    return Flavor(name=name, path=path, description=str(description or ""),
                  accepts=tuple(dict.fromkeys(lists["accepts"] + lists["requires"])),
                  requires=lists["requires"], builtin=builtin, version=str(version),
                  changelog=changelog, workload=str(workload), defaults=defaults,
                  templates=conditions, base=base)


def read_identity(doc: Document, problems: Problems, data: dict[str, Any],
              path: Path) -> tuple[str, Version]:
    """flavor.yaml's `name:` (default: the folder's name) and `version:` (default 0.0.0)."""
    name = data.get("name", path.name)
    if not isinstance(name, str) or not name or any(
            c.isspace() or c in f"/{PIN_SEPARATOR}" for c in name):
        doc.problem(problems, ("name",), f"{name!r} is not a flavor name",
                    f"a flavor's name is text without spaces, '/' or '{PIN_SEPARATOR}' "
                    f"(default: the folder's name, {path.name})", rule=FLAVOR_NAME.id)
        name = path.name
    written = data.get("version", NO_VERSION)
    try:
        version = parse_version(written)
    except VersionSyntaxError as exc:
        doc.problem(problems, ("version",), f"version: {exc.message}", exc.hint,
                    rule=FLAVOR_SEMVER.id)
        version = parse_version(NO_VERSION)
    return name, version


def _read_changelog(doc: Document, problems: Problems, value: Any) -> dict[str, str]:
    """flavor.yaml's `changelog:`: version -> what changed in it (newest first)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        doc.problem(problems, ("changelog",), "changelog must map each version to what "
                    "changed in it", 'e.g. changelog: {"2.0.0": "routes through Gateway API"}',
                    rule=WRONG_TYPE.id)
        return {}
    out: dict[str, str] = {}
    for version, text in value.items():
        try:
            parse_version(version)
        except VersionSyntaxError as exc:
            doc.problem(problems, ("changelog", version), f"changelog: {exc.message}",
                        exc.hint, key=True, rule=FLAVOR_SEMVER.id)
            continue
        if not isinstance(text, str):
            doc.problem(problems, ("changelog", version), f"the changelog of {version} must "
                        "be text", "write what changed as one line or a | block",
                        rule=WRONG_TYPE.id)
            continue
        out[version] = text
    return out


def builtin_names() -> list[str]:
    return sorted(p.name for p in BUILTIN_DIR.iterdir() if (p / FLAVOR_FILE).is_file())


def _read_defaults(doc: Document, problems: Problems, value: Any,
                   base: Flavor | None) -> dict[str, dict[str, Any]]:
    """flavor.yaml's `defaults:`: settings (and resources) for its contexts, over its base's."""
    out = copy.deepcopy(base.defaults) if base is not None else {}
    if value is None:
        return out
    r = Reader(doc, problems)
    allowed = (*CONTEXT_SETTINGS, "resources")
    m = r.mapping(value, ("defaults",), allowed, "defaults")
    for key, written in (m or {}).items():
        if key == "resources":
            res = r.mapping(written, ("defaults", key), ("requests", "limits"), "resources")
            if res is not None:
                read = {k: r.scalar_map(res, k, ("defaults", key)) for k in res}
                out[key] = merge_setting(out.get(key, {}), read)
        elif key in CONTEXT_SETTINGS:
            setting = read_setting(r, key, written, ("defaults", key))
            if setting is not None:
                out[key] = merge_setting(out.get(key, {}), setting)
    return out


def _read_templates(doc: Document, problems: Problems, value: Any) -> dict[str, str]:
    """flavor.yaml's `templates:`: template path -> the condition under which it is written."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        doc.problem(problems, ("templates",), "templates must map a template to a condition",
                    "e.g. templates: {templates/hpa.yaml: autoscaling}", rule=WRONG_TYPE.id)
        return {}
    out: dict[str, str] = {}
    for template, condition in value.items():
        if condition not in TEMPLATE_CONDITIONS:
            doc.problem(problems, ("templates", template), f"unknown condition {condition!r}",
                        did_you_mean(str(condition), TEMPLATE_CONDITIONS)
                        or f"conditions are: {', '.join(TEMPLATE_CONDITIONS)}",
                        rule=FLAVOR_TEMPLATE.id)
        else:
            out[str(template)] = condition
    return out


@dataclass(frozen=True)
class Head:
    """What a flavor folder says of itself before it is read in full."""

    name: str
    version: Version
    folder: Path
    line: int | None = None  # of `version:` (else `name:`) in its flavor.yaml
    problems: tuple[Problem, ...] = ()  # a flavor.yaml that does not parse, a bad name/version
    unnamed: bool = False  # which flavor it is cannot be read (it does not parse, a bad name)


_HEADS: dict[Path, tuple[tuple[int, int, int], Head]] = {}  # folder -> (its stat, its head)


def read_head(folder: Path) -> Head:
    """The name and version of the flavor in `folder` (read again only once it changed)."""
    file = folder / FLAVOR_FILE
    try:
        st = file.stat()
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
    except OSError:
        stamp = (0, 0, 0)
    cached = _HEADS.get(folder)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        doc = load_file(file, display_path(file))
    except ConfigError as exc:
        head = Head(folder.name, parse_version(NO_VERSION), folder, problems=tuple(exc.problems),
                    unnamed=True)
    else:
        problems = Problems(doc.file)
        data = doc.data if isinstance(doc.data, dict) else {}
        name, version = read_identity(doc, problems, data, folder)
        line = doc.line(("version",)) if "version" in data else doc.line(("name",), key=True)
        unnamed = not isinstance(doc.data, (dict, type(None))) or any(
            p.rule == FLAVOR_NAME.id for p in problems.errors)
        head = Head(name, version, folder, line if data else None, tuple(problems.errors),
                    unnamed)
    _HEADS[folder] = (stamp, head)
    return head
