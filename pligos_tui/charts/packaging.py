"""A chart folder as helm packages it: its `.helmignore`, the files of a packaged chart, and
the folders its `file://` dependencies name.

Pligos compares, copies and rebuilds charts as helm would (`jobs.push` packages a copy of a
chart, `charts.subcharts` tells whether a fetched subchart is what its folder holds now,
`jobs.manifests` builds subcharts from a copy); each of them reads a chart through this
module, so they agree with helm and with each other:
- `HelmIgnore` reads a `.helmignore` as helm does (Go's filepath.Match globs, `/` anchoring
  at the chart's root, a trailing `/` for folders only, `!` negation as helm applies it,
  helm's own rule `templates/.?*`), and `packaged_files` walks a chart folder with it
  (following links, as helm does: a generated chart holds its helpers through one);
- `archive_files` reads the files a packaged chart (`.tgz`) holds;
- `local_repository` and `absolute_repositories` resolve `file://` dependency repositories
  against the chart's folder, as `helm dependency build` does.
"""

from __future__ import annotations

import copy
import os
import re
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pligos_tui.errors import PligosError, display_path
from pligos_tui.io.files import read_regular

IGNORE_FILE = ".helmignore"
HELM_DEFAULT_IGNORE = "templates/.?*"  # helm's rule for every chart: no hidden templates
FILE_REPO = "file://"


# --------------------------------------------------------------------------- .helmignore

@dataclass(frozen=True)
class _Rule:
    regex: re.Pattern[str] | None  # None: a pattern helm cannot read, which matches nothing
    negate: bool
    must_dir: bool
    base_only: bool  # no slash in the pattern: it is matched against the file's name alone

    def matches(self, rel: str) -> bool:
        name = rel.rsplit("/", 1)[-1] if self.base_only else rel
        return self.regex is not None and self.regex.fullmatch(name) is not None


class HelmIgnore:
    """The rules of a chart's `.helmignore` plus helm's own `templates/.?*`, applied as helm
    applies them. Helm's `!`: a file or folder a negated rule does not match is left out (so
    `!` never brings back what another rule leaves out)."""

    def __init__(self, text: str, shown: str = IGNORE_FILE) -> None:
        self.rules = [self._rule(HELM_DEFAULT_IGNORE)]
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if "**" in line:
                raise PligosError(f"{shown}: pattern {line!r} uses **, which helm does not "
                                  "support", hint="write the pattern without **")
            self.rules.append(self._rule(line))

    @classmethod
    def of(cls, chart: Path) -> HelmIgnore:
        """The rules of the chart folder `chart` (helm's own alone when it has no
        .helmignore)."""
        path = chart / IGNORE_FILE
        try:
            data = read_regular(path) if path.is_file() else b""
        except OSError as exc:
            raise PligosError(f"{display_path(path)} cannot be read: {exc.strerror or exc}",
                              hint="make it a readable file") from None
        return cls(data.decode("utf-8", "replace"), display_path(path))

    @staticmethod
    def _rule(line: str) -> _Rule:
        negate = line.startswith("!")
        pattern = line[1:] if negate else line
        must_dir = pattern.endswith("/") and len(pattern) > 1
        pattern = pattern.rstrip("/") if must_dir else pattern
        base_only = "/" not in pattern
        return _Rule(_glob(pattern.removeprefix("/")), negate, must_dir, base_only)

    def ignored(self, rel: str, is_dir: bool) -> bool:
        """Whether helm leaves out `rel` (a path from the chart's root, `/` between names);
        a folder left out is left out with everything in it."""
        for rule in self.rules:
            if rule.negate:
                if (rule.must_dir and not is_dir) or not rule.matches(rel):
                    return True
                continue
            if rule.must_dir and not is_dir:
                continue
            if rule.matches(rel):
                return True
        return False


def _glob(pattern: str) -> re.Pattern[str] | None:
    """A Go filepath.Match pattern as a regular expression: `*` and `?` stop at `/`, `[...]`
    (`[^...]` negated) is a class, `\\` escapes."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "\\":
            if i + 1 == len(pattern):
                return None
            i += 1
            out.append(re.escape(pattern[i]))
        elif c == "[":
            start = i + 1 + (pattern[i + 1:i + 2] == "^")
            end = pattern.find("]", start + 1)
            if end < 0:
                return None
            body = pattern[start:end]
            items = "".join(ch if ch == "-" else re.escape(ch) for ch in body)
            out.append(f"[{'^' if start > i + 1 else ''}{items}]")
            i = end
        else:
            out.append(re.escape(c))
        i += 1
    try:
        return re.compile("".join(out))
    except re.error:
        return None


def packaged_files(chart: Path, *, leave_out: Callable[[str, bool], bool] | None = None
                   ) -> list[str]:
    """The regular files `helm package` takes of the chart folder `chart`, as sorted paths
    from its root: its .helmignore applied while walking it, as helm does (a folder left out
    is not entered). `leave_out(rel, is_dir)` leaves out more."""
    ignore = HelmIgnore.of(chart)

    def out(rel: str, is_dir: bool) -> bool:
        return ignore.ignored(rel, is_dir) or (leave_out is not None and leave_out(rel, is_dir))

    found: list[str] = []
    # links are followed, as helm follows them (a generated chart's charts/pligos-library), but
    # never into a folder that holds the link (helm would loop)
    for dirpath, dirnames, filenames in os.walk(chart, followlinks=True):
        here = Path(dirpath)
        base = here.relative_to(chart).as_posix()
        prefix = "" if base == "." else base + "/"
        real = os.path.realpath(here)
        dirnames[:] = sorted(d for d in dirnames if not out(prefix + d, True)
                             and not _encloses(os.path.realpath(here / d), real))
        found += [prefix + name for name in filenames
                  if not out(prefix + name, False) and (here / name).is_file()]
    return sorted(found)


def _encloses(folder: str, inner: str) -> bool:
    """Whether the real folder `folder` is `inner` or holds it."""
    return inner == folder or inner.startswith(folder.rstrip(os.sep) + os.sep)


# --------------------------------------------------------------------------- packages

def archive_files(archive: Path) -> dict[str, bytes]:
    """The regular files of a packaged chart (a .tgz), by their names in it
    (`<chart>/<path>`). Raises OSError or tarfile.TarError for an unreadable archive."""
    files: dict[str, bytes] = {}
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            extracted = tar.extractfile(member) if member.isfile() else None
            if extracted is not None:
                files[member.name] = extracted.read()
    return files


# --------------------------------------------------------------------------- file://

def local_repository(repository: object, chart: Path) -> Path | None:
    """The absolute folder a dependency's `file://` repository names for the chart folder
    `chart`, as `helm dependency build` reads it (a relative path from the chart's folder,
    `..` taken by name as Go's filepath.Join does); None for any other repository."""
    if not isinstance(repository, str) or not repository.startswith(FILE_REPO):
        return None
    return Path(os.path.abspath(os.path.join(chart, repository.removeprefix(FILE_REPO))))


def absolute_repositories(meta: dict[str, Any], chart: Path) -> dict[str, Any]:
    """A copy of the Chart.yaml data `meta` of the chart folder `chart` whose `file://`
    dependency repositories name absolute folders, so that `helm dependency build` finds
    them from a copy of the chart anywhere."""
    resolved = copy.deepcopy(meta)
    for dep in resolved.get("dependencies") or []:
        target = local_repository(dep.get("repository"), chart) if isinstance(dep, dict) \
            else None
        if target is not None:
            dep["repository"] = FILE_REPO + target.as_posix()
    return resolved
