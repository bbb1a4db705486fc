"""`pligos explain` on the examples and on a tree of three contexts extending each other: the
origin of a value from an entry, through two `extends`, from `values:`, from a friend, from a
flavor's defaults and from Pligos' own defaults, as a user reads them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support import EXAMPLES, make_tree, run_cli, shop_with_secrets

ROOT = EXAMPLES.parent

# dev <- staging <- prod, a flavor of flavorPaths with defaults, values: in dev and prod
CHAIN = {
    "pligos.yaml": """
        pligos: 1
        name: api
        flavorPaths: [flavors]
        images:
          - name: app
            repository: registry.example.com/api
            tag: "2.0.0"
        routes:
          - {name: http, port: 80, containerPort: 8080, fqdn: api.example.com}
        env:
          - name: base
            variables: {LOG_LEVEL: info}
        contexts:
          - name: dev
            flavor: web
            image: app
            routes: [http]
            env: [base]
            rollout: {terminationGracePeriodSeconds: 45}
            values: {pod: {labels: {team: payments}}}
          - name: staging
            extends: dev
            replicas: 2
            autoscaling: {maxReplicas: 4}
          - name: prod
            extends: staging
            autoscaling: null
            values: {image: {pullPolicy: Always}}
        current-context: prod
        """,
    "flavors/web/flavor.yaml": """
        base: webservice
        defaults:
          rollout: {preStop: {sleep: 5}}
          expose:
            certManager: {issuer: letsencrypt}
          resources:
            limits: {memory: 1Gi}
        """,
}


@pytest.fixture
def chain(tmp_path: Path) -> Path:
    return make_tree(tmp_path / "api", CHAIN)


def _line(out: str, key: str) -> str:
    """The printed line of `key` with its columns' padding squeezed to two spaces."""
    found = [line for line in out.splitlines() if line.split("  ", 1)[0] == key]
    assert len(found) == 1, out
    return re.sub(r"\s{2,}", "  ", found[0])


def _values(*args: str, cwd: Path = ROOT) -> dict[str, dict]:
    result = run_cli("explain", *args, "--json", cwd=cwd)
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["format"] == 1
    return {v["key"]: v for v in doc["values"]}


def test_a_value_from_an_entry_names_it_and_its_line():
    result = run_cli("explain", "examples/tokend", "--context", "prod", "image.tag", cwd=ROOT)
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "context prod of tokend (examples/tokend/pligos.yaml): where each value comes from",
        "image.tag  1.4.2  images[release] examples/tokend/pligos.yaml:11"]
    # staging takes prod's image through extends: the entry, and which context assigned it
    tag = _values("examples/tokend", "--context", "staging", "image.tag")["image.tag"]
    assert tag == {"key": "image.tag", "value": "1.4.2", "kind": "entry",
                   "file": "examples/tokend/pligos.yaml", "line": 11, "context": "prod",
                   "via": ["staging", "prod"], "detail": "images[release].tag",
                   "shown": "images[release], assigned in prod (staging → prod) "
                            "examples/tokend/pligos.yaml:11"}


def test_inherited_through_two_extends_values_and_a_flavor_default(chain: Path):
    result = run_cli("explain", cwd=chain)  # current-context: prod
    assert result.code == 0, result.err
    out = result.out
    assert out.splitlines()[0] == ("context prod of api (pligos.yaml): where each value "
                                   "comes from")
    assert _line(out, "rollout.terminationGracePeriodSeconds") == (
        "rollout.terminationGracePeriodSeconds  45  inherited from dev (prod → staging → dev) "
        "pligos.yaml:19")
    assert _line(out, "replicas") == "replicas  2  inherited from staging (prod → staging) " \
                                     "pligos.yaml:23"
    assert _line(out, "image.pullPolicy") == "image.pullPolicy  Always  values: of prod " \
                                             "pligos.yaml:28"
    assert _line(out, "pod.labels.team") == (
        "pod.labels.team  payments  values: of dev (prod → staging → dev) pligos.yaml:20")
    assert _line(out, "rollout.preStop.sleep") == (
        "rollout.preStop.sleep  5  flavor default flavors/web/flavor.yaml:3")
    assert _line(out, "resources.limits.memory") == (
        "resources.limits.memory  1Gi  flavor default flavors/web/flavor.yaml:7")
    assert _line(out, "resources.limits.cpu") == "resources.limits.cpu  '1'  default"
    # prod's `autoscaling: null` sends its keys back to the defaults, and says where
    assert _line(out, "autoscaling.cpu") == ("autoscaling.cpu  0  default (autoscaling: null "
                                             "in prod) pligos.yaml:27")
    values = _values("--context", "prod", cwd=chain)
    assert {k: (v["kind"], v["context"], v["via"]) for k, v in values.items() if k in (
        "rollout.terminationGracePeriodSeconds", "pod.labels.team", "rollout.preStop.sleep",
        "image.pullPolicy")} == {
        "rollout.terminationGracePeriodSeconds": ("inherited", "dev", ["prod", "staging", "dev"]),
        "pod.labels.team": ("values", "dev", ["prod", "staging", "dev"]),
        "rollout.preStop.sleep": ("flavor", "dev", ["prod", "staging", "dev"]),
        "image.pullPolicy": ("values", "prod", ["prod"])}
    assert values["rollout.preStop.sleep"]["file"] == "flavors/web/flavor.yaml"


def test_values_from_friends():
    result = run_cli("explain", "examples/shop/checkout", "--context", "prod", "postgres",
                     cwd=ROOT)
    assert result.code == 0, result.err
    out = result.out
    assert _line(out, "postgres.auth.database") == (
        "postgres.auth.database  app  friend postgres examples/shop/friends/postgres.yaml:6")
    # prod's friends entry gives the subchart more values on top of the friend's
    assert _line(out, "postgres.primary.resources.requests.memory") == (
        "postgres.primary.resources.requests.memory  1Gi  context prod "
        "examples/shop/checkout/pligos.yaml:53")
    host = _values("examples/shop/checkout", "--context", "dev",
                   "friends.postgres.config.host")["friends.postgres.config.host"]
    assert (host["kind"], host["file"], host["line"], host["context"]) == (
        "friend", "examples/shop/friends/postgres.yaml", 8, "dev")
    assert host["value"] == "{{ .Release.Name }}-postgres"


def test_built_in_defaults_and_derived_values():
    values = _values("examples/tokend", "--context", "prod")
    user = values["security.runAsUser"]
    assert (user["kind"], user["value"], user["file"], user["line"]) == (
        "default", 10001, None, None)
    assert user["detail"] == "Pligos' default of security.runAsUser"
    # prod runs 3 replicas, autoscaling up to 10: the minimum is its replicas
    low = values["autoscaling.minReplicas"]
    assert (low["kind"], low["value"], low["line"]) == ("derived", 3, 101)
    assert values["disruption.enabled"]["kind"] == "derived"
    assert values["autoscaling.maxReplicas"]["kind"] == "context"
    hello = _values("examples/hello", "--context", "dev", "replicas")
    assert (hello["replicas"]["kind"], hello["replicas"]["value"]) == ("default", 1)


def test_key_path_limits_the_output():
    def keys(*key: str) -> list[str]:
        return list(_values("examples/tokend", "--context", "prod", *key))

    route = keys("routes[http]")
    assert route[0] == "routes[http].name" and len(route) == 11
    assert all(k.startswith("routes[http].") for k in route)
    assert keys("routes.http.port") == keys("routes[0].port") == ["routes[http].port"]
    assert keys("env.TOKEN_TTL") == ["env.TOKEN_TTL"]
    # a key path alone, in the service's folder, and an option between PATH and KEY_PATH
    alone = run_cli("explain", "--context", "dev", "env.LOG_LEVEL", cwd=EXAMPLES / "tokend")
    assert alone.code == 0, alone.err
    assert alone.out.splitlines()[1:] == ["env.LOG_LEVEL  debug  env[debug] pligos.yaml:66"]
    between = run_cli("explain", "examples/tokend", "--context", "dev", "env.LOG_LEVEL",
                      cwd=ROOT)
    assert between.out.splitlines()[1:] == [
        "env.LOG_LEVEL  debug  env[debug] examples/tokend/pligos.yaml:66"]


@pytest.mark.parametrize("args, message, hint", [
    (["--context", "prd"], "examples/tokend/pligos.yaml has no context 'prd'",
     "did you mean 'prod'?"),
    (["--context", "prod", "image.tg"], "context 'prod' of examples/tokend/pligos.yaml has "
     "no value 'image.tg'", "did you mean 'image.tag'?"),
    (["--context", "prod", "schedule"], "context 'prod' of examples/tokend/pligos.yaml has "
     "no value 'schedule'", "its flavor webservice does not take schedule, so its chart has "
     "no schedule"),
])
def test_an_unknown_context_or_key_path_is_a_usage_error(args, message, hint):
    result = run_cli("explain", "examples/tokend", *args, cwd=ROOT)
    assert (result.code, result.out) == (2, "")
    assert result.err == f"error: {message}\n  hint: {hint}\n"
    as_json = run_cli("explain", "examples/tokend", *args, "--json", cwd=ROOT)
    assert as_json.code == 2 and "Traceback" not in as_json.err
    assert json.loads(as_json.out)["error"] == message


def test_explain_reads_no_secret_and_needs_no_helm(tmp_path: Path):
    shop = shop_with_secrets(tmp_path)
    secret_bytes = [line.split(": ", 1)[1] for p in shop.rglob("secrets/*.yaml")
                    for line in p.read_text().splitlines() if not line.startswith("registry")]
    secret_bytes += [p.read_text().splitlines()[1] for p in shop.rglob("secrets/*/*.*")]
    result = run_cli("explain", str(shop / "checkout"), "--context", "prod", "--json",
                     env={"PLIGOS_HELM": str(tmp_path / "no-helm")})
    assert result.code == 0, result.err
    assert not [s for s in secret_bytes if s in result.out]
    values = {v["key"]: v for v in json.loads(result.out)["values"]}
    tls = values["secrets.checkout-tls.type"]
    assert (tls["value"], tls["kind"], tls["line"]) == ("kubernetes.io/tls", "derived", 22)
    assert tls["detail"].startswith("secret checkout-tls, used by the TLS secret of route "
                                    "'http' (")
    assert sorted(k.split(".")[1] for k in values if k.startswith("secrets.")
                  and k.endswith(".type")) == ["checkout-tls", "postgres-password", "registry",
                                               "signing-key"]


def test_the_examples_of_docs_cli_md_are_what_it_prints():
    text = (ROOT / "docs" / "cli.md").read_text()
    block = text.split("## `pligos explain`", 1)[1].split("```\n", 2)[1]
    runs = re.split(r"^\$ ", block, flags=re.M)[1:]
    assert len(runs) == 2
    for run in runs:
        command, *printed = run.splitlines()
        words = command.split()
        assert words[0] == "pligos"
        result = run_cli(*words[1:], cwd=ROOT)
        assert result.code == 0, result.err
        assert result.out.splitlines() == printed


def test_help_shows_the_usage_and_an_example():
    result = run_cli("explain", "--help")
    assert result.code == 0
    assert result.out.startswith(
        "usage: pligos explain [-h] [--context NAME] [--json] [PATH] [KEY_PATH]\n")
    assert "example:\n  pligos explain examples/tokend --context prod image.tag" in result.out
