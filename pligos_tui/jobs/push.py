"""`pligos push`: package each generated chart with helm and push it to an OCI registry.

Every chart is checked before anything is pushed: it must be what `pligos generate` would
write now (`check`'s test of a chart), its packaged copy must hold no secret data, and the
registry must not hold the same name and version with other content. A chart is packaged
from a temporary copy holding what helm would package (the chart's `.helmignore` applied;
`secrets/` and Pligos's own `.pligos*` files never; the helpers' library, which the chart
links to, as real files), its subcharts fetched, and its Chart.yaml
annotated with a digest of that content (`pligos.io/content-digest`): a chart already in the
registry with the same digest is skipped, so a second push of an unchanged tree pushes
nothing.

A chart lands at `oci://HOST/PATH/<context>/<name>:<version>`.
"""

from __future__ import annotations

import hashlib
import re
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from pligos_tui import helm
from pligos_tui.charts.delivery import TLS_KEYS
from pligos_tui.charts.library import fetched_dependencies, is_library_dependency
from pligos_tui.charts.packaging import absolute_repositories, archive_files, packaged_files
from pligos_tui.charts.plan import ChartPlan
from pligos_tui.errors import PligosError, UsageError, display_path
from pligos_tui.io.yamlwrite import dump_yaml
from pligos_tui.jobs.check import state_finding
from pligos_tui.jobs.generate import load_services, plan
from pligos_tui.spec.discover import find_services, split_v1
from pligos_tui.spec.rules.secrets import DOCKERCONFIG, TLS
from pligos_tui.spec.vocabulary import INLINE, SECRET_DATA, SECRET_VALUES_FILE, SECRETS_DIR

CONTENT_DIGEST = "pligos.io/content-digest"
# the keys of an inline secret of these types, whatever the provider holds
_TYPE_KEYS = {TLS: TLS_KEYS, DOCKERCONFIG: (".dockerconfigjson",)}
PUSHED, UNCHANGED = "pushed", "unchanged"
# the secrets folder of a chart, or of a subchart in it (a pushed chart holds neither)
_SECRET_DIR = re.compile(rf"(charts/[^/]+/)*{SECRETS_DIR}/")
WORKERS = 4  # helm processes at once: each mostly waits for the disk or the registry


@dataclass
class ReceiverSecret:
    """An inline secret a pushed chart does not carry: its receiver supplies it as the value
    `secretData.<name>`, a map of each key to its base64-encoded bytes."""

    name: str
    keys: list[str]  # [] when this copy cannot tell (no local secret data, a type of any keys)
    value: str  # secretData.<name>


@dataclass
class PushedChart:
    chart: str  # the local chart, as shown to the user
    context: str
    name: str
    version: str
    ref: str  # oci://HOST/PATH/<context>/<name>:<version>
    content_digest: str  # sha256:<hex> over the packaged files (the annotation)
    status: str = PUSHED  # pushed | unchanged (already in the registry, same content)
    digest: str = ""  # the registry's digest of what was pushed (pushed charts only)
    secrets: list[ReceiverSecret] = field(default_factory=list)


@dataclass
class PushReport:
    to: str
    charts: list[PushedChart] = field(default_factory=list)
    seconds: float = 0.0

    def with_status(self, status: str) -> list[PushedChart]:
        return [c for c in self.charts if c.status == status]


def push(paths: list[Path], to: str, *, contexts: list[str] | None = None,
         plain_http: bool = False) -> PushReport:
    """Package and push the chart of every context (or of those named) of every service at
    or below `paths`; nothing is pushed unless every chart can be. No secret store is read:
    a package never carries secret data, and a chart's content hash leaves it out."""
    started = time.perf_counter()
    remote = _remote(to)
    roots, v1_roots = split_v1(find_services(paths))
    plans = plan(load_services(roots), contexts=contexts, v1_roots=v1_roots,
                 fetch_secrets=False)
    _refuse_outdated(plans)
    helm.require_helm("pushing charts")
    report = PushReport(remote)
    with tempfile.TemporaryDirectory(prefix="pligos-push-") as tmp:
        work = [Path(tmp) / str(i) for i in range(len(plans))]
        packed = _each(lambda i: _package(plans[i], work[i], remote), range(len(plans)))
        _refuse_shared_refs(packed)
        theirs = _each(lambda c: _remote_digest(c[0], plain_http), packed)
        conflicts = [(c, p.origin.file) for (c, _), digest, p in zip(packed, theirs, plans)
                     if digest is not None and digest != c.content_digest]
        if conflicts:
            files = ", ".join(dict.fromkeys(file for _, file in conflicts))
            raise PligosError(
                "; ".join(f"{c.ref} is already in the registry with other content"
                          for c, _ in conflicts) + "; nothing was pushed",
                hint=f"bump chartVersion in {files} (a registry keeps one content per "
                     "version), run `pligos generate`, then push again")
        for (c, _), digest in zip(packed, theirs):
            c.status = PUSHED if digest is None else UNCHANGED
        todo = [(c, archive) for c, archive in packed if c.status == PUSHED]
        digests = _each(lambda item: _push_one(item[0], item[1], remote, plain_http), todo)
        for (c, _), digest in zip(todo, digests):
            c.digest = digest
        report.charts = [c for c, _ in packed]
    report.seconds = time.perf_counter() - started
    return report


def _remote(to: str) -> str:
    host = to.removeprefix("oci://").partition("/")[0]
    if "@" in host:  # (never repeated: it may hold a password)
        raise UsageError("--to holds a user name or password (before the @), which would reach "
                         "helm's command line and logs",
                         hint=f"log in first with `helm registry login {host.rpartition('@')[2]}`"
                              ", then give --to without them")
    if not helm.is_oci_repository(to.rstrip("/")):
        raise UsageError(f"--to {to!r} is not the address of a repository in an OCI registry",
                         hint="give oci://HOST/PATH, e.g. oci://registry.example.com/charts")
    return to.rstrip("/")


def _refuse_outdated(plans: list[ChartPlan]) -> None:
    """A chart that is missing, stale, edited by hand or not Pligos's is not pushed: the error
    names each one, with what fixes it."""
    found = [f for f in (state_finding(p.dest, p.context, p.chart_files()) for p in plans)
             if f is not None]
    if found:
        raise PligosError("; ".join(f"{f.file} is {f.kind}: {f.message}" for f in found)
                          + "; nothing was pushed",
                          hint="; ".join(dict.fromkeys(f.hint for f in found if f.hint)))


def _refuse_shared_refs(packed: list[tuple[PushedChart, Path]]) -> None:
    seen: dict[str, str] = {}
    for c, _ in packed:
        if c.ref in seen:
            raise UsageError(f"{seen[c.ref]} and {c.chart} would both be pushed to {c.ref}",
                             hint="give the services different names, or push them to "
                             "different --to addresses")
        seen[c.ref] = c.chart


T = TypeVar("T")
R = TypeVar("R")


def _each(func: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """func of each item, a few at a time (helm runs as a process); results in order, the
    first error raised."""
    items = list(items)
    if len(items) <= 1:
        return [func(i) for i in items]
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(items))) as pool:
        return list(pool.map(func, items))


# --------------------------------------------------------------------------- packaging

def _package(p: ChartPlan, work: Path, remote: str) -> tuple[PushedChart, Path]:
    """Package a copy of the chart at p.dest, annotated with its content digest."""
    shown = display_path(p.dest)
    chart = work / p.dest.name
    copy_chart(p.dest, chart)
    original = (chart / "Chart.yaml").read_bytes()
    meta = _mapping(original, f"{shown}/Chart.yaml")
    if fetched_dependencies(meta.get("dependencies") or []):
        _fetch_dependencies(chart, p.dest, meta, original, shown)
    digest = content_digest(chart)
    annotated = dict(meta)
    annotated["annotations"] = {**(meta.get("annotations") or {}), CONTENT_DIGEST: digest}
    (chart / "Chart.yaml").write_text(dump_yaml(annotated))
    archive = helm.package(chart, work)
    _refuse_secret_entries(archive, shown)
    name, version = str(meta.get("name", "")), str(meta.get("version", ""))
    values = (chart / "values.yaml").read_bytes() if (chart / "values.yaml").is_file() else b""
    secrets = inline_secrets(values, p.dest / SECRET_VALUES_FILE)
    ref = f"{remote}/{p.context}/{name}:{version}"
    return PushedChart(shown, p.context, name, version, ref, digest, secrets=secrets), archive


def _mapping(data: bytes, shown: str) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        raise PligosError(f"{shown} is not valid YAML: {exc}",
                          hint="run `pligos generate` to write it again") from None
    if not isinstance(loaded, dict):
        raise PligosError(f"{shown} is not a mapping", hint="run `pligos generate`")
    return loaded


def _fetch_dependencies(chart: Path, origin: Path, meta: dict[str, Any], original: bytes,
                        shown: str) -> None:
    """The subcharts of the copy, fetched with `helm dependency build`: its file://
    repositories resolved against the original chart's folder, so that the packaged chart
    renders alone. The copy keeps its Chart.yaml (relative paths) and no Chart.lock (which
    holds a time and the resolved paths). The helpers' library is left out of the build: the
    copy holds it already, and helm would pack a second one."""
    (chart / "Chart.lock").unlink(missing_ok=True)
    for fetched in (chart / "charts").glob("*.tgz"):
        fetched.unlink()
    built = absolute_repositories(meta, origin)
    built["dependencies"] = [d for d in built.get("dependencies") or []
                             if not is_library_dependency(d)]
    (chart / "Chart.yaml").write_text(dump_yaml(built))
    helm.dependency_build(chart, shown)
    (chart / "Chart.yaml").write_bytes(original)
    (chart / "Chart.lock").unlink(missing_ok=True)


def content_digest(chart: Path) -> str:
    """sha256 over the chart's files (sorted relative path, size and bytes each); a fetched
    subchart archive counts by the files inside it, as helm packages them (its own bytes
    hold the time it was made)."""
    h = hashlib.sha256()
    for rel, data in sorted(_content(chart)):
        h.update(f"{rel}\0{len(data)}\0".encode() + data)
    return "sha256:" + h.hexdigest()


def _content(chart: Path) -> Iterator[tuple[str, bytes]]:
    for path in sorted(chart.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(chart).as_posix()
        if rel.startswith("charts/") and rel.count("/") == 1 and rel.endswith(".tgz"):
            for name, data in archive_files(path).items():
                yield f"charts/{name}", data
        else:
            yield rel, path.read_bytes()


def _refuse_secret_entries(archive: Path, shown: str) -> None:
    """A package holding a secrets/ folder, a Pligos file or a link (which would point
    nowhere once unpacked) is never pushed (the copy leaves them out; this makes sure)."""
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
    bad = [m.name for m in members if _SECRET_DIR.match(m.name.split("/", 1)[-1] + "/")
           or m.name.rsplit("/", 1)[-1].startswith(".pligos") or m.issym() or m.islnk()]
    if bad:
        raise PligosError(f"the package of {shown} would hold {bad[0]}; nothing was pushed",
                          hint="a pushed chart carries no secret data: take the folder out of "
                          "the subchart that holds it (or list it in that chart's .helmignore)")


def inline_secrets(values: bytes, local: Path) -> list[ReceiverSecret]:
    """The chart's secrets whose bytes it does not carry (delivery `inline`, the default),
    which its receiver supplies (`values`: the chart's values.yaml, whose `secrets` entries
    are `{type, delivery, ...}`); their keys as the chart's local secret values name them
    (`local`: its secrets/values.yaml, of which only the keys are read, and which a copy
    without the secret store's data lacks), else as the secret's type fixes them."""
    loaded = yaml.safe_load(values) if values else None
    secrets = loaded.get("secrets") if isinstance(loaded, dict) else None
    if not isinstance(secrets, dict):
        return []
    known = _secret_keys(local)
    out: list[ReceiverSecret] = []
    for name, entry in sorted(secrets.items()):
        if not isinstance(entry, dict) or entry.get("delivery", INLINE) != INLINE:
            continue
        keys = known.get(str(name)) or list(_TYPE_KEYS.get(str(entry.get("type")), ()))
        out.append(ReceiverSecret(str(name), sorted(set(keys)), f"{SECRET_DATA}.{name}"))
    return out


def _secret_keys(local: Path) -> dict[str, list[str]]:
    """secret name -> its keys, from a chart's local secret values (never their bytes)."""
    try:
        loaded = yaml.safe_load(local.read_bytes()) if local.is_file() else None
    except (OSError, yaml.YAMLError):
        return {}
    data = loaded.get(SECRET_DATA) if isinstance(loaded, dict) else None
    if not isinstance(data, dict):
        return {}
    return {str(name): [str(k) for k in keys] for name, keys in data.items()
            if isinstance(keys, dict)}


# --------------------------------------------------------------------------- the copy

def copy_chart(src: Path, dest: Path) -> None:
    """Copy what `helm package` takes of a chart folder (`packaging.packaged_files`), never
    the secrets/ folder or a `.pligos*` file."""
    for rel in packaged_files(src, leave_out=_left_out):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((src / rel).read_bytes())


def _left_out(rel: str, is_dir: bool) -> bool:
    """The secrets folder of the chart or of a subchart in it, and Pligos's own files."""
    if is_dir and _SECRET_DIR.fullmatch(rel + "/"):
        return True
    return rel.rsplit("/", 1)[-1].startswith(".pligos")


# --------------------------------------------------------------------------- the registry

def _remote_digest(c: PushedChart, plain_http: bool) -> str | None:
    """The content digest of the chart at c.ref in the registry: None when it is not there,
    '' when it is but was not pushed by Pligos (or its annotation is unreadable)."""
    shown = helm.show_chart(c.ref.rsplit(":", 1)[0], c.version, plain_http=plain_http)
    if shown is None:
        return None
    try:
        meta = yaml.safe_load(shown)
    except yaml.YAMLError:
        return ""
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    if not isinstance(annotations, dict):
        return ""
    return str(annotations.get(CONTENT_DIGEST, ""))


def _push_one(c: PushedChart, archive: Path, remote: str, plain_http: bool) -> str:
    try:
        return helm.push(archive, f"{remote}/{c.context}", plain_http=plain_http)
    except PligosError as exc:
        raise PligosError(exc.message, hint=exc.hint + "; then push again (charts already "
                          "pushed are skipped as unchanged)") from None
