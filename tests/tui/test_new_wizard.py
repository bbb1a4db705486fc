"""The `pligos new` wizard driven with Textual's Pilot: what a user types and sees."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
import yaml
from new_support import checked, error_of, started
from support import lint_strict, make_tree
from textual.widgets import Input, Static
from typing_support import send_keys

from pligos_tui.jobs import scaffold
from pligos_tui.jobs.scaffold import document
from pligos_tui.tui.new.app import NewServiceApp
from pligos_tui.tui.new.fields import Field
from pligos_tui.tui.new.review import ReviewStep

SIZE = (120, 36)
pytestmark = pytest.mark.asyncio


def wizard(dest: Path, answers: scaffold.Answers | None = None, *, template: str | None = None,
           helm: bool | None = False) -> NewServiceApp:
    app = NewServiceApp(answers or scaffold.Answers(), dest, scaffold.load_template(template),
                        helm=helm)
    app.animation_level = "none"  # scrolling to the focused answer at once: nothing to wait for
    return app


def focused_key(app: NewServiceApp) -> str | None:
    field = next((a for a in app.focused.ancestors_with_self if isinstance(a, Field)), None)
    return field.key if field else None


async def clear(pilot, app: NewServiceApp) -> None:
    """Empty the focused input the way a user does: End, then Backspace."""
    await pilot.press("end", *["backspace"] * len(app.focused.value))


async def rendered(pilot, app: NewServiceApp) -> dict[str, str]:
    """Wait for the review's charts; context -> the text its pane shows."""
    for _ in range(200):
        await pilot.pause()
        preview = app.query_one(ReviewStep).preview
        if preview is None:
            continue
        await app.workers.wait_for_complete()
        if not preview.pending and None not in preview.texts:
            break
    return {ctx: text for (ctx, _), text in zip(preview.panes, preview.texts)}


async def enter_until(pilot, app: NewServiceApp, step: str, limit: int = 40) -> None:
    for _ in range(limit):
        if app.step == step:
            return
        await pilot.press("enter")
        await pilot.pause()
    raise AssertionError(f"Enter never reached step {step!r}; stuck on {app.step!r}")


async def test_keyboard_only_run_writes_a_service_whose_charts_lint(tmp_path, helm_bin):
    dest = tmp_path / "billing"
    app = wizard(dest, helm=True)
    async with started(app, size=SIZE) as pilot:
        assert focused_key(app) == "name"
        await send_keys(pilot, *"billing", "enter", *"Bills customers", "enter")
        await send_keys(pilot, "down", "enter")  # flavor: from webservice down to worker, picked
        assert app.step == "image"
        await send_keys(pilot, *"ghcr.io/acme/billing", "enter", "end", *["backspace"] * 5,
                    *"2.1.0", "enter", "enter")
        assert app.step == "start"
        await send_keys(pilot, "down", "enter")  # executable: the command field appears
        assert focused_key(app) == "command"
        await send_keys(pilot, *"/billing --serve", "enter")
        assert focused_key(app) == "env"
        await send_keys(pilot, *"LOG_LEVEL=debug, GREETING=hello there", "enter")
        assert app.step == "network"
        assert not app.query_one("#f-port", Field).display  # a worker takes no routes
        await enter_until(pilot, app, "contexts")
        await send_keys(pilot, "end", *", staging", "enter")
        assert [c.name for c in app.collect()[0].contexts] == ["dev", "prod", "staging"]
        await enter_until(pilot, app, "review")
        charts = await rendered(pilot, app)
        yaml_text = app.query_one("#review").yaml_text
        assert "repository: ghcr.io/acme/billing" in yaml_text
        assert list(charts) == ["dev", "prod", "staging"]
        assert "kind: Deployment" in charts["prod"] and "replicas: 2" in charts["prod"]
        await pilot.press("ctrl+s")
    answers = app.return_value
    assert answers is not None and answers.flavor == "worker"
    assert not dest.exists()  # the wizard itself writes nothing: the writer does
    scaffold.write_service(answers, dest)
    doc = yaml.safe_load((dest / "pligos.yaml").read_text())
    assert doc["commands"][0]["command"] == ["/billing"]
    assert doc["images"][0]["tag"] == "2.1.0"
    assert doc["env"] == [{"name": "app", "variables": {"LOG_LEVEL": "debug",
                                                         "GREETING": "hello there"}}]
    assert [(c["name"], c.get("extends"), c.get("env")) for c in doc["contexts"]] == [
        ("dev", None, ["app"]), ("prod", "dev", None), ("staging", "dev", None)]
    for ctx in ("dev", "prod", "staging"):
        lint_strict(helm_bin, dest / "charts" / ctx / "billing")


async def test_invalid_name_is_shown_next_to_the_field_and_blocks_next(tmp_path):
    app = wizard(tmp_path / "x")
    async with started(app, size=SIZE) as pilot:
        await pilot.press(*"Billing_1")
        await checked(pilot, app)
        assert error_of(app, "name").startswith("service name 'Billing_1' is not a DNS label")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.step == "service" and focused_key(app) == "name"
        for _ in range(9):
            await pilot.press("backspace")
        await pilot.press(*"billing-1")
        await checked(pilot, app)
        assert error_of(app, "name") == ""
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.step == "image"


async def test_required_name_is_only_flagged_when_moving_on(tmp_path):
    app = wizard(tmp_path / "x")
    async with started(app, size=SIZE) as pilot:
        assert error_of(app, "name") == ""  # a fresh form is not shouted at
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.step == "service"
        assert error_of(app, "name") == "required"


async def test_tab_order_and_escape_goes_back(tmp_path):
    app = wizard(tmp_path / "x", scaffold.Answers(name="api"))
    async with started(app, size=SIZE) as pilot:
        order = [focused_key(app)]
        for _ in range(2):
            await pilot.press("tab")
            order.append(focused_key(app))
        assert order == ["name", "description", "flavor"]
        await pilot.press("ctrl+n", "ctrl+n")
        await pilot.pause()
        assert app.step == "start"
        await pilot.press("escape")
        await pilot.pause()
        assert app.step == "image" and focused_key(app) == "image.repository"
        await pilot.press("escape", "escape")  # on the first step Escape stays there
        await pilot.pause()
        assert app.step == "service"


async def test_quitting_writes_nothing(tmp_path):
    dest = tmp_path / "svc"
    app = wizard(dest, scaffold.Answers(name="api"))
    async with started(app, size=SIZE) as pilot:
        await pilot.press("ctrl+n", "ctrl+n")
        await pilot.press("ctrl+q")
    assert app.return_value is None
    assert list(tmp_path.iterdir()) == []


async def test_context_rows_follow_the_contexts_and_check_their_fields(tmp_path):
    app = wizard(tmp_path / "x", scaffold.Answers(name="api"))
    async with started(app, size=SIZE) as pilot:
        app.go("contexts")
        await pilot.pause()
        await pilot.press("end", "backspace", "backspace", "backspace", "backspace",
                          *"qa, prod", "enter")
        await pilot.pause()
        names = [row.name for row in app.query(".context")]
        assert names == ["dev", "qa", "prod"]
        app.query_one("#f-contexts-prod-fqdn Input", Input).focus()
        await pilot.press(*"Shop.Example")
        await checked(pilot, app)
        assert error_of(app, "contexts.prod.fqdn").startswith(
            "'Shop.Example' is not a host name")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.step == "contexts" and focused_key(app) == "contexts.prod.fqdn"


async def test_a_bad_port_type_and_range_are_caught(tmp_path):
    app = wizard(tmp_path / "x", scaffold.Answers(name="api"))
    async with started(app, size=SIZE) as pilot:
        app.go("network")
        await pilot.pause()
        await clear(pilot, app)
        await pilot.press(*"99999")
        await checked(pilot, app)
        assert error_of(app, "port").startswith("port 99999 is outside 1-65535")


async def test_review_without_helm_shows_values(tmp_path):
    app = wizard(tmp_path / "x", scaffold.Answers(name="api"), helm=False)
    async with started(app, size=SIZE) as pilot:
        app.go("review")
        charts = await rendered(pilot, app)
        assert "(values)" in str(app.query_one("#review-where", Static).render())
        assert list(charts) == ["dev", "prod"]
        assert "context: prod" in charts["prod"] and "replicas: 2" in charts["prod"]
        await pilot.press("escape")  # back to the contexts: add one, and review again
        await pilot.pause()
        app.query_one("#f-contexts Input", Input).value = "dev, prod, qa"
        await pilot.press("ctrl+n")
        charts = await rendered(pilot, app)
        assert list(charts) == ["dev", "prod", "qa"]
        assert "context: qa" in charts["qa"]


async def test_review_refuses_to_write_until_answers_are_fixed(tmp_path):
    app = wizard(tmp_path / "x", scaffold.Answers(name="api", image_tag="bad tag!"))
    async with started(app, size=SIZE) as pilot:
        app.go("review")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.return_value is None and app.is_running
        assert app.step == "image" and focused_key(app) == "image.tag"
        assert "tag" in error_of(app, "image.tag")


async def test_template_prompts_and_friends_library_get_their_own_step(tmp_path):
    make_tree(tmp_path, {
        "tpl/cookiecutter.json": json.dumps({"name": "x", "team": "platform",
                                             "tier": ["gold", "silver"], "_pligos_yaml": ""}),
        "tpl/{{cookiecutter.name}}/pligos.yaml": "{{ cookiecutter._pligos_yaml }}\n",
        "tpl/{{cookiecutter.name}}/OWNERS": "{{ cookiecutter.team }} {{ cookiecutter.tier }}\n",
        "services/friends/postgres.yaml": """
            name: postgres
            type: requirement
            chart: {name: postgresql, version: 15.5.0, repository: "https://charts.example.com"}
            config: {host: db, port: 5432}
            """,
    })
    dest = tmp_path / "services" / "api"
    app = wizard(dest, scaffold.Answers(name="api", config=False), template=str(tmp_path / "tpl"))
    async with started(app, size=SIZE) as pilot:
        assert app.step_ids[-2:] == ["extras", "review"]
        app.go("extras")
        await pilot.pause()
        assert app.query_one("#friends").option_count == 1
        await pilot.press("space", "tab", *"payments")  # pick the friend; the team

        await pilot.pause()
        answers, _ = app.collect()
        assert answers.extra == {"team": "payments", "tier": "gold"}
        assert answers.friends == ["postgres"] and answers.friends_library == "../friends"
    template = scaffold.load_template(str(tmp_path / "tpl"))
    scaffold.write_service(answers, dest, template=template)
    assert (dest / "OWNERS").read_text() == "payments gold\n"
    doc = yaml.safe_load((dest / "pligos.yaml").read_text())
    assert doc["friendsLibrary"] == ["../friends"]
    assert doc["contexts"][0]["friends"] == ["postgres"]


@pytest.mark.parametrize("flavor,hidden", [
    ("cronjob", {"port", "probe", "contexts.dev.replicas"}),
    ("webservice", {"schedule", "command"}),
])
async def test_fields_a_flavor_does_not_take_are_hidden(tmp_path, flavor, hidden):
    app = wizard(tmp_path / "x", scaffold.Answers(name="api", flavor=flavor))
    async with started(app, size=SIZE) as pilot:
        await pilot.pause()
        shown = {f.key for f in app.query(Field) if f.display}
        assert not hidden & shown
        assert "name" in shown


def highlighted_step(app) -> str:
    """The line of the step list drawn highlighted (reverse video)."""
    steps = app.query_one("#steps")
    lines = [line for line in steps.render().split("\n") if "reverse" in str(line.spans)]
    assert len(lines) == 1, lines
    return lines[0].plain.strip()


async def test_mouse_on_the_step_list_and_buttons(tmp_path):
    app = wizard(tmp_path / "x")
    async with started(app, size=SIZE) as pilot:
        await pilot.click("#steps", offset=(3, 5))  # "5 Contexts": the name is still missing
        await pilot.pause()
        assert app.step == "service" and error_of(app, "name") == "required"
        await pilot.click("#f-name Input")
        await pilot.press(*"api")
        await pilot.click("#steps", offset=(3, 5))
        await pilot.pause()
        assert app.step == "contexts"
        assert highlighted_step(app) == "5 Contexts"
        await pilot.click("#back-contexts")
        await pilot.pause()
        assert app.step == "network"
        assert highlighted_step(app) == "4 Ports & probes"
        await pilot.click("#next-network")
        await pilot.pause()
        assert app.step == "contexts"


async def test_a_burst_of_keys_is_checked_once_off_the_ui_thread(tmp_path, monkeypatch):
    calls: list[tuple[str, bool]] = []

    def counting(name, original):
        def call(*args, **kwargs):
            calls.append((name, threading.current_thread() is threading.main_thread()))
            return original(*args, **kwargs)
        return call

    monkeypatch.setattr(document, "build_document",
                        counting("build", document.build_document))
    monkeypatch.setattr(document, "flavor_accepts", counting("flavor", document.flavor_accepts))
    app = wizard(tmp_path / "x")
    async with started(app, size=SIZE) as pilot:
        await checked(pilot, app)
        calls.clear()
        await pilot.press(*"api-server")  # typed faster than the check's delay
        await checked(pilot, app)
        # one document for the burst, built in a worker thread, not on the one of the keys
        assert calls == [("flavor", False), ("build", False)]
        assert "name: api-server" in app.check.text and "name" not in app.check.fields
        await pilot.press("ctrl+n")  # moving on reuses the check of the same answers
        await pilot.pause()
        assert app.step == "image" and len(calls) == 2
