"""What a service's charts are made from, so that an unchanged service is skipped quickly.

After generating, Pligos records the digest of every input of a service (its pligos.yaml, the
files it mounts and runs, the friend definitions and file-provider secrets it reads, the
flavors it uses) together with the charts they gave, in `.pligos-inputs.json` beside the
charts. The next run hashes those inputs again; when none changed and every chart is still
what was written, the service is not even loaded. Any doubt (a missing record, another
version of Pligos, a Vault provider whose data cannot be hashed locally) means the full run.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pligos_tui import __version__
from pligos_tui.io.files import atomic_write
from pligos_tui.spec.discover import find_services, read_marker, split_v1, stat_digest
from pligos_tui.spec.vocabulary import CONFIG_NAME

STATE = ".pligos-inputs.json"


# what a chart and its record are made by: the code and data below these parts of the package
# (the shells, code generation and the wizard cannot change a chart)
CHART_MAKERS = ("__init__.py", "errors.py", "io", "spec", "charts", "secrets", "flavors",
                "schema", "v1", "jobs/generate.py")
_CODE = (".py", ".tpl", ".yaml", ".json")


@lru_cache(maxsize=1)
def generator() -> str:
    """This Pligos: its version and a digest of the code and built-in flavors that make
    charts, so that a new build never takes an old record for current."""
    package = Path(__file__).resolve().parent.parent
    files: list[str] = []
    for part in CHART_MAKERS:
        if part.endswith(".py"):
            files.append(part)
            continue
        for folder, dirs, names in os.walk(package / part):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            rel = Path(folder).relative_to(package).as_posix()
            files += [f"{rel}/{n}" for n in names if n.endswith(_CODE)]
    h = hashlib.sha256(__version__.encode())
    for rel in sorted(files):
        h.update(rel.encode() + (package / rel).read_bytes())
    return f"{__version__}:{h.hexdigest()[:16]}"


def _sha(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "missing"


def _listing(folder: Path) -> str:
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return "missing"
    return hashlib.sha256("\0".join(names).encode()).hexdigest()


def _tree(root: Path, rel: str, out: dict[str, str]) -> None:
    """A folder, its subfolders' listings and every file below it."""
    folder = root / rel
    out[f"dir:{rel}"] = _listing(folder)
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            sub = (Path(rel) / path.relative_to(folder)).as_posix()
            if path.is_dir():
                out[f"dir:{sub}"] = _listing(path)
            elif path.is_file():
                out[f"file:{sub}"] = _sha(path)


def collect(svc: Any, flavors: list[Any]) -> dict[str, str] | None:
    """Input -> digest for a loaded service; None when its inputs cannot all be hashed here.

    Keys are `file:<path>`, `dir:<path>` (the folder's listing), relative to the service,
    and `flavor:<folder>` (the flavor's digest)."""
    if svc.secrets is not None and svc.secrets.provider != "file":
        return None  # a remote store's data cannot be checked without reading it
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
        out[f"dir:{folder}"] = _listing(root / folder)
        for file in sorted((root / folder).glob("*.y*ml")):
            out[f"file:{folder}/{file.name}"] = _sha(file)
    for folder in svc.flavor_paths:
        out[f"dir:{folder}"] = _listing(root / folder)
    for flavor in flavors:
        out[f"flavor:{flavor.path}"] = folder_digest(flavor.path)
    if svc.secrets is not None:
        _tree(root, str(svc.secrets.settings.get("path", "secrets")), out)
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
                  flavor_digest: Any = folder_digest) -> dict[str, str]:
    """The current digests of the inputs a record names, without loading the service."""
    out: dict[str, str] = {}
    for key in recorded:
        kind, _, rel = key.partition(":")
        if kind == "file":
            out[key] = _sha(root / rel)
        elif kind == "dir":
            out[key] = _listing(root / rel)
        elif kind == "flavor":
            out[key] = flavor_digest(Path(rel))
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
    """What was generated for one service with one set of options."""

    inputs: dict[str, str]
    charts: dict[str, dict[str, str]]  # destination -> {hash, context, flavor, service}
    shared: bool = False  # it has shared dependencies (their chart needs every service)

    def chart_records(self, root: Path) -> list[ChartRecord]:
        return [ChartRecord(Path(dest), info["service"], info["context"], info["flavor"], root)
                for dest, info in self.charts.items()]


def state_file(root: Path, out: Path | None) -> Path:
    return (out if out is not None else root / "charts") / STATE


def _key(root: Path, contexts: list[str] | None, follow_symlinks: bool = False) -> str:
    options = [str(root), sorted(contexts or [])]
    return json.dumps(options + ["follow-symlinks"] if follow_symlinks else options)


class Records:
    """The records of one run: each state file is read once and written once."""

    def __init__(self, out: Path | None, contexts: list[str] | None, *,
                 follow_symlinks: bool = False) -> None:
        self.out = out
        self.contexts = contexts
        self.follow_symlinks = follow_symlinks  # a run with other options has its own record
        self._files: dict[Path, dict[str, Any]] = {}
        self._dirty: set[Path] = set()
        self._flavors: dict[Path, str] = {}  # flavor folder -> digest, read once per run

    def _flavor_digest(self, folder: Path) -> str:
        if folder not in self._flavors:
            self._flavors[folder] = folder_digest(folder)
        return self._flavors[folder]

    def _data(self, file: Path) -> dict[str, Any]:
        if file not in self._files:
            try:
                data = json.loads(file.read_text())
            except (OSError, ValueError):
                data = {}
            self._files[file] = data if isinstance(data, dict) else {}
        return self._files[file]

    def get(self, root: Path) -> Record | None:
        key = _key(root, self.contexts, self.follow_symlinks)
        entry = self._data(state_file(root, self.out)).get(key)
        if not isinstance(entry, dict):
            return None
        return Record(inputs=entry.get("inputs", {}), charts=entry.get("charts", {}),
                      shared=bool(entry.get("shared")))

    def unchanged(self, root: Path) -> Record | None:
        """The record of a service whose inputs and charts did not change since, else None."""
        record = self.get(root)
        if record is None or record.inputs.get("pligos") != generator():
            return None
        if collect_again(root, record.inputs, self._flavor_digest) != record.inputs:
            return None
        for dest, info in record.charts.items():
            marker = read_marker(Path(dest))
            if marker is None or marker.get("hash") != info.get("hash"):
                return None
            if stat_digest(Path(dest)) != info.get("stat"):
                return None  # the chart was changed by hand: write it again
        return record

    def put(self, root: Path, inputs: dict[str, str], charts: dict[str, dict[str, str]], *,
            shared: bool = False) -> None:
        file = state_file(root, self.out)
        key = _key(root, self.contexts, self.follow_symlinks)
        self._data(file)[key] = {"inputs": inputs, "charts": charts, "shared": shared}
        self._dirty.add(file)

    def save(self) -> None:
        """Write the records that changed (best effort: a failure only costs speed)."""
        for file in sorted(self._dirty):
            try:
                file.parent.mkdir(parents=True, exist_ok=True)
                text = json.dumps(self._files[file], indent=1, sort_keys=True) + "\n"
                atomic_write(file, text.encode())
            except Exception:
                pass
        self._dirty.clear()


def quick_unchanged(paths: list[Path], out: Path | None,
                    contexts: list[str] | None) -> list[ChartRecord] | None:
    """When every service below `paths` is unchanged: their charts, found without loading
    anything. None as soon as one service needs the full run."""
    roots, v1_roots = split_v1(find_services(paths))
    if v1_roots:
        return None
    records = Records(out, contexts)
    charts: list[ChartRecord] = []
    for root in roots:
        record = records.unchanged(root)
        if record is None or record.shared:
            return None
        charts += record.chart_records(root)
    return charts
