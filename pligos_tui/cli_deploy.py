"""The command line's deployment commands: `pligos push`, `pligos render` and
`pligos gitops argocd|flux`.

Kept apart from `cli` (which builds the parser and runs every command) so that neither grows
past what one reader takes in; `cli.build_parser` adds these through `add_commands`. Like the
other commands they import their job and `cli_report` only when they run.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

EXIT_OK = 0
Completer = Callable[..., list[str]]


def cmd_push(args: argparse.Namespace) -> int:
    from pligos_tui import cli_report as report
    from pligos_tui.jobs.push import push

    paths = [Path(v) for v in args.paths] if args.paths else [Path(".")]
    report.pushed(push(paths, args.to, contexts=args.context or None,
                       plain_http=args.plain_http), as_json=args.json)
    return EXIT_OK


def cmd_render(args: argparse.Namespace) -> int:
    from pligos_tui import cli_report as report
    from pligos_tui.errors import UsageError
    from pligos_tui.jobs.manifests import render_context
    from pligos_tui.jobs.reports import load_one_service

    svc = load_one_service(args.path or ".")
    context = args.context or svc.current_context
    if not context:
        names = ", ".join(c.name for c in svc.contexts)
        raise UsageError(f"{svc.file} sets no current-context: name the context to render",
                         hint=f"add --context NAME (its contexts: {names})")
    # a terminal shows no secret data; a pipe or a file gets what is applied
    rendered = render_context(svc, context, namespace=args.namespace or None,
                              redact=sys.stdout.isatty())
    report.rendered(rendered)
    return EXIT_OK


def cmd_gitops(args: argparse.Namespace) -> int:
    from pligos_tui import cli_report as report
    from pligos_tui.jobs import gitops

    paths = [Path(p) for p in args.paths] if args.paths else [Path(".")]
    if args.tool == "argocd":
        source = args.source or (gitops.OCI if args.oci else gitops.GIT)
        result = gitops.argocd(paths, gitops.ArgoOptions(
            source=source, repo=args.repo or "", revision=args.revision, oci=args.oci or "",
            project=args.project, namespace=args.namespace or gitops.ARGOCD_NAMESPACE,
            name=args.name or "", applicationset=args.applicationset,
            auto_sync=args.auto_sync))
    else:
        result = gitops.flux(paths, gitops.FluxOptions(
            repo=args.repo or "", branch=args.branch, oci=args.oci or "",
            namespace=args.namespace or gitops.FLUX_NAMESPACE, name=args.name or "",
            insecure=args.insecure))
    written = gitops.write_output(result, args.out) if args.out else None
    report.gitops(result, written)
    return EXIT_OK


def add_commands(parser: argparse.ArgumentParser, sub: argparse._SubParsersAction[Any],
                 command: Callable[..., argparse.ArgumentParser],
                 completes: Callable[[argparse.Action, Completer], None],
                 contexts: Completer) -> argparse.ArgumentParser:
    """Add `push`, `render` and `gitops` to the parser (with `cli`'s helpers); returns the
    parser."""
    p = command(sub, "push", cmd_push, "package each chart and push it to an OCI registry",
                "pligos push services/ --to oci://registry.example.com/charts")
    p.add_argument("paths", nargs="*", metavar="PATH", help="a service or a tree (default: .)")
    p.add_argument("--to", required=True, metavar="oci://HOST/PATH",
                   help="charts go to oci://HOST/PATH/<context>/<name>:<chartVersion>")
    completes(p.add_argument("--context", action="append", metavar="NAME",
                             help="only this context (repeatable)"), contexts)
    p.add_argument("--plain-http", action="store_true", help="the registry speaks plain HTTP")
    p.add_argument("--json", action="store_true", help="print the result as JSON")

    p = command(sub, "render", cmd_render,
                "print the manifests of a context as helm would install them, subcharts "
                "included (for GitOps engines and pipelines)",
                "pligos render services/checkout --context prod --namespace shop > out.yaml")
    p.add_argument("path", nargs="?", metavar="PATH", help="a service folder (default: .)")
    completes(p.add_argument("--context", metavar="NAME", help="default: current-context"),
              contexts)
    p.add_argument("--namespace", metavar="NS",
                   help="the release's namespace (default: the context's namespace, else "
                   "its name)")

    p = command(sub, "gitops", _gitops_usage,
                "write Argo CD or Flux objects deploying every service × context of a tree",
                "pligos gitops argocd services/ --repo https://git.example.com/platform.git")
    tools = p.add_subparsers(dest="tool", metavar="TOOL")

    a = tools.add_parser("argocd", help="Argo CD Applications (or one ApplicationSet)",
                         description="One Argo CD Application per service × context, or one "
                         "ApplicationSet yielding them all.", formatter_class=p.formatter_class,
                         epilog="example:\n  pligos gitops argocd services/ --repo "
                         "https://git.example.com/platform.git --out deploy/apps/")
    a.set_defaults(func=cmd_gitops)
    _tree_arguments(a)
    a.add_argument("--source", choices=["git", "oci", "plugin"],
                   help="git: the committed chart (default); oci: the chart pligos push wrote "
                   "(--oci); plugin: pligos.yaml rendered by the pligos plugin of Argo CD")
    a.add_argument("--revision", default="HEAD", metavar="REV",
                   help="the git revision to deploy, for the git and plugin sources "
                   "(default: HEAD)")
    a.add_argument("--applicationset", action="store_true",
                   help="one ApplicationSet with a list generator instead of Applications")
    a.add_argument("--project", default="default", metavar="P",
                   help="the Argo CD project (default: default)")
    a.add_argument("--auto-sync", action="store_true",
                   help="sync automatically, pruning and self-healing (default: sync by hand)")

    f = tools.add_parser("flux", help="Flux HelmReleases with their sources",
                         description="One Flux HelmRelease per service × context, with a "
                         "GitRepository (--repo) or an OCIRepository per chart (--oci).",
                         formatter_class=p.formatter_class,
                         epilog="example:\n  pligos gitops flux services/ --repo "
                         "https://git.example.com/platform.git --branch main")
    f.set_defaults(func=cmd_gitops)
    _tree_arguments(f)
    f.add_argument("--branch", default="main", help="the git branch to deploy (default: main)")
    f.add_argument("--insecure", action="store_true",
                   help="the registry of --oci speaks plain HTTP (pligos push --plain-http)")
    return parser


def _tree_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="a service folder, or a tree holding services (default: .)")
    p.add_argument("--repo", metavar="URL", help="the git repository the engine reads")
    p.add_argument("--oci", metavar="oci://HOST/PATH",
                   help="read the charts from this registry (the --to of pligos push)")
    p.add_argument("--namespace", metavar="NS",
                   help="where the objects themselves go (default: argocd, or flux-system)")
    p.add_argument("--name", metavar="NAME", help="the name of the ApplicationSet or "
                   "GitRepository (default: the folder's name)")
    p.add_argument("--out", metavar="FILE|DIR",
                   help="write to FILE, or one file per object into DIR (ending in /)")


def _gitops_usage(args: argparse.Namespace) -> int:
    from pligos_tui.errors import UsageError

    raise UsageError("pligos gitops needs a tool: argocd or flux",
                     hint="e.g. pligos gitops argocd services/ --repo URL")
