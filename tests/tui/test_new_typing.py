"""The wizard under fast typing: keys arrive as a terminal sends them (from another thread, at a
person's pace, whatever the app is doing), and each lands in the field that had focus when it
was typed."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from pathlib import Path

import pytest
from new_support import started
from textual.widgets import Input
from typing_support import key_event

from pligos_tui.jobs import scaffold
from pligos_tui.tui.new.app import NewServiceApp

SIZE = (120, 36)
pytestmark = pytest.mark.asyncio

def type_like_a_person(app: NewServiceApp, keys: Iterable[str],
                       gap: float = 0.06) -> threading.Thread:
    """Send `keys` to the app from a thread, `gap` seconds apart, as a terminal does: the next
    key arrives on time even when the app is still busy with the last one."""
    driver = app._driver
    assert driver is not None

    def send() -> None:
        for key in keys:
            driver.send_message(key_event(app, key))
            time.sleep(gap)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


async def settle(pilot, thread: threading.Thread) -> None:
    while thread.is_alive():
        await pilot.pause(0.02)
    for _ in range(3):
        await pilot.pause(0.05)


async def test_tab_between_context_fields_at_60ms_per_key(tmp_path: Path) -> None:
    app = NewServiceApp(scaffold.Answers(name="api"), tmp_path / "api",
                        scaffold.load_template(None), helm=False)
    async with started(app, size=SIZE) as pilot:
        app.go("contexts")
        await pilot.pause()
        host = app.query_one("#f-contexts-dev-fqdn Input", Input)
        host.focus()
        await pilot.pause()
        thread = type_like_a_person(app, [*"api.ex.com", "tab", *"200m"])
        await settle(pilot, thread)
        cpu = app.query_one("#f-contexts-dev-cpu Input", Input)
        assert (host.value, cpu.value) == ("api.ex.com", "200m")
        assert app.focused is cpu


async def test_a_burst_of_keys_lands_in_order(tmp_path: Path) -> None:
    """Keys sent all at once (a paste-speed burst, as `tmux send-keys` does): editing keys,
    Tab and Enter are handled in the order typed, each in the field focused at the time."""
    app = NewServiceApp(scaffold.Answers(name="api"), tmp_path / "api",
                        scaffold.load_template(None), helm=False)
    async with started(app, size=SIZE) as pilot:
        app.go("contexts")
        await pilot.pause()
        app.query_one("#f-contexts-dev-replicas Input", Input).focus()
        await pilot.pause()
        keys = ["backspace", *"3", "tab", *"api.ex.comm", "backspace", "tab", *"200x",
                "backspace", "m", "tab", *"256Mi", "enter", *"9"]
        thread = type_like_a_person(app, keys, gap=0)
        await settle(pilot, thread)
        values = [app.query_one(f"#f-contexts-dev-{k} Input", Input).value
                  for k in ("replicas", "fqdn", "cpu", "memory")]
        assert values == ["3", "api.ex.com", "200m", "256Mi"]
        # Enter after dev's memory: on to prod's replicas (selected, as focus selects an
        # answer), which the last key replaced
        assert app.query_one("#f-contexts-prod-replicas Input", Input).value == "9"
