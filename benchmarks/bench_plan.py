#!/usr/bin/env python3
"""Benchmark `pligos plan` on a fleet against `helmfile template` of the same releases.

Builds, in a temporary folder (tmpfs /dev/shm when there is one), a git repository of N
services (default 100) x 5 contexts derived from examples/tokend, every context on one flavor
folder of the repository, flavors/web/ (`base: webservice`, so the chart is the built-in one),
commits it with the charts `pligos generate` wrote, then measures with the real command lines
run as subprocesses, as medians of --runs runs (default 5), stdout to /dev/null:

  baseline:      `helmfile template --skip-deps` of a helmfile.yaml that lists the N x 5
                 generated charts as releases (their release names and namespaces);
  (a) touched:   flavors/web/flavor.yaml given a default that changes every chart (expose
                 through the Gateway API), then `pligos plan --against HEAD`:
                   cold  - a fresh cache: both sides rendered;
                   warm  - a cache holding the renders of HEAD only (left by a plan of another
                           change that touched every chart): the REF side cached;
                   hot   - the same plan again: both sides cached;
  (b) unchanged: the change reverted, `pligos plan --against HEAD` (fresh cache).

It prints (a)/baseline and (b)/baseline beside the targets 0.25 and 0.05, with the machine,
helm and helmfile versions. The figures are never asserted: the script exits 0 whatever they
are, and 2 when a command fails (its stderr is shown).

    .venv/bin/python benchmarks/bench_plan.py [--services 100] [--runs 5]
        [--namespace-per-service] [--helmfile PATH] [--helm PATH] [--tmpdir DIR] [--keep]

--namespace-per-service gives every context `namespace: <service>`, so the five charts of a
service share release and namespace (helm may render them in one process); by default each
context deploys into the namespace named like the context.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

# the benchmarks folder is no package: bench_generate's tree helpers by path
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_generate import (
    EXAMPLE,
    ROOT,
    _sub_once,
    code_state,
    derive_service,
    filesystem,
    machine,
)

CONTEXTS = ("dev", "prod", "staging", "canary", "perf")
TARGET_TOUCHED = 0.25    # (a) plan of a change touching every chart / helmfile template
TARGET_UNCHANGED = 0.05  # (b) plan of nothing changed / helmfile template

FLAVOR = "# the built-in webservice chart, shared by the whole fleet\nbase: webservice\n"
# every chart of the tree has routes with a host, so this turns each Ingress into an HTTPRoute
CHANGE = """defaults:
  expose:
    via: gateway
    gateway: {name: public, namespace: gateway-system}
"""
# touches every chart as CHANGE does, with other results: a plan of it leaves in the cache
# the renders of HEAD and nothing of what CHANGE renders
WARM_UP = CHANGE.replace("name: public", "name: warm-up")

# tokend's worker and cronjob contexts give way to two more of the web flavor
OUR_CONTEXTS = """  - name: canary
    extends: prod             # one pod of the release taking a share of the traffic
    replicas: 1
    autoscaling: null
  - name: perf
    extends: staging          # load tests, on the batch resources
    resources: batch
"""


# --------------------------------------------------------------------------- the repository

def service_files(i: int, namespace_per_service: bool) -> dict[str, bytes]:
    """bench_generate's tokend-derived service number i, all five contexts on flavor `web`."""
    files = derive_service(i)
    name = f"svc-{i:03d}"
    cfg = files["pligos.yaml"].decode()
    cfg = _sub_once(cfg, r"^# tokend: .*$",
                    f"# {name}: derived from tokend, every context on the fleet's web flavor",
                    "the header comment")
    start, end = cfg.index("  - name: janitor\n"), cfg.index("\ncurrent-context:")
    cfg = cfg[:start] + OUR_CONTEXTS + cfg[end + 1:]
    cfg = _sub_once(cfg, r"^(appVersion: .*)$", r"\g<1>\nflavorPaths: [../../../flavors]",
                    "flavorPaths")
    count = cfg.count("    flavor: webservice\n")
    if count != 2:
        raise SystemExit(f"bench: expected the dev and prod contexts of {EXAMPLE} on "
                         f"webservice, found {count}; update the benchmark")
    cfg = cfg.replace("    flavor: webservice\n", "    flavor: web\n")
    if namespace_per_service:
        head, contexts = cfg.split("\ncontexts:\n")
        for context in CONTEXTS:
            contexts = _sub_once(contexts, rf"^(  - name: {context})$",
                                 rf"\g<1>\n    namespace: {name}", f"the namespace of {context}")
        cfg = f"{head}\ncontexts:\n{contexts}"
    files["pligos.yaml"] = cfg.encode()
    return files


@dataclass(frozen=True)
class Release:
    name: str
    namespace: str
    chart: str  # relative to the repository
    context: str


def build_repo(repo: Path, services: int, namespace_per_service: bool) -> list[Release]:
    """repo/flavors/web/ and repo/services/team-XX/svc-NNN/; the releases of its charts."""
    (repo / "flavors" / "web").mkdir(parents=True)
    (repo / "flavors" / "web" / "flavor.yaml").write_text(FLAVOR)
    releases = []
    for i in range(services):
        name = f"svc-{i:03d}"
        folder = Path("services") / f"team-{i // 10:02d}" / name
        for rel, data in service_files(i, namespace_per_service).items():
            path = repo / folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        shutil.copymode(EXAMPLE / "script" / "watch.sh", repo / folder / "script" / "watch.sh")
        for context in CONTEXTS:
            namespace = name if namespace_per_service else context
            releases.append(Release(name, namespace, f"{folder}/charts/{context}/{name}",
                                    context))
    return releases


def helmfile_yaml(releases: Sequence[Release], repo: str, namespace_per_service: bool) -> str:
    """One release per chart. Helmfile refuses two releases of one name in one namespace and
    kube context, so with a namespace per service each context gets a kube context of its
    own; `helmfile template` passes it to `helm template`, which never connects. Chart
    paths are relative to the helmfile.yaml, which sits beside the repository."""
    lines = ["# every chart pligos generate wrote, as a release", "releases:"]
    for r in releases:
        lines += [f"  - name: {r.name}", f"    namespace: {r.namespace}",
                  f"    chart: ./{repo}/{r.chart}"]
        if namespace_per_service:
            lines.append(f"    kubeContext: {r.context}")
    return "\n".join(lines) + "\n"


def git(repo: Path, *args: str) -> None:
    cmd = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid",
           "-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null", *args]
    result = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        fail(f"git {' '.join(args)}", result.stderr)


# --------------------------------------------------------------------------- measuring

@dataclass
class Run:
    seconds: float
    user: float
    sys: float
    maxrss_kib: int


def fail(what: str, stderr: str) -> None:
    print(f"bench: {what} failed", file=sys.stderr)
    sys.stderr.write(stderr if stderr.endswith("\n") else stderr + "\n")
    raise SystemExit(2)


def timed(cmd: Sequence[str], cwd: Path, env: Mapping[str, str], label: str) -> Run:
    """Run cmd with stdout to /dev/null: wall time, and the child's CPU and peak RSS (the
    largest of the process tree it waited for, which helm processes count into)."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(list(cmd), cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            stderr = err.read().decode(errors="replace")
            if not stderr.strip():  # what it said went to /dev/null: once more to see it
                again = subprocess.run(list(cmd), cwd=cwd, env=dict(env), capture_output=True,
                                       text=True, check=False)
                stderr = again.stdout + again.stderr
            fail(f"{label} (exit {proc.returncode}): {' '.join(cmd)}", stderr)
    return Run(seconds, usage.ru_utime, usage.ru_stime, usage.ru_maxrss)


def output(cmd: Sequence[str], cwd: Path, env: Mapping[str, str], label: str) -> str:
    result = subprocess.run(list(cmd), cwd=cwd, env=dict(env), capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        fail(f"{label} (exit {result.returncode}): {' '.join(cmd)}",
             result.stderr or result.stdout)
    return result.stdout


def pligos(*args: str) -> list[str]:
    return [sys.executable, "-m", "pligos_tui", *args]


PLAN = pligos("plan", "--against", "HEAD")


def _fetch_helmfile() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "fetch_helmfile", ROOT / "scripts" / "fetch_helmfile.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _runnable(path: str, what: str, hint: str) -> str:
    found = shutil.which(path)
    if found is None:
        raise SystemExit(f"bench: {what} {path!r} is not a program that can run\n  hint: {hint}")
    return found


def find_helmfile(given: str | None) -> str:
    if given:
        return _runnable(given, "helmfile", "python scripts/fetch_helmfile.py fetches one")
    fetcher = _fetch_helmfile()
    try:
        return str(fetcher.fetch())
    except fetcher.FetchError as exc:
        raise SystemExit(f"bench: cannot fetch helmfile: {exc}\n"
                         "  hint: pass --helmfile PATH to a helmfile binary") from None


def find_helm(given: str | None) -> str:
    helm = given or os.environ.get("PLIGOS_HELM") or "helm"
    return _runnable(helm, "helm", "pass --helm PATH or set PLIGOS_HELM (python "
                     "scripts/fetch_helm.py fetches one)")


def first_line(cmd: Sequence[str]) -> str:
    try:
        result = subprocess.run(list(cmd), capture_output=True, text=True, timeout=60,
                                check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"? ({exc})"
    return (result.stdout.strip() or result.stderr.strip() or "?").splitlines()[0]


def check_releases(repo: Path, env: Mapping[str, str], releases: Sequence[Release]) -> None:
    """The releases and namespaces computed here are those pligos reports for service 0."""
    first = [r for r in releases if r.name == releases[0].name]
    folder = str(Path(first[0].chart).parents[2])
    found = json.loads(output(pligos("contexts", "--json", folder), repo, env, "contexts"))
    said = {(c["name"], c["release"], c["namespace"]) for c in found}
    expected = {(r.context, r.name, r.namespace) for r in first}
    if said != expected:
        raise SystemExit(f"bench: pligos contexts says {sorted(said)} for {folder}, the "
                         f"helmfile.yaml would say {sorted(expected)}; update the benchmark")


def plan_exists(env: Mapping[str, str]) -> bool:
    result = subprocess.run(pligos("plan", "--help"), cwd=ROOT, env=dict(env),
                            capture_output=True, check=False)
    return result.returncode == 0


def check_plan(repo: Path, env: Mapping[str, str], label: str, charts: int,
               changed: int) -> str:
    """One untimed plan with --format json: how many charts it compared and says change (a
    warning when that is not what the benchmark meant), and its largest group."""
    text = output([*PLAN, "--format", "json"], repo, env, f"{label} plan --format json")
    try:
        summary = json.loads(text)["summary"]
        seen, said = int(summary["charts"]), int(summary["changedCharts"])
    except (ValueError, KeyError, TypeError):
        print(f"bench: warning: no summary.charts and summary.changedCharts in the JSON of "
              f"the {label} plan", file=sys.stderr)
        return "?"
    if (seen, said) != (charts, changed):
        print(f"bench: warning: the {label} plan says {said} of {seen} charts change, "
              f"expected {changed} of {charts}", file=sys.stderr)
    groups = json.loads(text).get("groups") or [{}]
    largest = groups[0].get("label", "")
    return f"{said} of {seen} charts change" + (f"; largest group: {largest}" if largest else "")


# --------------------------------------------------------------------------- reporting

def median(runs: Sequence[Run]) -> float:
    return statistics.median(r.seconds for r in runs)


def detail(runs: Sequence[Run]) -> str:
    return (f"   cpu user {statistics.median(r.user for r in runs):.2f} s, "
            f"sys {statistics.median(r.sys for r in runs):.2f} s, "
            f"peak RSS {max(r.maxrss_kib for r in runs) / 1024:.0f} MiB")


def ratio_text(ratio: float, target: float) -> str:
    return (f"{ratio:8.3f}   target <= {target:g}   "
            f"{'PASS' if ratio <= target else 'FAIL'}")


def default_tmpdir() -> str | None:
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median)")
    parser.add_argument("--services", type=int, default=100, help="services in the tree")
    parser.add_argument("--namespace-per-service", action="store_true",
                        help="every context deploys into the namespace named like its "
                        "service (default: like the context)")
    parser.add_argument("--helmfile", metavar="PATH",
                        help="the helmfile binary (default: scripts/fetch_helmfile.py's)")
    parser.add_argument("--helm", metavar="PATH",
                        help="the helm both tools run (default: $PLIGOS_HELM, else helm)")
    parser.add_argument("--tmpdir", metavar="DIR", default=default_tmpdir(),
                        help="where to build the repository (default: /dev/shm when present, "
                        "else $TMPDIR)")
    parser.add_argument("--baseline-only", action="store_true",
                        help="measure helmfile only (no pligos plan)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder and print where it is")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.services < 1:
        parser.error("--runs and --services must be at least 1")
    try:
        return bench(args)
    except SystemExit as exc:  # a message: something the benchmark needs is missing or off
        if not isinstance(exc.code, str):
            raise
        print(exc.code, file=sys.stderr)
        return 2


def bench(args: argparse.Namespace) -> int:
    helm = find_helm(args.helm)
    helmfile = find_helmfile(args.helmfile)
    charts = args.services * len(CONTEXTS)

    base = Path(tempfile.mkdtemp(prefix="pligos-bench-plan-", dir=args.tmpdir))
    try:
        return measure(args, base, helm, helmfile, charts)
    finally:
        if args.keep:
            print(f"bench: kept {base}", file=sys.stderr)
        else:
            shutil.rmtree(base, ignore_errors=True)


def measure(args: argparse.Namespace, base: Path, helm: str, helmfile: str,
            charts: int) -> int:
    repo = base / "repo"
    env = {**os.environ, "PLIGOS_HELM": helm, "XDG_CACHE_HOME": str(base / "xdg"),
           "PLIGOS_CACHE_DIR": str(base / "cache-unused")}
    if not args.baseline_only and not plan_exists(env):
        raise SystemExit("bench: this pligos has no `plan` command (`pligos plan --help` "
                         "fails); --baseline-only measures helmfile alone")
    releases = build_repo(repo, args.services, args.namespace_per_service)
    (base / "helmfile.yaml").write_text(helmfile_yaml(releases, repo.name,
                                                               args.namespace_per_service))
    started = time.perf_counter()
    output(pligos("generate", "services"), repo, env, "generate")
    generated = time.perf_counter() - started
    check_releases(repo, env, releases)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "the fleet")
    layout = ("a namespace per service" if args.namespace_per_service
              else "a namespace per context")
    print(f"bench: {args.services} services x {len(CONTEXTS)} contexts = {charts} charts "
          f"({layout}) in {repo}, generated in {generated:.1f} s; {args.runs} runs",
          file=sys.stderr)

    flavor = repo / "flavors" / "web" / "flavor.yaml"
    baseline_cmd = [helmfile, "--file", str(base / "helmfile.yaml"), "--helm-binary", helm,
                    "--skip-deps", "--quiet", "template"]

    def plan(cache: Path, label: str) -> Run:
        return timed(PLAN, repo, {**env, "PLIGOS_CACHE_DIR": str(cache)}, label)

    warm_cache = base / "cache-warm"
    counts: dict[str, str] = {}
    if not args.baseline_only:
        flavor.write_text(FLAVOR + WARM_UP)
        plan(warm_cache, "warm-up plan")
        flavor.write_text(FLAVOR + CHANGE)
        check_env = {**env, "PLIGOS_CACHE_DIR": str(base / "cache-check")}
        counts["touched"] = check_plan(repo, check_env, "touched", charts, charts)
        flavor.write_text(FLAVOR)
        counts["unchanged"] = check_plan(repo, check_env, "unchanged", charts, 0)
        shutil.rmtree(base / "cache-check", ignore_errors=True)

    baseline: list[Run] = []
    cold: list[Run] = []
    warm: list[Run] = []
    hot: list[Run] = []
    unchanged: list[Run] = []
    for i in range(args.runs):
        baseline.append(timed(baseline_cmd, base, env, "helmfile template"))
        line = f"  run {i + 1}/{args.runs}: helmfile {baseline[-1].seconds:.2f} s"
        if not args.baseline_only:
            flavor.write_text(FLAVOR + CHANGE)
            cache = base / f"cache-{i}"
            cold.append(plan(cache, "touched plan, cold cache"))
            hot.append(plan(cache, "touched plan, both sides cached"))
            copy = base / f"cache-{i}-warm"
            shutil.copytree(warm_cache, copy, symlinks=True)
            warm.append(plan(copy, "touched plan, REF side cached"))
            flavor.write_text(FLAVOR)
            unchanged.append(plan(base / f"cache-{i}-unchanged", "unchanged plan"))
            for folder in (cache, copy, base / f"cache-{i}-unchanged"):
                shutil.rmtree(folder, ignore_errors=True)
            line += (f", touched cold {cold[-1].seconds:.2f} s, warm {warm[-1].seconds:.2f} s, "
                     f"hot {hot[-1].seconds:.2f} s, unchanged {unchanged[-1].seconds:.2f} s")
        print(line, file=sys.stderr)

    report(args, base, helm, helmfile, charts, baseline, cold, warm, hot, unchanged, counts)
    return 0


def report(args: argparse.Namespace, base: Path, helm: str, helmfile: str, charts: int,
           baseline: list[Run], cold: list[Run], warm: list[Run], hot: list[Run],
           unchanged: list[Run], counts: Mapping[str, str]) -> None:
    t_base = median(baseline)
    layout = ("namespace per service: the 5 charts of a service share release and namespace"
              if args.namespace_per_service
              else "namespace per context: every chart its own release and namespace")
    rows = [
        ("tree", f"{args.services} services x {len(CONTEXTS)} contexts = {charts} charts, "
                 "one flavor folder (flavors/web, base: webservice)"),
        ("layout", layout),
        ("runs", f"{args.runs} (medians)"),
        ("baseline", f"{t_base:8.3f} s   helmfile template --skip-deps of {charts} "
                     f"releases{detail(baseline)}"),
    ]
    if cold:
        touched = f"; plan: {counts['touched']}" if counts else ""
        rows += [
            ("(a) touched, cold", f"{median(cold):8.3f} s{detail(cold)}{touched}"),
            ("(a) touched, warm", f"{median(warm):8.3f} s{detail(warm)} (REF side cached)"),
            ("(a) touched, hot", f"{median(hot):8.3f} s{detail(hot)} (both sides cached)"),
            ("(b) unchanged", f"{median(unchanged):8.3f} s{detail(unchanged)}; plan: "
                              f"{counts.get('unchanged', '?')}"),
            ("(a) cold / baseline", ratio_text(median(cold) / t_base, TARGET_TOUCHED)),
            ("(a) warm / baseline", ratio_text(median(warm) / t_base, TARGET_TOUCHED)),
            ("(a) hot / baseline", ratio_text(median(hot) / t_base, TARGET_TOUCHED)),
            ("(b) unchanged / baseline", ratio_text(median(unchanged) / t_base,
                                                    TARGET_UNCHANGED)),
        ]
    where = base.parent.resolve()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    rows += [
        ("load average", f"{load} at the end (1, 5, 15 min; other work on the machine shows "
                         "here)"),
        ("helm", f"{first_line([helm, 'version', '--short'])} ({helm})"),
        ("helmfile", f"{first_line([helmfile, '--version'])} ({helmfile})"),
        ("code", code_state()),
        ("machine", machine()),
        ("temp folder", f"{where} ({filesystem(where)})"),
    ]
    width = max(len(k) for k, _ in rows)
    print("pligos plan benchmark")
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")


if __name__ == "__main__":
    raise SystemExit(main())
