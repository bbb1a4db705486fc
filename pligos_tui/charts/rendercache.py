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

import re
from pathlib import Path

from pligos_tui.io.cachedir import DigestFiles, cache_dir

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
        self._files = DigestFiles(self.folder, FORMAT, suffix=SUFFIX)

    @staticmethod
    def _check(key: str) -> str:
        if not _KEY.fullmatch(key):
            raise ValueError(f"not a render key: {key!r}")
        return key

    def get(self, key: str) -> str | None:
        """The text kept under `key`, or None (absent, or not what was written)."""
        body = self._files.get(self._check(key), touch=True)  # the newest now: pruned last
        try:
            return body.decode("utf-8") if body is not None else None
        except UnicodeDecodeError:
            return None

    def put(self, key: str, text: str) -> None:
        """Keep `text` under `key` (atomically; nothing when the folder cannot be written)."""
        self._files.put(self._check(key), text.encode("utf-8"))

    def prune(self) -> None:
        """Remove the entries least recently used until the rest take at most `max_bytes`."""
        self._files.prune(self.max_bytes)
