"""Shared fixtures: a real helm binary and copies of the examples."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from support import EXAMPLES, helm_path


@pytest.fixture(scope="session")
def helm_bin() -> str:
    path = helm_path()
    if path is None:
        pytest.fail("no helm binary: run ./scripts/test, which fetches one into .cache/helm/")
    os.environ["PLIGOS_HELM"] = path
    return path


@pytest.fixture
def example(tmp_path: Path):
    """A copy of an example service in a temporary folder (so tests never write examples/)."""

    def copy(name: str) -> Path:
        dest = tmp_path / name
        shutil.copytree(EXAMPLES / name, dest, ignore=shutil.ignore_patterns("charts"))
        return dest

    return copy
