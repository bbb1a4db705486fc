"""The Kubernetes sources of an import: a helm chart rendered once per context, and plain
manifest files (a rendered stream, `kubectl get -o yaml` output).

A chart may be a folder, a packaged chart or a reference helm can pull (`oci://...`,
`REPO/NAME`): helm itself reads it, so whatever `helm template` takes, an import takes. Each
object remembers where it came from: the template helm names in `# Source:`, or a manifest
file and the line its document starts on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from pligos_tui import helm
from pligos_tui.errors import ConfigError, Problem, Rule, UsageError, display_path
from pligos_tui.io.files import read_regular
from pligos_tui.io.yamlread import load_file, load_text, max_file_bytes
from pligos_tui.jobs.importing.original import HELM, MANIFESTS, Context, Original
from pligos_tui.spec.fields import dns_label
from pligos_tui.spec.rules.deploy import RELEASE
from pligos_tui.spec.vocabulary import SERVICE_NAME_MAX

CONTEXT_FORM = Rule("E-IMPORT-CONTEXT", "a --context of pligos import is not NAME or "
                    "NAME=FILE[,FILE...] with NAME a DNS label, or names a file that is missing")
NOT_MANIFESTS = Rule("E-IMPORT-MANIFESTS", "a manifest file of pligos import is not a YAML "
                     "stream of Kubernetes objects")
RULES = (CONTEXT_FORM, NOT_MANIFESTS)

DNS_LABEL = re.compile(r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")
SOURCE = re.compile(r"^# Source: (.+)$", re.M)
DOCUMENT = re.compile(r"^---[ \t]*(?:#.*)?\r?\n?$")
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
# what a cluster makes of its own, which `kubectl get -o yaml` shows beside what was applied
CLUSTER_MADE = ("Endpoints", "EndpointSlice", "Event", "ControllerRevision", "Lease")
CLUSTER_CONFIGMAPS = ("kube-root-ca.crt",)
DEFAULT_CONTEXT = "default"
KUSTOMIZATIONS = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def parse_context(text: str) -> tuple[str, list[str]]:
    """`NAME` or `NAME=FILE[,FILE...]` of a --context option."""
    name, _, files = text.partition("=")
    if not DNS_LABEL.match(name):
        raise UsageError(f"--context {text!r}: {name!r} is not a context name",
                         hint="a context's name is a DNS label: lowercase letters, digits "
                         "and '-', starting with a letter (--context prod=values-prod.yaml)")
    paths = [f for f in files.split(",") if f] if files else []
    if "=" in text and not paths:
        raise UsageError(f"--context {text!r} names no file",
                         hint="write --context NAME=FILE[,FILE...], or --context NAME")
    return name, paths


def grouped_contexts(given: list[str]) -> list[tuple[str, list[str]]]:
    """The --context options in order, the files of one name given twice stacked."""
    out: dict[str, list[str]] = {}
    for text in given:
        name, files = parse_context(text)
        out.setdefault(name, []).extend(files)
    return list(out.items())


# ----- helm

def read_chart(chart: str, contexts: list[tuple[str, list[str]]], *, sets: list[str],
               release: str = "", namespace: str = "", version: str = "",
               plain_http: bool = False) -> tuple[Original, dict[str, Any]]:
    """A chart rendered by helm once per context (each with its values files, then the
    `--set`s), and the chart's Chart.yaml."""
    local = Path(chart)
    if local.exists() and local.is_dir() and not (local / "Chart.yaml").is_file():
        raise UsageError(f"{display_path(local)} is not a chart: it has no Chart.yaml",
                         hint="give the chart's folder, a packaged chart (.tgz) or a "
                         "reference helm can pull")
    if namespace and (problem := dns_label(namespace)):
        raise UsageError(f"--namespace: {problem}", hint="a namespace is a DNS label")
    if release and (len(release) > SERVICE_NAME_MAX or not RELEASE.fullmatch(release)):
        raise UsageError(f"--release {release!r} is not a release name",
                         hint="lowercase letters, digits and '-', starting with a letter, at "
                         "most 53 characters")
    meta = _chart_yaml(chart, version, plain_http)
    name = str(meta.get("name") or "")
    contexts = contexts or [(DEFAULT_CONTEXT, [])]
    for _, files in contexts:
        for file in files:
            _check_values(Path(file))
    out: list[Context] = []
    for ctx_name, files in contexts:
        ns = namespace or ctx_name
        rel = release or name
        text = helm.template_release(local if local.exists() else chart, rel, namespace=ns,
                                     values=tuple(Path(f) for f in files), sets=tuple(sets),
                                     version=version, plain_http=plain_http)
        objects, where = _helm_objects(text, chart)
        out.append(Context(ctx_name, ns, rel, objects, where))
    return Original(HELM, helm.shown_reference(chart), out, name=name), meta


def _chart_yaml(chart: str, version: str, plain_http: bool) -> dict[str, Any]:
    try:
        meta = yaml.safe_load(helm.chart_metadata(chart, version=version,
                                                  plain_http=plain_http))
    except yaml.YAMLError:
        meta = None
    if not isinstance(meta, dict):
        raise UsageError(f"{chart} is not a chart: its Chart.yaml is not a mapping")
    return meta


def _check_values(path: Path) -> None:
    """A values file that is missing or not YAML is reported at its line, before helm runs."""
    if not path.is_file():
        raise ConfigError([Problem(display_path(path), message="values file not found",
                                   hint="check the path after --context NAME=",
                                   rule=CONTEXT_FORM.id)])
    doc = load_file(path, display_path(path))
    if doc.data is not None and not isinstance(doc.data, dict):
        raise ConfigError([Problem(display_path(path), 1, 1, "a values file must be a mapping "
                                   "of keys to values", hint="values files look like the "
                                   "chart's values.yaml", rule=CONTEXT_FORM.id)])


def _helm_objects(text: str, chart: str) -> tuple[list[dict[str, Any]], dict[int, str]]:
    objects: list[dict[str, Any]] = []
    where: dict[int, str] = {}
    for _, body in _documents(text):
        found = SOURCE.search(body)
        source = found.group(1).strip() if found else chart
        try:
            data = yaml.safe_load(body)
        except yaml.YAMLError as exc:
            raise UsageError(f"helm rendered {source} of {chart} as something that is not "
                             f"YAML: {exc}".splitlines()[0]) from None
        for obj in _objects_in(data):
            objects.append(obj)
            where[id(obj)] = source
    return objects, where


# ----- manifests

def read_manifests(paths: list[str], contexts: list[tuple[str, list[str]]]) -> Original:
    """Manifest files or folders as contexts: `--context NAME=PATH` per context, or the
    positional paths as one context (named by `--context NAME`, else `default`)."""
    named = [(name, files) for name, files in contexts if files]
    plain = [name for name, files in contexts if not files]
    if named and paths:
        raise UsageError("give the manifests either as paths or as --context NAME=PATH, "
                         "not both")
    if len(plain) > 1 or (plain and named):
        raise UsageError("one context for the paths given: --context NAME",
                         hint="for several contexts write --context NAME=PATH for each")
    if not named:
        if not paths:
            raise UsageError("no manifests given", hint="pligos import manifests FILE|DIR")
        named = [(plain[0] if plain else DEFAULT_CONTEXT, paths)]
    out = []
    for name, given in named:
        objects: list[dict[str, Any]] = []
        where: dict[int, str] = {}
        for file in _manifest_files(given):
            shown = display_path(file)
            for obj, line in _file_objects(file, shown):
                objects.append(obj)
                where[id(obj)] = f"{shown}:{line}"
        objects = [o for o in objects if not _cluster_made(o)]
        namespaces = [(o.get("metadata") or {}).get("namespace") for o in objects]
        ns = next((str(n) for n in namespaces if n), name)
        out.append(Context(name, ns, "", [_applied(o) for o in objects], {}))
        # ids change with _applied: map them again
        out[-1].where = {id(new): where[id(old)] for old, new in
                         zip(objects, out[-1].objects, strict=True)}
    return Original(MANIFESTS, ", ".join(paths or [f for _, fs in named for f in fs]), out)


def _manifest_files(given: list[str]) -> list[Path]:
    files: list[Path] = []
    for text in given:
        path = Path(text)
        if path.is_dir():  # a kustomization there is what builds them, not one of them
            files.extend(sorted(p for p in path.rglob("*") if p.suffix in MANIFEST_SUFFIXES
                                and p.is_file() and p.name not in KUSTOMIZATIONS))
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"{display_path(path)} does not exist",
                             hint="give manifest files or folders holding them")
    if not files:
        raise UsageError(f"no manifest files (*.yaml, *.yml, *.json) in {', '.join(given)}")
    return files


def _file_objects(path: Path, shown: str) -> Iterator[tuple[dict[str, Any], int]]:
    try:
        text = read_regular(path, max_file_bytes()).decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError([Problem(shown, message="is not UTF-8 text",
                                   rule=NOT_MANIFESTS.id)]) from None
    except OSError as exc:
        raise ConfigError([Problem(shown, message=f"cannot read: {exc.strerror}")]) from None
    found = False
    for start, body in _documents(text):
        try:  # with the guards of pligos.yaml: alias bombs, nesting, duplicate keys
            data = load_text(body, shown).data
        except ConfigError as exc:
            raise ConfigError([replace(p, line=p.line + start - 1 if p.line else start,
                                       rule=p.rule or NOT_MANIFESTS.id)
                               for p in exc.problems]) from None
        if data is None:
            continue
        objects = list(_objects_in(data))
        if not objects:
            raise ConfigError([Problem(shown, start, 1, "this document is not a Kubernetes "
                                       "object (no kind and metadata.name)",
                                       hint="give manifests: each document an object with "
                                       "apiVersion, kind and metadata.name (for a "
                                       "kustomization, import what `kubectl kustomize` "
                                       "prints)",
                                       rule=NOT_MANIFESTS.id)])
        found = True
        for obj in objects:
            yield obj, start
    if not found:
        raise ConfigError([Problem(shown, message="holds no Kubernetes object",
                                   rule=NOT_MANIFESTS.id)])


def _documents(text: str) -> Iterator[tuple[int, str]]:
    """The documents of a YAML stream, each with the line it starts on (1-based)."""
    start, chunk = 1, list[str]()
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        if DOCUMENT.match(line):
            yield start, "".join(chunk)
            start, chunk = number + 1, []
        else:
            chunk.append(line)
    yield start, "".join(chunk)


def _objects_in(data: Any) -> Iterator[dict[str, Any]]:
    if not isinstance(data, dict):
        return
    if str(data.get("kind", "")).endswith("List") and isinstance(data.get("items"), list):
        for item in data["items"]:
            yield from _objects_in(item)
    elif data.get("kind") and isinstance(data.get("metadata"), dict) \
            and data["metadata"].get("name"):
        yield data


def _cluster_made(obj: dict[str, Any]) -> bool:
    meta = obj.get("metadata") or {}
    if obj.get("kind") in CLUSTER_MADE or meta.get("ownerReferences"):
        return True
    return obj.get("kind") == "ConfigMap" and meta.get("name") in CLUSTER_CONFIGMAPS


def _applied(obj: dict[str, Any]) -> dict[str, Any]:
    """An object as it was applied: without its status and the fields the cluster sets."""
    out = {k: v for k, v in obj.items() if k != "status"}
    meta = {k: v for k, v in (obj.get("metadata") or {}).items()
            if k not in ("uid", "resourceVersion", "generation", "creationTimestamp",
                         "managedFields", "selfLink")}
    notes = {k: v for k, v in (meta.get("annotations") or {}).items()
             if k not in ("kubectl.kubernetes.io/last-applied-configuration",
                          "deployment.kubernetes.io/revision")}
    if "annotations" in meta:
        meta["annotations"] = notes
    out["metadata"] = meta
    return out
