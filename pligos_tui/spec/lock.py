"""pligos.lock: the flavor version each pin of a tree of services was generated with.

`pligos generate` writes it and it is committed, so that every checkout builds with the same
flavors and moving to another version is an explicit, reviewable change of this file. It maps
each flavor as contexts write it (`webservice`, `webservice@2`) to the version taken, where it
came from (`source`) and a digest of what was used (a folder's files, a git commit, an OCI
digest). One lock serves every service below it (`spec/lockpath.py` says which one a service
uses).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pligos_tui.errors import ConfigError, Problem, Problems, Rule, display_path
from pligos_tui.io.files import atomic_write
from pligos_tui.io.yamlread import Document, load_file, load_text
from pligos_tui.io.yamlwrite import dump_yaml
from pligos_tui.spec.lockpath import lock_path
from pligos_tui.spec.versions import VersionSyntaxError, parse_version
from pligos_tui.spec.vocabulary import LOCK_FILE, LOCK_FORMAT, LOCK_KEYS

LOCK_BROKEN = Rule("E-LOCK", "pligos.lock is not what Pligos writes (a mapping of format 1 "
                   "whose flavors each have a version, a source and a digest)")
LOCK_RULES = (LOCK_BROKEN,)

HEADER = ("# pligos.lock: the flavor versions this tree's charts are generated with. Written by\n"
          "# pligos (generate, upgrade-flavor) and meant to be committed with pligos.yaml, so\n"
          "# that every checkout builds with the same flavors. Do not edit it by hand: move a\n"
          "# pin with `pligos upgrade-flavor NAME --to VERSION`.\n")
_FIX = f"delete {LOCK_FILE} and run `pligos generate` to write it again"


@dataclass(frozen=True)
class LockEntry:
    """What one pin resolved to."""

    version: str
    source: str  # "builtin", a flavor folder from the lock's folder, a git or OCI source
    digest: str  # "sha256:..." of a folder's files, a git commit or an OCI digest

    def data(self) -> dict[str, str]:
        return {"version": self.version, "source": self.source, "digest": self.digest}


@dataclass
class Lock:
    """One pligos.lock as read (or, when there is none yet, where it goes)."""

    path: Path
    flavors: dict[str, LockEntry]
    raw: bytes | None = None  # the bytes read; None: no file yet

    @property
    def folder(self) -> Path:
        return self.path.parent

    def entry(self, pin: str) -> LockEntry | None:
        return self.flavors.get(pin)


def read_lock(path: Path) -> Lock:
    """The lock at `path` (empty when there is none); a broken one is a located ConfigError."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Lock(path, {})
    except OSError as exc:
        raise ConfigError([Problem(display_path(path), message=f"cannot read: {exc.strerror}",
                                   hint=_FIX, rule=LOCK_BROKEN.id)]) from None
    return _parsed(path, raw, load_file(path, display_path(path)))


def lock_from(path: Path, raw: bytes) -> Lock:
    """The lock at `path` as it was when it held `raw` (what an edit replaced)."""
    return _parsed(path, raw, load_text(raw.decode("utf-8", "replace"), display_path(path)))


def _parsed(path: Path, raw: bytes, doc: Document) -> Lock:
    problems = Problems(doc.file)
    flavors = _read(doc, problems)
    problems.raise_if_any()
    return Lock(path, flavors, raw)


def _read(doc: Document, problems: Problems) -> dict[str, LockEntry]:
    data = doc.data
    if data is None:  # (an empty file: a lock of its own, nothing recorded yet)
        return {}

    def wrong(path: tuple[str, ...], message: str, hint: str = _FIX) -> None:
        doc.problem(problems, path, message, hint, rule=LOCK_BROKEN.id)

    if not isinstance(data, dict):
        wrong((), f"{LOCK_FILE} must be a mapping with format: and flavors:")
        return {}
    if data.get("format") != LOCK_FORMAT:
        newer = isinstance(data.get("format"), int) and data["format"] > LOCK_FORMAT
        wrong(("format",), f"{LOCK_FILE} has format {data.get('format')!r}, this Pligos "
              f"reads format {LOCK_FORMAT}",
              "it was written by a newer Pligos: upgrade Pligos" if newer else _FIX)
        return {}
    for key in data:
        if key not in ("format", "flavors"):
            wrong((key,), f"unknown key {key!r} in {LOCK_FILE}")
    written = data.get("flavors") or {}
    if not isinstance(written, dict):
        wrong(("flavors",), "flavors must map each pin to its version, source and digest")
        return {}
    out: dict[str, LockEntry] = {}
    for pin, entry in written.items():
        at = ("flavors", str(pin))
        if not isinstance(entry, dict) or set(entry) != set(LOCK_KEYS) or not all(
                isinstance(v, str) for v in entry.values()):
            wrong(at, f"the entry of {pin!r} must hold version, source and digest, as text")
            continue
        try:
            parse_version(entry["version"])
        except VersionSyntaxError as exc:
            wrong(at + ("version",), exc.message)
            continue
        out[str(pin)] = LockEntry(entry["version"], entry["source"], entry["digest"])
    return out


def render_lock(flavors: Mapping[str, LockEntry]) -> bytes:
    """The bytes of a lock holding `flavors` (by pin, sorted): the same entries always give
    the same bytes."""
    data = {"format": LOCK_FORMAT,
            "flavors": {pin: flavors[pin].data() for pin in sorted(flavors)}}
    return (HEADER + dump_yaml(data)).encode()


def write_lock(lock: Lock, flavors: Mapping[str, LockEntry]) -> bool:
    """Write the lock when its bytes would change (atomically); whether it was written."""
    data = render_lock(flavors)
    if data == lock.raw:
        return False
    atomic_write(lock.path, data)
    lock.raw, lock.flavors = data, dict(flavors)
    return True


class Locks:
    """The locks of one run, each read once."""

    def __init__(self, given: Mapping[Path, bytes] | None = None) -> None:
        self._paths: dict[Path, Path] = {}
        self._locks: dict[Path, Lock] = {}
        for path, raw in (given or {}).items():  # locks as they were before an edit
            self._locks[path.resolve()] = lock_from(path, raw)

    def path_of(self, root: Path) -> Path:
        if root not in self._paths:
            self._paths[root] = lock_path(root)
        return self._paths[root]

    def of(self, root: Path) -> Lock:
        """The lock the service at `root` uses."""
        path = self.path_of(root)
        key = path.resolve()
        if key not in self._locks:
            self._locks[key] = read_lock(path)
        return self._locks[key]
