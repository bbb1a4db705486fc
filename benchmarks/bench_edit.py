#!/usr/bin/env python3
"""Benchmark `pligos edit`: how fast the preview follows the user, as ratios to helm itself.

Builds, in a temporary folder, a service of 10 contexts from examples/tokend (prod cloned
as prod-1, prod-2, ...) and measures, in the editor driven headless by Textual's Pilot at
160x48, medians of --runs runs (default 5; each run is a fresh editor):

  (a) keystroke → all visible panes updated, with 2 panes (prod, prod-1) and with 3 (prod,
      prod-1, prod-2), side by side: from typing the last digit of images › release's tag,
      which every pane's chart shows, to every pane holding the new chart (the image
      `...:1.4.N`); --keys keystrokes per pane count and run. Divided by the wall time of
      `helm template` of those 2 or 3 charts (written to disk beforehand) run side by side,
      one process each, as the preview runs them (baseline, measured in the same run).
      Target ≤ 1.5. Also printed: until the differences between the panes are lit.
  (b) open → tree: from starting the editor to its tree of the 10 contexts being shown, in
      seconds. Target ≤ 1 s.
  (c) tree shown → first preview: from the tree being shown to the first preview (two
      contexts) having landed, divided by one `helm template` of one chart. Target ≤ 2.
      Also printed: start → first preview, and how long an empty Textual app (header,
      tree, footer) takes to start in the same run.

The figures are printed, never asserted; the script exits 0 whatever they are, 2 when helm
is missing or the editor fails. The machine's load average is printed before and after: the
two cores may be shared, so compare runs made at a quiet time.

    PLIGOS_HELM=.cache/helm/3.17.1/helm .venv/bin/python benchmarks/bench_edit.py [--runs 5]
    .venv/bin/python benchmarks/bench_edit.py --quick    # 2 runs, 1 keystroke each
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
from pligos_tui.charts.plan import plan_chart
from pligos_tui.jobs import edits
from pligos_tui.spec.load import load_service

EXAMPLE = ROOT / "examples" / "tokend"
SIZE = (160, 48)  # three panes side by side, each wider than a pane's minimum
PANES = {2: ["prod", "prod-1"], 3: ["prod", "prod-1", "prod-2"]}  # all run images › release
TARGET_KEYSTROKE = 1.5
TARGET_TREE = 1.0
TARGET_FIRST = 2.0


def make_service(dest: Path, contexts: int = 10) -> Path:
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("charts"))
    file = dest / "pligos.yaml"
    text = file.read_text()
    i = 0
    while len(load_service(dest).contexts) < contexts and i < 100:
        i += 1
        text = edits.clone_context(text, "prod", f"prod-{i}")
        text = edits.set_context_field(text, f"prod-{i}", "replicas", 2 + i)
        file.write_text(text)
    return dest


def write_charts(svc_root: Path, contexts: list[str], tmp: Path) -> list[Path]:
    svc = load_service(svc_root)
    dirs = []
    for ctx in contexts:
        p = plan_chart(svc, ctx, redact=True)
        d = tmp / f"chart-{ctx}" / svc.name
        for rel, data in p.chart_files().items():
            (d / rel).parent.mkdir(parents=True, exist_ok=True)
            (d / rel).write_bytes(data)
        dirs.append(d)
    return dirs


def helm_side_by_side(name: str, charts: list[Path]) -> float:
    """Wall time of one `helm template` per chart, all started at once."""
    binary = str(helm.find_helm())
    start = time.perf_counter()
    procs = [subprocess.Popen([binary, "template", name, str(d)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE) for d in charts]
    for proc in procs:
        _, err = proc.communicate()
        if proc.returncode:
            raise RuntimeError(f"helm template failed: {err.decode(errors='replace')}")
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


async def _until(pilot, app, condition, limit: float = 30.0) -> None:
    """Let the app run until `condition()` holds; stop with its error if the app died."""
    deadline = time.perf_counter() + limit
    while not condition():
        if not app.is_running or getattr(app, "_exception", None) is not None:
            raise RuntimeError(f"the editor stopped: {getattr(app, '_exception', None)!r}")
        if time.perf_counter() > deadline:
            raise RuntimeError("the editor never got there")
        await pilot.pause(0.005)


def _tag_input(app):
    from textual.widgets import Input

    from pligos_tui.tui.edit.forms import Field

    for field in app.screen.query(Field):
        if field.label == "tag" and isinstance(field.widget, Input):
            return field.widget
    raise RuntimeError("the form of images › release has no tag field")


class Run:
    """One editor session: open, first preview, then keystrokes with 2 and 3 panes."""

    def __init__(self) -> None:
        self.tree_at = self.first_at = 0.0
        self.keys: dict[int, list[float]] = {n: [] for n in PANES}
        self.lit: dict[int, list[float]] = {n: [] for n in PANES}
        self.arrangement: dict[int, str] = {}  # "side": every pane on screen


async def editor_run(svc_root: Path, last_context: str, keys: int) -> Run:
    from pligos_tui.jobs.editing import Selection
    from pligos_tui.tui.edit.app import EditApp
    from pligos_tui.tui.widgets.preview import ChartPreview

    run = Run()
    start = time.perf_counter()
    app = EditApp(svc_root)
    async with app.run_test(size=SIZE) as pilot:
        await _until(pilot, app, lambda: _tree_shows(app, last_context))
        run.tree_at = time.perf_counter() - start
        preview = app.screen.query_one(ChartPreview)

        def landed() -> bool:
            return not preview.pending and None not in preview.texts

        await _until(pilot, app, landed)
        run.first_at = preview.rendered_at - start
        screen = app.screen
        screen.selected = Selection.entry("images", "release")
        screen._show_form()
        await pilot.pause()
        tag = _tag_input(app)
        tag.focus()
        await pilot.press("end")

        def showing(panes: int, value: str) -> bool:
            want = f'tokend:{value}"'
            return (not getattr(screen, "busy", False) and len(preview.texts) == panes
                    and all(t is not None and want in t for t in preview.texts))

        for count, contexts in PANES.items():
            panes = [(c, None) for c in contexts]
            screen.panes, screen.pinned = panes, True
            preview.set_panes(panes)
            await _until(pilot, app, landed)
            run.arrangement[count] = getattr(preview, "arrangement", "side")
            for k in range(keys):
                await pilot.press("backspace")  # the tag's last digit, rendered first
                base = tag.value
                await _until(pilot, app,
                             lambda n=count, v=base: showing(n, v) and landed())
                digit = str((k + count) % 9 + 1)
                t0 = time.perf_counter()
                await pilot.press(digit)
                await _until(pilot, app, lambda n=count, v=base + digit: showing(n, v))
                run.keys[count].append(preview.rendered_at - t0)
                await _until(pilot, app, landed)  # the differences lit
                run.lit[count].append(time.perf_counter() - t0)
    return run


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
    async with app.run_test(size=SIZE) as pilot:
        while not _tree_shows(app, "leaf"):
            await pilot.pause(0.01)
        return time.perf_counter() - start


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.0f} ms"


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keys", type=int, default=3,
                        help="keystrokes timed per pane count and run (default 3)")
    parser.add_argument("--quick", action="store_true",
                        help="2 runs of 1 keystroke each: checks the script, not the figures")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.keys = 2, 1
    if helm.find_helm() is None:
        print("bench_edit: needs helm (set PLIGOS_HELM)")
        return 2
    load_before = _load()
    with tempfile.TemporaryDirectory(prefix="pligos-bench-edit-") as tmp_name:
        tmp = Path(tmp_name)
        root = make_service(tmp / "tokend")
        svc = load_service(root)
        contexts = [c.name for c in svc.contexts]
        charts = {n: write_charts(root, PANES[n], tmp / f"charts-{n}") for n in PANES}
        one = write_charts(root, ["prod"], tmp / "charts-1")
        helm_n: dict[int, list[float]] = {n: [] for n in PANES}
        helm_one: list[float] = []
        runs: list[Run] = []
        bares: list[float] = []
        try:
            for i in range(args.runs):
                helm_run: dict[int, list[float]] = {}
                for n in PANES:  # the baseline interleaved with the editor's runs
                    helm_run[n] = [helm_side_by_side(svc.name, charts[n])
                                   for _ in range(args.keys)]
                    helm_n[n] += helm_run[n]
                helm_one.append(helm_side_by_side(svc.name, one))
                bares.append(asyncio.run(bare_textual_start()))
                run = asyncio.run(editor_run(root, contexts[-1], args.keys))
                runs.append(run)
                print(f"run {i + 1}: tree {run.tree_at * 1000:.0f} ms, first preview "
                      f"{run.first_at * 1000:.0f} ms, keystroke "
                      + ", ".join(f"{n} panes {_ms(run.keys[n])} (helm {_ms(helm_run[n])})"
                                  for n in PANES), file=sys.stderr)
        except RuntimeError as exc:
            print(f"bench_edit: {exc}", file=sys.stderr)
            return 2
    med = statistics.median
    print(f"machine: {platform.machine()} {platform.system()}, {os.cpu_count()} cpus, "
          f"python {platform.python_version()}; load average {load_before} before, "
          f"{_load()} after; service of {len(contexts)} contexts; {args.runs} runs × "
          f"{args.keys} keystrokes, medians; {SIZE[0]}x{SIZE[1]}")
    print(f"helm template side by side: 2 charts {_ms(helm_n[2])}, 3 charts "
          f"{_ms(helm_n[3])}; 1 chart {_ms(helm_one)}")
    for n in PANES:
        keys = [k for r in runs for k in r.keys[n]]
        lit = [k for r in runs for k in r.lit[n]]
        ratio = med(keys) / med(helm_n[n])
        shown = {r.arrangement.get(n) for r in runs}
        print(f"(a) keystroke → {n} panes ({'/'.join(sorted(map(str, shown)))}) updated: "
              f"{_ms(keys)} = {ratio:.2f}× helm of {n} "
              f"charts (target ≤ {TARGET_KEYSTROKE}×) "
              f"{'ok' if ratio <= TARGET_KEYSTROKE else 'MISSED'}; differences lit "
              f"{_ms(lit)} = {med(lit) / med(helm_n[n]):.2f}×")
    trees = [r.tree_at for r in runs]
    firsts = [r.first_at for r in runs]
    b = med(trees)
    gap = med([r.first_at - r.tree_at for r in runs])  # < 0: the preview came first
    after_tree = max(0.0, gap)
    c = after_tree / med(helm_one)
    print(f"(b) open → tree of {len(contexts)} contexts: {b:.2f} s (target ≤ {TARGET_TREE} s) "
          f"{'ok' if b <= TARGET_TREE else 'MISSED'}")
    print(f"(c) tree shown → first preview: {after_tree * 1000:.0f} ms = {c:.2f}× one helm "
          f"render (target ≤ {TARGET_FIRST}×) {'ok' if c <= TARGET_FIRST else 'MISSED'}"
          + (f"; it landed {-gap * 1000:.0f} ms before the tree" if gap < 0 else ""))
    print(f"    from start: {med(firsts) * 1000:.0f} ms = {med(firsts) / med(helm_one):.2f}× one "
          f"helm render; an empty Textual app starts in {_ms(bares)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
