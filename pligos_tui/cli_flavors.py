"""The command line's flavor versions: `pligos flavors --outdated` and `pligos upgrade-flavor`.

Kept apart from `cli` like `cli_deploy`; `cli.build_parser` adds `upgrade-flavor` through
`add_commands`, and `cli.cmd_flavors` hands `--outdated` to `cmd_outdated`. Each imports its
job and `cli_report` only when it runs; the text is made here, from the job's data, with
`cli_report`'s writer.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pligos_tui.cli_report import Line
    from pligos_tui.jobs.flavors import Outdated, UpgradeResult

EXIT_OK = 0
Completer = Callable[..., list[str]]


# --------------------------------------------------------------------------- --outdated

def cmd_outdated(args: argparse.Namespace) -> int:
    """`pligos flavors --outdated [PATH...]`."""
    from pligos_tui.jobs.flavors import outdated

    given = [*(args.outdated or []), *([args.path] if args.path else [])]
    rows = outdated([Path(p) for p in given or ["."]])
    print_outdated(rows, as_json=args.json)
    return EXIT_OK


def print_outdated(rows: Sequence[Outdated], *, as_json: bool) -> None:
    from pligos_tui import cli_report as report

    if as_json:
        report.print_json({"format": report.JSON_FORMAT, "outdated": [
            {"file": r.file, "service": r.service, "context": r.context, "flavor": r.flavor,
             "pin": r.pin, "resolved": r.resolved, "newest": r.newest, "source": r.source,
             "changelog": [{"version": v, "text": t} for v, t in r.changelog]}
            for r in rows]})
        return
    if not rows:
        report.say("every context's flavor is at the newest version offered")
        return
    head = ("SERVICE", "CONTEXT", "FLAVOR", "PIN", "RESOLVED", "NEWEST")
    cells = [(r.file, r.context, r.flavor, r.pin, r.resolved, r.newest) for r in rows]
    widths = [max(len(c[i]) for c in [head, *cells]) for i in range(len(head))]

    def row(values: Sequence[str]) -> str:
        return "  ".join(f"{v:<{w}}" for v, w in zip(values, widths)).rstrip()

    lines: list[Line] = [[(row(head), "bold")]]
    for r, values in zip(rows, cells):
        lines.append([(row(values), "")])
        for version, text in r.changelog:
            first, *more = text.strip().splitlines() or [""]
            lines.append([(f"    {version}: {first}", "dim")])
            lines += [[(f"    {'':<{len(version)}}  {line}", "dim")] for line in more]
    count = len({r.file for r in rows})
    lines.append([(f"{len(rows)} context{'s' if len(rows) != 1 else ''} of {count} "
                   f"service{'s' if count != 1 else ''} behind the newest flavor version", "")])
    lines.append([("  hint: ", report.HINT),
                  ("move them with `pligos upgrade-flavor NAME --to VERSION --context NAME "
                   "PATH`, one wave at a time", "")])
    report.write(lines)


# --------------------------------------------------------------------------- upgrade-flavor

def cmd_upgrade_flavor(args: argparse.Namespace) -> int:
    from pligos_tui.jobs.flavors import upgrade_flavor

    paths = [Path(p) for p in args.paths] if args.paths else [Path(".")]
    result = upgrade_flavor(args.name, paths, to=args.to, contexts=args.context or None)
    print_upgrade(result, as_json=args.json)
    if not args.json:
        _print_plan(result, args.context or None)
    return EXIT_OK


def print_upgrade(result: UpgradeResult, *, as_json: bool) -> None:
    from pligos_tui import cli_report as report
    from pligos_tui.errors import display_path

    if as_json:
        report.print_json({"format": report.JSON_FORMAT, "edits": [
            {"file": display_path(e.file), "context": e.context, "old": e.old, "new": e.new,
             "version": e.version, "kept": e.kept} for e in result.edits],
            "locks": [display_path(p) for p in result.locks]})
        return
    if not result.edits:
        report.say("nothing to change: those contexts already pin that version")
        return
    lines: list[Line] = []
    for e in result.edits:
        where = f"{display_path(e.file)}: context {e.context}: "
        if e.kept:
            lines.append([(where, ""), (f"keeps flavor: {e.new} ({e.version}), written "
                                        f"into it as it took the flavor of {e.kept}", "dim")])
        else:
            lines.append([(where, ""), (f"flavor: {e.old or '(inherited)'} -> {e.new} "
                                        f"({e.version})", "")])
    for lock in result.locks:
        lines.append([(f"updated {display_path(lock)}", "dim")])
    files = len({e.file for e in result.edits})
    lines.append([(f"{len([e for e in result.edits if not e.kept])} context(s) of {files} "
                   f"service(s) upgraded; run `pligos generate` to write their charts", "")])
    report.write(lines)


def _print_plan(result: UpgradeResult, contexts: list[str] | None) -> None:
    """The plan of exactly this change: what it does to the objects of the edited services'
    charts (`jobs.plan.plan_edit`, the same engine and text as `pligos plan`)."""
    from pligos_tui import cli_report as report
    from pligos_tui.cli_fleet import plan_lines
    from pligos_tui.jobs.plan import plan_edit

    if result.edits:
        report.write([[("", "")]] + plan_lines(plan_edit(result.before, contexts=contexts)))


# --------------------------------------------------------------------------- parser

def add_commands(sub: argparse._SubParsersAction[Any],
                 command: Callable[..., argparse.ArgumentParser],
                 completes: Callable[[argparse.Action, Completer], None],
                 contexts: Completer, flavors: Completer) -> None:
    """Add `upgrade-flavor` to the parser (with `cli`'s helpers)."""
    p = command(sub, "upgrade-flavor", cmd_upgrade_flavor,
                "pin a flavor's version in the contexts of every service below PATH (a wave: "
                "dev first, then prod)",
                "pligos upgrade-flavor webservice --to 2.1.0 --context dev services/")
    completes(p.add_argument("name", metavar="NAME", help="the flavor"), flavors)
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="a service folder, or a tree holding services (default: .)")
    p.add_argument("--to", metavar="VERSION",
                   help="the version to pin: 2.1.0, or 2 / 2.1 for the newest of those "
                   "(default: the newest offered)")
    completes(p.add_argument("--context", action="append", metavar="NAME",
                             help="only this context (repeatable; default: every context "
                             "whose flavor is NAME)"), contexts)
    p.add_argument("--json", action="store_true")
    p.set_defaults(paths_after_options=True)  # (NAME --to V PATH: cli puts PATH in paths)
