"""The friends a new service can pick: those of a friends library folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pligos_tui.errors import ConfigError, display_path
from pligos_tui.io.yamlread import load_file


@dataclass(frozen=True)
class Offered:
    """A friend a library offers: its name, and one line about it (its type and chart)."""

    name: str
    about: str = ""


def _about(data: dict[object, object]) -> str:
    kind = data.get("type", "requirement")
    chart = data.get("chart")
    if isinstance(chart, dict) and chart.get("name"):
        version = f" {chart['version']}" if chart.get("version") else ""
        return f"{kind}: chart {chart['name']}{version}"
    return str(kind)


def find_library(dest: Path, given: str) -> tuple[str, list[Offered]]:
    """A friends library for a service to be written to `dest`: the folder `given` (relative
    to `dest`), else the first `friends/` folder beside `dest` or up to two levels above it
    that defines a friend.

    Returns (that folder relative to `dest`, the friends its files define, in file order),
    or (`given`, []) when there is none. A file the loader cannot read, or one without a
    `name`, is left out."""
    candidates = [dest / given] if given else [p / "friends" for p in list(dest.parents)[:3]]
    for folder in candidates:
        if folder.is_dir():
            found = []
            for file in sorted(folder.glob("*.y*ml")):
                try:
                    data = load_file(file, display_path(file)).data
                except ConfigError:
                    continue
                if isinstance(data, dict) and isinstance(data.get("name"), str):
                    found.append(Offered(data["name"], _about(data)))
            if found:
                return os.path.relpath(folder, dest), found
    return given, []


def library_for(dest: Path, given: str, friends: list[str]) -> str:
    """The library folder to record for `friends` given without one (`--set friends=...`):
    `given` when set, else the library found near `dest` (empty when none is)."""
    if given or not friends:
        return given
    folder, found = find_library(dest, "")
    return folder if found else ""
