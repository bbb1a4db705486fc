"""Finding services and the charts Pligos wrote: the light first step of every run.

Nothing here parses YAML, so that a run with nothing to do (every service unchanged, see
`charts/records.py`) never imports the loader, the compiler or the chart writer.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pligos_tui.errors import UsageError
from pligos_tui.io.files import read_regular
from pligos_tui.spec.vocabulary import CONFIG_NAME, MARKER

SKIP_DIRS = {"node_modules", "__pycache__", "venv"}

# `pligos:` followed by a nested mapping (block or flow), as opposed to format 1's `pligos: 1`
_V1_HEADER = re.compile(rb"^pligos:[ \t]*(?:\{|#|\r?\n|\Z)", re.MULTILINE)


def read_marker(dest: Path) -> dict[str, Any] | None:
    """The marker of a chart Pligos generated at `dest`, or None."""
    try:
        data = json.loads(read_regular(dest / MARKER))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("generator") == "pligos" else None


def find_services(paths: Iterable[Path]) -> list[Path]:
    """Service folders at or below `paths`: each folder holding a pligos.yaml.

    Hidden folders, generated charts and the folders below a service are not searched.
    """
    found: list[Path] = []
    for path in paths:
        if path.exists() and not path.is_dir():
            if path.name != CONFIG_NAME:
                raise UsageError(f"{path} is not a {CONFIG_NAME}",
                                 hint="give a service folder, its pligos.yaml, or a tree")
            found.append(path.parent)
            continue
        if not path.is_dir():
            raise UsageError(f"{path} does not exist", hint="give a service folder or a tree")
        if (path / CONFIG_NAME).exists() and not (path / CONFIG_NAME).is_dir():
            found.append(path)  # (a named pipe too, refused when it is loaded)
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            if CONFIG_NAME in filenames:
                found.append(Path(dirpath))
                dirnames[:] = []
                continue
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                                 and d not in SKIP_DIRS
                                 and not (Path(dirpath) / d / MARKER).is_file())
    unique = list(dict.fromkeys(p.resolve() for p in found))
    if not unique:
        raise UsageError(f"no {CONFIG_NAME} found in {', '.join(str(p) for p in paths)}",
                         hint="run `pligos new` to create a service, or give another path")
    return unique


def is_v1_config(file: Path) -> bool:
    """Whether a pligos.yaml is in the original Pligos's format (its `pligos:` is a mapping)."""
    try:
        head = read_regular(file, 1024 * 1024)
    except OSError:  # (a named pipe too: loading the file reports it)
        return False
    return _V1_HEADER.search(head) is not None


def is_v1_service(root: Path) -> bool:
    return is_v1_config(root / CONFIG_NAME)


def split_v1(roots: list[Path]) -> tuple[list[Path], list[Path]]:
    """(format-1 service folders, service folders of the original Pligos's v1 format)."""
    v1_roots = [r for r in roots if is_v1_service(r)]
    return [r for r in roots if r not in v1_roots], v1_roots


def is_fetched(rel: str) -> bool:
    """What `helm dependency build` writes into a chart (relative path): Chart.lock, the
    archives directly in charts/ (subchart folders there are generated: services of the
    original Pligos have them) and its scratch folder tmpcharts/."""
    return rel in ("Chart.lock", "tmpcharts") or rel.startswith("tmpcharts/") or (
        rel.startswith("charts/") and rel.count("/") == 1 and rel.endswith(".tgz"))


def stat_digest(dest: Path) -> str:
    """A cheap fingerprint of a written chart (each file's path, size and modification time):
    any edit of it by hand changes it. What `helm dependency build` fetched does not count, so
    fetching subcharts leaves it as it was. Machine-local: kept in the speed cache only."""
    entries: list[str] = []

    def walk(folder: str, prefix: str) -> None:
        try:
            with os.scandir(folder) as it:
                for entry in it:
                    rel = prefix + entry.name
                    if is_fetched(rel):
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        walk(entry.path, rel + "/")
                        continue
                    st = entry.stat(follow_symlinks=False)
                    entries.append(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}")
        except OSError:
            entries.append(f"{prefix}\0missing")

    walk(str(dest), "")
    return hashlib.sha256("\n".join(sorted(entries)).encode()).hexdigest()
