"""The rules of pligos.yaml as named functions with ids: the table in docs/rules.md agrees with
the registered rules, single rules report what they should where they should, and every
problem the loader reports names its rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import test_broken_configs as broken

from pligos_tui.errors import ConfigError, Problem, Problems
from pligos_tui.io.yamlread import load_file
from pligos_tui.spec.load import load_service, load_service_text
from pligos_tui.spec.rules import all_rules, check_service
from pligos_tui.spec.rules.context import ABSENT, RuleContext
from pligos_tui.spec.rules.images import tag_or_digest
from pligos_tui.spec.rules.registry import RULE_FUNCTIONS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
RULE_ID = re.compile(r"E(-[A-Z0-9]+)+")

HEAD = """\
pligos: 1
name: shop
images:
  - name: app
    repository: registry.example.com/shop
    tag: "1.0.0"
"""


def problems_of(text: str, root: Path) -> list[Problem]:
    with pytest.raises(ConfigError) as raised:
        load_service_text(text, root, "pligos.yaml")
    return raised.value.problems


def only(problems: list[Problem], rule: str) -> Problem:
    found = [p for p in problems if p.rule == rule]
    assert len(found) == 1, "\n".join(p.format() for p in problems)
    return found[0]


# ----- the table of rules

def documented_ids() -> list[str]:
    rows = [line for line in DOCS.read_text(encoding="utf-8").splitlines()
            if line.startswith("| `E-")]
    return [line.split("`")[1] for line in rows]


def test_every_rule_is_documented_and_every_documented_rule_exists() -> None:
    registered = [r.id for r in all_rules()]
    documented = documented_ids()
    assert len(set(documented)) == len(documented), "a rule has two rows in docs/rules.md"
    assert sorted(set(registered) - set(documented)) == [], "rules missing from docs/rules.md"
    assert sorted(set(documented) - set(registered)) == [], "docs/rules.md names unknown rules"


def test_rule_ids_are_well_formed_and_each_names_one_rule() -> None:
    rules = all_rules()
    assert len({r.id for r in rules}) == len(rules)
    for r in rules:
        assert RULE_ID.fullmatch(r.id), r.id
        assert r.summary
    assert {f.rule.id for f in RULE_FUNCTIONS} <= {r.id for r in rules}


# ----- single rules

def test_unknown_reference(tmp_path: Path) -> None:
    text = HEAD + "contexts:\n  - name: dev\n    flavor: webservice\n    image: ap\n"
    p = only(problems_of(text, tmp_path), "E-REF-UNKNOWN")
    assert (p.line, p.column) == (10, 12)
    assert p.message == "context 'dev' refers to image 'ap', which is not defined"
    assert p.hint == "did you mean 'app'?"


def test_port_range(tmp_path: Path) -> None:
    text = HEAD + ("routes:\n  - {name: http, port: 80, containerPort: 80800}\n"
                   "contexts:\n  - {name: dev, flavor: webservice, image: app, routes: [http]}\n")
    p = only(problems_of(text, tmp_path), "E-PORT-RANGE")
    assert p.line == 8
    assert p.message == "port 80800 is outside 1-65535"


def test_probe_handler(tmp_path: Path) -> None:
    text = HEAD + ("probes:\n  - name: http\n    liveness: {failureThreshold: 3}\n"
                   "contexts:\n  - {name: dev, flavor: webservice, image: app, probe: http}\n")
    p = only(problems_of(text, tmp_path), "E-PROBE-HANDLER")
    assert p.line == 9
    assert p.message.startswith("liveness probe of 'http' needs exactly one handler")


def test_missing_file_and_path_outside(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "app.yaml").write_text("a: 1\n")
    text = HEAD + ("mounts:\n  - name: config\n    path: /etc/app\n"
                   "    files: [config/app.yml, ../secret.txt]\n"
                   "contexts:\n  - {name: dev, flavor: webservice, image: app, mounts: [config]}\n")
    problems = problems_of(text, tmp_path)
    missing = only(problems, "E-FILE-MISSING")
    assert missing.line == 10
    assert missing.message == "file 'config/app.yml' does not exist"
    assert missing.hint == "did you mean 'config/app.yaml'?"
    outside = only(problems, "E-PATH-OUTSIDE")
    assert outside.message == "file '../secret.txt' leaves the service folder"


def test_duplicate_names_and_dns_names(tmp_path: Path) -> None:
    text = HEAD + ("  - name: app\n    repository: registry.example.com/other\n    tag: '2'\n"
                   "contexts:\n  - {name: Dev, flavor: webservice, image: app}\n")
    problems = problems_of(text, tmp_path)
    duplicate = only(problems, "E-NAME-DUPLICATE")
    assert duplicate.line == 7
    assert duplicate.message == "image name 'app' is used twice (first on line 4)"
    dns = only(problems, "E-NAME-DNS")
    assert dns.line == 11
    assert dns.message.startswith("context name 'Dev' is not a DNS label")


def test_structural_rules_have_ids(tmp_path: Path) -> None:
    text = HEAD + ("    tga: latest\nroutes:\n  - {name: http, port: '80'}\n"
                   "contexts:\n  - {name: dev, flavor: webservice, image: app}\n")
    problems = problems_of(text, tmp_path)
    unknown = only(problems, "E-KEY-UNKNOWN")
    assert (unknown.line, unknown.message) == (7, "unknown key 'tga' in image")
    wrong = only(problems, "E-TYPE")
    assert (wrong.line, wrong.message) == (9, "port must be a whole number, not text")


def test_a_rule_function_on_its_own(tmp_path: Path) -> None:
    text = HEAD.replace('    tag: "1.0.0"\n', "") + "contexts:\n  - {name: dev}\n"
    svc = load_service_text(text, tmp_path, "pligos.yaml", check=False)
    found = list(tag_or_digest(RuleContext(svc)))
    assert [(f.at, f.message, f.key) for f in found] == [
        (("images", 0), "image 'app' needs a tag or a digest", True)]


def test_written_tells_a_key_left_out_from_one_written_empty(tmp_path: Path) -> None:
    text = HEAD + "    digest:\ncontexts:\n  - {name: dev, flavor: webservice, image: app}\n"
    svc = load_service_text(text, tmp_path, "pligos.yaml", check=False)
    ctx = RuleContext(svc)
    assert ctx.written(("images", 0, "digest")) is None
    assert ctx.written(("images", 0, "pullPolicy")) is ABSENT
    assert ctx.written(("images", 5, "tag")) is ABSENT
    assert ctx.written(("images", 0, "tag")) == "1.0.0"


def test_check_service_names_every_finding_with_its_rule(tmp_path: Path) -> None:
    text = HEAD + "contexts:\n  - {name: dev, image: app}\n"
    svc = load_service_text(text, tmp_path, "pligos.yaml", check=False)
    problems = Problems(svc.file)
    check_service(svc, problems)
    assert [(p.rule, p.line, p.message) for p in problems.items] == [
        ("E-FLAVOR-NONE", 8, "context 'dev' has no flavor")]


# ----- problems name their rule

def test_format_and_json_name_the_rule() -> None:
    problem = Problem("pligos.yaml", line=14, column=11, message="port 0 is outside 1-65535",
                      key_path="routes[0].port", hint="use a port between 1 and 65535",
                      rule="E-PORT-RANGE")
    assert problem.format() == ("pligos.yaml:14:11: error: port 0 is outside 1-65535 "
                                "[routes[0].port] (E-PORT-RANGE)\n"
                                "  hint: use a port between 1 and 65535")
    assert problem.to_json() == {
        "file": "pligos.yaml", "line": 14, "column": 11, "level": "error",
        "rule": "E-PORT-RANGE", "message": "port 0 is outside 1-65535",
        "key_path": "routes[0].port", "hint": "use a port between 1 and 65535"}
    unnamed = Problem("pligos.yaml", line=1, message="invalid YAML: x")
    assert unnamed.format() == "pligos.yaml:1: error: invalid YAML: x"


def test_loaded_problems_format_with_their_rule(tmp_path: Path) -> None:
    text = HEAD + "contexts:\n  - {name: dev, flavor: webservise, image: app}\n"
    with pytest.raises(ConfigError) as raised:
        load_service_text(text, tmp_path, "pligos.yaml")
    first = raised.value.format().splitlines()[0]
    assert first.startswith("pligos.yaml:8:25: error: unknown flavor 'webservise' (context 'dev') [")
    assert first.endswith("] (E-FLAVOR-UNKNOWN)")


@pytest.mark.parametrize("case_file", sorted(broken.BROKEN.glob("*.yaml")),
                         ids=lambda p: p.stem)
def test_every_problem_of_the_broken_corpus_names_its_rule(case_file: Path,
                                                           tmp_path: Path) -> None:
    folder = broken.make_service(case_file, tmp_path)
    known = {r.id for r in all_rules()}
    try:
        load_file(folder / "pligos.yaml", "pligos.yaml")
    except ConfigError as exc:  # YAML itself is broken: found before any rule, without an id
        assert all(p.rule == "" for p in exc.problems)
        return
    with pytest.raises(ConfigError) as raised:
        load_service(folder)
    for problem in raised.value.problems:
        assert problem.rule in known, problem.format()
        assert f"({problem.rule})" in problem.format()


def test_values_may_not_set_the_key_the_renderer_reserves(tmp_path: Path) -> None:
    text = HEAD + ("contexts:\n  - name: dev\n    flavor: webservice\n    image: app\n"
                   "    values:\n      pligosRender: {release: other, namespace: x}\n")
    p = only(problems_of(text, tmp_path), "E-VALUES-RESERVED")
    assert p.line == 12
    assert p.message.startswith("values: of context 'dev' set pligosRender, which Pligos "
                                "reserves for rendering")
    assert "release:" in p.hint
    fine = HEAD + ("contexts:\n  - name: dev\n    flavor: webservice\n    image: app\n"
                   "    values:\n      podAnnotations: {a: b}\n")
    load_service_text(fine, tmp_path, "pligos.yaml")
