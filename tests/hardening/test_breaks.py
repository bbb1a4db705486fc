"""Breaks found by attacking Pligos as a hostile user would: each is a located error with exit
2 (or the right output), never a traceback, a hang, a leak or a partial write."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from support import make_tree, one, render, run_cli

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
