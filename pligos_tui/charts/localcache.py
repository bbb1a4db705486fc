"""The machine-local side of a record: what only this machine can know, outside the repository.

A service's record (`charts/records.py`) is committed with its charts, so it holds only what
is the same on every checkout. What belongs to one machine is kept here, in the `records/`
folder of Pligos's cache (`io/cachedir.py`: `$PLIGOS_CACHE_DIR`, else `$XDG_CACHE_HOME/pligos`,
else `~/.cache/pligos`), one file per record named by a hash of the record's absolute path:
- the fingerprint of each chart folder as last written (`library.chart_stat`), which lets an
  unchanged run skip reading the charts back;
- the digests of the file provider's secret files, keyed with this machine's random key
  (`machine_key`), which never go into the repository (a plain hash of a short password is
  easily guessed) but still make a changed secret rewrite the chart's secret files.

Each entry names the digest of the committed entry it belongs to, so a record changed by a
checkout, a pull or a merge never pairs with an old entry. The files are private to the user
(0600 in a 0700 folder). A missing, unreadable or corrupt cache only means the slower path:
it is never trusted for more than "nothing changed since this machine last wrote".
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

from pligos_tui.io import cachedir

FORMAT = 1


def cache_root() -> Path | None:
    """Where the local side of records lives: Pligos's cache (`io.cachedir`)."""
    return cachedir.cache_root()


KEY_FILE = "key"  # in cache_root(): this machine's random key for digests of secret files


def machine_key() -> bytes | None:
    """This machine's key for the digests of secret files (32 random bytes, made on first
    use, mode 0600): a digest keyed with it tells a changed file apart without letting anyone
    who reads the cache test guesses of a short password. None when it cannot be kept."""
    root = cache_root()
    if root is None:
        return None
    file = root / KEY_FILE
    try:
        key = file.read_bytes()
        if len(key) == 32:
            return key
    except OSError:
        pass
    try:
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = root / f".{KEY_FILE}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(os.urandom(32))
        try:
            os.link(tmp, file)  # the first run to make one wins; the others read it
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
        key = file.read_bytes()
    except OSError:
        return None
    return key if len(key) == 32 else None


def entry_digest(entry: dict[str, Any]) -> str:
    """The digest of a committed record entry, which a cache entry is tied to."""
    return hashlib.sha256(json.dumps(entry, sort_keys=True).encode()).hexdigest()


class LocalCache:
    """The cache file of one record file: read on first use, written once by `save`."""

    def __init__(self, record: Path) -> None:
        self.record = Path(os.path.abspath(record))
        root = cache_root()
        name = hashlib.sha256(str(self.record).encode()).hexdigest()[:32]
        self.file = root / "records" / f"{name}.json" if root is not None else None
        self._entries: dict[str, Any] | None = None
        self._dirty = False

    def _data(self) -> dict[str, Any]:
        if self._entries is None:
            self._entries = {}
            data: Any = None
            if self.file is not None:
                try:
                    data = json.loads(self.file.read_bytes())
                except (OSError, ValueError):
                    data = None
            if (isinstance(data, dict) and data.get("format") == FORMAT
                    and data.get("record") == str(self.record)
                    and isinstance(data.get("entries"), dict)):
                self._entries = data["entries"]
        return self._entries

    def get(self, key: str, committed: dict[str, Any]) -> dict[str, Any] | None:
        """The machine-local entry for the committed entry `committed`, if it is for it."""
        entry = self._data().get(key)
        if not isinstance(entry, dict) or entry.get("entry") != entry_digest(committed):
            return None
        return entry

    def put(self, key: str, committed: dict[str, Any], *, secrets: dict[str, str] | None,
            stats: dict[str, str]) -> None:
        """`secrets`: the digests of the secret files the charts were made from (None when
        they came from a store that cannot be checked here); `stats`: chart -> chart_stat."""
        entry = {"entry": entry_digest(committed), "secrets": secrets, "stats": stats}
        if self._data().get(key) != entry:
            self._data()[key] = entry
            self._dirty = True

    def save(self) -> None:
        """Write the cache file (best effort: without it, the next run is only slower)."""
        if not self._dirty or self.file is None:
            return
        self._dirty = False
        data = {"format": FORMAT, "record": str(self.record), "entries": self._data()}
        tmp = self.file.with_name(f".{self.file.name}.{os.getpid()}.tmp")
        new = not self.file.exists()
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if self.file.parent.stat().st_mode & 0o077:
                self.file.parent.chmod(0o700)
            # replaced in one rename, not synced to disk: losing it only costs speed
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write((json.dumps(data, sort_keys=True) + "\n").encode())
            os.replace(tmp, self.file)
        except OSError:
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass
            return
        if new:
            prune(self.file.parent)


PRUNE_EVERY = 24 * 3600  # seconds
_STAMP = ".pruned"


def prune(folder: Path, now: float | None = None) -> None:
    """Remove the cache files of records that no longer exist (a deleted checkout, a
    temporary folder), at most once a day, so the cache does not grow without end."""
    now = time.time() if now is None else now
    stamp = folder / _STAMP
    try:
        if now - stamp.stat().st_mtime < PRUNE_EVERY:
            return
    except OSError:
        pass
    try:
        stamp.touch(mode=0o600)
        os.utime(stamp, (now, now))
        files = [p for p in folder.iterdir() if p.suffix == ".json"]
    except OSError:
        return
    for file in files:
        try:
            data = json.loads(file.read_bytes())
            record = data.get("record") if isinstance(data, dict) else None
            if isinstance(record, str) and not os.path.exists(record):
                file.unlink()
        except (OSError, ValueError):
            continue
