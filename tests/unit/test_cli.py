"""The command line as a user meets it: output, exit codes, help, editing pligos.yaml."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from support import EXAMPLES, make_tree, run_cli

from pligos_tui.errors import ConfigError, PligosError, Problem

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
            "heavy = [m for m in ('textual', 'rich', 'yaml', 'ruamel', 'pligos_tui.spec.load')"
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
    assert set(listed) == {"webservice", "worker", "cronjob", "statefulset", "daemonset", "job"}
    assert listed["cronjob"]["requires"] == ["image", "schedule"]
    assert "routes" not in listed["worker"]["accepts"]
    assert listed["statefulset"]["builtin"] is False  # a flavorPaths folder's comes first
    assert listed["daemonset"]["workload"] == "DaemonSet" and listed["daemonset"]["builtin"]
    assert "replicas" not in listed["daemonset"]["accepts"]


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
    assert "replicas: 2" in result.out and "repository: nginx" in result.out


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
    assert "from context dev to prod:" in result.out
    assert "~ Deployment hello/hello" in result.out and "spec.replicas: 1 → 2" in result.out
    assert "\033[" not in result.out  # piped output has no colour
    unified = run_cli("diff", str(EXAMPLES / "hello"), "dev", "prod", "--unified")
    assert "--- context dev" in unified.out and "+++ context prod" in unified.out
    assert "-  replicas: 1" in unified.out and "+  replicas: 2" in unified.out
    same = run_cli("diff", str(EXAMPLES / "hello"), "dev", "dev", "--exit-code")
    assert same.code == 0 and "render the same objects" in same.out
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
    marked = [line for line in run_cli("contexts", str(svc)).out.splitlines()
              if line.startswith("*")]
    assert len(marked) == 1 and marked[0].startswith("* prod")


# --------------------------------------------------------------------------- errors, --json

BROKEN = """\
pligos: 1
name: svc
images:
  - {name: i, repository: x/y, tag: "1"}
contexts:
  - name: dev
    flavor: worker
    image: j
"""
PROBLEM_KEYS = {"file", "line", "column", "level", "rule", "message", "key_path", "hint"}


def _broken(tmp_path: Path) -> Path:
    return make_tree(tmp_path / "svc", {"pligos.yaml": BROKEN})


def test_a_config_error_is_printed_as_file_line_column_and_hint(tmp_path: Path):
    _broken(tmp_path)
    result = run_cli("generate", "svc", cwd=tmp_path)
    assert result.code == 2 and result.out == ""
    first, hint = result.err.splitlines()
    assert first.startswith("svc/pligos.yaml:8:12: error: context 'dev' refers to image 'j', "
                            "which is not defined [contexts[dev].image]")
    assert hint == "  hint: images defines: i"
    assert "\033[" not in result.err  # piped output has no colour


@pytest.mark.parametrize("command", ["generate", "check", "contexts", "flavors", "friends"])
def test_json_reports_a_config_error_on_stdout(tmp_path: Path, command: str):
    _broken(tmp_path)
    result = run_cli(command, "svc", "--json", cwd=tmp_path)
    assert result.code == 2
    assert result.err == ""
    doc = json.loads(result.out)
    assert doc["error"] == "1 problem in svc/pligos.yaml" and doc["hint"] == ""
    [problem] = doc["problems"]
    assert set(problem) == PROBLEM_KEYS
    assert {k: v for k, v in problem.items() if k != "rule"} == {
        "file": "svc/pligos.yaml", "line": 8, "column": 12, "level": "error",
        "message": "context 'dev' refers to image 'j', which is not defined",
        "key_path": "contexts[dev].image", "hint": "images defines: i"}
    assert isinstance(problem["rule"], str)


@pytest.mark.parametrize("command", ["generate", "check", "contexts", "flavors", "friends"])
def test_json_reports_other_errors_with_their_hint(tmp_path: Path, command: str):
    result = run_cli(command, str(tmp_path / "nope"), "--json", cwd=tmp_path)
    assert result.code == 2 and result.err == ""
    doc = json.loads(result.out)
    assert set(doc) == {"format", "error", "hint", "problems"} and doc["format"] == 1
    assert "does not exist" in doc["error"] and doc["hint"] and doc["problems"] == []


def test_json_of_a_usage_error_keeps_the_exit_status(tmp_path: Path):
    make_tree(tmp_path, {"a/pligos.yaml": COMMENTED, "b/pligos.yaml": COMMENTED})
    result = run_cli("contexts", ".", "--json", cwd=tmp_path)
    assert result.code == 2
    assert json.loads(result.out) == {"format": 1,
                                      "error": ". holds 2 services; this command works on one",
                                      "hint": "give the folder of one service", "problems": []}
    plain = run_cli("contexts", ".", cwd=tmp_path)
    assert plain.code == 2 and plain.out == ""
    assert plain.err == ("error: . holds 2 services; this command works on one\n"
                         "  hint: give the folder of one service\n")


# --------------------------------------------------------------------------- colour

ANSI = re.compile(r"\033\[[0-9;]*m")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _problem(**changes: object) -> Problem:
    fields: dict = {"file": "pligos.yaml", "line": 16, "column": 3, "message": "bad value",
                    "key_path": "contexts[prod].image", "hint": "images defines: main"}
    return Problem(**{**fields, **changes})


def _printed(err: PligosError, stream: io.StringIO, monkeypatch) -> str:
    from pligos_tui import cli_report

    monkeypatch.setattr(sys, "stderr", stream)
    cli_report.error(err)
    return stream.getvalue()


def test_problems_print_the_same_text_with_and_without_colour(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    err = ConfigError([_problem(), _problem(line=20, column=None, key_path="", hint="")])
    plain = _printed(err, io.StringIO(), monkeypatch)
    assert plain == ("pligos.yaml:16:3: error: bad value [contexts[prod].image]\n"
                     "  hint: images defines: main\n"
                     "pligos.yaml:20: error: bad value\n")
    assert plain == err.format() + "\n"
    coloured = _printed(err, _Terminal(), monkeypatch)
    assert "\033[" in coloured
    assert ANSI.sub("", coloured) == plain


def test_a_rule_id_follows_the_key_path(monkeypatch):
    problem = _problem()
    if "rule" not in {f.name for f in dataclasses.fields(Problem)}:
        pytest.skip("Problem has no rule id")
    err = ConfigError([dataclasses.replace(problem, rule="E-REF-UNKNOWN")])
    text = _printed(err, io.StringIO(), monkeypatch)
    assert text.splitlines()[0] == ("pligos.yaml:16:3: error: bad value [contexts[prod].image]"
                                    " (E-REF-UNKNOWN)")
    assert text == err.format() + "\n"


@pytest.mark.parametrize("env", [{"NO_COLOR": ""}, {"NO_COLOR": "1"}, {"TERM": "dumb"}])
def test_no_colour_with_no_color_or_a_dumb_terminal(monkeypatch, env: dict[str, str]):
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("FORCE_COLOR", "1")  # Rich alone would colour then
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    text = _printed(PligosError("no such context", hint="contexts are: dev"), _Terminal(),
                    monkeypatch)
    assert text == "error: no such context\n  hint: contexts are: dev\n"


def test_plain_output_does_not_import_rich(tmp_path: Path):
    _broken(tmp_path)
    code = ("import sys; from pligos_tui.cli import main\n"
            "status = main(['generate', 'svc'])\n"
            "print(status, 'rich' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, check=True)
    assert proc.stdout.split() == ["2", "False"]
    assert proc.stderr.startswith("svc/pligos.yaml:8:12: error: ")


def test_a_run_with_nothing_to_do_loads_no_yaml(tmp_path: Path):
    """When every chart is current, `generate` answers from its records: neither the YAML
    parser nor the loader is imported."""
    svc = make_tree(tmp_path / "svc", {"pligos.yaml": COMMENTED})
    assert run_cli("generate", str(svc)).code == 0
    code = ("import sys; from pligos_tui.cli import main\n"
            "status = main(['generate', 'svc'])\n"
            "print(status, sorted(m for m in ('yaml', 'pligos_tui.spec.load', "
            "'pligos_tui.charts.contract') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, check=True)
    assert "0 written, 2 unchanged" in proc.stdout
    assert proc.stdout.splitlines()[-1] == "0 []"


def test_json_errors_to_a_reader_that_left_keep_the_status_and_print_no_traceback(tmp_path):
    """`pligos check --json | head -1`: the reader may close the pipe before the error
    document is written; the exit status still says 2, and nothing is dumped on stderr."""
    _broken(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "pligos_tui", "check", "svc", "--json",
                             "--no-lint"], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before the interpreter has even started
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 2, err
    assert "Traceback" not in err and "Exception ignored" not in err, err


@pytest.mark.parametrize("command", [["contexts"], ["contexts", "--json"], ["flavors"],
                                     ["preview", "--context", "dev", "--values"],
                                     ["render", "--context", "dev"]])
@pytest.mark.parametrize("stdout", ["full", "closed"])
def test_a_stdout_that_cannot_be_written_is_a_clear_error(command, stdout):
    """A full disk or a closed stdout: one line on stderr, exit 2 — never a traceback."""
    pligos = Path(sys.executable).parent / "pligos"
    args = " ".join([str(pligos), *command, str(EXAMPLES / "hello")])
    redirect = "> /dev/full" if stdout == "full" else ">&-"
    result = subprocess.run(["sh", "-c", f"{args} {redirect}"], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert ("No space left on device" if stdout == "full" else "stdout is closed") \
        in result.stderr
