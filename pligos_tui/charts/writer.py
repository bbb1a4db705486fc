"""Writing a chart safely: atomic per chart, never over a folder Pligos did not make.

The new chart is written beside the old one and swapped in with one rename, so a failed or
interrupted run leaves the previous chart as it was (`recover` cleans what a killed run left).
A folder without Pligos's marker was not made by Pligos and is never replaced or deleted.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from pligos_tui import __version__
from pligos_tui.charts.chart import (
    SECRETS_DIR,
    Sums,
    content_hash,
    describe_edits,
    disk_files,
    edited_files,
    file_digests,
    file_sums,
)
from pligos_tui.errors import ChartWriteError, display_path
from pligos_tui.io.files import locked
from pligos_tui.io.swap import exchange
from pligos_tui.spec.discover import read_marker
from pligos_tui.spec.vocabulary import MARKER


def _is_ours(path: Path) -> bool:
    return read_marker(path) is not None


def _remove_ours(path: Path) -> None:
    """Remove a folder Pligos made, its marker last: a removal stopped halfway leaves a
    folder still known to be Pligos's, which the next run removes."""
    try:
        children = list(path.iterdir())
    except OSError:
        return
    for child in children:
        if child.name in (MARKER, MARKER + ".tmp"):
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
    (path / (MARKER + ".tmp")).unlink(missing_ok=True)
    (path / MARKER).unlink(missing_ok=True)
    try:
        path.rmdir()
    except OSError:
        pass


def _write_marker(folder: Path, data: dict[str, Any]) -> None:
    """The marker, replaced in one rename (a stopped write never leaves half a marker)."""
    tmp = folder / (MARKER + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, folder / MARKER)


def recover(dest: Path) -> None:
    """Clean what an interrupted write left beside `dest` (only folders Pligos made)."""
    parent = dest.parent
    if not parent.is_dir():
        return
    prefix = f".{dest.name}.pligos-"
    leftovers = sorted(p for p in parent.iterdir() if p.name.startswith(prefix) and p.is_dir())
    for path in leftovers:
        if not dest.exists() and path.name.startswith(prefix + "old-") and _is_ours(path):
            os.rename(path, dest)  # an interrupted swap: bring the previous chart back
        elif _is_ours(path) or (path.name.startswith(prefix + "new-")
                                and (path / (MARKER + ".tmp")).is_file()):
            _remove_ours(path)  # (a write stopped while its marker was being written too)
        elif path.name.startswith(prefix + "new-") and not any(path.iterdir()):
            path.rmdir()  # a write stopped before it began; a folder with files stays


def remove_chart(dest: Path) -> None:
    """Remove a chart Pligos generated (never a folder without its marker), and its
    context folder when that is left empty."""
    with locked(dest.parent):
        if read_marker(dest) is None:
            return
        aside = dest.parent / f".{dest.name}.pligos-old-{os.getpid()}"
        os.rename(dest, aside)  # gone in one step; the rest is cleanup
        _remove_ours(aside)
    try:
        dest.parent.rmdir()
    except OSError:
        pass


def edited_refusal(dest: Path, edited: list[str]) -> str:
    return (f"{display_path(dest)} was changed by hand since it was generated "
            f"({describe_edits(edited)})")


EDITED_HINT = ("move the change into pligos.yaml or the flavor, or run with --force to "
               "overwrite it")


def write_chart(dest: Path, files: dict[str, bytes], *, meta: dict[str, Any],
                force: bool = False, sums: Sums | None = None) -> str:
    """Write a chart at `dest` atomically. Returns 'written' or 'unchanged'.

    Raises ChartWriteError when `dest` holds a folder Pligos did not generate, a chart changed
    by hand (unless `force`), or when the disk refuses the write; the previous chart is then
    left as it was.
    """
    sums = sums if sums is not None else file_sums(files)
    digest = content_hash(files, sums=sums)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with locked(dest.parent):
            return _write_locked(dest, files, meta, digest, force, sums)
    except OSError as exc:
        raise ChartWriteError(f"cannot write {display_path(dest)}: {exc.strerror or exc}",
                              hint="check that the folder is writable and the disk has "
                              "space; the previous chart was left as it was") from None


def _write_locked(dest: Path, files: dict[str, bytes], meta: dict[str, Any], digest: str,
                  force: bool, sums: Sums) -> str:
    try:
        recover(dest)
        if dest.exists() or dest.is_symlink():
            marker = read_marker(dest) if dest.is_dir() and not dest.is_symlink() else None
            if marker is None:
                raise ChartWriteError(
                    f"{display_path(dest)} exists and was not generated by Pligos; "
                    "it is left untouched",
                    hint="move it away, or write the charts elsewhere with --out DIR")
            disk = disk_files(dest)
            if marker.get("hash") == digest and content_hash(disk) == digest:
                return "unchanged"
            edited = [] if force else edited_files(dest, marker, disk)
            if edited:
                raise ChartWriteError(edited_refusal(dest, edited) + "; it is left as it is",
                                      hint=EDITED_HINT)
        tmp = dest.parent / f".{dest.name}.pligos-new-{os.getpid()}"
        if tmp.exists() and _is_ours(tmp):
            _remove_ours(tmp)
        tmp.mkdir()
        # the marker first, so that what a stopped write leaves is known to be Pligos's (the
        # folder is swapped in only once every file is written)
        marker_data = {"generator": "pligos", "version": __version__, "hash": digest, **meta,
                       "files": file_digests(files, sums=sums)}
        _write_marker(tmp, marker_data)
        made: set[Path] = {tmp}
        for rel, data in files.items():
            path = tmp / rel
            secret = rel.startswith(SECRETS_DIR + "/")
            if path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True, mode=0o700 if secret else 0o777)
                made.add(path.parent)
            if secret:
                (tmp / SECRETS_DIR).chmod(0o700)
                path.parent.chmod(0o700)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
            else:
                path.write_bytes(data)
        if dest.exists():
            if not exchange(tmp, dest):
                old = dest.parent / f".{dest.name}.pligos-old-{os.getpid()}"
                os.rename(dest, old)
                os.rename(tmp, dest)
                tmp = old
            _remove_ours(tmp)  # the previous chart, swapped out
        else:
            os.rename(tmp, dest)
    except OSError:
        leftover = dest.parent / f".{dest.name}.pligos-new-{os.getpid()}"
        if leftover.exists() and _is_ours(leftover):
            _remove_ours(leftover)
        raise
    return "written"
