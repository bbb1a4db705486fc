#!/usr/bin/env python3
"""Benchmark `pligos generate` on a synthetic tree of services derived from examples/tokend.

Builds, in a temporary folder, N services (default 100) x 5 contexts, then measures with the
real command line run as a subprocess, as medians of --runs runs (default 5):

  (a) cold:      the first generate of the whole tree into a fresh --out folder, divided by
                 the time of `cp -r OUT OUT2` of that same output (baseline, same run);
  (b) unchanged: the same command again, OUT already current, divided by the cold run.

It also reports the peak RSS of the generate subprocess (ru_maxrss from os.wait4) and the
machine. The figures are printed, never asserted: the script exits 0 whatever they are, and 2
only when a generate fails (its stderr is shown).

    .venv/bin/python benchmarks/bench_generate.py [--runs 5] [--services 100]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "tokend"
CONTEXTS = ("dev", "prod", "staging", "janitor", "nightly-reindex")

TARGET_COLD = 10.0       # (a) cold generate / cp -r of the output
TARGET_UNCHANGED = 0.2   # (b) unchanged rerun / cold generate

SUMMARY = re.compile(r"(\d+) charts? of (\d+) services?: (\d+) written, (\d+) unchanged "
                     r"\(([\d.]+) s\)")


# --------------------------------------------------------------------------- the tree

def _sub_once(text: str, pattern: str, repl: str, what: str) -> str:
    """re.sub that insists on exactly one match, so a changed example fails loudly."""
    new, count = re.subn(pattern, repl, text, flags=re.MULTILINE)
    if count != 1:
        raise SystemExit(f"bench: cannot vary {what} of {EXAMPLE / 'pligos.yaml'} "
                         f"({count} matches for {pattern!r}); update the benchmark")
    return new


def derive_service(i: int) -> dict[str, bytes]:
    """The files of service number i: tokend's, renamed to svc-NNN, with a few values varied."""
    name = f"svc-{i:03d}"
    version = f"1.{i % 10}.{i}"
    cfg = (EXAMPLE / "pligos.yaml").read_text()
    cfg = _sub_once(cfg, r"^name: tokend$", f"name: {name}", "name")
    cfg = _sub_once(cfg, r"^description: .*$",
                    f"description: Synthetic service {i} derived from tokend", "description")
    cfg = _sub_once(cfg, r"^chartVersion: .*$", f"chartVersion: 0.3.{i}", "chartVersion")
    cfg = _sub_once(cfg, r'^appVersion: .*$', f'appVersion: "{version}"', "appVersion")
    cfg = _sub_once(cfg, r'^(    repository: registry\.example\.com/)tokend$', rf"\g<1>{name}",
                    "release repository")
    cfg = _sub_once(cfg, r'^(    tag: )"1\.4\.2"$', rf'\g<1>"{version}"', "release tag")
    cfg = _sub_once(cfg, r"^(    fqdn: )tokens\.example\.com$", rf"\g<1>{name}.example.com",
                    "prod fqdn")
    cfg = _sub_once(cfg, r"^(    fqdn: )tokens\.dev\.local$", rf"\g<1>{name}.dev.local",
                    "dev fqdn")
    cfg = _sub_once(cfg, r"TOKEN_TTL: 3600", f"TOKEN_TTL: {3600 + 60 * i}", "TOKEN_TTL")
    cfg = _sub_once(cfg, r"^(    replicas: )3$", rf"\g<1>{2 + i % 4}", "prod replicas")
    cfg = _sub_once(cfg, r'^(    schedule: )"0 3 \* \* \*"$', rf'\g<1>"{i % 60} {i % 24} * * *"',
                    "cronjob schedule")
    app = (EXAMPLE / "config" / "app.yaml").read_text()
    app = app.replace("https://tokens.example.com", f"https://{name}.example.com")
    app = app.replace("ttl: 3600", f"ttl: {3600 + 60 * i}")
    return {
        "pligos.yaml": cfg.encode(),
        "config/app.yaml": app.encode(),
        "config/logo.png": (EXAMPLE / "config" / "logo.png").read_bytes(),
        "script/watch.sh": (EXAMPLE / "script" / "watch.sh").read_bytes(),
    }


def build_tree(tree: Path, services: int) -> None:
    """tree/team-XX/svc-NNN/..., ten services per team folder."""
    for i in range(services):
        root = tree / f"team-{i // 10:02d}" / f"svc-{i:03d}"
        for rel, data in derive_service(i).items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        shutil.copymode(EXAMPLE / "script" / "watch.sh", root / "script" / "watch.sh")


# --------------------------------------------------------------------------- measuring

@dataclass
class Run:
    seconds: float
    maxrss_kib: int
    user: float
    sys: float
    stdout: str
    stderr: str
    code: int


def run_child(cmd: list[str], cwd: Path) -> Run:
    """Run cmd, wall time and the child's own peak RSS from os.wait4."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(seconds, usage.ru_maxrss, usage.ru_utime, usage.ru_stime,
                   out.read().decode(errors="replace"),
                   err.read().decode(errors="replace"), proc.returncode)


def generate(tree: Path, out: Path, *, expect_written: int, expect_unchanged: int,
             label: str) -> Run:
    cmd = [sys.executable, "-m", "pligos_tui", "generate", str(tree), "--out", str(out)]
    run = run_child(cmd, ROOT)
    if run.code != 0:
        print(f"bench: {label} generate failed (exit {run.code}): {' '.join(cmd)}",
              file=sys.stderr)
        sys.stderr.write(run.stderr or run.stdout)
        raise SystemExit(2)
    found = SUMMARY.search(run.stdout)
    if found is None:
        print(f"bench: warning: no summary line in the {label} output:\n{run.stdout}",
              file=sys.stderr)
    elif (int(found[3]), int(found[4])) != (expect_written, expect_unchanged):
        print(f"bench: warning: {label} run reported {found[0]!r}, expected "
              f"{expect_written} written, {expect_unchanged} unchanged", file=sys.stderr)
    return run


def reported_seconds(run: Run) -> float | None:
    found = SUMMARY.search(run.stdout)
    return float(found[5]) if found else None


def copy_tree(src: Path, dst: Path) -> Run:
    run = run_child(["cp", "-r", str(src), str(dst)], src.parent)
    if run.code != 0:
        raise SystemExit(f"bench: cp -r failed: {run.stderr}")
    return run


# --------------------------------------------------------------------------- reporting

def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count() or 0
    return (f"nproc {cpus}, {model}, Python {platform.python_version()} "
            f"({platform.python_implementation()}), {platform.system()} {platform.release()}")


def code_state() -> str:
    """The pligos version and git commit measured, and whether pligos_tui/ had local changes."""
    version = "?"
    init = (ROOT / "pligos_tui" / "__init__.py").read_text()
    found = re.search(r'__version__ = "([^"]+)"', init)
    if found:
        version = found[1]
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                              capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "pligos_tui"], cwd=ROOT,
                               text=True, capture_output=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return f"pligos {version}"
    return f"pligos {version}, git {head}" + (" + uncommitted changes in pligos_tui/" if dirty
                                              else "")


def filesystem(path: Path) -> str:
    """The type of the filesystem holding path, from /proc/mounts (longest mount point)."""
    path = path.resolve()
    best, kind = "", "?"
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            fields = line.split()
            if len(fields) < 3:
                continue
            point = fields[1].replace("\\040", " ")
            inside = path == Path(point) or Path(point) in path.parents
            if inside and len(point) > len(best):
                best, kind = point, fields[2]
    except OSError:
        pass
    return kind


def tree_size(path: Path) -> tuple[int, int]:
    files = size = 0
    for dirpath, _, filenames in os.walk(path):
        for name in filenames:
            files += 1
            size += os.lstat(os.path.join(dirpath, name)).st_size
    return files, size


def verdict(ratio: float, target: float) -> str:
    return "PASS" if ratio <= target else "FAIL"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median)")
    parser.add_argument("--services", type=int, default=100, help="services in the tree")
    parser.add_argument("--tmpdir", metavar="DIR",
                        help="where to build the tree and write the output (default: the "
                        "system temp folder, $TMPDIR); e.g. /dev/shm to leave disk noise out")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.services < 1:
        parser.error("--runs and --services must be at least 1")
    charts = args.services * len(CONTEXTS)

    with tempfile.TemporaryDirectory(prefix="pligos-bench-", dir=args.tmpdir) as tmp:
        base = Path(tmp)
        tree = base / "tree"
        build_tree(tree, args.services)
        print(f"tree: {args.services} services x {len(CONTEXTS)} contexts = {charts} charts "
              f"in {tree}; {args.runs} runs", file=sys.stderr)

        cold: list[Run] = []
        rerun: list[Run] = []
        copies: list[Run] = []
        out_files = out_bytes = 0
        for i in range(args.runs):
            out = base / f"out-{i}"
            cold.append(generate(tree, out, expect_written=charts, expect_unchanged=0,
                                 label="cold"))
            rerun.append(generate(tree, out, expect_written=0, expect_unchanged=charts,
                                  label="unchanged"))
            copies.append(copy_tree(out, base / f"copy-{i}"))
            out_files, out_bytes = tree_size(out)
            shutil.rmtree(out)
            shutil.rmtree(base / f"copy-{i}")
            print(f"  run {i + 1}/{args.runs}: cold {cold[-1].seconds:.3f} s, unchanged "
                  f"{rerun[-1].seconds:.3f} s, cp -r {copies[-1].seconds:.3f} s", file=sys.stderr)

    t_cold = statistics.median(r.seconds for r in cold)
    t_rerun = statistics.median(r.seconds for r in rerun)
    t_copy = statistics.median(r.seconds for r in copies)
    ratio_a = t_cold / t_copy
    ratio_b = t_rerun / t_cold
    in_cold = [s for s in map(reported_seconds, cold) if s is not None]
    in_rerun = [s for s in map(reported_seconds, rerun) if s is not None]
    rss_cold = max(r.maxrss_kib for r in cold) / 1024
    rss_rerun = max(r.maxrss_kib for r in rerun) / 1024

    def detail(runs: list[Run], values: list[float] | None = None) -> str:
        cpu = (f"   cpu user {statistics.median(r.user for r in runs):.2f} s, "
               f"sys {statistics.median(r.sys for r in runs):.2f} s")
        if values:
            cpu += f"; pligos' own timer {statistics.median(values):.3f} s"
        return cpu

    where = Path(args.tmpdir or tempfile.gettempdir()).resolve()
    tree_text = (f"{args.services} services x {len(CONTEXTS)} contexts = {charts} charts; "
                 f"output {out_files} files, {out_bytes / 1024:.0f} KiB")
    text_a = (f"{ratio_a:8.2f}   target <= {TARGET_COLD:g}    "
              f"{verdict(ratio_a, TARGET_COLD)}")
    text_b = (f"{ratio_b:8.3f}   target <= {TARGET_UNCHANGED:g}   "
              f"{verdict(ratio_b, TARGET_UNCHANGED)}")
    text_rss = f"{rss_cold:8.1f} MiB cold, {rss_rerun:.1f} MiB unchanged (max over runs)"
    rows = [
        ("tree", tree_text),
        ("runs", f"{args.runs} (medians)"),
        ("cold generate", f"{t_cold:8.3f} s{detail(cold, in_cold)}"),
        ("unchanged rerun", f"{t_rerun:8.3f} s{detail(rerun, in_rerun)}"),
        ("cp -r of output", f"{t_copy:8.3f} s{detail(copies)}"),
        ("(a) cold / cp -r", text_a),
        ("(b) rerun / cold", text_b),
        ("peak RSS", text_rss),
        ("code", code_state()),
        ("machine", machine()),
        ("temp folder", f"{where} ({filesystem(where)})"),
    ]
    width = max(len(k) for k, _ in rows)
    print("pligos generate benchmark")
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
