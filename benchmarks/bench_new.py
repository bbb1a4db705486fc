#!/usr/bin/env python3
"""Benchmark the start-up of the `pligos new` wizard: start to its first paint.

Runs the real command line (`python -m pligos_tui new DIR`) in a pseudo-terminal of 120x36
and measures, from spawning it, the time until the first step's text ("What the service is
called") has been written to the terminal, i.e. the first frame painted; then quits it with
Ctrl+Q (nothing is written). The baseline, measured in the same run the same way and
interleaved with it, is a bare `python -c "import textual"`. Reports the medians of --runs
runs (default 15), their ratio, and the median of each run's own ratio (the wizard against
the import measured just before it, which the machine's slower and faster spells affect
alike); the target is a ratio ≤ 2 (and the first screen within 1 s
on a 2-core machine). The figures are printed, never asserted: the script exits 0 whatever
they are, and 2 only when the wizard does not start. The load average is printed before and
after: the cores may be shared, so compare runs made at a quiet time. Pligos's modules are
byte-compiled first, as installing it does.

    .venv/bin/python benchmarks/bench_new.py [--runs 15]
    .venv/bin/python benchmarks/bench_new.py --quick      # 3 runs
"""

from __future__ import annotations

import argparse
import compileall
import fcntl
import os
import platform
import pty
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = b"What the service is called"
ESCAPES = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-B]|\x1b[=>]")
TARGET_SECONDS = 1.0
TARGET_RATIO = 2.0


def time_import() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import textual"], check=True)
    return time.perf_counter() - started


# an empty Textual app showing the same text: what any Textual program costs to paint
BARE_APP = f"""
from textual.app import App
from textual.widgets import Footer, Header, Static
class Bare(App):
    def compose(self):
        yield Header()
        yield Static({MARKER.decode()!r})
        yield Footer()
Bare().run()
"""
WIZARD = ["-m", "pligos_tui", "new", "svc"]


def time_first_screen(folder: Path, argv: list[str] = WIZARD) -> float:
    """Spawn `python ARGV` in a pty; seconds until MARKER is on its screen."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: become the wizard
        os.chdir(folder)
        os.environ["TERM"] = "xterm-256color"
        os.execv(sys.executable, [sys.executable, *argv])
    started = time.perf_counter()
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
    seen = b""
    elapsed = None
    try:
        while time.perf_counter() - started < 30:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            if MARKER in ESCAPES.sub(b"", seen):
                elapsed = time.perf_counter() - started
                break
        if elapsed is None:
            raise RuntimeError("the wizard never showed its first screen:\n"
                               + ESCAPES.sub(b"", seen).decode(errors="replace")[-2000:])
        os.write(fd, b"\x11")  # Ctrl+Q: quit, nothing written
        deadline = time.perf_counter() + 10
        while time.perf_counter() < deadline:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            select.select([fd], [], [], 0.1)
            try:
                os.read(fd, 65536)
            except OSError:
                pass
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    finally:
        os.close(fd)
    if (folder / "svc").exists():
        raise RuntimeError("quitting the wizard wrote something")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="3 runs")
    args = parser.parse_args()
    if args.quick:
        args.runs = 3
    load_before = os.getloadavg()
    # measured as installed: pip byte-compiles what it installs (textual is), while a checkout
    # run with PYTHONDONTWRITEBYTECODE would compile each of its modules on every start
    compileall.compile_dir(str(ROOT / "pligos_tui"), quiet=1)
    time_import()  # warm the file cache for both
    imports, screens, bares = [], [], []
    with tempfile.TemporaryDirectory(prefix="pligos-bench-new-") as tmp:
        try:
            time_first_screen(Path(tmp))
            for i in range(args.runs):
                imports.append(time_import())
                bares.append(time_first_screen(Path(tmp), ["-c", BARE_APP]))
                screens.append(time_first_screen(Path(tmp)))
                print(f"run {i + 1}: import textual {imports[-1]:.3f} s, empty app "
                      f"{bares[-1]:.3f} s, wizard {screens[-1]:.3f} s", file=sys.stderr)
        except RuntimeError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    base, first = statistics.median(imports), statistics.median(screens)
    bare = statistics.median(bares)
    ratio = first / base
    # each run measures the three back to back: its own ratio is free of the machine's drift
    paired = statistics.median(s / i for s, i in zip(screens, imports, strict=True))
    load = " ".join(f"{x:.2f}" for x in load_before)
    after = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}; load average {load} before, {after} after")
    print(f"| measure | median of {args.runs} | target |")
    print("|---|---|---|")
    print(f"| `python -c \"import textual\"` (baseline) | {base:.3f} s | |")
    print(f"| an empty Textual app (header, text, footer) to its first paint | {bare:.3f} s "
          f"({bare / base:.2f}×) | |")
    print(f"| `pligos new` to its first paint | {first:.3f} s | ≤ {TARGET_SECONDS:.1f} s |")
    print(f"| ratio first paint / import textual | {ratio:.2f} | ≤ {TARGET_RATIO:.1f} "
          f"{'ok' if ratio <= TARGET_RATIO else 'MISSED'} |")
    print(f"| median of each run's own ratio | {paired:.2f} | ≤ {TARGET_RATIO:.1f} "
          f"{'ok' if paired <= TARGET_RATIO else 'MISSED'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
