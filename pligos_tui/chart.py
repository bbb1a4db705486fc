"""Building a chart from a compiled context, and writing it safely.

A chart is first built in memory (relative path -> bytes) so that it can be hashed, compared
and previewed without touching the disk. Writing is atomic per chart: the new chart is written
beside the old one and swapped in with one rename, so a failed or interrupted run leaves the
previous chart as it was. Every chart Pligos writes carries a marker file with the hash of its
content; a folder without that marker was not made by Pligos and is never replaced or deleted.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pligos_tui import __version__
from pligos_tui.compile import Compiled
from pligos_tui.discover import MARKER, read_marker
from pligos_tui.errors import ChartWriteError, display_path
from pligos_tui.flavors import Flavor, library_files

SECRETS_DIR = "secrets"  # chart folder holding secret data: files 0600, git-ignored
# what `helm dependency build` adds to a chart; not part of what Pligos generated
DEPENDENCY_OUTPUT = ("charts/", "Chart.lock", "tmpcharts")
SCHEMA_FILE = Path(__file__).parent / "schema" / "values-contract-1.json"
DEFAULT_HELMIGNORE = b".pligos*\n.git/\n.gitignore\n*.swp\n*.bak\n*.tmp\n*~\n"


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Block-style YAML (libyaml's emitter where available: generated values are large)."""


# Text that a YAML 1.1 reader (helm's) could take for a boolean, null or number unless quoted
_AMBIGUOUS = re.compile(r"(?i)(y|n|yes|no|on|off|true|false|null|~|[-+]?\.?[0-9].*|"
                        r"[-+]?\.(inf|nan))")


# characters every YAML reader takes as they are; text holding others is written escaped
_UNPRINTABLE = re.compile("[^\t\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe"
                          "\uff00-\ufffd\U00010000-\U0010ffff]")


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    if _UNPRINTABLE.search(data):
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"')
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    if _AMBIGUOUS.fullmatch(data):
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"')
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _str_presenter)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000,
                     default_flow_style=False)


@lru_cache(maxsize=1)
def _schema_bytes() -> bytes:
    return SCHEMA_FILE.read_bytes()


@lru_cache(maxsize=1)
def _schema_validator() -> Any:
    import jsonschema

    return jsonschema.Draft7Validator(json.loads(_schema_bytes()))


def check_values(compiled: Compiled, doc: Any) -> None:
    """A context's raw `values:` must keep the values contract (helm would refuse the chart):
    a ConfigError located at that `values:` block otherwise."""
    from pligos_tui.errors import Problems

    problems = Problems(doc.file)
    for error in sorted(_schema_validator().iter_errors(compiled.values), key=str)[:5]:
        where = ".".join(str(p) for p in error.absolute_path) or "(top)"
        doc.problem(problems, compiled.values_at or (), f"values of context "
                    f"{compiled.context!r} break the values contract at {where}: "
                    f"{error.message}", "see docs/values-contract.md for the type of each key")
    problems.raise_if_any()


def build_chart(compiled: Compiled, flavor: Flavor, *, chart_version: str,
                app_version: str, description: str, dest: Path) -> dict[str, bytes]:
    """The files of the chart for one compiled context, relative path -> bytes."""
    files: dict[str, bytes] = {}
    files.update(flavor.files)
    files.update(library_files())
    meta = flavor.chart_meta
    chart: dict[str, Any] = {"apiVersion": "v2", "name": compiled.service,
                             "description": description or flavor.description
                             or f"{compiled.service} ({compiled.context})",
                             "type": "application", "version": chart_version}
    if app_version:
        chart["appVersion"] = app_version
    for key in ("kubeVersion", "keywords", "home", "sources", "maintainers", "icon",
                "annotations", "dependencies"):
        if key in meta:
            chart[key] = meta[key]
    if compiled.requirements:
        chart["dependencies"] = list(chart.get("dependencies") or []) + [
            f.chart.as_dependency(f.name, f.base, dest) for f in compiled.requirements if f.chart]
    annotations = dict(chart.get("annotations") or {})
    annotations.update({"pligos.io/context": compiled.context,
                        "pligos.io/flavor": compiled.flavor})
    chart["annotations"] = annotations
    files["Chart.yaml"] = dump_yaml(chart).encode()
    header = (f"# Generated by pligos from pligos.yaml, context {compiled.context!r}, flavor "
              f"{compiled.flavor!r}.\n# Do not edit: change pligos.yaml and run "
              "`pligos generate`.\n")
    files["values.yaml"] = (header + dump_yaml(compiled.values)).encode()
    files["values.schema.json"] = _schema_bytes()
    files.setdefault(".helmignore", DEFAULT_HELMIGNORE)
    files.update(compiled.files)
    if any(rel.startswith(SECRETS_DIR + "/") for rel in compiled.files):
        files[".gitignore"] = f"# secret data: never commit\n/{SECRETS_DIR}/\n".encode()
    return dict(sorted(files.items()))


def content_hash(files: dict[str, bytes]) -> str:
    h = hashlib.sha256(f"pligos {__version__}\n".encode())
    for rel in sorted(files):
        if rel == MARKER:
            continue
        h.update(rel.encode() + b"\0" + hashlib.sha256(files[rel]).digest())
    return h.hexdigest()


@dataclass
class ChartState:
    """What stands at a chart's destination, compared with what would be generated."""

    status: str  # missing | current | stale | modified | foreign
    detail: str = ""


def disk_files(dest: Path) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for path in dest.rglob("*"):
        if path.is_file():
            rel = path.relative_to(dest).as_posix()
            # what `helm dependency build` fetched: archives directly in charts/ (subchart
            # folders there are generated: services of the original Pligos have them)
            fetched = rel.startswith(("Chart.lock", "tmpcharts")) or (
                rel.startswith("charts/") and rel.count("/") == 1 and rel.endswith(".tgz"))
            if not fetched:
                out[rel] = path.read_bytes()
    return out


def secret_file_problems(dest: Path) -> list[str]:
    """Secret files of a written chart whose permissions let others read them."""
    folder = dest / SECRETS_DIR
    if not folder.is_dir():
        return []
    out = []
    if folder.stat().st_mode & 0o077:
        out.append(f"{SECRETS_DIR}/ is readable by others (mode "
                   f"{folder.stat().st_mode & 0o777:o}, expected 700)")
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.stat().st_mode & 0o077:
            out.append(f"{path.relative_to(dest).as_posix()} has mode "
                       f"{path.stat().st_mode & 0o777:o}, expected 600")
    return out


def chart_state(dest: Path, files: dict[str, bytes]) -> ChartState:
    if not dest.exists():
        return ChartState("missing", "not generated yet")
    marker = read_marker(dest)
    if marker is None:
        return ChartState("foreign", "the folder was not generated by Pligos")
    if marker.get("hash") != content_hash(files):
        return ChartState("stale", "pligos.yaml, its files or the flavor changed since the "
                          "chart was generated")
    if content_hash(disk_files(dest)) != marker.get("hash"):
        return ChartState("modified", "files of the generated chart were changed by hand")
    return ChartState("current")


# --------------------------------------------------------------------------- writing

_RENAME_EXCHANGE = 2


@lru_cache(maxsize=1)
def _renameat2() -> Any:
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        func = libc.renameat2
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return func


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step where the platform allows it."""
    func = _renameat2()
    if func is None:
        return False
    at_fdcwd = -100
    if func(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    import ctypes

    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _is_ours(path: Path) -> bool:
    return read_marker(path) is not None


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
        elif _is_ours(path) or path.name.startswith(prefix + "new-"):
            shutil.rmtree(path, ignore_errors=True)


def remove_chart(dest: Path) -> None:
    """Remove a chart Pligos generated (never a folder without its marker), and its
    context folder when that is left empty."""
    with _locked(dest.parent):
        if read_marker(dest) is None:
            return
        aside = dest.parent / f".{dest.name}.pligos-old-{os.getpid()}"
        os.rename(dest, aside)  # gone in one step; the rest is cleanup
        shutil.rmtree(aside, ignore_errors=True)
    try:
        dest.parent.rmdir()
    except OSError:
        pass


def write_chart(dest: Path, files: dict[str, bytes], *, meta: dict[str, Any]) -> str:
    """Write a chart at `dest` atomically. Returns 'written' or 'unchanged'.

    Raises ChartWriteError when `dest` holds a folder Pligos did not generate, or when the
    disk refuses the write; the previous chart is then left as it was.
    """
    digest = content_hash(files)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with _locked(dest.parent):
            return _write_locked(dest, files, meta, digest)
    except OSError as exc:
        raise ChartWriteError(f"cannot write {display_path(dest)}: {exc.strerror or exc}",
                              hint="check that the folder is writable and the disk has "
                              "space; the previous chart was left as it was") from None


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on a folder: a second run writing into it waits for the first."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _write_locked(dest: Path, files: dict[str, bytes], meta: dict[str, Any], digest: str) -> str:
    try:
        recover(dest)
        if dest.exists() or dest.is_symlink():
            marker = read_marker(dest) if dest.is_dir() and not dest.is_symlink() else None
            if marker is None:
                raise ChartWriteError(
                    f"{display_path(dest)} exists and was not generated by Pligos; "
                    "it is left untouched",
                    hint="move it away, or write the charts elsewhere with --out DIR")
            if marker.get("hash") == digest and content_hash(disk_files(dest)) == digest:
                return "unchanged"  # (a chart edited or damaged by hand is written again)
        tmp = dest.parent / f".{dest.name}.pligos-new-{os.getpid()}"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
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
        marker_data = {"generator": "pligos", "version": __version__, "hash": digest, **meta}
        (tmp / MARKER).write_text(json.dumps(marker_data, indent=2, sort_keys=True) + "\n")
        if dest.exists():
            if not _exchange(tmp, dest):
                old = dest.parent / f".{dest.name}.pligos-old-{os.getpid()}"
                os.rename(dest, old)
                os.rename(tmp, dest)
                tmp = old
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            os.rename(tmp, dest)
    except OSError:
        leftover = dest.parent / f".{dest.name}.pligos-new-{os.getpid()}"
        if leftover.exists():
            shutil.rmtree(leftover, ignore_errors=True)
        raise
    return "written"
