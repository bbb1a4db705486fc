"""Pligos under helm 4 as under helm 3.17: every example's charts lint strictly, render the same
manifests and validate; preview, diff and check call helm 4 through pligos_tui/helm.py; helm's
errors reach the user whole under both; the Helm plugin installs and runs under both.

The helm-4 tests skip, saying why, when there is no helm 4 (PLIGOS_HELM4 unset and
.cache/helm/4.1.4/helm absent); ./scripts/test fetches it and sets PLIGOS_HELM4.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from support import (
    EXAMPLES,
    ROOT,
    brittle_tree,
    helm,
    kube_validate,
    lint_strict,
    make_tree,
    render,
    run_cli,
    shop_with_secrets,
)

from pligos_tui import __version__

CHARTS = [(ctx, "tokend") for ctx in ("dev", "prod", "staging", "janitor", "nightly-reindex")] + [
    (ctx, name) for ctx in ("dev", "prod")
    for name in ("hello", "catalog", "checkout", "shared-dependencies")]
WITH_SUBCHARTS = ("catalog", "checkout", "shared-dependencies")


@pytest.fixture(scope="module")
def examples(tmp_path_factory) -> Path:
    """Copies of every example (the shop with its demo secrets)."""
    root = tmp_path_factory.mktemp("examples")
    for name in ("tokend", "hello"):
        shutil.copytree(EXAMPLES / name, root / name, ignore=shutil.ignore_patterns("charts"))
    shop_with_secrets(root)
    return root


@pytest.fixture(scope="module")
def generated(examples: Path, tmp_path_factory, helm_bin: str, helm4_bin: str) -> Path:
    """Every example's charts, their subcharts fetched by helm 4's `dependency build`."""
    out = tmp_path_factory.mktemp("charts")
    result = run_cli("generate", str(examples), "--out", str(out))
    assert result.code == 0, result.err
    for context, name in CHARTS:
        if name in WITH_SUBCHARTS:
            built = helm(helm4_bin, "dependency", "build", str(out / context / name))
            assert built.returncode == 0, built.stdout + built.stderr
    return out


def test_the_examples_are_all_covered(generated: Path):
    assert sorted(str(p.parent.relative_to(generated)) for p in generated.glob("*/*/Chart.yaml")
                  ) == sorted(f"{ctx}/{name}" for ctx, name in CHARTS)


@pytest.mark.parametrize(("context", "name"), CHARTS)
def test_every_example_chart_lints_renders_and_validates_under_helm4(
        generated: Path, helm_bin: str, helm4_bin: str, tmp_path: Path, context: str, name: str):
    chart = generated / context / name
    lint_strict(helm4_bin, chart)
    manifests = render(helm4_bin, chart)
    assert manifests
    kube_validate(manifests, tmp_path)
    assert manifests == render(helm_bin, chart)  # the same objects as helm 3 renders


# --------------------------------------------------------------------------- through helm.py

def _under(helm_path: str, *args: str, cwd: Path | None = None):
    return run_cli(*args, cwd=cwd, env={"PLIGOS_HELM": helm_path})


@pytest.mark.parametrize("args", [("preview", "shop/checkout", "--context", "prod"),
                                  ("diff", "tokend", "dev", "prod")], ids=["preview", "diff"])
def test_preview_and_diff_print_the_same_under_helm4(examples: Path, helm_bin: str,
                                                     helm4_bin: str, args: tuple[str, ...]):
    three = _under(helm_bin, *args, cwd=examples)
    four = _under(helm4_bin, *args, cwd=examples)
    assert four.code == three.code == 0, four.err
    assert four.out == three.out and four.out


def test_check_lints_with_helm4(examples: Path, helm4_bin: str):
    assert run_cli("generate", "tokend", "hello", cwd=examples).code == 0
    result = _under(helm4_bin, "check", "tokend", "hello", "--json", cwd=examples)
    assert result.code == 0, result.out + result.err
    doc = json.loads(result.out)
    assert doc["format"] == 1 and doc["findings"] == [] and doc["skipped"] == []
    charts = [p for p in doc["passed"] if p["context"]]
    assert len(charts) == 7
    assert all("lints (helm lint --strict)" in p["checks"] for p in charts), charts




@pytest.fixture
def brittle(tmp_path: Path) -> Path:
    """A service whose flavor dereferences a value nobody sets."""
    root = tmp_path / "tree"
    brittle_tree(root)
    return root


def test_helms_errors_reach_the_user_whole(brittle: Path, each_helm: str):
    """helm 4 spreads a template error over indented lines: the user still gets all of it."""
    preview = _under(each_helm, "preview", "svc", "--context", "dev", cwd=brittle)
    assert preview.code == 2 and preview.out == ""
    assert "svc/templates/extra.yaml:6" in preview.err
    assert "nil pointer evaluating interface {}.team" in preview.err
    assert len(preview.err.splitlines()) <= 2, preview.err  # the message, then any hint

    assert run_cli("generate", "svc", cwd=brittle).code == 0
    check = _under(each_helm, "check", "svc", cwd=brittle)
    assert check.code == 1
    first = check.out.splitlines()[0]
    assert first.startswith("svc/charts/dev/svc: lint: [ERROR] templates/: "), check.out
    assert "svc/templates/extra.yaml:6" in first
    assert "nil pointer evaluating interface {}.team" in first


def test_without_helm_it_says_what_needs_it_and_which_helm(tmp_path: Path):
    result = run_cli("preview", str(EXAMPLES / "hello"), "--context", "prod",
                     env={"PLIGOS_HELM": "", "PATH": str(tmp_path)})
    assert result.code == 2
    assert result.err.startswith("error: rendering needs the helm binary"), result.err
    assert "Helm 3.17 or later, or Helm 4" in result.err


def test_a_failing_helm_of_another_version_is_named(tmp_path: Path):
    # no old helm is fetched for the tests: a stand-in that answers like one
    old = make_tree(tmp_path, {"helm": """\
        #!/bin/sh
        if [ "$1" = version ]; then echo v3.12.3; exit 0; fi
        echo "Error: unknown flag: --strict" >&2; exit 1
    """}) / "helm"
    old.chmod(0o755)
    result = run_cli("preview", str(EXAMPLES / "hello"), "--context", "prod",
                     env={"PLIGOS_HELM": str(old)})
    assert result.code == 2 and result.out == ""
    assert (f"{old} is helm 3.12.3, which Pligos does not support (it works with helm 3.17 "
            "or later, or helm 4)") in result.err
    service = make_tree(tmp_path / "svc", {"pligos.yaml": (EXAMPLES / "hello/pligos.yaml")
                                           .read_text()})
    assert run_cli("generate", str(service)).code == 0
    check = run_cli("check", str(service), env={"PLIGOS_HELM": str(old)})
    assert check.code == 2 and "is helm 3.12.3, which Pligos does not support" in check.err
    assert "point PLIGOS_HELM at one" in check.err


# --------------------------------------------------------------------------- the Helm plugin

def test_both_plugin_manifests_describe_this_version():
    legacy = yaml.safe_load((ROOT / "plugin.yaml").read_text())
    v1 = yaml.safe_load((ROOT / "helm-plugin/plugin.yaml").read_text())
    assert legacy["version"] == v1["version"] == __version__
    assert legacy["name"] == v1["name"] == "pligos"
    assert "apiVersion" not in legacy  # helm 3 refuses a plugin.yaml that has one
    assert (v1["apiVersion"], v1["type"], v1["runtime"]) == ("v1", "cli/v1", "subprocess")


@pytest.mark.parametrize(("which", "folder", "api"), [
    ("3", ".", None), ("4", ".", "legacy"), ("4", "helm-plugin", "v1")],
    ids=["helm3", "helm4", "helm4-v1-manifest"])
def test_the_helm_plugin_installs_and_runs(tmp_path: Path, request: pytest.FixtureRequest,
                                           helm_bin: str, which: str, folder: str,
                                           api: str | None):
    binary = helm_bin if which == "3" else request.getfixturevalue("helm4_bin")
    data = tmp_path / "data"
    # helm 4.1 installs a local folder into $HELM_DATA_HOME/plugins whatever $HELM_PLUGINS
    # says, and loads from $HELM_PLUGINS: the two agree here
    env = dict(os.environ, HELM_DATA_HOME=str(data), HELM_PLUGINS=str(data / "plugins"),
               HELM_CONFIG_HOME=str(tmp_path / "config"), HELM_CACHE_HOME=str(tmp_path / "cache"))
    env.pop("PLIGOS_HELM", None)  # the plugin must use the helm that runs it

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([binary, *args], capture_output=True, text=True, env=env,
                              check=False, cwd=tmp_path)

    installed = run("plugin", "install", str(ROOT / folder))
    assert installed.returncode == 0, installed.stdout + installed.stderr
    listed = [line.split() for line in run("plugin", "list").stdout.splitlines()[1:]]
    assert [row[:2] for row in listed] == [["pligos", __version__]]
    if api:
        assert listed[0][3] == api, listed  # helm 4's APIVERSION column
    version = run("pligos", "--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"pligos {__version__}"

    service = tmp_path / "hello"
    shutil.copytree(EXAMPLES / "hello", service, ignore=shutil.ignore_patterns("charts"))
    generated = run("pligos", "generate", str(service), "--out", str(tmp_path / "out"))
    assert generated.returncode == 0, generated.stderr
    assert "2 charts of 1 service: 2 written" in generated.stdout
    assert (tmp_path / "out/prod/hello/values.yaml").is_file()
    preview = run("pligos", "preview", str(service), "--context", "prod")
    assert preview.returncode == 0, preview.stderr
    assert "kind: Deployment" in preview.stdout
