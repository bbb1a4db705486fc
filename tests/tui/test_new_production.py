"""`pligos new`: the production questions of a production context (autoscaling, Gateway API),
in the wizard, with --plain and with --no-input; what they write and what they refuse."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from new_support import checked, error_of, shown, started
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from support import run_cli
from textual.widgets import Input, RadioSet

from pligos_tui.jobs import scaffold
from pligos_tui.jobs.scaffold import production_like
from pligos_tui.tui.new.app import NewServiceApp
from pligos_tui.tui.new.plain import ask

SIZE = (120, 36)
DOWN = "\x1b[B"


def prod_of(doc: dict) -> dict:
    return next(c for c in doc["contexts"] if c["name"] == "prod")


def test_which_contexts_are_production():
    assert [n for n in ("prod", "production", "prod-eu", "eu-live", "dev", "preprod",
                        "staging", "products") if production_like(n)] == \
        ["prod", "production", "prod-eu", "eu-live"]


@pytest.mark.asyncio
async def test_the_wizard_asks_prod_for_autoscaling_and_gateway_api(tmp_path):
    app = NewServiceApp(scaffold.Answers(name="billing"), tmp_path / "billing",
                        scaffold.load_template(None), helm=False)
    async with started(app, size=SIZE) as pilot:
        app.go("contexts")
        await pilot.pause()
        assert shown(app, "contexts.prod.maxReplicas")
        assert not list(app.query("#f-contexts-dev-maxReplicas"))  # dev is not asked
        assert not shown(app, "contexts.prod.expose")  # no host name yet
        app.query_one("#f-contexts-prod-maxReplicas Input", Input).focus()
        await pilot.press(*"8")
        app.query_one("#f-contexts-prod-fqdn Input", Input).focus()
        await pilot.press(*"billing.example.com")
        await checked(pilot, app)
        assert shown(app, "contexts.prod.expose") and not shown(app, "contexts.prod.gateway")
        expose = app.query_one("#f-contexts-prod-expose RadioSet", RadioSet)
        expose.focus()
        await pilot.press("right", "enter")  # gateway, picked: on to the Gateway's name
        await checked(pilot, app)
        assert shown(app, "contexts.prod.gateway")
        await pilot.press("ctrl+n")  # no Gateway named: the step holds
        await pilot.pause()
        assert app.step == "contexts"
        assert error_of(app, "contexts.prod.gateway").startswith("give the Gateway to attach to")
        app.query_one("#f-contexts-prod-gateway Input", Input).focus()
        await pilot.press(*"infra/public")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.step == "review"
        text = app.query_one("#review").yaml_text
        assert "  autoscaling:\n    maxReplicas: 8\n" in text
        assert "  expose:\n    via: gateway\n    gateway:\n      name: public\n" \
            "      namespace: infra\n" in text
        await pilot.press("ctrl+s")
    answers = app.return_value
    assert answers is not None
    prod = answers.context("prod")
    assert (prod.max_replicas, prod.expose, prod.gateway) == (8, "gateway", "infra/public")


@pytest.mark.asyncio
async def test_autoscaling_below_the_replicas_is_refused_at_the_field(tmp_path):
    app = NewServiceApp(scaffold.Answers(name="billing"), tmp_path / "billing",
                        scaffold.load_template(None), helm=False)
    async with started(app, size=SIZE) as pilot:
        app.go("contexts")
        await pilot.pause()
        app.query_one("#f-contexts-prod-maxReplicas Input", Input).focus()
        await pilot.press("1")
        await checked(pilot, app)
        assert error_of(app, "contexts.prod.maxReplicas").startswith(
            "autoscaling to at most 1 but at least 2 replicas")


def test_plain_asks_the_production_questions_of_prod_only(tmp_path, monkeypatch):
    from pligos_tui.tui.new import plain

    asked: list[str] = []
    original = plain.Asker.ask

    def record(self, key, *args, **kwargs):
        asked.append(key)
        return original(self, key, *args, **kwargs)

    monkeypatch.setattr(plain.Asker, "ask", record)
    answers = scaffold.Answers(name="billing")
    answers.contexts[1].fqdn = "billing.example.com"
    prompts = ["name", "description", "flavor", "image.repository", "image.tag",
               "image.pullPolicy", "start", "env", "port", "containerPort", "probe",
               "probe.path", "config", "config.path", "contexts", *[f"contexts.dev.{k}" for k in (
                   "replicas", "fqdn", "cpu", "memory")], *[f"contexts.prod.{k}" for k in (
                       "replicas", "fqdn", "cpu", "memory", "maxReplicas", "expose")]]
    answer = {"contexts.prod.maxReplicas": "6\r", "contexts.prod.expose": DOWN + "\r",
              "contexts.prod.gateway": "public\r"}
    keys = "".join(answer.get(p, "\r") for p in [*prompts, "contexts.prod.gateway"]) + "\r"
    with create_pipe_input() as keyboard:
        keyboard.send_text(keys)
        keyboard.close()  # out of keys: an error, never a wait
        got = ask(answers, tmp_path / "billing", scaffold.load_template(None),
                  input=keyboard, output=DummyOutput())
    assert asked == [*prompts, "contexts.prod.gateway"]
    assert got is not None
    prod = got.context("prod")
    assert (prod.max_replicas, prod.expose, prod.gateway) == (6, "gateway", "public")


def test_no_input_writes_the_production_settings_and_they_validate(tmp_path):
    result = run_cli("new", "billing", "--no-input", "--set", "name=billing", "--set",
                     "flavor=webservice", "--set", "contexts.prod.fqdn=billing.example.com",
                     "--set", "contexts.prod.maxReplicas=10", "--set",
                     "contexts.prod.expose=gateway", "--set", "contexts.prod.gateway=public",
                     cwd=tmp_path)
    assert result.code == 0, result.err
    doc = yaml.safe_load((tmp_path / "billing" / "pligos.yaml").read_text())
    prod = prod_of(doc)
    assert prod["autoscaling"] == {"maxReplicas": 10}
    assert prod["expose"] == {"via": "gateway", "gateway": {"name": "public"}}
    assert "autoscaling" not in doc["contexts"][0] and "expose" not in doc["contexts"][0]
    checked = run_cli("check", str(tmp_path / "billing"), cwd=tmp_path)
    assert checked.code == 0, checked.out + checked.err


@pytest.mark.parametrize(("sets", "line"), [
    (["flavor=cronjob", "contexts.prod.maxReplicas=4"],
     "  contexts.prod.maxReplicas: a cronjob does not autoscale; leave it out"),
    (["flavor=webservice", "contexts.prod.expose=gateway"],
     "  contexts.prod.expose: prod has no host name (contexts.prod.fqdn), so nothing of it is "
     "exposed; leave it out"),
    (["flavor=webservice", "contexts.prod.fqdn=a.example.com", "contexts.prod.gateway=gw"],
     "  contexts.prod.gateway: prod's host is exposed through an Ingress (expose=ingress), so "
     "it names no Gateway; leave it out"),
    (["flavor=webservice", "contexts.prod.fqdn=a.example.com", "contexts.prod.expose=gateway"],
     "  contexts.prod.gateway: give the Gateway to attach to: NAME or NAMESPACE/NAME, e.g. "
     "infra/public"),
    (["flavor=webservice", "contexts.prod.fqdn=a.example.com", "contexts.prod.expose=gateway",
      "contexts.prod.gateway=Infra/public"],
     "  contexts.prod.gateway: the Gateway's namespace: 'Infra' is not a DNS label: use "
     "lower-case letters, digits and '-', starting and ending with a letter or digit"),
])
def test_production_answers_that_do_not_apply_are_refused(tmp_path: Path, sets, line):
    result = run_cli("new", "svc", "--no-input", "--set", "name=svc",
                     *[a for s in sets for a in ("--set", s)], cwd=tmp_path)
    assert result.code == 2, result.out + result.err
    lines = result.err.splitlines()
    assert lines[0] == "error: 1 answer to fix; nothing was written", result.err
    assert lines[1] == line
    assert list(tmp_path.iterdir()) == []


def test_the_production_answers_may_be_given_for_any_context(tmp_path):
    result = run_cli("new", "svc", "--no-input", "--set", "name=svc", "--set",
                     "flavor=worker", "--set", "contexts.dev.maxReplicas=3", cwd=tmp_path)
    assert result.code == 0, result.err
    doc = yaml.safe_load((tmp_path / "svc" / "pligos.yaml").read_text())
    assert doc["contexts"][0]["autoscaling"] == {"maxReplicas": 3}
