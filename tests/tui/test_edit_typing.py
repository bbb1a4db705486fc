"""Typing at a person's pace (60 ms between keys) lands every key in the field it was typed in,
and the loader's check never sits between two keys."""

from __future__ import annotations

import shutil
import threading

import pytest
from edit_support import field_input, select_node, settle
from support import EXAMPLES
from typing_support import type_slowly

from pligos_tui.jobs.editing import Selection
from pligos_tui.tui.edit.app import EditApp

pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("helm_bin")]

@pytest.mark.parametrize("gap", [0.06, 0.03], ids=["60ms", "30ms"])
async def test_tab_and_backspace_between_fields_typed_fast(tmp_path, gap):
    shutil.copytree(EXAMPLES / "tokend", tmp_path / "tokend",
                    ignore=shutil.ignore_patterns("charts"))
    app = EditApp(tmp_path / "tokend")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, app)
        await select_node(pilot, app, Selection.entry("images", "release"))
        repo, tag = field_input(app, "repository"), field_input(app, "tag")
        repo.focus()
        await pilot.press("end", "ctrl+u")
        await settle(pilot, app)
        await type_slowly(pilot, *"reg.ex.com/tk", "tab", "end", *["backspace"] * 5, *"9.9",
                          gap=gap)
        await settle(pilot, app)
        assert (repo.value, tag.value) == ("reg.ex.com/tk", "9.9")
        assert app.focused is tag
        assert "    repository: reg.ex.com/tk\n" in app.buffer.text
        release = app.buffer.text.split("  - name: release\n")[1].split("  - name:")[0]
        assert '    tag: "9.9"\n' in release, release


def tokend(tmp_path) -> EditApp:
    shutil.copytree(EXAMPLES / "tokend", tmp_path / "tokend",
                    ignore=shutil.ignore_patterns("charts"))
    return EditApp(tmp_path / "tokend")


async def focus_tag(pilot, app: EditApp):
    """The tag field of images › release, focused."""
    await settle(pilot, app)
    await select_node(pilot, app, Selection.entry("images", "release"))
    tag = field_input(app, "tag")
    tag.focus()
    await pilot.pause()
    return tag


def threads_calling(monkeypatch, owner, name: str) -> list[str]:
    """The names of the threads `owner.name` is called in, from now on."""
    threads: list[str] = []
    original = getattr(owner, name)

    def recorded(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return original(*args, **kwargs)
    monkeypatch.setattr(owner, name, recorded)
    return threads


async def test_the_check_of_typed_text_runs_off_the_ui_thread(tmp_path, monkeypatch):
    from pligos_tui.jobs import editing

    app = tokend(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await focus_tag(pilot, app)
        threads = threads_calling(monkeypatch, editing, "load_service_text")
        await type_slowly(pilot, "end", *["backspace"] * 5, *"2.0.1", gap=0.03)
        preview = await settle(pilot, app)
        assert threads and threading.main_thread().name not in threads, threads
        assert app.buffer.error is None and '    tag: "2.0.1"\n' in app.buffer.text
        assert any('registry.example.com/tokend:2.0.1' in t for t in preview.texts)


async def test_typed_text_renders_start_where_it_is_checked(tmp_path, monkeypatch):
    """The charts of the panes are planned in the check's thread, right after the text is
    read (not on the UI thread, nor after a trip to it)."""
    from pligos_tui.jobs import render

    app = tokend(tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await focus_tag(pilot, app)
        plans = threads_calling(monkeypatch, render, "plan_chart")
        checks = threads_calling(monkeypatch, app.buffer, "check")
        await type_slowly(pilot, "end", *["backspace"] * 5, *"3.1.4", gap=0.03)
        preview = await settle(pilot, app)
        assert any("registry.example.com/tokend:3.1.4" in t for t in preview.texts)
        assert plans and set(plans) <= set(checks), (plans, checks)
        assert threading.main_thread().name not in plans


async def test_a_value_longer_than_its_field_scrolls_to_what_is_typed(tmp_path):
    app = tokend(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        tag = await focus_tag(pilot, app)
        await pilot.press("end")
        typed = "-" + "abcdefghij" * 8
        await type_slowly(pilot, *typed, gap=0.005)
        await settle(pilot, app)
        assert len(tag.value) > tag.size.width
        shown = tag.render_line(0).text
        assert typed[-20:] in shown, shown
