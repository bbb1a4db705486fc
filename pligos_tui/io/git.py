"""Reading a git repository: where it starts, what changed since a ref, a ref's files.

Only reads: nothing here changes a repository, its index or its working tree. A ref's files
are taken with `git archive` into a folder of the caller's; a folder outside any repository is
told by `toplevel` returning None.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from collections.abc import Sequence
from pathlib import Path

from pligos_tui.errors import UsageError


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-C", str(cwd), *args], capture_output=True,
                              check=False, timeout=300)
    except FileNotFoundError:
        raise UsageError("git is not installed",
                         hint="install git, or compare with the charts on disk") from None


def toplevel(path: Path) -> Path | None:
    """The top folder of the git work tree holding `path`, or None."""
    folder = path if path.is_dir() else path.parent
    result = _git(folder, "rev-parse", "--show-toplevel")
    if result.returncode != 0:
        return None
    return Path(result.stdout.decode().strip())


def resolve(top: Path, ref: str) -> str:
    """The commit `ref` names; a usage error when it names none."""
    result = _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if result.returncode != 0:
        raise UsageError(f"{ref!r} is not a commit of the repository at {top}",
                         hint="give a branch, tag or commit (e.g. --against origin/main); a "
                         "repository without commits has nothing to compare with")
    return result.stdout.decode().strip()


def changed_paths(top: Path, commit: str) -> set[str]:
    """Paths (from `top`, posix) whose content differs between `commit` and the work tree,
    untracked files included and ignored ones not."""
    diff = _git(top, "diff", "--name-only", "--no-renames", "-z", commit, "--")
    untracked = _git(top, "ls-files", "--others", "--exclude-standard", "-z")
    for result in (diff, untracked):
        if result.returncode != 0:
            raise UsageError(f"git cannot compare the work tree with {commit[:12]}: "
                             + result.stderr.decode(errors="replace").strip())
    names = diff.stdout.split(b"\0") + untracked.stdout.split(b"\0")
    return {n.decode(errors="surrogateescape") for n in names if n}


def ls_tree(top: Path, commit: str) -> dict[str, str]:
    """Every file of `commit` (path from `top`, posix) with what it is there, `<mode>:<id>`:
    two commits hold the same content at a path exactly when these are equal (a symbolic
    link's id is that of the path it names, not of what it points to)."""
    result = _git(top, "ls-tree", "-r", "-z", "--full-tree", commit)
    if result.returncode != 0:
        raise UsageError(f"git cannot list {commit[:12]}: "
                         + result.stderr.decode(errors="replace").strip())
    out: dict[str, str] = {}
    for line in result.stdout.split(b"\0"):
        head, tab, name = line.partition(b"\t")
        if not tab:
            continue
        mode, _, rest = head.partition(b" ")
        obj = rest.partition(b" ")[2]
        out[name.decode(errors="surrogateescape")] = f"{mode.decode()}:{obj.decode()}"
    return out


def extract(top: Path, commit: str, dest: Path, *, exclude: Sequence[str] = ()) -> None:
    """The files of `commit` written below `dest` (symbolic links kept when they stay inside
    `dest`), without the folders `exclude` (posix, from `top`)."""
    spec = ["--", "."] + [f":(exclude){e}" for e in exclude]
    result = _git(top, "archive", "--format=tar", commit, *spec)
    if result.returncode != 0:
        raise UsageError(f"git cannot read {commit[:12]}: "
                         + result.stderr.decode(errors="replace").strip())
    with tarfile.open(fileobj=io.BytesIO(result.stdout)) as tar:
        tar.extractall(dest, filter=_inside)


def _inside(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo | None:
    """tarfile's `data` filter, skipping (not failing on) a member it refuses: a link that
    points out of the repository is not followed into the copy."""
    try:
        return tarfile.data_filter(member, dest)
    except tarfile.FilterError:
        return None
