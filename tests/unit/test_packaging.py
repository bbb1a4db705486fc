"""A chart folder read as helm reads it: .helmignore rules, a packaged chart's files, and the
folders of file:// dependencies (what push, render and the subcharts' state all use)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from pligos_tui.charts.packaging import (
    HelmIgnore,
    absolute_repositories,
    archive_files,
    local_repository,
    packaged_files,
)
from pligos_tui.errors import PligosError
from support import make_tree


def test_helmignore_rules_as_helm_applies_them():
    rules = HelmIgnore("/*.bak\ndocs/\ntemplates/drop-*\n")
    assert rules.ignored("a.bak", False) and not rules.ignored("files/a.bak", False)
    assert rules.ignored("docs", True) and not rules.ignored("docs", False)
    assert rules.ignored("templates/drop-me.yaml", False)
    assert rules.ignored("templates/.hidden", False)  # helm's own rule
    negated = HelmIgnore("!*.yaml\n")  # what it does not match is left out, folders too
    assert not negated.ignored("values.yaml", False)
    assert negated.ignored("notes.txt", False) and negated.ignored("templates", True)


def test_a_pattern_helm_refuses_names_the_file(tmp_path: Path):
    chart = make_tree(tmp_path / "c", {".helmignore": "# ok\n**/secret\n"})
    with pytest.raises(PligosError) as caught:
        packaged_files(chart)
    assert caught.value.message == (f"{chart}/.helmignore: pattern '**/secret' uses **, "
                                    "which helm does not support")


def test_packaged_files_skip_what_is_left_out_and_what_the_caller_leaves_out(tmp_path: Path):
    chart = make_tree(tmp_path / "c", {
        ".helmignore": "docs/\n", "Chart.yaml": "x", "docs/a": "x", "files/docs": "x",
        "templates/.hidden": "x", "templates/a.yaml": "x", "secrets/values.yaml": "x"})
    assert packaged_files(chart, leave_out=lambda rel, is_dir: rel == "secrets") == [
        ".helmignore", "Chart.yaml", "files/docs", "templates/a.yaml"]


def test_archive_files_are_the_regular_files_by_name(tmp_path: Path):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        folder = tarfile.TarInfo("sub/templates")
        folder.type = tarfile.DIRTYPE
        tar.addfile(folder)
        info = tarfile.TarInfo("sub/templates/a.yaml")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"a\n"))
    (tmp_path / "sub.tgz").write_bytes(buf.getvalue())
    assert archive_files(tmp_path / "sub.tgz") == {"sub/templates/a.yaml": b"a\n"}


def test_file_repositories_resolve_from_the_chart_folder_as_helm_does(tmp_path: Path):
    chart = tmp_path / "svc" / "charts" / "dev" / "svc"
    assert local_repository("file://../../../../friend-charts/pg", chart) == \
        tmp_path / "friend-charts" / "pg"
    assert local_repository("file:///srv/charts/pg", chart) == Path("/srv/charts/pg")
    assert local_repository("oci://registry.example.com/charts", chart) is None
    assert local_repository(None, chart) is None
    meta = {"name": "svc", "dependencies": [
        {"name": "pg", "repository": "file://../pg"},
        {"name": "redis", "repository": "https://charts.example.com"}]}
    resolved = absolute_repositories(meta, chart)
    assert [d["repository"] for d in resolved["dependencies"]] == [
        f"file://{chart.parent / 'pg'}", "https://charts.example.com"]
    assert meta["dependencies"][0]["repository"] == "file://../pg"  # (a copy)
