"""Charts a repository can hold: a fresh clone regenerates to a clean work tree, `check` needs
no secret store, and the subcharts `helm dependency build` fetched survive a rewrite."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

from support import EXAMPLES, make_tree, openbao, register_secret, run_cli, shop_with_secrets

GIT_ENV = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout


def _machine(tmp_path: Path, name: str) -> dict[str, str]:
    """The environment of one machine: its own speed cache."""
    return {"XDG_CACHE_HOME": str(tmp_path / f"cache-{name}")}


def _copy_secrets(source: Path, target: Path) -> None:
    """The shop's demo secrets (git-ignored, so not in a clone), as another machine has them."""
    for folder in source.glob("shop/*/secrets"):
        shutil.copytree(folder, target / folder.relative_to(source))


def test_a_fresh_clone_regenerates_to_a_clean_work_tree(tmp_path: Path, helm_bin: str):
    repo = tmp_path / "repo"
    repo.mkdir()
    shop_with_secrets(repo)
    shutil.copytree(EXAMPLES / "hello", repo / "hello", ignore=shutil.ignore_patterns("charts"))
    first = _machine(tmp_path, "one")
    assert run_cli("generate", ".", cwd=repo, env=first).code == 0
    _git("init", "-q", ".", cwd=repo)
    _git("add", "-A", cwd=repo)
    _git("commit", "-qm", "charts", cwd=repo)
    tracked = _git("ls-files", cwd=repo).split()
    assert "shop/checkout/charts/.pligos-inputs.json" in tracked
    assert not [t for t in tracked if "/secrets/" in t and not t.endswith("templates/secrets.yaml")]
    for rel in tracked:  # nothing of where it was checked out (a link: a relative one)
        path = repo / rel
        if path.is_symlink():
            assert not os.path.isabs(os.readlink(path)), rel
            continue
        assert str(tmp_path).encode() not in path.read_bytes(), rel

    clone = tmp_path / "elsewhere" / "clone"
    _git("clone", "-q", str(repo), str(clone), cwd=tmp_path)
    _copy_secrets(repo, clone)
    second = _machine(tmp_path, "two")
    result = run_cli("generate", ".", cwd=clone, env=second)
    assert result.code == 0, result.err
    assert _git("status", "--porcelain", cwd=clone) == ""
    assert (clone / "shop/checkout/charts/prod/checkout/secrets/values.yaml").is_file()
    checked = run_cli("check", ".", cwd=clone, env=second)
    assert checked.code == 0, checked.out + checked.err
    assert "valid and up to date" in checked.out.splitlines()[-1]
    again = run_cli("generate", ".", cwd=clone, env=second)
    assert "0 written, 6 unchanged" in again.out
    assert _git("status", "--porcelain", cwd=clone) == ""
    # and back on the first machine, after a pull of the same: nothing to do either
    assert "0 written, 6 unchanged" in run_cli("generate", ".", cwd=repo, env=first).out


def test_check_tells_stale_from_fresh_without_reading_any_secret(tmp_path: Path):
    shop = shop_with_secrets(tmp_path)
    svc = shop / "checkout"
    assert run_cli("generate", ".", cwd=svc).code == 0
    shutil.rmtree(svc / "secrets")  # no provider folder: check must not need it
    assert run_cli("check", ".", "--no-lint", cwd=svc).code == 0
    text = (svc / "pligos.yaml").read_text()
    (svc / "pligos.yaml").write_text(text.replace("replicas: 3", "replicas: 4"))
    result = run_cli("check", ".", "--no-lint", "--json", cwd=svc)
    assert result.code == 1, result.err
    found = {(f["file"], f["kind"]) for f in json.loads(result.out)["findings"]}
    assert found == {("charts/prod/checkout", "stale")}


SIGNING = "check-signing-bytes"  # not base64: its '-' is not in the alphabet


def test_check_lints_the_inline_secrets_and_never_shows_their_bytes(tmp_path: Path,
                                                                      helm_bin: str):
    register_secret(SIGNING)
    svc = make_tree(tmp_path / "svc", {"pligos.yaml": """
        pligos: 1
        name: svc
        secrets: {provider: file, path: secrets}
        images:
          - {name: main, repository: nginx, tag: "1.27"}
        mounts:
          - {name: keys, path: /etc/keys, secret: signing}
        contexts:
          - {name: dev, flavor: webservice, image: main, mounts: [keys]}
        """, "secrets/signing.yaml": f"key.pem: {SIGNING}\n"})
    assert run_cli("generate", str(svc)).code == 0
    checked = run_cli("check", ".", "-v", cwd=svc)
    assert checked.code == 0, checked.out + checked.err
    assert "lints (helm lint --strict)" in checked.out
    # the chart's own secret values broken by hand (its raw bytes where base64 belongs):
    # lint reads them, so the check fails, naming the key and never the bytes
    values = svc / "charts/dev/svc/secrets/values.yaml"
    text = values.read_text()
    encoded = text.split("key.pem: ", 1)[1].strip()
    values.write_text(text.replace(encoded, SIGNING))
    broken = run_cli("check", ".", "--json", cwd=svc)
    assert broken.code == 1, broken.out + broken.err
    (finding,) = json.loads(broken.out)["findings"]
    assert (finding["file"], finding["kind"]) == ("charts/dev/svc", "lint")
    assert "key.pem" in finding["message"] and "pattern" in finding["message"]
    assert SIGNING not in broken.out + broken.err and encoded not in broken.out
    assert values.read_text().endswith(f"key.pem: {SIGNING}\n")  # (check writes nothing)


# --------------------------------------------------------------------------- Vault

VAULT_DATA = {
    "checkout-tls": {"tls.crt": "-----BEGIN CERTIFICATE-----\nrepo-cert\n-----END CERTIFICATE"
                                "-----\n", "tls.key": "-----BEGIN PRIVATE KEY-----\nrepo-key\n"
                                "-----END PRIVATE KEY-----\n"},
    "registry": {"registry": "registry.example.com", "username": "ci",
                 "password": "repo-registry-password"},
    "signing-key": {"current.pem": "repo-signing-key-bytes"},
    "postgres-password": {"password": "repo-db-password"},
}


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory):
    """An OpenBao dev server on loopback holding the checkout's secrets: (address, token)."""
    register_secret(*(v for data in VAULT_DATA.values() for v in data.values()
                      if "example.com" not in v and v != "ci"))
    with openbao(tmp_path_factory.mktemp("bao-home")) as (address, token):
        import hvac

        client = hvac.Client(url=address, token=token)
        for context in ("dev", "prod"):
            for name, data in VAULT_DATA.items():
                client.secrets.kv.v2.create_or_update_secret(
                    path=f"services/checkout/{context}/{name}", secret=data,
                    mount_point="secret")
        yield address, token


def test_check_needs_no_vault(vault: tuple[str, str], tmp_path: Path):
    address, token = vault
    root = tmp_path / "shop"
    shutil.copytree(EXAMPLES / "shop", root,
                    ignore=shutil.ignore_patterns("secrets", "charts", "make-demo-secrets.py"))
    svc = root / "checkout"
    text = (svc / "pligos.yaml").read_text()
    start, end = text.index("secrets:\n"), text.index("\n\n", text.index("secrets:\n"))
    text = text[:start] + "secrets:\n  provider: vault\n  path: services/checkout/{context}" \
        + text[end:]
    (svc / "pligos.yaml").write_text(text)
    # catalog shares the friends library but reads its secrets from files
    (root / "catalog/secrets").mkdir(mode=0o700)
    (root / "catalog/secrets/postgres-password.yaml").write_text("password: catalog-pw-1\n")
    register_secret("catalog-pw-1")
    reachable = {"VAULT_ADDR": address, "VAULT_TOKEN": token}
    result = run_cli("generate", ".", cwd=svc, env=reachable)
    assert result.code == 0, result.err
    assert (svc / "charts/dev/checkout/secrets/values.yaml").is_file()

    gone = {"VAULT_ADDR": "http://127.0.0.1:9", "VAULT_TOKEN": "not-a-real-token"}
    started = time.monotonic()
    fresh = run_cli("check", ".", "--no-lint", cwd=svc, env=gone)
    assert fresh.code == 0, fresh.out + fresh.err
    assert time.monotonic() - started < 15
    assert "127.0.0.1:9" not in fresh.out + fresh.err
    without = {"VAULT_ADDR": "", "VAULT_TOKEN": "", "HOME": str(tmp_path / "no-home")}
    assert run_cli("check", ".", "--no-lint", cwd=svc, env=without).code == 0

    (svc / "pligos.yaml").write_text(text.replace("replicas: 3", "replicas: 5"))
    stale = run_cli("check", ".", "--no-lint", "--json", cwd=svc, env=gone)
    assert stale.code == 1, stale.out + stale.err
    found = {(f["file"], f["kind"]) for f in json.loads(stale.out)["findings"]}
    assert found == {("charts/prod/checkout", "stale")}
    # and generate, which must fetch the inline secrets again, says the store is gone
    failed = run_cli("generate", ".", cwd=svc, env=gone)
    assert failed.code == 2 and "127.0.0.1:9" in failed.err


# --------------------------------------------------------------------------- subcharts

def _fetched(chart: Path) -> dict[str, bytes]:
    found = [chart / "Chart.lock", *sorted((chart / "charts").glob("*.tgz"))]
    return {p.relative_to(chart).as_posix(): p.read_bytes() for p in found if p.is_file()}


def test_generate_deps_fetches_subcharts_that_survive_a_rewrite(tmp_path: Path, helm_bin: str):
    shop = shop_with_secrets(tmp_path)
    charts = [shop / "catalog/charts/dev/catalog", shop / "checkout/charts/prod/checkout",
              shop / "charts/dev/shared-dependencies"]
    result = run_cli("generate", ".", "--deps", cwd=shop)
    assert result.code == 0, result.err
    for chart in charts:
        assert sorted(_fetched(chart)) == ["Chart.lock", "charts/" + (
            "redis" if "shared" in chart.name else "postgresql") + "-0.1.0.tgz"], chart
    checked = run_cli("check", ".", cwd=shop)
    assert checked.code == 0 and checked.out.splitlines()[-1] == (
        "all 6 charts are valid and up to date, and lint"), checked.out
    before = {chart: _fetched(chart) for chart in charts}
    again = run_cli("generate", ".", "--deps", cwd=shop)  # nothing due: nothing fetched
    assert again.code == 0 and {chart: _fetched(chart) for chart in charts} == before

    # a change that leaves the dependencies as they were: the subcharts stay
    text = (shop / "checkout/pligos.yaml").read_text()
    (shop / "checkout/pligos.yaml").write_text(text.replace("replicas: 3", "replicas: 4"))
    result = run_cli("generate", ".", cwd=shop)
    assert "wrote     checkout/charts/prod/checkout" in result.out, result.out
    assert {chart: _fetched(chart) for chart in charts} == before

    # a changed requirement: its old subcharts are gone, --deps fetches the new ones
    for rel in ("friends/postgres.yaml", "friend-charts/postgresql/Chart.yaml"):
        path = shop / rel
        path.write_text(path.read_text().replace("version: 0.1.0", "version: 0.2.0"))
    assert run_cli("generate", ".", cwd=shop).code == 0
    for chart in charts[:2]:
        assert _fetched(chart) == {}, chart
    assert _fetched(charts[2]) == before[charts[2]]  # (redis did not change)
    lint = run_cli("check", ".", cwd=shop)
    assert "its subcharts are not fetched" in lint.out
    assert run_cli("generate", ".", "--deps", cwd=shop).code == 0
    for chart in charts[:2]:
        assert sorted(_fetched(chart)) == ["Chart.lock", "charts/postgresql-0.2.0.tgz"]

    # a file:// subchart whose files changed is fetched again
    service = shop / "friend-charts/postgresql/templates/service.yaml"
    service.write_text(service.read_text() + "# changed\n")
    assert "out of date" in run_cli("check", ".", cwd=shop).out
    assert run_cli("generate", ".", "--deps", cwd=shop).code == 0
    with tarfile.open(charts[0] / "charts/postgresql-0.2.0.tgz") as tar:
        member = tar.extractfile("postgresql/templates/service.yaml")
        assert member is not None and member.read().endswith(b"# changed\n")
