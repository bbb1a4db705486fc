"""What the generated API covers: the description of a service, the union of contexts, and
how the Python loader treats what only some contexts give."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from cg_helpers import make_shop
from support import EXAMPLES, make_tree

from pligos_tui import codegen
from pligos_tui.charts.contract import compile_context
from pligos_tui.codegen.api import CodegenError, describe
from pligos_tui.codegen.shapes import Shape, infer, merge
from pligos_tui.errors import UsageError
from pligos_tui.spec.load import load_service


def test_one_context_describes_exactly_what_its_chart_gives():
    api = describe(load_service(EXAMPLES / "tokend"), "prod")
    assert api.contexts == ("prod",) and api.single
    assert [(p.route, p.port) for p in api.ports] == [("http", 8080), ("metrics", 9090)]
    assert [e.name for e in api.env] == ["LOG_FORMAT", "TOKEN_TTL"]
    [config] = api.files
    assert (config.name, config.path) == ("config", "/etc/tokend")
    assert [(f.key, f.path, f.format) for f in config.files] == [
        ("app.yaml", "/etc/tokend/app.yaml", "yaml"), ("logo.png", "/etc/tokend/logo.png",
                                                       "binary")]
    assert [f.key for f in config.files[0].shape.fields] == ["listen", "issuer", "ttl", "keys"]
    assert not any(api.optional(x) for x in (*api.ports, *api.env, *api.files))


def test_union_marks_what_some_contexts_lack_as_optional():
    api = describe(load_service(EXAMPLES / "tokend"))
    assert api.contexts == ("dev", "prod", "staging", "janitor", "nightly-reindex")
    ports = {p.route: p.contexts for p in api.ports}
    assert ports == {"http-dev": ("dev",), "http": ("prod", "staging"),
                     "metrics": ("prod", "staging")}
    env = {e.name: api.optional(e) for e in api.env}
    assert env == {"LOG_FORMAT": True, "TOKEN_TTL": True, "LOG_LEVEL": True}
    assert not api.optional(api.files[0])  # every context mounts config


def test_friends_and_secrets_follow_the_values_contract(tmp_path):
    api = describe(load_service(make_shop(tmp_path)), "prod")
    [friend] = api.friends
    assert [(v.key, v.env, v.type, v.secret) for v in friend.values] == [
        ("host", "POSTGRES_HOST", "str", False), ("port", "POSTGRES_PORT", "int", False),
        ("database", "POSTGRES_DATABASE", "str", False),
        ("password", "POSTGRES_PASSWORD", "str", True)]
    password = friend.values[-1]
    assert (password.file_env, password.file, password.file_contexts, password.delivery()) == (
        "POSTGRES_PASSWORD_FILE", "/var/run/secrets/pligos/postgres/password", ("prod",),
        "files")
    assert password.source() == ("a credential, read from the file named by "
                                 "$POSTGRES_PASSWORD_FILE (/var/run/secrets/pligos/postgres/"
                                 "password)")
    [keys] = api.secrets
    assert (keys.path, keys.secret, [k.key for k in keys.keys]) == (
        "/etc/shop/keys", "signing", ["private.pem", "public.pem"])
    assert "KEYDATA" not in repr(api) and "s3cret" not in repr(api)  # never secret data


def test_each_context_says_how_it_gives_a_credential(tmp_path):
    svc = load_service(make_shop(tmp_path))
    legacy = describe(svc, "legacy").friends[0].values[-1]
    assert (legacy.file_contexts, legacy.delivery(), legacy.source()) == (
        (), "env", "a credential, from $POSTGRES_PASSWORD")
    union = describe(svc).friends[0].values[-1]
    assert (union.contexts, union.file_contexts, union.env_contexts) == (
        ("prod", "legacy"), ("prod",), ("legacy",))
    assert union.delivery() == "both"
    assert union.source().endswith("(/var/run/secrets/pligos/postgres/password) in prod, from "
                                   "$POSTGRES_PASSWORD in legacy")
    python = codegen.render(svc, "python").data.decode()
    assert ('password=ld.need_credential("POSTGRES_PASSWORD", ("prod",), ("legacy",)),'
            in python)
    go = codegen.render(svc, "go").data.decode()
    assert ('f.Password = ld.needCredential("POSTGRES_PASSWORD", []string{"prod"}, '
            '[]string{"legacy"})') in go
    assert "// Password is a credential, read from the file named by $POSTGRES_PASSWORD_FILE" \
        in go


def test_only_the_services_own_container_is_described(tmp_path):
    svc = load_service(make_shop(tmp_path))
    values = compile_context(svc, "prod").values
    # the chart has a sidecar and an init container, a mount and a variable of theirs, and a
    # writable /tmp for the read-only root file system ...
    assert [c["name"] for c in values["containers"]["sidecars"] + values["containers"]["init"]
            ] == ["log-shipper", "migrate"]
    assert [(m["name"], m["main"]) for m in values["mounts"]] == [
        ("settings", True), ("keys", True), ("shipping", False), ("pligos-tmp", True)]
    assert values["env"] == {"MODE": "web", "WORKERS": "4"}
    assert values["containers"]["sidecars"][0]["env"] == {"SHIP_TO": "loki"}
    # ... and the service's API holds what its own container gets, nothing of theirs
    api = describe(svc, "prod")
    assert [m.name for m in (*api.files, *api.secrets)] == ["settings", "keys"]
    assert [e.name for e in api.env] == ["MODE", "WORKERS"]
    assert [p.route for p in api.ports] == ["http", "admin"]


def test_env_in_values_must_be_a_mapping(tmp_path):
    svc = make_tree(tmp_path / "svc", {"pligos.yaml": """
        pligos: 1
        name: svc
        images: [{name: i, repository: nginx, tag: "1"}]
        contexts:
          - {name: a, flavor: webservice, image: i, values: {env: [{name: A, value: "1"}]}}
        """})
    with pytest.raises(CodegenError) as err:
        describe(load_service(svc))
    assert err.value.message.endswith("the values of context 'a' hold `env` as a list, not a "
                                      "mapping of variable names to values")


def test_contexts_that_disagree_on_an_item_cannot_share_one_api(tmp_path):
    svc = make_tree(tmp_path / "svc", {"pligos.yaml": """
        pligos: 1
        name: svc
        images: [{name: i, repository: nginx, tag: "1"}]
        contexts:
          - {name: a, flavor: webservice, image: i, routes: [{name: http, port: 80}]}
          - {name: b, flavor: webservice, image: i, routes: [{name: http, port: 8080}]}
        """})
    with pytest.raises(CodegenError) as err:
        describe(load_service(svc))
    assert err.value.message.endswith("route 'http' has port 80 in context 'a' but 8080 in "
                                      "context 'b'; one API cannot cover both")
    assert err.value.hint == "generate for one context: --context NAME"
    assert describe(load_service(svc), "b").ports[0].port == 8080


def test_unknown_context_is_a_usage_error():
    with pytest.raises(UsageError, match="has no context 'prd'") as err:
        describe(load_service(EXAMPLES / "tokend"), "prd")
    assert err.value.hint == "did you mean 'prod'?"


def test_shapes_merge_list_items():
    shape = infer([{"a": 1, "b": "x"}, {"a": 2.5}, {"a": None, "c": True}])
    assert shape.kind == "list"
    fields = {f.key: (f.shape.kind, f.shape.nullable, f.required) for f in shape.item.fields}
    assert fields == {"a": ("float", True, True), "b": ("str", False, False),
                      "c": ("bool", False, False)}
    assert merge(Shape("str"), Shape("int")).kind == "any"
    assert infer([]).item.kind == "any"


def _module(tmp_path: Path, svc_path: Path, context: str | None):
    svc = load_service(svc_path)
    out = codegen.render(svc, "python", context=context, out=tmp_path / "mod")
    out.path.parent.mkdir(parents=True, exist_ok=True)
    out.path.write_bytes(out.data)
    name = f"pligos_config_{abs(hash((str(tmp_path), context)))}"
    spec = importlib.util.spec_from_file_location(name, out.path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _tokend_root(tmp_path: Path) -> Path:
    return make_tree(tmp_path / "root", {
        "etc/tokend/app.yaml": (EXAMPLES / "tokend/config/app.yaml").read_text(),
        "etc/tokend/logo.png": b"\x89PNG",
    })


def test_union_loader_requires_what_the_running_context_gives(tmp_path):
    mod = _module(tmp_path, EXAMPLES / "tokend", None)
    root = _tokend_root(tmp_path)
    prod_env = {"LOG_FORMAT": "json", "TOKEN_TTL": "3600"}
    config = mod.load(context="prod", environ=prod_env, root=root)
    assert (config.ports.http, config.ports.metrics, config.ports.http_dev) == (8080, 9090, None)
    assert config.env.LOG_LEVEL is None
    assert config.mounts.config.app_yaml.data["ttl"] == 3600
    # staging sets LOG_LEVEL: there it is required
    with pytest.raises(mod.ConfigError) as err:
        mod.load(environ={**prod_env, "PLIGOS_CONTEXT": "staging"}, root=root)
    assert err.value.problems == ["environment variable LOG_LEVEL is not set"]
    # without a context, what only some contexts give is read when present
    config = mod.load(environ={"LOG_LEVEL": "debug"}, root=root)
    assert config.context is None and config.env.LOG_LEVEL == "debug"
    assert config.env.LOG_FORMAT is None and config.ports.http_dev == 8080


def test_loader_rejects_a_context_it_was_not_generated_for(tmp_path):
    mod = _module(tmp_path, EXAMPLES / "tokend", "prod")
    with pytest.raises(mod.ConfigError) as err:
        mod.load(context="dev", environ={"LOG_FORMAT": "", "TOKEN_TTL": ""},
                 root=_tokend_root(tmp_path))
    assert err.value.problems == [("context 'dev' (from load() or PLIGOS_CONTEXT) is not one this "
                                  "module was generated for: prod")]


def test_secrets_never_show_in_reprs(tmp_path):
    svc = make_shop(tmp_path)
    mod = _module(tmp_path, svc, "prod")
    root = make_tree(tmp_path / "root", {
        "etc/shop/settings.json": '{"currency": "EUR", "limits": {"cart": 1, "ratio": 1},'
                                  ' "tags": [], "beta": null}',
        "etc/shop/motd.txt": "hi\n",
        "etc/shop/keys/private.pem": "KEYDATA", "etc/shop/keys/public.pem": "PUBDATA"})
    config = mod.load(environ={"MODE": "web", "WORKERS": "4", "POSTGRES_HOST": "db",
                               "POSTGRES_PORT": "5432", "POSTGRES_DATABASE": "shop",
                               "POSTGRES_PASSWORD": "s3cret"}, root=root)
    text = repr(config) + str(config.friends.postgres.password)
    assert "s3cret" not in text and "KEYDATA" not in text
    assert config.friends.postgres.password.reveal() == "s3cret"
    assert config.mounts.keys.private_pem.reveal().reveal() == "KEYDATA"
    with pytest.raises(mod.ConfigError) as err:
        mod.load(environ={"MODE": "web", "WORKERS": "4", "POSTGRES_HOST": "db",
                          "POSTGRES_PORT": "five", "POSTGRES_DATABASE": "shop",
                          "POSTGRES_PASSWORD": "s3cret"}, root=root)
    assert err.value.problems == [("environment variable POSTGRES_PORT is 'five', not a whole "
                                  "number")]


def _shop_root(tmp_path: Path) -> Path:
    return make_tree(tmp_path / "root", {
        "etc/shop/settings.json": '{"currency": "EUR", "limits": {"cart": 1, "ratio": 1},'
                                  ' "tags": [], "beta": null}',
        "etc/shop/motd.txt": "hi\n",
        "etc/shop/keys/private.pem": "KEYDATA", "etc/shop/keys/public.pem": "PUBDATA"})


SHOP_ENV = {"MODE": "web", "WORKERS": "4", "POSTGRES_HOST": "db", "POSTGRES_PORT": "5432",
            "POSTGRES_DATABASE": "shop"}


def test_a_credential_is_read_from_the_file_its_variable_names(tmp_path, monkeypatch):
    mod = _module(tmp_path, make_shop(tmp_path), "prod")
    root = _shop_root(tmp_path)
    secret = root / "var/run/secrets/pligos/postgres/password"
    secret.parent.mkdir(parents=True)
    secret.write_bytes(b"s3cret\r\n")  # the file's bytes, exactly, as the variable would be
    named = {**SHOP_ENV, "POSTGRES_PASSWORD_FILE": "/var/run/secrets/pligos/postgres/password"}
    config = mod.load(environ=named, root=root)  # below PLIGOS_ROOT, as every mounted file
    assert config.friends.postgres.password.reveal() == "s3cret\r\n"
    assert "s3cret" not in repr(config)
    # the file wins over the variable; the variable alone is read (credentialsAs: env)
    config = mod.load(environ={**named, "POSTGRES_PASSWORD": "other"}, root=root)
    assert config.friends.postgres.password.reveal() == "s3cret\r\n"
    config = mod.load(environ={**SHOP_ENV, "POSTGRES_PASSWORD": "other"}, root=root)
    assert config.friends.postgres.password.reveal() == "other"
    # a relative path is read from the working folder, as given
    monkeypatch.chdir(secret.parent)
    config = mod.load(environ={**SHOP_ENV, "POSTGRES_PASSWORD_FILE": "password"}, root=root)
    assert config.friends.postgres.password.reveal() == "s3cret\r\n"


@pytest.mark.parametrize("make, problem", [
    (lambda p: None, "is missing (credential file named by POSTGRES_PASSWORD_FILE)"),
    (lambda p: p.mkdir(parents=True),
     "cannot be read (credential file named by POSTGRES_PASSWORD_FILE): Is a directory"),
    (lambda p: (p.parent.mkdir(parents=True), p.write_bytes(b"\xff\xfe")),
     "is not UTF-8 text (credential file named by POSTGRES_PASSWORD_FILE)"),
])
def test_a_credential_file_that_cannot_be_read_is_one_problem(tmp_path, make, problem):
    mod = _module(tmp_path, make_shop(tmp_path), "prod")
    root = _shop_root(tmp_path)
    secret = root / "var/run/secrets/pligos/postgres/password"
    make(secret)
    with pytest.raises(mod.ConfigError) as err:
        mod.load(environ={**SHOP_ENV, "POSTGRES_PASSWORD": "ignored",
                          "POSTGRES_PASSWORD_FILE": "/var/run/secrets/pligos/postgres/password"},
                 root=root)
    assert err.value.problems == [f"file {secret} {problem}"]
    assert "ignored" not in str(err.value)
