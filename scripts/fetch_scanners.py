"""Fetch the scanners the test suite checks generated charts with into .cache/ (git-ignored).

- checkov, the policy scanner (PyPI `checkov`), in its own virtual environment
  .cache/checkov/<version>/, since its pinned dependencies would clash with the project's.
  Every package of that environment, checkov's version included, is pinned by
  scripts/scanners/checkov-requirements.txt and installed as a wheel with --no-deps, by uv
  (PyPI `uv`, pinned, fetched into .cache/uv/) or, when uv cannot be had, by pip.
- The schemas of the custom resources Pligos renders (Gateway API, External Secrets,
  cert-manager, Argo CD, Flux): the npm packages of kubernetes-models, whose validators are
  generated from each project's API types, installed with `npm ci` from
  scripts/scanners/package-lock.json into .cache/crd-models/<digest of the lock>/.

Both are fetched from the package registries once and then used offline. Idempotent: a finished
fetch is marked complete and reused; an unfinished one is removed and redone.

    python scripts/fetch_scanners.py checkov   # prints the path of the checkov program
    python scripts/fetch_scanners.py schemas   # prints the folder of the schema packages
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import venv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache"
PINS = Path(__file__).resolve().parent / "scanners"

CHECKOV_REQUIREMENTS = PINS / "checkov-requirements.txt"
UV_VERSION = "0.13.9"  # installs the checkov venv; pip does when uv cannot be had
MODELS_FILES = ("package.json", "package-lock.json")
COMPLETE = ".complete"  # written last: the folder is whole


class FetchError(Exception):
    pass


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One fetch per folder at a time (two test runs may start together)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f".{folder.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _run(cmd: list[str], what: str, cwd: Path | None = None) -> None:
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=900,
                                check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise FetchError(f"{what} failed: {exc}") from None
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-15:])
        raise FetchError(f"{what} failed (exit {result.returncode}):\n{tail}")


def checkov_version() -> str:
    """The version of checkov that checkov-requirements.txt pins."""
    for line in CHECKOV_REQUIREMENTS.read_text().splitlines():
        if line.startswith("checkov=="):
            return line.split("==", 1)[1].strip()
    raise FetchError(f"{CHECKOV_REQUIREMENTS} pins no checkov==VERSION")


def fetch_checkov() -> Path:
    version = checkov_version()
    folder = CACHE / "checkov" / version
    program = folder / "bin" / "checkov"
    if (folder / COMPLETE).is_file():
        return program
    with _locked(folder):
        if (folder / COMPLETE).is_file():
            return program
        # A virtual environment cannot be moved once made: build it in place, mark it last.
        shutil.rmtree(folder, ignore_errors=True)
        try:
            venv.create(folder, with_pip=False, clear=True, symlinks=True)
        except OSError as exc:
            raise FetchError(f"cannot make a virtual environment for checkov in {folder}: "
                             f"{exc}\n  hint: Debian needs the python3-venv package") from None
        python = str(folder / "bin" / "python")
        what = f"installing checkov=={version} from {CHECKOV_REQUIREMENTS.name}"
        uv = _uv()
        try:
            if uv is None:
                raise FetchError("no uv")
            _run([str(uv), "pip", "install", "-q", "--python", python, "--no-deps",
                  "--only-binary", ":all:", "-r", str(CHECKOV_REQUIREMENTS)], what)
        except FetchError:  # pip does the same, with four times the CPU time
            _run([sys.executable, "-m", "pip", "--python", python, "install", "-q",
                  "--disable-pip-version-check", "--no-input", "--no-deps", "--no-compile",
                  "--only-binary=:all:", "-r", str(CHECKOV_REQUIREMENTS)], what)
        _warm_up(program, version)
        (folder / COMPLETE).write_text(version + "\n")
    return program


def _uv() -> Path | None:
    """uv (PyPI), a fast installer, in .cache/uv/<version>/; None when it cannot be had."""
    folder = CACHE / "uv" / UV_VERSION
    program = folder / "bin" / "uv"
    with _locked(folder):
        if not (folder / COMPLETE).is_file():
            shutil.rmtree(folder, ignore_errors=True)
            try:
                _run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                      "--no-input", "--no-deps", "--only-binary=:all:", "--target", str(folder),
                      f"uv=={UV_VERSION}"], f"pip install uv=={UV_VERSION}")
            except FetchError:
                return None
            (folder / COMPLETE).write_text(UV_VERSION + "\n")
    return program


WARM_UP = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: warm-up, namespace: test}
data: {a: b}
"""


def _warm_up(program: Path, version: str) -> None:
    """One scan, which checks the install and compiles the modules a scan imports (the
    tests may run with PYTHONDONTWRITEBYTECODE; from source a scan takes twice as long)."""
    manifest = program.parent.parent / "warm-up.yaml"
    manifest.write_text(WARM_UP)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    try:
        result = subprocess.run([str(program), "-f", str(manifest), "--framework", "kubernetes",
                                 "--output", "json", "--quiet", "--skip-download"],
                                capture_output=True, text=True, timeout=300, env=env,
                                check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise FetchError(f"cannot run {program}: {exc}") from None
    try:
        said = json.loads(result.stdout)["summary"]["checkov_version"]
    except (ValueError, KeyError, TypeError):
        said = None
    if said != version:
        raise FetchError(f"{program} scanned no manifest as checkov {version}:\n"
                         f"{(result.stdout + result.stderr).strip()[-2000:]}")


def models_digest() -> str:
    """The cache folder's name: a digest of the pinned package list, so a change of pins
    fetches anew and never reuses an older install."""
    digest = hashlib.sha256()
    for name in MODELS_FILES:
        digest.update((PINS / name).read_bytes())
    return digest.hexdigest()[:16]


def fetch_schemas() -> Path:
    folder = CACHE / "crd-models" / models_digest()
    if (folder / COMPLETE).is_file():
        return folder
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise FetchError(
            "node and npm are needed for the schemas of custom resources (they ship in npm "
            "packages, and their validators run in node)\n"
            "  hint: install Node.js and npm (apt-get install npm)")
    with _locked(folder):
        if (folder / COMPLETE).is_file():
            return folder
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for name in MODELS_FILES:
            shutil.copyfile(PINS / name, folder / name)
        _run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
             "npm ci of scripts/scanners/package-lock.json", cwd=folder)
        if not (folder / "node_modules" / "@kubernetes-models" / "base").is_dir():
            raise FetchError(f"npm ci left no @kubernetes-models/base in {folder}")
        (folder / COMPLETE).write_text(models_digest() + "\n")
    return folder


FETCHERS = {"checkov": fetch_checkov, "schemas": fetch_schemas}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=sorted(FETCHERS),
                        help="checkov: fetch checkov and print its path; schemas: fetch the "
                        "custom resources' schemas and print their folder")
    args = parser.parse_args(argv)
    try:
        print(FETCHERS[args.what]())
    except FetchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
