"""Friends and the file secret provider, with the real helm: subcharts, shared dependencies,
Secrets holding exactly the stored bytes, and secret data only where it belongs."""

from __future__ import annotations

import base64
import json
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from support import (EXAMPLES, credential_file, helm, kube_validate, lint_strict, make_tree,
                     one, register_secret, render, run_cli, shop_with_secrets)

DEMO_SECRETS = EXAMPLES / "shop" / "make-demo-secrets.py"
RAW = b"\xef\xbb\xbf" + bytes(range(256))  # starts like a byte order mark: must survive


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    root = shop_with_secrets(tmp_path_factory.mktemp("shop"))
    # a binary key, to check bytes are kept exactly
    (root / "checkout/secrets/signing-key/raw.bin").write_bytes(RAW)
    return root


@pytest.fixture(scope="module")
def charts(shop: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("out")
    result = run_cli("generate", str(shop), "--out", str(out))
    assert result.code == 0, result.err
    assert "shared-dependencies  (shared: redis)" in result.out
    return out


def _build(helm_bin: str, chart: Path) -> None:
    result = helm(helm_bin, "dependency", "build", str(chart))
    assert result.returncode == 0, result.stdout + result.stderr


def _env(container: dict) -> dict[str, object]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


def _secret_data(manifests: list[dict], name: str) -> dict[str, bytes]:
    secret = one(manifests, "Secret", name)
    return {k: base64.b64decode(v) for k, v in secret["data"].items()}


@pytest.mark.parametrize("context", ["dev", "prod"])
@pytest.mark.parametrize("service", ["checkout", "catalog"])
def test_service_charts_with_subchart_lint_render_validate(charts, helm_bin, tmp_path,
                                                          context, service):
    chart = charts / context / service
    _build(helm_bin, chart)
    lint_strict(helm_bin, chart)
    manifests = render(helm_bin, chart, release=f"{service}-{context}")
    kube_validate(manifests, tmp_path)
    # the requirement is rendered as a subchart, under its alias
    assert one(manifests, "Service", f"{service}-{context}-postgres")


@pytest.mark.parametrize("context", ["dev", "prod"])
def test_shared_dependencies_chart(charts, helm_bin, tmp_path, context):
    chart = charts / context / "shared-dependencies"
    _build(helm_bin, chart)
    lint_strict(helm_bin, chart)
    manifests = render(helm_bin, chart, release="shared")
    kube_validate(manifests, tmp_path)
    assert [m["metadata"]["name"] for m in manifests] == ["shared-redis"]
    import yaml
    meta = yaml.safe_load((chart / "Chart.yaml").read_text())
    assert [d["alias"] for d in meta["dependencies"]] == ["redis"]


def test_secrets_hold_exactly_the_stored_bytes(charts, shop, helm_bin):
    _build(helm_bin, charts / "prod" / "checkout")
    manifests = render(helm_bin, charts / "prod" / "checkout", release="checkout")
    stored = shop / "checkout" / "secrets"
    tls = one(manifests, "Secret", "checkout-checkout-tls")
    assert tls["type"] == "kubernetes.io/tls"
    assert _secret_data(manifests, "checkout-checkout-tls") == {
        "tls.crt": (stored / "checkout-tls/tls.crt").read_bytes(),
        "tls.key": (stored / "checkout-tls/tls.key").read_bytes()}
    assert _secret_data(manifests, "checkout-signing-key") == {
        "current.pem": (stored / "signing-key/current.pem").read_bytes(),
        "raw.bin": RAW}
    registry = one(manifests, "Secret", "checkout-registry")
    assert registry["type"] == "kubernetes.io/dockerconfigjson"
    config = json.loads(_secret_data(manifests, "checkout-registry")[".dockerconfigjson"])
    auth = config["auths"]["registry.example.com"]
    assert auth["username"] == "shop-ci" and auth["password"] == "demo-registry-password"
    assert base64.b64decode(auth["auth"]) == b"shop-ci:demo-registry-password"

    deploy = one(manifests, "Deployment")
    pod = deploy["spec"]["template"]["spec"]
    assert pod["imagePullSecrets"] == [{"name": "checkout-registry"}]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["signing"]["secret"]["secretName"] == "checkout-signing-key"
    ingress = one(manifests, "Ingress")
    assert ingress["spec"]["tls"] == [{"secretName": "checkout-checkout-tls",
                                       "hosts": ["checkout.example.com"]}]


def test_friend_config_and_credentials_are_injected(charts, helm_bin):
    _build(helm_bin, charts / "prod" / "checkout")
    manifests = render(helm_bin, charts / "prod" / "checkout", release="shop")
    pod = one(manifests, "Deployment")["spec"]["template"]["spec"]
    env = _env(pod["containers"][0])
    assert env["POSTGRES_HOST"] == "shop-postgres"  # a Helm expression, rendered
    assert env["POSTGRES_PORT"] == "5432" and env["POSTGRES_DATABASE"] == "app"
    assert env["POSTGRES_PASSWORD_FILE"] == "/var/run/secrets/pligos/postgres/password"
    assert credential_file(pod, "POSTGRES_PASSWORD") == {
        "name": "shop-checkout-postgres-password", "key": "password"}
    assert env["REDIS_HOST"] == "redis-master" and env["REDIS_PORT"] == "6379"
    assert env["LOG_FORMAT"] == "json"
    password = _secret_data(manifests, "shop-checkout-postgres-password")
    assert password == {"password": b"demo-checkout-db-password"}
    import yaml
    values = yaml.safe_load((charts / "prod" / "checkout" / "values.yaml").read_text())
    # the context's values for the friend are merged over the friend's defaults
    assert values["postgres"] == {"auth": {"database": "app"},
                                  "primary": {"resources": {"requests": {"memory": "1Gi"}}}}
    assert values["friends"]["redis"]["type"] == "dependency" and "redis" not in values


def test_secret_data_lives_only_in_private_git_ignored_files(charts, shop):
    secrets = [p.read_bytes() for p in (shop / "checkout" / "secrets").rglob("*")
               if p.is_file()] + [b"demo-catalog-db-password"]
    for path in charts.rglob("*"):
        if not path.is_file():
            continue
        rel = path.relative_to(charts).as_posix()
        in_secret_folder = "/secrets/" in rel
        if in_secret_folder:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, rel
            assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700, rel
            continue
        data = path.read_bytes()
        for secret in secrets:
            assert secret not in data, f"secret bytes found in {rel}"
    for chart in charts.glob("*/checkout"):
        assert "/secrets/" in (chart / ".gitignore").read_text().splitlines()


def test_preview_and_diff_never_print_secret_bytes(shop, helm_bin):
    secrets = [p.read_bytes() for p in (shop / "checkout" / "secrets").rglob("*") if p.is_file()]
    encoded = [base64.b64encode(s) for s in secrets]
    for args in (["preview", str(shop / "checkout"), "--context", "prod"],
                 ["diff", str(shop / "checkout"), "dev", "prod"]):
        result = run_cli(*args)
        assert result.code == 0, result.err
        printed = (result.out + result.err).encode()
        assert not any(s in printed for s in secrets + encoded)
    assert "kind: Secret" in run_cli("preview", str(shop / "checkout"), "--context", "prod").out


def test_check_flags_loose_secret_permissions(shop, tmp_path, helm_bin):
    out = tmp_path / "out"
    assert run_cli("generate", str(shop / "catalog"), "--out", str(out)).code == 0
    assert run_cli("check", str(shop / "catalog"), "--out", str(out), "--no-lint").code == 0
    leaked = out / "prod" / "catalog" / "secrets" / "values.yaml"
    leaked.chmod(0o644)
    result = run_cli("check", str(shop / "catalog"), "--out", str(out), "--no-lint")
    assert result.code == 1
    assert "secret-permissions" in result.out and "expected 600" in result.out


# a worker mounting the file provider's secret `key`
KEY_SERVICE = """
    pligos: 1
    name: svc
    secrets: {provider: file, path: secrets}
    images: [{name: i, repository: example/svc, tag: "1"}]
    mounts: [{name: key, path: /keys, secret: key}]
    contexts: [{name: dev, flavor: worker, image: i, mounts: [key]}]
"""


def test_file_provider_gitignores_its_folder_and_warns_when_tracked(tmp_path):
    svc = make_tree(tmp_path / "svc", {
        "pligos.yaml": KEY_SERVICE,
        "secrets/key.yaml": "value: s3cret-value-for-tests\n"})
    register_secret("s3cret-value-for-tests")
    subprocess.run(["git", "init", "-q", str(svc)], check=True)
    subprocess.run(["git", "-C", str(svc), "add", "secrets/key.yaml"], check=True)
    result = run_cli("generate", str(svc))
    assert result.code == 0, result.err
    assert "added /secrets/ to" in result.err
    assert "git tracks 1 file(s) of the secrets folder" in result.err
    assert (svc / ".gitignore").read_text().splitlines()[-1] == "/secrets/"
    again = run_cli("generate", str(svc))
    assert "added" not in again.err


def test_shared_dependency_defined_differently_is_an_error(shop, tmp_path):
    tree = tmp_path / "tree"
    shutil.copytree(shop, tree)
    text = (tree / "catalog/pligos.yaml").read_text().replace(
        "friends: [postgres, redis]", "friends: [postgres, {name: redis, values: {maxmemory: 1gb}}]")
    (tree / "catalog/pligos.yaml").write_text(text)
    result = run_cli("generate", str(tree), "--out", str(tmp_path / "out"))
    assert result.code == 2
    assert "shared dependency 'redis' of context 'dev' is defined differently by" in result.err
    assert "catalog/pligos.yaml" in result.err and "checkout/pligos.yaml" in result.err
    assert "Traceback" not in result.err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("secret", "content", "message"), [
    ("checkout-tls/tls.key", None, "TLS secret 'checkout-tls' lacks the keys tls.key"),
    ("registry.yaml", "registry: r.example.com\nusername: u\n",
     "pull secret 'registry' needs the keys registry, username and password"),
    ("signing-key", None, "secret 'signing-key' not found in the secrets folder"),
])
def test_missing_secret_data_is_one_clear_error(shop, tmp_path, secret, content, message):
    svc = tmp_path / "checkout"
    shutil.copytree(shop / "checkout", svc)
    shutil.copytree(shop / "friends", tmp_path / "friends")
    shutil.copytree(shop / "friend-charts", tmp_path / "friend-charts")
    target = svc / "secrets" / secret
    if content is None:
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    else:
        target.write_text(content)
    result = run_cli("generate", str(svc))
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err and len(result.err.splitlines()) <= 2
    assert not (svc / "charts").exists()


def test_unknown_friend_has_a_did_you_mean(shop, tmp_path):
    svc = tmp_path / "checkout"
    shutil.copytree(shop / "checkout", svc)
    shutil.copytree(shop / "friends", tmp_path / "friends")
    text = (svc / "pligos.yaml").read_text().replace("friends: [postgres, redis]",
                                                     "friends: [postgress, redis]")
    (svc / "pligos.yaml").write_text(text)
    result = run_cli("generate", str(svc))
    assert result.code == 2
    line = text.splitlines().index("    friends: [postgress, redis]") + 1
    assert f"pligos.yaml:{line}:" in result.err
    assert "uses friend 'postgress', which is not defined" in result.err
    assert "did you mean 'postgres'?" in result.err


def test_friends_command_lists_library_and_users(shop):
    result = run_cli("friends", str(shop / "checkout"), "--json")
    assert result.code == 0, result.err
    rows = {r["name"]: r for r in json.loads(result.out)}
    assert rows["postgres"]["type"] == "requirement"
    assert rows["postgres"]["contexts"] == ["dev", "prod"]
    assert rows["redis"]["config"] == ["REDIS_HOST", "REDIS_PORT"]
    assert rows["postgres"]["defined"].endswith("friends/postgres.yaml:2")


def test_a_secret_file_keeps_its_values_as_written(tmp_path, helm_bin):
    """YAML would read 007 as 7, 12:30 as 750 and yes as true; a secret keeps its text."""
    svc = make_tree(tmp_path / "svc", {
        "pligos.yaml": KEY_SERVICE,
        "secrets/key.yaml": "pin: 007\ntime: 12:30\nhex: 0x1F\nflag: yes\n"})
    assert run_cli("generate", str(svc)).code == 0
    secret = one(render(helm_bin, svc / "charts/dev/svc"), "Secret")
    shown = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert shown == {"pin": "007", "time": "12:30", "hex": "0x1F", "flag": "yes"}
    (svc / "secrets/key.yaml").write_text("pin: 1234\nflag: no\npin: 5678\n")
    result = run_cli("generate", str(svc))
    assert result.code == 2 and "has the key 'pin' twice" in result.err
    assert "secrets/key.yaml:3" in result.err and "1234" not in result.err
