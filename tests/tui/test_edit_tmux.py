"""`pligos edit` in a real terminal (tmux, 120×40): it opens an unseen service, shows its
contexts and a rendered preview, and ctrl+q quits cleanly without touching the file."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time

import pytest
from support import EXAMPLES, ROOT, tmux


def _wait_for(sock: str, predicate, limit: float = 60.0) -> str:
    deadline = time.monotonic() + limit
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux(sock, "capture-pane", "-p", "-t", "edit")
        if predicate(screen):
            break
        time.sleep(0.2)
    return screen


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")
def test_edit_in_a_real_terminal(tmp_path, helm_bin):
    root = tmp_path / "tokend"
    shutil.copytree(EXAMPLES / "tokend", root, ignore=shutil.ignore_patterns("charts"))
    before = (root / "pligos.yaml").read_bytes()
    sock = f"pligos-edit-{tmp_path.name}"
    status = tmp_path / "status"
    command = (f"cd {shlex.quote(str(ROOT))} && unset COLUMNS LINES && PLIGOS_HELM={shlex.quote(helm_bin)} "
               f"{shlex.quote(sys.executable)} -m pligos_tui edit {shlex.quote(str(root))}; "
               f"echo $? > {shlex.quote(str(status))}")
    subprocess.run(["tmux", "-L", sock, "-f", "/dev/null", "new-session", "-d", "-s", "edit",
                    "-x", "120", "-y", "40", "sh"], check=True)
    tmux(sock, "resize-window", "-t", "edit", "-x", "120", "-y", "40")
    tmux(sock, "send-keys", "-t", "edit", "exec sh -c " + shlex.quote(command), "Enter")
    try:
        screen = _wait_for(sock, lambda s: "kind: " in s and "Contexts" in s)
        assert "Contexts" in screen and "prod" in screen and "dev" in screen
        assert "kind: " in screen  # a rendered manifest in a preview pane
        assert "· manifests" in screen
        tmux(sock, "send-keys", "-t", "edit", "C-q")
        deadline = time.monotonic() + 30
        while not status.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert status.exists(), tmux(sock, "capture-pane", "-p", "-t", "edit")
        assert status.read_text().strip() == "0"
    finally:
        tmux(sock, "kill-server")
    assert (root / "pligos.yaml").read_bytes() == before
