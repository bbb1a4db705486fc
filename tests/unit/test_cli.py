"""The command line as a user meets it: output, exit codes, help, editing pligos.yaml."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from support import EXAMPLES, make_tree, run_cli

COMMENTED = """\
# tokend: our token service
pligos: 1
name: tokend   # keep it short

images:
  - name: main
    repository: "example/tokend"   # quoted on purpose
    tag: '1.0'
contexts:
  - {name: dev, flavor: worker, image: main}
  - name: prod          # the real thing
    flavor: worker
    image: main

current-context: dev    # what `pligos preview` shows by default
# trailing comment
"""


def test_version_is_fast_and_light():
    code = ("import sys; from pligos_tui.cli import main\n"
            "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('textual', 'rich', 'yaml', 'ruamel', 'pligos_tui.model')"
            " if m in sys.modules]\nprint('heavy:', heavy)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert proc.stdout.startswith("pligos 0.")
    assert "heavy: []" in proc.stdout


@pytest.mark.parametrize("command", ["generate", "check", "preview", "diff", "contexts",
                                     "use-context", "flavors"])
def test_every_command_has_help_with_an_example(command):
    result = run_cli(command, "--help")
    assert result.code == 0
    assert "example:\n  pligos " + command in result.out


def test_use_context_changes_only_the_value(tmp_path: Path):
    svc = make_tree(tmp_path / "svc", {"pligos.yaml": COMMENTED})
    result = run_cli("use-context", "prod", str(svc))
    assert result.code == 0, result.err
    after = (svc / "pligos.yaml").read_text()
    assert after == COMMENTED.replace("current-context: dev ", "current-context: prod ")


def test_use_context_adds_the_key_when_missing(tmp_path: Path):
    text = COMMENTED.replace("current-context: dev    # what `pligos preview` shows by default\n",
                             "")
    svc = make_tree(tmp_path / "svc", {"pligos.yaml": text})
    assert run_cli("use-context", "prod", str(svc)).code == 0
    assert (svc / "pligos.yaml").read_text() == text + "current-context: prod\n"


def test_use_context_refuses_an_unknown_context(tmp_path: Path):
    svc = make_tree(tmp_path / "svc", {"pligos.yaml": COMMENTED})
    result = run_cli("use-context", "prd", str(svc))
    assert result.code == 2
    assert "has no context 'prd'" in result.err and "did you mean 'prod'?" in result.err
    assert (svc / "pligos.yaml").read_text() == COMMENTED


def test_contexts_lists_flavor_and_current(tmp_path: Path):
    result = run_cli("contexts", str(EXAMPLES / "tokend"), "--json")
    assert result.code == 0
    rows = {r["name"]: r for r in json.loads(result.out)}
    assert list(rows) == ["dev", "prod", "staging", "janitor", "nightly-reindex"]
    assert rows["dev"]["current"] is True
    assert rows["staging"]["flavor"] == "webservice" and rows["staging"]["extends"] == "prod"
    assert rows["staging"]["replicas"] == 1 and rows["prod"]["replicas"] == 3
    plain = run_cli("contexts", str(EXAMPLES / "tokend"))
    assert plain.out.splitlines()[0].startswith("* dev ")


def test_flavors_lists_builtins_and_flavor_paths(tmp_path: Path):
    flavors = make_tree(tmp_path / "flavors", {
        "statefulset/flavor.yaml": "description: A stateful service\naccepts: [image]\n"
                                   "requires: [image]\n",
        "statefulset/Chart.yaml": "apiVersion: v2\nname: statefulset\nversion: 0.1.0\n",
    })
    result = run_cli("flavors", "--flavor-path", str(flavors), "--json")
    assert result.code == 0, result.err
    listed = {f["name"]: f for f in json.loads(result.out)}
    assert set(listed) == {"webservice", "worker", "cronjob", "statefulset"}
    assert listed["cronjob"]["requires"] == ["image", "schedule"]
    assert "routes" not in listed["worker"]["accepts"]
    assert listed["statefulset"]["builtin"] is False


def test_preview_without_helm_says_how_to_get_it(tmp_path: Path):
    result = run_cli("preview", str(EXAMPLES / "hello"), "--context", "prod",
                     env={"PLIGOS_HELM": "", "PATH": str(tmp_path)})
    assert result.code == 2
    assert "needs the helm binary" in result.err and "PLIGOS_HELM" in result.err
    assert "Traceback" not in result.err


def test_preview_values_needs_no_helm(tmp_path: Path):
    result = run_cli("preview", str(EXAMPLES / "hello"), "--context", "prod", "--values",
                     env={"PLIGOS_HELM": "", "PATH": str(tmp_path)})
    assert result.code == 0, result.err
    assert "replicas: 2" in result.out and "ref: nginx:1.27" in result.out


def test_preview_renders_manifests(helm_bin):
    result = run_cli("preview", str(EXAMPLES / "hello"), "--context", "prod")
    assert result.code == 0, result.err
    docs = [d for d in yaml.safe_load_all(result.out) if d]
    deploy = next(d for d in docs if d["kind"] == "Deployment")
    assert deploy["spec"]["replicas"] == 2
    assert deploy["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"


def test_diff_shows_what_differs(helm_bin):
    result = run_cli("diff", str(EXAMPLES / "hello"), "dev", "prod")
    assert result.code == 0, result.err
    assert "--- context dev" in result.out and "+++ context prod" in result.out
    assert "-  replicas: 1" in result.out and "+  replicas: 2" in result.out
    assert "\033[" not in result.out  # piped output has no colour
    same = run_cli("diff", str(EXAMPLES / "hello"), "dev", "dev", "--exit-code")
    assert same.code == 0 and "render the same manifests" in same.out
    differ = run_cli("diff", str(EXAMPLES / "hello"), "dev", "prod", "--exit-code")
    assert differ.code == 1


def test_no_command_prints_help_and_exits_2():
    result = run_cli()
    assert result.code == 2 and "generate" in result.out


def test_missing_path_is_a_clear_usage_error(tmp_path: Path):
    result = run_cli("generate", str(tmp_path / "nope"))
    assert result.code == 2
    assert result.err.startswith("error: ") and "does not exist" in result.err
    empty = run_cli("generate", str(tmp_path))
    assert empty.code == 2 and "no pligos.yaml found" in empty.err


def test_check_flags_secrets_written_into_pligos_yaml(tmp_path: Path):
    key = "-----BEGIN PRIVATE KEY-----\\nMIIEvQ\\n-----END PRIVATE KEY-----"
    svc = make_tree(tmp_path / "svc", {"pligos.yaml": f"""
        pligos: 1
        name: svc
        images: [{{name: i, repository: example/svc, tag: "1"}}]
        env:
          - name: creds
            variables:
              DB_PASSWORD: hunter2hunter2
              LOG_LEVEL: debug
              SIGNING_KEY: "{key}"
        contexts: [{{name: dev, flavor: worker, image: i, env: [creds]}}]
    """})
    assert run_cli("generate", str(svc)).code == 0
    result = run_cli("check", str(svc), "--no-lint")
    assert result.code == 1
    lines = [line for line in result.out.splitlines() if "secret-in-config" in line]
    assert len(lines) == 2
    assert "pligos.yaml:7: secret-in-config: DB_PASSWORD looks like a secret" in lines[0]
    assert "pligos.yaml:9: secret-in-config: this value looks like a private key" in lines[1]


@pytest.mark.parametrize(("before", "after"), [
    ('{pligos: 1, name: u, images: [{name: i, repository: x/y, tag: "1"}],\n'
     ' contexts: [{name: dev, flavor: worker, image: i}, {name: prod, flavor: worker, image: i}]}\n',
     '{pligos: 1, name: u, images: [{name: i, repository: x/y, tag: "1"}],\n'
     ' contexts: [{name: dev, flavor: worker, image: i}, {name: prod, flavor: worker, image: i}],'
     ' current-context: prod}\n'),
    ("pligos: 1\r\nname: u\r\nimages: [{name: i, repository: x/y, tag: '1'}]\r\n"
     "contexts: [{name: dev, flavor: worker, image: i}, {name: prod, flavor: worker, image: i}]\r\n",
     "pligos: 1\r\nname: u\r\nimages: [{name: i, repository: x/y, tag: '1'}]\r\n"
     "contexts: [{name: dev, flavor: worker, image: i}, {name: prod, flavor: worker, image: i}]\r\n"
     "current-context: prod\r\n"),
    ("\ufeffpligos: 1\nname: u\nimages: [{name: i, repository: x/y, tag: '1'}]\n"
     "contexts: [{name: dev, flavor: worker, image: i}, {name: prod, flavor: worker, image: i}]\n"
     "current-context: dev\n",
     "\ufeffpligos: 1\nname: u\nimages: [{name: i, repository: x/y, tag: '1'}]\n"
     "contexts: [{name: dev, flavor: worker, image: i}, {name: prod, flavor: worker, image: i}]\n"
     "current-context: prod\n"),
], ids=["flow-mapping", "crlf", "bom"])
def test_use_context_keeps_the_files_form(tmp_path: Path, before: str, after: str):
    svc = tmp_path / "svc"
    svc.mkdir()
    (svc / "pligos.yaml").write_bytes(before.encode())
    result = run_cli("use-context", "prod", str(svc))
    assert result.code == 0, result.err
    assert (svc / "pligos.yaml").read_bytes() == after.encode()
    assert run_cli("contexts", str(svc)).out.splitlines()[1].startswith("* prod")
