"""The friends a new service can pick: those of a friends library folder."""

from __future__ import annotations

import os
from pathlib import Path

from pligos_tui.errors import ConfigError, display_path
from pligos_tui.io.yamlread import load_file


def find_library(dest: Path, given: str) -> tuple[str, list[str]]:
    """A friends library for a service to be written to `dest`: the folder `given` (relative
    to `dest`), else the first `friends/` folder beside `dest` or up to two levels above it
    that defines a friend.

    Returns (that folder relative to `dest`, the names of the friends its files define, in
    file order), or (`given`, []) when there is none. A file the loader cannot read, or one
    without a `name`, is left out."""
    candidates = [dest / given] if given else [p / "friends" for p in list(dest.parents)[:3]]
    for folder in candidates:
        if folder.is_dir():
            names = []
            for file in sorted(folder.glob("*.y*ml")):
                try:
                    data = load_file(file, display_path(file)).data
                except ConfigError:
                    continue
                if isinstance(data, dict) and isinstance(data.get("name"), str):
                    names.append(data["name"])
            if names:
                return os.path.relpath(folder, dest), names
    return given, []
