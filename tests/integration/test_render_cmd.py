"""`pligos render` and the Argo CD plugin that runs it: manifests alone on stdout, real helm,
subcharts built on the fly; on any error nothing on stdout and exit 2."""

from __future__ import annotations

import base64
import glob
import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from support import (
    EXAMPLES,
    ROOT,
    by_kind,
    kube_validate,
    make_tree,
    one,
    run_cli,
    shop_with_secrets,
)

DEPLOY = ROOT / "deploy" / "argocd"
BUILTIN_GROUPS = ("", "apps", "batch", "policy", "autoscaling")


def _docs(text: str) -> list[dict]:
    return [d for d in yaml.safe_load_all(text) if d is not None]


@pytest.fixture
def hello(tmp_path: Path) -> Path:
    """hello whose dev and prod set no namespace, with a context that sets its namespace
    and release, and no current-context."""
    root = tmp_path / "hello"
    shutil.copytree(EXAMPLES / "hello", root)
    text = (root / "pligos.yaml").read_text().replace("current-context: dev\n", "")
    text = re.sub(r"\n +namespace: .*", "", text)
    (root / "pligos.yaml").write_text(text + "  - {name: shop, extends: dev, namespace: "
                                      "shop-web, release: web}\n")
    return root


def test_render_prints_the_manifests_alone_in_the_namespace_asked(hello: Path,
                                                                  helm_bin: str) -> None:
    env = {"PLIGOS_HELM": helm_bin}
    given = run_cli("render", str(hello), "--context", "prod", "--namespace", "web-prod",
                    env=env)
    assert given.code == 0, given.err
    docs = _docs(given.out)
    # with two replicas: a PodDisruptionBudget; every pod its ServiceAccount and NetworkPolicy
    assert sorted(d["kind"] for d in docs) == ["Deployment", "NetworkPolicy",
                                               "PodDisruptionBudget", "Service",
                                               "ServiceAccount"]
    assert {d["metadata"]["namespace"] for d in docs} == {"web-prod"}
    assert one(docs, "Deployment")["spec"]["replicas"] == 2
    assert given.err == ("rendered 5 objects of hello, context prod: release hello in "
                         "namespace web-prod\n")

    # the context's namespace and release when --namespace is not given (or empty, as from
    # an Argo CD Application without a destination namespace); else the context's name
    own = run_cli("render", str(hello), "--context", "shop", "--namespace", "", env=env)
    assert own.code == 0, own.err
    deployment = one(_docs(own.out), "Deployment")
    assert deployment["metadata"]["namespace"] == "shop-web"
    assert deployment["metadata"]["labels"]["app.kubernetes.io/instance"] == "web"
    default = run_cli("render", str(hello), "--context", "dev", env=env)
    assert {d["metadata"]["namespace"] for d in _docs(default.out)} == {"dev"}


def test_render_needs_a_context_when_the_service_names_no_current_one(hello: Path,
                                                                      helm_bin: str) -> None:
    result = run_cli("render", str(hello), env={"PLIGOS_HELM": helm_bin})
    assert (result.code, result.out) == (2, "")
    assert "sets no current-context: name the context to render" in result.err
    assert "--context NAME (its contexts: dev, prod, shop)" in result.err
    with_current = hello / "pligos.yaml"
    with_current.write_text(with_current.read_text() + "current-context: prod\n")
    result = run_cli("render", str(hello), env={"PLIGOS_HELM": helm_bin})
    assert result.code == 0 and "context prod" in result.err


def test_render_builds_file_subcharts_and_carries_the_real_secret_data(
        tmp_path: Path, each_helm: str) -> None:
    shop = shop_with_secrets(tmp_path)
    checkout = shop / "checkout"
    assert not (checkout / "charts").exists()  # never generated: planned in memory only
    result = run_cli("render", str(checkout), "--context", "prod", "--namespace", "shop",
                     env={"PLIGOS_HELM": each_helm})
    assert result.code == 0, result.err
    docs = _docs(result.out)
    # the postgres requirement, a file:// subchart relative to the friends library
    labels = one(docs, "Service", "checkout-postgres")["metadata"]["labels"]
    assert (labels["app.kubernetes.io/name"], labels["app.kubernetes.io/instance"]) == (
        "postgres", "checkout")
    password = one(docs, "Secret", "checkout-postgres-password")
    assert base64.b64decode(next(iter(password["data"].values()))) == (
        b"demo-checkout-db-password")
    kube_validate(docs, tmp_path)
    assert not (checkout / "charts").exists()  # nothing written beside the service


def test_on_a_terminal_secret_data_is_redacted_and_said(tmp_path: Path, helm_bin: str) -> None:
    checkout = shop_with_secrets(tmp_path) / "checkout"
    leader, follower = pty.openpty()
    env = dict(os.environ, PLIGOS_HELM=helm_bin, NO_COLOR="1")
    proc = subprocess.Popen([sys.executable, "-m", "pligos_tui", "render", str(checkout),
                             "--context", "dev"], stdout=follower, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    err = proc.stderr.read().decode() if proc.stderr else ""
    assert proc.wait() == 0, err
    os.close(leader)
    shown = b"".join(chunks).decode().replace("\r\n", "\n")
    assert "demo-checkout-db-password" not in shown
    assert base64.b64encode(b"demo-checkout-db-password").decode() not in shown
    secret = one(_docs(shown), "Secret", "checkout-postgres-password")
    assert set(secret["data"].values()) == {"<redacted>"}
    assert ("note: stdout is a terminal, so Secret data is shown as <redacted>; redirect or "
            "pipe the output to get what would be applied") in err


def test_every_error_leaves_stdout_empty_and_exits_2(tmp_path: Path, helm_bin: str) -> None:
    env = {"PLIGOS_HELM": helm_bin}
    shop = shop_with_secrets(tmp_path)
    # a secret the store does not hold: named, at the line that uses it
    shutil.rmtree(shop / "catalog" / "secrets")
    missing = run_cli("render", str(shop / "catalog"), "--context", "dev", env=env)
    assert (missing.code, missing.out) == (2, "")
    assert "friends/postgres.yaml:12:13: error:" in missing.err
    assert "catalog/secrets/postgres-password/" in missing.err
    # a requirement whose repository cannot be reached
    friend = shop / "friends" / "postgres.yaml"
    friend.write_text(friend.read_text().replace('"file://../friend-charts/postgresql"',
                                                 "https://127.0.0.1:9/charts"))
    unreachable = run_cli("render", str(shop / "checkout"), "--context", "dev", env=env)
    assert (unreachable.code, unreachable.out) == (2, ""), unreachable.err
    assert ("error: the subchart postgresql 0.1.0 from https://127.0.0.1:9/charts of context "
            "'dev' of ") in unreachable.err and "could not be fetched" in unreachable.err
    assert "reachable from this machine" in unreachable.err
    # a context the service lacks; a pligos.yaml that does not load
    unknown = run_cli("render", str(EXAMPLES / "hello"), "--context", "staging", env=env)
    assert (unknown.code, unknown.out) == (2, "") and "staging" in unknown.err
    broken = make_tree(tmp_path / "broken", {"pligos.yaml": "pligos: 1\nname: Bad_Name\n"})
    result = run_cli("render", str(broken), "--context", "dev", env=env)
    assert (result.code, result.out) == (2, "")
    assert "pligos.yaml:2:7: error:" in result.err


# --------------------------------------------------------------------------- the Argo CD plugin

EXTERNAL = """
secrets:
  provider: vault
  address: http://127.0.0.1:9
  path: services/checkout/{context}
  delivery: external-secrets
  store: {kind: ClusterSecretStore, name: vault}
"""


def _plugin() -> dict:
    return yaml.safe_load((DEPLOY / "plugin.yaml").read_text())


def _generate(app: Path, context: str, namespace: str,
              helm_bin: str) -> subprocess.CompletedProcess[str]:
    """The plugin's generate command, run as argocd-cmp-server runs it: its command and args
    as one argv, in the Application's source folder, with the build environment and the
    Application's plugin env (prefixed ARGOCD_ENV_) added to the sidecar's own."""
    generate = _plugin()["spec"]["generate"]
    argv = [*generate["command"], *generate.get("args", [])]
    env = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}/usr/bin:/bin",
           "HOME": str(app.parent), "PLIGOS_HELM": helm_bin,
           "ARGOCD_APP_NAME": f"{app.name}-{context}", "ARGOCD_APP_NAMESPACE": namespace,
           "ARGOCD_APP_PROJECT_NAME": "default", "ARGOCD_APP_REVISION": "0" * 40,
           "ARGOCD_APP_REVISION_SHORT": "0000000", "ARGOCD_APP_SOURCE_PATH": app.name,
           "ARGOCD_APP_SOURCE_REPO_URL": "https://git.example.com/shop.git",
           "ARGOCD_APP_SOURCE_TARGET_REVISION": "HEAD", "KUBE_VERSION": "1.31.0",
           "KUBE_API_VERSIONS": "v1,apps/v1,networking.k8s.io/v1",
           "ARGOCD_ENV_PLIGOS_CONTEXT": context}
    return subprocess.run(argv, cwd=app, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120, check=False)


def test_the_plugin_is_discovered_by_pligos_yaml(tmp_path: Path) -> None:
    plugin = _plugin()
    assert (plugin["apiVersion"], plugin["kind"], plugin["metadata"]["name"]) == (
        "argoproj.io/v1alpha1", "ConfigManagementPlugin", "pligos")
    assert "version" not in plugin["spec"]  # Applications name it plugin.name: pligos
    pattern = plugin["spec"]["discover"]["fileName"]
    service = shutil.copytree(EXAMPLES / "hello", tmp_path / "hello")
    chart = make_tree(tmp_path / "chart", {"Chart.yaml": "apiVersion: v2\nname: x\n"})
    # Argo CD matches filepath.Glob(filepath.Join(appPath, fileName)); Join cleans the path
    assert glob.glob(os.path.normpath(os.path.join(service, pattern))) == [
        str(service / "pligos.yaml")]
    assert glob.glob(os.path.normpath(os.path.join(chart, pattern))) == []


def test_the_plugin_generates_what_kubernetes_takes_and_nothing_on_error(
        tmp_path: Path, each_helm: str) -> None:
    helm_bin = each_helm
    shop = shop_with_secrets(tmp_path)
    ran = _generate(shop / "checkout", "prod", "shop-prod", helm_bin)
    assert ran.returncode == 0, ran.stderr
    docs = _docs(ran.stdout)
    assert {"Deployment", "Service", "Secret", "Ingress", "ConfigMap"} <= {d["kind"] for d in docs}
    assert {d["metadata"].get("namespace") for d in by_kind(docs, "Deployment")} == {"shop-prod"}
    kube_validate(docs, tmp_path)

    # the same service reading Vault through External Secrets, in a clone without secrets
    # and with no Vault to reach: ExternalSecret objects, no secret data
    clone = tmp_path / "clone"
    shutil.copytree(EXAMPLES / "shop", clone, ignore=shutil.ignore_patterns("secrets"))
    config = clone / "checkout" / "pligos.yaml"
    text = re.sub(r"\nsecrets:\n(  .*\n)+", EXTERNAL, config.read_text())
    config.write_text(text)
    external = _generate(clone / "checkout", "prod", "shop-prod", helm_bin)
    assert external.returncode == 0, external.stderr
    docs = _docs(external.stdout)
    assert by_kind(docs, "Secret") == [] and len(by_kind(docs, "ExternalSecret")) == 4
    kube_validate(docs, tmp_path)

    config.write_text(text.replace("    image: release\n", "    image: relase\n"))
    failed = _generate(clone / "checkout", "prod", "shop-prod", helm_bin)
    assert failed.returncode != 0
    assert failed.stdout == ""
    assert "relase" in failed.stderr


def test_the_sidecar_patch_runs_the_cmp_server_with_the_plugin_mounted(tmp_path: Path) -> None:
    """The patch, merged by name into a stock argocd-repo-server Deployment, is a Deployment
    Kubernetes takes, whose pligos container runs argocd-cmp-server as user 999 with
    plugin.yaml where the server reads it and volumes that exist."""
    patch = yaml.safe_load((DEPLOY / "repo-server-patch.yaml").read_text())["spec"]["template"]
    stock = {"apiVersion": "apps/v1", "kind": "Deployment",
             "metadata": {"name": "argocd-repo-server", "namespace": "argocd"},
             "spec": {"selector": {"matchLabels": {"app": "repo"}}, "template": {
                 "metadata": {"labels": {"app": "repo"}},
                 "spec": {"containers": [{"name": "argocd-repo-server",
                                          "image": "quay.io/argoproj/argocd:v3.4.3"}],
                          "volumes": [{"name": "var-files", "emptyDir": {}},
                                      {"name": "plugins", "emptyDir": {}}]}}}}
    pod = stock["spec"]["template"]["spec"]
    for key in ("containers", "volumes"):
        names = {item["name"] for item in pod[key]}
        pod[key] += [item for item in patch["spec"][key] if item["name"] not in names]
    kube_validate([stock], tmp_path)
    sidecar = one([dict(c, kind="c", metadata=c) for c in pod["containers"]], "c", "pligos")
    assert sidecar["command"] == ["/var/run/argocd/argocd-cmp-server"]
    assert sidecar["securityContext"]["runAsUser"] == 999
    mounts = {m["mountPath"]: m for m in sidecar["volumeMounts"]}
    config = mounts["/home/argocd/cmp-server/config/plugin.yaml"]
    assert config["subPath"] == "plugin.yaml"
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert {m["name"] for m in sidecar["volumeMounts"]} <= set(volumes)
    assert volumes[config["name"]]["configMap"]["name"] == "pligos-plugin"
    assert mounts["/var/run/argocd"]["name"] == "var-files"
    assert "/tmp" in mounts and mounts["/tmp"]["name"] not in ("var-files", "plugins")
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "USER 999" in dockerfile and "pip install" in dockerfile and "helm" in dockerfile
