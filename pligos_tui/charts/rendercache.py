"""Rendered manifests kept between runs, by a key of everything they were rendered from.

The cache is a folder (`cache_dir("renders")`: `$PLIGOS_CACHE_DIR/renders`, else
`$XDG_CACHE_HOME/pligos/renders`, else `~/.cache/pligos/renders`, private to the user) of one
file per render, named by its key (`batch.render_key`: a sha256 of the chart's files,
release, namespace, values files and the helm binary's identity) in a folder named by the
key's first two digits. Only redacted renders are ever put in it (plans always redact). An
entry is written atomically and starts with a digest of its text: an entry that does not
match it (cut short, edited, written by another format) is ignored and removed. Reading an
entry makes it the newest; past `max_bytes`, the oldest are removed (`prune`). A cache that
cannot be written is no error: the render is only not kept.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from pligos_tui.errors import PligosError
from pligos_tui.io.cachedir import cache_dir
from pligos_tui.io.files import atomic_write

FORMAT = b"pligos-render 1"
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
_KEY = re.compile(r"[0-9a-f]{64}")
SUFFIX = ".render"


class RenderCache:
    """Rendered manifests by key, in a folder (default: `cache_dir("renders")`), at most
    about `max_bytes` of them."""

    def __init__(self, folder: Path | None = None, *,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.folder = folder if folder is not None else cache_dir("renders")
        self.max_bytes = max_bytes

    def _path(self, key: str) -> Path:
        if not _KEY.fullmatch(key):
            raise ValueError(f"not a render key: {key!r}")
        return self.folder / key[:2] / (key + SUFFIX)  # (256 folders: short listings)

    def get(self, key: str) -> str | None:
        """The text kept under `key`, or None (absent, or not what was written)."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        head, _, body = data.partition(b"\n")
        fmt, _, digest = head.rpartition(b" ")
        if fmt != FORMAT or digest != hashlib.sha256(body).hexdigest().encode():
            path.unlink(missing_ok=True)
            return None
        try:
            text = body.decode("utf-8")
            os.utime(path)  # the newest now: pruned last
        except (UnicodeDecodeError, OSError):
            return None
        return text

    def put(self, key: str, text: str) -> None:
        """Keep `text` under `key` (atomically; nothing when the folder cannot be written)."""
        path = self._path(key)
        body = text.encode("utf-8")
        data = FORMAT + b" " + hashlib.sha256(body).hexdigest().encode() + b"\n" + body
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            path.parent.mkdir(mode=0o700, exist_ok=True)
            atomic_write(path, data)
        except (OSError, PligosError):
            pass

    def prune(self) -> None:
        """Remove the entries least recently used until the rest take at most `max_bytes`."""
        entries = []
        for shard in self._shards():
            try:
                with os.scandir(shard) as found:
                    for entry in found:
                        if entry.name.endswith(SUFFIX):
                            try:
                                st = entry.stat()
                            except OSError:
                                continue
                            entries.append((st.st_mtime_ns, st.st_size, entry.path))
            except OSError:
                continue
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            try:
                os.unlink(path)
            except OSError:
                continue
            total -= size

    def _shards(self) -> list[str]:
        try:
            with os.scandir(self.folder) as found:
                return [e.path for e in found if len(e.name) == 2 and e.is_dir()]
        except OSError:
            return []
