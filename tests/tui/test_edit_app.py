"""`pligos edit` driven with Textual's Pilot: every action a user takes, and what they see."""

from __future__ import annotations

import pytest
from edit_support import (
    HELLO,
    field_input,
    no_blink,
    problems_text,
    select_node,
    service,
    settle,
    tree_labels,
    type_into,
    until,
)
from textual.widgets import Input, OptionList, TextArea

from pligos_tui.jobs.editing import Selection
from pligos_tui.tui.edit.app import EditApp
from pligos_tui.tui.edit.dialogs import ConfirmDialog, NameDialog, PickDialog

SIZE = (120, 40)
pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("helm_bin")]


async def test_opens_with_tree_and_two_contexts_rendered(tmp_path):
    app = EditApp(service(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        preview = await settle(pilot, app)
        labels = tree_labels(app)
        assert "dev ★" in labels and "prod" in labels and "nginx" in labels
        assert [p[0] for p in preview.panes] == ["dev", "prod"]
        assert "kind: Deployment" in preview.texts[0]
        assert "replicas: 1" in preview.texts[0] and "replicas: 2" in preview.texts[1]
        assert "valid" in problems_text(app)


async def test_editing_a_field_updates_the_preview(tmp_path):
    root = service(tmp_path)
    app = EditApp(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.context("prod"))
        await type_into(pilot, app.screen.query_one("#ctx-replicas", Input), "5")
        preview = await settle(pilot, app)
        assert preview.panes[0] == ("prod", None)
        assert "replicas: 5" in preview.texts[0]
        assert "replicas: 5" in app.buffer.text
        assert app.buffer.dirty
        assert (root / "pligos.yaml").read_text() == HELLO  # nothing saved yet


async def test_invalid_value_shows_at_the_field_and_in_the_panes(tmp_path):
    app = EditApp(service(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.context("prod"))
        await type_into(pilot, app.screen.query_one("#ctx-replicas", Input), "many")
        preview = await settle(pilot, app)
        assert "problem" in problems_text(app) and "replicas" in problems_text(app)
        field = app.screen.query_one("#ctx-replicas").parent.parent
        assert field.has_class("-invalid")
        assert "replicas" in preview.texts[0]  # the loader's message, shown in the pane


async def test_save_keeps_comments_quotes_and_blank_lines(tmp_path):
    root = service(tmp_path)
    app = EditApp(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.context("prod"))
        await type_into(pilot, app.screen.query_one("#ctx-replicas", Input), "3")
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert (root / "pligos.yaml").read_text() == HELLO.replace("    replicas: 2",
                                                              "    replicas: 3")


async def test_undo_restores_the_text(tmp_path):
    app = EditApp(service(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.context("prod"))
        await type_into(pilot, app.screen.query_one("#ctx-replicas", Input), "12")
        assert "replicas: 12" in app.buffer.text
        app.screen.query_one("#tree").focus()
        await pilot.press("ctrl+z")  # the typing in one field is one step
        await pilot.pause()
        assert app.buffer.text == HELLO
        assert not app.buffer.dirty
        assert app.screen.query_one("#ctx-replicas", Input).value == "2"


async def test_rename_context_references_follow(tmp_path):
    app = EditApp(service(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.context("dev"))
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, NameDialog)
        await type_into(pilot, app.screen.query_one(Input), "develop")
        await pilot.press("enter")
        preview = await settle(pilot, app)
        text = app.buffer.text
        assert "  - name: develop\n" in text and "extends: develop  # everything" in text
        assert "current-context: develop" in text and "name: dev\n" not in text
        assert "develop ★" in tree_labels(app)
        assert preview.panes[0][0] == "develop"
        assert "replicas: 1" in preview.texts[0]


async def test_rename_in_the_form_name_field(tmp_path):
    app = EditApp(service(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.context("prod"))
        await type_into(pilot, app.screen.query_one("#ctx-name", Input), "production")
        await pilot.press("enter")
        await pilot.pause()
        assert "  - name: production\n" in app.buffer.text
        assert "production" in tree_labels(app)


async def test_clone_and_add_context(tmp_path):
    app = EditApp(service(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.context("prod"))
        await pilot.press("ctrl+k")
        await pilot.pause()
        await type_into(pilot, app.screen.query_one(Input), "prod-eu")
        await pilot.press("enter")
        await pilot.pause()
        assert "  - name: prod-eu\n    extends: dev      # everything of dev" in app.buffer.text
        app.screen.query_one("#tree").focus()
        await pilot.press("ctrl+n")
        await pilot.pause()
        await type_into(pilot, app.screen.query_one(Input), "staging")
        await pilot.press("enter")
        preview = await settle(pilot, app)
        assert "  - name: staging\n    extends: prod-eu\n" in app.buffer.text
        assert app.buffer.error is None
        assert preview.panes[0][0] == "staging"
        assert "staging" in tree_labels(app)


async def test_delete_asks_and_refuses_a_context_others_extend(tmp_path):
    app = EditApp(service(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.context("dev"))
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.click("#delete")
        await pilot.pause()
        assert app.buffer.text == HELLO  # prod extends dev
        assert any("extended by prod" in n.message for n in app._notifications)
        await select_node(pilot, app, Selection.context("prod"))
        await pilot.press("ctrl+d")
        await pilot.pause()
        await pilot.press("escape")  # cancelled
        await pilot.pause()
        assert app.buffer.text == HELLO
        await pilot.press("ctrl+d")
        await pilot.pause()
        await pilot.click("#delete")
        await pilot.pause()
        assert "prod" not in app.buffer.text.split("contexts:")[1]
        assert "prod" not in tree_labels(app)


async def test_set_extends_and_current_context(tmp_path):
    text = HELLO.replace("current-context: dev\n", "  - name: qa\n    flavor: worker\n"
                         "    image: nginx\ncurrent-context: dev\n")
    app = EditApp(service(tmp_path, text))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.context("prod"))
        app.screen.query_one("#ctx-extends").value = "qa"
        await pilot.pause()
        assert "    extends: qa       # everything of dev" in app.buffer.text
        await pilot.press("ctrl+u")
        await pilot.pause()
        assert "current-context: prod" in app.buffer.text
        assert "prod ★" in tree_labels(app)


async def test_assign_entries_by_picking(tmp_path):
    text = HELLO.replace("routes:\n  - name: http\n    port: 80\n",
                         "routes:\n  - name: http\n    port: 80\n  - name: metrics\n"
                         "    port: 9090\n")
    app = EditApp(service(tmp_path, text))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.context("dev"))
        routes = app.screen.query_one("#ctx-routes")
        routes.select("metrics")
        preview = await settle(pilot, app)
        assert "    routes: [http, metrics]\n" in app.buffer.text
        assert 'name: "metrics"' in preview.texts[0]
        app.screen.query_one("#ctx-probe").clear()
        await pilot.pause()
        assert "probe: tcp" not in app.buffer.text


async def test_try_flavor_leaves_the_file_alone(tmp_path):
    app = EditApp(service(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.context("dev"))
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert isinstance(app.screen, PickDialog)
        options = app.screen.query_one(OptionList)
        options.highlighted = [o.id for o in options.options].index("worker")
        await pilot.press("enter")
        preview = await settle(pilot, app)
        assert preview.panes == [("dev", None), ("dev", "worker")]
        assert "kind: Service\n" in preview.texts[0]
        assert "kind: Service\n" not in preview.texts[1]
        assert app.buffer.text == HELLO and not app.buffer.dirty


async def test_diff_toggle_and_modes(tmp_path):
    app = EditApp(service(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        preview = await settle(pilot, app)
        await pilot.press("f3")
        await pilot.pause()
        diff = preview.diff_text().plain
        assert "-  replicas: 1" in diff and "+  replicas: 2" in diff
        assert preview.has_class("diff")
        await pilot.press("f3", "f2")
        preview = await settle(pilot, app)
        assert preview.mode == "values" and "replicaCount" in preview.texts[1] or \
            "replicas: 2" in preview.texts[1]
        await pilot.press("f2")
        preview = await settle(pilot, app)
        assert "Chart.yaml" in preview.texts[0]


async def test_invalid_file_opens_with_errors_and_can_be_fixed(tmp_path):
    root = service(tmp_path, HELLO.replace("    image: nginx\n", "    image: nginxx\n"))
    before = (root / "pligos.yaml").read_bytes()
    app = EditApp(root)
    async with app.run_test(size=SIZE) as pilot:
        preview = await settle(pilot, app)
        problems = problems_text(app)
        assert "problem in pligos.yaml:\n21:12" in problems and "nginxx" in problems
        assert "nginxx" in preview.texts[0]
        assert app.screen.query_one(TextArea)  # opened on the source view
        area = app.screen.query_one(TextArea)
        area.replace("nginx", (20, 11), (20, 17))
        preview = await settle(pilot, app)
        assert app.buffer.error is None
        assert "valid" in problems_text(app)
        assert "kind: Deployment" in preview.texts[0]
    assert (root / "pligos.yaml").read_bytes() == before  # not saved


async def test_unparsable_file_opens_on_the_source(tmp_path):
    app = EditApp(service(tmp_path, "pligos: 1\nname: [oops\n"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert "problem" in problems_text(app)
        assert app.screen.query_one(TextArea).text.startswith("pligos: 1")


async def test_quit_without_saving_leaves_the_bytes_identical(tmp_path):
    root = service(tmp_path)
    before = (root / "pligos.yaml").read_bytes()
    app = EditApp(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.context("prod"))
        await type_into(pilot, app.screen.query_one("#ctx-replicas", Input), "7")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.click("#discard")
        await pilot.pause()
    assert app.return_code == 0
    assert (root / "pligos.yaml").read_bytes() == before


async def test_quit_asks_and_saves(tmp_path):
    root = service(tmp_path)
    app = EditApp(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.context("prod"))
        await type_into(pilot, app.screen.query_one("#ctx-replicas", Input), "4")
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.click("#save")
        await pilot.pause()
    assert "    replicas: 4\n" in (root / "pligos.yaml").read_text()


async def test_generate_on_save_writes_charts(tmp_path):
    root = service(tmp_path)
    app = EditApp(root, generate=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: (root / "charts" / "prod" / "hello" / "Chart.yaml").is_file())
        # it runs off the UI thread and says what it did when done
        await until(pilot, lambda: any(n.message.startswith("charts: 2 written")
                                       for n in app._notifications))
        messages = [n.message for n in app._notifications]
    assert (root / "charts" / "prod" / "hello" / "Chart.yaml").is_file(), messages
    assert "charts: 2 written, 0 unchanged" in messages


async def test_entry_form_edits_keep_the_quoting(tmp_path):
    root = service(tmp_path)
    app = EditApp(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.entry("images", "nginx"))
        no_blink(app)
        await type_into(pilot, field_input(app, "tag"), "1.28")
        preview = await settle(pilot, app)
        assert '    tag: "1.28"       # quoted' in app.buffer.text
        assert 'image: "nginx:1.28"' in preview.texts[0]


async def test_every_action_is_in_the_command_palette(tmp_path):
    app = EditApp(service(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for word in ("Save", "Undo", "New", "Clone", "Rename", "Delete", "Remove field", "Use",
                     "Try flavor", "Panes", "Mode", "Diff", "Source", "Refresh", "Help", "Quit"):
            assert any(t.startswith(word) for t in titles), word


@pytest.mark.parametrize("name", ["hello", "tokend", "shop/catalog", "shop/checkout"])
async def test_looking_at_every_node_changes_nothing(tmp_path, name):
    import shutil

    from support import EXAMPLES
    from textual.widgets import Tree

    top = name.split("/")[0]  # the shop's services share friends: copy the whole folder
    shutil.copytree(EXAMPLES / top, tmp_path / top, ignore=shutil.ignore_patterns("charts"))
    root = tmp_path / name
    before = (root / "pligos.yaml").read_bytes()
    app = EditApp(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        tree = app.screen.query_one("#tree", Tree)
        tree.focus()
        seen = 0
        for _ in range(tree.last_line + 1):
            await pilot.press("enter")
            await pilot.pause()
            seen += 1
            await pilot.press("down")
        await settle(pilot, app)
        assert seen > 5
        assert not app.buffer.dirty, app.buffer.text
        assert app.buffer.error is None
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert (root / "pligos.yaml").read_bytes() == before

