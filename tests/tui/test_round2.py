"""What the shells draw and accept: user text on one line in the editor and the wizard, the
plain prompts' transcript after a refused answer, and `pligos new` using or refusing every
answer it is given (an empty image tag among the refused)."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from edit_support import field_input, select_node, service, settle, tree_labels, type_into
from new_support import error_of, started
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from support import ROOT, make_tree, run_cli, tmux
from textual.widgets import Input, Static, Tree

from pligos_tui.jobs import scaffold
from pligos_tui.jobs.editing import Selection
from pligos_tui.tui.edit.app import EditApp
from pligos_tui.tui.new.app import NewServiceApp
from pligos_tui.tui.new.fields import Field
from pligos_tui.tui.new.plain import ask
from pligos_tui.tui.text import flow, one_line, read_field

SIZE = (120, 40)
TREE_EDGE = "▕"  # the tree's right border: one column, the same on every row
CLEAR = "\x15"  # Ctrl+U: empty the prefilled answer

ENV_VALUES = """\
pligos: 1
name: hello
images:
  - name: nginx
    repository: nginx
    tag: "1.27"
env:
  - name: e
    variables:
      MSG: "a\\nb"
      OTHER: |
        line one
        line two
contexts:
  - name: dev
    flavor: webservice
    image: nginx
    env: [e]
"""

# names the rules refuse, so the editor opens on the source with problems
ODD_NAMES = """\
pligos: 1
name: "hel\\nlo"
description: "two\\nlines"
images:
  - name: nginx
    repository: nginx
    tag: "1.27"
env:
  - name: "e\\nf"
    variables: {MSG: x}
  - name: "[b]x"
    variables: {MSG: y}
contexts:
  - name: "dev\\nx"
    flavor: webservice
    image: nginx
"""


def empty_tag_message(message: str) -> bool:
    """The scaffold's own message for an empty tag, or the loader's rule (either may say it:
    the rule's message wins when there is one)."""
    return "empty" in message and "registry.example.com/" in message or \
        message.startswith("give the image's tag")


def screen_lines(app: EditApp) -> list[str]:
    """The text of every row the screen draws (what a terminal would show)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def assert_tree_column_intact(app: EditApp) -> None:
    lines = screen_lines(app)
    assert len(lines) == SIZE[1]
    assert not [line for line in lines if "\n" in line or "\r" in line]
    tree = app.screen.query_one("#tree", Tree)
    edge = tree.region.right - 1
    rows = range(tree.region.y, tree.region.bottom)
    assert [lines[y][edge] for y in rows] == [TREE_EDGE] * len(rows), "\n".join(lines)


# --------------------------------------------------------------------------- one line: the editor

@pytest.mark.asyncio
async def test_a_line_break_in_an_env_value_stays_on_one_line(tmp_path, helm_bin):
    app = EditApp(service(tmp_path, ENV_VALUES))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.entry("env", "e"))
        await pilot.pause()
        assert_tree_column_intact(app)
        variables = field_input(app, "variables")
        assert variables.value == '{MSG: "a\\nb", OTHER: "line one\\nline two\\n"}'
        assert '{MSG: "a\\nb", OTHER: "line one\\nline two\\n"}' in "\n".join(screen_lines(app))
        assert not app.buffer.dirty  # showing the value changed nothing
        await type_into(pilot, variables, '{MSG: "a\\nc", OTHER: x}')
        await settle(pilot, app)
        assert app.buffer.data["env"][0]["variables"] == {"MSG": "a\nc", "OTHER": "x"}
        assert_tree_column_intact(app)


@pytest.mark.asyncio
async def test_names_with_line_breaks_or_brackets_show_as_written_on_one_line(tmp_path,
                                                                            helm_bin):
    app = EditApp(service(tmp_path, ODD_NAMES))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        labels = tree_labels(app)
        assert {"hel⏎lo", "e⏎f", "[b]x", "dev⏎x"} <= set(labels), labels
        assert_tree_column_intact(app)
        drawn = "\n".join(screen_lines(app))
        assert "dev⏎x" in drawn and "[b]x" in drawn
        app.screen.query_one("#tree", Tree).focus()
        await pilot.press("home")
        await select_node(pilot, app, Selection.context("dev\nx"))
        assert app.screen.query_one("#ctx-name", Input).value == '"dev\\nx"'
        title = app.screen.query_one(".form-title", Static)
        assert str(title.render()) == "Context dev⏎x"
        assert_tree_column_intact(app)
        assert not app.buffer.dirty


@pytest.mark.asyncio
async def test_a_value_shown_quoted_reads_back_as_typed(tmp_path, helm_bin):
    app = EditApp(service(tmp_path, ODD_NAMES))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.screen.query_one("#tree", Tree).focus()
        await pilot.press("home")
        await select_node(pilot, app, Selection.service())
        description = field_input(app, "description")
        assert description.value == '"two\\nlines"'
        assert not app.buffer.dirty
        await type_into(pilot, description, '"one\\ttwo"')
        await settle(pilot, app)
        assert app.buffer.data["description"] == "one\ttwo"
        assert_tree_column_intact(app)


def test_flow_text_is_one_line_and_reads_back_the_same():
    value = {"MSG": "a\nb", "CR": "x\r\ny", "ESC": "\x1b[31m", "quote": 'say "hi" \\ ok',
             "tag": "1.20", "n": 5, "flags": [True, None, "yes"], "bidi": "a\u202eb"}
    text = flow(value)
    assert "\n" not in text and "\x1b" not in text and "\u202e" not in text
    assert yaml.safe_load(text) == value
    assert flow({"cpu": "100m"}) == "{cpu: 100m}"  # plain values as before
    assert one_line("a\r\nb\tc\x1b") == "a⏎b\\tc\\x1b"
    assert one_line("x" * 80, 10) == "x" * 9 + "…"
    assert read_field('"a\\nb"') == "a\nb" and read_field("plain") == "plain"
    with pytest.raises(ValueError, match="unbalanced quotes"):
        read_field('"a\\nb')


# --------------------------------------------------------------------------- the wizard

def wizard(dest: Path, answers: scaffold.Answers) -> NewServiceApp:
    return NewServiceApp(answers, dest, scaffold.load_template(None), helm=False)


@pytest.mark.asyncio
async def test_wizard_refuses_an_empty_image_tag(tmp_path):
    app = wizard(tmp_path / "x", scaffold.Answers(name="api"))
    async with started(app, size=(120, 36)) as pilot:
        app.go("image")
        await pilot.pause()
        tag = app.query_one("#f-image-tag Input", Input)
        tag.focus()
        await pilot.press("end", *["backspace"] * len(tag.value))
        while app.checking:  # the check of the answers, once typing stops
            await pilot.pause(0.02)
        assert empty_tag_message(error_of(app, "image.tag")), error_of(app, "image.tag")
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.step == "image"  # the step does not let you on


@pytest.mark.asyncio
async def test_wizard_shows_flavor_descriptions_as_written(tmp_path):
    flavors = [("webservice", "A [b]web[/b] service"), ("odd", "two\nlines")]
    app = NewServiceApp(scaffold.Answers(name="api"), tmp_path / "x",
                        scaffold.load_template(None), flavors=flavors, helm=False)
    async with started(app, size=(120, 36)) as pilot:
        await pilot.pause()
        text = str(app.query_one(".flavors", Static).render())
        assert text == "webservice  A [b]web[/b] service\nodd  two⏎lines"


@pytest.mark.asyncio
async def test_a_worker_is_asked_its_container_port_for_its_probe(tmp_path):
    app = wizard(tmp_path / "x", scaffold.Answers(name="api", flavor="worker"))
    async with started(app, size=(120, 36)) as pilot:
        await pilot.pause()
        shown = {f.key for f in app.query(Field) if f.display}
        assert "containerPort" in shown and "port" not in shown


# --------------------------------------------------------------------------- --plain

def run_plain(dest: Path, keys: str, answers: scaffold.Answers | None = None):
    with create_pipe_input() as keyboard:
        keyboard.send_text(keys)
        return ask(answers or scaffold.Answers(), dest, scaffold.load_template(None),
                   input=keyboard, output=DummyOutput())


def refusals(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("  ! ")]


def test_plain_prints_a_refused_answer_once_and_asks_again(tmp_path, capsys):
    keys = (CLEAR + "Bad_Name\r"  # name: refused, asked again with it offered for fixing
            + "\x7f" * len("Name") + "name\r"  # Bad_Name -> Bad_name: refused again
            + CLEAR + "billing\r"
            + "\r" * 30)  # the rest: defaults, then "Write?" yes
    answers = run_plain(tmp_path / "billing", keys)
    assert answers is not None and answers.name == "billing"
    out = capsys.readouterr().out
    assert [line.split(" is not")[0] for line in refusals(out)] == [
        "  ! service name 'Bad_Name'", "  ! service name 'Bad_name'"]
    assert out.splitlines()[0].startswith("New service in ")


def test_plain_refuses_an_empty_image_tag(tmp_path, capsys):
    keys = (CLEAR + "billing\r" + "\r" * 2  # name, description, flavor
            + "\r" + CLEAR + "\r" + "1.2.3\r"  # repository; tag: emptied (refused), then given
            + "\r" * 30)
    answers = run_plain(tmp_path / "billing", keys)
    assert answers is not None and answers.image_tag == "1.2.3"
    refused = refusals(capsys.readouterr().out)
    assert len(refused) == 1 and empty_tag_message(refused[0][4:]), refused


def _wait_for(sock: str, predicate, limit: float = 30.0) -> str:
    deadline = time.monotonic() + limit
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux(sock, "capture-pane", "-p", "-J", "-S", "-", "-t", "plain")
        if predicate(screen):
            break
        time.sleep(0.1)
    return screen


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
def test_plain_in_a_real_terminal_shows_the_first_question_once_per_answer(tmp_path):
    sock = f"pligos-plain-{tmp_path.name}"
    dest = tmp_path / "svc"
    command = (f"cd {shlex.quote(str(ROOT))} && {shlex.quote(sys.executable)} -m pligos_tui "
               f"new {shlex.quote(str(dest))} --plain; sleep 30")
    # the command is the session's: its first question starts in the top-left corner
    subprocess.run(["tmux", "-L", sock, "-f", "/dev/null", "new-session", "-d", "-s", "plain",
                    "-x", "80", "-y", "24", command], check=True)
    question = "? Service name (a DNS label)"
    try:
        _wait_for(sock, lambda s: question in s)
        tmux(sock, "send-keys", "-t", "plain", "C-u")
        tmux(sock, "send-keys", "-t", "plain", "-l", "Bad_Name")
        tmux(sock, "send-keys", "-t", "plain", "Enter")
        _wait_for(sock, lambda s: s.count(question) >= 2)
        tmux(sock, "send-keys", "-t", "plain", "C-u")
        tmux(sock, "send-keys", "-t", "plain", "-l", "good")
        tmux(sock, "send-keys", "-t", "plain", "Enter")
        screen = _wait_for(sock, lambda s: "? One-line description" in s)
        tmux(sock, "send-keys", "-t", "plain", "C-c")
    finally:
        tmux(sock, "kill-server")
    asked = [line.rstrip() for line in screen.splitlines() if line.startswith(question)]
    assert asked == [f"{question} Bad_Name", f"{question} good"], screen
    refused = [line for line in screen.splitlines() if line.startswith("  ! ")]
    assert len(refused) == 1 and "'Bad_Name' is not a DNS label" in refused[0], screen
    assert not dest.exists()


# --------------------------------------------------------------------------- --no-input

def new(tmp_path: Path, *args: str):
    return run_cli("new", "svc", "--no-input", *args, cwd=tmp_path)


@pytest.mark.parametrize("sets,line", [
    (["flavor=cronjob", "contexts.prod.fqdn=api.example.com"],
     "  contexts.prod.fqdn: a cronjob has no routes, so it has no host; leave it out"),
    (["flavor=cronjob", "contexts.dev.replicas=3"],
     "  contexts.dev.replicas: a cronjob has no replicas; leave it out"),
    (["flavor=webservice", "schedule=0 4 * * *"],
     "  schedule: a webservice runs on no schedule; leave it out"),
    (["flavor=worker", "port=81"],
     "  port: a worker has no routes, so it has no service port; leave it out"),
    (["flavor=worker", "probe=exec", "probe.command=true", "containerPort=9000"],
     "  containerPort: a worker has no routes and no HTTP or TCP probe, so it uses no "
     "container port; leave it out"),
    (["flavor=webservice", "probe=tcp", "probe.path=/ready"],
     "  probe.path: the probe is tcp, so it has no HTTP path; leave it out"),
    (["flavor=webservice", "command=/app/server"],
     "  command: the service starts with its image's own entrypoint (start=image), so it "
     "runs no command; leave it out"),
    (["flavor=webservice", "config=no", "config.path=/etc/x"],
     "  config.path: config is no, so no config/ is mounted; leave it out"),
    (["flavor=webservice", "description=two\nlines"],
     "error: description holds a line break: an answer is one line of text"),
    (["flavor=webservice", "contexts.staging.cpu=100m", "contexts=dev,prod"],
     "  contexts.staging.cpu: there is no context staging (the contexts are dev, prod); add "
     "it to contexts, e.g. --set contexts=dev,prod,staging"),
])
def test_an_answer_that_would_be_ignored_is_refused(tmp_path, sets, line):
    result = new(tmp_path, "--set", "name=svc", *[a for s in sets for a in ("--set", s)])
    assert result.code == 2, result.out + result.err
    lines = result.err.splitlines()
    if line.startswith("  "):
        assert lines[0] == "error: 1 answer to fix; nothing was written", result.err
    assert line in lines, result.err
    assert "Traceback" not in result.err
    assert list(tmp_path.iterdir()) == []


def test_an_empty_image_tag_is_refused(tmp_path):
    result = new(tmp_path, "--set", "name=svc", "--set", "flavor=webservice", "--set",
                 "image.tag=")
    assert result.code == 2, result.out + result.err
    lines = result.err.splitlines()
    assert lines[0] == "error: 1 answer to fix; nothing was written"
    assert lines[1].startswith("  image.tag: ") and empty_tag_message(lines[1][13:]), lines
    assert "registry.example.com/svc:" in lines[1]
    assert list(tmp_path.iterdir()) == []


def test_ignored_and_bad_answers_are_reported_together(tmp_path):
    result = new(tmp_path, "--set", "name=svc", "--set", "flavor=cronjob", "--set",
                 "contexts.prod.fqdn=api.example.com", "--set", "contexts.dev.cpu=lots")
    assert result.code == 2
    lines = result.err.splitlines()
    assert lines[0] == "error: 2 answers to fix; nothing was written"
    assert lines[1].startswith("  contexts.prod.fqdn: a cronjob has no routes")
    assert lines[2].startswith("  contexts.dev.cpu: ") and "'lots' is not a Kubernetes " \
        "quantity" in lines[2]
    assert list(tmp_path.iterdir()) == []


def test_the_answers_file_may_not_drop_a_context_setting(tmp_path):
    make_tree(tmp_path, {"answers.yaml": """
        name: svc
        flavor: webservice
        contexts:
          dev: {}
          prod: {replicas: 3}
        """, "bad.yaml": """
        name: svc
        flavor: webservice
        contexts:
          dev: 3
        """})
    result = new(tmp_path, "--answers", "answers.yaml", "--set", "contexts=dev")
    assert result.code == 2
    assert ("  contexts.prod.replicas: there is no context prod (the contexts are dev); add it "
            "to contexts, e.g. --set contexts=dev,prod") in result.err.splitlines()
    result = new(tmp_path, "--answers", "bad.yaml")
    assert result.code == 2
    assert result.err.splitlines()[0] == ("error: bad.yaml: contexts.dev must be a mapping of "
                                          "its settings (replicas, fqdn, cpu, memory, maxReplicas, "
                                          "expose, gateway), not 3")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answers.yaml", "bad.yaml"]


def test_a_worker_probe_uses_the_given_container_port(tmp_path):
    result = new(tmp_path, "--set", "name=svc", "--set", "flavor=worker",
                 "--set", "containerPort=9000")
    assert result.code == 0, result.err
    doc = yaml.safe_load((tmp_path / "svc" / "pligos.yaml").read_text())
    assert doc["probes"][0]["readiness"]["httpGet"]["port"] == 9000


def test_plain_says_which_given_answer_it_did_not_use(tmp_path):
    """Interactive: a given answer the chosen flavor leaves unused is named, not dropped."""
    sock = f"pligos-unused-{tmp_path.name}"
    dest = tmp_path / "svc"
    command = (f"cd {shlex.quote(str(ROOT))} && {shlex.quote(sys.executable)} -m pligos_tui "
               f"new {shlex.quote(str(dest))} --plain --set name=svc --set flavor=cronjob "
               "--set contexts.prod.fqdn=api.example.com; sleep 30")
    subprocess.run(["tmux", "-L", sock, "-f", "/dev/null", "new-session", "-d", "-s", "plain",
                    "-x", "120", "-y", "40", command], check=True)
    try:
        _wait_for(sock, lambda s: "? " in s)
        deadline = time.monotonic() + 60
        screen = ""
        while time.monotonic() < deadline and "wrote " not in screen:
            tmux(sock, "send-keys", "-t", "plain", "Enter")  # every default
            time.sleep(0.3)
            screen = tmux(sock, "capture-pane", "-p", "-J", "-S", "-", "-t", "plain")
    finally:
        tmux(sock, "kill-server")
    assert ("warning: the given answer contexts.prod.fqdn was not used: a cronjob has no "
            "routes, so it has no host") in screen, screen
    assert (dest / "pligos.yaml").is_file()
    assert "api.example.com" not in (dest / "pligos.yaml").read_text()
