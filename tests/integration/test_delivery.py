"""How secret data reaches the cluster: inline, external-secrets, existing — as a user sees it
with a real helm, from the working tree and from a fresh clone of a repository."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
import yaml

from support import (
    EXAMPLES,
    by_kind,
    credential_file,
    helm,
    kube_validate,
    lint_strict,
    make_tree,
    one,
    register_secret,
    render,
    run_cli,
)

PASSWORD = "delivery-db-password-7f3a"
CERT = "-----BEGIN CERTIFICATE-----\ndelivery-cert\n-----END CERTIFICATE-----\n"
KEY = "-----BEGIN PRIVATE KEY-----\ndelivery-key\n-----END PRIVATE KEY-----\n"

# a service using every kind of secret: a pull secret, a TLS secret, a secret mount and a
# friend's credential; its Vault is never reachable (port 9 on loopback)
SERVICE = """
pligos: 1
name: pay
secrets:
  provider: vault
  address: http://127.0.0.1:9
  path: apps/{context}
  delivery: external-secrets
  store: {kind: ClusterSecretStore, name: vault}
friends:
  - name: db
    type: dependency
    chart: {name: postgresql, version: 1.0.0, repository: "https://charts.example.com"}
    config: {host: db.example.com}
    credentials: {password: db-password}
images:
  - {name: app, repository: registry.example.com/pay, tag: "1.2.3", pullSecret: registry}
routes:
  - {name: http, port: 80, containerPort: 8080, fqdn: pay.example.com, tls: pay-tls}
mounts:
  - {name: keys, path: /etc/pay/keys, secret: signing}
contexts:
  - name: dev
    flavor: webservice
    namespace: pay-dev
    image: app
    routes: [http]
    mounts: [keys]
    friends: [db]
  - name: prod
    extends: dev
    namespace: pay
    release: payments
    replicas: 2
"""


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def _commit_and_clone(tmp_path: Path, svc: Path) -> Path:
    repo = svc.parent
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "x")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    return clone / svc.name


def _package(helm_bin: str, chart: Path, dest: Path) -> list[tuple[str, bytes]]:
    result = helm(helm_bin, "package", str(chart), "--destination", str(dest))
    assert result.returncode == 0, result.stderr
    archive = next(dest.glob("*.tgz"))
    with tarfile.open(archive) as tar:
        return [(m.name, tar.extractfile(m).read()) for m in tar.getmembers() if m.isfile()]


def test_external_secrets_need_no_vault_and_a_fresh_clone_renders_them(tmp_path, helm_bin):
    svc = make_tree(tmp_path / "repo" / "pay", {"pligos.yaml": SERVICE})
    generated = run_cli("generate", str(svc))
    assert generated.code == 0, generated.err
    assert run_cli("check", str(svc), "--no-lint").code == 0

    clone = _commit_and_clone(tmp_path, svc)
    chart = clone / "charts" / "prod" / "pay"
    assert not (chart / "secrets").exists()
    lint_strict(helm_bin, chart)
    manifests = render(helm_bin, chart, "payments")
    assert by_kind(manifests, "Secret") == []
    external = {m["metadata"]["name"]: m for m in by_kind(manifests, "ExternalSecret")}
    assert sorted(external) == ["payments-db-password", "payments-pay-tls",
                                "payments-registry", "payments-signing"]
    tls = external["payments-pay-tls"]
    assert tls["apiVersion"] == "external-secrets.io/v1"
    assert tls["spec"]["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "vault"}
    assert tls["spec"]["target"]["template"]["type"] == "kubernetes.io/tls"
    assert [(d["secretKey"], d["remoteRef"]) for d in tls["spec"]["data"]] == [
        ("tls.crt", {"key": "apps/prod/pay-tls", "property": "tls.crt"}),
        ("tls.key", {"key": "apps/prod/pay-tls", "property": "tls.key"})]
    signing = external["payments-signing"]["spec"]
    assert signing["dataFrom"] == [{"extract": {"key": "apps/prod/signing"}}]
    pull = external["payments-registry"]["spec"]["target"]["template"]
    assert pull["type"] == "kubernetes.io/dockerconfigjson"
    assert ".dockerconfigjson" in pull["data"]

    # what the pod refers to is what the ExternalSecrets make
    pod = one(manifests, "Deployment")["spec"]["template"]["spec"]
    assert pod["imagePullSecrets"] == [{"name": "payments-registry"}]
    assert credential_file(pod, "DB_PASSWORD") == {
        "name": "payments-db-password", "key": "password"}
    assert {e["name"]: e["value"] for e in pod["containers"][0]["env"]}["DB_PASSWORD_FILE"] == (
        "/var/run/secrets/pligos/db/password")
    ingress = one(manifests, "Ingress")
    assert ingress["spec"]["tls"][0]["secretName"] == "payments-pay-tls"
    kube_validate(manifests, tmp_path)  # (the ExternalSecrets against their schema too)

    # the clone regenerates without any secret access, and nothing changes
    again = run_cli("generate", str(clone))
    assert again.code == 0, again.err
    status = subprocess.run(["git", "-C", str(clone), "status", "--porcelain"],
                            capture_output=True, text=True, check=True).stdout
    assert status == ""
    files = _package(helm_bin, chart, tmp_path / "pkg")
    assert not any("/secrets/" in name for name, _ in files)
    # and what a GitOps engine runs in the clone needs no Vault either
    rendered = run_cli("render", str(clone), "--context", "prod")
    assert rendered.code == 0, rendered.err
    streamed = [d for d in yaml.safe_load_all(rendered.out) if d]
    assert len(by_kind(streamed, "ExternalSecret")) == 4 and by_kind(streamed, "Secret") == []
    assert {m["metadata"]["namespace"] for m in streamed} == {"pay"}


def _inline_service(tmp_path: Path) -> Path:
    text = (SERVICE.replace("provider: vault\n  address: http://127.0.0.1:9\n  path: apps/"
                            "{context}\n  delivery: external-secrets\n  store: {kind: "
                            "ClusterSecretStore, name: vault}\n", "provider: file\n"))
    register_secret(PASSWORD)
    return make_tree(tmp_path / "repo" / "pay", {
        "pligos.yaml": text,
        "secrets/db-password.yaml": f"password: {PASSWORD}\n",
        "secrets/pay-tls/tls.crt": CERT, "secrets/pay-tls/tls.key": KEY,
        "secrets/signing.yaml": "current.pem: delivery-signing-bytes\n",
        "secrets/registry.yaml": "registry: registry.example.com\nusername: ci\n"
                                 "password: delivery-registry-password\n",
        ".gitignore": "/pay/secrets/\n",
    })


def _prod_fetched_by_the_cluster(svc: Path) -> None:
    """Make prod of the inline service deliver its secrets as external-secrets."""
    text = (svc / "pligos.yaml").read_text().replace(
        "    release: payments\n",
        "    release: payments\n    secrets: {delivery: external-secrets, "
        "store: {name: team-store}}\n")
    (svc / "pligos.yaml").write_text(text)

def test_inline_chart_without_its_secret_data_fails_to_render_naming_it(tmp_path, helm_bin):
    register_secret("delivery-registry-password", "delivery-signing-bytes")
    svc = _inline_service(tmp_path)
    assert run_cli("generate", str(svc)).code == 0
    chart = svc / "charts" / "prod" / "pay"
    data = chart / "secrets" / "values.yaml"
    assert oct(data.stat().st_mode & 0o777) == "0o600"
    assert oct((chart / "secrets").stat().st_mode & 0o777) == "0o700"
    stored = yaml.safe_load(data.read_text())["secretData"]
    assert base64.b64decode(stored["db-password"]["password"]).decode() == PASSWORD
    assert PASSWORD not in (chart / "values.yaml").read_text()
    # given its data, it renders the real bytes; the chart names the file in .gitignore
    manifests = render(helm_bin, chart, "payments")
    secret = one(manifests, "Secret", "payments-db-password")
    assert base64.b64decode(secret["data"]["password"]).decode() == PASSWORD
    assert "/secrets/" in (chart / ".gitignore").read_text()

    # packaged, the chart carries no secret bytes
    files = _package(helm_bin, chart, tmp_path / "pkg")
    assert not any("/secrets/" in name for name, _ in files)
    assert not any(PASSWORD.encode() in body or
                   base64.b64encode(PASSWORD.encode()) in body for _, body in files)

    # a fresh clone has no secret data: helm fails and names the secret
    clone = _commit_and_clone(tmp_path, svc)
    cloned = clone / "charts" / "prod" / "pay"
    assert not (cloned / "secrets").exists()
    result = helm(helm_bin, "template", "payments", str(cloned))
    assert result.returncode != 0 and result.stdout == ""
    assert 'secret "db-password" has no data' in result.stderr
    assert "pligos generate" in result.stderr and "secrets/values.yaml" in result.stderr
    # pligos render there has no provider data either: it names the secret, prints nothing
    rendered = run_cli("render", str(clone), "--context", "prod")
    assert rendered.code == 2 and rendered.out == ""
    assert "db-password" in rendered.err and "Traceback" not in rendered.err


def test_a_changed_secret_rolls_the_pods(tmp_path, helm_bin):
    register_secret("delivery-registry-password", "delivery-signing-bytes", "rotated-pw-91c2")
    svc = _inline_service(tmp_path)
    assert run_cli("generate", str(svc)).code == 0
    chart = svc / "charts" / "dev" / "pay"

    def checksum() -> str:
        pod = one(render(helm_bin, chart), "Deployment")["spec"]["template"]
        return pod["metadata"]["annotations"]["checksum/secrets"]

    before = checksum()
    data = yaml.safe_load((chart / "secrets" / "values.yaml").read_text())["secretData"]
    fast = hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode())
    assert before != fast.hexdigest() and data["db-password"]["password"] not in before
    # the same on every machine: pligos render, which plans afresh, gives what generate gave
    elsewhere = tmp_path / "elsewhere" / "pay"
    shutil.copytree(svc, elsewhere, ignore=shutil.ignore_patterns("charts"))
    rendered = run_cli("render", str(elsewhere), "--context", "dev")
    assert rendered.code == 0, rendered.err
    pod = one([d for d in yaml.safe_load_all(rendered.out) if d], "Deployment")
    assert pod["spec"]["template"]["metadata"]["annotations"]["checksum/secrets"] == before
    (svc / "secrets" / "db-password.yaml").write_text("password: rotated-pw-91c2\n")
    assert run_cli("generate", str(svc)).code == 0
    assert checksum() != before


def test_existing_secrets_are_referred_to_by_the_clusters_name(tmp_path, helm_bin):
    text = (SERVICE.replace("provider: vault\n  address: http://127.0.0.1:9\n  path: apps/"
                            "{context}\n  delivery: external-secrets\n  store: {kind: "
                            "ClusterSecretStore, name: vault}\n",
                            "delivery: existing\n  names: {db-password: pay-db-credentials}\n"))
    svc = make_tree(tmp_path / "pay", {"pligos.yaml": text})
    result = run_cli("generate", str(svc))
    assert result.code == 0, result.err
    manifests = render(helm_bin, svc / "charts" / "prod" / "pay", "payments")
    assert by_kind(manifests, "Secret") == [] and by_kind(manifests, "ExternalSecret") == []
    pod = one(manifests, "Deployment")["spec"]["template"]["spec"]
    assert pod["imagePullSecrets"] == [{"name": "registry"}]
    assert credential_file(pod, "DB_PASSWORD") == {
        "name": "pay-db-credentials", "key": "password"}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["keys"]["secret"]["secretName"] == "signing"


def test_a_context_can_deliver_differently_from_the_service(tmp_path, helm_bin):
    """The secrets block says inline; prod overrides it with external-secrets and needs no
    secret data at all."""
    svc = _inline_service(tmp_path)
    _prod_fetched_by_the_cluster(svc)
    for path in sorted((svc / "secrets").rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    result = run_cli("generate", str(svc), "--context", "prod")
    assert result.code == 0, result.err
    manifests = render(helm_bin, svc / "charts" / "prod" / "pay", "payments")
    stores = {m["spec"]["secretStoreRef"]["name"] for m in by_kind(manifests, "ExternalSecret")}
    assert stores == {"team-store"}
    assert by_kind(manifests, "Secret") == []
    # dev still delivers inline, and so needs the data it no longer has
    dev = run_cli("generate", str(svc), "--context", "dev")
    assert dev.code == 2 and "db-password" in dev.err


def test_deploy_time_image_overrides_are_what_runs(tmp_path, helm_bin):
    svc = make_tree(tmp_path / "pay", {"pligos.yaml": SERVICE})
    assert run_cli("generate", str(svc)).code == 0
    chart = svc / "charts" / "dev" / "pay"

    def image(*sets: str) -> str:
        args = [a for s in sets for a in ("--set", s)]
        result = helm(helm_bin, "template", "pay", str(chart), *args)
        assert result.returncode == 0, result.stderr
        manifests = [d for d in yaml.safe_load_all(result.stdout) if d]
        return one(manifests, "Deployment")["spec"]["template"]["spec"]["containers"][0][
            "image"]

    assert image() == "registry.example.com/pay:1.2.3"
    assert image("image.tag=9.9.9") == "registry.example.com/pay:9.9.9"
    assert image("image.repository=mirror.example.com/pay") == "mirror.example.com/pay:1.2.3"
    digest = "sha256:" + "a" * 64
    assert image(f"image.digest={digest}", "image.tag=") == f"registry.example.com/pay@{digest}"
    # a tag given over a digest (or the other way round) is refused, never ignored
    both = helm(helm_bin, "template", "pay", str(chart), "--set", f"image.digest={digest}")
    assert both.returncode != 0 and both.stdout == ""
    assert "has both a tag (1.2.3) and a digest" in both.stderr
    assert "set image.digest= to run the tag" in both.stderr
    # the schema refuses what would run no image at all
    result = helm(helm_bin, "template", "pay", str(chart), "--set", "image.tag=")
    assert result.returncode != 0 and "image" in result.stderr


def test_objects_carry_the_release_namespace(tmp_path, helm_bin):
    svc = make_tree(tmp_path / "pay", {"pligos.yaml": SERVICE})
    assert run_cli("generate", str(svc)).code == 0
    result = helm(helm_bin, "template", "payments", str(svc / "charts" / "prod" / "pay"),
                  "--namespace", "pay")
    manifests = [d for d in yaml.safe_load_all(result.stdout) if d]
    assert manifests and {m["metadata"]["namespace"] for m in manifests} == {"pay"}


def test_contexts_tell_where_each_context_goes_and_the_helm_line(tmp_path):
    svc = make_tree(tmp_path / "pay", {"pligos.yaml": SERVICE})
    result = run_cli("contexts", "pay", "--json", cwd=tmp_path)
    assert result.code == 0, result.err
    rows = {r["name"]: r for r in json.loads(result.out)}
    assert rows["prod"]["release"] == "payments" and rows["prod"]["namespace"] == "pay"
    assert rows["dev"]["release"] == "pay" and rows["dev"]["secrets"] == "external-secrets"
    # the paths as seen from where the command ran, so that the line can be pasted there
    assert rows["prod"]["upgrade"] == ("helm upgrade --install payments pay/charts/prod/pay "
                                       "--namespace pay --create-namespace")


@pytest.mark.parametrize(("change", "message"), [
    ("  store: {kind: ClusterSecretStore, name: vault}\n", "no store"),
    ("  delivery: external-secrets\n", None),
])
def test_external_secrets_without_a_store_is_a_located_error(tmp_path, change, message):
    text = SERVICE.replace(change, "") if message else SERVICE.replace(
        "delivery: external-secrets", "delivery: externalsecrets")
    svc = make_tree(tmp_path / "pay", {"pligos.yaml": text})
    result = run_cli("generate", str(svc))
    assert result.code == 2 and "Traceback" not in result.err
    if message:
        assert result.err.count("\n") == 2, result.err  # once, naming both contexts
        assert result.err.startswith(f"{svc / 'pligos.yaml'}:3:1: error: in contexts 'dev' "
                                     "and 'prod', secrets are delivered as external-secrets "
                                     "but no store to read them from is named [secrets] "
                                     "(E-DELIVERY)\n  hint: add store: {kind: "
                                     "ClusterSecretStore, name: <store>} to secrets:")
    else:
        assert "pligos.yaml:7:" in result.err and "unknown secret delivery" in result.err
        assert "external-secrets" in result.err  # the did-you-mean
    assert not (svc / "charts").exists()


def test_bad_release_and_namespace_are_located(tmp_path):
    text = SERVICE.replace("release: payments", "release: Payments_API").replace(
        "namespace: pay\n", "namespace: Pay.Prod\n")
    svc = make_tree(tmp_path / "pay", {"pligos.yaml": text})
    result = run_cli("generate", str(svc))
    assert result.code == 2
    assert "release 'Payments_API' cannot start the names" in result.err
    assert "e.g. release: payments-api" in result.err
    assert "namespace" in result.err and "E-NAME-DNS" in result.err


def test_a_flavor_reading_the_old_image_ref_is_refused(tmp_path):
    svc = make_tree(tmp_path / "svc", {
        "pligos.yaml": """
            pligos: 1
            name: svc
            flavorPaths: [flavors]
            images: [{name: i, repository: example/svc, tag: "1"}]
            contexts: [{name: dev, flavor: old, image: i}]
        """,
        "flavors/old/flavor.yaml": "accepts: [image]\n",
        "flavors/old/Chart.yaml": "apiVersion: v2\nname: old\nversion: 0.1.0\n",
        "flavors/old/templates/pod.yaml": "image: {{ .Values.image.ref }}\n",
    })
    result = run_cli("generate", str(svc))
    assert result.code == 2 and "Traceback" not in result.err
    assert "flavors/old/templates/pod.yaml" in result.err
    assert "reads .Values.image.ref" in result.err and 'include "pligos.image"' in result.err
    assert not (svc / "charts").exists()


EXISTING_ONLY = """
pligos: 1
name: pay
images: [{name: app, repository: registry.example.com/pay, tag: "1"}]
mounts: [{name: keys, path: /etc/pay/keys, secret: signing}]
contexts:
  - {name: dev, flavor: webservice, image: app}
  - {name: prod, extends: dev, mounts: [keys], secrets: {delivery: existing}}
"""


def test_existing_secrets_need_no_provider_even_beside_contexts_without_secrets(tmp_path):
    svc = make_tree(tmp_path / "pay", {"pligos.yaml": EXISTING_ONLY})
    result = run_cli("generate", str(svc))
    assert result.code == 0, result.err
    values = yaml.safe_load((svc / "charts/prod/pay/values.yaml").read_text())
    assert values["secrets"] == {"signing": {"type": "Opaque", "delivery": "existing",
                                             "name": "signing"}}


def test_a_context_delivering_inline_without_a_provider_is_refused(tmp_path):
    text = EXISTING_ONLY.replace("  - {name: dev, flavor: webservice, image: app}",
                                 "  - {name: dev, flavor: webservice, image: app, "
                                 "mounts: [keys]}")
    svc = make_tree(tmp_path / "pay", {"pligos.yaml": text})
    result = run_cli("generate", str(svc))
    assert result.code == 2 and "E-SECRET-NO-PROVIDER" in result.err
    assert "mount 'keys' refers to the secret 'signing'" in result.err


@pytest.mark.parametrize(("block", "message"), [
    ("secrets: {delivery: existing, nmes: {signing: pay.signing}}",
     "unknown key 'nmes' in secrets without a provider"),
    ("secrets: {delivery: existing, names: {signing: Pay_Signing}}",
     "the Secret name for 'signing' 'Pay_Signing' is not a DNS subdomain"),
])
def test_a_block_without_a_provider_is_checked_too(tmp_path, block, message):
    text = EXISTING_ONLY.replace("secrets: {delivery: existing}", "{}").replace(
        "name: pay\n", f"name: pay\n{block}\n").replace(", {}}", "}")
    svc = make_tree(tmp_path / "pay", {"pligos.yaml": text})
    result = run_cli("generate", str(svc))
    assert result.code == 2, result.err
    assert message in result.err and "pligos.yaml:3:" in result.err
    assert not (svc / "charts").exists()


def test_secret_names_with_dots_are_taken(tmp_path, helm_bin):
    text = EXISTING_ONLY.replace("name: pay\n", "name: pay\nsecrets: {delivery: existing, "
                                 "names: {signing: pay.signing.v2}}\n", 1)
    svc = make_tree(tmp_path / "pay", {"pligos.yaml": text})
    result = run_cli("generate", str(svc))
    assert result.code == 0, result.err
    pod = one(render(helm_bin, svc / "charts/prod/pay"), "Deployment")["spec"]["template"]
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    assert volumes["keys"]["secret"]["secretName"] == "pay.signing.v2"


@pytest.mark.parametrize(("change", "message"), [
    # a names: entry for a secret that is not used: the typo would point the pod elsewhere
    (("secrets: {delivery: existing}", "secrets: {delivery: existing, names: {signng: s}}"),
     "no secret named 'signng' is used"),
    (("extends: dev,", "extends: dev, release: a.b.c,"),
     "release 'a.b.c' cannot start the names of the context's objects"),
    (("extends: dev,", "extends: dev, release: 1-2,"), "e.g. release: my-service"),
    (("extends: dev,", 'extends: dev, cluster: "https://",'),
     "cluster 'https://' must be an http(s) URL with a host"),
    (("extends: dev,", 'extends: dev, cluster: "https://u@h:6443/p?x=1",'),
     "must not hold a user, a query or a fragment"),
    (("extends: dev,", 'extends: dev, cluster: "  ",'), "is neither a URL nor a cluster name"),
    (("name: pay\n", "name: pay\nsecrets: {provider: file, path: charts/secrets}\n"),
     "is the charts folder or inside it"),
])
def test_deploy_settings_that_would_misdeploy_are_refused(tmp_path, change, message):
    text = EXISTING_ONLY.replace(*change)
    assert text != EXISTING_ONLY
    svc = make_tree(tmp_path / "pay", {"pligos.yaml": text})
    result = run_cli("generate", str(svc))
    assert result.code == 2, result.err
    assert message in result.err and "Traceback" not in result.err
    assert result.err.count("error:") == 1, result.err
    assert not (svc / "charts").exists()


def test_a_did_you_mean_for_a_names_typo(tmp_path):
    text = EXISTING_ONLY.replace("secrets: {delivery: existing}",
                                 "secrets: {delivery: existing, names: {signng: s}}")
    result = run_cli("generate", str(make_tree(tmp_path / "pay", {"pligos.yaml": text})))
    assert "did you mean 'signing'" in result.err


def test_a_render_stopped_by_sigterm_leaves_no_secret_data_behind(tmp_path, helm_bin):
    """A GitOps engine's timeout sends SIGTERM: the temporary chart, with its inline secret
    data, goes with the process."""
    register_secret("delivery-registry-password", "delivery-signing-bytes")
    svc = _inline_service(tmp_path)
    slow = tmp_path / "slow-helm"
    slow.write_text(f"#!/bin/sh\nsleep 30\nexec {helm_bin} \"$@\"\n")
    slow.chmod(0o755)
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "PLIGOS_HELM": str(slow), "TMPDIR": str(temp)}
    proc = subprocess.Popen([sys.executable, "-m", "pligos_tui", "render", str(svc),
                             "--context", "prod"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 20
    while not list(temp.rglob("values.yaml")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(temp.rglob("values.yaml")), "the render never started"
    proc.terminate()
    out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 143 and out == b""  # 128 + SIGTERM
    assert list(temp.iterdir()) == []


def test_every_missing_inline_secret_is_named_in_one_run(tmp_path):
    svc = _inline_service(tmp_path)
    shutil.rmtree(svc / "secrets")
    result = run_cli("generate", str(svc), "--context", "dev")
    assert result.code == 2 and "Traceback" not in result.err
    for name in ("db-password", "pay-tls", "registry", "signing"):
        assert f"secret {name!r} not found" in result.err, name
    assert result.err.count("error:") == 4
    assert not (svc / "charts").exists()


def test_a_service_name_must_be_able_to_name_its_service(tmp_path):
    svc = make_tree(tmp_path / "lives", {"pligos.yaml": EXISTING_ONLY.replace(
        "name: pay\n", "name: 9lives\n", 1)})
    result = run_cli("generate", str(svc))
    assert result.code == 2 and "'9lives' starts with a digit" in result.err
    assert "e.g. lives" in result.err and not (svc / "charts").exists()


def test_a_refresh_interval_of_zero_is_external_secrets_never_again(tmp_path):
    text = SERVICE.replace("  store: {kind: ClusterSecretStore, name: vault}\n",
                           "  store: {kind: ClusterSecretStore, name: vault}\n"
                           "  refreshInterval: \"0\"\n")
    svc = make_tree(tmp_path / "pay", {"pligos.yaml": text})
    result = run_cli("generate", str(svc), "--context", "dev")
    assert result.code == 0, result.err
    values = yaml.safe_load((svc / "charts/dev/pay/values.yaml").read_text())
    assert {s["refreshInterval"] for s in values["secrets"].values()} == {"0"}


def test_a_fresh_tree_names_every_missing_secret_of_every_service_once(tmp_path):
    tree = tmp_path / "shop"
    shutil.copytree(EXAMPLES / "shop", tree, ignore=shutil.ignore_patterns("secrets", "charts"))
    result = run_cli("generate", str(tree))
    assert result.code == 2 and "Traceback" not in result.err
    errors = [line for line in result.err.splitlines() if "error:" in line]
    # checkout's four secrets and catalog's one, each once although dev and prod both use them
    assert len(errors) == 5, result.err
    for name in ("registry", "checkout-tls", "signing-key", "postgres-password"):
        assert any(f"secret {name!r} not found" in line for line in errors), name
    assert sum("catalog/secrets" in line for line in errors) == 1


def test_typed_config_knows_the_keys_of_secrets_the_cluster_fetches(tmp_path):
    """codegen reads the keys of an external-secrets secret from the store, as for inline."""
    register_secret("delivery-registry-password", "delivery-signing-bytes")
    svc = _inline_service(tmp_path)
    _prod_fetched_by_the_cluster(svc)
    out = tmp_path / "cg"
    result = run_cli("codegen", str(svc), "--lang", "python", "--context", "prod",
                     "--out", str(out))
    assert result.code == 0, result.err
    assert "/etc/pay/keys/current.pem" in (out / "pligos_config.py").read_text()
