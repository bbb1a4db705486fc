"""Where Pligos keeps what it can make again: rendered manifests, fetched flavors.

The cache lives outside every repository, so nothing in it can reach git:
`$PLIGOS_CACHE_DIR` when set, else `$XDG_CACHE_HOME/pligos`, else `~/.cache/pligos`. Each
user of it takes a sub-folder of its own (`cache_dir("renders")`). Deleting the cache is
always safe; it only costs time.
"""

from __future__ import annotations

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
