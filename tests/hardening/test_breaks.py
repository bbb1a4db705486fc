"""Breaks found by attacking Pligos as a hostile user would: each is a located error with exit
2 (or the right output), never a traceback, a hang, a leak or a partial write."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml

from support import make_tree, one, register_secret, render, run_cli

IMAGE = 'images: [{name: i, repository: nginx, tag: "1"}]\n'


def service(root: Path, body: str, name: str = "svc", files: dict | None = None) -> Path:
    """A service folder at root/name whose pligos.yaml is the header plus `body`."""
    svc = root / name
    text = f"pligos: 1\nname: {name}\n{IMAGE}" + textwrap.dedent(body).lstrip("\n")
    make_tree(svc, {"pligos.yaml": text, **(files or {})})
    return svc


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else b"")
            for p in sorted(root.rglob("*"))}


def refused(svc: Path, *args: str) -> str:
    """Run generate on svc; assert a clean exit 2 with nothing written; return stderr."""
    before = tree(svc)
    result = run_cli("generate", str(svc), *args)
    assert result.code == 2, result.out + result.err
    assert "Traceback" not in result.err and "internal error" not in result.err, result.err
    assert tree(svc) == before, "files were written although generate failed"
    return result.err


# --- 6. empty names are located errors -----------------------------------------------------

@pytest.mark.parametrize("use", ['[""]', '[{name: ""}]', "[{values: {a: 1}}]"])
def test_a_friend_without_a_name_is_a_located_error(tmp_path, use):
    svc = service(tmp_path, f"contexts: [{{name: dev, flavor: worker, image: i, friends: {use}}}]\n")
    err = refused(svc)
    assert err.count("error:") == 1, err
    assert "svc/pligos.yaml:4:" in err and "contexts[dev].friends[0]" in err


def test_the_empty_file_hint_names_no_file_that_does_not_exist(tmp_path):
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "pligos.yaml").write_text("")
    err = refused(tmp_path / "svc")
    assert "the file is empty" in err and "SPEC.md" not in err and "pligos new" in err


# --- 9. numbers render as numbers, within what Kubernetes takes ------------------------------

def test_a_large_replica_count_renders_as_a_whole_number(tmp_path, helm_bin):
    svc = service(tmp_path, "contexts: [{name: dev, flavor: worker, image: i, replicas: 1000000}]\n")
    assert run_cli("generate", str(svc)).code == 0
    deployment = one(render(helm_bin, svc / "charts/dev/svc"), "Deployment")
    assert deployment["spec"]["replicas"] == 1000000
    shown = run_cli("preview", str(svc), "--context", "dev")
    assert "replicas: 1000000\n" in shown.out and "e+06" not in shown.out


@pytest.mark.parametrize("body, where", [
    ("contexts: [{name: dev, flavor: worker, image: i, replicas: 3000000000}]\n",
     "contexts[dev].replicas"),
    ("probes: [{name: p, readiness: {tcpSocket: {port: 80}, periodSeconds: 99999999999}}]\n"
     "contexts: [{name: dev, flavor: worker, image: i, probe: p}]\n",
     "probes[p].readiness.periodSeconds"),
])
def test_whole_numbers_beyond_32_bits_are_located_errors(tmp_path, body, where):
    err = refused(service(tmp_path, body))
    assert "outside what Kubernetes takes" in err and where in err and "E-INT-RANGE" in err


# --- 13. scalars mean what their text says ----------------------------------------------------

def test_unquoted_env_values_are_taken_as_written(tmp_path, helm_bin):
    svc = service(tmp_path, """
        env: [{name: e, variables: {TIME: 12:30, HEX: 0x10, VERSION: 1.10, MODE: 0755,
                                    BIG: 1_000, FLAG: yes, INF: .inf, PLAIN: 42}}]
        contexts: [{name: dev, flavor: worker, image: i, env: [e]}]
        """)
    assert run_cli("generate", str(svc)).code == 0
    container = one(render(helm_bin, svc / "charts/dev/svc"), "Deployment")[
        "spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env == {"TIME": "12:30", "HEX": "0x10", "VERSION": "1.10", "MODE": "0755",
                   "BIG": "1_000", "FLAG": "yes", "INF": ".inf", "PLAIN": "42"}


def test_resource_quantities_are_taken_as_written(tmp_path):
    svc = service(tmp_path, """
        resources: [{name: r, requests: {cpu: 0.50, memory: 64Mi}}]
        contexts: [{name: dev, flavor: worker, image: i, resources: r}]
        """)
    assert run_cli("generate", str(svc)).code == 0
    values = yaml.safe_load((svc / "charts/dev/svc/values.yaml").read_text())
    assert values["resources"]["requests"]["cpu"] == "0.50"


@pytest.mark.parametrize("body, where, fix", [
    ("routes: [{name: http, port: 0x50}]\n"
     "contexts: [{name: dev, flavor: webservice, image: i, routes: [http]}]\n",
     "routes[http].port", "write port: 80"),
    ("contexts: [{name: dev, flavor: worker, image: i, replicas: 0755}]\n",
     "contexts[dev].replicas", "write replicas: 493"),
    ("contexts: [{name: dev, flavor: worker, image: i, replicas: 1_0}]\n",
     "contexts[dev].replicas", "write replicas: 10"),
    ("contexts: [{name: dev, flavor: worker, image: i, values: {at: 12:30}}]\n",
     "contexts[dev].values.at", 'quote it: at: "12:30"'),
    ("contexts: [{name: dev, flavor: worker, image: i, values: {x: [yes]}}]\n",
     "contexts[dev].values.x[0]", 'quote it: "yes"'),
    ("mounts: [{name: m, path: /m, emptyDir: {}, readOnly: on}]\n"
     "contexts: [{name: dev, flavor: worker, image: i, mounts: [m]}]\n",
     "mounts[m].readOnly", "write readOnly: true"),
])
def test_numbers_and_booleans_that_yaml_readers_disagree_on_are_located_errors(
        tmp_path, body, where, fix):
    err = refused(service(tmp_path, body))
    assert err.count("error:") == 1, err
    assert where in err and fix in err and "E-YAML-SPELLING" in err


def test_plainly_spelled_values_pass_through(tmp_path):
    svc = service(tmp_path, """
        contexts: [{name: dev, flavor: worker, image: i, replicas: 2,
                    values: {a: 1, b: -2.5, c: true, d: "12:30", e: 1.0e+3}}]
        """)
    assert run_cli("generate", str(svc)).code == 0
    values = yaml.safe_load((svc / "charts/dev/svc/values.yaml").read_text())
    assert {k: values[k] for k in "abcde"} == {"a": 1, "b": -2.5, "c": True, "d": "12:30",
                                                "e": 1000.0}


def test_no_blank_line_after_env_in_the_rendered_deployment(tmp_path):
    svc = service(tmp_path, """
        env: [{name: e, variables: {A: x}}]
        contexts: [{name: dev, flavor: worker, image: i, env: [e]}]
        """)
    assert run_cli("generate", str(svc)).code == 0
    shown = run_cli("preview", str(svc), "--context", "dev").out
    lines = shown.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip() == "env:")
    assert lines[at + 1].strip().startswith("- name:"), lines[at:at + 3]
    assert not any(line and not line.strip() for line in lines), "a whitespace-only line"


# --- 1. links inside a mounted folder obey the rule of links named directly ----------------

MOUNTED = """
    mounts: [{name: cfg, path: /etc/cfg, files: [config]}]
    contexts: [{name: dev, flavor: worker, image: i, mounts: [cfg]}]
    """


def test_a_link_leaving_the_service_inside_a_mounted_folder_is_refused(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("not the service's\n")
    svc = service(tmp_path, MOUNTED, files={"config/app.yaml": "a: 1\n"})
    (svc / "config/shadow").symlink_to(outside)
    err = refused(svc)
    assert "'config/shadow' is a symbolic link to" in err and "--follow-symlinks" in err
    assert "mounts[cfg].files[0]" in err and "E-PATH-OUTSIDE" in err
    # allowed when asked for; then a plain run refuses again instead of saying "unchanged"
    assert run_cli("generate", str(svc), "--follow-symlinks").code == 0
    assert b"not the service's" in (svc / "charts/dev/svc/files/mounts/cfg/shadow").read_bytes()
    assert run_cli("generate", str(svc)).code == 2
    assert run_cli("check", str(svc), "--no-lint").code == 2


def test_a_link_inside_the_service_is_mounted_under_its_own_name(tmp_path):
    svc = service(tmp_path, MOUNTED, files={"config/app.yaml": "a: 1\n"})
    (svc / "config/alias.yaml").symlink_to("app.yaml")
    assert run_cli("generate", str(svc)).code == 0
    assert (svc / "charts/dev/svc/files/mounts/cfg/alias.yaml").read_text() == "a: 1\n"


# --- 8. anything but a regular file is refused without being opened -----------------------

@pytest.mark.parametrize("fifo, body", [
    ("pligos.yaml", "contexts: [{name: dev, flavor: worker, image: i}]\n"),
    ("config/app.yaml", MOUNTED),
    ("config/pipe", MOUNTED),
    ("run.sh", "commands: [{name: c, type: script, fileName: run.sh}]\n"
               "contexts: [{name: dev, flavor: worker, image: i, command: c}]\n"),
    ("friends/db.yaml", "friendsLibrary: [friends]\n"
                        "contexts: [{name: dev, flavor: worker, image: i}]\n"),
])
def test_a_named_pipe_is_refused_at_once(tmp_path, fifo, body):
    svc = service(tmp_path, body, files={"config/app.yaml": "a: 1\n", "friends/.keep": ""})
    (svc / fifo).unlink(missing_ok=True)
    os.mkfifo(svc / fifo)
    before = tree(svc)
    try:  # (a read of the pipe would wait forever)
        result = subprocess.run([sys.executable, "-m", "pligos_tui", "generate", str(svc)],
                                capture_output=True, text=True, timeout=30, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("generate waited on the named pipe")
    assert result.returncode == 2, result.stderr
    assert "is a named pipe, not a regular file" in result.stderr
    assert tree(svc) == before


# --- 6. names longer than a file system takes ------------------------------------------------

def test_a_file_name_over_255_bytes_is_a_located_error(tmp_path):
    long = "a" * 300
    svc = service(tmp_path, f"""
        mounts: [{{name: cfg, path: /etc/cfg, files: [{long}.txt]}}]
        flavorPaths: [{long}]
        contexts: [{{name: dev, flavor: worker, image: i, mounts: [cfg]}}]
        """)
    err = refused(svc)
    assert err.count("E-PATH-LONG") == 2, err
    assert "mounts[cfg].files[0]" in err and "flavorPaths[0]" in err


# --- 2. files of the provider's folder are not plain files -----------------------------------

def test_a_file_of_the_secrets_folder_cannot_be_mounted_as_a_plain_file(tmp_path):
    password = "s3cr3t-hunter2-round2"
    register_secret(password)
    svc = service(tmp_path, """
        secrets: {provider: file, path: ./secrets}
        mounts: [{name: db, path: /etc/db, files: [secrets/db.yaml]},
                 {name: all, path: /etc/all, files: [secrets]}]
        contexts: [{name: dev, flavor: worker, image: i, mounts: [db]},
                   {name: prod, flavor: worker, image: i, mounts: [all]}]
        """, files={"secrets/db.yaml": f"password: {password}\n"})
    err = refused(svc)
    assert err.count("E-FILE-SECRET") == 2, err
    assert "mounts[db].files[0]" in err and "secret: db" in err
    shown = run_cli("preview", str(svc), "--context", "dev", "--values")
    assert shown.code == 2 and password not in shown.out + shown.err


# --- 4. aliases cannot multiply a small file into a huge chart --------------------------------

def test_an_alias_size_bomb_is_refused_quickly_with_little_memory(tmp_path):
    big = "x" * 100_000
    svc = tmp_path / "bomb"
    svc.mkdir()
    (svc / "pligos.yaml").write_text(
        "pligos: 1\nname: bomb\n" + IMAGE + "contexts:\n  - name: dev\n    flavor: worker\n"
        f"    image: i\n    values:\n      big: &a {big}\n      list: [" + ", ".join(["*a"] * 2000)
        + "]\n")
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", (
        # the peak of this process's own memory (VmHWM: ru_maxrss would count the parent's)
        "import re, sys\nfrom pligos_tui.cli import main\ncode = main(sys.argv[1:])\n"
        "status = open('/proc/self/status').read()\n"
        "print(re.search(r'VmHWM:\\s*(\\d+)', status).group(1), file=sys.stderr)\n"
        "sys.exit(code)"), "generate", str(svc)], capture_output=True, text=True, check=False)
    assert proc.returncode == 2, proc.stderr
    assert "expands to more than" in proc.stderr and "pligos.yaml:9:" in proc.stderr
    assert int(proc.stderr.strip().splitlines()[-1]) < 200_000  # KiB of peak memory
    assert time.monotonic() - started < 30
    assert not (svc / "charts").exists()


# --- 10. nothing is written when any destination is refused -----------------------------------

def test_a_foreign_folder_at_one_destination_stops_the_run_before_any_write(tmp_path):
    svc = service(tmp_path, "contexts: [{name: dev, flavor: worker, image: i},\n"
                            "           {name: prod, flavor: worker, image: i}]\n")
    out = tmp_path / "out"
    make_tree(out, {"prod/svc/notes.txt": "mine\n"})
    result = run_cli("generate", str(svc), "--out", str(out))
    assert result.code == 2
    assert "out/prod/svc exists and was not generated by Pligos; nothing was written" in result.err
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == ["prod", "prod/svc",
                                                                      "prod/svc/notes.txt"]


# --- 11. folders Pligos did not make are never deleted ----------------------------------------

def test_a_users_folder_named_like_a_leftover_is_kept(tmp_path):
    svc = service(tmp_path, "contexts: [{name: dev, flavor: worker, image: i}]\n",
                  files={"charts/dev/.svc.pligos-new-mine/data.txt": "my data\n"})
    assert run_cli("generate", str(svc)).code == 0
    assert (svc / "charts/dev/.svc.pligos-new-mine/data.txt").read_text() == "my data\n"


def test_pruning_never_deletes_a_copy_or_files_added_by_hand(tmp_path):
    svc = service(tmp_path, "contexts: [{name: dev, flavor: worker, image: i},\n"
                            "           {name: prod, flavor: worker, image: i}]\n")
    assert run_cli("generate", str(svc)).code == 0
    shutil.copytree(svc / "charts/prod/svc", svc / "charts/backup/svc")
    (svc / "charts/backup/svc/mine.txt").write_text("kept\n")
    (svc / "charts/prod/svc/notes.txt").write_text("also kept\n")
    text = (svc / "pligos.yaml").read_text()
    (svc / "pligos.yaml").write_text(text.replace(",\n           {name: prod, flavor: worker, "
                                                  "image: i}", ""))
    result = run_cli("generate", str(svc))
    assert result.code == 0, result.err
    assert (svc / "charts/backup/svc/mine.txt").read_text() == "kept\n"
    assert (svc / "charts/prod/svc/notes.txt").read_text() == "also kept\n"
    assert "charts/backup/svc is a copy of the chart of context 'prod'" in result.err
    assert "charts/prod/svc belongs to no context" in result.err and "notes.txt" in result.err


# --- 5. a change made while generate writes is never recorded as done -------------------------

def test_the_record_names_the_pligos_yaml_that_was_read(tmp_path, monkeypatch):
    svc = service(tmp_path, "contexts: [{name: dev, flavor: worker, image: i, replicas: 1}]\n")
    from pligos_tui.jobs import generate as job
    real = job._write_charts

    def edit_while_writing(*args, **kwargs):
        text = (svc / "pligos.yaml").read_text()
        (svc / "pligos.yaml").write_text(text.replace("replicas: 1", "replicas: 7"))
        return real(*args, **kwargs)

    monkeypatch.setattr(job, "_write_charts", edit_while_writing)
    job.generate([svc])
    monkeypatch.undo()
    assert run_cli("check", str(svc), "--no-lint").code == 1  # stale: written from replicas 1
    again = run_cli("generate", str(svc))
    assert "1 written" in again.out, again.out
    assert "replicas: 7" in (svc / "charts/dev/svc/values.yaml").read_text()


# --- one problem, one message ------------------------------------------------------------------

def test_a_problem_inherited_by_several_contexts_is_reported_once(tmp_path):
    svc = service(tmp_path, """
        contexts:
          - {name: dev, flavor: webservis, image: i}
          - {name: a, extends: dev}
          - {name: b, extends: dev}
          - {name: c, extends: a}
        """)
    for command in (("generate",), ("check", "--no-lint"), ("preview", "--context", "c")):
        result = run_cli(*command, str(svc))
        assert result.code == 2
        assert result.err.count("error:") == 1, result.err
        assert "unknown flavor 'webservis' (contexts 'dev', 'a', 'b' and 'c')" in result.err


@pytest.mark.parametrize("tag", ['""', "~", "''"])
def test_an_empty_image_tag_is_a_located_error(tmp_path, tag):
    svc = tmp_path / "svc"
    make_tree(svc, {"pligos.yaml": "pligos: 1\nname: svc\nimages: [{name: i, repository: "
                    f"registry.example.com/x, tag: {tag}}}]\n"
                    "contexts: [{name: dev, flavor: worker, image: i}]\n"})
    err = refused(svc)
    assert "image 'i' has an empty tag" in err and "images[i].tag" in err
    assert run_cli("check", "--no-lint", str(svc)).code == 2


def test_pligos_new_keeps_a_users_folder_named_like_its_leftovers(tmp_path):
    mine = make_tree(tmp_path / ".billing.pligos-new-mine", {"data.txt": "my data\n"})
    staged = make_tree(tmp_path / ".billing.pligos-stage-mine", {"notes.txt": "mine too\n"})
    result = run_cli("new", str(tmp_path / "billing"), "--no-input", "--set", "name=billing",
                     "--set", "flavor=worker")
    assert result.code == 0, result.err
    assert (mine / "data.txt").read_text() == "my data\n"
    assert (staged / "notes.txt").read_text() == "mine too\n"
    assert not (tmp_path / "billing" / ".pligos-new-in-progress").exists()


# --- found by the fuzz campaign (benchmarks/fuzz_cli.py) --------------------------------------

def test_a_mounted_file_linking_to_itself_is_a_located_error(tmp_path):
    svc = service(tmp_path, "mounts: [{name: cfg, path: /etc/cfg, files: [config/app.yaml]}]\n"
                            "contexts: [{name: dev, flavor: worker, image: i, mounts: [cfg]}]\n")
    (svc / "config").mkdir()
    (svc / "config/app.yaml").symlink_to("app.yaml")
    err = refused(svc)
    assert "'config/app.yaml' is a symbolic link that leads back to itself" in err
    assert "mounts[cfg].files[0]" in err


@pytest.mark.parametrize("value", ['!!int "x"', "!!float abc"])
def test_a_tag_that_cannot_be_read_is_a_located_error(tmp_path, value):
    svc = service(tmp_path, f"env: [{{name: e, variables: {{A: {value}}}}}]\n"
                            "contexts: [{name: dev, flavor: worker, image: i, env: [e]}]\n")
    err = refused(svc)
    assert "svc/pligos.yaml:4:" in err and "as the" in err and "its tag asks for" in err


def test_a_secrets_path_outside_the_service_with_a_mount_is_one_error(tmp_path):
    svc = service(tmp_path, """
        secrets: {provider: file, path: /}
        mounts: [{name: cfg, path: /etc/cfg, files: [app.yaml]}]
        contexts: [{name: dev, flavor: worker, image: i, mounts: [cfg]}]
        """, files={"app.yaml": "a: 1\n"})
    err = refused(svc)
    assert "secrets.path" in err and "E-PATH-OUTSIDE" in err and "E-FILE-SECRET" not in err


def test_a_file_where_the_charts_folder_goes_stops_the_run_before_any_write(tmp_path):
    svc = service(tmp_path, "secrets: {provider: file}\n"
                            "contexts: [{name: dev, flavor: worker, image: i}]\n",
                  files={"secrets/x.yaml": "a: b\n", "charts": "not a folder\n"})
    err = refused(svc)  # (.gitignore is not written either)
    assert "charts (a file where a folder of charts goes)" in err


@pytest.mark.parametrize("raw, where", [
    (b'images2: [{name: j, repository: nginx, tag: "1\x01"}]\n', ":4:47:"),
    (b"# a comment \x7f\n", ":4:13:"),
])
def test_a_control_character_is_located_by_line_and_column(tmp_path, raw, where):
    svc = tmp_path / "svc"
    svc.mkdir()
    (svc / "pligos.yaml").write_bytes(b"pligos: 1\nname: svc\n" + IMAGE.encode() + raw)
    err = refused(svc)
    assert f"svc/pligos.yaml{where} error: the file holds the control character U+00" in err
    assert "position" not in err


@pytest.mark.parametrize("value", [{"MSG": "a\nb", "TAB": "x\ty"}, ["one\n", "two"], "a\x1bb"])
def test_a_value_in_flow_style_stays_on_one_line_and_reads_back(value):
    from pligos_tui.io.yamlwrite import dump_flow
    text = dump_flow(value)
    assert "\n" not in text and "\t" not in text and "\x1b" not in text
    assert yaml.safe_load(text) == value
