"""The editor's keys at 80×24: the footer fits, `?`/F1 list every key with what it does, 1/2/3
jump to tree, form and preview, Tab goes from field to field (never to the form itself), undo
keeps the focus, and ctrl+r/ctrl+k/ctrl+d act on the highlighted row.

One editor serves the whole module; each test leaves it as it found it (the file unchanged,
no dialog open)."""

from __future__ import annotations

import pytest
import pytest_asyncio
from edit_support import HELLO, screen_lines, select_node, service, settle, type_into
from textual.widgets import Input, Label, Tree

from pligos_tui.jobs.editing import Selection
from pligos_tui.tui.edit.app import EditApp
from pligos_tui.tui.edit.dialogs import ConfirmDialog, NameDialog
from pligos_tui.tui.edit.forms import Form
from pligos_tui.tui.widgets.help import HelpScreen
from pligos_tui.tui.widgets.preview import ChartPreview

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def editor(tmp_path_factory, helm_bin):
    app = EditApp(service(tmp_path_factory.mktemp("keys")))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        yield app, pilot
        assert app.buffer.text == HELLO


async def back_to_tree(pilot, app: EditApp) -> None:
    while not isinstance(app.screen, type(app.editor)):
        await pilot.press("escape")
    app.editor.query_one("#tree").focus()
    await pilot.pause()


async def test_the_footer_fits_at_80_columns(editor):
    app, pilot = editor
    await back_to_tree(pilot, app)
    footer = screen_lines(app)[-1]
    for key in ("^s Save", "^z Undo", "^r Rename", "^o Panes", "? Help", "^q Quit"):
        assert key in footer, footer


@pytest.mark.parametrize("key", ["question_mark", "f1"])
async def test_help_lists_every_key_with_what_it_does(editor, key):
    app, pilot = editor
    await back_to_tree(pilot, app)
    await pilot.press(key)
    await pilot.pause()
    assert isinstance(app.screen, HelpScreen)
    rows = dict(app.screen.rows)
    for keys, words in [("^o", "contexts and flavors"), ("f4", "source view"),
                        ("f8", "remove the focused field"), ("^u", "current-context"),
                        ("^t", "another flavor"), ("f2", "manifests, values"),
                        ("f3", "diff"), ("1", "tree"), ("2", "form"), ("3", "preview"),
                        ("^k", "clone"), ("f5", "render the preview again")]:
        shown = next((what for k, what in rows.items() if keys in k.split()), None)
        assert shown is not None and words in shown, (keys, rows)
    assert any("typing" in k for k in rows)
    await pilot.press("escape")
    await pilot.pause()
    assert not isinstance(app.screen, HelpScreen)


async def test_1_2_3_jump_to_tree_form_and_preview(editor):
    app, pilot = editor
    await back_to_tree(pilot, app)
    await pilot.press("2")
    assert isinstance(app.focused, Input) and app.focused.id == "svc-name"
    await pilot.press("escape")  # from a field back to the tree
    assert isinstance(app.focused, Tree)
    await pilot.press("3")
    preview = app.editor.query_one(ChartPreview)
    assert app.focused is preview or preview in app.focused.ancestors
    await pilot.press("1")
    assert isinstance(app.focused, Tree)


async def test_tab_goes_from_field_to_field_never_to_the_form(editor):
    app, pilot = editor
    await back_to_tree(pilot, app)
    seen = []
    for _ in range(4):
        await pilot.press("tab")
        seen.append(app.focused)
    assert not any(isinstance(w, Form) for w in seen), seen
    assert [w.id for w in seen[:3]] == ["svc-name", "svc-description", "svc-chartVersion"]


async def test_undo_keeps_the_focus_in_the_field(editor):
    app, pilot = editor
    await select_node(pilot, app, Selection.context("prod"))
    await type_into(pilot, app.editor.query_one("#ctx-replicas", Input), "5")
    await settle(pilot, app)
    assert "replicas: 5" in app.buffer.text
    await pilot.press("ctrl+z")
    await pilot.pause()
    assert app.buffer.text == HELLO
    replicas = app.editor.query_one("#ctx-replicas", Input)
    assert replicas.value == "2" and app.focused is replicas


@pytest.mark.parametrize(("key", "dialog", "words"), [
    ("ctrl+r", NameDialog, "Rename context prod to"),
    ("ctrl+k", NameDialog, "Clone context prod as"),
    ("ctrl+d", ConfirmDialog, "Delete context prod?"),
])
async def test_tree_keys_act_on_the_highlighted_row(editor, key, dialog, words):
    app, pilot = editor
    await select_node(pilot, app, Selection.context("dev"))  # the form shows dev
    tree = app.editor.query_one("#tree", Tree)
    await pilot.press("down")  # prod highlighted, not chosen
    assert tree.cursor_node.data == Selection.context("prod")
    await pilot.press(key)
    await pilot.pause()
    assert isinstance(app.screen, dialog)
    title = str(app.screen.query(Label).first().render())
    assert title.startswith(words), title
    await pilot.press("escape")
    await pilot.pause()
