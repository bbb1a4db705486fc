"""Shared helpers of the `pligos edit` tests."""

from __future__ import annotations

from pathlib import Path

from support import make_tree
from textual.widgets import Input, Static, TextArea, Tree
from typing_support import send_keys

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
    """Select a tree node the way a user does: the cursor onto it (its folded parents
    unfolded, as the arrow keys would have done) and Enter.

    The tree is rebuilt after a structural edit; a search that a rebuild interrupted starts
    again once the editor has settled."""
    for _ in range(3):
        tree = app.screen.query_one("#tree", Tree)
        tree.focus()
        await pilot.pause()
        node = _find(tree.root, data)
        if node is not None:
            for parent in _parents(node):
                parent.expand()
            await pilot.pause()
            tree.move_cursor(node)
            await pilot.pause()
            if tree.cursor_node is node:
                await pilot.press("enter")
                await pilot.pause()
                return
        await settle(pilot, app)
    raise AssertionError(f"no tree node {data}")


def _find(node, data: Selection):
    if node.data == data:
        return node
    for child in node.children:
        found = _find(child, data)
        if found is not None:
            return found
    return None


def _parents(node) -> list:
    out = []
    while node.parent is not None:
        node = node.parent
        out.append(node)
    return out[::-1]


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
    """Replace an input's text by typing, the way a quick typist does: End, a Backspace for
    each character there, then the text, every key sent at once as a terminal delivers them
    (`type_slowly` sends them apart); then the app catches up."""
    widget.focus()
    await pilot.pause()
    await send_keys(pilot, "end", *["backspace"] * len(widget.value), *text)


def screen_lines(app: EditApp) -> list[str]:
    """The text of every row the screen draws (what a terminal would show)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]
