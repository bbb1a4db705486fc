"""The preview panes (`ChartPreview`) on their own, in a tiny app, over the example service
tokend rendered by a real helm: how N panes share the screen, what differs lit and walked
through, panes scrolling together, errors over the last good render, re-render, search, the
origin of a values line, and the screen following fast updates."""

from __future__ import annotations

import ast
import asyncio
import copy
import inspect
import time
from pathlib import Path

import pytest
from support import EXAMPLES
from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.scroll_view import ScrollView

from pligos_tui.errors import ConfigError
from pligos_tui.spec.vocabulary import MANIFESTS, VALUES
from pligos_tui.spec.load import load_service, load_service_text
from pligos_tui.tui.widgets import pane as pane_module
from pligos_tui.tui.widgets import preview as preview_module
from pligos_tui.tui.widgets.help import key_rows
from pligos_tui.tui.widgets.pane import MARK, PaneBody, PreviewPane
from pligos_tui.tui.widgets.preview import ChartPreview

pytestmark = [pytest.mark.usefixtures("helm_bin")]

TOKEND = EXAMPLES / "tokend"
THREE = [("dev", None), ("prod", None), ("staging", None)]


class PreviewApp(App[None]):
    def __init__(self, source, panes, mode: str = MANIFESTS, **options) -> None:
        super().__init__()
        self.source, self.pane_list, self.mode, self.options = source, panes, mode, options

    def compose(self) -> ComposeResult:
        yield ChartPreview(self.source, self.pane_list, self.mode, **self.options)


@pytest.fixture(scope="module")
def tokend():
    return load_service(TOKEND)


async def settle(pilot, app: App) -> ChartPreview:
    """Wait until every pane has rendered and the differences are lit."""
    preview = app.query_one(ChartPreview)
    for _ in range(500):
        await pilot.pause(0.01)
        if not preview.pending and None not in preview.texts:
            break
    await pilot.pause()
    return preview


def screen(app: App) -> list[str]:
    """The screen as drawn, row by row."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def panes(preview: ChartPreview) -> list[PreviewPane]:
    return list(preview.query(PreviewPane))


def bodies(preview: ChartPreview) -> list[PaneBody]:
    return [p.query_one(PaneBody) for p in panes(preview)]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines()) if needle in line)


@pytest.mark.asyncio
async def test_three_panes_share_120_columns_and_one_maximizes_with_its_title(tokend):
    app = PreviewApp(tokend, THREE)
    async with app.run_test(size=(120, 30)) as pilot:
        preview = await settle(pilot, app)
        assert preview.arrangement == "side"
        widths = [p.outer_size.width for p in panes(preview)]
        assert len(widths) == 3 and min(widths) >= 35 and sum(widths) == 120
        top = screen(app)[0]
        assert all(f"{c} · manifests" in top for c in ("dev", "prod", "staging"))

        preview.focus_pane(1)
        await pilot.press("z")
        await pilot.pause()
        shown = [p for p in panes(preview) if p.display]
        assert shown == [panes(preview)[1]] and shown[0].outer_size.width == 120
        assert "prod · manifests · maximized (z restores)" in screen(app)[0]
        await pilot.press("z")
        await pilot.pause()
        assert all(p.display for p in panes(preview)) and preview.maximized is None


@pytest.mark.asyncio
async def test_narrow_terminals_stack_the_panes_or_show_one_at_a_time(tokend):
    app = PreviewApp(tokend, THREE)
    async with app.run_test(size=(80, 24)) as pilot:
        preview = await settle(pilot, app)
        assert preview.arrangement == "single"
        assert [p.display for p in panes(preview)] == [True, False, False]
        assert panes(preview)[0].outer_size.width == 80
        assert "dev · manifests · 1/3 (< > switch)" in screen(app)[0]
        preview.focus_pane()
        await pilot.press("greater_than_sign")
        await pilot.pause()
        assert [p.display for p in panes(preview)] == [False, True, False]
        assert "prod · manifests · 2/3" in screen(app)[0]
        await pilot.press("less_than_sign", "less_than_sign")
        await pilot.pause()
        assert preview.current == 2 and "staging · manifests · 3/3" in screen(app)[0]
    app = PreviewApp(tokend, THREE)
    async with app.run_test(size=(80, 40)) as pilot:
        preview = await settle(pilot, app)
        assert preview.arrangement == "stacked"
        regions = [p.region for p in panes(preview)]
        assert all(r.width == 80 for r in regions)
        assert regions[0].bottom <= regions[1].y and regions[1].bottom <= regions[2].y


@pytest.mark.asyncio
async def test_what_differs_is_marked_in_each_pane_where_it_is(tokend):
    app = PreviewApp(tokend, THREE)
    async with app.run_test(size=(120, 30)) as pilot:
        preview = await settle(pilot, app)
        dev, prod, staging = preview.texts
        assert dev and prod and staging
        # the image differs in all three panes, each on its own line
        assert line_of(dev, 'image: "golang:1.23"') in preview.marked(0)
        assert line_of(prod, 'image: "registry.example.com/tokend:1.4.2"') in preview.marked(1)
        assert line_of(staging, 'image: "registry.example.com/tokend') in preview.marked(2)
        # only dev has the scripts' ConfigMap: all of it is marked there
        start = line_of(dev, "name: \"tokend-scripts\"")
        assert {start - 1, start, start + 5} <= preview.marked(0)
        # what is alike is not
        for i, text in enumerate(preview.texts):
            assert line_of(text, "kind: Deployment") not in preview.marked(i)
        # and the gutter shows it on screen: a bar on exactly the marked lines in view
        body = bodies(preview)[0]
        body.move_cursor(line_of(dev, 'image: "golang:1.23"'), top=True)
        await pilot.pause()
        rows = [body.render_line(y).text for y in range(body.scrollable_content_region.height)]
        assert [r.startswith(MARK) for r in rows] == \
            [body.top + y in preview.marked(0) for y in range(len(rows))]
        assert any(r.startswith(MARK) and 'image: "golang:1.23"' in r for r in rows)
        assert "differences" in preview.status_text


@pytest.mark.asyncio
async def test_next_difference_moves_every_pane_to_the_same_object(tokend):
    app = PreviewApp(tokend, THREE)
    async with app.run_test(size=(120, 30)) as pilot:
        preview = await settle(pilot, app)
        preview.focus_pane(0)
        layouts = preview.comparison.layouts
        seen = []
        for _ in range(6):
            await pilot.press("right_square_bracket")
            await pilot.pause()
            found = preview.comparison.differences[preview._difference or 0]
            cursors = [b.cursor for b in bodies(preview)]
            objects = {layouts[i].at(cursors[i])[0] for i in range(3)
                       if found.lines[i] is not None}
            assert len(objects) == 1, (found.label, cursors)  # one object in every pane
            assert [cursors[i] for i in range(3) if found.near[i] is not None] == \
                [n for n in found.near if n is not None]
            assert preview.status_text.startswith(f"difference {len(seen) + 1}/")
            assert found.label in preview.status_text
            seen.append(found.label)
        assert len(set(seen)) == 6
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert preview.status_text.startswith("difference 5/") and seen[4] in preview.status_text


@pytest.mark.asyncio
async def test_the_panes_scroll_together_by_object_and_field(tokend):
    app = PreviewApp(tokend, THREE)
    async with app.run_test(size=(120, 30)) as pilot:
        preview = await settle(pilot, app)
        preview.focus_pane(0)
        layouts = preview.comparison.layouts
        same_field = 0
        for _ in range(8):
            await pilot.press("pagedown")
            await pilot.pause()
            tops = [b.top for b in bodies(preview)]
            assert tops[0] > 0
            for i in (1, 2):  # where the same object and field are (or as near as it goes)
                want = preview.comparison.align(0, tops[0], i)
                if want is not None:
                    assert tops[i] == min(want, bodies(preview)[i].max_scroll_y), (i, tops)
            where = [layouts[i].at(tops[i]) for i in range(3)]
            if where[0] is not None and all(w is not None and w[:2] == where[0][:2]
                                            for w in where):
                same_field += 1  # the very same field of the same object at the top of each
        assert same_field >= 3
        assert len({b.top for b in bodies(preview)}) > 1  # not merely the same line numbers
        await pilot.press("s")  # on their own
        before = [b.top for b in bodies(preview)]
        await pilot.press("pagedown")
        await pilot.pause()
        after = [b.top for b in bodies(preview)]
        assert after[0] > before[0] and after[1:] == before[1:]


@pytest.mark.asyncio
async def test_an_error_shows_over_the_dimmed_last_good_render_and_spares_the_others(tokend):
    app = PreviewApp(tokend, THREE)
    async with app.run_test(size=(120, 30)) as pilot:
        preview = await settle(pilot, app)
        good = list(preview.texts)
        broken = copy.deepcopy(tokend)
        next(c for c in broken.contexts if c.name == "dev").flavor = "no-such-flavor"
        preview.set_source(broken)
        preview = await settle(pilot, app)
        dev, prod, staging = panes(preview)
        assert preview.failed == [True, False, False]
        assert "no-such-flavor" in (preview.texts[0] or "")
        banner = dev.query_one(".pane-banner")
        assert banner.display and banner.size.height >= 2  # the message, wrapped
        body = dev.query_one(PaneBody)
        assert body.stale and body.lines == good[0].splitlines() and not body.marked
        drawn = body.render_line(0)  # dimmed
        assert drawn.text.strip() and all(seg.style.dim for seg in drawn if seg.text.strip())
        rows = "\n".join(screen(app))
        assert "no-such-flavor" in rows and "kind: NetworkPolicy" in rows
        for pane, text in ((prod, good[1]), (staging, good[2])):
            assert not pane.failed and pane.query_one(PaneBody).lines == text.splitlines()
            assert not pane.query_one(PaneBody).stale
        assert preview.marked(1) and preview.marked(2)
        # an error of the whole source: every pane under a banner, nothing blanked
        with pytest.raises(ConfigError) as bad:
            load_service_text((TOKEND / "pligos.yaml").read_text().replace(
                "replicas: 3", "replicas: many"), TOKEND, "pligos.yaml")
        preview.set_source(bad.value)
        preview = await settle(pilot, app)
        assert preview.failed == [True, True, True]
        assert all(b.stale and b.lines for b in bodies(preview))
        assert all("replicas" in p.query_one(".pane-banner").render().plain for p in panes(preview))
        preview.set_source(tokend)
        preview = await settle(pilot, app)
        assert preview.failed == [False, False, False]
        assert not any(p.query_one(".pane-banner").display for p in panes(preview))
        assert not any(b.stale for b in bodies(preview))


@pytest.mark.asyncio
async def test_f5_re_renders_what_changed_outside(tmp_path, tokend):
    text = (TOKEND / "pligos.yaml").read_text()
    state = {"text": text}

    def source():
        return load_service_text(state["text"], TOKEND, "pligos.yaml")

    app = PreviewApp(source, [("prod", None)], VALUES)
    async with app.run_test(size=(100, 30)) as pilot:
        preview = await settle(pilot, app)
        assert 'tag: "1.4.2"' in preview.texts[0]
        first = preview.rendered_at
        state["text"] = text.replace('tag: "1.4.2"', 'tag: "9.9.9"')
        preview.focus_pane()
        await pilot.press("f5")
        preview = await settle(pilot, app)
        assert preview.rendered_at > first and 'tag: "9.9.9"' in preview.texts[0]
        assert any('tag: "9.9.9"' in row for row in screen(app))


@pytest.mark.asyncio
async def test_slash_searches_the_pane_and_n_moves_between_matches(tokend):
    app = PreviewApp(tokend, THREE[:2])
    async with app.run_test(size=(120, 30)) as pilot:
        preview = await settle(pilot, app)
        preview.focus_pane(1)
        await pilot.press("slash")
        await pilot.pause()
        assert preview.has_class("searching") and app.focused.id == "preview-search"
        await pilot.press(*"kind: service", "enter")  # (any case)
        await pilot.pause()
        body = bodies(preview)[1]
        lines = [i for i, line in enumerate(body.lines) if "kind: Service" in line]
        assert len(lines) >= 2 and body.matches == lines
        assert body.cursor == lines[0] and "kind: Service" in body.visible_text()[2]
        assert preview.status_text.startswith(f"/kind: service: match 1 of {len(lines)}")
        assert app.focused is body and not preview.has_class("searching")
        assert preview.sync  # the `s` typed in the field went into it, not to the panes
        await pilot.press("n")
        assert body.cursor == lines[1]
        await pilot.press("N", "N")
        assert body.cursor == lines[-1]  # around the end
        assert not bodies(preview)[0].matches  # one pane's search
        await pilot.press("slash", *"zzz-nothing", "enter")
        await pilot.pause()
        assert body.matches == [] and "no match" in preview.status_text
        await pilot.press("slash", "x", "escape")
        await pilot.pause()
        assert not preview.has_class("searching") and app.focused is body


@pytest.mark.asyncio
async def test_values_mode_shows_where_the_value_under_the_cursor_comes_from(tokend):
    app = PreviewApp(tokend, THREE[:2], VALUES)
    async with app.run_test(size=(120, 30)) as pilot:
        preview = await settle(pilot, app)
        for _ in range(100):  # the origins follow the texts
            if len(preview.origins) == 2:
                break
            await pilot.pause(0.02)
        preview.focus_pane(1)
        body = bodies(preview)[1]
        body.move_cursor(line_of(preview.texts[1], 'tag: "1.4.2"'))
        await pilot.pause()
        line = (TOKEND / "pligos.yaml").read_text().splitlines().index('    tag: "1.4.2"') + 1
        assert preview.status_text == f"image.tag ← images[release] pligos.yaml:{line}" or \
            preview.status_text.startswith("image.tag ← images[release]")
        assert f"pligos.yaml:{line}" in preview.status_text
        assert "image.tag ← images[release]" in screen(app)[-1]
        await pilot.press("down")  # the next line: another value, another origin
        assert "image.digest" in preview.status_text


@pytest.mark.asyncio
async def test_fast_updates_leave_the_last_one_on_screen():
    """Five edits 20 ms apart, each rendering for longer than that: 1 s later the screen
    shows the last (the debounce timer's refresh must run without any further event)."""
    text = (TOKEND / "pligos.yaml").read_text()

    def source(tag: str):
        def build():
            time.sleep(0.05)  # a slow source: the next edit lands while this one renders
            return load_service_text(text.replace('tag: "1.4.2"', f'tag: "{tag}"'), TOKEND,
                                     "pligos.yaml")
        return build

    app = PreviewApp(source("1.4.2"), [("prod", None)], VALUES, debounce=0.12)
    async with app.run_test(size=(80, 24)) as pilot:
        preview = await settle(pilot, app)
        for tag in ("1", "1.", "1.4", "1.4.", "1.4.3"):
            preview.set_source(source(tag))
            await asyncio.sleep(0.02)
        await asyncio.sleep(1.0)
        await pilot.pause()
        assert any('tag: "1.4.3"' in row for row in screen(app)), "\n".join(screen(app))
        assert not preview.pending


@pytest.mark.asyncio
async def test_the_keys_are_listed_in_the_help_of_the_screen(tokend):
    app = PreviewApp(tokend, THREE[:2])
    async with app.run_test(size=(120, 30)) as pilot:
        preview = await settle(pilot, app)
        preview.focus_pane()
        await pilot.pause()
        rows = dict((what, keys) for keys, what in key_rows(app.screen))
        assert rows["Next difference of the panes"] == "]"
        assert rows["Previous difference"] == "["
        assert rows["Search in the pane"] == "/"
        assert rows["Maximize / restore the pane"] == "z"
        assert rows["Re-render the panes (after secrets appear)"] == "f5"
        assert "Next match" in rows and "Next pane" in rows


def test_no_attribute_of_the_panes_shadows_one_of_textual():
    """A widget attribute named like one of Textual's own breaks it quietly (`_running`
    stopped a debounced refresh from ever running)."""
    taken = set(dir(ScrollView())) | set(vars(ScrollView())) | set(dir(Vertical())) \
        | set(vars(Vertical()))
    for module in (preview_module, pane_module):
        tree = ast.parse(inspect.getsource(module))
        assigned = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
                    and isinstance(node.value, ast.Name) and node.value.id == "self"
                    and isinstance(getattr(node, "ctx", None), ast.Store)}
        clashes = assigned & taken - {"virtual_size"}  # (a ScrollView sets it: its API)
        assert not clashes, f"{Path(module.__file__).name}: {sorted(clashes)}"
