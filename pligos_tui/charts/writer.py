"""Writing a chart safely: atomic per chart, never over a folder Pligos did not make.

The new chart is written beside the old one and swapped in with one rename, so a failed or
interrupted run leaves the previous chart as it was (`recover` cleans what a killed run left).
A folder without Pligos's marker was not made by Pligos and is never replaced or deleted.
Secret data goes into the chart's `secrets/` folder (0700, its files 0600); the subcharts
`helm dependency build` fetched are carried into the new chart while its dependencies stay
the same (`subcharts.carried`). The library's files a chart holds (`library.linked_files`) are
not written into it: the chart gets the link to its root's library instead, which the caller
writes first (as a chart of its own, `library.library_files`).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from pligos_tui import __version__
from pligos_tui.charts import subcharts
from pligos_tui.charts.chart import (
    Sums,
    content_hash,
    describe_edits,
    disk_files,
    edited_files,
    file_digests,
    file_sums,
    is_secret,
    secret_file_problems,
    secret_files,
)
from pligos_tui.charts.library import is_linked, link_ok, make_link
from pligos_tui.errors import ChartWriteError, display_path
from pligos_tui.io.files import locked
from pligos_tui.io.swap import exchange
from pligos_tui.spec.discover import read_marker
from pligos_tui.spec.vocabulary import MARKER, SECRETS_DIR


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


def _make_folder(chart: Path, folder: Path, *, secret: bool) -> None:
    """A folder of a chart being written; below its secrets/, each one private (0700)."""
    if not secret:
        folder.mkdir(parents=True, exist_ok=True)
        return
    private = chart / SECRETS_DIR
    below = [p for p in reversed(folder.parents) if private in p.parents]
    for level in [private, *below, *([folder] if folder != private else [])]:
        level.mkdir(mode=0o700, exist_ok=True)
        level.chmod(0o700)  # (whatever the umask)


def _carry(source: Path, target: Path) -> None:
    """A fetched subchart file, into the chart that replaces its own (linked: it is the same
    file, and a failed write leaves the old chart whole)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


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
            disk = disk_files(dest, secrets=True)
            if (marker.get("hash") == digest and content_hash(disk) == digest
                    and secret_files(disk) == secret_files(files)
                    and not secret_file_problems(dest)
                    and (link_ok(dest) or not any(is_linked(rel) for rel in files))):
                return "unchanged"
            edited = [] if force else edited_files(dest, marker, disk)
            if edited:
                raise ChartWriteError(edited_refusal(dest, edited) + "; it is left as it is",
                                      hint=EDITED_HINT)
        kept = subcharts.carried(dest, files.get("Chart.yaml")) if dest.is_dir() else []
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
        linked = False
        for rel, data in files.items():
            if is_linked(rel):
                linked = True  # (the link below stands for them)
                continue
            path = tmp / rel
            if path.parent not in made:
                _make_folder(tmp, path.parent, secret=is_secret(rel))
                made.add(path.parent)
            if is_secret(rel):
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
            else:
                path.write_bytes(data)
        if linked:
            make_link(tmp)
        for rel in kept:  # (the subcharts of the same dependencies)
            if rel not in files:
                _carry(dest / rel, tmp / rel)
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
