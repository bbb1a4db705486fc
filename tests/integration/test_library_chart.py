"""The flavors' helpers live once per charts root, in the library chart `_pligos/` that every
chart links to (`charts/pligos-library -> ../../../_pligos`): a fresh clone renders with
plain helm 3 and 4, `check` sees an edited, deleted or foreign library, and a package or a
pushed chart carries the library's files, never a link."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml
from support import EXAMPLES, helm, run_cli
from test_push import registry  # noqa: F401  (the local OCI registry fixture)

LINK = "charts/pligos-library"
HELPERS = "templates/_pligos.tpl"
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout


def _service(parent: Path, name: str) -> Path:
    shutil.copytree(EXAMPLES / name, parent / name, ignore=shutil.ignore_patterns("charts"))
    return parent / name


def _charts(root: Path) -> list[Path]:
    return sorted(p.parent for p in root.rglob(".pligos-chart.json")
                  if p.parent.name != "_pligos")


@pytest.fixture
def hello(tmp_path: Path, helm_bin: str) -> Path:
    svc = _service(tmp_path, "hello")
    result = run_cli("generate", str(svc))
    assert result.code == 0, result.err
    return svc


def test_a_fresh_clone_of_two_services_renders_and_lints_with_plain_helm(
        tmp_path: Path, each_helm: str) -> None:
    repo = tmp_path / "repo"
    _service(repo, "hello")
    greeter = _service(repo / "team", "hello")  # a second service, of three contexts
    text = (greeter / "pligos.yaml").read_text().replace("name: hello\n", "name: greeter\n", 1)
    (greeter / "pligos.yaml").write_text(text.replace("current-context: dev", (
        "  - name: staging\n    extends: prod\n    namespace: greeter-staging\n"
        "current-context: dev")))
    result = run_cli("generate", ".", cwd=repo, env={"PLIGOS_HELM": each_helm})
    assert result.code == 0, result.err
    _git("init", "-q", ".", cwd=repo)
    _git("add", "-A", cwd=repo)
    _git("commit", "-qm", "charts", cwd=repo)
    tracked = _git("ls-files", cwd=repo).split()
    clone = tmp_path / "clone"
    _git("clone", "-q", str(repo), str(clone), cwd=tmp_path)

    charts = _charts(clone)
    assert len(charts) == 5  # hello: dev, prod; greeter: dev, prod, staging
    for name in ("hello", "team/hello"):  # the helpers once per charts root, committed
        assert f"{name}/charts/_pligos/{HELPERS}" in tracked
        assert (clone / name / "charts" / "_pligos" / HELPERS).is_file()
    for chart in charts:
        rel = chart.relative_to(clone).as_posix()
        assert not (chart / HELPERS).exists(), rel  # no copy in the chart
        assert f"{rel}/{LINK}" in tracked, rel  # the link is committed, not ignored
        assert (chart / LINK).is_symlink() and os.readlink(chart / LINK) == "../../../_pligos"
        deps = yaml.safe_load((chart / "Chart.yaml").read_text())["dependencies"]
        assert {"name": "pligos-library", "repository": "file://../../_pligos"} \
            .items() <= deps[-1].items()
        rendered = helm(each_helm, "template", chart.name, str(chart))
        assert rendered.returncode == 0, rendered.stderr
        assert "kind: Deployment" in rendered.stdout
        # plain helm says it followed the link (Pligos's own helm calls drop the notice)
        assert "found symbolic link in path" in rendered.stderr
        linted = helm(each_helm, "lint", "--strict", str(chart))
        assert linted.returncode == 0, linted.stdout + linted.stderr
        assert "[WARNING]" not in linted.stdout, linted.stdout

    # and Pligos, on the clone: current, nothing to write, no notice of the link shown
    env = {"PLIGOS_HELM": each_helm}
    checked = run_cli("check", ".", "-v", cwd=clone, env=env)
    assert checked.code == 0, checked.out + checked.err
    assert "  ok  hello/charts/_pligos: up to date" in checked.out.splitlines()
    assert "symbolic link" not in checked.out + checked.err
    again = run_cli("generate", ".", cwd=clone, env=env)
    assert again.code == 0 and "0 written, 5 unchanged" in again.out, again.out + again.err
    assert _git("status", "--porcelain", cwd=clone) == ""


def _findings(svc: Path) -> tuple[int, list[dict]]:
    result = run_cli("check", str(svc), "--json")
    return result.code, json.loads(result.out)["findings"]


def test_check_reports_an_edited_library_and_generate_restores_it_only_with_force(
        hello: Path) -> None:
    helpers = hello / "charts" / "_pligos" / HELPERS
    original = helpers.read_bytes()
    helpers.write_bytes(original + b"{{/* a local change */}}\n")
    code, findings = _findings(hello)
    assert code == 1
    library = [f for f in findings if f["file"].endswith("charts/_pligos")]
    assert [(f["kind"], f["files"]) for f in library] == [("modified", [HELPERS])]
    assert "changed by hand: templates/_pligos.tpl" in library[0]["message"]
    assert len(findings) == 1  # once for the root, not once per chart using it

    refused = run_cli("generate", str(hello))  # the fast path is not fooled by its cache
    assert refused.code == 2
    assert "charts/_pligos was changed by hand since it was generated (templates/_pligos.tpl)" \
        in refused.err
    assert helpers.read_bytes() != original
    forced = run_cli("generate", str(hello), "--force")
    assert forced.code == 0, forced.err
    assert helpers.read_bytes() == original
    assert _findings(hello) == (0, [])


def test_check_reports_a_deleted_library_and_generate_writes_it_again(hello: Path) -> None:
    shutil.rmtree(hello / "charts" / "_pligos")
    code, findings = _findings(hello)
    assert code == 1
    assert [(f["file"].rsplit("/", 2)[-2:], f["kind"]) for f in findings] == [
        (["charts", "_pligos"], "missing")]
    text = run_cli("check", str(hello))
    assert "missing: every chart of its folder links to it" in text.out
    assert "pligos generate" in text.out
    result = run_cli("generate", str(hello))  # no --force: nothing was edited by hand
    assert result.code == 0, result.err
    assert (hello / "charts" / "_pligos" / HELPERS).is_file()
    assert _findings(hello) == (0, [])


def test_a_link_replaced_by_a_copy_is_a_hand_edit(hello: Path) -> None:
    chart = hello / "charts" / "prod" / "hello"
    (chart / LINK).unlink()
    shutil.copytree(hello / "charts" / "_pligos", chart / LINK)
    code, findings = _findings(hello)
    assert code == 1
    assert [(f["kind"], f["files"]) for f in findings] == [("modified", [LINK])]
    assert run_cli("generate", str(hello)).code == 2
    assert run_cli("generate", str(hello), "--force").code == 0
    assert (chart / LINK).is_symlink() and _findings(hello) == (0, [])


def test_push_refuses_a_chart_whose_library_was_edited(hello: Path, helm_bin: str) -> None:
    (hello / "charts" / "_pligos" / HELPERS).write_text("{{/* nothing */}}\n")
    result = run_cli("push", str(hello), "--to", "oci://127.0.0.1:9/x", "--plain-http")
    assert result.code == 2
    assert "its helpers' library" in result.err and "nothing was pushed" in result.err


def _members(archive: Path) -> list[tarfile.TarInfo]:
    with tarfile.open(archive) as tar:
        return tar.getmembers()


def test_a_package_and_a_pushed_chart_carry_the_library_files_and_no_link(
        hello: Path, registry: str, helm_bin: str, tmp_path: Path) -> None:  # noqa: F811
    chart = hello / "charts" / "dev" / "hello"
    packaged = helm(helm_bin, "package", str(chart), "--destination", str(tmp_path / "pkg"))
    assert packaged.returncode == 0, packaged.stderr
    to = f"{registry}/library"
    pushed = run_cli("push", str(hello), "--to", to, "--context", "dev", "--plain-http")
    assert pushed.code == 0, pushed.out + pushed.err
    (tmp_path / "pulled").mkdir()
    pulled = helm(helm_bin, "pull", f"{to}/dev/hello", "--version", "0.1.0", "--plain-http",
                  "--destination", str(tmp_path / "pulled"))
    assert pulled.returncode == 0, pulled.stderr
    for archive in (*(tmp_path / "pkg").glob("*.tgz"), *(tmp_path / "pulled").glob("*.tgz")):
        members = _members(archive)
        names = [m.name for m in members]
        assert names.count(f"hello/{LINK}/{HELPERS}") == 1, names
        assert f"hello/{LINK}/Chart.yaml" in names
        assert not [m.name for m in members if m.issym() or m.islnk()]
        assert not [n for n in names if "/.pligos" in n or n.endswith(".tgz")], names
        unpacked = tmp_path / "unpacked" / archive.parent.name
        with tarfile.open(archive) as tar:
            tar.extractall(unpacked, filter="data")
        rendered = helm(helm_bin, "template", "hello", str(unpacked / "hello"))
        assert rendered.returncode == 0, rendered.stderr
        assert "symbolic link" not in rendered.stderr  # self-contained: no link left


def test_a_library_folder_pligos_did_not_write_is_refused_and_left_alone(
        tmp_path: Path) -> None:
    svc = _service(tmp_path, "hello")
    foreign = svc / "charts" / "_pligos"
    foreign.mkdir(parents=True)
    (foreign / "notes.txt").write_text("mine\n")
    result = run_cli("generate", str(svc))
    assert result.code == 2
    assert "charts/_pligos (where Pligos writes the helpers' library the charts beside it " \
        "link to) exists and was not generated by Pligos; nothing was written" in result.err
    assert "hint: move it away" in result.err
    assert "Traceback" not in result.err
    assert sorted(p.name for p in foreign.iterdir()) == ["notes.txt"]
    assert (foreign / "notes.txt").read_text() == "mine\n"
    assert sorted(p.name for p in (svc / "charts").iterdir()) == ["_pligos"]


def test_a_removed_context_leaves_the_library_the_others_link_to(hello: Path) -> None:
    config = hello / "pligos.yaml"
    config.write_text(re.sub(r"  - name: prod\n(    .*\n)*", "", config.read_text()))
    result = run_cli("generate", str(hello))
    assert result.code == 0, result.err
    assert not (hello / "charts" / "prod").exists()
    assert (hello / "charts" / "_pligos" / HELPERS).is_file()
    assert _findings(hello) == (0, [])


def test_gitops_warns_when_the_repository_would_lack_the_library(hello: Path) -> None:
    repo = hello.parent
    (repo / ".gitignore").write_text("_pligos/\n")
    _git("init", "-q", ".", cwd=repo)
    args = ("gitops", "argocd", ".", "--repo", "https://git.example.com/platform.git")
    ignored = run_cli(*args, cwd=repo)
    assert ignored.code == 0, ignored.err
    assert "hello/charts/_pligos is ignored by git, so the repository will not hold it" \
        in ignored.err
    assert "pligos-library is ignored" not in ignored.err  # (the links are not)
    shutil.rmtree(hello / "charts" / "_pligos")
    missing = run_cli(*args, cwd=repo)
    assert "hello/charts/_pligos, the helpers' library the charts beside it link to, is not " \
        "generated: run `pligos generate` and commit it" in missing.err


def test_packaged_files_follow_links_as_helm_does_but_never_loop(tmp_path: Path) -> None:
    from pligos_tui.charts.packaging import packaged_files
    chart = tmp_path / "root" / "dev" / "app"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: app\nversion: 0.1.0\n")
    (chart / "templates" / "a.yaml").write_text("{}\n")
    library = tmp_path / "root" / "_pligos"
    (library / "templates").mkdir(parents=True)
    (library / "Chart.yaml").write_text("apiVersion: v2\nname: lib\nversion: 1.0.0\n")
    (library / "templates" / "_h.tpl").write_text("\n")
    (chart / "charts").mkdir()
    os.symlink("../../../_pligos", chart / LINK)
    os.symlink("..", chart / "templates" / "loop")  # a link to a folder holding it
    assert packaged_files(chart) == ["Chart.yaml", "charts/pligos-library/Chart.yaml",
                                     "charts/pligos-library/templates/_h.tpl",
                                     "templates/a.yaml"]
