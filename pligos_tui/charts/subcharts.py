"""Subcharts that `helm dependency build` fetched into a chart: kept, dropped or due.

A chart whose Chart.yaml has `dependencies` gets its subcharts from `helm dependency build`:
`Chart.lock` and `charts/<name>-<version>.tgz`. Pligos does not own them (they are not in a
chart's content hash, see `spec.discover.is_fetched`), but it must not lose them: a rewrite of
the chart keeps them when its `dependencies` block stayed the same and drops them when it
changed (`carried`), so they are never silently out of date. `state` tells whether the
subcharts a chart has are what its Chart.yaml asks for, which `pligos generate --deps` uses
to decide which charts to fetch for.

The helpers' library (`charts.library`) is a dependency of every generated chart, held through
the chart's link `charts/pligos-library`: `helm dependency build` packs a second copy of it
into `charts/`, which `drop_packed_library` removes again; a lock's entry for it is satisfied
by the link.
"""

from __future__ import annotations

import re
import tarfile
from pathlib import Path
from typing import Any

from pligos_tui.charts.library import LIBRARY_NAME, LINK, is_library_dependency
from pligos_tui.charts.packaging import archive_files, local_repository, packaged_files
from pligos_tui.errors import ConfigError, PligosError
from pligos_tui.io.files import read_regular
from pligos_tui.io.yamlread import load_text

NONE, CURRENT, MISSING, STALE = "none", "current", "missing", "stale"
LOCK = "Chart.lock"
_EXACT = re.compile(r"^v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?$")  # a version, not a range
_MAX_YAML = 1024 * 1024


def _yaml(data: bytes) -> Any:
    """A small YAML file (Chart.yaml, Chart.lock) as data; None when it is not readable."""
    if len(data) > _MAX_YAML:
        return None
    try:
        return load_text(data.decode("utf-8"), "Chart.yaml").data
    except (ConfigError, UnicodeDecodeError):
        return None


def dependencies(chart_yaml: bytes) -> list[Any] | None:
    """The `dependencies` of a Chart.yaml ([] when it has none); None when it cannot be read."""
    meta = _yaml(chart_yaml)
    if not isinstance(meta, dict):
        return None
    deps = meta.get("dependencies") or []
    return deps if isinstance(deps, list) else None


def _read(path: Path) -> bytes | None:
    try:
        return read_regular(path, _MAX_YAML)
    except OSError:
        return None


def carried(dest: Path, new_chart_yaml: bytes | None) -> list[str]:
    """What a rewrite of the chart at `dest` keeps of its fetched subcharts (relative paths):
    all of them when the new Chart.yaml has the same `dependencies` as the one on disk, else
    none."""
    if new_chart_yaml is None:
        return []
    old = _read(dest / "Chart.yaml")
    deps = dependencies(new_chart_yaml)
    if old is None or not deps or dependencies(old) != deps:
        return []
    kept = [LOCK] if (dest / LOCK).is_file() else []
    folder = dest / "charts"
    if folder.is_dir():
        kept += [f"charts/{p.name}" for p in sorted(folder.glob("*.tgz")) if p.is_file()]
    return kept


def state(dest: Path) -> str:
    """How the subcharts of the chart at `dest` stand: NONE (it has no dependencies), MISSING
    (not fetched), STALE (Chart.lock or the archives are not what Chart.yaml asks for, or a
    file:// subchart changed since it was packaged) or CURRENT."""
    raw = _read(dest / "Chart.yaml")
    deps = dependencies(raw) if raw is not None else None
    if not deps:
        return NONE
    lock_raw = _read(dest / LOCK)
    archives = sorted((dest / "charts").glob("*.tgz")) if (dest / "charts").is_dir() else []
    if lock_raw is None:
        if all(isinstance(d, dict) and (dest / "charts" / str(d.get("name")) / "Chart.yaml")
               .is_file() for d in deps):
            return CURRENT  # unpacked subcharts (a service of the original Pligos has them)
        return STALE if archives else MISSING
    lock = _yaml(lock_raw)
    locked = lock.get("dependencies") if isinstance(lock, dict) else None
    if not isinstance(locked, list) or not _lock_matches(deps, locked):
        return STALE
    linked = (dest / LINK / "Chart.yaml").is_file()  # (the library, through the link)
    wanted = {f"{d.get('name')}-{d.get('version')}.tgz": d for d in locked
              if not (linked and is_library_dependency(d))}
    if not wanted:
        return CURRENT
    have = {p.name for p in archives}
    if not have & set(wanted):
        return MISSING
    if set(wanted) - have:
        return STALE
    for name, dep in wanted.items():
        source = local_repository(dep.get("repository"), dest)
        if source is not None and not _packaged_from(dest / "charts" / name, source):
            return STALE
    return CURRENT


def drop_packed_library(dest: Path) -> None:
    """Remove the archive of the helpers' library that `helm dependency build` packed into
    the chart at `dest`, when the chart's link holds the library already."""
    if not (dest / LINK / "Chart.yaml").is_file():
        return
    for archive in (dest / "charts").glob(f"{LIBRARY_NAME}-*.tgz"):
        if archive.is_file() and not archive.is_symlink():
            archive.unlink()


def drop_stale_lock(dest: Path) -> None:
    """Remove a Chart.lock that no longer matches the chart's dependencies (`helm dependency
    build` refuses to work from it; without it, helm resolves them afresh)."""
    raw, lock_raw = _read(dest / "Chart.yaml"), _read(dest / LOCK)
    deps = dependencies(raw) if raw is not None else None
    lock = _yaml(lock_raw) if lock_raw is not None else None
    locked = lock.get("dependencies") if isinstance(lock, dict) else None
    if lock_raw is not None and deps and not (isinstance(locked, list)
                                              and _lock_matches(deps, locked)):
        (dest / LOCK).unlink(missing_ok=True)


def _lock_matches(deps: list[Any], locked: list[Any]) -> bool:
    """Whether Chart.lock's entries are the dependencies of Chart.yaml, one for one."""
    if len(deps) != len(locked):
        return False
    pending = [d for d in locked if isinstance(d, dict)]
    for dep in deps:
        if not isinstance(dep, dict):
            return False
        version = str(dep.get("version") or "")
        match = next((d for d in pending if d.get("name") == dep.get("name")
                      and str(d.get("repository") or "") == str(dep.get("repository") or "")
                      and (not _EXACT.match(version)
                           or str(d.get("version")).removeprefix("v")
                           == version.removeprefix("v"))), None)
        if match is None:
            return False
        pending.remove(match)
    return not pending


def _packaged_from(archive: Path, source: Path) -> bool:
    """Whether a fetched archive holds the files helm packages of the chart folder it was
    packaged from (its Chart.yaml aside, which helm writes anew: the lock's version already
    covers it)."""
    if not source.is_dir():
        return True  # nothing to compare with: `helm dependency build` would fail the same way
    try:
        packed = {name.split("/", 1)[-1]: data for name, data in archive_files(archive).items()}
    except (OSError, tarfile.TarError):
        return False
    try:
        files = set(packaged_files(source))
    except PligosError:  # a .helmignore helm cannot read: `helm dependency build` says why
        return False
    if (source / "Chart.yaml").is_file():
        files.add("Chart.yaml")
    if files != set(packed):
        return False
    return all(rel == "Chart.yaml" or _bytes(source / rel) == packed[rel] for rel in files)


def _bytes(path: Path) -> bytes | None:
    try:
        return read_regular(path)
    except OSError:
        return None
