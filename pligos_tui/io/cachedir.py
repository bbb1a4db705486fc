"""Where Pligos keeps what it can make again: rendered manifests, fetched flavors.

The cache lives outside every repository, so nothing in it can reach git:
`$PLIGOS_CACHE_DIR` when set, else `$XDG_CACHE_HOME/pligos`, else `~/.cache/pligos`. Each
user of it takes a sub-folder of its own (`cache_dir("renders")`). Deleting the cache is
always safe; it only costs time.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """The root of Pligos's cache (it may not exist yet)."""
    configured = os.environ.get("PLIGOS_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "pligos"


def cache_dir(part: str) -> Path:
    """The cache's sub-folder `part` (not created)."""
    return cache_root() / part
