#!/usr/bin/env python3
"""Benchmark `pligos edit`: how fast the preview follows the user, as ratios to helm itself.

Builds, in a temporary folder, a service of 10 contexts from examples/tokend and measures, as
medians of --runs runs (default 5), in the editor driven headless by Textual's Pilot:

  (a) keystroke → preview: from typing a digit into a context's `replicas` field to both
      preview panes showing the new charts, divided by the time `helm template` takes for
      those two charts (written to disk beforehand, run one after the other: baseline, same
      run). Target ≤ 2.
  (b) open → tree: from starting the editor to its tree of the 10 contexts being shown, in
      seconds. Target ≤ 1 s.
  (c) open → first preview: from the tree being shown to the first preview of two contexts
      having landed, divided by one `helm template` of one chart. Target ≤ 2. Also printed:
      the time from starting the editor to that preview, as a ratio to one render, and how
      long an empty Textual app (header, tree, footer) takes to start in the same run.

The figures are printed, never asserted; the script exits 0 whatever they are.

    PLIGOS_HELM=.cache/helm/3.17.1/helm .venv/bin/python benchmarks/bench_edit.py [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pligos_tui import helm
from pligos_tui.jobs import edits
from pligos_tui.charts.plan import plan_chart
from pligos_tui.spec.load import load_service

EXAMPLE = ROOT / "examples" / "tokend"
TARGET_KEYSTROKE = 2.0
TARGET_TREE = 1.0
TARGET_FIRST = 2.0


def make_service(dest: Path, contexts: int = 10) -> Path:
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("charts"))
    file = dest / "pligos.yaml"
    text = file.read_text()
    i = 0
    while text.count("\n  - name: ") < 100 and len(load_service(dest).contexts) < contexts:
        i += 1
        text = edits.clone_context(text, "prod", f"prod-{i}")
        text = edits.set_context_field(text, f"prod-{i}", "replicas", 2 + i)
        file.write_text(text)
    return dest


def helm_template_seconds(svc_root: Path, contexts: list[str], tmp: Path) -> float:
    """Wall time of `helm template` for the given contexts' charts, one after the other."""
    svc = load_service(svc_root)
    dirs = []
    for ctx in contexts:
        p = plan_chart(svc, ctx, redact=True)
        d = tmp / f"chart-{ctx}" / svc.name
        for rel, data in p.chart_files().items():
            (d / rel).parent.mkdir(parents=True, exist_ok=True)
            (d / rel).write_bytes(data)
        dirs.append(d)
    binary = str(helm.find_helm())
    start = time.perf_counter()
    for d in dirs:
        subprocess.run([binary, "template", svc.name, str(d)], check=True,
                       capture_output=True)
    return time.perf_counter() - start


def _tree_shows(app, label: str) -> bool:
    from textual.widgets import Tree

    trees = app.screen.query(Tree)
    if not trees:
        return False
    stack = [trees.first().root]
    while stack:
        node = stack.pop()
        if str(node.label) == label and node.line >= 0:
            return True
        stack.extend(node.children)
    return False


async def _until(pilot, app, condition) -> None:
    """Let the app run until `condition()` holds; stop with its error if the app died."""
    while not condition():
        if not app.is_running or getattr(app, "_exception", None) is not None:
            raise RuntimeError(f"the editor stopped: {getattr(app, '_exception', None)!r}")
        await pilot.pause(0.01)


async def editor_run(svc_root: Path, digit: str, last: str) -> tuple[float, float, float]:
    from textual.widgets import Input

    from pligos_tui.jobs.editing import Selection
    from pligos_tui.tui.edit.app import EditApp
    from pligos_tui.tui.widgets.preview import ChartPreview

    start = time.perf_counter()
    app = EditApp(svc_root)
    async with app.run_test(size=(160, 48)) as pilot:
        await _until(pilot, app, lambda: _tree_shows(app, last))
        tree_at = time.perf_counter() - start
        preview = app.screen.query_one(ChartPreview)
        await _until(pilot, app, lambda: not preview.pending and None not in preview.texts)
        first_at = preview.rendered_at - start
        # select context prod-1 (the first pane) and type a digit into replicas
        app.screen.selected = Selection.context("prod-1")
        app.screen._show_form()
        app.screen._focus_context("prod-1")
        await pilot.pause()
        await _until(pilot, app, lambda: not preview.pending and None not in preview.texts)
        field = app.screen.query_one("#ctx-replicas", Input)
        field.focus()
        await pilot.press("end", "backspace")
        await _until(pilot, app, lambda: not preview.pending and None not in preview.texts)
        t0 = time.perf_counter()
        await pilot.press(digit)
        want = f"replicas: {digit}"
        await _until(pilot, app, lambda: not preview.pending and bool(preview.texts[0])
                     and want in (preview.texts[0] or ""))
        keystroke = preview.rendered_at - t0
    return keystroke, tree_at, first_at


async def bare_textual_start() -> float:
    """From creating an empty Textual app (header, tree, footer) to its tree being shown."""
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Header, Tree

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Header()
            tree: Tree[None] = Tree("service")
            tree.root.add_leaf("leaf")
            tree.root.expand()
            yield tree
            yield Footer()

    start = time.perf_counter()
    app = Bare()
    async with app.run_test(size=(160, 48)) as pilot:
        while not _tree_shows(app, "leaf"):
            await pilot.pause(0.01)
        return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if helm.find_helm() is None:
        print("bench_edit: needs helm (set PLIGOS_HELM)")
        return 2
    with tempfile.TemporaryDirectory(prefix="pligos-bench-edit-") as tmp_name:
        tmp = Path(tmp_name)
        root = make_service(tmp / "tokend")
        contexts = [c.name for c in load_service(root).contexts]
        helm_two, helm_one, keys, trees, firsts, bares = [], [], [], [], [], []
        for run in range(args.runs):
            scratch = tmp / f"run-{run}"
            helm_two.append(helm_template_seconds(root, ["prod-1", "prod"], scratch / "two"))
            helm_one.append(helm_template_seconds(root, ["prod"], scratch / "one"))
            bares.append(asyncio.run(bare_textual_start()))
            k, t, f = asyncio.run(editor_run(root, str(run % 9 + 1), contexts[-1]))
            keys.append(k)
            trees.append(t)
            firsts.append(f)
    med = statistics.median
    a, b = med(keys) / med(helm_two), med(trees)
    after_tree = max(0.0, med([f - t for f, t in zip(firsts, trees)]))
    c = after_tree / med(helm_one)
    print(f"machine: {platform.machine()} {platform.system()}, {os.cpu_count()} cpus, "
          f"python {platform.python_version()}; service of {len(contexts)} contexts; "
          f"{args.runs} runs, medians")
    print(f"helm template, 2 charts: {med(helm_two) * 1000:.0f} ms; 1 chart: "
          f"{med(helm_one) * 1000:.0f} ms")
    print(f"(a) keystroke → 2 panes updated: {med(keys) * 1000:.0f} ms = {a:.2f}× helm "
          f"(target ≤ {TARGET_KEYSTROKE}×) {'ok' if a <= TARGET_KEYSTROKE else 'MISSED'}")
    print(f"(b) open → tree of {len(contexts)} contexts: {b:.2f} s (target ≤ {TARGET_TREE} s) "
          f"{'ok' if b <= TARGET_TREE else 'MISSED'}")
    print(f"(c) tree shown → first preview: {after_tree * 1000:.0f} ms = {c:.2f}× one helm "
          f"render (target ≤ {TARGET_FIRST}×) {'ok' if c <= TARGET_FIRST else 'MISSED'}")
    print(f"    from start: {med(firsts) * 1000:.0f} ms = {med(firsts) / med(helm_one):.2f}× one "
          f"helm render; an empty Textual app starts in {med(bares) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
