"""Shared fixtures (real helm binaries, copies of the examples) and the suite's secret scan."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from support import EXAMPLES, HELM_CACHE, SCAN_DIR_ENV, checkov_path, helm_path

ALLOWED = "secrets"  # secret data may sit only in folders of this name (0600 in charts)
NOT_PLIGOS = "bao-home"  # folders the test servers themselves write into
INPUTS = (".vault-token", "make-demo-secrets.py")  # where tests keep secrets for Pligos to read


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the controlling process makes the shared folder
        import tempfile

        os.environ[SCAN_DIR_ENV] = tempfile.mkdtemp(prefix="pligos-secret-scan-")
        # Pligos's machine-local cache of this run, never the user's ~/.cache/pligos
        os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="pligos-test-cache-")


def _scan(session: pytest.Session) -> list[str]:
    folder = Path(os.environ[SCAN_DIR_ENV])
    secrets = {line for f in folder.glob("secrets-*.txt")
               for line in f.read_text(encoding="utf-8").splitlines() if len(line) >= 8}
    if not secrets:
        return []
    needles = [s.encode() for s in secrets]
    leaks: list[str] = []
    for log in folder.glob("output-*.log"):
        data = log.read_bytes()
        leaks += [f"printed: {n.decode()[:6]}..." for n in needles if n in data]
    base = session.config._tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]
    for path in base.rglob("*"):
        if not path.is_file() or path.is_symlink() or path.name in INPUTS or any(
                p.startswith(NOT_PLIGOS) for p in path.parts):
            continue
        rel = path.relative_to(base)
        if ALLOWED in rel.parts:
            if "charts" in rel.parts or ".pligos" in rel.parts:
                mode = path.stat().st_mode & 0o777
                if mode != 0o600:
                    leaks.append(f"{rel}: secret file with mode {mode:o}")
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue
        leaks += [f"{rel}: holds {n.decode()[:6]}..." for n in needles if n in data]
    return leaks


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when a registered secret shows up where secret data does not belong."""
    if hasattr(session.config, "workerinput") or SCAN_DIR_ENV not in os.environ:
        return
    folder = Path(os.environ[SCAN_DIR_ENV])
    leaks = _scan(session)
    count = len({line for f in folder.glob("secrets-*.txt") for line in f.read_text().splitlines()})
    session.config.stash[_SCAN] = (count, leaks)
    shutil.rmtree(folder, ignore_errors=True)
    if leaks:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_SCAN = pytest.StashKey[tuple[int, list[str]]]()


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    count, leaks = config.stash.get(_SCAN, (0, []))
    if leaks:
        terminalreporter.write_line(f"secret scan FAILED: {len(leaks)} leak(s) of {count} "
                                    "registered secret values:", red=True)
        for leak in leaks[:20]:
            terminalreporter.write_line(f"  {leak}")
    elif count:
        terminalreporter.write_line(f"secret scan: {count} secret values and tokens found "
                                    "nowhere outside the 0600 secret files")


@pytest.fixture(scope="session")
def helm_bin() -> str:
    path = helm_path()
    if path is None:
        pytest.fail("no helm binary: run ./scripts/test, which fetches one into .cache/helm/")
    os.environ["PLIGOS_HELM"] = path
    return path


HELM4_VERSION = "4.1.4"  # what scripts/fetch_helm.py --version 4 fetches


def helm4_path() -> str | None:
    """helm 4: $PLIGOS_HELM4 (which ./scripts/test sets), else the one fetched into .cache/."""
    configured = os.environ.get("PLIGOS_HELM4")
    if configured:
        return shutil.which(configured)
    cached = HELM_CACHE / HELM4_VERSION / "helm"
    return str(cached) if os.access(cached, os.X_OK) else None


@pytest.fixture(scope="session")
def helm4_bin() -> str:
    """A helm 4 binary; the test is skipped, saying why, when there is none. Unlike helm_bin it
    does not set PLIGOS_HELM: pass it to what runs Pligos."""
    path = helm4_path()
    if path is None:
        if os.environ.get("PLIGOS_HELM4"):
            pytest.fail(f"PLIGOS_HELM4={os.environ['PLIGOS_HELM4']} is not an executable")
        pytest.skip(f"no helm 4: PLIGOS_HELM4 is unset and .cache/helm/{HELM4_VERSION}/helm "
                    "is absent (python scripts/fetch_helm.py --version 4 fetches it; "
                    "./scripts/test does)")
    return path


@pytest.fixture(params=["3", "4"], ids=["helm3", "helm4"])
def each_helm(request: pytest.FixtureRequest, helm_bin: str) -> str:
    """Each helm Pligos supports, in turn: helm 3 (helm_bin), then helm 4 (helm4_bin, skipped
    when absent). Pass it to Pligos as PLIGOS_HELM."""
    return helm_bin if request.param == "3" else request.getfixturevalue("helm4_bin")


@pytest.fixture(scope="session")
def checkov_bin() -> str:
    """checkov, for support.checkov_failures; the test is skipped, saying why, only when it was
    never fetched (./scripts/test always fetches it and sets PLIGOS_CHECKOV)."""
    path = checkov_path()
    if path is None:
        if os.environ.get("PLIGOS_CHECKOV"):
            pytest.fail(f"PLIGOS_CHECKOV={os.environ['PLIGOS_CHECKOV']} is not an executable")
        pytest.skip("no checkov: PLIGOS_CHECKOV is unset and none is in .cache/checkov/ "
                    "(python scripts/fetch_scanners.py checkov fetches it; ./scripts/test does)")
    return path


@pytest.fixture
def example(tmp_path: Path):
    """A copy of an example service in a temporary folder (so tests never write examples/)."""

    def copy(name: str) -> Path:
        dest = tmp_path / name
        shutil.copytree(EXAMPLES / name, dest, ignore=shutil.ignore_patterns("charts"))
        return dest

    return copy
