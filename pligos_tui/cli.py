"""The `pligos` command line: parse arguments, call the core, print, map errors to exits.

Exit status: 0 on success, 1 when a check finds a problem, 2 on bad input or usage. Every
error a user can cause is a PligosError and is printed without a traceback; anything else is
reported as an internal error, also without a traceback unless PLIGOS_DEBUG is set.
Heavy modules (the core, Rich, Textual) are imported inside the commands that need them, so
`pligos --version` and `--help` start instantly.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TextIO

from pligos_tui import __version__

EXIT_OK, EXIT_FOUND, EXIT_USAGE = 0, 1, 2


# --------------------------------------------------------------------------- output

def _color(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def _paint(text: str, code: str, stream: TextIO) -> str:
    return f"\033[{code}m{text}\033[0m" if _color(stream) else text


def _print_error(err: Any) -> None:
    for line in err.format().splitlines():
        if ": error: " in line:
            loc, rest = line.split(": error: ", 1)
            line = f"{_paint(loc, '1', sys.stderr)}: {_paint('error:', '1;31', sys.stderr)} {rest}"
        elif line.startswith("error: "):
            line = _paint("error:", "1;31", sys.stderr) + line[len("error:"):]
        elif line.lstrip().startswith("hint: "):
            line = _paint(line, "36", sys.stderr)
        print(line, file=sys.stderr)


def _json(data: Any) -> None:
    print(json.dumps(data, indent=2))


def _paths(values: list[str] | None) -> list[Path]:
    return [Path(v) for v in values] if values else [Path(".")]


# --------------------------------------------------------------------------- commands

def cmd_generate(args: argparse.Namespace) -> int:
    from pligos_tui.build.records import quick_unchanged
    from pligos_tui.errors import display_path

    if getattr(args, "in_place", False):
        return _generate_in_place(args)
    started = time.perf_counter()
    out = Path(args.out) if args.out else None
    # nothing changed since the last run: say so without loading anything
    quick = None if args.follow_symlinks else quick_unchanged(
        _paths(args.paths), out, args.context or None)
    if quick is not None:
        report: Any = SimpleNamespace(written=[], unchanged=quick, umbrellas=[], warnings=[],
                                      services=len({r.root for r in quick}))
    else:
        report = _generate(args, out)
    elapsed = time.perf_counter() - started
    charts = report.written + report.unchanged
    for warning in report.warnings:
        print(f"{_paint('warning:', '1;33', sys.stderr)} {warning}", file=sys.stderr)
    if args.json:
        _json({"written": [display_path(p.dest) for p in report.written],
               "unchanged": [display_path(p.dest) for p in report.unchanged],
               "shared": [display_path(u.dest) for u, _ in report.umbrellas],
               "services": report.services, "seconds": round(elapsed, 3)})
        return EXIT_OK
    for dest in getattr(report, "removed", []):
        print(f"  removed   {display_path(dest)}  (its context is gone)")
    for u, status in report.umbrellas:
        state = "wrote    " if status == "written" else "unchanged"
        print(f"  {state} {display_path(u.dest)}  (shared: {', '.join(u.friends)})")
    if len(charts) <= 20 or args.verbose:
        for r in sorted(charts, key=lambda r: str(r.dest)):
            state = "wrote    " if r in report.written else "unchanged"
            print(f"  {state} {display_path(r.dest)}  ({r.flavor})")
    print(f"{len(charts)} chart{'s' if len(charts) != 1 else ''} of {report.services} "
          f"service{'s' if report.services != 1 else ''}: {len(report.written)} written, "
          f"{len(report.unchanged)} unchanged ({elapsed:.2f} s)")
    return EXIT_OK


def _generate(args: argparse.Namespace, out: Path | None) -> Any:
    from pligos_tui.jobs.generate import generate
    from pligos_tui.spec.discover import find_services

    progress = None
    bar = None
    if sys.stderr.isatty() and not args.json and len(find_services(_paths(args.paths))) > 1:
        from rich.progress import Progress

        bar = Progress(transient=True)
        task = bar.add_task("generating", total=None)
        bar.start()

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)
    try:
        return generate(_paths(args.paths), contexts=args.context or None, out=out,
                        progress=progress, follow_symlinks=args.follow_symlinks)
    finally:
        if bar is not None:
            bar.stop()


def _generate_in_place(args: argparse.Namespace) -> int:
    from pligos_tui.errors import UsageError, display_path
    from pligos_tui.spec.discover import find_services, split_v1
    from pligos_tui.v1.build import build, switch_context
    from pligos_tui.v1.load import load_service

    if args.out:
        raise UsageError("--in-place and --out cannot be used together",
                         hint="--in-place writes into the service folder itself")
    if not args.context or len(args.context) != 1:
        raise UsageError("--in-place needs exactly one --context NAME",
                         hint="e.g. pligos generate --in-place --context dev services/hello")
    roots, v1_roots = split_v1(find_services(_paths(args.paths)))
    if roots:
        raise UsageError(f"{display_path(roots[0] / 'pligos.yaml')} is in format 1; --in-place "
                         "switches service folders of the original Pligos only",
                         hint="leave out --in-place: format 1 writes charts/<context>/<name>/")
    name = args.context[0]
    services = [load_service(root) for root in v1_roots]
    having = [svc for svc in services if svc.context(name) is not None] or services[:1]
    for svc in having:  # every service compiles before any is switched
        build(svc, name)
    reports = [switch_context(svc.root, name) for svc in having]
    if args.json:
        _json([r.__dict__ for r in reports])
        return EXIT_OK
    for r in reports:
        if args.verbose:
            for rel in r.written:
                print(f"  wrote     {rel}")
            for rel in r.removed:
                print(f"  removed   {rel}")
        print(f"{r.service} switched to context {r.context}: {len(r.written)} written, "
              f"{len(r.unchanged)} unchanged, {len(r.removed)} removed")
    return EXIT_OK


def cmd_migrate(args: argparse.Namespace) -> int:
    from pligos_tui.errors import display_path
    from pligos_tui.v1.migrate import migrate

    result = migrate(Path(args.path), out=Path(args.out) if args.out else None,
                     keep_flavor=args.keep_flavor)
    print(f"wrote {display_path(result.pligos_yaml)} (format 1)")
    for name, path in result.flavors.items():
        print(f"wrote flavor {name} to {display_path(path)}")
    for line in result.done:
        print(f"  {line}")
    for line in result.notes:
        print(f"{_paint('not converted:', '1;33', sys.stdout)} {line}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from pligos_tui.jobs.check import check

    out = Path(args.out) if args.out else None
    skipped: list[str] = []
    findings = check(_paths(args.paths), lint=not args.no_lint, out=out, skipped=skipped)
    if args.json:
        _json([f.__dict__ for f in findings])
    else:
        for where in skipped:
            print(f"{where}: not linted: its subcharts are not fetched "
                  "(run `helm dependency build` in it)")
        for f in findings:
            print(f"{f.file}: {_paint(f.kind, '1;33', sys.stdout)}: {f.message}")
        if findings:
            fix = ("run `pligos generate` to bring charts up to date"
                   if any(f.kind != "codegen" for f in findings)
                   else "run the `pligos codegen` commands above")
            print(f"{len(findings)} problem{'s' if len(findings) != 1 else ''} found; {fix}")
        else:
            print("all charts are valid and up to date"
                  + ("" if args.no_lint else ", and lint"))
    return EXIT_FOUND if findings else EXIT_OK


def _one_service(path: str | None) -> Any:
    from pligos_tui.errors import UsageError
    from pligos_tui.spec.discover import find_services
    from pligos_tui.spec.load import load_service

    roots = find_services([Path(path or ".")])
    if len(roots) != 1:
        raise UsageError(f"{path or '.'} holds {len(roots)} services; this command works on one",
                         hint="give the folder of one service")
    from pligos_tui.spec.discover import is_v1_service

    if is_v1_service(roots[0]):
        raise UsageError(f"{roots[0] / 'pligos.yaml'} is a service of the original Pligos; "
                         "this command works on format 1",
                         hint="write its charts with `pligos generate --out DIR` (or "
                         "`--in-place --context NAME`), or convert it with `pligos migrate`")
    return load_service(roots[0])


def cmd_preview(args: argparse.Namespace) -> int:
    from pligos_tui.jobs.render import preview

    svc = _one_service(args.path)
    context = args.context or svc.current_context or (svc.contexts[0].name if svc.contexts
                                                      else "")
    mode = "values" if args.values else "files" if args.files else "manifests"
    sys.stdout.write(preview(svc, context, flavor=args.flavor, mode=mode))
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    from pligos_tui.jobs.render import diff_contexts

    svc = _one_service(args.path)
    text = diff_contexts(svc, args.a, args.b)
    if not text:
        print(f"contexts {args.a} and {args.b} render the same manifests")
        return EXIT_OK
    for line in text.splitlines():
        code = "32" if line.startswith("+") else "31" if line.startswith("-") else (
            "36" if line.startswith("@@") else "")
        print(_paint(line, code, sys.stdout) if code else line)
    return EXIT_FOUND if args.exit_code else EXIT_OK


def cmd_contexts(args: argparse.Namespace) -> int:
    from pligos_tui.spec.resolve import resolve_context

    svc = _one_service(args.path)
    rows = []
    for ctx in svc.contexts:
        r = resolve_context(svc, ctx.name)
        rows.append({"name": ctx.name, "current": ctx.name == svc.current_context,
                     "flavor": r.flavor, "extends": ctx.extends,
                     "image": r.image.name if r.image else "",
                     "replicas": r.replicas if r.replicas is not None else 1})
    if args.json:
        _json(rows)
        return EXIT_OK
    width = max((len(r["name"]) for r in rows), default=4)
    for r in rows:
        mark = "*" if r["current"] else " "
        extra = f"  extends {r['extends']}" if r["extends"] else ""
        print(f"{mark} {r['name']:<{width}}  {r['flavor']:<10}  image {r['image'] or '-'}{extra}")
    return EXIT_OK


def cmd_use_context(args: argparse.Namespace) -> int:
    from pligos_tui.jobs.edits import set_current_context
    from pligos_tui.jobs.render import require_context

    svc = _one_service(args.path)
    require_context(svc, args.name)
    set_current_context(svc.root / "pligos.yaml", args.name)
    print(f"current context of {svc.name} is now {args.name}")
    return EXIT_OK


def cmd_edit(args: argparse.Namespace) -> int:
    from pligos_tui.errors import UsageError
    from pligos_tui.tui.edit.state import Buffer

    buffer = Buffer.open(Path(args.path or "."))  # a bad path is reported before any screen
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError("pligos edit is a full-screen editor and needs a terminal",
                         hint="run it in a terminal; to script changes use "
                         "`pligos use-context` or edit pligos.yaml directly")
    prefetch = buffer.prefetch_preview()  # renders while Textual starts
    from pligos_tui.tui.edit.app import EditApp

    EditApp(buffer, generate=args.generate, prefetch=prefetch).run()
    return EXIT_OK


def cmd_flavors(args: argparse.Namespace) -> int:
    from pligos_tui.spec.flavors import FlavorSet

    search: list[Path] = []
    if args.path:
        svc = _one_service(args.path)
        search = [svc.root / p for p in svc.flavor_paths]
    search += [Path(p) for p in args.flavor_path or []]
    flavors = FlavorSet().all(search)
    if args.json:
        _json([{"name": f.name, "description": f.description, "accepts": list(f.accepts),
                "requires": list(f.requires), "builtin": f.builtin, "path": str(f.path)}
               for f in flavors])
        return EXIT_OK
    width = max(len(f.name) for f in flavors)
    for f in flavors:
        origin = "built-in" if f.builtin else str(f.path.parent)
        print(f"{f.name:<{width}}  {f.description}  [{origin}]")
        print(f"{'':<{width}}  requires: {', '.join(f.requires) or '-'}; "
              f"accepts: {', '.join(f.accepts)}")
    return EXIT_OK


def cmd_friends(args: argparse.Namespace) -> int:
    from pligos_tui.jobs.reports import friends_report

    svc = _one_service(args.path)
    rows = friends_report(svc)
    if args.json:
        _json(rows)
        return EXIT_OK
    if not rows:
        print(f"{svc.name} defines no friends (add friendsLibrary: or friends:)")
    for r in rows:
        used = ", ".join(r["contexts"]) or "no context"
        print(f"{r['name']}  {r['type']}  {r['chart']}  [{r['defined']}]")
        injects = r["config"] + [f"{name} (secret)" for name in r["credentials"]]
        print(f"    injects {', '.join(injects) or 'nothing'}; used by {used}")
    return EXIT_OK


def cmd_codegen(args: argparse.Namespace) -> int:
    from pligos_tui import codegen
    from pligos_tui.errors import display_path

    svc = _one_service(args.path)
    output = codegen.render(svc, args.lang, context=args.context,
                            out=Path(args.out) if args.out else None)
    status = codegen.write(output, svc)
    scope = f"context {args.context}" if args.context else "all contexts"
    print(f"{'wrote' if status == 'written' else 'unchanged'} {display_path(output.path)}  "
          f"({args.lang}, {scope})")
    return EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    from pligos_tui.errors import UsageError, display_path
    from pligos_tui.jobs import scaffold

    dest = Path(args.dir or ".")
    template = scaffold.load_template(args.template)
    try:
        pairs = scaffold.load_answers_file(Path(args.answers)) if args.answers else []
        pairs += scaffold.parse_set(args.set or [])
        keys = tuple(template.own_prompts)
        base = scaffold.Answers(extra={k: str(v[0] if isinstance(v, list) else v)
                                       for k, v in template.own_prompts.items()})
        if args.flavor_path:
            base.flavor_paths = [os.path.relpath(os.path.abspath(p), os.path.abspath(dest))
                                 for p in args.flavor_path]
        answers = scaffold.answers_from(pairs, base=base, template_keys=keys)
        if not args.no_input and scaffold.refuse_reason(dest, args.force):
            raise UsageError(scaffold.refuse_reason(dest, args.force) or "",
                             hint="choose a new folder, or add --force")
        if args.no_input:
            missing = scaffold.missing_required(answers, given={k for k, _ in pairs})
            if missing:
                raise UsageError(f"missing required answers: {', '.join(missing)}",
                                 hint="give them with --set KEY=VALUE (e.g. --set name=billing "
                                 "--set flavor=webservice) or in --answers FILE")
        elif not sys.stdin.isatty():
            raise UsageError("pligos new asks its questions in a terminal, and stdin is not one",
                             hint="give the answers instead: --no-input --set name=NAME "
                             "--set flavor=webservice (or --answers FILE)")
        elif args.plain or not _can_run_tui():
            from pligos_tui.tui.new.plain import ask

            answers = ask(answers, dest, template)
            if answers is None:
                print("cancelled: nothing was written")
                return EXIT_USAGE
        else:
            from pligos_tui.tui.new.app import run_wizard

            answers = run_wizard(answers, dest, template, force=args.force)
            if answers is None:
                print("cancelled: nothing was written")
                return EXIT_USAGE
        report = scaffold.write_service(answers, dest, template=template, force=args.force)
    finally:
        template.close()
    print(f"wrote {display_path(report.dest)}: {len(report.files)} files, "
          f"{len(report.charts)} charts")
    for chart in report.charts:
        print(f"  {display_path(report.dest / chart)}")
    print(f"next: cd {display_path(report.dest)} && pligos preview --context "
          f"{answers.contexts[0].name}")
    return EXIT_OK


def _can_run_tui() -> bool:
    return (sys.stdin.isatty() and sys.stdout.isatty()
            and os.environ.get("TERM", "") not in ("", "dumb"))


# --------------------------------------------------------------------------- parser

class _Formatter(argparse.RawDescriptionHelpFormatter):
    pass


def _command(sub: Any, name: str, func: Any, help: str, example: str) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help, description=help, formatter_class=_Formatter,
                            epilog=f"example:\n  {example}")
    parser.set_defaults(func=func)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pligos", formatter_class=_Formatter,
        description="Describe each service once in pligos.yaml; generate one Helm chart per "
                    "context from shared flavors.",
        epilog="example:\n  pligos generate examples/tokend && pligos check examples/tokend\n\n"
               "Exit status: 0 success, 1 a check found a problem, 2 bad input or usage.")
    parser.add_argument("--version", action="version", version=f"pligos {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = _command(sub, "generate", cmd_generate, "write the chart of each context",
                 "pligos generate services/ --context prod --out build/charts")
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="a service folder, or a tree holding services (default: .)")
    p.add_argument("--context", action="append", metavar="NAME",
                   help="only this context (repeatable)")
    p.add_argument("--out", metavar="DIR", help="write DIR/<context>/<name>/ instead of "
                   "<service>/charts/<context>/<name>/")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("-v", "--verbose", action="store_true", help="list every chart")
    p.add_argument("--follow-symlinks", action="store_true",
                   help="allow files of the service that are links to places outside it")
    p.add_argument("--in-place", action="store_true",
                   help="switch a service folder of the original Pligos itself to --context "
                   "NAME (its templates/, values.yaml and generated subcharts)")

    p = _command(sub, "migrate", cmd_migrate,
                 "convert a service of the original Pligos to format 1",
                 "pligos migrate services/hello-world")
    p.add_argument("path", metavar="PATH", help="the service folder (it holds Chart.yaml and "
                   "a pligos.yaml with pligos: {version: '1'})")
    p.add_argument("--out", metavar="DIR", help="write the format-1 service to DIR instead of "
                   "converting the folder in place (the old file is kept as pligos.v1.yaml)")
    p.add_argument("--keep-flavor", action="store_true",
                   help="keep the flavor as a format-1 flavor even where its values map onto "
                   "built-in properties (the manifests then stay exactly the same)")

    p = _command(sub, "check", cmd_check,
                 "check that configs are valid, charts are up to date and lint",
                 "pligos check services/")
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("--out", metavar="DIR", help="the --out folder the charts were written to")
    p.add_argument("--no-lint", action="store_true", help="skip `helm lint --strict`")
    p.add_argument("--json", action="store_true", help="print the findings as JSON")

    p = _command(sub, "preview", cmd_preview, "print the manifests a context renders",
                 "pligos preview examples/tokend --context prod")
    p.add_argument("path", nargs="?", metavar="PATH", help="a service folder (default: .)")
    p.add_argument("--context", metavar="NAME", help="default: current-context")
    p.add_argument("--flavor", metavar="NAME", help="render with another flavor")
    p.add_argument("--values", action="store_true",
                   help="print the chart's values.yaml instead (no helm needed)")
    p.add_argument("--files", action="store_true",
                   help="list the chart's files instead (no helm needed)")

    p = _command(sub, "diff", cmd_diff, "show how two contexts' rendered manifests differ",
                 "pligos diff examples/tokend dev prod")
    p.add_argument("path", metavar="PATH")
    p.add_argument("a", metavar="CONTEXT_A")
    p.add_argument("b", metavar="CONTEXT_B")
    p.add_argument("--exit-code", action="store_true", help="exit 1 when they differ")

    p = _command(sub, "contexts", cmd_contexts, "list a service's contexts",
                 "pligos contexts examples/tokend")
    p.add_argument("path", nargs="?", metavar="PATH")
    p.add_argument("--json", action="store_true")

    p = _command(sub, "use-context", cmd_use_context,
                 "set current-context in pligos.yaml (comments and order are kept)",
                 "pligos use-context prod examples/tokend")
    p.add_argument("name", metavar="NAME")
    p.add_argument("path", nargs="?", metavar="PATH")

    p = _command(sub, "friends", cmd_friends,
                 "list the friends a service can use and the contexts that use each",
                 "pligos friends examples/shop/checkout")
    p.add_argument("path", nargs="?", metavar="PATH")
    p.add_argument("--json", action="store_true")

    p = _command(sub, "codegen", cmd_codegen,
                 "write a typed config module that reads what the chart gives the container",
                 "pligos codegen examples/tokend --lang python --context prod --out src")
    p.add_argument("path", nargs="?", metavar="PATH", help="a service folder (default: .)")
    p.add_argument("--lang", required=True, choices=["python", "go"])
    p.add_argument("--context", metavar="NAME",
                   help="one context (default: all; what some lack is optional)")
    p.add_argument("--out", metavar="DIR", help="the folder to write to (default: the service "
                   "folder for python, <service>/internal/pligosconfig for go)")

    p = _command(sub, "new", cmd_new,
                 "create a service: a wizard, plain prompts (--plain) or flags (--no-input)",
                 "pligos new services/billing --no-input --set name=billing "
                 "--set flavor=webservice")
    p.add_argument("dir", nargs="?", metavar="DIR", help="the folder to create (default: .)")
    p.add_argument("--no-input", action="store_true",
                   help="ask nothing: answers come from --set and --answers")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="an answer, e.g. name=billing, image.tag=1.2.0, "
                   "contexts=dev,staging,prod, contexts.prod.replicas=3 (repeatable)")
    p.add_argument("--answers", metavar="FILE", help="a YAML file of answers (--set wins)")
    p.add_argument("--plain", action="store_true",
                   help="ask in the plain terminal instead of the full-screen wizard")
    p.add_argument("--template", metavar="DIR_OR_GIT",
                   help="a cookiecutter template to use instead of the built-in one")
    p.add_argument("--flavor-path", action="append", metavar="DIR",
                   help="another folder of flavors (repeatable; recorded as flavorPaths)")
    p.add_argument("--force", action="store_true",
                   help="write into a non-empty DIR (files the scaffold does not write are kept)")

    p = _command(sub, "edit", cmd_edit,
                 "edit pligos.yaml in a full-screen editor with each context's chart previewed",
                 "pligos edit examples/tokend --generate")
    p.add_argument("path", nargs="?", metavar="PATH",
                   help="a service folder or its pligos.yaml (default: .)")
    p.add_argument("--generate", action="store_true",
                   help="regenerate the charts after each save")

    p = _command(sub, "flavors", cmd_flavors, "list the flavors a service can use",
                 "pligos flavors examples/tokend")
    p.add_argument("path", nargs="?", metavar="PATH",
                   help="a service folder, to include its flavorPaths")
    p.add_argument("--flavor-path", action="append", metavar="DIR",
                   help="another folder of flavors (repeatable)")
    p.add_argument("--json", action="store_true")
    return parser


def _original_plugin_form(argv: list[str], parser: argparse.ArgumentParser) -> list[str]:
    """`helm pligos CONTEXT [-c PATH]`, the original plugin's command line, as
    `pligos generate --in-place --context CONTEXT PATH` (only under `helm pligos`)."""
    commands: set[str] = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            commands.update(action.choices)
    if not argv or argv[0].startswith("-") or argv[0] in commands:
        return argv
    legacy = argparse.ArgumentParser(prog="helm pligos", add_help=False)
    legacy.add_argument("context")
    legacy.add_argument("-c", "--config", default=".")
    known, rest = legacy.parse_known_args(argv)
    if rest:
        return argv  # not the original's form: let the parser explain
    return ["generate", "--in-place", "--context", known.context, known.config]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    if os.environ.get("PLIGOS_HELM_PLUGIN"):
        argv = _original_plugin_form(sys.argv[1:] if argv is None else argv, parser)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    from pligos_tui.errors import PligosError

    try:
        return int(args.func(args))
    except PligosError as err:
        _print_error(err)
        return err.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        if os.environ.get("PLIGOS_DEBUG"):
            raise
        print(f"internal error: {type(exc).__name__}: {exc}\n  hint: this is a bug in "
              "Pligos; rerun with PLIGOS_DEBUG=1 for details and report it", file=sys.stderr)
        return 70
