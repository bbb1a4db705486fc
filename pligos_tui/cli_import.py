"""The command line's `pligos import helm|manifests|compose|score`: read what a team already
runs, write pligos.yaml, and print the parity report (`jobs/importing`).

Kept apart from `cli` like `cli_deploy`; `cli.build_parser` adds it through `add_commands`.
Exit 0 when every context matches the original, 1 when something material differs or could
not be expressed, 2 on bad input (nothing is written then).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pligos_tui.cli_report import Line
    from pligos_tui.jobs.importing.importer import ImportResult
    from pligos_tui.jobs.importing.original import Leftover, Original

EXIT_OK, EXIT_DIFFERS = 0, 1


def cmd_import_helm(args: argparse.Namespace) -> int:
    from pligos_tui.jobs.importing.sources import grouped_contexts, read_chart

    original, meta = read_chart(args.chart, grouped_contexts(args.context or []),
                                sets=args.set or [], release=args.release or "",
                                namespace=args.namespace or "", version=args.chart_version or "",
                                plain_http=args.plain_http)
    return _finish(original, args, chart_name=str(meta.get("name") or ""), meta=meta)


def cmd_import_manifests(args: argparse.Namespace) -> int:
    from pligos_tui.jobs.importing.sources import grouped_contexts, read_manifests

    return _finish(read_manifests(args.paths, grouped_contexts(args.context or [])), args)


def cmd_import_compose(args: argparse.Namespace) -> int:
    from pligos_tui.jobs.importing.compose import read_compose
    from pligos_tui.jobs.importing.sources import parse_context

    name = parse_context(args.context)[0] if args.context else "dev"
    return _finish(read_compose(Path(args.file), context=name), args)


def cmd_import_score(args: argparse.Namespace) -> int:
    from pligos_tui.jobs.importing.score import read_score
    from pligos_tui.jobs.importing.sources import grouped_contexts

    contexts = [(name, [Path(f) for f in files])
                for name, files in grouped_contexts(args.context or [])]
    library = [Path(p) for p in args.friends_library or []]
    original = read_score([Path(f) for f in args.files], contexts=contexts,
                          friends_library=library)
    return _finish(original, args, friends_library=library)


def _finish(original: Original, args: argparse.Namespace, *, chart_name: str = "",
            meta: dict[str, Any] | None = None, friends_library: list[Path] | None = None
            ) -> int:
    from pligos_tui import cli_report as report
    from pligos_tui.jobs.importing.importer import import_original
    from pligos_tui.jobs.importing.report import import_json

    result = import_original(original, Path(args.out or "."), force=args.force,
                             name=args.name or "", chart_name=chart_name, chart=meta,
                             friends_library=friends_library or [])
    if args.json:
        report.print_json(import_json(result))
    else:
        report.write(import_lines(result))
    return EXIT_DIFFERS if result.material else EXIT_OK


def import_lines(result: ImportResult) -> list[Line]:
    """What an import did, then its parity report, service by service and context by
    context: what differs object by object, what the flavor adds, what is not expressed."""
    from pligos_tui import cli_report as report
    from pligos_tui.errors import display_path
    from pligos_tui.jobs.importing.report import parity_word
    from pligos_tui.jobs.plan_formats import object_lines

    styles = {"+": report.ADDED, "-": report.REMOVED, "~": report.HUNK, "": ""}
    n = len(result.written)
    lines: list[Line] = [[(f"imported {result.kind} {result.source} into "
                           f"{display_path(result.out)}/ ({n} file{'s' if n != 1 else ''})",
                           "bold")]]
    for svc in result.services:
        lines += [[("", "")], [(svc.name, "bold"), (f"  {svc.workload} → "
                                                    f"{display_path(svc.folder / 'pligos.yaml')}",
                                                    "")]]
        if svc.problems:
            lines.append([("  does not validate yet, so nothing was compared:", report.ERROR)])
            lines += [[(f"    {line}", "")] for p in svc.problems for line in p.splitlines()]
        for name in svc.contexts:
            parity = svc.parity.get(name)
            if parity is None:
                continue
            word = "differs" if parity.material else "matches"
            lines.append([(f"  {name}: {word}", report.ERROR if parity.material else "bold"),
                          (f"  ({_counts(parity)})", "")])
            for change in parity.differs:
                for depth, mark, text in object_lines(change):
                    pad = "    " + "    " * depth
                    lines.append([(f"{pad}{mark} {text}" if depth == 0 else f"{pad}{text}",
                                   styles[mark])])
            for item in parity.missing:
                lines.append([(f"    - {item.what}", report.REMOVED),
                              (f"  ({item.where}): {item.why}" if item.where else
                               f": {item.why}", "")])
            if parity.added:
                lines.append([("    added by the flavor: ", report.RULE),
                              (", ".join(_short(a) for a in parity.added), report.RULE)])
        if svc.turned_off:
            lines.append([("  set to match the original (why: the header of pligos.yaml): ",
                           report.WARNING), (", ".join(svc.turned_off), "")])
        lines += _leftover_lines([x for x in svc.leftovers if x.material], "  not expressed:")
        lines += _leftover_lines([x for x in svc.leftovers if not x.material],
                                 "  to know before the first deploy:")
        lines += [[("  left out on purpose: ", ""), (note, "")] for note in svc.dropped]
    lines += _leftover_lines([x for x in result.leftovers if x.material],
                             "not expressed, of no service:")
    lines += _leftover_lines([x for x in result.leftovers if not x.material],
                             "to know before the first deploy:")
    lines += [[("", "")], [(parity_word(result), report.ERROR if result.material else "bold")]]
    return lines


def _counts(parity: Any) -> str:
    def n(count: int, word: str) -> str:
        return f"{count} {word}{'s' if count != 1 else ''}"

    return (f"{n(parity.matched, 'field')} match, {n(len(parity.differs), 'object')} "
            f"differ{'s' if len(parity.differs) == 1 else ''}, {len(parity.missing)} not "
            f"expressed, {len(parity.added)} added by the flavor")


def _short(added: str) -> str:
    """`Deployment api: spec.template.spec.securityContext` as `securityContext`."""
    _, _, path = added.partition(": ")
    for prefix in ("spec.jobTemplate.spec.template.spec.", "spec.template.spec."):
        if path.startswith(prefix):
            return path[len(prefix):]
    return added


def _leftover_lines(items: list[Leftover], head: str) -> list[Line]:
    from pligos_tui import cli_report as report

    if not items:
        return []
    out: list[Line] = [[(head, report.WARNING)]]
    pad = "    " if head.startswith("  ") else "  "
    for item in items:
        where = f" ({item.where})" if item.where else ""
        context = f" [{item.context}]" if item.context else ""
        out.append([(f"{pad}{item.what}", "bold"), (f"{where}{context}: {item.why}", "")])
        if item.kept:
            out.append([(f"{pad}  → {item.kept}", report.HINT)])
    return out


def add_commands(sub: argparse._SubParsersAction[Any],
                 command: Callable[..., argparse.ArgumentParser]) -> None:
    """Add `import` and its sources to the parser (with `cli`'s helper)."""
    p = command(sub, "import", _import_usage,
                "write pligos.yaml from a helm chart, manifests, a compose file or a Score "
                "spec, and compare the charts it gives with the original",
                "pligos import helm charts/web --context dev=values-dev.yaml "
                "--context prod=values-prod.yaml --out services/web")
    kinds = p.add_subparsers(dest="source", metavar="SOURCE")

    h = _source(kinds, p, "helm", cmd_import_helm, "a chart, rendered once per context",
                "pligos import helm charts/web --context prod=values-prod.yaml")
    h.add_argument("chart", metavar="CHART",
                   help="a chart folder, a packaged chart (.tgz), oci://HOST/PATH/NAME or "
                   "REPO/NAME")
    h.add_argument("--context", action="append", metavar="NAME=VALUES.yaml[,MORE.yaml]",
                   help="a context and its values files (repeatable; default: one context "
                   "'default' of the chart's own values)")
    h.add_argument("--set", action="append", metavar="K=V",
                   help="a value for every context, as helm --set takes it (repeatable)")
    h.add_argument("--release", metavar="NAME",
                   help="the release name to render as (default: the chart's name)")
    h.add_argument("--namespace", metavar="NS",
                   help="the namespace of every context (default: the context's name)")
    h.add_argument("--version", dest="chart_version", metavar="V",
                   help="the chart version, for a chart from a repository")
    h.add_argument("--plain-http", action="store_true",
                   help="the OCI registry of CHART speaks plain HTTP")

    m = _source(kinds, p, "manifests", cmd_import_manifests,
                "plain manifests (a rendered stream, kubectl get -o yaml output)",
                "pligos import manifests live/ --context prod")
    m.add_argument("paths", nargs="*", metavar="FILE|DIR", help="manifest files or folders")
    m.add_argument("--context", action="append", metavar="NAME|NAME=FILE|DIR",
                   help="the context's name for the paths (default: default), or a context "
                   "and its own manifests (repeatable)")

    c = _source(kinds, p, "compose", cmd_import_compose,
                "a compose file: one service per compose service",
                "pligos import compose docker-compose.yaml --out services/")
    c.add_argument("file", metavar="FILE", help="the compose file")
    c.add_argument("--context", metavar="NAME", help="the context's name (default: dev)")

    s = _source(kinds, p, "score", cmd_import_score, "Score workload specs",
                "pligos import score score.yaml --context prod=score.prod.yaml")
    s.add_argument("files", nargs="+", metavar="FILE", help="Score files, one workload each")
    s.add_argument("--context", action="append", metavar="NAME=OVERRIDES.yaml[,MORE.yaml]",
                   help="a context and its overrides files (repeatable; default: one "
                   "context 'dev')")
    s.add_argument("--friends-library", action="append", metavar="DIR",
                   help="a folder of friend definitions to match Score resources against "
                   "(repeatable)")


def _source(kinds: argparse._SubParsersAction[Any], parent: argparse.ArgumentParser,
            name: str, func: Callable[[argparse.Namespace], int], help: str,
            example: str) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = kinds.add_parser(name, help=help, description=help,
                                                  formatter_class=parent.formatter_class,
                                                  epilog=f"example:\n  {example}")
    p.set_defaults(func=func)
    p.add_argument("--out", metavar="DIR", help="where pligos.yaml goes (default: .); several "
                   "services go to DIR/<service>/")
    p.add_argument("--name", metavar="NAME",
                   help="the service's name (one workload; default: from the original)")
    p.add_argument("--force", action="store_true",
                   help="overwrite a pligos.yaml (and files) that are there already")
    p.add_argument("--json", action="store_true",
                   help="print the parity report as JSON (format pligos.import/1)")
    return p


def _import_usage(args: argparse.Namespace) -> int:
    from pligos_tui.errors import UsageError

    raise UsageError("pligos import needs a source: helm, manifests, compose or score",
                     hint="e.g. pligos import helm charts/web --out services/web")
