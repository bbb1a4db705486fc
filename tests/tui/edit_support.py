"""Shared helpers of the `pligos edit` tests."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from support import make_tree
from textual import events
from textual.widgets import Input, Static, TextArea, Tree

from pligos_tui.jobs.editing import Selection
from pligos_tui.tui.edit.app import EditApp
from pligos_tui.tui.widgets.preview import ChartPreview

HELLO = """\
# The hello service: one web server.
pligos: 1
name: hello
description: A minimal web service   # shown in Chart.yaml

images:
  - name: nginx
    repository: nginx
    tag: "1.27"       # quoted: YAML would read 1.27 as a number
routes:
  - name: http
    port: 80
probes:
  - name: tcp
    readiness: {tcpSocket: {port: http}}

contexts:
  # the developer's cluster
  - name: dev
    flavor: webservice
    image: nginx
    routes: [http]
    probe: tcp

  - name: prod
    extends: dev      # everything of dev, more replicas
    replicas: 2
current-context: dev
"""


def service(tmp_path: Path, text: str = HELLO) -> Path:
    root = tmp_path / "hello"
    make_tree(root, {"pligos.yaml": ""})
    (root / "pligos.yaml").write_text(text)
    return root


async def settle(pilot, app: EditApp) -> ChartPreview:
    """Wait until what was typed is checked and the preview has rendered every pane."""
    editor = app.editor
    preview = editor.query_one(ChartPreview)
    for _ in range(400):
        await pilot.pause(0.02)
        if not getattr(editor, "busy", False) and not preview.pending and None not in preview.texts:
            break
    await pilot.pause()
    return preview


def no_blink(app: EditApp) -> None:
    for widget in app.screen.query(Input):
        widget.cursor_blink = False
    for area in app.screen.query(TextArea):
        area.cursor_blink = False


async def select_node(pilot, app: EditApp, data: Selection) -> None:
    """Select a tree node the way a user does: move the cursor onto it and press enter.

    The tree is rebuilt after a structural edit; a walk that a rebuild interrupted starts
    again from the top once the editor has settled."""
    for _ in range(3):
        tree = app.screen.query_one("#tree", Tree)
        tree.focus()
        await pilot.pause()
        if not any(n.data == data for n in _below(tree.cursor_node)):
            tree.cursor_line = 0  # it is above: start from the top
            await pilot.pause()
        for _ in range(60):
            node = tree.cursor_node
            if node is not None and node.data == data:
                await pilot.press("enter")
                await pilot.pause()
                return
            await pilot.press("down")
        await settle(pilot, app)
    raise AssertionError(f"no tree node {data}")


def _below(node):
    """`node` and the nodes after it, as the tree shows them."""
    if node is None:
        return []
    tree = node.tree
    return [tree.get_node_at_line(i) for i in range(node.line, tree.last_line + 1)]


def tree_labels(app: EditApp) -> list[str]:
    tree = app.screen.query_one("#tree", Tree)
    out: list[str] = []

    def walk(node) -> None:
        out.append(str(node.label))
        for child in node.children:
            walk(child)
    walk(tree.root)
    return out


def problems_text(app: EditApp) -> str:
    return str(app.screen.query_one("#problems", Static).render())


async def until(pilot, condition, tries: int = 200) -> bool:
    """Let the app run until `condition()` holds (or give up); returns the last result."""
    for _ in range(tries):
        if condition():
            return True
        await pilot.pause(0.02)
    return bool(condition())


def field_input(app: EditApp, label: str) -> Input:
    """The input of the form field labelled `label` (e.g. `readiness.tcpSocket.port`)."""
    from pligos_tui.tui.edit.forms import Field

    for field in app.screen.query(Field):
        if field.label == label and isinstance(field.widget, Input):
            return field.widget
    raise AssertionError(f"no field {label}: {[f.label for f in app.screen.query(Field)]}")


async def type_into(pilot, widget: Input, text: str) -> None:
    """Replace an input's text by typing, the way a user does."""
    widget.focus()
    await pilot.pause()
    await pilot.press("end", *["backspace"] * len(widget.value), *text)


def screen_lines(app: EditApp) -> list[str]:
    """The text of every row the screen draws (what a terminal would show)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


_KEYS = {".": "full_stop", "/": "slash", "-": "minus", "_": "underscore", " ": "space"}


async def type_slowly(pilot, *keys: str, gap: float = 0.06) -> None:
    """Send keys the way a terminal does: from another thread, each one `gap` seconds after
    the last, however busy the app is (Pilot's `press` waits for the app after each key)."""
    app = pilot.app

    def terminal() -> None:
        for key in keys:
            event = events.Key(_KEYS.get(key, key), key if len(key) == 1 else None)
            event.set_sender(app)
            app._driver.send_message(event)
            time.sleep(gap)

    await asyncio.get_running_loop().run_in_executor(None, terminal)
