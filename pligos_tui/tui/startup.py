"""A shell's start: kept clear of the garbage collector until its first screen is painted,
and that screen written out at once.

Importing Textual and building a first screen makes a few hundred thousand objects and frees
next to none of them, so the collections Python makes meanwhile free nothing, and the full
passes among them walk everything made so far: about a tenth of the wizard's start. Textual
also hands each frame to a thread of its own that writes it to the terminal, and while the
app goes on working that thread gets the interpreter lock only once the switch interval has
passed (5 ms by default).

The command that opens a shell therefore starts it inside :func:`starting`: no collection,
and a short switch interval. The app calls :func:`after_first_paint` once its first screen
is painted: what exists by then lives as long as the app, so it is frozen (the collector's
later full passes skip it); the collector runs again and the switch interval is Python's
again. :func:`thaw` gives what was frozen back to the collector when the app closes.

This module imports nothing of Textual's: the command line uses it before Textual is loaded.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager

START_SWITCH_INTERVAL = 0.0005  # seconds, until the first screen is painted
SWITCH_INTERVAL = 0.005  # seconds, Python's own


@contextmanager
def starting() -> Iterator[None]:
    """Start a shell inside this block: neither collection nor the usual switch interval
    until :func:`after_first_paint`; both are as they were when the block ends, however it
    ends."""
    interval = sys.getswitchinterval()
    gc.disable()
    sys.setswitchinterval(START_SWITCH_INTERVAL)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)
        gc.enable()


def after_first_paint() -> None:
    """The first screen is painted: freeze what exists, let the collector run again and give
    the switch interval back (when :func:`starting` had set it)."""
    gc.freeze()
    gc.enable()
    if sys.getswitchinterval() == START_SWITCH_INTERVAL:
        sys.setswitchinterval(SWITCH_INTERVAL)


def thaw() -> None:
    """The app is closing: what was frozen is the collector's again."""
    gc.unfreeze()
