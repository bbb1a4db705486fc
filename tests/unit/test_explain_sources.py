"""`jobs.explain.explain`: an origin for every value a context's chart holds, at the line that
writes it, and the sources the examples do not show (an image's own user, a `values:` block
replacing a list, a delivery chosen by a context, a null inherited setting)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from support import EXAMPLES, make_tree

from pligos_tui.charts.contract import compile_context
from pligos_tui.errors import UsageError
from pligos_tui.jobs.explain import Origin, explain, origin_at
from pligos_tui.spec.load import load_service

SERVICES = [EXAMPLES / "tokend", EXAMPLES / "hello", EXAMPLES / "shop" / "checkout",
            EXAMPLES / "shop" / "catalog"]


def _leaves(data: object) -> int:
    if isinstance(data, dict) and data:
        return sum(_leaves(v) for v in data.values())
    if isinstance(data, list) and data and all(isinstance(v, dict) for v in data):
        return sum(_leaves(v) for v in data)
    return 1


@pytest.mark.parametrize("folder", SERVICES, ids=lambda p: p.name)
def test_every_value_of_every_context_has_an_origin_at_a_true_line(folder: Path):
    svc = load_service(folder)
    for ctx in svc.contexts:
        origins = explain(svc, ctx.name)
        values = compile_context(svc, ctx.name, fetch_secrets=False).values
        assert len(origins) == _leaves(values), ctx.name
        assert len({o.key for o in origins}) == len(origins)
        # none is left to the catch-all: each key of the contract has its own source
        assert [o.key for o in origins if o.source == "computed by Pligos"] == [], ctx.name
        for o in origins:
            if not o.line:
                continue
            text = Path(o.file).read_text().splitlines()[o.line - 1]
            last = o.at[-1]  # the key written on that line, or an item of a list there
            assert str(last) in text if isinstance(last, str) else text.lstrip().startswith(
                "-"), (ctx.name, o)
            assert o.context == "" or o.via[0] == ctx.name and o.via[-1] == o.context


def test_explain_is_fast_and_runs_no_helm(monkeypatch):
    monkeypatch.setenv("PLIGOS_HELM", "/nonexistent/helm")
    svc = load_service(EXAMPLES / "tokend")
    started = time.perf_counter()
    for ctx in svc.contexts:
        explain(svc, ctx.name)
    assert time.perf_counter() - started < 1.0  # (about 15 ms on 2 cores)


SOURCES = """
pligos: 1
name: svc
secrets: {provider: file, path: secrets}
images:
  - name: app
    repository: registry.example.com/app
    tag: "1.0"
    runAsUser: 1000
    pullSecret: registry
routes:
  - {name: http, port: 80}
  - {name: admin, port: 81}
env:
  - name: base
    variables: {LOG_LEVEL: info, MODE: a}
  - name: loud
    variables: {LOG_LEVEL: debug}
contexts:
  - name: dev
    flavor: webservice
    image: app
    routes: [http]
    env: [base, loud]
    replicas: 1
    security: {runAsGroup: 3000}
  - name: prod
    extends: dev
    secrets: {delivery: existing}
    values:
      routes: [{name: admin, port: 81, containerPort: 8081}]
"""


@pytest.fixture
def sources(tmp_path: Path):
    return load_service(make_tree(tmp_path / "svc", {"pligos.yaml": SOURCES}))


def _by_key(origins: list[Origin]) -> dict[str, Origin]:
    return {o.key: o for o in origins}


def test_sources_beyond_the_examples(sources):
    prod = _by_key(explain(sources, "prod"))
    # the image's own user, unless a context sets one; the group the context sets
    assert (prod["security.runAsUser"].kind, prod["security.runAsUser"].source,
            prod["security.runAsUser"].line) == ("entry", "images[app]", 8)
    assert (prod["security.runAsGroup"].kind, prod["security.runAsGroup"].context,
            prod["security.runAsGroup"].via) == ("inherited", "dev", ("prod", "dev"))
    # the later env entry's variable wins, each named by its own entry
    assert (prod["env.LOG_LEVEL"].source, prod["env.LOG_LEVEL"].line) == ("env[loud]", 17)
    assert (prod["env.MODE"].source, prod["env.MODE"].line) == ("env[base]", 15)
    # a values: block replacing a list: every item of it is the block's
    admin = [o for o in prod.values() if o.key.startswith("routes[")]
    assert {o.key for o in admin} == {"routes[admin].name", "routes[admin].port",
                                      "routes[admin].containerPort"}
    assert {(o.kind, o.context) for o in admin} == {("values", "prod")}
    # the delivery prod chooses, for the secret its image pulls with
    delivery = prod["secrets.registry.delivery"]
    assert (delivery.value, delivery.kind, delivery.line) == ("existing", "context", 28)
    assert "the pull secret of image 'app'" in delivery.detail
    dev = _by_key(explain(sources, "dev"))
    assert (dev["secrets.registry.delivery"].kind, dev["routes[http].containerPort"].kind) == (
        "default", "derived")
    assert dev["disruption.enabled"].source == "1 pod at all times, fewer than two"


def test_shown_in_one_line_per_kind():
    def shown(kind: str, **fields: object) -> str:
        return Origin(key="k", path=("k",), value=1, kind=kind, **fields).shown  # type: ignore

    at = {"file": "pligos.yaml", "line": 7}
    assert shown("entry", source="images[release]", context="prod", via=("prod",), **at) == \
        "images[release] pligos.yaml:7"
    assert shown("entry", source="images[release]", context="prod", via=("staging", "prod"),
                 **at) == "images[release], assigned in prod (staging → prod) pligos.yaml:7"
    assert shown("context", context="prod", via=("prod",), **at) == "context prod pligos.yaml:7"
    assert shown("inherited", context="dev", via=("prod", "staging", "dev"), **at) == \
        "inherited from dev (prod → staging → dev) pligos.yaml:7"
    assert shown("values", context="prod", via=("prod",), **at) == "values: of prod pligos.yaml:7"
    assert shown("friend", source="postgres", file="friends/postgres.yaml", line=4) == \
        "friend postgres friends/postgres.yaml:4"
    assert shown("flavor", source="web", file="flavors/web/flavor.yaml", line=12) == \
        "flavor default flavors/web/flavor.yaml:12"
    assert shown("default") == "default"
    assert shown("derived", source="its port", **at) == "derived: its port pligos.yaml:7"


def test_key_paths_and_the_origin_of_a_line(sources):
    origins = explain(sources, "dev")
    assert origin_at(origins, ("image", "tag")).value == "1.0"
    assert origin_at(origins, ("image",)).key == "image.repository"  # a line opening a map
    assert origin_at(origins, ("nothing",)) is None
    assert [o.key for o in explain(sources, "dev", "routes[http].port")] == ["routes[http].port"]
    with pytest.raises(UsageError) as err:
        explain(sources, "dev", "routes[htp]")
    assert err.value.hint == "did you mean 'routes[http]'?"
    with pytest.raises(UsageError, match="has no context 'qa'"):
        explain(sources, "qa")
    # another flavor than the context's: a worker's chart has no routes
    worker = _by_key(explain(sources, "dev", flavor="worker"))
    assert not [key for key in worker if key.startswith("routes")]
    assert (worker["pligos.flavor"].value, worker["pligos.flavor"].kind) == ("worker", "derived")
