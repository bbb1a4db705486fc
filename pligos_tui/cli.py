"""The `pligos` command line: parse arguments, call a job, report, map errors to exits.

Exit status: 0 on success, 1 when a check finds a problem, 2 on bad input or usage. Every
error a user can cause is a PligosError and is printed without a traceback; anything else is
reported as an internal error, also without a traceback unless PLIGOS_DEBUG is set. With
`--json` every outcome is a JSON document on stdout, a command line that does not parse
included. What is printed, and how, is `cli_report`'s (docs/cli.md).

The commands import what they need when they run (the jobs, the TUI, `cli_report` and the
errors), so `pligos --version` and `--help` start instantly and a `generate` with nothing to do
loads no YAML. Shell completion (argcomplete) answers right after the parser is built, before
any of them; only the completion of context and flavor names reads a pligos.yaml.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from pligos_tui import __version__, cli_deploy, cli_explain, cli_flavors, cli_fleet, cli_import
from pligos_tui.cli_run import EXIT_OK, EXIT_USAGE, report_safely, run, terminate_cleanly

if TYPE_CHECKING:
    from pligos_tui.jobs.generate import GenerateReport
    from pligos_tui.jobs.scaffold import Answers, Given, Template

EXIT_FOUND = 1

Command = Callable[[argparse.Namespace], int]
SHELLS = ("bash", "zsh", "fish")


def _paths(values: list[str] | None) -> list[Path]:
    return [Path(v) for v in values] if values else [Path(".")]


def _out(args: argparse.Namespace) -> Path | None:
    return Path(args.out) if args.out else None


# --------------------------------------------------------------------------- commands

def cmd_generate(args: argparse.Namespace) -> int:
    from pligos_tui import cli_report as report
    from pligos_tui.charts.records import quick_unchanged

    if args.in_place:
        return _generate_in_place(args)
    started = time.perf_counter()
    # nothing changed since the last run: say so without loading anything
    quick = None if args.follow_symlinks or args.deps else quick_unchanged(
        _paths(args.paths), _out(args), args.context or None)
    if quick is not None:
        report.generated(unchanged=quick, services=len({r.root for r in quick}),
                         seconds=time.perf_counter() - started, verbose=args.verbose,
                         as_json=args.json)
        return EXIT_OK
    result = _generate(args)
    if not args.json:  # with --json they are part of the document
        report.warnings(result.warnings)
    report.generated(written=result.written, unchanged=result.unchanged,
                     umbrellas=result.umbrellas, removed=result.removed,
                     fetched=result.fetched, warnings=result.warnings, services=result.services,
                     seconds=time.perf_counter() - started, verbose=args.verbose,
                     as_json=args.json)
    return EXIT_OK


def _generate(args: argparse.Namespace) -> GenerateReport:
    from pligos_tui import cli_report as report
    from pligos_tui.jobs.generate import generate
    from pligos_tui.spec.discover import find_services

    paths = _paths(args.paths)
    show = sys.stderr.isatty() and not args.json and len(find_services(paths)) > 1
    with report.progress("generating", show) as progress:
        return generate(paths, contexts=args.context or None, out=_out(args),
                        progress=progress, follow_symlinks=args.follow_symlinks,
                        force=args.force, deps=args.deps)


def _generate_in_place(args: argparse.Namespace) -> int:
    from pligos_tui import cli_report as report
    from pligos_tui.errors import UsageError
    from pligos_tui.v1.build import switch_in_place

    if args.out or args.force:
        raise UsageError(f"--in-place and {'--out' if args.out else '--force'} cannot be used "
                         "together", hint="--in-place writes into the service folder itself")
    if not args.context or len(args.context) != 1:
        raise UsageError("--in-place needs exactly one --context NAME",
                         hint="e.g. pligos generate --in-place --context dev services/hello")
    reports = switch_in_place(_paths(args.paths), args.context[0])
    report.switched(reports, verbose=args.verbose, as_json=args.json)
    return EXIT_OK


def cmd_migrate(args: argparse.Namespace) -> int:
    from pligos_tui import cli_report as report
    from pligos_tui.v1.migrate import migrate

    report.migrated(migrate(Path(args.path), out=_out(args), keep_flavor=args.keep_flavor))
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from pligos_tui import cli_report as report
    from pligos_tui.jobs.check import check

    result = check(_paths(args.paths), lint=not args.no_lint, out=_out(args))
    report.findings(result, verbose=args.verbose, as_json=args.json)
    return EXIT_FOUND if result.findings else EXIT_OK


def cmd_preview(args: argparse.Namespace) -> int:
    from pligos_tui.jobs.render import preview
    from pligos_tui.jobs.reports import default_context, load_one_service
    from pligos_tui.spec.vocabulary import FILES, MANIFESTS, VALUES

    svc = load_one_service(args.path or ".")
    mode = VALUES if args.values else FILES if args.files else MANIFESTS
    sys.stdout.write(preview(svc, args.context or default_context(svc), flavor=args.flavor,
                             mode=mode))
    return EXIT_OK


def cmd_contexts(args: argparse.Namespace) -> int:
    from pligos_tui import cli_report as report
    from pligos_tui.jobs.reports import contexts_report, load_one_service

    report.contexts(contexts_report(load_one_service(args.path or ".")), as_json=args.json)
    return EXIT_OK


def cmd_use_context(args: argparse.Namespace) -> int:
    from pligos_tui import cli_report as report
    from pligos_tui.jobs.edits import use_context
    from pligos_tui.jobs.reports import load_one_service

    svc = load_one_service(args.path or ".")
    use_context(svc, args.name)
    report.say(f"current context of {svc.name} is now {args.name}")
    return EXIT_OK


def cmd_edit(args: argparse.Namespace) -> int:
    from pligos_tui.errors import UsageError
    from pligos_tui.jobs.editing import Buffer
    from pligos_tui.tui.startup import starting

    with starting():
        buffer = Buffer.open(Path(args.path or "."))  # a bad path: reported before any screen
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise UsageError("pligos edit is a full-screen editor and needs a terminal",
                             hint="run it in a terminal; to script changes use "
                             "`pligos use-context` or edit pligos.yaml directly")
        prefetch = buffer.prefetch_preview()  # renders while Textual starts
        from pligos_tui.tui.edit.app import EditApp

        EditApp(buffer, generate=args.generate, prefetch=prefetch).run()
    return EXIT_OK


def cmd_flavors(args: argparse.Namespace) -> int:
    if args.outdated is not None:
        return cli_flavors.cmd_outdated(args)
    from pligos_tui import cli_report as report
    from pligos_tui.jobs.reports import flavors_report, load_one_service, service_here

    svc = load_one_service(args.path) if args.path else service_here()
    rows = flavors_report(svc, [Path(p) for p in args.flavor_path or []])
    report.flavors(rows, as_json=args.json)
    return EXIT_OK


def cmd_friends(args: argparse.Namespace) -> int:
    from pligos_tui import cli_report as report
    from pligos_tui.jobs.reports import friends_report, load_one_service

    svc = load_one_service(args.path or ".")
    report.friends(svc.name, friends_report(svc), as_json=args.json)
    return EXIT_OK


def cmd_codegen(args: argparse.Namespace) -> int:
    from pligos_tui import cli_report as report
    from pligos_tui import codegen
    from pligos_tui.jobs.reports import load_one_service

    svc = load_one_service(args.path or ".")
    output = codegen.render(svc, args.lang, context=args.context, out=_out(args))
    status = codegen.write(output, svc)
    report.codegen(output.path, status, lang=args.lang, context=args.context)
    return EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    from pligos_tui import cli_report as report
    from pligos_tui.errors import UsageError
    from pligos_tui.jobs import scaffold

    dest = Path(args.dir or ".")
    wizard = not args.no_input and not args.plain and _can_run_tui()
    asked: Answers | None = None
    if wizard:
        # the wizard paints its first step, then reads the template and the given answers
        _refuse_folder(dest, args.force)
        from pligos_tui.tui.startup import starting

        with starting():
            from pligos_tui.tui.new.app import run_wizard

            asked, start = run_wizard(dest, lambda: _given_answers(args, dest),
                                      force=args.force)
        if start is None:  # closed before it had read them
            report.say("cancelled: nothing was written")
            return EXIT_USAGE
        template, given = start.template, start.given
    else:
        template, given = _given_answers(args, dest)
    try:
        answers = given.answers
        if args.no_input:
            given.require_all()
        elif not wizard:
            _refuse_folder(dest, args.force)
            if not sys.stdin.isatty():
                raise UsageError(
                    "pligos new asks its questions in a terminal, and stdin is not one",
                    hint="give the answers instead: --no-input --set name=NAME "
                    "--set flavor=webservice (or --answers FILE)")
            from pligos_tui.tui.new.plain import ask

            asked = ask(answers, dest, template)
        if not args.no_input:
            if asked is None:
                report.say("cancelled: nothing was written")
                return EXIT_USAGE
            answers = asked
            # a given answer the choices made since leave unused is said, not dropped silently
            report.warnings([f"the given answer {key} was not used: {reason}" for key, reason
                             in replace(given, answers=answers).unused().items()])
        written = scaffold.write_service(answers, dest, template=template, force=args.force)
    finally:
        template.close()
    report.scaffolded(written.dest, files=len(written.files), charts=written.charts,
                      context=answers.contexts[0].name)
    return EXIT_OK


def _given_answers(args: argparse.Namespace, dest: Path) -> tuple[Template, Given]:
    """`pligos new`'s template, and the answers its command line gives."""
    from pligos_tui.jobs import scaffold

    template = scaffold.load_template(args.template)
    try:
        return template, scaffold.given_answers(
            template, dest, answers_file=Path(args.answers) if args.answers else None,
            sets=args.set, flavor_paths=args.flavor_path)
    except BaseException:
        template.close()
        raise


def _refuse_folder(dest: Path, force: bool) -> None:
    from pligos_tui.errors import UsageError
    from pligos_tui.jobs import scaffold

    refused = scaffold.refuse_reason(dest, force)
    if refused:
        raise UsageError(refused, hint="choose a new folder, or add --force")


def cmd_completion(args: argparse.Namespace) -> int:
    from argcomplete.shell_integration import shellcode

    sys.stdout.write(shellcode(["pligos"], shell=args.shell))
    return EXIT_OK


def _can_run_tui() -> bool:
    return (sys.stdin.isatty() and sys.stdout.isatty()
            and os.environ.get("TERM", "") not in ("", "dumb"))


# --------------------------------------------------------------------------- parser

class _Formatter(argparse.RawDescriptionHelpFormatter):
    pass


class _Rejected(Exception):
    """A command line that does not parse: argparse's message, and the parser that said it."""

    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(message)
        self.parser, self.message = parser, message


class _Parser(argparse.ArgumentParser):
    """argparse, except that a bad command line is raised, to be reported as JSON too."""

    def error(self, message: str) -> NoReturn:
        raise _Rejected(self, message)


# shell completion: argcomplete calls these with what is parsed of the line so far

def _line_paths(args: argparse.Namespace) -> list[str]:
    """The service paths given on the line so far (none: the working folder)."""
    paths = list(getattr(args, "paths", None) or [])
    path = getattr(args, "path", None)
    return [*paths, path] if path else paths


def _complete_contexts(prefix: str, parsed_args: argparse.Namespace, **_: Any) -> list[str]:
    from pligos_tui.jobs.reports import context_names

    paths = _line_paths(parsed_args)
    first = getattr(parsed_args, "a", None)  # `pligos diff PATH ...`, parsed as CONTEXT_A
    if parsed_args.command == "diff" and not paths and first and Path(first).is_dir():
        paths = [first]
    return [n for n in context_names(paths) if n.startswith(prefix)]


def _complete_flavors(prefix: str, parsed_args: argparse.Namespace, **_: Any) -> list[str]:
    from pligos_tui.jobs.reports import flavor_names

    names = flavor_names(_line_paths(parsed_args), getattr(parsed_args, "flavor_path", None)
                         or [])
    return [n for n in names if n.startswith(prefix)]


def _diff_path_after_an_option(args: argparse.Namespace, extra: list[str]) -> bool:
    """`pligos diff PATH --exit-code A B`: an option between PATH and the contexts leaves the
    second context over (argparse fills positionals before an option first); put each word in
    its place. Likewise `pligos upgrade-flavor NAME --to V PATH` (a command whose parser sets
    `paths_after_options`): the paths after an option. True when that is what `extra` was."""
    if getattr(args, "paths_after_options", False) and not any(e.startswith("-") for e in extra):
        args.paths = [*args.paths, *extra]
        return True
    if getattr(args, "command", None) != "diff" or args.path is not None or len(extra) != 1 \
            or extra[0].startswith("-"):
        return False
    args.path, args.a, args.b = args.a, args.b, extra[0]
    return True


def _complete_diff_path(prefix: str, parsed_args: argparse.Namespace, **_: Any) -> list[str]:
    """`pligos diff [PATH] A B`: folders, until a context is on the line."""
    if parsed_args.a:
        return []
    from argcomplete.completers import DirectoriesCompleter

    return list(DirectoriesCompleter()(prefix))


def _completes(action: argparse.Action, completer: Callable[..., list[str]]) -> None:
    action.completer = completer  # type: ignore[attr-defined]


def _command(sub: argparse._SubParsersAction[_Parser], name: str,
             func: Command, help: str, example: str) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help, description=help, formatter_class=_Formatter,
                            epilog=f"example:\n  {example}")
    parser.set_defaults(func=func)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
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
    _completes(p.add_argument("--context", action="append", metavar="NAME",
                              help="only this context (repeatable)"), _complete_contexts)
    p.add_argument("--out", metavar="DIR", help="write DIR/<context>/<name>/ instead of "
                   "<service>/charts/<context>/<name>/")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="list every chart, the unchanged ones too")
    p.add_argument("--force", action="store_true", help="overwrite charts edited by hand")
    p.add_argument("--deps", action="store_true", help="then fetch missing or stale subcharts")
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
                 "check that configs are valid, charts are up to date and lint, and secrets "
                 "stay out of git", "pligos check services/")
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="a service folder, or a tree holding services (default: .)")
    p.add_argument("--out", metavar="DIR", help="the --out folder the charts were written to")
    p.add_argument("--no-lint", action="store_true", help="skip `helm lint --strict`")
    p.add_argument("--json", action="store_true", help="print the findings as JSON")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="also list each check that passed")

    p = _command(sub, "preview", cmd_preview, "print the manifests a context renders",
                 "pligos preview examples/tokend --context prod")
    p.add_argument("path", nargs="?", metavar="PATH", help="a service folder (default: .)")
    _completes(p.add_argument("--context", metavar="NAME", help="default: current-context"),
               _complete_contexts)
    _completes(p.add_argument("--flavor", metavar="NAME", help="render with another flavor"),
               _complete_flavors)
    p.add_argument("--values", action="store_true",
                   help="print the chart's values.yaml instead (no helm needed)")
    p.add_argument("--files", action="store_true",
                   help="list the chart's files instead (no helm needed)")

    cli_fleet.add_commands(sub, _command, _completes, _complete_contexts, _complete_diff_path)
    cli_explain.add_commands(sub, _command, _completes, _complete_contexts)

    p = _command(sub, "contexts", cmd_contexts, "list a service's contexts",
                 "pligos contexts examples/tokend")
    p.add_argument("path", nargs="?", metavar="PATH")
    p.add_argument("--json", action="store_true")

    p = _command(sub, "use-context", cmd_use_context,
                 "set current-context in pligos.yaml (comments and order are kept)",
                 "pligos use-context prod examples/tokend")
    _completes(p.add_argument("name", metavar="NAME"), _complete_contexts)
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
    _completes(p.add_argument("--context", metavar="NAME",
                              help="one context (default: all; what some lack is optional)"),
               _complete_contexts)
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
                   help="a service folder, to include its flavorPaths (default: . when it "
                   "holds a pligos.yaml)")
    p.add_argument("--flavor-path", action="append", metavar="DIR",
                   help="another folder of flavors (repeatable)")
    p.add_argument("--outdated", nargs="*", metavar="PATH",
                   help="list instead each context, of the services below PATH (default: .), "
                   "whose flavor is behind the newest version offered")
    p.add_argument("--json", action="store_true")
    cli_flavors.add_commands(sub, _command, _completes, _complete_contexts, _complete_flavors)
    cli_import.add_commands(sub, _command)

    p = _command(sub, "completion", cmd_completion,
                 "print the shell completion script (commands, flags, contexts, flavors)",
                 'pligos completion bash > ~/.local/share/bash-completion/completions/pligos')
    p.add_argument("shell", choices=SHELLS, metavar="SHELL", help=", ".join(SHELLS))
    return cli_deploy.add_commands(parser, sub, _command, _completes, _complete_contexts)


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
    if "_ARGCOMPLETE" in os.environ:  # a shell asks for completions: answer, and exit
        import argcomplete

        argcomplete.autocomplete(parser, always_complete_options=False)
    argv = sys.argv[1:] if argv is None else argv
    if os.environ.get("PLIGOS_HELM_PLUGIN"):
        argv = _original_plugin_form(argv, parser)
    command = next((a for a in argv if not a.startswith("-")), "")
    # `render` prints manifests or nothing on stdout: never a JSON error document
    as_json = "--json" in argv and command != "render"
    terminate_cleanly()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra and not _diff_path_after_an_option(args, extra):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    except _Rejected as exc:
        return _rejected(exc, as_json)
    func: Command | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return EXIT_USAGE
    return run(func, args, as_json=as_json)


def _rejected(exc: _Rejected, as_json: bool) -> int:
    """A command line that does not parse: argparse's usage and message, or with --json the
    same as a JSON error document."""
    from pligos_tui import cli_report as report
    from pligos_tui.errors import UsageError

    if as_json:
        usage = " ".join(exc.parser.format_usage().split())
        report_safely(report.error_json, UsageError(exc.message, hint=usage))
    else:
        exc.parser.print_usage(sys.stderr)
        sys.stderr.write(f"{exc.parser.prog}: error: {exc.message}\n")
    return EXIT_USAGE
