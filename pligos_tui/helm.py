"""Finding and calling the helm binary.

Pligos writes charts without helm; rendering (`preview`, `diff`) and linting (`check`) need
it. The binary is `$PLIGOS_HELM` when set, else `helm` on PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pligos_tui.errors import HelmError, HelmNotFound


def find_helm() -> str | None:
    configured = os.environ.get("PLIGOS_HELM")
    if configured:
        path = shutil.which(configured)
        return path
    return shutil.which("helm")


def require_helm(what: str) -> str:
    helm = find_helm()
    if helm is None:
        if os.environ.get("PLIGOS_HELM"):
            raise HelmNotFound(what + f" (PLIGOS_HELM={os.environ['PLIGOS_HELM']} is not an "
                               "executable)")
        raise HelmNotFound(what)
    return helm


def _run(args: list[str], what: str) -> subprocess.CompletedProcess[str]:
    helm = require_helm(what)
    env = dict(os.environ)
    env.setdefault("HELM_CACHE_HOME", str(Path.home() / ".cache" / "helm"))
    try:
        return subprocess.run([helm, *args], capture_output=True, text=True, env=env,
                              timeout=300, check=False)
    except OSError as exc:
        raise HelmError(f"cannot run {helm}: {exc.strerror}") from None
    except subprocess.TimeoutExpired:
        raise HelmError(f"helm {args[0]} did not finish within 300 s") from None


def _first_error(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in lines:
        if line.startswith("Error:") or "[ERROR]" in line:
            return line.removeprefix("Error:").strip()
    return lines[-1] if lines else "helm failed"


def template(chart: Path, release: str, *, namespace: str = "default") -> str:
    """The manifests helm renders for a chart."""
    result = _run(["template", release, str(chart), "--namespace", namespace], "rendering")
    if result.returncode != 0:
        raise HelmError(f"helm template failed for {chart}: {_first_error(result.stderr)}")
    return result.stdout


@dataclass
class LintResult:
    ok: bool
    output: str

    @property
    def messages(self) -> list[str]:
        return [line.strip() for line in self.output.splitlines()
                if line.strip().startswith(("[ERROR]", "[WARNING]", "Error:"))]


def lint(chart: Path) -> LintResult:
    result = _run(["lint", "--strict", str(chart)], "linting")
    return LintResult(result.returncode == 0, result.stdout + result.stderr)


def version() -> str:
    result = _run(["version", "--short"], "helm version")
    return result.stdout.strip()
