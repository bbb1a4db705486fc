"""What a service's charts are made from, so that an unchanged service is skipped quickly.

After generating, Pligos records the digest of every input of a service (its pligos.yaml, the
files it mounts and runs, the friend definitions it reads, the flavors it uses, this Pligos)
with the content hash of each chart they gave, in `.pligos-inputs.json` beside the charts.
The record is committed with the charts, so it holds only what is the same on every checkout:
paths relative to the service (inputs) or to the record's own folder (services, charts), with
`/` between names, and content hashes; built-in flavors by name (`flavor:builtin/worker`), and
those fetched from a service's `flavorSources` by their place in the cache, which names the
git commit or OCI digest they are (`fetched:git/trees/<commit>/_/web`): the record then says
which version of a remote flavor the charts were made from, and the next run checks the
cached copy without any network (a source's definition is in pligos.yaml, and which
version it resolves to is kept by pligos.lock, not by the repository's refs).
Secret data is never in it, not even as a hash: what only this machine can know (the digests
of the file provider's secrets, the charts' stat fingerprints) is in the local cache
(:mod:`pligos_tui.charts.localcache`).

The next run hashes the inputs again; when none changed, the cache says the secrets and chart
folders are as this machine last wrote them, and every chart's marker carries the recorded
hash, the service is not even loaded. Any doubt (no record or cache, another version of
Pligos, secrets from a store that cannot be read here) means the full run, which rewrites only
what changed.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pligos_tui import __version__
from pligos_tui.charts.library import chart_stat
from pligos_tui.charts.localcache import LocalCache, machine_key
from pligos_tui.io.cachedir import cache_dir
from pligos_tui.io.files import atomic_write
from pligos_tui.spec.discover import find_services, read_marker, split_v1
from pligos_tui.spec.lockpath import lock_path
from pligos_tui.spec.vocabulary import CHARTS_DIR, CONFIG_NAME, DEFAULT_SECRETS_PATH, FLAVOR_FILE

STATE = ".pligos-inputs.json"
FORMAT = 1
PACKAGE = Path(__file__).resolve().parent.parent
BUILTIN_FLAVORS = PACKAGE / "flavors" / "builtin"  # (as spec.flavors.BUILTIN_DIR)
BUILTIN = "builtin/"  # how a record names a built-in flavor: flavor:builtin/<name>
# how a record names a flavor a flavorSources entry fetched into the cache (spec/sources.py):
# fetched:<its path in the cache>, which is the same on every machine (git/trees/<commit>/...,
# oci/<digest>/...): the cache keeps fetched flavors by what they are
FETCHED, FETCHED_PART = "fetched", "flavors"  # (cache_dir(FETCHED_PART), as sources.CACHE_PART)

# what a chart and its record are made by: the code and data below these parts of the package
# (the shells, code generation and the wizard cannot change a chart)
CHART_MAKERS = ("__init__.py", "errors.py", "io", "spec", "charts", "secrets", "flavors",
                "schema", "v1", "helm.py", "jobs/generate.py")
_CODE = (".py", ".tpl", ".yaml", ".json")
_YAML = (".yaml", ".yml")


@lru_cache(maxsize=1)
def generator() -> str:
    """This Pligos: its version and a digest of the code and built-in flavors that make
    charts, so that a new build never takes an old record for current."""
    files: list[str] = []
    for part in CHART_MAKERS:
        if part.endswith(".py"):
            files.append(part)
            continue
        for folder, dirs, names in os.walk(PACKAGE / part):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            rel = Path(folder).relative_to(PACKAGE).as_posix()
            files += [f"{rel}/{n}" for n in names if n.endswith(_CODE)]
    h = hashlib.sha256(__version__.encode())
    for rel in sorted(files):
        h.update(rel.encode() + (PACKAGE / rel).read_bytes())
    return f"{__version__}:{h.hexdigest()[:16]}"


def posix_rel(path: Path, base: Path) -> str:
    """`path` relative to `base` (both absolute), with `/` between names; links are followed
    first, so that a path reached through a link is recorded as any other."""
    return Path(os.path.relpath(os.path.realpath(path), os.path.realpath(base))).as_posix()


def _sha(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "missing"


def _listing(folder: Path, keep: Callable[[Path], bool] | None = None) -> str:
    """A digest of the names in a folder (those `keep` accepts)."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return "missing"
    if keep is not None:
        names = [n for n in names if keep(folder / n)]
    return hashlib.sha256("\0".join(names).encode()).hexdigest()


def _is_yaml(path: Path) -> bool:
    return path.name.endswith(_YAML)


def _is_flavor(path: Path) -> bool:
    return (path / FLAVOR_FILE).is_file()


# the kinds of input a record names, `<kind>:<path>`: a file; a folder's listing; the YAML
# files of a friends library; the flavor folders of a flavor path; one flavor's digest
LISTINGS: dict[str, Callable[[Path], bool] | None] = {"dir": None, "friends": _is_yaml,
                                                      "flavors": _is_flavor}


def _secret_digest(path: Path) -> str:
    """The digest of a secret file, keyed with this machine's key ("unknown" without one,
    which makes every run the full one)."""
    key = machine_key()
    if key is None:
        return "unknown"
    try:
        return hashlib.blake2b(path.read_bytes(), key=key, digest_size=32).hexdigest()
    except OSError:
        return "missing"


_FILE_DIGESTS: dict[str, Callable[[Path], str]] = {"file": _sha,
                                                   "secret": _secret_digest}


def _tree(root: Path, rel: str, out: dict[str, str], kind: str = "file") -> None:
    """A folder, its subfolders' listings and every file below it (as `kind`: "secret" for
    the file provider's folder, whose digests are keyed)."""
    folder = root / rel
    out[f"dir:{rel}"] = _listing(folder)
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            sub = (Path(rel) / path.relative_to(folder)).as_posix()
            if path.is_dir():
                out[f"dir:{sub}"] = _listing(path)
            elif path.is_file():
                out[f"{kind}:{sub}"] = _FILE_DIGESTS[kind](path)


def collect(svc: Any) -> dict[str, str]:
    """Input -> digest for a loaded service: everything its charts are made from but its
    secrets and flavors (see `collect_flavors`), by paths relative to the service."""
    root = svc.root
    # pligos.yaml as it was read (not as it is now: it may have changed since)
    read = svc.doc.digest or _sha(root / CONFIG_NAME)  # (a text loaded from an editor: none)
    out: dict[str, str] = {"pligos": generator(), f"file:{CONFIG_NAME}": read}
    mounts = list(svc.mounts) + [r.inline for c in svc.contexts for r in c.mounts or []
                                 if r.inline is not None]
    for m in mounts:
        for name in m.files:
            if (root / name).is_dir():
                _tree(root, name, out)
            else:
                out[f"file:{name}"] = _sha(root / name)
    commands = list(svc.commands) + [c.command.inline for c in svc.contexts
                                     if c.command is not None and c.command.inline is not None]
    for cmd in commands:
        if cmd.file_name:
            out[f"file:{cmd.file_name}"] = _sha(root / cmd.file_name)
    for folder in svc.friends_library:
        out[f"friends:{folder}"] = _listing(root / folder, _is_yaml)
        for file in sorted((root / folder).glob("*.y*ml")):
            if _is_yaml(file):
                out[f"file:{folder}/{file.name}"] = _sha(file)
    for folder in svc.flavor_paths:
        out[f"flavors:{folder}"] = _listing(root / folder, _is_flavor)
        # each flavor's name and version: which folder a context gets depends on all of them
        for child in sorted((root / folder).iterdir()) if (root / folder).is_dir() else ():
            if _is_flavor(child):
                out[f"file:{folder}/{child.name}/{FLAVOR_FILE}"] = _sha(child / FLAVOR_FILE)
    out.update(lock_input(root))
    return out


def lock_input(root: Path) -> dict[str, str]:
    """The digest of the pligos.lock a service uses (the flavor versions it takes), by its
    path from the service."""
    lock = lock_path(root)
    return {f"file:{posix_rel(lock, root)}": _sha(lock)}


def flavor_key(folder: Path, root: Path) -> str:
    """How a record names a flavor: a built-in one by name, one fetched from a flavor source
    by its place in the cache, another by its path from the service."""
    if folder.parent == BUILTIN_FLAVORS:
        return f"flavor:{BUILTIN}{folder.name}"
    fetched = _fetched_rel(folder)
    if fetched is not None:
        return f"{FETCHED}:{fetched}"
    return f"flavor:{posix_rel(folder, root)}"


def _fetched_rel(folder: Path) -> str | None:
    """A folder's path in the cache of fetched flavors, None when it is not in it."""
    cache = Path(os.path.realpath(cache_dir(FETCHED_PART)))
    try:
        return Path(os.path.realpath(folder)).relative_to(cache).as_posix()
    except ValueError:
        return None


def _flavor_folder(rel: str, root: Path) -> Path:
    return BUILTIN_FLAVORS / rel[len(BUILTIN):] if rel.startswith(BUILTIN) else root / rel


def collect_flavors(folders: list[Path], root: Path,
                    digest: Callable[[Path], str] | None = None) -> dict[str, str]:
    return {flavor_key(f, root): (digest or folder_digest)(f) for f in folders}


def collect_secrets(svc: Any) -> dict[str, str]:
    """The digests of the file provider's folder of a service ({} without one): kept in the
    local cache only, never in the committed record."""
    if svc.secrets is None or svc.secrets.provider != "file":
        return {}
    out: dict[str, str] = {}
    _tree(svc.root, str(svc.secrets.settings.get("path", DEFAULT_SECRETS_PATH)), out,
          kind="secret")
    return out


def folder_digest(folder: Path) -> str:
    """A digest of every file below a folder (a flavor), names and bytes."""
    h = hashlib.sha256()
    try:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(path.relative_to(folder).as_posix().encode() + b"\0"
                         + _sha(path).encode())
    except OSError:
        return "missing"
    return h.hexdigest()


def collect_again(root: Path, recorded: dict[str, str],
                  flavor_digest: Callable[[Path], str] = folder_digest) -> dict[str, str]:
    """The current digests of the inputs a record names, without loading the service."""
    out: dict[str, str] = {}
    for key in recorded:
        kind, _, rel = key.partition(":")
        if kind in _FILE_DIGESTS:
            out[key] = _FILE_DIGESTS[kind](root / rel)
        elif kind in LISTINGS:
            out[key] = _listing(root / rel, LISTINGS[kind])
        elif kind == "flavor":
            out[key] = flavor_digest(_flavor_folder(rel, root))
        elif kind == FETCHED:  # (gone from the cache: "missing", so fetched again)
            folder = cache_dir(FETCHED_PART) / rel
            out[key] = flavor_digest(folder) if folder.is_dir() else "missing"
        else:
            out[key] = generator() if key == "pligos" else "unknown"
    return out


@dataclass
class ChartRecord:
    """A chart that a run wrote or found unchanged."""

    dest: Path
    service: str
    context: str
    flavor: str
    root: Path


@dataclass
class Record:
    """What was generated for one service with one set of options: its inputs, and its charts
    by path from the record's folder, each {hash, context, flavor, service}."""

    inputs: dict[str, str]
    charts: dict[str, dict[str, str]]
    base: Path  # the record's folder
    shared: bool = False  # it has shared dependencies (their chart needs every service)
    local: dict[str, Any] = field(default_factory=dict)  # this machine's side, if any

    def chart_records(self, root: Path) -> list[ChartRecord]:
        return [ChartRecord(self.base / rel, info["service"], info["context"], info["flavor"],
                            root) for rel, info in self.charts.items()]

    def stat(self, dest: Path) -> str | None:
        """The fingerprint this machine recorded for a chart folder as it wrote it."""
        stats = self.local.get("stats")
        value = stats.get(posix_rel(dest, self.base)) if isinstance(stats, dict) else None
        return value if isinstance(value, str) else None


def state_file(root: Path, out: Path | None) -> Path:
    return (out if out is not None else root / CHARTS_DIR) / STATE


class Records:
    """The records of one run: each record file (and its local cache) read once, written
    once."""

    def __init__(self, out: Path | None, contexts: list[str] | None, *,
                 follow_symlinks: bool = False) -> None:
        self.out = Path(os.path.realpath(out)) if out is not None else None
        self.contexts = sorted(contexts or [])
        self.follow_symlinks = follow_symlinks  # a run with other options has its own record
        self._files: dict[Path, dict[str, Any]] = {}
        self._caches: dict[Path, LocalCache] = {}
        self._dirty: set[Path] = set()
        self._flavors: dict[Path, str] = {}  # flavor folder -> digest, read once per run

    def flavor_digest(self, folder: Path) -> str:
        if folder not in self._flavors:
            self._flavors[folder] = folder_digest(folder)
        return self._flavors[folder]

    def _key(self, root: Path, file: Path) -> str:
        key: list[Any] = [posix_rel(root, file.parent), self.contexts]
        return json.dumps(key + ["follow-symlinks"] if self.follow_symlinks else key)

    def _data(self, file: Path) -> dict[str, Any]:
        if file not in self._files:
            try:
                data = json.loads(file.read_text())
            except (OSError, ValueError):
                data = None
            entries = data.get("services") if isinstance(data, dict) \
                and data.get("format") == FORMAT else None  # (an older record: none)
            self._files[file] = entries if isinstance(entries, dict) else {}
        return self._files[file]

    def entries(self, file: Path) -> dict[str, Any]:
        """The entries of a record file, by key (read once)."""
        return self._data(file)

    def _cache(self, file: Path) -> LocalCache:
        if file not in self._caches:
            self._caches[file] = LocalCache(file)
        return self._caches[file]

    def get(self, root: Path) -> Record | None:
        """The committed record of a service, with this machine's side when it has one."""
        file = state_file(root, self.out)
        key = self._key(root, file)
        entry = self._data(file).get(key)
        if not isinstance(entry, dict) or not isinstance(entry.get("inputs"), dict) \
                or not isinstance(entry.get("charts"), dict):
            return None
        local = self._cache(file).get(key, entry) or {}
        return Record(inputs=entry["inputs"], charts=entry["charts"], base=file.parent,
                      shared=bool(entry.get("shared")), local=local)

    def unchanged(self, root: Path) -> Record | None:
        """The record of a service whose inputs, secrets and charts did not change since this
        machine wrote them, else None."""
        record = self.get(root)
        if record is None or not record.local or record.inputs.get("pligos") != generator():
            return None
        if collect_again(root, record.inputs, self.flavor_digest) != record.inputs:
            return None
        if not lock_input(root).items() <= record.inputs.items():
            return None  # (another pligos.lock applies now: one was added or removed nearer)
        secrets = record.local.get("secrets")
        if not isinstance(secrets, dict) or collect_again(root, secrets) != secrets:
            return None  # (None: secrets from a store that cannot be checked here)
        for rel, info in record.charts.items():
            dest = record.base / rel
            marker = read_marker(dest)
            if marker is None or marker.get("hash") != info.get("hash"):
                return None
            if record.stat(dest) != chart_stat(dest):  # (its library's files too)
                return None  # changed since: read it again
        return record

    def put(self, root: Path, inputs: dict[str, str], charts: dict[Path, dict[str, str]], *,
            secrets: dict[str, str] | None, stats: dict[Path, str], shared: bool = False) -> None:
        """Record what a service's charts were made from: `charts` by destination, `secrets`
        the digests of its secret files (None when they cannot be checked here), `stats` each
        chart folder's fingerprint as written."""
        file = state_file(root, self.out)
        key = self._key(root, file)
        entry: dict[str, Any] = {"inputs": inputs, "shared": shared, "charts": {
            posix_rel(dest, file.parent): info for dest, info in sorted(charts.items())}}
        if self._data(file).get(key) != entry:
            self._data(file)[key] = entry
            self._dirty.add(file)
        self._cache(file).put(key, entry, secrets=secrets, stats={
            posix_rel(dest, file.parent): stat for dest, stat in stats.items()})

    def save(self) -> None:
        """Write the records that changed and the local caches (best effort: a failure only
        costs speed)."""
        for file, entries in self._files.items():
            if _gone(file.parent, entries):
                _forget_gone(file.parent, entries)
                self._dirty.add(file)
        for file in sorted(self._dirty):
            try:
                file.parent.mkdir(parents=True, exist_ok=True)
                text = json.dumps({"format": FORMAT, "services": self._files[file]}, indent=1,
                                  sort_keys=True) + "\n"
                atomic_write(file, text.encode())
            except Exception:
                pass
        self._dirty.clear()
        for cache in self._caches.values():
            cache.save()


def _gone(base: Path, entries: dict[str, Any]) -> list[str]:
    """The entries of services that are no longer there (their folder holds no
    pligos.yaml)."""
    out = []
    for key in entries:
        try:
            service = json.loads(key)[0]
        except (ValueError, IndexError, KeyError, TypeError):
            service = None
        if not isinstance(service, str) or not (base / service / CONFIG_NAME).is_file():
            out.append(key)
    return out


def _forget_gone(base: Path, entries: dict[str, Any]) -> None:
    """Drop the entries of services that were removed or moved, so that a record does not
    keep them."""
    for key in _gone(base, entries):
        del entries[key]


def quick_unchanged(paths: list[Path], out: Path | None,
                    contexts: list[str] | None) -> list[ChartRecord] | None:
    """When every service below `paths` is unchanged: their charts, found without loading
    anything. None as soon as one service needs the full run."""
    roots, v1_roots = split_v1(find_services(paths))
    if v1_roots:
        return None
    records = Records(out, contexts)
    charts: list[ChartRecord] = []
    files: set[Path] = set()
    for root in roots:
        record = records.unchanged(root)
        if record is None or record.shared:
            return None
        charts += record.chart_records(root)
        files.add(state_file(root, records.out))
    if any(_gone(file.parent, records.entries(file)) for file in files):
        return None  # a service was removed: the full run drops it from the record
    return charts
