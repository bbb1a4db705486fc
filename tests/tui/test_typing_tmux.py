"""Typing at 30 ms a key in a real terminal (tmux): every key lands in the field it was typed
in, the pligos.yaml written holds exactly what was typed, and the preview on screen follows
the last key.

Each key goes to the terminal on its own (`tmux send-keys`), 30 ms after the one before, as a
quick typist sends them; screens are awaited by polling `capture-pane`."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from support import EXAMPLES, ROOT, tmux

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")

GAP = 0.03  # seconds between two keys typed
FAST = 0.02  # with tmux's own few milliseconds, under 30 ms a key
MOVING = 0.3  # between keys that move around, where a test is about something else
KEYS = {"Tab", "BTab", "End", "Home", "BSpace", "Enter", "Escape", "Down", "Up", "F2",
        "C-u", "C-n", "C-s", "C-q"}  # tmux key names; anything else is typed as text
SAVED = re.compile(r"(?<!un)saved\s")  # the editor's notice "saved PATH" (the path may wrap)


class Terminal:
    """A command in a tmux window of its own server (`-L`), driven key by key."""

    def __init__(self, tmp: Path, command: str, env: dict[str, str], cwd: Path = ROOT,
                 size: tuple[int, int] = (120, 40)) -> None:
        self.sock = f"pligos-typing-{uuid.uuid4().hex[:8]}"
        self.status = tmp / f"{self.sock}.status"
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        script = (f"cd {shlex.quote(str(cwd))} && unset COLUMNS LINES && env {exports} "
                  f"{command}; echo $? > {shlex.quote(str(self.status))}")
        width, height = size
        subprocess.run(["tmux", "-L", self.sock, "-f", "/dev/null", "new-session", "-d", "-s",
                        "t", "-x", str(width), "-y", str(height), "sh"], check=True)
        self.socket = tmux(self.sock, "display-message", "-p", "#{socket_path}").strip()
        tmux(self.sock, "resize-window", "-t", "t", "-x", str(width), "-y", str(height))
        tmux(self.sock, "send-keys", "-t", "t", "exec sh -c " + shlex.quote(script), "Enter")

    def type(self, *keys: str, gap: float = GAP) -> None:
        """Each key alone, `gap` seconds apart: names in KEYS are keys, the rest text."""
        for key in keys:
            for one in ([key] if key in KEYS else list(key)):
                args = [one] if one in KEYS else ["-l", one]
                tmux(self.sock, "send-keys", "-t", "t", *args)
                time.sleep(gap)

    def screen(self) -> str:
        return tmux(self.sock, "capture-pane", "-p", "-t", "t")

    def wait_for(self, want: str | Callable[[str], bool], limit: float = 30.0) -> str:
        test = want if callable(want) else (lambda s: want in s)
        deadline = time.monotonic() + limit
        while True:
            screen = self.screen()
            if test(screen):
                return screen
            if self.status.exists() or time.monotonic() > deadline:
                raise AssertionError(f"never showed {want!r}; the screen:\n{screen}")
            time.sleep(0.1)

    def exit_code(self, limit: float = 20.0) -> str:
        deadline = time.monotonic() + limit
        while not self.status.exists():
            if time.monotonic() > deadline:
                raise AssertionError(f"still running; the screen:\n{self.screen()}")
            time.sleep(0.1)
        return self.status.read_text().strip()

    def close(self) -> None:
        tmux(self.sock, "kill-server")
        if self.socket:
            Path(self.socket).unlink(missing_ok=True)  # (tmux may leave it behind)


def _env(tmp: Path, helm_bin: str) -> dict[str, str]:
    return {"PLIGOS_HELM": helm_bin, "TERM": "xterm-256color", "HOME": str(tmp),
            "PATH": os.environ.get("PATH", "")}


def _service(tmp: Path) -> Path:
    root = tmp / "tokend"
    shutil.copytree(EXAMPLES / "tokend", root, ignore=shutil.ignore_patterns("charts"))
    return root


def _editor(tmp: Path, helm_bin: str, root: Path, size: tuple[int, int]) -> Terminal:
    term = Terminal(tmp, f"{shlex.quote(sys.executable)} -m pligos_tui edit "
                         f"{shlex.quote(str(root))}", _env(tmp, helm_bin), size=size)
    term.wait_for(lambda s: "kind: " in s and "Contexts" in s)  # tree and a rendered pane
    term.type("Down", "Down", "Down", "Enter")  # the tree's cursor: Service › Properties ›
    term.wait_for("images: release")            # images › release, whose form opens
    return term


def test_editor_keeps_every_key_in_its_field_and_saves_it(tmp_path, helm_bin):
    root = _service(tmp_path)
    before = (root / "pligos.yaml").read_text()
    old = ("    repository: registry.example.com/tokend\n    tag: \"1.4.2\"\n"
           "    pullPolicy: IfNotPresent\n")
    assert before.count(old) == 1
    term = _editor(tmp_path, helm_bin, root, (120, 40))
    try:
        # Tab from the tree into the form's first field, then on to the next ones; each field
        # emptied (End, Ctrl+U) and typed anew; Ctrl+S right after the last key
        term.type("Tab", "End", "C-u", "reg.ex.com/tk", "Tab", "End", "C-u", "9.9",
                  "Tab", "End", "C-u", "Always", "C-s")
        term.wait_for(lambda s: SAVED.search(s) is not None)
        new = "    repository: reg.ex.com/tk\n    tag: \"9.9\"\n    pullPolicy: Always\n"
        assert (root / "pligos.yaml").read_text() == before.replace(old, new)
        term.type("C-q")  # everything typed is saved: it quits without asking
        assert term.exit_code() == "0", term.screen()
    finally:
        term.close()


def _context(doc: dict, name: str) -> dict:
    """A context of the wizard's pligos.yaml with what it extends filled in."""
    ctx = next(c for c in doc["contexts"] if c["name"] == name)
    if "extends" in ctx:
        ctx = {**_context(doc, ctx["extends"]), **ctx}
    return ctx


def _entry(doc: dict, prop: str, name: str) -> dict:
    return next(e for e in doc[prop] if e["name"] == name)


def test_wizard_keeps_every_key_in_its_field_and_writes_it(tmp_path, helm_bin):
    term = Terminal(tmp_path, f"{shlex.quote(sys.executable)} -m pligos_tui new svc",
                    _env(tmp_path, helm_bin), cwd=tmp_path, size=(120, 36))
    try:
        term.wait_for("What the service is called")
        # the service step: name, Tab, description, Enter (the flavor), Enter (picks it)
        term.type("billing", "Tab", "Bills customers", "Enter", "Enter")
        term.wait_for("The container image every context runs")
        for text in ("How the container starts", "The port the service listens on",
                     "Each context becomes a chart"):
            term.type("C-n")
            term.wait_for(text)
        # the contexts step: from the list of names, Tab through dev's row then prod's
        term.type("Tab", "End", "BSpace", "3", "Tab", "api.ex.com", "Tab", "200m",
                  "Tab", "256Mi", "Tab", "Tab", "api.example.com", "Tab", "500m", "C-n")
        term.wait_for("# Source: billing/")  # the review, rendered
        term.type("C-s")
        assert term.exit_code() == "0", term.screen()
    finally:
        term.close()
    doc = yaml.safe_load((tmp_path / "svc" / "pligos.yaml").read_text())
    assert (doc["name"], doc["description"]) == ("billing", "Bills customers")
    dev, prod = _context(doc, "dev"), _context(doc, "prod")
    typed = {
        "dev replicas": dev["replicas"],
        "dev host": [_entry(doc, "routes", r).get("fqdn") for r in dev["routes"]],
        "dev cpu": _entry(doc, "resources", dev["resources"])["requests"]["cpu"],
        "dev memory": _entry(doc, "resources", dev["resources"])["requests"]["memory"],
        "prod host": [_entry(doc, "routes", r).get("fqdn") for r in prod["routes"]],
        "prod cpu": _entry(doc, "resources", prod["resources"])["requests"]["cpu"],
    }
    assert typed == {"dev replicas": 3, "dev host": ["api.ex.com"], "dev cpu": "200m",
                     "dev memory": "256Mi", "prod host": ["api.example.com"],
                     "prod cpu": "500m"}


def test_preview_on_screen_shows_the_last_key_typed(tmp_path, helm_bin):
    root = _service(tmp_path)
    term = _editor(tmp_path, helm_bin, root, (200, 50))
    try:
        # the panes scrolled to the container's image (prod runs images › release), moving
        # around at a person's pace: this test is about the screen after fast typing
        term.type("3", "/", gap=MOVING)
        term.wait_for("search this pane")
        term.type("image: ", "Enter")
        term.wait_for('image: "registry.example.com/tokend:1.4.2"')
        term.type("Escape", "2", "Tab", gap=MOVING)  # the form's first field, then the tag
        term.type("End", "C-u", "1.4.3", gap=FAST)
        time.sleep(1.0)
        screen = term.screen()
        assert re.search(r"tag +1\.4\.3$", screen, re.M), screen  # (the form)
        assert 'image: "registry.example.com/tokend:1.4.3"' in screen, screen
        # the values the chart is given, then another tag typed as fast
        term.type("F2")
        term.wait_for('tag: "1.4.3"')
        term.type("End", "C-u", "2.0.10", gap=FAST)  # (the tag field still has focus)
        time.sleep(1.0)
        screen = term.screen()
        assert 'tag: "2.0.10"' in screen, screen
    finally:
        term.close()


def test_keys_after_a_jump_or_a_search_go_where_focus_went(tmp_path, helm_bin):
    root = _service(tmp_path)
    before = (root / "pligos.yaml").read_text()
    term = _editor(tmp_path, helm_bin, root, (200, 50))
    try:
        # `3` then `/` at once: the search field takes every letter typed after them, and
        # Enter in it hands the next keys back to the pane
        term.type("3", "/", "image: ", "Enter")
        screen = term.wait_for(lambda s: re.search(r"/.*: (no )?match", s) is not None)
        assert re.search(r"/image: : match 1 of \d+", screen), screen  # (the query, a colon)
        # `2` to the form, Tab to the tag: the keys typed after each land in the field the one
        # before moved to (an Escape this quick would be read as Alt with the next key, as any
        # terminal program reads it)
        term.type("2", "Tab", "End", "C-u", "1.4.3", "C-s")
        term.wait_for(lambda s: SAVED.search(s) is not None)
        assert (root / "pligos.yaml").read_text() == before.replace(
            'tag: "1.4.2"', 'tag: "1.4.3"', 1)
    finally:
        term.close()
