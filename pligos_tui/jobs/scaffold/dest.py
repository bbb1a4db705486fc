"""Where a new service goes: a folder that is new or empty (or, with --force, one whose other
files are kept). Checked before any question is asked, and again when writing."""

from __future__ import annotations

from pathlib import Path

from pligos_tui.errors import display_path


def nonempty(path: Path) -> bool:
    return path.is_dir() and any(path.iterdir())


def refuse_reason(dest: Path, force: bool) -> str | None:
    """Why `dest` cannot receive a new service (checked before asking anything)."""
    if dest.exists() and not dest.is_dir():
        return f"{display_path(dest)} is a file; give a folder for the new service"
    if nonempty(dest) and not force:
        return f"{display_path(dest)} is not empty; nothing was written"
    return None
