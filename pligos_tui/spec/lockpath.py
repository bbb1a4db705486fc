"""Where a service's pligos.lock is, found without reading any YAML (the fast no-change path of
`generate` needs it too).

A service uses the nearest pligos.lock from its folder up to the top of its git repository
(or `/`); when there is none, the lock goes at the top of the repository, or beside its
pligos.yaml outside git. So one lock serves a whole repository of services unless a folder
holds one of its own.
"""

from __future__ import annotations

import os
from pathlib import Path

from pligos_tui.spec.vocabulary import LOCK_FILE


def git_top(folder: Path) -> Path | None:
    """The top folder of the git work tree holding `folder`, None outside git."""
    for d in (folder, *folder.parents):
        if (d / ".git").exists():
            return d
    return None


def lock_path(root: Path) -> Path:
    """The pligos.lock of the service at `root` (it may not exist yet)."""
    root = Path(os.path.normpath(root.absolute()))
    top = git_top(root)
    for d in (root, *root.parents):
        if (d / LOCK_FILE).is_file():
            return d / LOCK_FILE
        if d == top:
            break
    return (top or root) / LOCK_FILE
