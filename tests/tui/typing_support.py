"""Keys sent to a Textual app the way a terminal sends them, for the editor's and the wizard's
tests: each key becomes the event the terminal's driver makes of it (`key_event`); a burst is
every key queued at once (`send_keys`, a fast typist's keys arriving before the app has handled
the first), slow typing is one key every `gap` seconds from another thread, on time however
busy the app is (`type_slowly`). Pilot's own `press` instead waits for the app to go idle after
each key, which hides the bugs of keys handled out of order."""

from __future__ import annotations

import asyncio
import time

from textual import events
from textual.keys import _character_to_key

_CHARACTERS = {"tab": "\t", "enter": "\r"}  # what a terminal sends with these keys


def key_event(app, key: str) -> events.Key:
    """The event of one key: a key name (`tab`, `ctrl+s`), or one character typed."""
    if len(key) == 1:
        name = key if key.isalnum() else _character_to_key(key)
        event = events.Key(name, key)
    else:
        event = events.Key(key, _CHARACTERS.get(key))
    event.set_sender(app)
    return event


async def send_keys(pilot, *keys: str) -> None:
    """Queue every key at once, then wait until the app has handled them."""
    app = pilot.app
    for key in keys:
        app.post_message(key_event(app, key))
    await pilot.pause()
    await pilot.pause()


async def type_slowly(pilot, *keys: str, gap: float = 0.06) -> None:
    """Send the keys from another thread, `gap` seconds apart."""
    app = pilot.app

    def terminal() -> None:
        for key in keys:
            app._driver.send_message(key_event(app, key))
            time.sleep(gap)

    await asyncio.get_running_loop().run_in_executor(None, terminal)
