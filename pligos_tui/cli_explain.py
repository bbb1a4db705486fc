"""The `pligos explain` command: where each value of a context's values comes from.

Kept apart from `cli` like `cli_fleet`; `cli.build_parser` adds it through `add_commands`.
The job is `jobs/explain.py`; the lines printed are made here from its `Origin`s.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pligos_tui.cli_report import Line
    from pligos_tui.jobs.explain import Origin

EXIT_OK = 0
KEY_WIDTH, VALUE_WIDTH = 48, 32  # the widest columns are cut to these
Completer = Callable[..., list[str]]


def where_and_key(words: Sequence[str]) -> tuple[str, str | None]:
    """`pligos explain [PATH] [KEY_PATH]`: the service's folder and the key path. One word
    that is no file or folder is the key path, in the service of the working folder."""
    from pligos_tui.errors import UsageError

    if len(words) > 2:
        raise UsageError(f"unrecognized arguments: {' '.join(words[2:])}",
                         hint="pligos explain [PATH] [KEY_PATH] --context NAME")
    if len(words) == 1 and not Path(words[0]).exists():
        return ".", words[0]
    return (words[0] if words else "."), (words[1] if len(words) > 1 else None)


def cmd_explain(args: argparse.Namespace) -> int:
    from pligos_tui import cli_report as report
    from pligos_tui.jobs.explain import explain
    from pligos_tui.jobs.reports import default_context, load_one_service

    path, key_path = where_and_key(args.paths)
    svc = load_one_service(path)
    context = args.context or default_context(svc)
    origins = explain(svc, context, key_path)
    if args.json:
        report.print_json({"format": report.JSON_FORMAT, "service": svc.name,
                           "context": context, "values": [o.as_json() for o in origins]})
    else:
        report.write([[(f"context {context} of {svc.name} ({svc.file}): where each value "
                        "comes from", "bold")]] + explain_lines(origins))
    return EXIT_OK


def shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def explain_lines(origins: Sequence[Origin]) -> list[Line]:
    """One line per value, in columns: its key, its value (shortened), where it comes from."""
    from pligos_tui import cli_report as report
    from pligos_tui.jobs.explain_trace import DEFAULT, DERIVED

    keys = min(max((len(o.key) for o in origins), default=0), KEY_WIDTH)
    shown = [shorten(o.value_text, VALUE_WIDTH) for o in origins]
    values = max((len(v) for v in shown), default=0)
    return [[(f"{o.key:<{keys}}  ", ""), (f"{value:<{values}}  ", report.HUNK),
             (o.shown, report.RULE if o.kind in (DEFAULT, DERIVED) else "")]
            for o, value in zip(origins, shown)]


def add_commands(sub: argparse._SubParsersAction[Any],
                 command: Callable[..., argparse.ArgumentParser],
                 completes: Callable[[argparse.Action, Completer], None],
                 contexts: Completer) -> None:
    """Add `explain` to the parser (with `cli`'s helpers)."""
    p = command(sub, "explain", cmd_explain,
                "show where each value of a context's chart values comes from: an entry, "
                "the context or one it extends, values:, a friend, a flavor default",
                "pligos explain examples/tokend --context prod image.tag")
    # (words after an option are added to `paths` by cli: `PATH --context NAME KEY_PATH`)
    p.add_argument("paths", nargs="*", metavar="PATH KEY_PATH",
                   help="the service folder (default: .), then only this key and those "
                   "below it: image, routes[http], env.LOG_LEVEL (a KEY_PATH alone, when it "
                   "is no folder, is one of the service in .)")
    p.set_defaults(paths_after_options=True)
    p.usage = "%(prog)s [-h] [--context NAME] [--json] [PATH] [KEY_PATH]"
    def service_contexts(prefix: str, parsed_args: argparse.Namespace, **kw: Any) -> list[str]:
        path, _ = where_and_key(getattr(parsed_args, "paths", None) or [])
        return contexts(prefix, argparse.Namespace(**{**vars(parsed_args), "paths": [path]}),
                        **kw)

    completes(p.add_argument("--context", metavar="NAME", help="default: current-context"),
              service_contexts)
    p.add_argument("--json", action="store_true", help="print the origins as JSON")
