"""`pligos edit` on the command line: what it says before any screen shows."""

from __future__ import annotations

from edit_support import HELLO, service
from support import run_cli


def test_cli_reports_a_missing_service_and_a_missing_terminal(tmp_path):
    missing = run_cli("edit", str(tmp_path / "nowhere"))
    assert missing.code == 2
    assert "nowhere does not exist" in missing.err
    assert "Traceback" not in missing.err
    root = service(tmp_path)
    no_tty = run_cli("edit", str(root))
    assert no_tty.code == 2
    assert "needs a terminal" in no_tty.err and "Traceback" not in no_tty.err
    assert (root / "pligos.yaml").read_text() == HELLO
