"""Whether a chart may share a helm process with others, as a subchart of an umbrella.

Measured with helm 3.17 and 4.1, a subchart sees what a chart rendered alone does, but:
`.Chart.IsRoot` is false; `.Template.Name` and `.BasePath` hold the umbrella's path; its
`.Values` hold `global: {}`, which its values schema judges too; its own `.helmignore` is not
applied (helm applies the umbrella's); its `kubeVersion` is not checked (only the umbrella's
is); and the templates of all charts are one set, so a `define` name has one body for the
whole process. Everything else renders the same: the values files, coalesced over the chart's
values.yaml as they are alone (nulls included), the manifests and hooks, each chart's in its
order, `.Files`, `.Capabilities`, `.Release`.

`prepare` takes a chart's files as helm should see them (already filtered by its .helmignore),
and refuses (`Alone`) a chart that could notice the rest: one of its template actions (in any
file: `tpl` renders text from values and files too) reads `.Chart.IsRoot`, `.Template`,
`.Subcharts`, `global`, `.Values` whole (but `hasKey`/`index`/`get` of `.Values` with a
literal key), or the whole root context (`$`, or `.` outside a with, range or define, given
to toYaml, toJson, keys, range, print, ...); a name it defines twice; a values schema that
could judge `global`; a values.yaml or values file that mentions `global` or cannot be nested
as it is written; a Chart.yaml that is not a plain v2 application. What it cannot see: a
template that keeps the root context in a variable and dumps that, or a define included with
the root context that dumps its `.`, would tell; the flavors' templates do neither.

All charts of a batch have the umbrella's `.Release`. A chart may still share with charts of
other releases and namespaces when nothing it renders reads `.Release.Name` or
`.Release.Namespace` but through the helpers' `pligos.releaseName` and
`pligos.releaseNamespace` (and `pligos.tpl`, which evaluates text with them), their bodies
exactly the library's: the batch gives each chart its own in the reserved value `RENDER_KEY`.
Otherwise (`Shared.bound` says why) it shares only with charts of its own release and
namespace: an action outside those defines mentions `Release` but for `.Release.Service`,
`IsInstall`, `IsUpgrade` or `Revision` (the same for every chart of a process), or the
reserved key; text outside templates/ does (`tpl` could evaluate it) while the chart calls
`tpl` other than through `pligos.tpl`; its values schema may not take the reserved key. A
chart whose values set the reserved key renders alone.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml

from pligos_tui.charts.library import library_files
from pligos_tui.charts.packaging import IGNORE_FILE, HelmIgnore
from pligos_tui.errors import PligosError
from pligos_tui.spec.vocabulary import RENDER_KEY

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# what a template's action may not hold when its chart shares a helm process
_TELLING_WORDS = re.compile(r"\b(IsRoot|Template|Subcharts|global)\b|[\"`]Values[\"`]")
_VALUES = re.compile(r"\.Values\b(?!\.[A-Za-z_])")
_KEYED_BEFORE = re.compile(r"\b(?:hasKey|index|get)\s+(?:\$\w*)?\Z")  # hasKey .Values "key"
_KEYED_AFTER = re.compile(r"\s+[\"`]")
_DUMPS = ("toYaml|toJson|toPrettyJson|toRawJson|mustToJson|mustToPrettyJson|mustToRawJson|"
          "toToml|toString|toStrings|print|printf|println|keys|values|pick|omit|deepCopy|"
          "mustDeepCopy|merge|mergeOverwrite|mustMerge|mustMergeOverwrite|dig|pluck|range|"
          "deepEqual|sha256sum|sha1sum|b64enc|quote|squote|fromYaml")
_BARE_DOT = r"(?:(?<=[\s(=,])|^)\.(?=[\s)|]|$)"
_BARE_ROOT = r"(?:(?<=[\s(=,])|^)\$(?=[\s)|]|$)"
_COMMAND = r"(?:^|[(|])\s*"  # where a command starts: `.` or `$` alone is then piped on
_DUMPED_DOT = re.compile(rf"\b(?:{_DUMPS})\b[^|()]*?{_BARE_DOT}|{_COMMAND}\.\s*(?:\||$)")
_DUMPED_ROOT = re.compile(rf"\b(?:{_DUMPS})\b[^|()]*?{_BARE_ROOT}|{_COMMAND}\$\s*(?:\||$)")
_COMMENT = re.compile(r"\{\{-?\s*/\*.*?\*/\s*-?\}\}", re.S)
_ACTION = re.compile(r"\{\{(.*?)\}\}", re.S)
_DEFINE = re.compile(r"(?:define|block)\s+(\"(?:[^\"\\]|\\.)*\"|`[^`]*`)")
# reading the release, given per chart by a batch of several releases (see the module's note)
RELEASE_DEFINES = ('"pligos.releaseName"', '"pligos.releaseNamespace"', '"pligos.tpl"')
_RELEASE = re.compile(r"\bRelease\b|\b" + RENDER_KEY + r"\b")
_RELEASE_ALIKE = re.compile(r"\.Release\.(?:Service|IsInstall|IsUpgrade|Revision)\b")
_TPL = re.compile(r"(?:^|[\s(|])tpl(?=\s)")
_IN_TEMPLATES = re.compile(r"(?:^|/)templates/")
# what helm takes as a release name, and a namespace as the values schema does
_RELEASE_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_NAMESPACE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_SCHEMA_KEYS = {"$schema", "$id", "$comment", "title", "description", "type", "required",
                "properties", "additionalProperties", "definitions", "$defs", "examples"}


@dataclass(frozen=True)
class _Scan:
    telling: str | None  # why a subchart's templates could tell, or None
    defines: tuple[str, ...]  # the names it defines
    release: str | None = None  # why it reads the release other than through RELEASE_DEFINES
    tpl: bool = False  # whether it calls tpl other than in RELEASE_DEFINES
    bodies: tuple[tuple[str, str], ...] = ()  # (name, digest) of the RELEASE_DEFINES it has


@lru_cache(maxsize=2048)
def _scan(data: bytes) -> _Scan:
    """What one file's template actions reveal (any file: `tpl` renders text from anywhere)."""
    text = _COMMENT.sub("", data.decode("utf-8", "replace"))
    defines: list[str] = []
    release: str | None = None
    tpl = False
    bodies: list[tuple[str, str]] = []
    # the open blocks: "dot" where `.` is not the root context (with, range, and define: a
    # define's `.` is what it is included with, taken to be what it is meant for), else "-"
    stack: list[str] = []
    opened: tuple[str, int] | None = None  # the define (at the top of the stack) and its start
    for found in _ACTION.finditer(text):
        action = found.group(1).strip().lstrip("-").rstrip("-").strip()
        word = action.split(None, 1)[0] if action else ""
        if word in ("define", "block"):
            named = _DEFINE.match(action)
            if named is None:
                return _Scan("a template defined under a computed name", ())
            defines.append(named.group(1))
            if not stack:
                opened = (named.group(1), found.start())
        if word == "if":
            stack.append("-")
        elif word in ("with", "range", "define", "block"):
            stack.append("dot")
        elif word == "else" and stack:
            stack[-1] = "dot" if re.match(r"else\s+with\b", action) else "-"
        elif word == "end" and stack:
            stack.pop()
            if not stack and opened is not None:
                if opened[0] in RELEASE_DEFINES:
                    body = text[opened[1]:found.end()].encode()
                    bodies.append((opened[0], hashlib.sha256(body).hexdigest()))
                opened = None
        if (telling := _telling(action, "dot" not in stack)) is not None:
            return _Scan(f"{telling}: {{{{ {action[:60]} }}}}", ())
        if opened is None or opened[0] not in RELEASE_DEFINES:
            if release is None and _RELEASE.search(_RELEASE_ALIKE.sub("", action)):
                release = f"it reads the release: {{{{ {action[:60]} }}}}"
            tpl = tpl or _TPL.search(action) is not None
    return _Scan(None, tuple(defines), release, tpl, tuple(bodies))


@lru_cache(maxsize=1)
def _library_bodies() -> dict[str, str]:
    """The RELEASE_DEFINES as the helpers' library has them (name -> digest of the body)."""
    return {name: digest for rel, data in library_files().items() if b"{{" in data
            for name, digest in _scan(data).bodies}


def _telling(action: str, dot_may_be_root: bool) -> str | None:
    if (word := _TELLING_WORDS.search(action)) is not None:
        return f"it reads {word.group(0).strip(chr(34) + '`')}"
    for whole in _VALUES.finditer(action):
        if not (_KEYED_BEFORE.search(action, 0, whole.start())
                and _KEYED_AFTER.match(action, whole.end())):
            return "it reads .Values whole"
    if _DUMPED_ROOT.search(action) or (dot_may_be_root and _DUMPED_DOT.search(action)):
        return "it may read its whole context"
    return None


@dataclass
class Shared:
    """A chart as it goes into a batch: its name, its files filtered by its .helmignore, its
    values files, and what it defines."""

    name: str
    kube: str
    files: dict[str, bytes]
    values: list[str]  # the text of each values file
    defines: dict[str, str] = field(default_factory=dict)  # name -> digest of its file
    # why it shares only with charts of its release and namespace, or None: with any
    bound: str | None = None


class Alone(Exception):
    """Why a chart cannot share a helm process."""


def prepare(files: Mapping[str, bytes], meta: dict[str, Any] | None, values: tuple[str, ...],
            *, check: bool = True) -> Shared:
    """A chart (its renderable files, their Chart.yaml read, the values files it is given)
    prepared for a batch; with `check`, raises Alone when it must render alone."""
    if meta is None or not isinstance(meta.get("name"), str):
        raise Alone("its Chart.yaml cannot be read")
    kube = meta.get("kubeVersion", "")
    if check:
        _check_meta(meta, files)
    try:
        ignored = _ignored(files.get(IGNORE_FILE, b""), tuple(files))
    except PligosError as exc:
        raise Alone(exc.message) from None
    kept = {rel: data for rel, data in files.items() if rel not in ignored}
    texts = []
    for rel in values:
        if rel not in files:
            raise Alone(f"its values file {rel} is not in the chart")
        texts.append(_values_text(files[rel], check=check))
    out = Shared(meta["name"], kube if isinstance(kube, str) else "", kept, texts)
    if any(RENDER_KEY in text for text in texts):
        out.bound = f"a values file mentions {RENDER_KEY}"
    in_text: str | None = None  # a reading of the release outside templates/
    tpl = False
    for rel, data in kept.items():
        if check and rel == "values.yaml" and b"global" in data:
            raise Alone("its values.yaml mentions global")
        if rel == "values.yaml" and RENDER_KEY.encode() in data:
            if check:
                raise Alone(f"its values.yaml mentions {RENDER_KEY}, which is the renderer's")
            out.bound = out.bound or f"its values.yaml mentions {RENDER_KEY}"
        if rel == "values.schema.json":
            if check:
                _check_schema(data)
            out.bound = out.bound or _schema_bound(data)
        if b"{{" not in data:
            continue
        scan = _scan(data)
        if check and scan.telling is not None:
            raise Alone(f"{rel}: {scan.telling}")
        digest = hashlib.sha256(data).hexdigest()
        for name in scan.defines:
            if check and out.defines.get(name, digest) != digest:
                raise Alone(f"it defines {name} twice")
            out.defines[name] = digest
        for name, body in scan.bodies:
            if _library_bodies().get(name) != body:
                out.bound = out.bound or f"{rel}: it defines {name} otherwise than the helpers"
        tpl = tpl or scan.tpl
        if scan.release is not None and _IN_TEMPLATES.search(rel):
            out.bound = out.bound or f"{rel}: {scan.release}"
        elif scan.release is not None:
            in_text = in_text or f"{rel}: {scan.release}, and a template calls tpl"
    if tpl and in_text is not None:
        out.bound = out.bound or in_text
    return out


def why_bound(shared: Shared, release: str, namespace: str) -> str | None:
    """Why a chart (prepared, to be deployed as `release` in `namespace`) shares a helm
    process only with charts of its own release and namespace, or None when with any."""
    if shared.bound is not None:
        return shared.bound
    if len(release) > 53 or not _RELEASE_NAME.fullmatch(release):
        return f"helm takes no release named {release!r}"
    if len(namespace) > 63 or not _NAMESPACE.fullmatch(namespace):
        return f"its namespace {namespace!r} is not a DNS label"
    return None


@lru_cache(maxsize=256)
def _ignored(helmignore: bytes, paths: tuple[str, ...]) -> frozenset[str]:
    """The paths helm leaves out of a chart whose .helmignore is `helmignore`."""
    ignore = HelmIgnore(helmignore.decode("utf-8", "replace"))
    folders: dict[str, bool] = {}

    def out(rel: str) -> bool:
        parts = rel.split("/")
        for i in range(1, len(parts)):
            folder = "/".join(parts[:i])
            if folder not in folders:
                folders[folder] = ignore.ignored(folder, True)
            if folders[folder]:
                return True
        return ignore.ignored(rel, False)

    return frozenset(rel for rel in paths if out(rel))


# a chart name as helm and PyYAML both read it as text, so that its values nest under it
_PLAIN_NAME = re.compile(r"(?!(?:y|n|yes|no|on|off|true|false|null)\Z)[a-z][a-z0-9-]*", re.I)


def _check_meta(meta: dict[str, Any], files: Mapping[str, bytes]) -> None:
    """A Chart.yaml helm reads alike at the root and below it (only the root's dependencies
    are checked to be there: a subchart's missing one would go unnoticed)."""
    if not _PLAIN_NAME.fullmatch(meta["name"]):
        raise Alone(f"its name {meta['name']!r} may be read as other than text")
    if not isinstance(meta.get("kubeVersion", ""), str):
        raise Alone("its kubeVersion is not text")
    if meta.get("apiVersion") != "v2":
        raise Alone("its Chart.yaml is not apiVersion v2")
    if meta.get("type", "application") != "application":
        raise Alone(f"it is a chart of type {meta.get('type')}")
    for dep in meta.get("dependencies") or []:
        if not isinstance(dep, dict) or set(dep) - {"name", "version", "repository"}:
            raise Alone("a dependency has a condition, tags or imports")
        if f"charts/{dep.get('name')}/Chart.yaml" not in files:
            raise Alone(f"its dependency {dep.get('name')} is not in its charts/")


@lru_cache(maxsize=64)
def _schema_bound(data: bytes) -> str | None:
    """Why a values schema ties a chart to its release: it may refuse the reserved key, or
    requires it (a chart alone would fail)."""
    try:
        schema = json.loads(data)
    except ValueError:
        return "its values.schema.json cannot be read"
    if not isinstance(schema, dict):
        return "its values schema is not an object"
    props = schema.get("properties") or {}
    if RENDER_KEY in (schema.get("required") or ()) or not isinstance(props, dict) or (
            RENDER_KEY not in props and schema.get("additionalProperties", True) is not True):
        return f"its values schema may refuse {RENDER_KEY}"
    return None


@lru_cache(maxsize=64)
def _check_schema(data: bytes) -> None:
    """A values schema that may see `global: {}` (a subchart's values have it) and judge them
    as it judges them without it."""
    try:
        schema = json.loads(data)
    except ValueError:
        raise Alone("its values.schema.json cannot be read") from None
    props = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(schema, dict) or set(schema) - _SCHEMA_KEYS or "global" in (
            schema.get("required") or ()) or not isinstance(props or {}, dict):
        raise Alone("its values schema may judge global")
    glob = (props or {}).get("global")
    if glob is None and schema.get("additionalProperties", True) is not True:
        raise Alone("its values schema takes no global")
    if glob is not None and not (isinstance(glob, dict) and glob.get("type", "object") == "object"
                                 and set(glob) <= {"type", "description", "title"}):
        raise Alone("its values schema judges global")


def _values_text(data: bytes, *, check: bool) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Alone("a values file is not UTF-8") from None
    if not check:
        return text
    if RENDER_KEY in text:
        raise Alone(f"a values file mentions {RENDER_KEY}, which is the renderer's")
    if "global" in text or re.search(r"(?m)^(---|\.\.\.|%)", text) or "\t" in text:
        raise Alone("a values file cannot be nested as it is")
    try:
        parsed = yaml.load(text, Loader=_LOADER)
        inside = yaml.load(nested("w", "c", text), Loader=_LOADER)
    except yaml.YAMLError:
        raise Alone("a values file cannot be read") from None
    if not isinstance(parsed, dict) or inside != {"w": {"c": parsed}}:
        raise Alone("a values file cannot be nested as it is")
    return text


def nested(wrapper: str, name: str, text: str) -> str:
    """A values file as the umbrella's: below its wrapper and chart, every line that is not
    empty indented alike (which a check of each file shares only when it reads the same)."""
    body = "".join(line if line in ("\n", "\r\n") else "    " + line
                   for line in text.splitlines(keepends=True))
    return f"{wrapper}:\n  {json.dumps(name)}:\n{body}\n"


