"""Finding and calling the helm binary.

Pligos writes charts without helm; rendering (`preview`, `diff`) and linting (`check`) need
it. The binary is `$PLIGOS_HELM` when set, else `helm` on PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
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


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("HELM_CACHE_HOME", str(Path.home() / ".cache" / "helm"))
    return env


def _run(args: list[str], what: str) -> subprocess.CompletedProcess[str]:
    helm = require_helm(what)
    try:
        return subprocess.run([helm, *args], capture_output=True, text=True, env=_env(),
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


class Template:
    """`helm template` of a chart, running in the background from the moment it is made.

    Its output goes to anonymous files rather than pipes, so nobody has to read while helm
    runs: `done()` polls, `result()` waits and returns the manifests, `cancel()` stops it.
    """

    def __init__(self, chart: Path, release: str, *, namespace: str = "default") -> None:
        helm = require_helm("rendering")
        self.chart = chart
        # open while helm runs and closed by result() or cancel()
        self._out = tempfile.TemporaryFile()  # noqa: SIM115
        self._err = tempfile.TemporaryFile()  # noqa: SIM115
        try:
            self._proc = subprocess.Popen(
                [helm, "template", release, str(chart), "--namespace", namespace],
                stdin=subprocess.DEVNULL, stdout=self._out, stderr=self._err, env=_env())
        except OSError as exc:
            self._close()
            raise HelmError(f"cannot run {helm}: {exc.strerror}") from None

    def done(self) -> bool:
        return self._proc.poll() is not None

    def result(self, timeout: float = 300) -> str:
        try:
            code = self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.cancel()
            raise HelmError(f"helm template did not finish within {timeout:g} s") from None
        try:
            self._out.seek(0)
            self._err.seek(0)
            out = self._out.read().decode("utf-8", "replace")
            err = self._err.read().decode("utf-8", "replace")
        finally:
            self._close()
        if code != 0:
            raise HelmError(f"helm template failed for {self.chart}: {_first_error(err)}")
        return out

    def cancel(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._close()

    def _close(self) -> None:
        self._out.close()
        self._err.close()


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
