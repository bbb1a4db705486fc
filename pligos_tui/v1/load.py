"""Reading a service folder of the original Pligos (the "v1" format).

A v1 service folder is itself a Helm chart: `Chart.yaml` beside a `pligos.yaml` of this shape::

    pligos: {version: '1', types: [../types.yaml]}
    contexts:
      dev: {flavor: ../flavors/webservice, spec: {...}, dependencies: [{path, context, alias}]}
    values:
      route: [{name: http, ...}]

A flavor is a folder holding a chart skeleton (Chart.yaml, templates/) and `schema.yaml`, the
types it compiles. Everything here is read with the position of each node kept, so that every
problem names its file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pligos_tui.errors import ConfigError, Problem, Problems, did_you_mean, display_path
from pligos_tui.io.keypath import KeyPath
from pligos_tui.io.yamlread import Builder, Document, Loader, load_file
from pligos_tui.spec.reader import type_name
from pligos_tui.spec.vocabulary import CONFIG_NAME

CHART_FILE = "Chart.yaml"
SCHEMA_FILE = "schema.yaml"
TOP_KEYS = ("pligos", "contexts", "values")
META_KEYS = ("version", "types")
CONTEXT_KEYS = ("flavor", "spec", "dependencies")
DEPENDENCY_KEYS = ("path", "context", "alias")
VERSIONS = ("1",)

@dataclass
class Dependency:
    path: Path  # the other service's folder, resolved
    context: str
    alias: str
    at: KeyPath


@dataclass
class Context:
    name: str
    at: KeyPath
    flavor: Path  # the flavor folder, resolved
    spec: dict[str, Any]
    dependencies: list[Dependency] = field(default_factory=list)


@dataclass
class TypeFile:
    path: Path
    at: KeyPath  # where pligos.types names it


@dataclass
class Service:
    """One v1 service folder, read and checked for structure."""

    root: Path
    file: str  # pligos.yaml as shown to the user
    doc: Document
    chart_doc: Document  # Chart.yaml
    name: str  # the chart's name, from Chart.yaml
    types: list[TypeFile] = field(default_factory=list)
    contexts: dict[str, Context] = field(default_factory=dict)
    # type name -> (index in values.<type>, instance) of every well-formed instance
    instances: dict[str, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)

    @property
    def chart(self) -> dict[str, Any]:
        return self.chart_doc.data if isinstance(self.chart_doc.data, dict) else {}

    def context(self, name: str) -> Context | None:
        return self.contexts.get(name)


@dataclass
class Flavor:
    """A v1 flavor folder: chart skeleton plus schema.yaml."""

    path: Path
    name: str
    schema: Document
    templates: dict[str, bytes]  # templates/... -> bytes
    files: dict[str, bytes]  # other chart files (not Chart.yaml, values.yaml, schema.yaml)


# ------------------------------------------------------------------ YAML with merge keys

MERGE_TAG = "tag:yaml.org,2002:merge"


def load_yaml(path: Path, display: str) -> Document:
    """A YAML file of the original format, with the size, encoding and structure guards of
    every Pligos file; merge keys (`<<: *anchor`), which the original read, are merged."""
    try:
        return load_file(path, display)
    except ConfigError as exc:
        if not any(p.message.startswith("merge keys") for p in exc.problems):
            raise
    text = path.read_bytes().decode("utf-8-sig")  # load_file has checked size and encoding
    problems = Problems(display)
    doc = Document(file=display, data=None)
    root = yaml.compose(text, Loader=Loader)
    if root is not None:  # an empty document has no data
        doc.data = _MergingBuilder(doc, problems).build(root, (), 0)
    problems.raise_if_any()
    return doc


class _MergingBuilder(Builder):
    """The located-document builder, with merge keys resolved the way YAML defines them:
    the mapping's own keys win, then the first merged mapping, then the next."""

    def build(self, node: yaml.Node, path: KeyPath, depth: int) -> Any:
        if isinstance(node, yaml.MappingNode) and any(k.tag == MERGE_TAG for k, _ in node.value):
            node = self._merged(node)
        return super().build(node, path, depth)

    def _merged(self, node: yaml.MappingNode) -> yaml.MappingNode:
        own = [(k, v) for k, v in node.value if k.tag != MERGE_TAG]
        seen = {k.value for k, _ in own if isinstance(k, yaml.ScalarNode)}
        merged: list[tuple[yaml.Node, yaml.Node]] = []
        for key, value in node.value:
            if key.tag != MERGE_TAG:
                continue
            sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
            for source in sources:
                if not isinstance(source, yaml.MappingNode):
                    mark = key.start_mark
                    self.problems.add("<< must merge a mapping (an alias such as *base) or a "
                                      "list of them", line=mark.line + 1, column=mark.column + 1,
                                      hint="point << at an anchored mapping")
                    continue
                if any(k.tag == MERGE_TAG for k, _ in source.value):
                    source = self._merged(source)
                for k, v in source.value:
                    if isinstance(k, yaml.ScalarNode) and k.value not in seen:
                        seen.add(k.value)
                        merged.append((k, v))
        return yaml.MappingNode(node.tag, merged + own, node.start_mark, node.end_mark,
                                flow_style=node.flow_style)




def _unknown_keys(doc: Document, problems: Problems, data: dict[str, Any], path: KeyPath,
                  allowed: tuple[str, ...], what: str) -> None:
    for key in data:
        if key not in allowed:
            hint = did_you_mean(key, allowed) or f"{what} takes: {', '.join(allowed)}"
            doc.problem(problems, path + (key,), f"unknown key {key!r} in {what}", hint, key=True)


def load_service(root: Path) -> Service:
    """Read and check a v1 service folder; every problem of its files is raised at once."""
    file = root / CONFIG_NAME
    display = display_path(file)
    doc = load_yaml(file, display)
    problems = Problems(display)
    chart_file = root / CHART_FILE
    chart_display = display_path(chart_file)
    if chart_file.is_file():
        chart_doc = load_file(chart_file, chart_display)
    else:
        chart_doc = Document(file=chart_display, data=None)
        doc.problem(problems, ("pligos",), "a service of the original Pligos is a Helm chart, "
                    f"but there is no {CHART_FILE} beside pligos.yaml",
                    f"add {CHART_FILE} with at least name: and version:", key=True)
    chart = chart_doc.data
    name = ""
    if chart_file.is_file():
        if not isinstance(chart, dict):
            chart_doc.problem(problems, (), f"{CHART_FILE} must be a mapping",
                              "write name:, version: and description:")
        elif not isinstance(chart.get("name"), str) or not chart["name"]:
            chart_doc.problem(problems, ("name",), f"{CHART_FILE} has no name",
                              "add name: <the service's chart name>", key=True)
        else:
            name = chart["name"]
    svc = Service(root=root, file=display, doc=doc, chart_doc=chart_doc, name=name)
    data = doc.data
    if not isinstance(data, dict):
        doc.problem(problems, (), "pligos.yaml must be a mapping",
                    "write pligos:, contexts: and values:")
        problems.raise_if_any()
        return svc
    _unknown_keys(doc, problems, data, (), TOP_KEYS, "pligos.yaml of the original Pligos")
    _read_meta(svc, data.get("pligos"), problems)
    _read_contexts(svc, data, problems)
    _read_instances(svc, data.get("values"), problems)
    problems.raise_if_any()
    return svc


def _read_meta(svc: Service, meta: Any, problems: Problems) -> None:
    doc = svc.doc
    if not isinstance(meta, dict):
        doc.problem(problems, ("pligos",), f"pligos must be a mapping, not {type_name(meta)}",
                    "write pligos: {version: '1'}")
        return
    _unknown_keys(doc, problems, meta, ("pligos",), META_KEYS, "pligos")
    version = meta.get("version")
    if version is None:
        doc.problem(problems, ("pligos",), "pligos has no version", "add version: '1'", key=True)
    elif str(version) not in VERSIONS:
        doc.problem(problems, ("pligos", "version"), f"unsupported version {version!r}",
                    "the original Pligos's format is version '1'")
    types = meta.get("types")
    if types is None:
        return
    if not isinstance(types, list):
        doc.problem(problems, ("pligos", "types"), f"types must be a list of files, not "
                    f"{type_name(types)}", "write types: [../types.yaml]")
        return
    for i, item in enumerate(types):
        at = ("pligos", "types", i)
        if not isinstance(item, str) or not item:
            doc.problem(problems, at, f"a types entry must be a file path, not {type_name(item)}")
            continue
        path = svc.root / item
        if not path.is_file():
            doc.problem(problems, at, f"types file {item} does not exist",
                        "paths are relative to the service folder")
            continue
        svc.types.append(TypeFile(path, at))


def _read_contexts(svc: Service, data: dict[str, Any], problems: Problems) -> None:
    doc = svc.doc
    contexts = data.get("contexts")
    if contexts is None:
        doc.problem(problems, (), "no contexts", "add contexts: with at least one context, "
                    "e.g. dev: {flavor: ../flavors/webservice, spec: {}}", key=True)
        return
    if not isinstance(contexts, dict):
        doc.problem(problems, ("contexts",), f"contexts must be a mapping of context name to "
                    f"context, not {type_name(contexts)}", "write contexts: {dev: {flavor: ..., "
                    "spec: ...}}")
        return
    for name, ctx in contexts.items():
        at: KeyPath = ("contexts", name)
        if not isinstance(ctx, dict):
            doc.problem(problems, at, f"context {name!r} must be a mapping, not {type_name(ctx)}",
                        "give it flavor: and spec:")
            continue
        _unknown_keys(doc, problems, ctx, at, CONTEXT_KEYS, "a context")
        flavor = ctx.get("flavor")
        flavor_path = svc.root
        if not isinstance(flavor, str) or not flavor:
            doc.problem(problems, at + ("flavor",) if "flavor" in ctx else at,
                        f"context {name!r} has no flavor" if flavor is None else
                        f"flavor must be a folder path, not {type_name(flavor)}",
                        "add flavor: <path to the flavor folder>", key="flavor" not in ctx)
        else:
            flavor_path = svc.root / flavor
            if not flavor_path.is_dir():
                doc.problem(problems, at + ("flavor",), f"flavor folder {flavor} does not exist",
                            "paths are relative to the service folder")
            elif not (flavor_path / SCHEMA_FILE).is_file():
                doc.problem(problems, at + ("flavor",), f"flavor folder {flavor} has no "
                            f"{SCHEMA_FILE}", "a flavor of the original Pligos declares its "
                            "types in schema.yaml, with the root type `context`")
        spec = ctx.get("spec")
        if spec is None:
            spec = {}
        elif not isinstance(spec, dict):
            doc.problem(problems, at + ("spec",), f"spec must be a mapping, not {type_name(spec)}",
                        "give the fields of the flavor's context type")
            spec = {}
        context = Context(name=str(name), at=at, flavor=flavor_path, spec=spec)
        deps = ctx.get("dependencies")
        if deps is not None and not isinstance(deps, list):
            doc.problem(problems, at + ("dependencies",), "dependencies must be a list, not "
                        f"{type_name(deps)}", "write - {path: ../other, context: dev}")
            deps = []
        for i, dep in enumerate(deps or []):
            dat = at + ("dependencies", i)
            if not isinstance(dep, dict):
                doc.problem(problems, dat, f"a dependency must be a mapping, not {type_name(dep)}",
                            "write {path: ../other, context: dev, alias: other}")
                continue
            _unknown_keys(doc, problems, dep, dat, DEPENDENCY_KEYS, "a dependency")
            ok = True
            for key in ("path", "context"):
                if not isinstance(dep.get(key), str) or not dep[key]:
                    doc.problem(problems, dat + (key,) if key in dep else dat,
                                f"dependency needs {key}: as text",
                                "path is the other service's folder, context one of its "
                                "contexts", key=key not in dep)
                    ok = False
            alias = dep.get("alias", "")
            if alias is None:
                alias = ""
            if not isinstance(alias, str):
                doc.problem(problems, dat + ("alias",), "alias must be text")
                ok = False
            if not ok:
                continue
            path = svc.root / dep["path"]
            if not (path / CONFIG_NAME).is_file():
                doc.problem(problems, dat + ("path",), f"{dep['path']} holds no pligos.yaml",
                            "path is the folder of another service of the original Pligos, "
                            "relative to this one")
                continue
            context.dependencies.append(Dependency(path, dep["context"], alias, dat))
        svc.contexts[str(name)] = context


def _read_instances(svc: Service, values: Any, problems: Problems) -> None:
    doc = svc.doc
    if values is None:
        return
    if not isinstance(values, dict):
        doc.problem(problems, ("values",), f"values must be a mapping of type name to a list of "
                    f"named instances, not {type_name(values)}", "write values: {route: [{name: "
                    "http, ...}]}")
        return
    for typ, items in values.items():
        at: KeyPath = ("values", typ)
        if items is None:
            continue
        if not isinstance(items, list):
            doc.problem(problems, at, f"values.{typ} must be a list of named instances, not "
                        f"{type_name(items)}", "start each instance with '- name: ...'")
            continue
        seen: dict[str, int] = {}
        good: list[tuple[int, dict[str, Any]]] = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                doc.problem(problems, at + (i,), f"an instance of {typ} must be a mapping, not "
                            f"{type_name(item)}", "start it with '- name: ...'")
                continue
            name = item.get("name")
            if not isinstance(name, str) or not name:
                doc.problem(problems, at + (i,) if "name" not in item else at + (i, "name"),
                            f"an instance of {typ} needs a name (text)",
                            "add name: <the name contexts refer to it by>")
                continue
            if name in seen:
                first = doc.line(at + (seen[name],))
                doc.problem(problems, at + (i, "name"), f"two instances of {typ} are named "
                            f"{name!r}" + (f" (the first on line {first})" if first else ""),
                            "rename or remove one of them")
                continue
            seen[name] = i
            good.append((i, item))
        svc.instances[str(typ)] = good


def load_flavor(path: Path, chart_name: str) -> Flavor:
    """Read a flavor folder; `<CHARTNAME>` in its templates becomes `chart_name`."""
    schema_file = path / SCHEMA_FILE
    schema = load_yaml(schema_file, display_path(schema_file))
    if not isinstance(schema.data, dict):
        raise ConfigError([Problem(schema.file, line=1, message="schema.yaml must be a mapping "
                                   "of type name to type", hint="declare at least the root "
                                   "type, e.g. context: {values: embedded object}")])
    name = path.name
    chart_file = path / CHART_FILE
    if chart_file.is_file():
        meta = load_file(chart_file, display_path(chart_file)).data
        if isinstance(meta, dict) and isinstance(meta.get("name"), str):
            name = meta["name"]
    templates: dict[str, bytes] = {}
    files: dict[str, bytes] = {}
    for file in sorted(path.rglob("*")):
        if not file.is_file():
            continue
        rel = file.relative_to(path).as_posix()
        if rel.startswith("templates/"):
            templates[rel] = file.read_bytes().replace(b"<CHARTNAME>", chart_name.encode())
        elif rel in (CHART_FILE, "values.yaml", SCHEMA_FILE, ".helmignore", "values.schema.json",
                     "requirements.yaml", "requirements.lock", "Chart.lock") \
                or rel.startswith(("charts/", ".git/")):
            continue
        else:
            files[rel] = file.read_bytes()
    return Flavor(path=path, name=name, schema=schema, templates=templates, files=files)
