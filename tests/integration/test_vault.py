"""The vault secret provider against a real Vault-API server: OpenBao's dev server on loopback,
with a KV v2 mount (`secret/`) and a KV v1 mount (`kv1/`)."""

from __future__ import annotations

import base64
import json
import secrets
import shutil
from pathlib import Path

import pytest

from support import EXAMPLES, free_port, one, openbao, register_secret, render, run_cli

TLS = {"tls.crt": "-----BEGIN CERTIFICATE-----\nvault-cert\n-----END CERTIFICATE-----\n",
       "tls.key": "-----BEGIN PRIVATE KEY-----\nvault-key\n-----END PRIVATE KEY-----\n"}
SECRETS = {
    "checkout-tls": TLS,
    "registry": {"registry": "registry.example.com", "username": "vault-ci",
                 "password": "vault-registry-password"},
    "signing-key": {"current.pem": "vault-signing-key-bytes"},
    "postgres-password": {"password": "vault-db-password"},
}



@pytest.fixture(scope="module")
def vault(tmp_path_factory):
    """A running OpenBao dev server: (address, root token)."""
    register_secret(*(v for data in SECRETS.values() for v in data.values()
                      if "example.com" not in v and v != "vault-ci"))
    with openbao(tmp_path_factory.mktemp("bao-home")) as (address, token):
        import hvac

        client = hvac.Client(url=address, token=token)
        client.sys.enable_secrets_engine("kv", path="kv1", options={"version": "1"})
        for context in ("dev", "prod"):
            for name, data in SECRETS.items():
                path = f"services/checkout/{context}/{name}"
                client.secrets.kv.v2.create_or_update_secret(path=path, secret=data,
                                                             mount_point="secret")
                client.secrets.kv.v1.create_or_update_secret(path=path, secret=data,
                                                             mount_point="kv1")
        yield address, token


def _service(tmp_path: Path, block: str) -> Path:
    root = tmp_path / "shop"
    shutil.copytree(EXAMPLES / "shop", root,
                    ignore=shutil.ignore_patterns("secrets", "charts", "make-demo-secrets.py"))
    svc = root / "checkout"
    text = (svc / "pligos.yaml").read_text()
    start = text.index("secrets:\n")
    end = text.index("\n\n", start)
    (svc / "pligos.yaml").write_text(text[:start] + block + text[end:])
    return svc


def _everything_written(*roots: Path) -> bytes:
    data = b""
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file():
                data += path.read_bytes()
    return data


@pytest.mark.parametrize("mount,kv", [("secret", ""), ("secret", "\n  kv: 2"),
                                      ("kv1", ""), ("kv1", "\n  kv: 1")])
def test_vault_secrets_reach_the_chart(vault, tmp_path, helm_bin, mount, kv):
    address, token = vault
    svc = _service(tmp_path, f"secrets:\n  provider: vault\n  address: {address}\n"
                             f"  mount: {mount}\n  path: services/checkout/{{context}}{kv}")
    out = tmp_path / "out"
    result = run_cli("generate", str(svc), "--out", str(out), "--context", "prod",
                     env={"VAULT_TOKEN": token, "VAULT_ADDR": ""})
    assert result.code == 0, result.err
    chart = out / "prod" / "checkout"
    manifests = render(helm_bin, _without_subcharts(chart, tmp_path), release="checkout")
    data = one(manifests, "Secret", "checkout-checkout-tls")["data"]
    assert {k: base64.b64decode(v).decode() for k, v in data.items()} == TLS
    docker = one(manifests, "Secret", "checkout-registry")["data"][".dockerconfigjson"]
    auth = json.loads(base64.b64decode(docker))["auths"]["registry.example.com"]
    assert auth["password"] == "vault-registry-password"
    # the token shows up nowhere
    assert token not in result.out + result.err
    assert token.encode() not in _everything_written(out, svc)
    for path in (chart / "secrets").rglob("*"):
        if path.is_file():
            assert path.stat().st_mode & 0o777 == 0o600


def _without_subcharts(chart: Path, tmp_path: Path) -> Path:
    """A copy of the chart without its dependencies, to render it without fetching them."""
    import yaml

    copy = tmp_path / "render" / chart.name
    shutil.copytree(chart, copy)
    meta = yaml.safe_load((copy / "Chart.yaml").read_text())
    meta.pop("dependencies", None)
    (copy / "Chart.yaml").write_text(yaml.safe_dump(meta))
    return copy


def test_address_from_env_and_token_from_vault_token_file(vault, tmp_path):
    address, token = vault
    home = tmp_path / "home"
    home.mkdir()
    (home / ".vault-token").write_text(token + "\n")
    svc = _service(tmp_path, "secrets:\n  provider: vault\n  path: services/checkout/{context}")
    result = run_cli("generate", str(svc), "--context", "dev",
                     env={"VAULT_TOKEN": "", "VAULT_ADDR": address, "HOME": str(home)})
    assert result.code == 0, result.err
    assert (svc / "charts/dev/checkout/secrets").is_dir()
    assert token not in result.out + result.err


@pytest.mark.parametrize("case", ["unreachable", "bad-token", "missing-path", "missing-key",
                                  "no-token"])
def test_vault_failures_are_one_clear_line(vault, tmp_path, case):
    address, token = vault
    path = "services/checkout/{context}"
    env = {"VAULT_TOKEN": token, "VAULT_ADDR": "", "HOME": str(tmp_path)}
    expected = {
        "unreachable": f"cannot reach Vault at http://127.0.0.1:{free_port()}",
        "bad-token": "Vault refused access to the mount secret in Vault at",
        "missing-path": "no secret at secret/services/nowhere/dev/",
        "missing-key": "TLS secret 'checkout-tls' lacks the keys tls.key",
        "no-token": "no Vault token",
    }[case]
    if case == "unreachable":
        address = expected.rsplit(" ", 1)[-1]
    elif case == "bad-token":
        env["VAULT_TOKEN"] = "not-the-token-" + secrets.token_hex(8)
        register_secret(env["VAULT_TOKEN"])
    elif case == "missing-path":
        path = "services/nowhere/{context}"
    elif case == "missing-key":
        import hvac

        client = hvac.Client(url=address, token=token)
        client.secrets.kv.v2.create_or_update_secret(
            path="services/broken/dev/checkout-tls", secret={"tls.crt": "x"},
            mount_point="secret")
        for name, data in SECRETS.items():
            if name != "checkout-tls":
                client.secrets.kv.v2.create_or_update_secret(
                    path=f"services/broken/dev/{name}", secret=data, mount_point="secret")
        path = "services/broken/{context}"
    else:
        env["VAULT_TOKEN"] = ""
    svc = _service(tmp_path, f"secrets:\n  provider: vault\n  address: {address}\n"
                             f"  path: {path}\n  timeout: 5")
    result = run_cli("generate", str(svc), "--context", "dev", env=env)
    assert result.code == 2
    assert expected in result.err, result.err
    assert "Traceback" not in result.err
    errors = [line for line in result.err.splitlines() if "error:" in line]
    if case == "missing-path":  # every secret is missing: each named at its line, in one run
        assert len(errors) == len(SECRETS) and all(expected in line for line in errors)
    else:  # a store that fails says so once, however many secrets it was asked for
        assert len(errors) == 1
    for used in {token, env["VAULT_TOKEN"]} - {""}:
        assert used not in result.out + result.err
    assert not (svc / "charts").exists()
