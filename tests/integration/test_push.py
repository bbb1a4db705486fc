"""`pligos push` against a real OCI registry (Debian's docker-registry) on 127.0.0.1, with the
real helm: pushed, pulled back and rendered the same; unchanged charts skipped; a changed or
stale chart refused with nothing pushed; no secret bytes in a package."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from support import ROOT, docker_registry, free_port, helm, make_tree, run_cli, shop_with_secrets

HELM4 = ROOT / ".cache" / "helm" / "4.1.4" / "helm"


@pytest.fixture(scope="session")
def registry(tmp_path_factory) -> Iterator[str]:
    """oci://127.0.0.1:PORT of a registry that lives as long as the test session."""
    with docker_registry(tmp_path_factory.mktemp("registry")) as url:
        yield url


@pytest.fixture
def hello(example, helm_bin) -> Path:
    root = example("hello")
    assert run_cli("generate", str(root)).code == 0
    return root


def _push(*args: str, helm_bin: str, cwd: Path | None = None):
    return run_cli("push", *args, "--plain-http", cwd=cwd, env={"PLIGOS_HELM": helm_bin})


def _pull(helm_bin: str, ref: str, version: str, dest: Path) -> Path:
    """helm pull of ref:version into dest; the .tgz."""
    dest.mkdir(parents=True, exist_ok=True)
    result = helm(helm_bin, "pull", ref, "--version", version, "--plain-http",
                  "--destination", str(dest))
    assert result.returncode == 0, result.stderr
    (archive,) = dest.glob("*.tgz")
    return archive


def _annotation(helm_bin: str, ref: str, version: str) -> str:
    result = helm(helm_bin, "show", "chart", ref, "--version", version, "--plain-http")
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if "pligos.io/content-digest" in x)
    return line.split(":", 1)[1].strip()


def _leaves(data: object) -> Iterator[str]:
    if isinstance(data, dict):
        for value in data.values():
            yield from _leaves(value)
    elif isinstance(data, str):
        yield data


def _template(helm_bin: str, chart: Path) -> str:
    result = helm(helm_bin, "template", "hello", str(chart))
    assert result.returncode == 0, result.stderr
    return result.stdout


HELMS = ["default", pytest.param("helm4", marks=pytest.mark.skipif(
    not HELM4.is_file(), reason=f"helm 4 is not at {HELM4}"))]


@pytest.mark.parametrize("which", HELMS)
def test_push_pull_back_renders_the_same_and_a_second_push_pushes_nothing(
        which, hello, registry, helm_bin, tmp_path):
    helm_bin = str(HELM4) if which == "helm4" else helm_bin
    to = f"{registry}/rt-{which}"
    first = _push(str(hello), "--to", to, "--json", helm_bin=helm_bin)
    assert first.code == 0, first.out + first.err
    doc = json.loads(first.out)
    assert doc["format"] == 1 and doc["to"] == to and doc["unchanged"] == []
    assert sorted(c["ref"] for c in doc["pushed"]) == [f"{to}/dev/hello:0.1.0",
                                                      f"{to}/prod/hello:0.1.0"]
    for c in doc["pushed"]:
        assert c["digest"].startswith("sha256:") and len(c["digest"]) == 71
        assert c["content_digest"].startswith("sha256:") and c["secrets"] == []
        ref = c["ref"].rsplit(":", 1)[0]
        archive = _pull(helm_bin, ref, "0.1.0", tmp_path / c["context"])
        with tarfile.open(archive) as tar:
            names = tar.getnames()
            tar.extractall(tmp_path / c["context"], filter="data")
        assert not [n for n in names if "/.pligos" in n or "/secrets/" in n], names
        assert _annotation(helm_bin, ref, "0.1.0") == c["content_digest"]
        local = hello / "charts" / c["context"] / "hello"
        pulled = tmp_path / c["context"] / "hello"
        assert _template(helm_bin, pulled) == _template(helm_bin, local)

    again = _push(str(hello), "--to", to, helm_bin=helm_bin)
    assert again.code == 0, again.err
    assert f"  unchanged {to}/dev/hello:0.1.0  (already in the registry, same content)" \
        in again.out
    assert "pushed " not in again.out
    assert f"2 charts to {to}: nothing pushed: all are already in the registry, unchanged" \
        in again.out


def test_text_output_names_each_chart_pushed_with_its_digest(hello, registry, helm_bin):
    to = f"{registry}/text"
    result = _push("--to", to, "--context", "prod", helm_bin=helm_bin, cwd=hello)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith(f"  pushed    {to}/prod/hello:0.1.0  sha256:"), lines
    assert lines[-1].startswith(f"1 chart to {to}: 1 pushed, 0 unchanged ("), lines
    assert "dev/hello" not in result.out


def test_same_version_with_other_content_is_refused_and_nothing_is_pushed(
        hello, registry, helm_bin):
    to = f"{registry}/conflict"
    assert _push(str(hello), "--to", to, helm_bin=helm_bin).code == 0
    before = {c: _annotation(helm_bin, f"{to}/{c}/hello", "0.1.0") for c in ("dev", "prod")}
    config = hello / "pligos.yaml"
    config.write_text(config.read_text().replace("replicas: 2", "replicas: 3"))
    assert run_cli("generate", str(hello)).code == 0
    result = _push(str(hello), "--to", to, helm_bin=helm_bin)
    assert result.code == 2
    assert result.out == "" and "Traceback" not in result.err
    assert (f"error: {to}/prod/hello:0.1.0 is already in the registry with other content; "
            "nothing was pushed") in result.err
    assert "hint: bump chartVersion in " in result.err and "pligos.yaml" in result.err
    after = {c: _annotation(helm_bin, f"{to}/{c}/hello", "0.1.0") for c in ("dev", "prod")}
    assert after == before


def test_a_stale_or_missing_chart_is_refused_naming_it(hello, registry, helm_bin):
    to = f"{registry}/stale"
    config = hello / "pligos.yaml"
    config.write_text(config.read_text().replace("replicas: 2", "replicas: 4"))
    result = _push(str(hello), "--to", to, helm_bin=helm_bin)
    assert result.code == 2 and "Traceback" not in result.err
    assert "charts/prod/hello is stale: " in result.err
    assert "nothing was pushed" in result.err
    assert "hint: run `pligos generate`" in result.err
    assert "charts/dev/hello" not in result.err  # dev is current
    as_json = _push(str(hello), "--to", to, "--json", helm_bin=helm_bin)
    assert as_json.code == 2 and as_json.err == ""
    doc = json.loads(as_json.out)
    assert doc["format"] == 1 and "charts/prod/hello is stale" in doc["error"]
    assert doc["hint"] == "run `pligos generate` to bring the charts up to date"
    shutil.rmtree(hello / "charts" / "dev")
    result = _push(str(hello), "--to", to, "--context", "dev", helm_bin=helm_bin)
    assert result.code == 2 and "charts/dev/hello is missing: not generated yet" in result.err
    # nothing reached the registry
    shown = helm(helm_bin, "show", "chart", f"{to}/dev/hello", "--version", "0.1.0",
                 "--plain-http")
    assert shown.returncode != 0 and "not found" in shown.stderr


def test_inline_secrets_stay_out_of_the_package_and_the_receiver_is_told(
        tmp_path, registry, helm_bin):
    shop = shop_with_secrets(tmp_path)
    assert run_cli("generate", str(shop)).code == 0
    chart = shop / "checkout" / "charts" / "dev" / "checkout"
    secret_files = [p for p in (chart / "secrets").rglob("*") if p.is_file()]
    assert secret_files  # the chart does hold inline secret data locally
    known = [b"demo-checkout-db-password", b"demo-registry-password"]  # as the provider has them
    for path in secret_files:  # and as the chart keeps them (each value of its secret files)
        known += [leaf.encode() for leaf in _leaves(yaml.safe_load(path.read_text()))
                  if len(leaf) >= 8] if path.suffix == ".yaml" else [path.read_bytes().strip()]
    assert len(known) > 4
    to = f"{registry}/shop"
    result = _push(str(shop / "checkout"), "--to", to, "--context", "dev", helm_bin=helm_bin)
    assert result.code == 0, result.err
    ref = f"{to}/dev/checkout:1.0.0"
    assert (f"note: {ref} holds no secret data: whoever installs it must supply "
            "secretData.checkout-tls, secretData.postgres-password, secretData.registry, "
            "secretData.signing-key (each a map of key to base64), e.g. with -f "
            "secret-values.yaml:") in result.out
    assert "    secretData:\n      checkout-tls:\n        tls.crt: <base64>\n" \
        "        tls.key: <base64>\n      postgres-password:\n        password: <base64>\n" \
        in result.out

    archive = _pull(helm_bin, ref.rsplit(":", 1)[0], "1.0.0", tmp_path / "pulled")
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
        names = [m.name for m in members]
        content = b"".join(tar.extractfile(m).read() for m in members if m.isfile())
    assert "checkout/values.yaml" in names
    assert not [n for n in names if n.startswith("checkout/secrets")
                or n.rsplit("/", 1)[-1].startswith(".pligos")], names
    assert "checkout/charts/postgresql/Chart.yaml" in names  # a file:// subchart, fetched
    leaked = [k[:6] for k in known if k in content]
    assert not leaked, leaked

    pushed = json.loads(_push(str(shop / "checkout"), "--to", to, "--context", "dev",
                              "--json", helm_bin=helm_bin).out)
    (entry,) = pushed["unchanged"]
    assert {s["name"]: (s["keys"], s["value"]) for s in entry["secrets"]}[
        "postgres-password"] == (["password"], "secretData.postgres-password")

    # the pulled chart renders alone (its subchart inside), given what the note asks for
    supplied = {"secretData": {s["name"]: {k: "ZHVtbXk=" for k in s["keys"]}
                               for s in entry["secrets"]}}
    (tmp_path / "secret-values.yaml").write_text(json.dumps(supplied))
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path / "pulled", filter="data")
    rendered = helm(helm_bin, "template", "checkout", str(tmp_path / "pulled" / "checkout"),
                    "-f", str(tmp_path / "secret-values.yaml"))
    assert rendered.returncode == 0, rendered.stderr
    assert "kind: Deployment" in rendered.stdout
    assert "name: checkout-postgres" in rendered.stdout  # the file:// subchart's Service


def test_a_fresh_clone_without_the_secrets_pushes_what_the_original_would(
        tmp_path, registry, helm_bin):
    """push reads no secret store: a clone of the committed charts, which has neither the
    provider's secrets folder nor the charts' secret values, pushes the same package."""
    repo = tmp_path / "repo"
    shop = shop_with_secrets(repo)
    assert run_cli("generate", str(shop)).code == 0
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    for args in (["init", "-q"], ["add", "-A"],
                 ["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "c"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], env=env, check=True,
                   capture_output=True)
    checkout = clone / "shop" / "checkout"
    assert not (checkout / "secrets").exists()
    assert not list(checkout.glob("charts/*/checkout/secrets"))
    assert run_cli("check", str(clone / "shop"), "--no-lint").code == 0

    to = f"{registry}/clone"
    result = _push(str(checkout), "--to", to, "--context", "dev", helm_bin=helm_bin)
    assert result.code == 0, result.err
    ref = f"{to}/dev/checkout:1.0.0"
    assert result.out.startswith(f"  pushed    {ref}  sha256:"), result.out
    assert (f"note: {ref} holds no secret data: whoever installs it must supply "
            "secretData.checkout-tls, secretData.postgres-password, secretData.registry, "
            "secretData.signing-key (each a map of key to base64)") in result.out
    # keys that the secret's type fixes are named; the others only the store can tell
    assert "      checkout-tls:\n        tls.crt: <base64>\n        tls.key: <base64>\n" \
        "      postgres-password:\n        KEY: <base64>  # each key the secret store holds " \
        "for it\n      registry:\n        .dockerconfigjson: <base64>\n" in result.out
    # the original, with its secrets, would push exactly that package
    again = _push(str(shop / "checkout"), "--to", to, "--context", "dev", helm_bin=helm_bin)
    assert again.code == 0, again.err
    assert f"  unchanged {ref}  (already in the registry, same content)" in again.out


@pytest.mark.parametrize("ignore", [
    "# comment\n/*.bak\n*.swp\ndocs/\ntemplates/drop-*\n/top.txt\n[ab]x.txt\nq?.md\n",
    "!*.yaml\n",  # helm's `!`: all a negated rule does not match is left out
    "!*\n*.md\n",  # a negated rule that matches everything leaves out nothing
], ids=["globs", "negated", "negated-all"])
def test_the_copy_holds_what_helm_packages(ignore, tmp_path, helm_bin):
    """The chart's .helmignore is read as helm reads it: the copy `push` packages holds the
    files `helm package` of the folder would (the secrets folder and .pligos files never)."""
    from pligos_tui.jobs.push import copy_chart

    chart = make_tree(tmp_path / "c", {
        "Chart.yaml": "apiVersion: v2\nname: c\nversion: 0.1.0\n",
        ".helmignore": ignore,
        "values.yaml": "a: 1\n",
        "templates/keep.yaml": "x: 1\n", "templates/drop-me.yaml": "x: 1\n",
        "templates/.hidden": "x", "templates/sub/a.bak": "x",
        "a.bak": "x", "files/a.bak": "x", "files/b.swp": "x", "docs/readme": "x",
        "files/docs": "a file, not a folder", "top.txt": "x", "files/top.txt": "x",
        "ax.txt": "x", "cx.txt": "x", "q1.md": "x", "q12.md": "x",
        "files/.pligos-x": "x", "secrets/k": "x",
    })
    result = helm(helm_bin, "package", str(chart), "--destination", str(tmp_path))
    assert result.returncode == 0, result.stderr
    with tarfile.open(next(tmp_path.glob("c-*.tgz"))) as tar:
        packaged = sorted(n.split("/", 1)[1] for n in tar.getnames())
    packaged = [n for n in packaged if not n.startswith("secrets/")
                and not n.rsplit("/", 1)[-1].startswith(".pligos")]
    copy_chart(chart, tmp_path / "copy")
    copied = sorted(p.relative_to(tmp_path / "copy").as_posix()
                    for p in (tmp_path / "copy").rglob("*") if p.is_file())
    assert copied == packaged and "Chart.yaml" in copied
    assert "files/.pligos-x" not in copied


def test_an_unreachable_registry_is_an_error_with_a_hint(hello, helm_bin):
    to = f"oci://127.0.0.1:{free_port()}/none"
    result = _push(str(hello), "--to", to, helm_bin=helm_bin)
    assert result.code == 2 and "Traceback" not in result.err
    assert "connection refused" in result.err
    assert "hint: check that the registry at 127.0.0.1:" in result.err
    bad = run_cli("push", str(hello), "--to", "https://example.com/charts",
                  env={"PLIGOS_HELM": helm_bin})
    assert bad.code == 2 and "is not the address of a repository in an OCI registry" in bad.err
