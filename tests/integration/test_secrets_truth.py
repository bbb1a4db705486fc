"""What a user sees when secrets are set up wrongly: a Vault address copied from a browser, a
token with a line break, a secret the provider lacks (at the line of pligos.yaml that uses it),
bytes YAML cannot carry, Secrets in a preview, and the file provider's folder git-ignored
however its path is spelled. Vault is OpenBao's dev server on loopback (tests/integration/
test_vault.py starts it)."""

from __future__ import annotations

import http.server
import secrets
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
import yaml
from test_vault import _service, vault  # noqa: F401 (the OpenBao server fixture)

from support import make_tree, register_secret, run_cli, shop_with_secrets

REDACTED_BASE64 = "PHJlZGFjdGVkPg=="  # base64 of <redacted>: what a preview must not show


def _at(text: str, line_text: str, value: str) -> str:
    """`line:column` of `value` on the line `line_text` of a file's text."""
    lines = text.splitlines()
    number = lines.index(line_text)
    return f"{number + 1}:{lines[number].index(value) + 1}"


def _set_address(svc: Path, address: str | None) -> str:
    """Give pligos.yaml's secrets block this address (or none); its text afterwards."""
    text = (svc / "pligos.yaml").read_text()
    lines = [line for line in text.splitlines() if not line.startswith("  address:")]
    if address is not None:
        lines.insert(lines.index("  provider: vault") + 1, f'  address: "{address}"')
    text = "\n".join(lines) + "\n"
    (svc / "pligos.yaml").write_text(text)
    return text


def _vault_service(tmp_path: Path, address: str | None) -> tuple[Path, str]:
    svc = _service(tmp_path, "secrets:\n  provider: vault\n  path: services/checkout/{context}")
    return svc, _set_address(svc, address)


def _shop(tmp_path: Path) -> Path:
    """A copy of examples/shop with its demo secrets (file provider); checkout's folder."""
    root = shop_with_secrets(tmp_path)
    return root / "checkout"


# ----- the Vault address

@pytest.mark.parametrize("suffix", ["/ui", "/ui/", "/ui/vault/secrets", "/v1/secret",
                                    "?namespace=team", "/#/vault", "#top"])
def test_a_vault_address_from_pligos_yaml_that_is_not_the_servers_root_is_located(
        vault, tmp_path, suffix):
    address, token = vault
    svc, text = _vault_service(tmp_path, address + suffix)
    result = run_cli("generate", ".", "--context", "dev", cwd=svc,
                     env={"VAULT_TOKEN": token, "VAULT_ADDR": ""})
    assert result.code == 2, result.err
    where = _at(text, f'  address: "{address}{suffix}"', '"')
    assert f"pligos.yaml:{where}: error: the Vault address '{address}" in result.err
    assert "[secrets.address] (E-SECRET-SETTING)" in result.err
    assert f"hint: use address: {address}\n" in result.err
    assert "internal error" not in result.err and "Traceback" not in result.err
    assert not (svc / "charts").exists()


@pytest.mark.parametrize("suffix", ["/ui", "/ui/#/vault", "?x=1", "/v1"])
def test_a_vault_address_from_vault_addr_that_is_not_the_servers_root_names_vault_addr(
        vault, tmp_path, suffix):
    address, token = vault
    svc, _ = _vault_service(tmp_path, None)
    result = run_cli("generate", ".", "--context", "dev", cwd=svc,
                     env={"VAULT_TOKEN": token, "VAULT_ADDR": address + suffix})
    assert result.code == 2, result.err
    assert result.err.startswith("error: the Vault address in VAULT_ADDR (http://127.0.0.1:")
    assert f"hint: export VAULT_ADDR={address}\n" in result.err
    assert "internal error" not in result.err
    assert not (svc / "charts").exists()


@pytest.mark.parametrize("source", ["pligos.yaml", "VAULT_ADDR"])
def test_a_vault_address_with_a_user_and_password_is_refused_without_showing_them(
        vault, tmp_path, source):
    address, token = vault
    password = "addr-pw-" + secrets.token_hex(8)
    if source == "VAULT_ADDR":  # in pligos.yaml it is the user's own input
        register_secret(password)
    with_user = address.replace("http://", f"http://admin:{password}@")
    svc, _ = _vault_service(tmp_path, with_user if source == "pligos.yaml" else None)
    result = run_cli("generate", ".", "--context", "dev", cwd=svc,
                     env={"VAULT_TOKEN": token,
                          "VAULT_ADDR": with_user if source == "VAULT_ADDR" else ""})
    assert result.code == 2, result.err
    assert "holds a user name or password (before the @)" in result.err
    assert password not in result.out + result.err and "admin" not in result.err
    assert address in result.err  # the fix: the address without them


def test_a_server_that_is_not_vault_is_one_clear_error(tmp_path):
    class WebPage(http.server.BaseHTTPRequestHandler):
        """Any path is a web page, as a web UI's server answers."""

        def do_GET(self):
            body = b"<html>a web page</html>\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), WebPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        address = f"http://127.0.0.1:{server.server_address[1]}"
        svc, _ = _vault_service(tmp_path, address)
        result = run_cli("generate", ".", "--context", "dev", cwd=svc,
                         env={"VAULT_TOKEN": "not-a-real-token", "VAULT_ADDR": ""})
    finally:
        server.shutdown()
        server.server_close()
    assert result.code == 2, result.err
    assert f"error: the server at {address} does not answer as Vault does" in result.err
    assert "internal error" not in result.err
    assert not (svc / "charts").exists()


# ----- the Vault token

@pytest.mark.parametrize(("where", "shape", "message"), [
    ("env", "{t}\nsecond", "the Vault token in VAULT_TOKEN spans 2 lines"),
    ("env", "\n{t}", "the Vault token in VAULT_TOKEN spans 2 lines"),
    ("env", "{t}\n\n", "the Vault token in VAULT_TOKEN spans 2 lines"),
    ("env", "{t}\t", "the Vault token in VAULT_TOKEN holds a tab"),
    ("env", "{t}\x07", "the Vault token in VAULT_TOKEN holds a control character"),
    ("env", "{t} x", "the Vault token in VAULT_TOKEN holds a space"),
    ("file", "{t}\n\n", "the Vault token in ~/.vault-token spans 2 lines"),
    ("file", "{t}\nsecond\n", "the Vault token in ~/.vault-token spans 2 lines"),
    ("file", "old\n{t}\nthird\n", "the Vault token in ~/.vault-token spans 3 lines"),
])
def test_a_vault_token_with_a_line_break_or_control_character_is_named(
        vault, tmp_path, where, shape, message):
    address, token = vault
    value = shape.format(t=token)
    home = tmp_path / "home"
    home.mkdir()
    env = {"VAULT_ADDR": "", "HOME": str(home), "VAULT_TOKEN": ""}
    if where == "env":
        env["VAULT_TOKEN"] = value
    else:
        (home / ".vault-token").write_text(value)
    svc, _ = _vault_service(tmp_path, address)
    result = run_cli("preview", ".", "--context", "dev", cwd=svc, env=env)
    assert result.code == 2, result.err
    assert result.err.startswith(f"error: {message}"), result.err
    assert "cannot reach" not in result.err and "refused" not in result.err
    assert token not in result.out + result.err


@pytest.mark.parametrize(("where", "value"), [("env", "{t}\n"), ("file", "{t}\r\n"),
                                              ("file", "{t}")])
def test_one_line_end_after_the_token_is_no_error(vault, tmp_path, where, value):
    address, token = vault
    home = tmp_path / "home"
    home.mkdir()
    env = {"VAULT_ADDR": "", "HOME": str(home), "VAULT_TOKEN": ""}
    if where == "env":
        env["VAULT_TOKEN"] = value.format(t=token)
    else:
        (home / ".vault-token").write_bytes(value.format(t=token).encode())
    svc, _ = _vault_service(tmp_path, address)
    result = run_cli("preview", ".", "--context", "dev", cwd=svc, env=env)
    assert result.code == 0, result.err


# ----- a secret the provider lacks, at the line that uses it

@pytest.mark.parametrize(("remove", "file", "line_text", "value", "key_path", "what"), [
    ("registry.yaml", "pligos.yaml", "    pullSecret: registry   # registry credentials from "
     "the provider", "registry", "images[release].pullSecret",
     "the pull secret of image 'release': secret 'registry'"),
    ("checkout-tls", "pligos.yaml", "    tls: checkout-tls      # tls.crt and tls.key from the "
     "provider", "checkout-tls", "routes[http].tls",
     "the TLS secret of route 'http': secret 'checkout-tls'"),
    ("signing-key", "pligos.yaml", "    secret: signing-key", "signing-key",
     "mounts[signing].secret", "mount 'signing': secret 'signing-key'"),
    ("postgres-password.yaml", "friends/postgres.yaml", "  password: postgres-password",
     "postgres-password", "credentials.password",
     "credential 'password' of friend 'postgres': secret 'postgres-password'"),
])
def test_a_secret_missing_from_the_file_provider_is_located(
        tmp_path, helm_bin, remove, file, line_text, value, key_path, what):
    svc = _shop(tmp_path)
    target = svc / "secrets" / remove
    shutil.rmtree(target) if target.is_dir() else target.unlink()
    name = remove.removesuffix(".yaml")
    result = run_cli("preview", ".", "--context", "dev", cwd=svc)
    assert result.code == 2, result.err
    where = _at((svc.parent / file.replace("pligos.yaml", "checkout/pligos.yaml")).read_text(),
                line_text, value)
    first = result.err.splitlines()[0]
    assert f"{file}:{where}: error: {what} not found in the secrets folder secrets" in first
    assert f"(looked for secrets/{name}.yaml and secrets/{name}/)" in first
    assert first.endswith(f"[{key_path}]"), first


def test_a_secret_missing_from_vault_is_located(vault, tmp_path, helm_bin):
    address, token = vault
    svc = _service(tmp_path, f"secrets:\n  provider: vault\n  address: {address}\n"
                             "  path: services/nowhere/{context}")
    text = (svc / "pligos.yaml").read_text()
    result = run_cli("preview", ".", "--context", "dev", cwd=svc,
                     env={"VAULT_TOKEN": token, "VAULT_ADDR": ""})
    assert result.code == 2, result.err
    where = _at(text, "    tls: checkout-tls      # tls.crt and tls.key from the provider",
                "checkout-tls")
    assert (f"pligos.yaml:{where}: error: the TLS secret of route 'http': no secret at "
            f"secret/services/nowhere/dev/checkout-tls in Vault at {address} "
            "[routes[http].tls]") in result.err
    assert token not in result.out + result.err


def test_a_secret_key_kubernetes_refuses_is_located(tmp_path, helm_bin):
    svc = _shop(tmp_path)
    (svc / "secrets/signing-key/old key.pem").write_text("old signing key bytes\n")
    result = run_cli("preview", ".", "--context", "dev", cwd=svc)
    assert result.code == 2, result.err
    where = _at((svc / "pligos.yaml").read_text(), "    secret: signing-key", "signing-key")
    assert (f"pligos.yaml:{where}: error: mount 'signing': secret 'signing-key' "
            "(secrets/signing-key/) has a key 'old key.pem' that Kubernetes does not allow"
            in result.err)
    assert "[mounts[signing].secret]" in result.err


def test_a_friends_secret_key_kubernetes_refuses_is_located_in_the_friends_file(
        tmp_path, helm_bin):
    svc = _shop(tmp_path)
    (svc / "secrets/postgres-password.yaml").write_text("pass word: demo\n")
    result = run_cli("preview", ".", "--context", "dev", cwd=svc)
    assert result.code == 2, result.err
    where = _at((svc.parent / "friends/postgres.yaml").read_text(),
                "  password: postgres-password", "postgres-password")
    assert f"friends/postgres.yaml:{where}: error: credential 'password' of friend " in result.err
    assert ("secret 'postgres-password' (secrets/postgres-password.yaml) has a key "
            "'pass word' that Kubernetes does not allow") in result.err


def test_generate_locates_a_missing_secret_too(tmp_path):
    svc = _shop(tmp_path)
    (svc / "secrets/registry.yaml").unlink()
    result = run_cli("generate", ".", cwd=svc)
    assert result.code == 2
    where = _at((svc / "pligos.yaml").read_text(), "    pullSecret: registry   # registry "
                "credentials from the provider", "registry")
    assert f"pligos.yaml:{where}: error: the pull secret of image 'release'" in result.err


@pytest.mark.parametrize(("content", "problem"), [
    (b"password: demo\x01pass\n", "holds a control character that YAML text cannot carry"),
    (b"user: app\npassword: demo\xffpass\n", "is not UTF-8 text"),
])
def test_bytes_yaml_cannot_carry_name_the_secret_and_key(tmp_path, content, problem):
    svc = _shop(tmp_path)
    (svc / "secrets/postgres-password.yaml").write_bytes(content)
    result = run_cli("generate", ".", cwd=svc)
    assert result.code == 2, result.err
    line = content.count(b"\n", 0, content.index(b"password")) + 1
    # at the friend's line that uses the secret, naming the secret's own file and line
    assert ("friends/postgres.yaml:12:13: error: credential 'password' of friend 'postgres': "
            f"secrets/postgres-password.yaml:{line}: the value of key 'password' of "
            f"secret 'postgres-password' {problem}") in result.err
    assert "position" not in result.err and "\x01" not in result.err
    assert "demo" not in result.err
    assert not (svc / "charts").exists()


def test_bytes_a_pull_secret_cannot_carry_name_the_secret_and_key(tmp_path):
    svc = _shop(tmp_path)
    (svc / "secrets/registry.yaml").unlink()
    make_tree(svc / "secrets/registry", {"registry": "registry.example.com", "username": "ci",
                                         "password": b"demo\xffpass"})
    result = run_cli("generate", ".", cwd=svc)
    assert result.code == 2, result.err
    assert "key 'password' of secret 'registry'" in result.err
    assert "position" not in result.err and "internal error" not in result.err


# ----- Secrets in a preview

def test_preview_shows_redacted_for_the_data_of_every_secret(tmp_path, helm_bin):
    svc = _shop(tmp_path)
    result = run_cli("preview", ".", "--context", "prod", cwd=svc)
    assert result.code == 0, result.err
    assert REDACTED_BASE64 not in result.out
    docs = [d for d in yaml.safe_load_all(result.out) if d]
    found = {d["metadata"]["name"]: d["data"] for d in docs if d["kind"] == "Secret"}
    assert found == {
        "checkout-checkout-tls": {"tls.crt": "<redacted>", "tls.key": "<redacted>"},
        "checkout-postgres-password": {"password": "<redacted>"},
        "checkout-registry": {".dockerconfigjson": "<redacted>"},
        "checkout-signing-key": {"current.pem": "<redacted>"},
    }
    config = next(d for d in docs if d["kind"] == "ConfigMap" and "checkout.yaml" in d["data"])
    assert "currency: EUR" in config["data"]["checkout.yaml"]  # other data as it was


def test_the_editors_preview_shows_redacted_too(tmp_path, helm_bin):
    from pligos_tui.jobs.preview import PaneJob
    from pligos_tui.spec.vocabulary import MANIFESTS
    from pligos_tui.spec.load import load_service

    svc = _shop(tmp_path)
    pane = PaneJob(load_service(svc), "", "dev", None, MANIFESTS).result()
    assert not pane.error, pane.text
    assert REDACTED_BASE64 not in pane.text
    assert '"tls.key": <redacted>' in pane.text


def test_redacting_rendered_manifests_touches_only_the_data_of_secrets():
    from pligos_tui.jobs.render import redact_secrets

    rendered = (
        "---\n# Source: a/templates/secret.yaml\napiVersion: v1\nkind: Secret\n"
        "metadata:\n  name: a\ntype: Opaque\nstringData:\n  token: plain-text\n"
        "  script: |\n    line one\n    line two\n# after\ndata:\n  key: c2VjcmV0\n"
        "---\n# Source: a/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\n"
        "metadata: {name: b}\ndata:\n  key: c2VjcmV0\n"
        "---\n{apiVersion: v1, kind: Secret, metadata: {name: c}, data: {k: c2VjcmV0}}\n")
    shown = redact_secrets(rendered)
    docs = list(yaml.safe_load_all(shown))
    assert docs[0]["stringData"] == {"token": "<redacted>", "script": "<redacted>"}
    assert docs[0]["data"] == {"key": "<redacted>"}
    assert "# Source: a/templates/secret.yaml\n" in shown and "# after\n" in shown
    assert docs[1]["data"] == {"key": "c2VjcmV0"}
    assert docs[2] == {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "c"},
                       "data": {"k": "<redacted>"}}
    assert "plain-text" not in shown and "line one" not in shown


# ----- the file provider's folder in git

SPELLINGS = ["./secrets", "x/../secrets", "secrets//.", "secrets/", "./secrets/./"]


def _file_service(tmp_path: Path, path: str) -> tuple[Path, str]:
    text = (f'pligos: 1\nname: svc\nsecrets: {{provider: file, path: "{path}"}}\n'
            'images: [{name: i, repository: example/svc, tag: "1"}]\n'
            "mounts: [{name: key, path: /keys, secret: key}, {name: tls, path: /tls, "
            "secret: tls}]\n"
            "contexts: [{name: dev, flavor: worker, image: i, mounts: [key, tls]}]\n")
    svc = make_tree(tmp_path / "svc", {"pligos.yaml": text,
                                       "secrets/key.yaml": "value: gitignored-value-1\n",
                                       "secrets/tls/tls.key": "gitignored-value-2\n",
                                       "x/.keep": ""})
    register_secret("gitignored-value-1", "gitignored-value-2")
    subprocess.run(["git", "init", "-q", str(svc)], check=True)
    return svc, text


@pytest.mark.parametrize("path", SPELLINGS)
def test_the_secrets_folder_is_git_ignored_however_its_path_is_spelled(tmp_path, path):
    svc, _ = _file_service(tmp_path, path)
    result = run_cli("generate", ".", cwd=svc)
    assert result.code == 0, result.err
    assert "added /secrets/ to .gitignore" in result.err
    assert (svc / ".gitignore").read_text().splitlines()[-1] == "/secrets/"
    for file in ("secrets/key.yaml", "secrets/tls/tls.key", "secrets/"):
        check = subprocess.run(["git", "check-ignore", "-q", file], cwd=svc, check=False)
        assert check.returncode == 0, f"git does not ignore {file}"
    assert subprocess.run(["git", "check-ignore", "-q", "pligos.yaml"], cwd=svc,
                          check=False).returncode == 1
    again = run_cli("generate", ".", cwd=svc)
    assert again.code == 0 and "added" not in again.err


@pytest.mark.parametrize(("path", "problem"), [
    ("../secrets", "leaves the service folder"),
    ("x/../../secrets", "leaves the service folder"),
    ("secrets/../..", "leaves the service folder"),
    ("./../secrets", "leaves the service folder"),
    (".", "is the service folder itself"),
    ("./", "is the service folder itself"),
    ("x/..", "is the service folder itself"),
    ("secrets/..//.", "is the service folder itself"),
])
def test_a_secrets_path_that_leaves_the_service_or_is_the_service_is_refused(
        tmp_path, path, problem):
    svc, text = _file_service(tmp_path, path)
    result = run_cli("generate", ".", cwd=svc)
    assert result.code == 2, result.err
    where = _at(text, text.splitlines()[2], f'"{path}"')
    assert (f"pligos.yaml:{where}: error: secrets path {path!r} {problem}" in result.err), \
        result.err
    assert "(E-PATH-OUTSIDE)" in result.err
    assert not (svc / ".gitignore").exists() and not (svc / "charts").exists()
