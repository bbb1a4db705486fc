"""`pligos new`'s document: contexts that extend the first and say only what differs, the
environment variables (NAME=VALUE) and friends, as --set, an answers file and the checks
take them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from support import make_tree, run_cli

from pligos_tui.charts.contract import compile_context
from pligos_tui.jobs import scaffold
from pligos_tui.jobs.scaffold import answers_from, check_answers
from pligos_tui.spec.load import load_service_text

FRIEND = """
    name: postgres
    type: requirement
    chart: {name: postgresql, version: 15.5.0, repository: "https://charts.example.com"}
    config: {host: db, port: 5432}
    """


def values_of(doc: dict, root: Path) -> dict[str, dict]:
    """Each context's chart values (the folder holding the config/ the scaffold creates)."""
    make_tree(root, {"config/app.yaml": "greeting: hello\n"})
    svc = load_service_text(yaml.safe_dump(doc, sort_keys=False), root, "pligos.yaml")
    return {c.name: compile_context(svc, c.name).values for c in svc.contexts}


def test_contexts_extend_the_first_and_say_only_what_differs(tmp_path):
    answers = answers_from([
        ("name", "api"), ("contexts", "dev, staging, prod"), ("env", "LOG_LEVEL=info"),
        ("contexts.dev.cpu", "100m"), ("contexts.dev.maxReplicas", "3"),
        ("contexts.staging.cpu", "100m"),  # the same requests as dev: its entry, inherited
        ("contexts.prod.cpu", "250m"), ("contexts.prod.memory", "256Mi"),
        ("contexts.prod.replicas", "3"), ("contexts.prod.maxReplicas", "6"),
        ("contexts.prod.fqdn", "api.example.com"), ("contexts.prod.expose", "gateway"),
        ("contexts.prod.gateway", "infra/public")])
    check = check_answers(answers, tmp_path / "api")
    assert check.ok, check.fields
    contexts = check.document["contexts"]
    assert contexts[0] == {"name": "dev", "flavor": "webservice", "image": "app",
                           "probe": "main", "routes": ["http"], "mounts": ["config"],
                           "env": ["app"], "resources": "dev",
                           "autoscaling": {"maxReplicas": 3}}
    assert contexts[1] == {"name": "staging", "extends": "dev", "autoscaling": None}
    assert contexts[2] == {"name": "prod", "extends": "dev", "routes": ["http-prod"],
                           "resources": "prod", "replicas": 3,
                           "autoscaling": {"maxReplicas": 6},
                           "expose": {"via": "gateway",
                                      "gateway": {"name": "public", "namespace": "infra"}}}
    assert [r["name"] for r in check.document["resources"]] == ["dev", "prod"]
    # each context's chart holds what was answered for it, inherited or not
    values = values_of(check.document, tmp_path)
    assert {c: (v["replicas"], v["autoscaling"]["enabled"], v["autoscaling"]["maxReplicas"],
                v["resources"]["requests"], [(r["name"], r["fqdn"]) for r in v["routes"]],
                v["expose"]["via"], v["env"], v["mounts"][0]["path"])
            for c, v in values.items()} == {
        "dev": (1, True, 3, {"cpu": "100m", "memory": "128Mi"}, [("http", "")], "ingress",
                {"LOG_LEVEL": "info"}, "/etc/api"),
        "staging": (1, False, 0, {"cpu": "100m", "memory": "128Mi"}, [("http", "")],
                    "ingress", {"LOG_LEVEL": "info"}, "/etc/api"),
        "prod": (3, True, 6, {"cpu": "250m", "memory": "256Mi"},
                 [("http-prod", "api.example.com")], "gateway", {"LOG_LEVEL": "info"},
                 "/etc/api")}


def test_a_context_drops_what_it_would_inherit(tmp_path):
    answers = answers_from([
        ("name", "api"), ("contexts.dev.replicas", "2"), ("contexts.dev.cpu", "100m"),
        ("contexts.dev.maxReplicas", "4"), ("contexts.prod.replicas", "1")])
    check = check_answers(answers, tmp_path / "api")
    assert check.ok, check.fields
    assert check.document["contexts"][1] == {"name": "prod", "extends": "dev", "resources": None,
                                             "replicas": 1, "autoscaling": None}
    assert "  resources: null\n  replicas: 1\n  autoscaling: null\n" in check.text
    values = values_of(check.document, tmp_path)
    assert {c: (v["replicas"], v["autoscaling"]["enabled"], v["resources"]["requests"]["cpu"])
            for c, v in values.items()} == {"dev": (2, True, "100m"),
                                             "prod": (1, False, "100m")}  # (the default)


@pytest.mark.parametrize("given", [
    "LOG_LEVEL=info, OPTS=-a -b, MODE=x,y",
    ["LOG_LEVEL=info", "OPTS=-a -b", "MODE=x,y"],
    {"LOG_LEVEL": "info", "OPTS": "-a -b", "MODE": "x,y"},
])
def test_env_is_a_list_of_name_value(tmp_path, given):
    answers = answers_from([("name", "api"), ("env", given)])
    assert answers.env == {"LOG_LEVEL": "info", "OPTS": "-a -b", "MODE": "x,y"}
    check = check_answers(answers, tmp_path / "api")
    assert check.ok, check.fields
    assert check.document["env"] == [{"name": "app", "variables": answers.env}]
    assert check.document["contexts"][0]["env"] == ["app"]
    assert "env" not in check.document["contexts"][1]  # inherited
    assert scaffold.answer_value(answers, scaffold.BY_KEY["env"]) == \
        "LOG_LEVEL=info, OPTS=-a -b, MODE=x,y"


@pytest.mark.parametrize(("given", "message"), [
    ("LOG_LEVEL", "env: 'LOG_LEVEL' is not NAME=VALUE, e.g. LOG_LEVEL=info"),
    ("=x", "env: '=x' is not NAME=VALUE, e.g. LOG_LEVEL=info"),
    ("A=1, A=2", "env: A is given twice; give each variable once"),
    ("A=1\nB=2", "env holds a line break: an answer is one line of text"),
])
def test_bad_env_answers_say_why(given, message):
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(")):
        scaffold.set_answer(scaffold.Answers(), "env", given)


def test_an_env_name_the_loader_refuses_is_the_env_answers_problem(tmp_path):
    check = check_answers(answers_from([("name", "api"), ("env", "1BAD=x")]), tmp_path / "api")
    assert check.fields == {"env": ["'1BAD' is not a valid environment variable name "
                                    "(letters, digits and '_', not starting with a digit)"]}


def test_no_input_takes_env_from_set_and_an_answers_file(tmp_path):
    make_tree(tmp_path, {"answers.yaml": """
        name: api
        env: {LOG_LEVEL: info, WORKERS: 4}
        """})
    result = run_cli("new", "api", "--no-input", "--answers", "answers.yaml", "--set",
                     "env.REGION=eu-west-1", "--set", "flavor=worker", cwd=tmp_path)
    assert result.code == 0, result.err
    doc = yaml.safe_load((tmp_path / "api" / "pligos.yaml").read_text())
    assert doc["env"] == [{"name": "app", "variables": {"LOG_LEVEL": "info", "WORKERS": "4",
                                                        "REGION": "eu-west-1"}}]
    result = run_cli("new", "bad", "--no-input", "--set", "name=bad", "--set", "flavor=worker",
                     "--set", "env=NOVALUE", cwd=tmp_path)
    assert result.code == 2
    assert "env: 'NOVALUE' is not NAME=VALUE, e.g. LOG_LEVEL=info" in result.err
    assert not (tmp_path / "bad").exists()


def test_friends_given_without_a_library_use_the_one_found(tmp_path):
    make_tree(tmp_path, {"friends/postgres.yaml": FRIEND})
    result = run_cli("new", "svc/api", "--no-input", "--set", "name=api", "--set",
                     "flavor=webservice", "--set", "friends=postgres", cwd=tmp_path)
    assert result.code == 0, result.err
    doc = yaml.safe_load((tmp_path / "svc" / "api" / "pligos.yaml").read_text())
    assert doc["friendsLibrary"] == ["../../friends"]
    assert doc["contexts"][0]["friends"] == ["postgres"]
    assert "friends" not in doc["contexts"][1]  # prod inherits them


def test_a_friend_the_library_lacks_is_refused_with_the_ones_it_has(tmp_path):
    make_tree(tmp_path, {"friends/postgres.yaml": FRIEND})
    result = run_cli("new", "api", "--no-input", "--set", "name=api", "--set",
                     "flavor=webservice", "--set", "friends=redis", cwd=tmp_path)
    assert result.code == 2
    assert "  friends: context 'dev' uses friend 'redis', which is not defined (friends are: " \
        "postgres)" in result.err
    assert not (tmp_path / "api").exists()


def test_the_library_offers_each_friend_with_what_it_is(tmp_path):
    make_tree(tmp_path, {"friends/postgres.yaml": FRIEND,
                         "friends/cache.yaml": "name: cache\ntype: dependency\n"
                                               "chart: {name: redis, version: 19.0.0, "
                                               "repository: https://charts.example.com}\n",
                         "friends/broken.yaml": "name: [\n"})
    folder, offered = scaffold.find_library(tmp_path / "svc" / "api", "")
    assert folder == "../../friends"
    assert [(f.name, f.about) for f in offered] == [
        ("cache", "dependency: chart redis 19.0.0"),
        ("postgres", "requirement: chart postgresql 15.5.0")]
