"""The flavors' shared helpers, once per charts root: a library chart every chart links to.

A charts root (a service's `charts/`, or `generate --out DIR`) holds the charts of its
contexts at `<context>/<service>/` and, once, the helpers they all build on:

    <root>/_pligos/                       the library chart `pligos-library` (Pligos's marker,
        Chart.yaml, .helmignore,          written and checked like a chart; `_` keeps it apart
        templates/_pligos.tpl             from the contexts, which are DNS labels)
    <root>/<context>/<service>/
        Chart.yaml                        dependencies: pligos-library, file://../../_pligos
        charts/pligos-library -> ../../../_pligos      (a relative symbolic link)

Helm finds the subchart through the link, so a fresh clone renders with plain `helm
template`; `helm package` follows the link, so a package carries the library's files; a
checkout that drops links (Flux's GitRepository artifact) still finds it by the `file://`
repository, as `helm dependency build` does.

In memory a chart holds the library's files below `charts/pligos-library/` (`linked_files`),
which is what helm sees: its content hash covers them, so a chart is stale when the helpers
change, and a chart written to a temporary folder renders alone. Only the chart writer makes
the link instead of writing them; `chart_stat` sees through it.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from pligos_tui.spec.discover import stat_digest
from pligos_tui.spec.vocabulary import CONTRACT_VERSION, LIBRARY_CHART

HELPERS_DIR = Path(__file__).resolve().parent.parent / "flavors" / "library"
LIBRARY_NAME = LIBRARY_CHART  # not `pligos`: that is a key of the values contract
LIBRARY_FOLDER = "_pligos"  # in a charts root
LINK = f"charts/{LIBRARY_NAME}"  # in each chart
LINK_TARGET = f"../../../{LIBRARY_FOLDER}"  # from the chart's charts/ folder
REPOSITORY = f"file://../../{LIBRARY_FOLDER}"  # from the chart's folder
LIBRARY_META = {"library": LIBRARY_NAME}  # what the library's marker says it is
# helm leaves Pligos's own files out of a package of the library (its marker)
LIBRARY_HELMIGNORE = b".pligos*\n.git/\n*.swp\n*.bak\n*.tmp\n*~\n"


def _helpers() -> dict[str, bytes]:
    return {f"templates/{f.name}": f.read_bytes() for f in sorted(HELPERS_DIR.glob("*.tpl"))}


@lru_cache(maxsize=1)
def library_version() -> str:
    """The library chart's version: the contract's major version and a number taken from
    the helpers' content, so that other helpers never share a version."""
    h = hashlib.sha256(LIBRARY_HELMIGNORE)
    for rel, data in _helpers().items():
        h.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
    return f"{CONTRACT_VERSION}.{int(h.hexdigest()[:7], 16)}.0"


@lru_cache(maxsize=1)
def _files() -> tuple[tuple[str, bytes], ...]:
    chart = (f"apiVersion: v2\nname: {LIBRARY_NAME}\ndescription: Templates the charts Pligos "
             f"generates share (see docs/values-contract.md)\ntype: library\n"
             f"version: \"{library_version()}\"\n")
    files = {"Chart.yaml": chart.encode(), ".helmignore": LIBRARY_HELMIGNORE, **_helpers()}
    return tuple(sorted(files.items()))


def library_files() -> dict[str, bytes]:
    """The files of the library chart, by their paths in its folder."""
    return dict(_files())


def linked_files() -> dict[str, bytes]:
    """The library's files as a chart holds them (below its `charts/pligos-library/`)."""
    return {f"{LINK}/{rel}": data for rel, data in _files()}


def dependency() -> dict[str, str]:
    """The entry of the library in a chart's Chart.yaml `dependencies`."""
    return {"name": LIBRARY_NAME, "version": library_version(), "repository": REPOSITORY}


def is_library_dependency(dep: object) -> bool:
    """Whether a Chart.yaml `dependencies` entry is the helpers' library."""
    return isinstance(dep, dict) and dep.get("name") == LIBRARY_NAME \
        and dep.get("repository") == REPOSITORY and not dep.get("alias")


def fetched_dependencies(deps: list[Any]) -> list[Any]:
    """The entries of a Chart.yaml `dependencies` that `helm dependency build` fetches: all
    but the library, which the chart holds through its link (a build would pack a second
    copy of it into charts/)."""
    return [d for d in deps if not is_library_dependency(d)]


def is_linked(rel: str) -> bool:
    """Whether a path of a chart is below its link to the library."""
    return rel.startswith(LINK + "/")


def planned_library(files: dict[str, bytes]) -> dict[str, bytes]:
    """The library files a chart's files hold, by their paths in the library ({} when the
    chart does not use it)."""
    return {rel[len(LINK) + 1:]: data for rel, data in files.items() if is_linked(rel)}


def library_of(chart: Path) -> Path:
    """The library folder of the chart folder `chart` (`<root>/<context>/<service>`)."""
    return chart.parent.parent / LIBRARY_FOLDER


def link_ok(chart: Path) -> bool:
    """Whether the chart's charts/pligos-library is the link Pligos writes."""
    try:
        return os.readlink(chart / LINK) == LINK_TARGET
    except OSError:
        return False


def make_link(chart: Path) -> None:
    """The chart's link to its root's library (the chart's charts/ folder made if needed)."""
    (chart / "charts").mkdir(exist_ok=True)
    os.symlink(LINK_TARGET, chart / LINK)


def chart_stat(dest: Path) -> str:
    """A cheap fingerprint of a written chart and, through its link, of the library it uses
    (`discover.stat_digest` of each): an edit of either by hand changes it. Machine-local."""
    own = stat_digest(dest)
    link = dest / LINK
    if not link.is_symlink():
        return own
    try:
        target = os.readlink(link)
    except OSError:
        target = "?"
    return hashlib.sha256(f"{own}\0{target}\0{stat_digest(link)}".encode()).hexdigest()
