"""Where Pligos keeps what it can make again: rendered manifests, fetched flavors.

The cache lives outside every repository, so nothing in it can reach git:
`$PLIGOS_CACHE_DIR` when set, else `$XDG_CACHE_HOME/pligos`, else `~/.cache/pligos`. Each
user of it takes a sub-folder of its own (`cache_dir("renders")`). Deleting the cache is
always safe; it only costs time.

`DigestFiles` keeps bytes by key in such a folder: one file per key, in a folder named by the
key's first two characters, starting with a header line (a format tag and the sha256 of the
rest) and written by one rename; an entry that does not match its header (cut short, edited,
of another format) is ignored and removed, so no fsync is needed. A cache that cannot be read
or written is no error: it is only as if nothing were kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path


def cache_root() -> Path:
    """The root of Pligos's cache (it may not exist yet). A relative XDG_CACHE_HOME is
    ignored, as the XDG spec says; without a home folder, a private folder of the system's
    temporary one."""
    configured = os.environ.get("PLIGOS_CACHE_DIR")
    if configured:
        return Path(configured).expanduser().absolute()
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "pligos"
    try:
        return Path.home() / ".cache" / "pligos"
    except (RuntimeError, KeyError):
        return Path(tempfile.gettempdir()) / f"pligos-cache-{os.getuid()}"


def cache_dir(part: str) -> Path:
    """The cache's sub-folder `part` (not created)."""
    return cache_root() / part


class DigestFiles:
    """Bytes by key (the name of a file: callers pass digests) in `folder`, each entry
    headed by `format_tag` and the sha256 of its body; `suffix` ends each entry's name."""

    def __init__(self, folder: Path, format_tag: bytes, *, suffix: str = "") -> None:
        self.folder = folder
        self.format_tag = format_tag
        self.suffix = suffix

    def path(self, key: str) -> Path:
        return self.folder / key[:2] / (key + self.suffix)

    def _header(self, body: bytes) -> bytes:
        return self.format_tag + b" " + hashlib.sha256(body).hexdigest().encode() + b"\n"

    def get(self, key: str, *, touch: bool = False) -> bytes | None:
        """The body kept under `key`, or None (absent, unreadable, or not what was written:
        then it is removed). `touch` makes it the newest, pruned last (None when it cannot)."""
        path = self.path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        head, newline, body = data.partition(b"\n")
        if head + newline != self._header(body):
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
            return None
        if touch:
            try:
                os.utime(path)
            except OSError:
                return None
        return body

    def put(self, key: str, body: bytes) -> bool:
        """Keep `body` under `key` in one rename, in folders private to the user; whether it
        was kept (False when the folder cannot be written)."""
        path = self.path(key)
        tmp = path.parent / f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            path.parent.mkdir(mode=0o700, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(self._header(body) + body)
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            return False
        return True

    def prune(self, max_bytes: int) -> None:
        """Remove the entries least recently written or touched until the rest take at most
        `max_bytes` (what an interrupted `put` left counts as an entry: old ones go too)."""
        found = []
        for shard in self._shards():
            try:
                with os.scandir(shard) as entries:
                    for entry in entries:
                        if not (entry.name.endswith(self.suffix) or entry.name.endswith(".tmp")):
                            continue
                        try:
                            st = entry.stat()
                        except OSError:
                            continue
                        found.append((st.st_mtime_ns, st.st_size, entry.path))
            except OSError:
                continue
        total = sum(size for _, size, _ in found)
        for _, size, path in sorted(found):
            if total <= max_bytes:
                return
            try:
                os.unlink(path)
            except OSError:
                continue
            total -= size

    def _shards(self) -> list[str]:
        try:
            with os.scandir(self.folder) as found:
                return [e.path for e in found
                        if len(e.name) == 2 and e.is_dir()]
        except OSError:
            return []
