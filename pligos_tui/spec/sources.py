"""Flavor sources beyond folders: a git repository at a ref, and OCI artifacts.

A service lists them under `flavorSources:`. Each offers candidates: a flavor's name and
version, where it comes from, its identity (a git commit, an OCI digest) and how to fetch its
folder. `spec/flavors.py` picks among the candidates of every source; this module only knows
how to list and fetch them.

Everything fetched lands in the cache (`io.cachedir`, part `flavors`), by content: a git
commit's folder of flavors in `git/trees/<commit>/<path>/`, an OCI flavor in
`oci/<digest>/<name>/`. What is there is never fetched again, so a flavor locked to a commit or
a digest already in the cache needs no network. The bare clones that git fetches into are
`git/<digest of the URL>.git`; the user's own repositories and working trees are never
touched (a local repository is read like a remote one, at its commits).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from pligos_tui import helm
from pligos_tui.errors import FlavorSourceError, HelmError, did_you_mean
from pligos_tui.io.cachedir import cache_dir
from pligos_tui.io.files import locked as folder_locked
from pligos_tui.io.keypath import KeyPath
from pligos_tui.spec.vocabulary import FLAVOR_FILE

GIT, OCI = "git", "oci"
CACHE_PART = "flavors"  # cache_dir(CACHE_PART): where fetched flavors are kept


@dataclass(frozen=True)
class FlavorSource:
    """One entry of `flavorSources:`."""

    kind: str  # GIT or OCI
    url: str  # a git URL or path; an oci:// reference of one flavor
    ref: str = ""  # git: the ref to take (default HEAD)
    path: str = ""  # git: the folder of flavors inside the repository (default its root)
    at: KeyPath = ()  # where it is written in pligos.yaml
    plain_http: bool = False  # oci: the registry speaks plain HTTP (`plainHttp: true`)
    where: str = ""  # pligos.yaml:LINE, for messages

    @property
    def label(self) -> str:
        """The source as messages and pligos.lock name it (its candidates' `source`)."""
        if self.kind == OCI:
            return self.url
        return f"git {self.url}@{self.ref or 'HEAD'}" + (f":{self.path}" if self.path else "")


@dataclass(frozen=True)
class Candidate:
    """One version of one flavor that a source offers."""

    name: str
    version: str
    source: str  # as messages and pligos.lock name the source
    identity: str  # git commit or OCI digest ("" for folders and built-ins)
    fetch: Callable[[], Path]  # the flavor's folder (flavor.yaml inside), fetched on first call
    shown: str = ""  # how messages name that folder: repository@ref:path, oci://...:version


def candidates(source: FlavorSource, root: Path, *,
               locked: Mapping[str, str] | None = None) -> list[Candidate]:
    """The flavors `source` offers, for a service at `root`. `locked` maps a version to the
    identity pligos.lock pinned for it: a locked identity already in the cache needs no
    network.

    Without `locked` (or with an empty one): what the source offers now (git: every flavor
    folder at the commit the ref names now; OCI: every version tag of the flavor). With
    `locked`: only the locked identities (git: every flavor at each locked commit; OCI: each
    locked version at its digest), from the cache when they are there and fetched otherwise;
    one the repository no longer has is left out. A caller needing a version beyond the lock
    asks again without `locked`."""
    try:
        if source.kind == GIT:
            return _git_candidates(source, root, locked or {})
        if source.kind == OCI:
            return _oci_candidates(source, locked or {})
    except FlavorSourceError as exc:
        exc.at = exc.at or source.at
        raise
    raise ValueError(f"unknown flavor source kind {source.kind!r}")


# --------------------------------------------------------------------------- common

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_SCP = re.compile(r"[A-Za-z0-9._~-]+@[A-Za-z0-9.-]+:")  # git@github.com:team/flavors.git


def is_git_url(value: str) -> bool:
    """Whether a `git:` value is a URL (else it is a folder, relative to the service)."""
    return bool(_URL.match(value) or _SCP.match(value))


MEMO_SECONDS = 60.0  # a ref resolved or a registry listed is asked again after this long
_memo: dict[tuple[object, ...], tuple[float, Any]] = {}


def _remember(key: tuple[object, ...], make: Callable[[], Any]) -> Any:
    """What `make` gives, kept for MEMO_SECONDS (a tree of services sharing a source asks
    the network once)."""
    now = time.monotonic()
    key = (_flavors_cache(), *key)  # (what it gives are folders of this cache)
    hit = _memo.get(key)
    if hit is not None and now - hit[0] < MEMO_SECONDS:
        return hit[1]
    value = make()
    _memo[key] = (now, value)
    return value


def forget() -> None:
    """Forget the refs resolved and the versions listed, so that the next call asks the
    repositories again (what is in the cache stays)."""
    _memo.clear()


def _flavors_cache() -> Path:
    return cache_dir(CACHE_PART)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _head(folder: Path, default_name: str) -> tuple[str, str]:
    """The name and version a flavor folder's flavor.yaml gives (the folder's name and 0.0.0
    when it does not say); the file is read in full, and checked, when the flavor is used."""
    import yaml  # (only a service with remote sources lists them)

    try:
        data = yaml.safe_load((folder / FLAVOR_FILE).read_bytes()[:1 << 20])
    except (OSError, yaml.YAMLError, ValueError):
        data = None
    data = data if isinstance(data, dict) else {}
    name, version = data.get("name"), data.get("version")
    return (name if isinstance(name, str) and name else default_name,
            str(version) if isinstance(version, (str, int, float)) and version != ""
            and not isinstance(version, bool) else "0.0.0")


def _install(staged: Path, final: Path) -> Path:
    """Move a folder fetched into a staging place to where the cache keeps it (whoever moves
    first wins; the folder is the same by content)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(staged, final)
    except OSError:
        if not final.is_dir():
            raise
        shutil.rmtree(staged, ignore_errors=True)
    return final


# --------------------------------------------------------------------------- git

_SHA = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")
# where git looks for a short ref name, in order (gitrevisions(7))
_REF_RULES = ("{}", "refs/{}", "refs/tags/{}", "refs/heads/{}", "refs/remotes/{}",
              "refs/remotes/{}/HEAD")


def _git_target(source: FlavorSource, root: Path) -> str:
    """What git is given for the source: its URL, or its folder made absolute."""
    if is_git_url(source.url):
        return source.url
    return str((root / os.path.expanduser(source.url)).resolve())


def _git(args: list[str], source: FlavorSource, *, git_dir: Path | None = None,
         stdout: Any = subprocess.PIPE) -> subprocess.CompletedProcess[bytes]:
    git = shutil.which("git")
    if git is None:
        raise FlavorSourceError(f"the flavor source {source.label} ({source.where}) needs git, "
                                "which is not on PATH",
                                hint="install git (https://git-scm.com/downloads)")
    env = {k: v for k, v in os.environ.items()
           if k not in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY")}
    env.update(GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    full = [git, *(["--git-dir", str(git_dir)] if git_dir is not None else []), *args]
    timeout = helm.registry_timeout()
    try:
        return subprocess.run(full, stdin=subprocess.DEVNULL, stdout=stdout,
                              stderr=subprocess.PIPE, env=env, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise FlavorSourceError(f"git did not answer within {timeout:g} s for the flavor "
                                f"source {source.label} ({source.where})",
                                hint="check that the repository is reachable (or raise "
                                "$PLIGOS_REGISTRY_TIMEOUT)") from None
    except OSError as exc:
        raise FlavorSourceError(f"cannot run git: {exc.strerror}") from None


def _fatal(result: subprocess.CompletedProcess[bytes]) -> str:
    lines = [line.strip() for line in result.stderr.decode(errors="replace").splitlines()
             if line.strip()]
    fatal = [line.removeprefix("fatal: ") for line in lines if line.startswith("fatal:")]
    return (fatal or lines or ["git failed"])[0]


def _unreachable(source: FlavorSource, target: str,
                 result: subprocess.CompletedProcess[bytes]) -> FlavorSourceError:
    message = _fatal(result)
    if not is_git_url(source.url):
        hint = (f"{source.url} is {target}: make it a git repository, or correct git: "
                "(a folder is relative to the service's folder)")
    else:
        hint = f"check the URL and that git can reach it: git ls-remote {source.url}"
    return FlavorSourceError(f"cannot read the git repository of the flavor source "
                             f"{source.label} ({source.where}): {message}", hint=hint)


def _resolve(source: FlavorSource, target: str) -> tuple[str, str]:
    """The object the source's ref names now and that ref's full name (the commit and ""
    for a commit id)."""
    ref = source.ref or "HEAD"
    if _SHA.fullmatch(ref):
        return ref, ""
    result = _git(["ls-remote", "--", target, ref, f"{ref}^{{}}"], source)
    if result.returncode != 0:
        raise _unreachable(source, target, result)
    found: dict[str, str] = {}
    for line in result.stdout.decode(errors="replace").splitlines():
        sha, _, name = line.partition("\t")
        found[name.strip()] = sha.strip()
    for rule in _REF_RULES:
        name = rule.format(ref)
        if name in found:
            return found.get(name + "^{}", found[name]), name
    raise _unknown_ref(source, target, ref)


def _unknown_ref(source: FlavorSource, target: str, ref: str) -> FlavorSourceError:
    listed = _git(["ls-remote", "--heads", "--tags", "--", target], source)
    names = sorted({line.partition("\t")[2].removeprefix("refs/heads/")
                    .removeprefix("refs/tags/").removesuffix("^{}")
                    for line in listed.stdout.decode(errors="replace").splitlines()})
    hint = did_you_mean(ref, names, loose=True) or (
        f"its branches and tags: {', '.join(names[:12])}" + (" …" if len(names) > 12 else "")
        if names else "the repository has no branches or tags yet")
    return FlavorSourceError(f"the git repository of the flavor source {source.label} "
                             f"({source.where}) has no ref {ref!r}", hint=hint)


def _tree_dir(commit: str, path: str) -> Path:
    """Where a commit's folder `path` is kept once extracted."""
    key = "_" + path.replace("%", "%25").replace("/", "%2F") if path else "_"
    return _flavors_cache() / "git" / "trees" / commit / key


def _clone(target: str) -> Path:
    return _flavors_cache() / "git" / f"{_digest(target)}.git"


def _has(clone: Path, sha: str, source: FlavorSource) -> str | None:
    """The commit `sha` (a commit or a tag) stands for in the clone, None when it lacks it."""
    if not (clone / "HEAD").is_file():
        return None
    result = _git(["rev-parse", "--verify", "--quiet", f"{sha}^{{commit}}"], source,
                  git_dir=clone)
    return result.stdout.decode().strip() if result.returncode == 0 else None


def _fetch(source: FlavorSource, target: str, clone: Path, sha: str, name: str) -> str | None:
    """Fetch `name` (a ref's full name; "": the object `sha` itself) into the clone; the
    commit fetched, None when the repository has no object `sha`."""
    clone.parent.mkdir(parents=True, exist_ok=True)
    if not (clone / "HEAD").is_file():
        staged = Path(tempfile.mkdtemp(prefix=".clone-", dir=clone.parent))
        init = _git(["init", "--bare", "--quiet", str(staged)], source)
        if init.returncode != 0:
            raise FlavorSourceError(f"cannot make a git cache at {clone}: {_fatal(init)}")
        _install(staged, clone)
    with folder_locked(clone):
        have = _has(clone, sha, source)
        if have is not None:
            return have
        # kept under refs/pligos/ so that git never drops what a lock may still name
        result = _git(["fetch", "--quiet", "--no-tags", "--", target,
                       f"+{name or sha}:refs/pligos/{sha}"], source, git_dir=clone)
        if result.returncode != 0:
            if name:
                raise _unreachable(source, target, result)
            probe = _git(["ls-remote", "--", target, "HEAD"], source)
            if probe.returncode != 0:
                raise _unreachable(source, target, probe)
            return None  # (reachable, but without that commit)
        return _has(clone, f"refs/pligos/{sha}", source)


def _extract(source: FlavorSource, clone: Path, commit: str) -> Path:
    """The commit's folder `source.path`, extracted into the cache once."""
    final = _tree_dir(commit, source.path)
    if final.is_dir():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=".tree-", dir=final.parent))
    try:
        with tempfile.TemporaryFile() as tar:
            tree = f"{commit}:{source.path}" if source.path else commit
            result = _git(["archive", "--format=tar", tree], source, git_dir=clone,
                          stdout=tar)
            if result.returncode != 0:
                raise FlavorSourceError(
                    f"the flavor source {source.label} ({source.where}) has no folder "
                    f"{source.path!r} at commit {commit[:12]}",
                    hint="correct path: (the folder of flavors, from the repository's top)")
            tar.seek(0)
            try:
                with tarfile.open(fileobj=tar) as archive:
                    archive.extractall(staged, filter="data")
            except tarfile.TarError as exc:  # (a link out of the folder, above all)
                raise FlavorSourceError(
                    f"the flavor source {source.label} ({source.where}) cannot be taken "
                    f"safely from commit {commit[:12]}: {exc}",
                    hint="replace a symbolic link that leaves the folder by the file, or "
                    "point path: at a folder holding what its links reach") from None
        return _install(staged, final)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise


_trees: dict[tuple[Path, str], list[Candidate]] = {}  # (an extracted tree never changes)


def _tree_candidates(source: FlavorSource, tree: Path, commit: str) -> list[Candidate]:
    """One candidate per flavor folder of an extracted tree (the tree itself when it is one
    flavor)."""
    key = (tree, source.label)
    if key not in _trees:
        _trees[key] = _read_tree(source, tree, commit)
    return _trees[key]


def _read_tree(source: FlavorSource, tree: Path, commit: str) -> list[Candidate]:
    if (tree / FLAVOR_FILE).is_file():
        default = PurePosixPath(source.path).name or _repo_name(source.url)
        folders = [(tree, default)]
    else:
        folders = [(child, child.name) for child in sorted(tree.iterdir())
                   if (child / FLAVOR_FILE).is_file()]
    out = []
    for folder, default in folders:
        name, version = _head(folder, default)
        inside = "/".join(p for p in (source.path, folder.relative_to(tree).as_posix())
                          if p and p != ".")
        out.append(Candidate(name, version, source.label, commit, _keep(folder),
                             f"{source.url}@{source.ref or 'HEAD'}:{inside}"))
    return out


def _keep(folder: Path) -> Callable[[], Path]:
    return lambda: folder


def _repo_name(url: str) -> str:
    tail = re.split(r"[/:]", url.rstrip("/"))[-1]
    return tail.removesuffix(".git") or "flavor"


def _git_candidates(source: FlavorSource, root: Path,
                    locked: Mapping[str, str]) -> list[Candidate]:
    target = _git_target(source, root)
    clone = _clone(target)
    if locked:
        out: list[Candidate] = []
        for commit in dict.fromkeys(v.lower() for v in locked.values()):
            if not _SHA.fullmatch(commit):
                continue
            tree = _tree_dir(commit, source.path)
            if not tree.is_dir():
                have = _has(clone, commit, source) or _fetch(source, target, clone, commit, "")
                if have is None:
                    continue  # (the repository no longer has it)
                tree = _extract(source, clone, have)
            out += _tree_candidates(source, tree, commit)
        return out

    def listing() -> list[Candidate]:
        sha, name = _resolve(source, target)
        tree = _tree_dir(sha, source.path)
        commit = sha
        if not tree.is_dir():
            have = _has(clone, sha, source) or _fetch(source, target, clone, sha, name)
            if have is None:
                raise _unknown_ref(source, target, source.ref or "HEAD")
            commit = have
            tree = _extract(source, clone, commit)
        found = _tree_candidates(source, tree, commit)
        if not found:
            raise FlavorSourceError(
                f"the flavor source {source.label} ({source.where}) holds no flavor at "
                f"commit {commit[:12]}",
                hint="a flavor is a folder holding flavor.yaml; point path: at the folder "
                "of such folders")
        return found

    result: list[Candidate] = _remember((GIT, target, source.label), listing)
    return result


# --------------------------------------------------------------------------- OCI

_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


def _oci_dir(digest: str) -> Path:
    if not _DIGEST.fullmatch(digest):  # (it becomes a folder's name)
        raise FlavorSourceError(f"{digest[:80]!r} is not an OCI digest (sha256:...)")
    return _flavors_cache() / "oci" / digest.replace(":", "-")


def _oci_cached(digest: str) -> Path | None:
    folder = _oci_dir(digest)
    found = [p for p in folder.iterdir() if p.is_dir()] if folder.is_dir() else []
    return found[0] if len(found) == 1 else None


def _pull(source: FlavorSource, ref: str, version: str) -> tuple[str, str, Path] | None:
    """`helm pull` of `ref` at `version` into the cache: (tag, digest, folder), or None when
    the registry has no such version or digest."""
    base = _flavors_cache() / "oci"
    base.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=".pull-", dir=base))
    try:
        try:
            pulled = helm.pull(ref, version, staged, plain_http=source.plain_http)
        except HelmError as exc:
            hint = exc.hint if "--plain-http" not in exc.hint else (
                "the registry speaks plain HTTP: write plainHttp: true in this flavorSources "
                "entry")
            raise FlavorSourceError(f"{exc.message} (the flavor source of {source.where})",
                                    hint=hint) from None
        if pulled is None:
            return None
        cached = _oci_cached(pulled.digest)
        if cached is None:
            package = pulled.folder.parent
            for stray in package.iterdir():  # (what a pull by digest leaves beside it)
                if stray.is_dir() and stray != pulled.folder:
                    shutil.rmtree(stray)
                elif not stray.is_dir():
                    stray.unlink()
            _install(package, _oci_dir(pulled.digest))
            cached = _oci_cached(pulled.digest)
            assert cached is not None
        return pulled.tag.replace("_", "+"), pulled.digest, cached
    finally:
        shutil.rmtree(staged, ignore_errors=True)


MAX_VERSIONS = 500  # the versions of one OCI flavor listed at most


def _oci_versions(source: FlavorSource) -> list[tuple[str, str, Path]]:
    """Every version of an OCI flavor, newest first: helm resolves the newest version left
    (`--version '>=0.0.0-0, !=V1, ...'`), with the registry login helm has; each version
    pulled into the cache on the way."""
    def listing() -> list[tuple[str, str, Path]]:
        out: list[tuple[str, str, Path]] = []
        constraint = ">=0.0.0-0"
        for _ in range(MAX_VERSIONS):
            got = _pull(source, source.url, constraint)
            if got is None or any(got[0] == v for v, _, _ in out):
                return out
            out.append(got)
            constraint += f", !={got[0]}"
        return out

    result: list[tuple[str, str, Path]] = _remember((OCI, source.url, source.plain_http),
                                                    listing)
    return result


def _oci_candidates(source: FlavorSource, locked: Mapping[str, str]) -> list[Candidate]:
    name = source.url.rsplit("/", 1)[1]
    if locked:
        out = []
        for version, digest in locked.items():
            if not _DIGEST.fullmatch(digest):
                continue  # (not a digest this source gave)
            folder = _oci_cached(digest)
            if folder is None:
                got = _pull(source, f"{source.url}@{digest}", "")
                if got is None or got[1] != digest:
                    continue  # (the registry no longer has it)
                folder = got[2]
            out.append(Candidate(name, version, source.label, digest,
                                 _checked(source, name, version, folder),
                                 f"{source.url}:{version}"))
        return out
    found = _oci_versions(source)
    if not found:
        raise FlavorSourceError(
            f"the flavor source {source.label} ({source.where}) has no version: the registry "
            "has no such repository, or no tag of it is a SemVer version",
            hint=f"push the flavor: helm package FLAVOR_FOLDER, then helm push "
                 f"{name}-VERSION.tgz {source.url.rsplit('/', 1)[0]}"
                 + (" --plain-http" if source.plain_http else ""))
    return [Candidate(name, version, source.label, digest,
                      _checked(source, name, version, folder), f"{source.url}:{version}")
            for version, digest, folder in found]


def _checked(source: FlavorSource, name: str, version: str,
             folder: Path) -> Callable[[], Path]:
    """The fetch of an OCI flavor: its folder, once it is known to hold that flavor."""
    def fetch() -> Path:
        shown = f"{source.url}:{version}"
        if not (folder / FLAVOR_FILE).is_file():
            raise FlavorSourceError(
                f"{shown} ({source.where}) is a chart without {FLAVOR_FILE}, not a flavor",
                hint=f"package the flavor's folder itself, {FLAVOR_FILE} inside (helm package "
                     "FLAVOR_FOLDER), and push that", at=source.at)
        written_name, written_version = _head(folder, name)
        if written_name != name:
            raise FlavorSourceError(
                f"{shown} ({source.where}) holds flavor {written_name!r}, but a flavor from "
                f"OCI is named after its repository: {name!r}",
                hint=f"push it to a repository named {written_name} (its Chart.yaml's name), "
                     f"or drop name: from its {FLAVOR_FILE}", at=source.at)
        if written_version not in (version, "0.0.0"):
            raise FlavorSourceError(
                f"{shown} ({source.where}) holds a {FLAVOR_FILE} of version "
                f"{written_version}, not {version}",
                hint=f"give Chart.yaml and {FLAVOR_FILE} the same version, then package and "
                     "push it again", at=source.at)
        return folder
    return fetch
