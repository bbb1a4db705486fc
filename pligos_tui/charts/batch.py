"""Rendering many charts with helm, fast: in parallel, and several in one helm process.

`render_many` renders planned charts (`ChartInput`: the files `ChartPlan.chart_files()`
returns, a release, a namespace, the values files given with `--values`) and returns, per
chart, exactly what `helm template` of that chart alone prints. Its pieces:

- Alone, a chart is written to a temporary folder without the subcharts helm would have to
  fetch (`renderable`: Chart.yaml keeps only the helpers' library, which the chart holds) and
  rendered by `helm.Template`. `jobs.render.Rendering` writes a chart the same way
  (`write_renderable`), so a preview and a batch never disagree.
- Charts share a helm process (`render_together`): each sits, unaliased (an alias would
  change `.Chart.Name`), in a wrapper chart of its own with no templates (`pligos-batch-N`),
  and the wrappers are the subcharts of an umbrella with no templates either. Helm sorts the
  manifests of all of them by kind, stably, from files sorted by path, so each chart's
  manifests keep their order among themselves; the output is cut at each `# Source:` line
  and each piece given back to its chart with the umbrella's part of the path taken off. A
  chart's values files go to its place in the umbrella's values (`pligos-batch-N: {<chart>:
  ...}`), indented as they are, and helm coalesces them over the chart's values.yaml exactly
  as it does for a chart alone.
- The process has one `.Release`, the first chart's. A batch of charts of several releases
  or namespaces gives each its own in the reserved value `pligosRender: {release,
  namespace}` (in a values file of its own, given before the charts'), which the helpers'
  `pligos.releaseName` and `pligos.releaseNamespace` read.
- Which charts may share is `charts.sharing`'s to say (`why_alone`): those whose templates
  could not tell a subchart from a chart alone. Those that read the release only through
  the helpers (`why_bound` is None) share with charts of any release and namespace, the
  others only with charts of their own; all only with charts of the same kubeVersion (helm
  checks only the umbrella's, so the umbrella carries it), each filtered by its own
  .helmignore first (helm applies only the umbrella's), and never with a chart that gives
  one of their `define` names another body (helm keeps one per name for the whole
  process). A batch that fails renders each of its charts alone, so every error is the
  chart's own. Batches and charts alone run side by side, `jobs` helm processes at once,
  written to memory (/dev/shm) where there is one.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pligos_tui import helm
from pligos_tui.charts.library import is_library_dependency
from pligos_tui.charts.rendercache import RenderCache
from pligos_tui.charts.sharing import Alone, Shared, nested, prepare
from pligos_tui.charts.sharing import why_bound as _why_bound
from pligos_tui.errors import HelmError
from pligos_tui.io.yamlwrite import dump_yaml
from pligos_tui.spec.vocabulary import RENDER_KEY

UMBRELLA = "pligos-batch"  # the umbrella chart of a batch; its wrappers are UMBRELLA-N
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# A chart costs helm about 70 ms of CPU alone and 10-13 ms in a batch (helm 3.17 and 4.1: a
# process starts in about 60 ms); a batch of 100 small charts takes helm under 100 MB.
MAX_BATCH = 64  # charts in one helm process at most (a failing batch costs one more run each)
MIN_SHARE = 4  # a group is split across the workers only into batches of at least this many
HELM_TIMEOUT = 300.0
SCRATCH_FREE = 256 * 1024 * 1024  # /dev/shm is used with this much room at least


@dataclass(frozen=True)
class ChartInput:
    label: str  # for messages: "context 'prod' of shop/checkout/pligos.yaml"
    files: Mapping[str, bytes]  # exactly what ChartPlan.chart_files() returns
    release: str
    namespace: str
    values: tuple[str, ...] = ()  # relative paths inside `files` passed as -f, in order


@dataclass
class Outcome:
    text: str | None  # the manifests, exactly as `helm template` of this chart alone prints
    error: HelmError | None
    cached: bool = False
    batched: bool = False  # rendered in one helm process with other charts


# --------------------------------------------------------------------------- one chart

def renderable(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """A chart's files as it renders without fetching: the subcharts its Chart.yaml names
    dropped from it, but the helpers' library, which the chart holds."""
    out = dict(files)
    meta = _meta(out)
    deps = meta.get("dependencies") if meta is not None else None
    if isinstance(deps, list) and not all(is_library_dependency(d) for d in deps):
        assert meta is not None
        del meta["dependencies"]
        kept = [d for d in deps if is_library_dependency(d)]
        if kept:
            meta["dependencies"] = kept
        out["Chart.yaml"] = dump_yaml(meta).encode()
    return out


def write_renderable(files: Mapping[str, bytes], dest: Path) -> None:
    """Write a chart's `renderable` files into the folder `dest`."""
    _write(renderable(files), dest)


def _write(files: Mapping[str, bytes], dest: Path) -> None:
    made: set[Path] = set()
    for rel, data in files.items():
        path = dest / rel
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        path.write_bytes(data)


def _meta(files: Mapping[str, bytes]) -> dict[str, Any] | None:
    try:
        meta = yaml.load(files.get("Chart.yaml", b""), Loader=_LOADER)
    except yaml.YAMLError:
        return None
    return meta if isinstance(meta, dict) else None


def _folder_name(meta: dict[str, Any] | None) -> str:
    name = meta.get("name") if meta else None
    return name if isinstance(name, str) and re.fullmatch(r"[A-Za-z0-9][\w.-]*", name) \
        else "chart"


@lru_cache(maxsize=1)
def scratch() -> str | None:
    """Where charts are written for helm to read: the memory file system /dev/shm when there
    is one with room (writing a chart to a disk costs as much as a quarter of helm's run),
    else the temporary folder; $TMPDIR, when set, wins."""
    shm = "/dev/shm"
    if os.environ.get("TMPDIR") or not (os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK)):
        return None
    try:
        found = os.statvfs(shm)
    except OSError:
        return None
    return shm if found.f_bavail * found.f_frsize >= SCRATCH_FREE else None


def render_alone(chart: ChartInput) -> str:
    """`helm template` of one chart, alone; a HelmError names the chart by its label."""
    with tempfile.TemporaryDirectory(prefix="pligos-render-", dir=scratch()) as tmp:
        files = renderable(chart.files)
        dest = Path(tmp) / _folder_name(_meta(files))
        _write(files, dest)
        try:
            return helm.Template(dest, chart.release, namespace=chart.namespace,
                                 values=tuple(dest / v for v in chart.values)
                                 ).result(HELM_TIMEOUT)
        except HelmError as exc:
            raise HelmError(f"rendering {chart.label} failed: "
                            + exc.message.split(": ", 1)[-1], hint=exc.hint) from None


# --------------------------------------------------------------------------- digests

def chart_digest(chart: ChartInput) -> str:
    """A digest of everything a chart renders from: its files (sorted paths and bytes), its
    release, namespace and values files. Equal digests render equal manifests with one helm."""
    h = hashlib.sha256(b"pligos-chart-input 1\0")
    for rel in sorted(chart.files):
        data = chart.files[rel]
        h.update(b"%d:%s%d:" % (len(rel.encode()), rel.encode(), len(data)))
        h.update(data)
    for part in (chart.release, chart.namespace, *chart.values):
        h.update(b"%d:%s" % (len(part.encode()), part.encode()))
    h.update(b"%d" % len(chart.values))
    return h.hexdigest()


def helm_identity(helm_bin: str) -> str:
    """The helm binary as cache keys name it: its path, version and file's size and time."""
    try:
        st = os.stat(helm_bin)
        stamp = f"{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        stamp = "?"
    version = helm.helm_version(helm_bin)
    return f"{os.path.realpath(helm_bin)}\0{version}\0{stamp}"


def render_key(chart: ChartInput, identity: str) -> str:
    """The cache key of a chart rendered by the helm of `identity` (see `helm_identity`)."""
    return hashlib.sha256(f"{chart_digest(chart)}\0{identity}".encode()).hexdigest()


# --------------------------------------------------------------------------- sharing

def _shared(chart: ChartInput, *, check: bool = True) -> Shared:
    files = renderable(chart.files)
    return prepare(files, _meta(files), chart.values, check=check)


def why_alone(chart: ChartInput) -> str | None:
    """Why a chart must render in a helm process of its own, or None when it may share."""
    try:
        _shared(chart)
    except Alone as exc:
        return str(exc)
    return None


def why_bound(chart: ChartInput) -> str | None:
    """Why a chart that may share a helm process shares it only with charts of its own
    release and namespace (or why it renders alone), or None when with charts of any."""
    try:
        return _why_bound(_shared(chart), chart.release, chart.namespace)
    except Alone as exc:
        return str(exc)


def render_together(charts: Sequence[ChartInput]) -> list[str]:
    """The charts rendered by one helm process, each one's manifests cut out of the output;
    raises HelmError when helm fails or the output cannot be cut. It does not check whether
    they may share (`why_alone`, `why_bound`)."""
    shared = []
    for chart in charts:
        try:
            shared.append(_shared(chart, check=False))
        except Alone as exc:
            raise HelmError(f"{chart.label} cannot be batched: {exc}") from None
    return _together(charts, shared)


def _together(charts: Sequence[ChartInput], shared: Sequence[Shared]) -> list[str]:
    release, namespace = charts[0].release, charts[0].namespace
    with tempfile.TemporaryDirectory(prefix="pligos-batch-", dir=scratch()) as tmp:
        umbrella = Path(tmp) / UMBRELLA
        head = f"apiVersion: v2\nname: {UMBRELLA}\nversion: 0.0.0\n"
        if shared[0].kube:
            head += f"kubeVersion: {json.dumps(shared[0].kube)}\n"
        given: list[Path] = []
        if len({(c.release, c.namespace) for c in charts}) > 1:
            given.append(Path(tmp) / "releases.yaml")
            given[0].write_text(json.dumps({
                f"{UMBRELLA}-{i}": {one.name: {RENDER_KEY: {"release": chart.release,
                                                           "namespace": chart.namespace}}}
                for i, (chart, one) in enumerate(zip(charts, shared, strict=True))}))
        wrappers = []
        for i, one in enumerate(shared):
            wrapper = f"{UMBRELLA}-{i}"
            wrappers.append(wrapper)
            folder = umbrella / "charts" / wrapper
            _write({"Chart.yaml": f"apiVersion: v2\nname: {wrapper}\nversion: 0.0.0\n".encode(),
                    **{f"charts/{one.name}/{rel}": data for rel, data in one.files.items()}},
                   folder)
            for j, text in enumerate(one.values):
                path = Path(tmp) / f"values-{i}-{j}.yaml"
                path.write_bytes(nested(wrapper, one.name, text).encode())
                given.append(path)
        (umbrella / "Chart.yaml").write_bytes(head.encode())
        out = helm.Template(umbrella, release, namespace=namespace,
                            values=tuple(given)).result(HELM_TIMEOUT)
    return _cut(out, wrappers)


_DOCUMENT = re.compile(r"(?m)^---\n# Source: ")


def _cut(out: str, wrappers: list[str]) -> list[str]:
    """The output of a batch, cut back per chart, each `# Source:` as the chart alone has it."""
    starts = [m.start() for m in _DOCUMENT.finditer(out)]
    if out[:starts[0] if starts else len(out)]:
        raise HelmError("helm's output does not start with a document")
    index = {f"{UMBRELLA}/charts/{w}/charts/": i for i, w in enumerate(wrappers)}
    pieces: list[list[str]] = [[] for _ in wrappers]
    skip = len("---\n# Source: ")
    for start, end in zip(starts, [*starts[1:], len(out)], strict=True):
        source = out[start + skip:end]
        prefix = "/".join(source.split("/", 4)[:4]) + "/"
        if prefix not in index:
            raise HelmError(f"helm's output holds a document of no chart: {source[:80]!r}")
        pieces[index[prefix]].append("---\n# Source: " + source[len(prefix):])
    return ["".join(p) for p in pieces]


# --------------------------------------------------------------------------- many charts

def render_many(charts: Sequence[ChartInput], *, cache: RenderCache | None = None,
                jobs: int | None = None) -> list[Outcome]:
    """Each chart rendered as `helm template` renders it alone (same order as given): taken
    from `cache` when it is there, else by `jobs` helm processes at once (default: one per
    CPU), several charts to a process where that is safe."""
    if not charts:
        return []
    jobs = max(1, jobs or os.cpu_count() or 1)
    helm_bin = helm.require_helm("rendering")
    outcomes: list[Outcome | None] = [None] * len(charts)
    identity = helm_identity(helm_bin) if cache is not None else ""
    firsts: dict[str, int] = {}  # one render for charts of equal digests
    same: dict[int, int] = {}
    keys: dict[int, str] = {}
    for i, chart in enumerate(charts):
        digest = chart_digest(chart)
        if digest in firsts:
            same[i] = firsts[digest]
            continue
        firsts[digest] = i
        if cache is not None:
            keys[i] = render_key(chart, identity)
            text = cache.get(keys[i])
            if text is not None:
                outcomes[i] = Outcome(text, None, cached=True)
    todo = [i for i in firsts.values() if outcomes[i] is None]
    tasks = _tasks(charts, todo, jobs)

    def run(task: _Task) -> list[str]:
        texts = (_together([charts[i] for i in task.members], task.shared) if task.shared
                 else [render_alone(charts[task.members[0]])])
        if cache is not None:
            for i, text in zip(task.members, texts, strict=True):
                cache.put(keys[i], text)
        return texts

    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        pending: dict[Future[list[str]], _Task] = {pool.submit(run, t): t for t in tasks}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                task = pending.pop(fut)
                try:
                    texts = fut.result()
                except HelmError as exc:
                    if task.shared:  # each alone: its own error, or its manifests
                        pending.update({pool.submit(run, _Task([i])): _Task([i])
                                        for i in task.members})
                    else:
                        outcomes[task.members[0]] = Outcome(None, exc)
                    continue
                for i, text in zip(task.members, texts, strict=True):
                    outcomes[i] = Outcome(text, None, batched=bool(task.shared))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if cache is not None and todo:
        cache.prune()
    for i, first in same.items():  # (an error named by this chart's label)
        one = outcomes[first]
        assert one is not None
        error = one.error and HelmError(one.error.message.replace(
            charts[first].label, charts[i].label, 1), hint=one.error.hint)
        outcomes[i] = Outcome(one.text, error, one.cached, one.batched)
    return [o for o in outcomes if o is not None]


@dataclass
class _Task:
    members: list[int]
    shared: list[Shared] = field(default_factory=list)  # empty: the one member alone


def _tasks(charts: Sequence[ChartInput], todo: list[int], jobs: int) -> list[_Task]:
    """The helm processes to run: charts that may share grouped by kubeVersion and, for those
    bound to theirs, release and namespace, each group split into batches of agreeing
    defines, big ones first."""
    alone: list[_Task] = []
    groups: dict[tuple[str | None, str | None, str], list[tuple[int, Shared]]] = {}
    for i in todo:
        chart = charts[i]
        try:
            one = _shared(chart)
        except Alone:
            alone.append(_Task([i]))
            continue
        bound = _why_bound(one, chart.release, chart.namespace) is not None
        key = (chart.release, chart.namespace, one.kube) if bound else (None, None, one.kube)
        groups.setdefault(key, []).append((i, one))
    batches: list[_Task] = []
    for members in groups.values():
        for part in _agreeing(members):
            if len(part) == 1:
                alone.append(_Task([part[0][0]]))
                continue
            count = max(math.ceil(len(part) / MAX_BATCH), min(jobs, len(part) // MIN_SHARE), 1)
            if count > jobs:  # (as many batches for each worker)
                count = math.ceil(count / jobs) * jobs
            for k in range(count):
                chunk = part[k::count]
                chunk.sort(key=lambda pair: pair[0])
                batches.append(_Task([i for i, _ in chunk], [s for _, s in chunk]))
    batches.sort(key=lambda t: -len(t.members))
    return batches + alone


def _agreeing(members: list[tuple[int, Shared]]) -> list[list[tuple[int, Shared]]]:
    """The members in parts whose charts define each name with one body."""
    parts: list[tuple[dict[str, str], list[tuple[int, Shared]]]] = []
    for member in members:
        defines = member[1].defines
        for known, part in parts:
            if all(known.get(name, digest) == digest for name, digest in defines.items()):
                known.update(defines)
                part.append(member)
                break
        else:
            parts.append((dict(defines), [member]))
    return [part for _, part in parts]
