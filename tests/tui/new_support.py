"""Shared helpers of the `pligos new` wizard's tests: starting it, what a field shows, and
waiting for the check of the answers on screen."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from textual.widgets import Static

from pligos_tui.tui.new.app import NewServiceApp
from pligos_tui.tui.new.fields import Field


def shown(app: NewServiceApp, key: str) -> bool:
    """Whether the answer `key` is asked on screen."""
    found = list(app.query(f"#{Field(key, '', '').id}"))
    return bool(found) and found[0].display


def error_of(app: NewServiceApp, key: str) -> str:
    """The problem shown at the answer `key` ('' when none is shown)."""
    field = app.query_one(f"#{Field(key, '', '').id}", Field)
    found = field.query(".error")  # (a field gets its message's line with its first message)
    if not found:
        return ""
    error = found.first(Static)
    return str(error.render()) if error.display and field.display else ""


async def checked(pilot, app: NewServiceApp) -> None:
    """Wait until the answers on screen are checked and the result shown."""
    for _ in range(400):
        await pilot.pause()
        if not app.checking:
            return
        await pilot.pause(0.02)
    raise AssertionError("the answers were never checked")


async def ready(pilot) -> None:
    """Wait until the wizard has read what it starts from and every step is there."""
    for _ in range(500):
        if pilot.app.ready.is_set():
            await pilot.pause()
            return
        await pilot.pause(0.01)
    raise AssertionError("the wizard never finished starting")


@asynccontextmanager
async def started(app: NewServiceApp, **options: Any) -> AsyncIterator[Any]:
    """`app.run_test(**options)`, from when every step is there."""
    async with app.run_test(**options) as pilot:
        await ready(pilot)
        yield pilot
