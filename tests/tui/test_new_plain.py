"""`pligos new --plain`: the same questions and checks with questionary, fed keystrokes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from support import lint_strict, make_tree

from pligos_tui.jobs import scaffold
from pligos_tui.tui.new.plain import ask

CLEAR = "\x15"  # Ctrl+U: empty the prefilled answer
DOWN = "\x1b[B"


def run_plain(dest: Path, keys: str, answers: scaffold.Answers | None = None):
    with create_pipe_input() as keyboard:
        keyboard.send_text(keys)
        keyboard.close()  # out of keys: an error, never a wait
        return ask(answers or scaffold.Answers(), dest, scaffold.load_template(None),
                   input=keyboard, output=DummyOutput())


def test_plain_questions_refuse_a_bad_answer_then_write(tmp_path, helm_bin, capsys):
    dest = tmp_path / "billing"
    keys = (CLEAR + "Billing\r" + CLEAR + "billing\r"  # name: refused, then fixed
            + "Bills\r"  # description
            + DOWN + "\r"  # flavor list: cronjob, webservice (the default), worker
            + "\r" * 3  # repository, tag, pull policy: the defaults
            + DOWN + "\r" + "/billing --serve\r"  # start: executable, and its command
            + "\r" * 20)  # the rest: defaults, then "Write?" yes
    answers = run_plain(dest, keys)
    assert answers is not None
    assert (answers.name, answers.flavor, answers.command) == ("billing", "worker",
                                                                "/billing --serve")
    out = capsys.readouterr().out
    assert "name: billing" in out and "flavor: worker" in out  # the pligos.yaml, shown
    scaffold.write_service(answers, dest)
    doc = yaml.safe_load((dest / "pligos.yaml").read_text())
    assert doc["commands"][0]["args"] == ["--serve"]
    lint_strict(helm_bin, dest / "charts" / "prod" / "billing")


def test_plain_skips_questions_the_flavor_does_not_take(tmp_path):
    asked: list[str] = []
    from pligos_tui.tui.new import plain

    original = plain.Asker.ask

    def record(self, key, *args, **kwargs):
        asked.append(key)
        return original(self, key, *args, **kwargs)

    plain.Asker.ask = record
    try:
        answers = run_plain(tmp_path / "job", "\r" * 40,
                            scaffold.Answers(name="job", flavor="cronjob"))
    finally:
        plain.Asker.ask = original
    assert answers is not None
    assert "schedule" in asked
    assert not {"port", "containerPort", "probe", "contexts.prod.replicas"} & set(asked)


def test_plain_ctrl_c_cancels(tmp_path):
    assert run_plain(tmp_path / "x", CLEAR + "api\r\x03") is None
    assert list(tmp_path.iterdir()) == []


def test_without_a_terminal_the_cli_asks_for_no_input(tmp_path):
    result = subprocess.run([sys.executable, "-m", "pligos_tui", "new", "x"], cwd=tmp_path,
                            stdin=subprocess.DEVNULL, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == ("error: pligos new asks its questions in a "
                                          "terminal, and stdin is not one")
    assert "--no-input --set name=NAME" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_plain_asks_env_and_the_friends_of_the_library(tmp_path, monkeypatch):
    from pligos_tui.tui.new import plain

    make_tree(tmp_path, {"friends/postgres.yaml": """
        name: postgres
        chart: {name: postgresql, version: 15.5.0, repository: "https://charts.example.com"}
        """, "friends/cache.yaml": """
        name: cache
        type: dependency
        chart: {name: redis, version: 19.0.0, repository: "https://charts.example.com"}
        """})
    asked: list[str] = []
    original = plain.Asker.ask

    def record(self, key, *args, **kwargs):
        asked.append(key)
        return original(self, key, *args, **kwargs)

    monkeypatch.setattr(plain.Asker, "ask", record)
    prompts = ["description", "flavor", "image.repository", "image.tag", "image.pullPolicy",
               "start", "env", "port", "containerPort", "probe", "probe.path", "config",
               "config.path", "contexts", *[f"contexts.{c}.{k}" for c in ("dev", "prod")
                                            for k in ("replicas", "fqdn", "cpu", "memory")],
               "contexts.prod.maxReplicas", "friends"]
    typed = {"env": "LOG_LEVEL=debug, REGION=eu\r",
             "friends": DOWN + " \r"}  # cache, then postgres: picked
    keys = "".join(typed.get(p, "\r") for p in ["name", *prompts]) + "\r"
    answers = run_plain(tmp_path / "svc" / "api", keys, scaffold.Answers(name="api"))
    assert asked == ["name", *prompts]
    assert answers is not None
    assert answers.env == {"LOG_LEVEL": "debug", "REGION": "eu"}
    assert answers.friends == ["postgres"] and answers.friends_library == "../../friends"
