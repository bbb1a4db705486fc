"""Keys handled in the order they were typed.

Textual gives each key to the focused widget's own queue, and a key bound on a widget or a
screen is acted on only once the focused widget has let it go up to the app and back; the keys
typed after it meanwhile go to the widget that was focused when they arrived, and a printable
key overtakes a Backspace typed before it. So:

- a field's own keys (Backspace, Delete, Home, End, Ctrl+U...) are acted on by the field as it
  receives them, in order with the characters (`KeysInOrder`, `own_key`);
- a key that moves focus is a *priority* binding (acted on by the app as it takes the key,
  before the next one is given out); it moves focus at once (`move_focus`, where `Widget.focus`
  would wait for the app's next turn) and, when it reads what was typed, waits for the focused
  widget to handle the keys already given to it (`caught_up`)."""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING

from textual import events
from textual.actions import SkipAction
from textual.actions import parse as parse_action
from textual.binding import Binding
from textual.dom import DOMNode
from textual.geometry import Size
from textual.reactive import Reactive
from textual.widget import Widget
from textual.widgets import Input

CATCH_UP_LIMIT = 1.0  # seconds a key waits for the keys before it, at most


async def own_key(widget: Widget, event: events.Key) -> bool:
    """Act on `widget`'s own (not priority) binding of the key now; True when it did."""
    for binding in widget._bindings.key_to_bindings.get(event.key, ()):
        if binding.priority:
            continue  # the app has acted on those already
        _, name, params = parse_action(binding.action)
        if widget.check_action(name, params):  # else the key goes on, to the screen's
            event.stop()
            event.prevent_default()  # the widget's own handler has nothing more to do
            await widget.run_action(binding.action)
            return True
    return False


if TYPE_CHECKING:
    _WidgetBase = Widget
else:
    _WidgetBase = object


class KeysInOrder(_WidgetBase):
    """A widget whose own keys are acted on as they reach it (`own_key`). Mixed in first, so
    that its `_on_key` comes before the widget's; not a Widget, whose class attributes
    (`can_focus` among them) would hide the widget's."""

    async def _on_key(self, event: events.Key) -> None:
        if not await own_key(self, event):
            await super()._on_key(event)


class LineInput(KeysInOrder, Input):
    """A one-line text field whose editing keys keep their place among the characters, and
    whose typing repaints only itself: its width is its container's, not its text's, so the
    width of the text (Input's virtual size, what it scrolls by) needs no new layout of the
    screen at each key. (A field sized by its text, `width: auto`, is still laid out.)"""

    virtual_size = Reactive(Size(0, 0), layout=False)


def move_focus(widget: Widget) -> None:
    """Focus `widget` now: the next key typed goes to it."""
    widget.screen.set_focus(widget)


async def caught_up(widget: Widget | None) -> None:
    """Return once `widget` has handled the keys already given to it."""
    if widget is None:
        return
    done = asyncio.Event()
    if widget.call_later(done.set):
        try:
            await asyncio.wait_for(done.wait(), CATCH_UP_LIMIT)
        except TimeoutError:
            pass


def not_while_typing(focused: Widget | None) -> None:
    """A printable key bound for moving around is text in a field: leave it to the field."""
    if isinstance(focused, Input) or _is_text_area(focused):
        raise SkipAction()


def _is_text_area(widget: Widget | None) -> bool:
    # TextArea is heavy to import (a program that shows none, like the wizard, starts
    # quicker without it), and no widget is one while its module is not loaded
    module = sys.modules.get("textual.widgets._text_area")
    return module is not None and isinstance(widget, module.TextArea)


def bound_below(focused: Widget | None, owner: DOMNode, key: str) -> bool:
    """Whether the focused widget, or one of its parents below `owner`, binds `key` itself (a
    search field's Escape, a drop-down's): `owner`'s own binding of it then leaves it to them."""
    node: DOMNode | None = focused
    while node is not None and node is not owner:
        for cls in type(node).__mro__:
            bindings = Binding.make_bindings(vars(cls).get("BINDINGS", ()))
            if any(key in binding.key.split(",") for binding in bindings):
                return True
        node = node.parent
    return False


__all__ = ["CATCH_UP_LIMIT", "KeysInOrder", "LineInput", "bound_below", "caught_up",
           "move_focus", "not_while_typing", "own_key"]
