"""What makes `pligos plan` fast on a fleet: what it reads, keeps and renders while it plans.

- Which inputs a service reads (`inputs`, `touched`): a service none of whose inputs differ
  from the ref is not planned at all.
- The ref's plans (`RefPlans`): the ref's side of a service is the same in every run while
  what it reads at the ref is the same, so it is planned once and kept, per service folder,
  with the ids git gives (`git ls-tree`, `Tree`) of everything it read there: its folder (but
  the charts written there), the files `charts.records.collect` names, the pligos.lock files
  it could use, the flavor folders it read, this Pligos, and the listing and keyed digests of
  the work tree's secrets folder (the file provider's: the ref's secrets are the work
  tree's). A service with secrets in a store (Vault: its keys change outside git), flavors
  from `flavorSources`, or inputs outside the repository or behind a symbolic link is never
  kept. A kept plan holds each chart's data without its files, its digest and its render's
  key in the render cache; when a render is needed and gone from that cache, the service is
  planned again.
- Parsed renders (`Parsed`): the objects of a rendered stream, kept by the stream's digest.
- Rendering in the background (`Renders`): charts go to helm in batches while the next
  services are planned, so one core plans while helm uses the others.

Everything kept lives in the cache (`cache_dir("plans")`, `cache_dir("objects")`), one file per
entry, written atomically, checked by a digest when read: an entry that does not match is
ignored. Deleting it only costs time.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
from bisect import bisect_left
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from pligos_tui import helm
from pligos_tui.charts.batch import (
    MAX_BATCH,
    ChartInput,
    Outcome,
    chart_digest,
    helm_identity,
    render_key,
    render_many,
)
from pligos_tui.charts.changes import (
    ObjectChange,
    ObjectKey,
    diff_objects,
    diff_streams,
    parse_objects,
)
from pligos_tui.charts.records import BUILTIN_FLAVORS, collect, collect_secrets, generator
from pligos_tui.charts.rendercache import RenderCache
from pligos_tui.errors import ConfigError, ManifestError, PligosError
from pligos_tui.io.cachedir import DigestFiles, cache_dir
from pligos_tui.spec.load import load_service
from pligos_tui.spec.lockpath import lock_path
from pligos_tui.spec.model import Service
from pligos_tui.spec.vocabulary import CHARTS_DIR, CONFIG_NAME, LOCK_FILE

FORMAT = b"pligos-plan-cache 1"
VARIANTS = 4  # the ref plans kept per service folder (say, for HEAD and for origin/main)
MAX_BYTES = 64 * 1024 * 1024  # each of the plans and objects folders at most, about
REF = "\0ref\0"  # a kept text's place for the ref's name (in "HEAD:services/x/pligos.yaml")


# --------------------------------------------------------------------------- what is read

def rel(root: Path, top: Path) -> str:
    """A folder's path from `top`, posix; "." for `top` itself."""
    return root.resolve().relative_to(top).as_posix() or "."


def loaded(root: Path) -> Service | None:
    """The service at `root`, None when it does not load."""
    try:
        return load_service(root)
    except ConfigError:
        return None


def deleted_services(changed: set[str], top: Path, scope: list[str]) -> list[str]:
    """Folders of services that the ref has and the work tree no longer has, within the
    paths asked about."""
    out = []
    for path in changed:
        if path.rsplit("/", 1)[-1] != CONFIG_NAME or (top / path).exists():
            continue
        folder = path.rsplit("/", 1)[0] if "/" in path else "."
        if any(s in (".", "") or folder == s or folder.startswith(s + "/") for s in scope):
            out.append(folder)
    return out


def touched(svc: Service, top: Path, changed: set[str]) -> bool:
    """Whether any input of the service differs from the ref: a file of its folder (but the
    charts written there), or anything else it reads."""
    folder = rel(svc.root, top)
    own = "" if folder == "." else folder + "/"
    outputs = own + CHARTS_DIR + "/"
    if any(p.startswith(own) and not p.startswith(outputs) for p in changed):
        return True
    deps = inputs(svc, top)
    return any(p == dep or p.startswith(dep + "/") for dep in deps for p in changed)


def inputs(svc: Service, top: Path) -> list[str]:
    """The files and folders a service reads (posix, from `top`), but the built-in flavors
    and what lies outside the repository."""
    out: list[str] = []
    for key in collect(svc):
        kind, _, name = key.partition(":")
        if kind not in ("file", "friends", "flavors") or not name:
            continue
        out.append(name)
    for lock in lock_files(svc.root, top):
        out.append(str(lock))
    found: list[str] = []
    for name in out:
        try:
            found.append((svc.root / name).resolve().relative_to(top).as_posix())
        except ValueError:
            continue  # outside the repository: the ref cannot hold another version of it
    return found


def lock_files(root: Path, top: Path) -> list[Path]:
    """Every pligos.lock a service could use, from its folder up to `top`."""
    out = []
    folder = root.resolve()
    while True:
        out.append(folder / LOCK_FILE)
        if folder == top or folder.parent == folder:
            return out
        folder = folder.parent


# --------------------------------------------------------------------------- a commit's files

class Tree:
    """The files of a commit (`git.ls_tree`: path -> `<mode>:<id>`) and ids of what a
    service reads there: `file:<path>` (a file, "-" when absent), `dir:<path>` (the names in
    a folder), `tree:<path>` (everything below a folder, but its `charts/`)."""

    LINK = "120000:"

    def __init__(self, entries: dict[str, str]) -> None:
        self.entries = entries
        self.paths = sorted(entries)

    def _below(self, folder: str) -> list[str]:
        prefix = "" if folder in ("", ".") else folder + "/"
        start = bisect_left(self.paths, prefix)
        end = bisect_left(self.paths, prefix + "\U0010ffff")
        return self.paths[start:end]

    def id(self, spec: str) -> str:
        kind, _, path = spec.partition(":")
        if kind == "file":
            return self.entries.get(path, "-")
        prefix = "" if path in ("", ".") else path + "/"
        below = self._below(path)
        h = hashlib.sha256(spec.encode())
        if kind == "dir":
            for name in sorted({p[len(prefix):].split("/", 1)[0] for p in below}):
                h.update(b"\0" + name.encode(errors="surrogateescape"))
            return h.hexdigest()
        outputs = prefix + CHARTS_DIR + "/"
        for p in below:
            if not p.startswith(outputs):
                h.update(b"\0" + p.encode(errors="surrogateescape") + b"\0"
                         + self.entries[p].encode())
        return h.hexdigest()

    def has_links(self, spec: str) -> bool:
        """Whether a folder holds symbolic links (their targets' content is not in its id),
        but in its `charts/`."""
        path = spec.partition(":")[2]
        outputs = ("" if path in ("", ".") else path + "/") + CHARTS_DIR + "/"
        return any(self.entries[p].startswith(self.LINK) and not p.startswith(outputs)
                   for p in self._below(path))

    def has_service(self, folder: str) -> bool:
        return f"{'' if folder == '.' else folder + '/'}{CONFIG_NAME}" in self.entries


def _inside(path: Path, base: Path, tree: Tree) -> str | None:
    """`path` (absolute, in `base`: the files of `tree`'s commit) from `base`, posix, when
    it lies inside without a symbolic link on the way; else None."""
    try:
        found = Path(os.path.normpath(path)).relative_to(base).as_posix() or "."
    except ValueError:
        return None
    parts = found.split("/")
    for i in range(1, len(parts) + 1):
        if tree.entries.get("/".join(parts[:i]), "").startswith(Tree.LINK):
            return None
    return found


def ref_inputs(svc: Service, folder: str, base: Path, tree: Tree, flavors: Sequence[Path],
               *, all_flavors: bool) -> dict[str, str] | None:
    """The ids at the ref of everything a service planned from `base` (the ref's files)
    read: its folder, what `collect` names, the locks it could use, the flavor folders it
    read (`all_flavors`: every folder of its flavorPaths, when a chart failed before its
    flavor was known). None when it cannot be told by ids alone."""
    if getattr(svc, "flavor_sources", None):
        return None
    specs = {f"tree:{folder}"}
    for key in collect(svc):
        kind, _, name = key.partition(":")
        if key == "pligos":
            continue
        path = _inside(svc.root / name, base, tree)
        if path is None or kind not in ("file", "dir", "friends", "flavors"):
            return None
        specs.add(f"file:{path}" if kind == "file" else f"dir:{path}")
    locks = [_inside(p, base, tree) for p in [lock_path(svc.root), *lock_files(svc.root, base)]]
    if None in locks:
        return None
    specs |= {f"file:{path}" for path in locks}
    folders = [svc.root / f for f in svc.flavor_paths] if all_flavors else []
    for flavor in [*flavors, *folders]:
        if flavor.parent == BUILTIN_FLAVORS:
            continue  # (this Pligos's own: `generator()` names it)
        path = _inside(flavor, base, tree)
        if path is None:
            return None
        specs.add(f"tree:{path}")
    if any(s.startswith("tree:") and tree.has_links(s) for s in specs):
        return None
    return {s: tree.id(s) for s in sorted(specs)}


def secrets_state(svc: Service, work_root: Path) -> dict[str, Any] | None:
    """What the work tree's secrets give a service whose secrets come from there: {"path"}
    of the file provider's folder and the digests of what is in it; {} without secrets; None
    when they are in a store (which can change without anything here changing)."""
    if svc.secrets is None or not svc.secrets.provider:
        return {}
    if svc.secrets.provider != "file":
        return None
    path = svc.secrets.settings.get("path")
    digests = _secret_digests(work_root, path)
    return None if digests is None else {"path": path, "digests": digests}


def _secret_digests(root: Path, path: object) -> dict[str, str] | None:
    shim = SimpleNamespace(root=root, secrets=SimpleNamespace(
        provider="file", settings={} if path is None else {"path": path}))
    digests = collect_secrets(shim)
    return None if "unknown" in digests.values() else digests  # (no machine key: no caching)


# --------------------------------------------------------------------------- entries on disk

class _Store(DigestFiles):
    """Files by key in a folder of the cache (`DigestFiles`), pruned only after a run that
    wrote any."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder, FORMAT)
        self.written = False

    def put(self, key: str, body: bytes) -> bool:
        kept = super().put(key, body)
        self.written = self.written or kept
        return kept

    def prune(self, max_bytes: int = MAX_BYTES) -> None:
        """Remove the oldest entries past `max_bytes` (only after a run that wrote any)."""
        if self.written:
            super().prune(max_bytes)


def marked(text: str, base: Path) -> str:
    """A message of the ref's side with the folder holding its files (`base`) as `REF`."""
    return text.replace(f"{base}/", REF + ":").replace(str(base), REF)


def helm_now() -> str:
    """The helm that renders, as render keys name it (`batch.helm_identity`); "" without
    one (then no plan is kept)."""
    try:
        return helm_identity(helm.require_helm("rendering"))
    except PligosError:
        return ""


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode(errors="surrogateescape")).hexdigest()


class RefPlans:
    """The ref's plans of service folders of the repository at `top` (for one selection of
    contexts, from one working folder: a kept message's paths are shown from there)."""

    def __init__(self, top: Path, tree: Tree, contexts: list[str] | None,
                 folder: Path | None = None) -> None:
        self.top, self.tree = top, tree
        self.store = _Store(folder if folder is not None else cache_dir("plans"))
        self.scope = json.dumps([str(top.resolve()), os.getcwd(), contexts, generator(),
                                 os.environ.get("PLIGOS_MAX_FILE_SIZE", "")])

    def _variants(self, folder: str) -> list[dict[str, Any]]:
        body = self.store.get(_digest(self.scope, folder))
        try:
            data = json.loads(body) if body is not None else []
        except ValueError:
            return []
        return [v for v in data if isinstance(v, dict)] if isinstance(data, list) else []

    def find(self, folder: str, helm: str) -> dict[str, Any] | None:
        """The kept plan of `folder` whose inputs are what the ref holds now, made with the
        helm `helm` (`batch.helm_identity`), or None."""
        for variant in self._variants(folder):
            try:
                if variant["helm"] != helm or any(self.tree.id(spec) != known for spec, known
                                                  in variant["inputs"].items()):
                    continue
                secrets = variant["secrets"]
                if secrets and _secret_digests(self.top / folder, secrets["path"]) \
                        != secrets["digests"]:
                    continue
                if isinstance(variant["charts"], dict):
                    return variant
            except (KeyError, TypeError, AttributeError):
                continue
        return None

    def keep_planned(self, folder: str, svc: Service, base: Path, charts: dict[str, Any],
                     flavors: list[Path], helm: str) -> None:
        """Keep the plan of the service at `folder`, loaded from `base` (the ref's files):
        its charts (context -> `plan.SideChart`, their texts naming the ref by `REF`), the
        flavor folders it read, the helm that renders."""
        secrets = secrets_state(svc, self.top / folder)
        failed = any(c.error for c in charts.values())
        found = ref_inputs(svc, folder, base, self.tree, flavors, all_flavors=failed)
        if secrets is None or found is None:
            return
        self.keep(folder, {"inputs": found, "secrets": secrets, "helm": helm, "charts": {
            context: {"service": c.service, "file": c.file, "flavor": c.flavor,
                      "chart_version": c.chart_version, "error": c.error,
                      "digest": chart_digest(c.input) if c.input else "",
                      "key": render_key(c.input, helm) if c.input else ""}
            for context, c in charts.items()}})

    def keep(self, folder: str, variant: dict[str, Any]) -> None:
        """Keep a plan of `folder` (the newest first, other inputs' plans after it)."""
        others = [v for v in self._variants(folder) if v.get("inputs") != variant["inputs"]]
        body = json.dumps([variant, *others][:VARIANTS], separators=(",", ":"))
        self.store.put(_digest(self.scope, folder), body.encode())

    def close(self) -> None:
        self.store.prune()


class FlavorReads(dict):  # type: ignore[type-arg]
    """The flavor folders a `FlavorSet(cache=...)` reads, over a cache shared by others."""

    def __init__(self, shared: dict[Any, Any]) -> None:
        super().__init__()
        self.shared = shared
        self.seen: dict[Path, None] = {}

    def __contains__(self, key: object) -> bool:
        if isinstance(key, Path):
            self.seen[key] = None
        return key in self.shared

    def __getitem__(self, key: Any) -> Any:
        self.seen[key] = None
        return self.shared[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        self.seen[key] = None
        self.shared[key] = value


# --------------------------------------------------------------------------- parsed renders

class Parsed:
    """The objects of rendered streams (`changes.parse_objects`), kept by the stream's digest
    (only those that read without error, and hold only what marshal can keep)."""

    def __init__(self, folder: Path | None = None, *, keep: bool = True) -> None:
        self.store = _Store(folder if folder is not None else cache_dir("objects"))
        self.keep = keep

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    def _kept(self, key: str) -> dict[ObjectKey, Any] | None:
        body = self.store.get(key) if self.keep else None
        if body is None:
            return None
        try:
            return {ObjectKey(*k): v for k, v in marshal.loads(body)}
        except (ValueError, EOFError, TypeError):
            return None

    def objects(self, text: str, label: str) -> dict[ObjectKey, Any] | str:
        """The objects of a stream, or why it cannot be read (as `parse_objects` says)."""
        key = self._key(text)
        found = self._kept(key)
        if found is not None:
            return found
        try:
            objects = parse_objects(text, label=label)
        except PligosError as exc:
            return str(exc)
        if self.keep:
            try:
                body = marshal.dumps([(tuple(k), v) for k, v in objects.items()])
            except ValueError:
                return objects  # (a timestamp or another value marshal does not keep)
            self.store.put(key, body)
        return objects

    def changes(self, before: dict[ObjectKey, Any], old: str, new: str, label: str
                ) -> list[ObjectChange] | str:
        """diff_objects(before, the objects of `new`), `before` being those of `old`, which
        read without error: when `new` is not kept, only the documents that differ from
        `old` are read (`diff_streams`); the same changes, or why `new` cannot be read."""
        after = self._kept(self._key(new))
        if after is None:
            try:
                return diff_streams(old, new, label=label)
            except ManifestError:
                found = self.objects(new, label)
                if isinstance(found, str):
                    return found
                after = found
        return diff_objects(before, after)

    def close(self) -> None:
        self.store.prune()


# --------------------------------------------------------------------------- rendering

class Pending:
    """A chart's render, done or under way."""

    def __init__(self, renders: Renders | None = None, outcome: Outcome | None = None) -> None:
        self._renders = renders
        self._outcome = outcome
        self._future: Future[list[Outcome]] | None = None
        self._index = 0

    @classmethod
    def done(cls, outcome: Outcome) -> Pending:
        return cls(outcome=outcome)

    def outcome(self) -> Outcome:
        if self._outcome is None:
            if self._future is None and self._renders is not None:
                self._renders.flush()
            assert self._future is not None
            self._outcome = self._future.result()[self._index]
        return self._outcome


class _Deferred(RenderCache):
    """A render cache whose pruning waits for the end of the run (render_many prunes after
    each call: a plan makes many)."""

    def __init__(self, inner: RenderCache) -> None:
        super().__init__(inner.folder, max_bytes=inner.max_bytes)
        self.inner = inner
        self.used = False

    def get(self, key: str) -> str | None:
        return self.inner.get(key)

    def put(self, key: str, text: str) -> None:
        self.used = True
        self.inner.put(key, text)

    def prune(self) -> None:
        pass


class Renders:
    """Charts rendered in the background while more are planned: each batch of `chunk`
    charts goes to `render_many` in a worker of its own (`jobs` at once, default one per
    CPU); what is left when the caller waits goes at once, spread over all of them."""

    def __init__(self, cache: RenderCache | None, *, jobs: int | None = None,
                 chunk: int = MAX_BATCH) -> None:
        self.cache = _Deferred(cache) if cache is not None else None
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.chunk = chunk
        self.pool = ThreadPoolExecutor(max_workers=self.jobs)
        self.queue: list[tuple[ChartInput, Pending]] = []

    def submit(self, chart: ChartInput) -> Pending:
        pending = Pending(self)
        self.queue.append((chart, pending))
        if len(self.queue) >= self.chunk:
            self._send(jobs=1)
        return pending

    def flush(self) -> None:
        """Send what is queued, spread over every worker."""
        self._send(jobs=self.jobs)

    def _send(self, jobs: int) -> None:
        if not self.queue:
            return
        charts = [c for c, _ in self.queue]
        future = self.pool.submit(render_many, charts, cache=self.cache, jobs=jobs)
        for i, (_, pending) in enumerate(self.queue):
            pending._future, pending._index = future, i
        self.queue = []

    def close(self) -> None:
        self.queue = []
        self.pool.shutdown(wait=True, cancel_futures=True)
        if self.cache is not None and self.cache.used:
            self.cache.inner.prune()

    def __enter__(self) -> Renders:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
