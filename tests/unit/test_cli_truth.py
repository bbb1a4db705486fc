"""What `pligos` says is what happened: what was not checked and why, the fix that fits what was
found, hand edits named, complete and versioned `--json`, the working folder as the default
PATH, the secrets folder really git-ignored, and shell completion that knows the service."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import EXAMPLES, brittle_tree, make_tree, register_secret, run_cli, shop_with_secrets


HELLO = EXAMPLES / "hello"


def _service(tmp_path: Path, text: str, **files: str) -> Path:
    return make_tree(tmp_path / "svc", {"pligos.yaml": text, **files})


def _hello(tmp_path: Path) -> Path:
    dest = tmp_path / "hello"
    shutil.copytree(HELLO, dest, ignore=shutil.ignore_patterns("charts"))
    return dest


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, "GIT_CONFIG_GLOBAL": os.devnull,
                        "GIT_CONFIG_NOSYSTEM": "1"})


# --------------------------------------------------------------------------- not linted

@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """examples/shop with demo secrets; checkout's friends have subcharts nobody fetched."""
    shop = shop_with_secrets(tmp_path)
    assert run_cli("generate", str(shop / "checkout")).code == 0
    return shop / "checkout"


def test_check_says_which_charts_were_not_linted_and_why(checkout: Path, helm_bin):
    result = run_cli("check", "checkout", cwd=checkout.parent)
    assert result.code == 0, result.out + result.err
    assert "and lint" not in result.out
    for ctx in ("dev", "prod"):
        assert (f"checkout/charts/{ctx}/checkout: not linted: its subcharts are not fetched"
                in result.out)
        assert f"run `helm dependency build checkout/charts/{ctx}/checkout`" in result.out
    last = result.out.splitlines()[-1]
    assert last == ("all 4 charts are valid and up to date; 4 of them were not linted "
                    "(see above)"), result.out

    doc = json.loads(run_cli("check", "checkout", "--json", cwd=checkout.parent).out)
    assert doc["format"] == 1 and doc["findings"] == [] and doc["lint"] is True
    skipped = {s["chart"]: s for s in doc["skipped"]}
    assert set(skipped) == {f"checkout/charts/{c}/{n}" for c in ("dev", "prod")
                            for n in ("checkout", "shared-dependencies")}
    note = skipped["checkout/charts/prod/checkout"]
    assert note["check"] == "lint" and note["context"] == "prod"
    assert note["reason"] == "its subcharts are not fetched"
    assert "helm dependency build checkout/charts/prod/checkout" in note["hint"]


def test_check_without_lint_says_lint_was_not_run(tmp_path: Path):
    _hello(tmp_path)
    assert run_cli("generate", "hello", cwd=tmp_path).code == 0
    result = run_cli("check", "hello", "--no-lint", cwd=tmp_path)
    assert result.code == 0
    assert result.out.splitlines()[-1] == ("all 2 charts are valid and up to date "
                                           "(not linted: --no-lint)")


# --------------------------------------------------------------------------- the fix



def test_a_lint_failure_ends_with_the_fix_for_lint_not_generate(tmp_path: Path, helm_bin):
    root = tmp_path / "tree"
    brittle_tree(root)
    assert run_cli("generate", "svc", cwd=root).code == 0
    result = run_cli("check", "svc", cwd=root)
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0].startswith("svc/charts/dev/svc: lint: [ERROR] templates/: template: ")
    assert "nil pointer evaluating interface {}.team" in lines[0]
    assert "chart(s) linted" not in result.out
    assert "pligos generate` to bring" not in result.out
    assert lines[-2:] == [
        "1 problem found",
        "  hint: helm lint --strict failed on the chart of flavor brittle (flavors/brittle): "
        "fix the flavor, or what pligos.yaml gives context dev, then run `pligos generate`"]


def test_the_closing_hints_fit_each_kind_found(tmp_path: Path):
    svc = _hello(tmp_path)
    assert run_cli("generate", "hello", cwd=tmp_path).code == 0
    with (svc / "charts/dev/hello/templates/service.yaml").open("a") as fh:
        fh.write("# tuned by hand\n")
    shutil.rmtree(svc / "charts/prod")
    result = run_cli("check", "hello", "--no-lint", cwd=tmp_path)
    assert result.code == 1
    assert result.out.splitlines()[-2:] == [  # a plain `generate` refuses the hand edit
        "2 problems found",
        "  hint: move the hand edits into pligos.yaml or the flavor, then run "
        "`pligos generate --force` (it overwrites charts edited by hand)"]
    shutil.rmtree(svc / "charts/dev/hello")
    only_missing = run_cli("check", "hello", "--no-lint", cwd=tmp_path)
    assert only_missing.out.splitlines()[-2:] == [
        "2 problems found", "  hint: run `pligos generate` to bring the charts up to date"]


# --------------------------------------------------------------------------- hand edits

def test_a_stale_chart_edited_by_hand_is_reported_so_with_the_edited_files(tmp_path: Path):
    svc = _hello(tmp_path)
    assert run_cli("generate", "hello", cwd=tmp_path).code == 0
    with (svc / "charts/prod/hello/templates/deployment.yaml").open("a") as fh:
        fh.write("# tuned by hand\n")
    (svc / "charts/prod/hello/templates/extra.yaml").write_text("# added by hand\n")
    config = svc / "pligos.yaml"
    config.write_text(config.read_text().replace('tag: "1.27"', 'tag: "1.28"'))

    result = run_cli("check", "hello", "--no-lint", cwd=tmp_path)
    assert result.code == 1
    [line] = [line for line in result.out.splitlines() if "charts/prod/hello" in line]
    assert line.startswith("hello/charts/prod/hello: stale-modified: ")
    assert "templates/deployment.yaml, templates/extra.yaml" in line
    assert "hello/charts/dev/hello: stale: " in result.out
    assert result.out.splitlines()[-1] == (
        "  hint: move the hand edits into pligos.yaml or the flavor, then run "
        "`pligos generate --force` (it overwrites charts edited by hand)")
    found = {f["context"]: f for f in json.loads(
        run_cli("check", "hello", "--no-lint", "--json", cwd=tmp_path).out)["findings"]}
    assert found["prod"]["kind"] == "stale-modified"
    assert found["prod"]["files"] == ["templates/deployment.yaml", "templates/extra.yaml"]
    assert found["dev"]["kind"] == "stale" and found["dev"]["files"] == []


def test_an_edit_of_a_file_the_change_also_rewrites_is_named(tmp_path: Path):
    svc = _hello(tmp_path)
    assert run_cli("generate", "hello", cwd=tmp_path).code == 0
    values = svc / "charts/prod/hello/values.yaml"
    values.write_text(values.read_text() + "# tuned by hand\n")
    config = svc / "pligos.yaml"
    config.write_text(config.read_text().replace("replicas: 2", "replicas: 3"))
    result = run_cli("check", "hello", "--no-lint", "--json", cwd=tmp_path)
    [prod] = [f for f in json.loads(result.out)["findings"] if f["context"] == "prod"]
    assert prod["kind"] == "stale-modified" and prod["files"] == ["values.yaml"]


def test_a_current_chart_edited_by_hand_names_its_files(tmp_path: Path):
    svc = _hello(tmp_path)
    assert run_cli("generate", "hello", cwd=tmp_path).code == 0
    (svc / "charts/dev/hello/values.yaml").write_text("replicas: 100\n")
    (svc / "charts/dev/hello/templates/NOTES.txt").unlink()
    result = run_cli("check", "hello", "--no-lint", "--json", cwd=tmp_path)
    [dev] = json.loads(result.out)["findings"]
    assert dev["kind"] == "modified" and dev["files"] == ["templates/NOTES.txt", "values.yaml"]
    assert "`pligos generate --force`" in dev["hint"]


def test_generate_takes_force_to_overwrite_hand_edits(tmp_path: Path):
    svc = _hello(tmp_path)
    assert run_cli("generate", "hello", cwd=tmp_path).code == 0
    helped = run_cli("generate", "--help")
    assert "--force" in helped.out and "overwrite charts edited by hand" in helped.out
    values = svc / "charts/dev/hello/values.yaml"
    before = values.read_text()
    values.write_text("replicas: 100\n")
    result = run_cli("generate", "hello", "--force", cwd=tmp_path)
    assert result.code == 0, result.err
    assert values.read_text() == before


# --------------------------------------------------------------------------- --json, -v

def test_generate_json_is_versioned_and_lists_removed_charts_and_warnings(tmp_path: Path):
    svc = _service(tmp_path, """
        pligos: 1
        name: svc
        secrets: {provider: file}
        images: [{name: i, repository: example/svc, tag: "1"}]
        contexts: [{name: dev, flavor: worker, image: i}, {name: prod, flavor: worker, image: i}]
    """, **{"secrets/unused.yaml": "k: v\n"})
    first = run_cli("generate", "svc", "--json", cwd=tmp_path)
    assert first.code == 0 and first.err == ""
    doc = json.loads(first.out)
    assert doc["format"] == 1
    assert doc["written"] == ["svc/charts/dev/svc", "svc/charts/prod/svc"]
    assert doc["warnings"] == ["added /secrets/ to svc/.gitignore"]
    assert doc["removed"] == []
    config = svc / "pligos.yaml"
    config.write_text(config.read_text().replace(", {name: prod, flavor: worker, image: i}", ""))
    doc = json.loads(run_cli("generate", "svc", "--json", cwd=tmp_path).out)
    assert doc["removed"] == ["svc/charts/prod/svc"] and doc["unchanged"] == ["svc/charts/dev/svc"]
    quick = json.loads(run_cli("generate", "svc", "--json", cwd=tmp_path).out)
    assert quick["format"] == 1 and quick["unchanged"] == ["svc/charts/dev/svc"]
    assert quick["removed"] == [] and quick["warnings"] == []


V1_SERVICE = {
    "flavors/plain/Chart.yaml": "apiVersion: v2\nname: plain\nversion: 0.1.0\n",
    "flavors/plain/schema.yaml": "context: {replicas: numeric}\n",
    "flavors/plain/templates/config.yaml": """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: {{ .Release.Name }}}
        data: {replicas: {{ .Values.replicas | quote }}}
        """,
    "old/Chart.yaml": "apiVersion: v2\nname: old\nversion: 0.1.0\n",
    "old/pligos.yaml": """
        pligos: {version: '1'}
        contexts:
          dev: {flavor: ../flavors/plain, spec: {replicas: 1}}
        """,
}


def test_generate_in_place_json_is_versioned_and_refuses_force(tmp_path: Path):
    make_tree(tmp_path, V1_SERVICE)
    result = run_cli("generate", "--in-place", "--context", "dev", "--json", "old",
                     cwd=tmp_path)
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["format"] == 1
    [switched] = doc["switched"]
    assert switched["context"] == "dev" and "values.yaml" in switched["written"]
    forced = run_cli("generate", "--in-place", "--force", "--context", "dev", "old",
                     cwd=tmp_path)
    assert forced.code == 2
    assert forced.err.startswith("error: --in-place and --force cannot be used together")


@pytest.mark.parametrize("argv", [
    ["check", "--no-such-flag", "--json"],
    ["generate", "--json", "--context"],
    ["flavors", "--json", "a", "b"],
])
def test_a_usage_error_is_json_too(tmp_path: Path, argv: list[str]):
    result = run_cli(*argv, cwd=tmp_path)
    assert result.code == 2 and result.err == ""
    doc = json.loads(result.out)
    assert doc["format"] == 1 and doc["problems"] == []
    assert doc["error"] and doc["hint"].startswith("usage: pligos ")


def test_a_usage_error_without_json_is_argparse_s(tmp_path: Path):
    result = run_cli("check", "--no-such-flag", cwd=tmp_path)
    assert result.code == 2 and result.out == ""
    assert result.err.startswith("usage: pligos ")
    assert result.err.endswith("pligos: error: unrecognized arguments: --no-such-flag\n")


def test_verbose_generate_lists_the_unchanged_charts_too(tmp_path: Path):
    svc = _hello(tmp_path)
    assert run_cli("generate", "hello", cwd=tmp_path).code == 0
    config = svc / "pligos.yaml"
    config.write_text(config.read_text().replace("replicas: 2", "replicas: 3"))
    plain = run_cli("generate", "hello", cwd=tmp_path).out.splitlines()
    assert plain[0] == "  wrote     hello/charts/prod/hello  (webservice)"
    assert plain[1].startswith("2 charts of 1 service: 1 written, 1 unchanged (")
    assert len(plain) == 2
    config.write_text(config.read_text().replace("replicas: 3", "replicas: 4"))
    verbose = run_cli("generate", "hello", "-v", cwd=tmp_path)
    lines = verbose.out.splitlines()
    assert lines[:2] == ["  unchanged hello/charts/dev/hello  (webservice)",
                         "  wrote     hello/charts/prod/hello  (webservice)"]
    assert lines[2].startswith("2 charts of 1 service: 1 written, 1 unchanged (")


def test_verbose_check_lists_each_check_passed(tmp_path: Path, helm_bin):
    _hello(tmp_path)
    assert run_cli("generate", "hello", cwd=tmp_path).code == 0
    plain = run_cli("check", "hello", cwd=tmp_path)
    assert plain.out == "all 2 charts are valid and up to date, and lint\n"
    verbose = run_cli("check", "hello", "-v", cwd=tmp_path)
    assert verbose.code == 0
    assert verbose.out.splitlines() == [
        "  ok  hello/pligos.yaml: valid; no secret typed into it",
        "  ok  hello/charts/_pligos: up to date",
        "  ok  hello/charts/dev/hello: up to date; lints (helm lint --strict)",
        "  ok  hello/charts/prod/hello: up to date; lints (helm lint --strict)",
        "all 2 charts are valid and up to date, and lint"]


# --------------------------------------------------------------------------- default PATH

def test_flavors_in_a_service_folder_lists_its_flavor_paths_normalized(tmp_path: Path):
    make_tree(tmp_path, {
        "flavors/batch/flavor.yaml": "description: Batch work\naccepts: [image]\n"
                                     "requires: [image]\n",
        "flavors/batch/Chart.yaml": "apiVersion: v2\nname: batch\nversion: 0.1.0\n",
        "svc/pligos.yaml": """
            pligos: 1
            name: svc
            flavorPaths: [../flavors]
            images: [{name: i, repository: example/svc, tag: "1"}]
            contexts: [{name: dev, flavor: batch, image: i}]
        """})
    result = run_cli("flavors", "--json", cwd=tmp_path / "svc")
    assert result.code == 0, result.err
    listed = {f["name"]: f for f in json.loads(result.out)}
    assert listed["batch"]["path"] == str(tmp_path.resolve() / "flavors/batch")
    text = run_cli("flavors", cwd=tmp_path / "svc").out
    assert f"Batch work  [{tmp_path.resolve() / 'flavors'}]" in text and "/../" not in text
    inside = run_cli("flavors", "svc", cwd=tmp_path).out
    assert "Batch work  [flavors]" in inside
    anywhere = run_cli("flavors", cwd=tmp_path)  # no service here: the built-in flavors
    assert anywhere.code == 0 and "webservice" in anywhere.out and "Batch work" not in anywhere.out


def test_diff_works_in_the_service_folder_without_a_path(tmp_path: Path, helm_bin):
    svc = _hello(tmp_path)
    result = run_cli("diff", "dev", "prod", cwd=svc)
    assert result.code == 0, result.err
    assert "spec.replicas: 1 → 2" in result.out
    with_path = run_cli("diff", "hello", "dev", "prod", "--exit-code", cwd=tmp_path)
    assert with_path.code == 1 and with_path.out == result.out
    between = run_cli("diff", "hello", "--exit-code", "dev", "prod", cwd=tmp_path)
    assert between.code == 1 and between.out == result.out, between.err
    extra = run_cli("diff", "hello", "dev", "prod", "qa", cwd=tmp_path)
    assert extra.code == 2 and "unrecognized arguments: qa" in extra.err


# --------------------------------------------------------------------------- git-ignored

SECRET_SERVICE = """
    pligos: 1
    name: svc
    secrets: {provider: file, path: ./secrets}
    images: [{name: i, repository: example/svc, tag: "1", pullSecret: registry}]
    contexts: [{name: dev, flavor: worker, image: i}]
"""


def test_check_fails_when_git_does_not_ignore_the_secrets_folder(tmp_path: Path):
    register_secret("hunter2hunter2hunter2")
    svc = _service(tmp_path, SECRET_SERVICE, **{
        "secrets/registry.yaml": "registry: r.example.com\nusername: ci\n"
                                     "password: hunter2hunter2hunter2\n"})
    _git("init", "-q", cwd=tmp_path)
    assert run_cli("generate", "svc", cwd=tmp_path).code == 0
    (svc / ".gitignore").write_text("./secrets\n")  # not a pattern git understands
    result = run_cli("check", "svc", "--no-lint", cwd=tmp_path)
    assert result.code == 1
    assert ("svc/secrets: secrets-not-ignored: git does not ignore the secrets folder, "
            "so its files can be committed") in result.out
    assert ("  hint: add /secrets/ to svc/.gitignore (`git check-ignore svc/secrets/` "
            "then names it)") in result.out
    (svc / ".gitignore").write_text("/secrets/\n")
    fixed = run_cli("check", "svc", "--no-lint", "-v", cwd=tmp_path)
    assert fixed.code == 0, fixed.out
    assert "  ok  svc/pligos.yaml: valid; no secret typed into it; secrets git-ignored" \
        in fixed.out


# --------------------------------------------------------------------------- completion

def _complete(line: str, cwd: Path, tmp_path: Path) -> list[str]:
    out = tmp_path / "candidates"
    env = {**os.environ, "_ARGCOMPLETE": "1", "_ARGCOMPLETE_SHELL": "bash",
           "COMP_LINE": line, "COMP_POINT": str(len(line)), "COMP_TYPE": "9",
           "_ARGCOMPLETE_STDOUT_FILENAME": str(out), "_ARGCOMPLETE_IFS": "\n"}
    env.pop("PLIGOS_DEBUG", None)
    proc = subprocess.run([sys.executable, "-m", "pligos_tui"], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return sorted(c.strip() for c in out.read_text().split("\n") if c.strip())


def test_completion_of_commands_flags_contexts_and_flavors(tmp_path: Path):
    svc = _hello(tmp_path)
    make_tree(tmp_path, {"flavors/batch/flavor.yaml": "description: Batch\n",
                         "flavors/batch/Chart.yaml": "apiVersion: v2\nname: b\nversion: 0.1.0\n"})
    config = svc / "pligos.yaml"
    config.write_text(config.read_text().replace("contexts:", "flavorPaths: [../flavors]\n"
                                                 "contexts:"))
    assert _complete("pligos ge", svc, tmp_path) == ["generate"]
    assert _complete("pligos check --no", svc, tmp_path) == ["--no-lint"]
    assert "--force" in _complete("pligos generate --", svc, tmp_path)
    assert _complete("pligos preview --context ", svc, tmp_path) == ["dev", "prod"]
    assert _complete("pligos generate hello --context p", tmp_path, tmp_path) == ["prod"]
    assert _complete("pligos use-context ", svc, tmp_path) == ["dev", "prod"]
    assert _complete("pligos diff dev ", svc, tmp_path) == ["dev", "prod"]
    assert _complete("pligos preview hello --flavor ", tmp_path, tmp_path) == [
        "batch", "cronjob", "daemonset", "job", "statefulset", "webservice", "worker"]
    assert _complete("pligos completion ", svc, tmp_path) == ["bash", "fish", "zsh"]


def test_completion_prints_a_script_for_each_shell(tmp_path: Path):
    bash = run_cli("completion", "bash")
    assert bash.code == 0 and "complete " in bash.out and "pligos" in bash.out
    script = tmp_path / "pligos.bash"
    script.write_text(bash.out)
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    # the script as bash runs it on a tab: it calls `pligos` with argcomplete's variables
    svc = _hello(tmp_path)
    words = "pligos preview --context "
    sourced = subprocess.run(
        ["bash", "-c", f"source {script}; COMP_LINE='{words}'; COMP_POINT={len(words)}; "
         "COMP_WORDS=(pligos preview --context ''); COMP_CWORD=3; COMP_TYPE=9; "
         "_python_argcomplete pligos; printf '%s\\n' \"${COMPREPLY[@]}\""],
        cwd=svc, capture_output=True, text=True, check=False, timeout=60,
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"})
    assert sourced.stdout.split() == ["dev", "prod"], sourced.stderr
    zsh = run_cli("completion", "zsh")
    assert zsh.code == 0 and zsh.out.startswith("#compdef pligos")
    fish = run_cli("completion", "fish")
    assert fish.code == 0 and "complete --command pligos" in fish.out


def test_completion_hook_runs_before_heavy_imports():
    code = ("import os, sys\n"
            "from pligos_tui.cli import main\n"
            "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('argcomplete', 'yaml', 'pligos_tui.jobs.check', "
            "'pligos_tui.cli_report') if m in sys.modules), file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert proc.stdout.startswith("pligos ") and proc.stderr.strip() == "[]"
