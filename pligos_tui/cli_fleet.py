"""The command line's comparing commands: `pligos plan` (a change across the fleet) and
`pligos diff` (two contexts of one service), both object by object (`jobs/plan.py`).

Kept apart from `cli` like `cli_deploy`; `cli.build_parser` adds these through
`add_commands`. The text they print is made here from the plan; the markdown and JSON
documents come from `jobs/plan_formats.py`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pligos_tui.cli_report import Line
    from pligos_tui.jobs.plan import ChartResult, Plan

EXIT_OK, EXIT_CHANGED, EXIT_FAILED = 0, 1, 2
FORMATS = ("text", "markdown", "json")
Completer = Callable[..., list[str]]


def cmd_plan(args: argparse.Namespace) -> int:
    from pligos_tui.jobs.plan import plan

    paths = [Path(p) for p in args.paths] if args.paths else [Path(".")]
    result = plan(paths, against=args.against, contexts=args.context or None)
    show_plan(result, args.format)
    return exit_status(result, args.exit_code)


def exit_status(result: Plan, exit_code: bool) -> int:
    """2 when something cannot be planned after the change, 1 when something changes and
    `--exit-code` asks for it, else 0."""
    if result.failed:
        return EXIT_FAILED
    return EXIT_CHANGED if result.changed and exit_code else EXIT_OK


def show_plan(result: Plan, fmt: str) -> None:
    from pligos_tui import cli_report as report
    from pligos_tui.jobs import plan_formats

    if fmt == "json":
        report.print_json(plan_formats.plan_json(result))
    elif fmt == "markdown":
        sys.stdout.write(plan_formats.plan_markdown(result))
    else:
        report.write(plan_lines(result))


def plan_lines(result: Plan) -> list[Line]:
    """The plan as the terminal shows it: the headline, the fleet's groups, then each
    service's charts that change."""
    from pligos_tui import cli_report as report
    from pligos_tui.jobs.plan_formats import changed_charts, headline, status_word

    lines: list[Line] = [[(headline(result), "bold")]]
    if result.groups:
        lines += [[("", "")], [("across the fleet, largest first:", "bold")]]
        width = max(len(_counted(g.charts, g.services)) for g in result.groups)
        lines += [[(f"  {_counted(g.charts, g.services):<{width}}  ", report.HUNK),
                   (g.label, "")] for g in result.groups]
    service = ""
    for chart in changed_charts(result) + result.broken:
        if chart.id.folder != service:
            service = chart.id.folder
            lines += [[("", "")], [(chart.service, "bold"), (f"  ({chart.file})", "")]]
        lines.append([(f"  {chart.id.context}: {status_word(result, chart)}", "bold")])
        lines += chart_lines(chart, indent="    ")
    for folder, text in sorted(result.invalid.items()):
        lines += [[("", "")], [(f"{folder} does not validate:", report.ERROR)]]
        lines += [[(f"  {line}", "")] for line in text.splitlines()]
    return lines


def _counted(charts: tuple[Any, ...], services: int) -> str:
    return f"{len(charts)} chart{'s' if len(charts) != 1 else ''} " \
           f"({services} service{'s' if services != 1 else ''})"


def chart_lines(chart: ChartResult, indent: str = "") -> list[Line]:
    """One chart's notes, error and object changes, marked + - ~."""
    from pligos_tui import cli_report as report
    from pligos_tui.jobs.plan_formats import object_lines

    styles = {"+": report.ADDED, "-": report.REMOVED, "~": report.HUNK, "": ""}
    lines: list[Line] = [[(f"{indent}note: {note}", report.WARNING)] for note in chart.notes]
    lines += [[(f"{indent}{line}", report.ERROR if i == 0 else "")]
              for i, line in enumerate(chart.error.splitlines())]
    for change in chart.changes:
        for depth, mark, text in object_lines(change):
            pad = indent + "    " * depth
            lines.append([(f"{pad}{mark} {text}" if depth == 0 else f"{pad}{text}",
                           styles[mark])])
    return lines


def cmd_diff(args: argparse.Namespace) -> int:
    from pligos_tui import cli_report as report
    from pligos_tui.jobs.reports import load_one_service

    svc = load_one_service(args.path or ".")
    if args.unified:
        from pligos_tui.jobs.render import diff_contexts

        text = diff_contexts(svc, args.a, args.b)
        report.diff(text, args.a, args.b)
        return EXIT_CHANGED if text and args.exit_code else EXIT_OK
    from pligos_tui.jobs.plan import context_changes

    result = context_changes(svc, args.a, args.b)
    if args.json:
        from pligos_tui.jobs.plan_formats import chart_json

        report.print_json({"format": report.JSON_FORMAT, "a": args.a, "b": args.b,
                           "same": not result.changes, **chart_json(result)})
    elif not result.changes:
        report.say(f"contexts {args.a} and {args.b} render the same objects")
    else:
        n = len(result.changes)
        report.write([[(f"from context {args.a} to {args.b}: {n} object"
                        f"{'s' if n != 1 else ''} differ", "bold")]] + chart_lines(result))
    return EXIT_CHANGED if result.changes and args.exit_code else EXIT_OK


def add_commands(sub: argparse._SubParsersAction[Any],
                 command: Callable[..., argparse.ArgumentParser],
                 completes: Callable[[argparse.Action, Completer], None],
                 contexts: Completer, diff_path: Completer) -> None:
    """Add `plan` and `diff` to the parser (with `cli`'s helpers)."""
    p = command(sub, "plan", cmd_plan,
                "show what a change does to the manifests of every service and context, "
                "object by object, before it lands",
                "pligos plan services/ --against origin/main --format markdown")
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="a service folder, or a tree holding services (default: .)")
    p.add_argument("--against", metavar="REF",
                   help="the git ref to compare with (default: HEAD; outside git: the "
                   "charts on disk)")
    completes(p.add_argument("--context", action="append", metavar="NAME",
                             help="only this context (repeatable)"), contexts)
    p.add_argument("--format", choices=FORMATS, default="text",
                   help="text (default), markdown for a pull request, json for CI")
    p.add_argument("--exit-code", action="store_true",
                   help="exit 1 when anything changes (2 stays for errors)")

    p = command(sub, "diff", cmd_diff,
                "show how two contexts' rendered objects differ, field by field",
                "pligos diff examples/tokend dev prod")
    completes(p.add_argument("path", nargs="?", metavar="PATH",
                             help="a service folder (default: .)"), diff_path)
    completes(p.add_argument("a", metavar="CONTEXT_A"), contexts)
    completes(p.add_argument("b", metavar="CONTEXT_B"), contexts)
    p.add_argument("--exit-code", action="store_true", help="exit 1 when they differ")
    p.add_argument("--unified", action="store_true",
                   help="print a unified diff of the manifests' text instead")
    p.add_argument("--json", action="store_true", help="print the differences as JSON")
