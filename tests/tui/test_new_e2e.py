"""`pligos new` in a real terminal: tmux runs it, send-keys types, capture-pane reads."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import yaml
from support import lint_strict

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")


class Terminal:
    def __init__(self, command: str, cwd: Path, env: dict[str, str]) -> None:
        self.name = f"pligos-new-{uuid.uuid4().hex[:8]}"
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        script = f"cd {shlex.quote(str(cwd))} && env {exports} {command}; echo EXIT=$?; sleep 600"
        subprocess.run(["tmux", "new-session", "-d", "-s", self.name, "-x", "120", "-y", "36",
                        script], check=True)

    def keys(self, *keys: str) -> None:
        """Type like a person: one key (or word) at a time, so each lands where focus is."""
        for key in keys:
            subprocess.run(["tmux", "send-keys", "-t", self.name, key], check=True)
            time.sleep(0.3)

    def screen(self) -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name],
                              capture_output=True, text=True, check=True).stdout

    def wait_for(self, text: str, limit: float = 60.0) -> str:
        """Poll the screen until `text` shows (a generous limit: this is not a speed test)."""
        deadline = time.monotonic() + limit
        while True:
            screen = self.screen()
            if text in screen:
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared; the screen:\n{screen}")
            time.sleep(0.2)

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], check=False,
                       capture_output=True)


def test_new_finished_by_keyboard_in_a_real_terminal(tmp_path, helm_bin):
    env = {"PLIGOS_HELM": helm_bin, "TERM": "xterm-256color",
           "PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    term = Terminal(f"{shlex.quote(sys.executable)} -m pligos_tui new shop/billing", tmp_path,
                    env)
    try:
        term.wait_for("What the service is called")
        term.keys("billing", "Enter", "Bills customers", "Enter", "Enter")  # name, text, flavor
        term.wait_for("The container image every context runs")
        term.keys("C-n")
        term.wait_for("How the container starts")
        term.keys("C-n")
        term.wait_for("The port the service listens on")
        term.keys("C-n")
        term.wait_for("Each context becomes a chart")
        term.keys("C-n")
        screen = term.wait_for("# Source: billing/")  # the review, with helm's manifests
        assert "pligos.yaml" in screen and "dev · manifests" in screen
        assert "prod · manifests" in screen
        term.keys("C-s")
        screen = term.wait_for("EXIT=")
        assert "EXIT=0" in screen
        assert "wrote shop/billing: " in screen
    finally:
        term.close()
    svc = tmp_path / "shop" / "billing"
    doc = yaml.safe_load((svc / "pligos.yaml").read_text())
    assert (doc["name"], doc["description"]) == ("billing", "Bills customers")
    for ctx in ("dev", "prod"):
        lint_strict(helm_bin, svc / "charts" / ctx / "billing")


def test_quitting_in_a_real_terminal_writes_nothing(tmp_path):
    env = {"TERM": "xterm-256color", "PATH": os.environ.get("PATH", ""),
           "HOME": str(tmp_path)}
    term = Terminal(f"{shlex.quote(sys.executable)} -m pligos_tui new svc", tmp_path, env)
    try:
        term.wait_for("What the service is called")
        term.keys("api", "C-q")
        term.wait_for("Quit without writing? The answer you gave is lost")
        term.keys("q")
        screen = term.wait_for("EXIT=")
        assert "cancelled: nothing was written" in screen and "EXIT=2" in screen
    finally:
        term.close()
    assert list(tmp_path.iterdir()) == []
