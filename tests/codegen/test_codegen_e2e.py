"""End to end: generate a chart, take what `helm template` gives the container, and run the
generated Python loader and a Go program against it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cg_helpers import (
    container_view,
    go_module,
    go_program,
    make_shop,
    require_go,
    template,
)
from support import run_cli

PY_REPORT = """
import json, sys
sys.path.insert(0, sys.argv[1])
import pligos_config as pc
try:
    c = pc.load()
except pc.ConfigError as exc:
    print(exc, file=sys.stderr)
    sys.exit(3)
out = {"context": c.context, "ports": vars(c.ports), "env": vars(c.env)}
out["config"] = {k: getattr(v, "data", None) for k, v in vars(c.mounts.config).items()
                 if k != "path"}
print(json.dumps(out, default=str))
"""

GO_MAIN = """package main

import (
	"encoding/json"
	"fmt"
	"os"

	"example.com/svc/pligosconfig"
)

func main() {
	cfg, err := pligosconfig.Load()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	%s
}
"""


def _py(folder: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", PY_REPORT, str(folder)], env=env,
                          capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def tokend(tmp_path_factory, helm_bin):
    """tokend's prod chart rendered, its container's files under a root, and both loaders."""
    import shutil

    from support import EXAMPLES

    base = tmp_path_factory.mktemp("tokend")
    svc = base / "tokend"
    shutil.copytree(EXAMPLES / "tokend", svc, ignore=shutil.ignore_patterns("charts"))
    assert run_cli("generate", str(svc), "--context", "prod").code == 0
    py = base / "py"
    result = run_cli("codegen", str(svc), "--lang", "python", "--context", "prod", "--out",
                     str(py))
    assert result.code == 0, result.err
    mod = go_module(base / "gomod")
    result = run_cli("codegen", str(svc), "--lang", "go", "--context", "prod", "--out",
                     str(mod / "pligosconfig"))
    assert result.code == 0, result.err
    root = base / "root"
    env = container_view(template(helm_bin, svc / "charts/prod/tokend", "tokend"), root)
    return {"base": base, "py": py, "mod": mod, "root": root, "env": env}


def test_python_loader_reads_what_the_chart_gives(tokend):
    env = {**tokend["env"], "PLIGOS_ROOT": str(tokend["root"])}
    result = _py(tokend["py"], env)
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    assert got["context"] == "prod"
    assert got["ports"] == {"http": 8080, "metrics": 9090}
    assert got["env"] == {"LOG_FORMAT": "json", "TOKEN_TTL": "3600"}
    assert got["config"]["app_yaml"] == {
        "listen": ":8080", "issuer": "https://tokens.example.com", "ttl": 3600,
        "keys": [{"id": "primary", "algorithm": "ES256"}]}
    assert got["config"]["logo_png"] is None  # a binary file: path and bytes only


def test_python_loader_lists_everything_missing(tokend, tmp_path):
    root = tmp_path / "root"
    import shutil

    shutil.copytree(tokend["root"], root)
    (root / "etc/tokend/app.yaml").unlink()
    env = {k: v for k, v in tokend["env"].items() if k != "LOG_FORMAT"}
    env["PLIGOS_ROOT"] = str(root)
    result = _py(tokend["py"], env)
    assert result.returncode == 3
    assert "configuration of service tokend is incomplete (2 problems):" in result.stderr
    assert "  - file " + str(root / "etc/tokend/app.yaml") + " is missing (mount config)" \
        in result.stderr
    assert "  - environment variable LOG_FORMAT is not set" in result.stderr


def test_python_loader_rejects_content_of_another_type(tokend, tmp_path):
    import shutil

    root = tmp_path / "root"
    shutil.copytree(tokend["root"], root)
    (root / "etc/tokend/app.yaml").write_text("listen: ':8080'\nissuer: x\nttl: soon\nkeys: []\n")
    result = _py(tokend["py"], {**tokend["env"], "PLIGOS_ROOT": str(root)})
    assert result.returncode == 3
    assert "ttl: expected int, found str" in result.stderr


@pytest.fixture(scope="module")
def go_cache(tmp_path_factory):
    require_go()
    return tmp_path_factory.mktemp("go")


def _go_run(tokend, go_cache, body: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    mod = tokend["mod"]
    (mod / "main.go").write_text(GO_MAIN % body)
    return go_program(go_cache, mod, env)


def test_go_program_reads_what_the_chart_gives(tokend, go_cache):
    body = ('out := map[string]any{"http": cfg.Ports.HTTP, "metrics": cfg.Ports.Metrics,\n'
            '\t\t"config": cfg.Mounts.Config.AppYAML.Data, "format": cfg.Env.LogFormat,\n'
            '\t\t"context": cfg.Context}\n'
            '\tdata, _ := json.Marshal(out)\n\tfmt.Println(string(data))')
    result = _go_run(tokend, go_cache, body, {**tokend["env"], "PLIGOS_ROOT": str(tokend["root"])})
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    assert got["http"] == 8080 and got["metrics"] == 9090
    assert got["format"] == "json" and got["context"] == "prod"
    assert got["config"] == {"listen": ":8080", "issuer": "https://tokens.example.com",
                             "ttl": 3600, "keys": [{"id": "primary", "algorithm": "ES256"}]}


def test_go_program_gets_one_error_listing_everything_missing(tokend, go_cache, tmp_path):
    import shutil

    root = tmp_path / "root"
    shutil.copytree(tokend["root"], root)
    (root / "etc/tokend/logo.png").unlink()
    env = {k: v for k, v in tokend["env"].items() if k != "TOKEN_TTL"}
    body = "data, _ := json.Marshal(cfg)\n\tfmt.Println(string(data))"
    result = _go_run(tokend, go_cache, body, {**env, "PLIGOS_ROOT": str(root)})
    assert result.returncode == 3, result.stdout + result.stderr
    assert "configuration of service tokend is incomplete (2 problems):" in result.stderr
    assert f"  - file {root / 'etc/tokend/logo.png'} is missing (mount config)" in result.stderr
    assert "  - environment variable TOKEN_TTL is not set" in result.stderr


SHOP_PY = """
import sys
sys.path.insert(0, sys.argv[1])
import pligos_config as pc
try:
    c = pc.load()
except pc.ConfigError as exc:
    print(exc, file=sys.stderr)
    sys.exit(3)
pg = c.friends.postgres
assert pg is not None and c.mounts.keys is not None
print(pg.host, pg.port + 1, pg.database, pg.password.reveal(), repr(pg.password), c.ports.admin)
print(c.mounts.keys.private_pem.reveal().reveal(), c.mounts.settings.settings_json.data["limits"])
print(sorted(vars(c.env)), sorted(vars(c.mounts)))
"""

SHOP_GO = (
    'pg := cfg.Friends.Postgres\n'
    '\tkey, _ := cfg.Mounts.Keys.PrivatePem.Reveal()\n'
    '\tfmt.Println(pg.Host, pg.Port+1, pg.Password, pg.Password.Reveal(), key.Reveal())\n'
    '\tfmt.Printf("%v %v\\n", cfg.Mounts.Settings.SettingsJSON.Data.Limits.Ratio, *pg)\n'
    '\tdata, _ := json.Marshal(pg)\n\tfmt.Println(string(data))')


@pytest.fixture(scope="module")
def shop(tmp_path_factory, helm_bin):
    """shop's prod (credentials as files) and legacy (as variables) charts rendered, what
    each gives its container, and the Python and Go code of the union of its contexts."""
    base = tmp_path_factory.mktemp("shop")
    svc = make_shop(base)
    assert run_cli("generate", str(svc)).code == 0
    views = {}
    for context in ("prod", "legacy"):
        root = base / f"root-{context}"
        manifests = template(helm_bin, svc / f"charts/{context}/shop", "shop")
        views[context] = (root, container_view(manifests, root, container="shop"))
    assert run_cli("codegen", str(svc), "--lang", "python", "--out", str(base / "py")).code == 0
    return {"base": base, "svc": svc, "py": base / "py", "views": views}


def _shop_env(shop, context: str, **changes: str | None) -> dict[str, str]:
    root, env = shop["views"][context]
    out = {**env, "PLIGOS_ROOT": str(root), **{k: v for k, v in changes.items() if v}}
    return {k: v for k, v in out.items() if changes.get(k, "") is not None}


def _shop_py(shop, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", SHOP_PY, str(shop["py"])], env=env,
                          capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def shop_go(shop, go_cache):
    mod = go_module(shop["base"] / "gomod")
    assert run_cli("codegen", str(shop["svc"]), "--lang", "go", "--out",
                   str(mod / "pligosconfig")).code == 0
    (mod / "main.go").write_text(GO_MAIN % SHOP_GO)
    return mod


SHOP_GO_OUT = ["shop-postgresql 5433 *** s3cret KEYDATA",
               "0.5 {shop-postgresql 5432 shop ***}",
               '{"Host":"shop-postgresql","Port":5432,"Database":"shop","Password":"***"}']


def test_credentials_are_read_from_the_files_the_chart_mounts(shop, shop_go, go_cache):
    root, env = shop["views"]["prod"]
    # the chart gives the container the file's path, not the password
    assert env["POSTGRES_PASSWORD_FILE"] == "/var/run/secrets/pligos/postgres/password"
    assert "POSTGRES_PASSWORD" not in env and "s3cret" not in env.values()
    assert (root / "var/run/secrets/pligos/postgres/password").read_text() == "s3cret"
    result = _shop_py(shop, _shop_env(shop, "prod"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "shop-postgresql 5433 shop s3cret Secret(***) 9000",
        "KEYDATA {'cart': 50, 'ratio': 0.5}",
        # the init container's and the sidecar's mount and variable are not the service's
        "['MODE', 'WORKERS'] ['keys', 'settings']"]
    result = go_program(go_cache, shop_go, _shop_env(shop, "prod"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == SHOP_GO_OUT


def test_a_missing_credential_file_is_reported_like_a_missing_variable(shop, shop_go, go_cache,
                                                                       tmp_path):
    import shutil

    root = tmp_path / "root"
    shutil.copytree(shop["views"]["prod"][0], root)
    (root / "var/run/secrets/pligos/postgres/password").unlink()
    env = _shop_env(shop, "prod", PLIGOS_ROOT=str(root), POSTGRES_PORT=None)
    expected = ["  - environment variable POSTGRES_PORT is not set",
                f"  - file {root}/var/run/secrets/pligos/postgres/password is missing "
                "(credential file named by POSTGRES_PASSWORD_FILE)"]
    result = _shop_py(shop, env)
    assert result.returncode == 3
    assert result.stderr.splitlines() == [
        "configuration of service shop is incomplete (2 problems):", *expected]
    result = go_program(go_cache, shop_go, env)
    assert result.returncode == 3
    assert result.stderr.splitlines() == [
        "configuration of service shop is incomplete (2 problems):", *expected]


def test_a_context_giving_credentials_as_variables_still_works(shop, shop_go, go_cache):
    root, env = shop["views"]["legacy"]
    assert env["POSTGRES_PASSWORD"] == "s3cret" and "POSTGRES_PASSWORD_FILE" not in env
    assert not (root / "var/run/secrets/pligos").exists()
    legacy = _shop_env(shop, "legacy", PLIGOS_CONTEXT="legacy")
    result = _shop_py(shop, legacy)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "shop-postgresql 5433 shop s3cret Secret(***) 9000"
    result = go_program(go_cache, shop_go, legacy)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == SHOP_GO_OUT
    # what is missing is named as the running context gives it
    for context, missing in (("legacy", "POSTGRES_PASSWORD"), ("prod", "POSTGRES_PASSWORD_FILE"),
                             (None, "POSTGRES_PASSWORD_FILE or POSTGRES_PASSWORD")):
        env = _shop_env(shop, "legacy", PLIGOS_CONTEXT=context, POSTGRES_PASSWORD=None)
        for result in (_shop_py(shop, env), go_program(go_cache, shop_go, env)):
            assert result.returncode == 3, (context, result.stdout)
            assert result.stderr.splitlines()[1:] == [
                f"  - environment variable {missing} is not set"], context


def test_go_union_of_contexts_follows_the_running_context(tokend, go_cache, tmp_path, example):
    svc = example("tokend")
    mod = go_module(tmp_path / "gomod")
    assert run_cli("codegen", str(svc), "--lang", "go", "--out", str(mod / "pligosconfig")).code == 0
    (mod / "main.go").write_text(GO_MAIN % (
        'fmt.Println(*cfg.Ports.HTTP, cfg.Ports.HTTPDev == nil, cfg.Env.LogLevel == nil)\n'
        '\tdata, _ := json.Marshal(cfg.Mounts.Config.AppYAML.Data.Keys)\n'
        '\tfmt.Println(string(data))'))
    env = {**tokend["env"], "PLIGOS_ROOT": str(tokend["root"])}
    result = go_program(go_cache, mod, {**env, "PLIGOS_CONTEXT": "prod"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["8080 true true",
                                          '[{"id":"primary","algorithm":"ES256"}]']
    result = go_program(go_cache, mod, {**env, "PLIGOS_CONTEXT": "staging"})
    assert result.returncode == 3
    assert result.stderr.splitlines()[1:] == ["  - environment variable LOG_LEVEL is not set"]
