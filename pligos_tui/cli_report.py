"""What the `pligos` command prints: errors, problems, findings, diffs, lists and summaries.

Everything is printed from the data the jobs return (a Problem's fields, a Finding's kind,
a report's lists), as lines of (text, style) pieces. Without colour the pieces are joined into
the plain text that scripts and tests read; with colour Rich prints the same text, styled.

With `--json`, `generate` and `check` print one JSON object carrying `"format": 1`, and so
does every error (docs/cli.md describes them); a change that would break a reader of it gets
a new format number.

Colour is used only when the stream is a terminal, NO_COLOR is not set (to anything, even an
empty value) and TERM is not `dumb`. Rich alone would colour on FORCE_COLOR or TTY_COMPATIBLE
and ignore an empty NO_COLOR, so it is told the decision (`force_terminal`, `no_color`)
instead of making its own. Rich is imported only to print something styled; the command line
imports this module only when a command runs, so `pligos --version` loads neither.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from pligos_tui.errors import ConfigError, PligosError, display_path
from pligos_tui.spec.vocabulary import SECRET_DATA

if TYPE_CHECKING:
    from pligos_tui.charts.records import ChartRecord
    from pligos_tui.charts.umbrella import UmbrellaPlan
    from pligos_tui.jobs.check import CheckReport
    from pligos_tui.jobs.gitops import GitOps, Written
    from pligos_tui.jobs.manifests import Rendered
    from pligos_tui.jobs.push import PushReport
    from pligos_tui.v1.build import SwitchReport
    from pligos_tui.v1.migrate import Migration

Piece = tuple[str, str]  # (text, Rich style; "" for none)
Line = list[Piece]

ERROR, WARNING, LOCATION, HINT, RULE = "bold red", "bold yellow", "bold", "cyan", "dim"
ADDED, REMOVED, HUNK = "green", "red", "cyan"
JSON_FORMAT = 1  # the version of the JSON documents of generate, check and errors


# --------------------------------------------------------------------------- writing

def color(stream: TextIO) -> bool:
    """Whether to print in colour to `stream`."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or closed
        tty = False
    return tty and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def write(lines: Sequence[Line], stream: TextIO | None = None) -> None:
    """Print lines (to stdout by default): styled when colour is on and a piece has a style."""
    out = stream if stream is not None else sys.stdout
    if not lines:
        return
    if any(style for line in lines for _, style in line) and color(out):
        _write_styled(lines, out)
    else:
        out.write("".join("".join(text for text, _ in line) + "\n" for line in lines))


def _write_styled(lines: Sequence[Line], stream: TextIO) -> None:
    from rich.console import Console
    from rich.text import Text

    console = Console(file=stream, force_terminal=True, force_jupyter=False,
                      force_interactive=False, color_system="standard", no_color=False,
                      markup=False, emoji=False, highlight=False, soft_wrap=True)
    console.print(Text("\n").join(Text.assemble(*line) for line in lines))


def say(text: str, stream: TextIO | None = None) -> None:
    """One plain line."""
    write([[(text, "")]], stream)


def print_json(data: Any) -> None:
    import json  # (imported when JSON is printed: most runs print none)

    print(json.dumps(data, indent=2))


@contextmanager
def progress(what: str, show: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A transient progress bar on stderr while the block runs; its update function (None when
    not shown)."""
    if not show:
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(file=sys.stderr), transient=True) as bar:
        task = bar.add_task(what, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


# --------------------------------------------------------------------------- errors

# the style of each role of an error's pieces (errors.Piece)
STYLES = {"": "", "location": LOCATION, "error": ERROR, "warning": WARNING, "rule": RULE,
          "hint": HINT}


def styled(lines: list[list[tuple[str, str]]]) -> list[Line]:
    """An error's or a problem's lines of (text, role) pieces, with each role's style."""
    return [[(text, STYLES.get(role, "")) for text, role in line] for line in lines]


def _hint(hint: str) -> list[Line]:
    return [[(f"  hint: {hint}", HINT)]] if hint else []


def error(err: PligosError) -> None:
    """An error a user can cause, on stderr: every problem of a ConfigError, else the message
    and its hint."""
    write(styled(err.lines()), sys.stderr)


def error_json(err: PligosError) -> None:
    """The error as a JSON document on stdout (for `--json`); problems of a ConfigError."""
    problems = err.problems if isinstance(err, ConfigError) else []
    print_json({"format": JSON_FORMAT, "error": err.message, "hint": err.hint,
                "problems": [p.to_json() for p in problems]})


INTERNAL_HINT = "this is a bug in Pligos; rerun with PLIGOS_DEBUG=1 for details and report it"


def internal_error(exc: Exception, *, as_json: bool = False) -> None:
    """An error that is Pligos's own fault; with --json also a JSON error document."""
    if as_json:
        error_json(PligosError(f"internal error: {type(exc).__name__}: {exc}", INTERNAL_HINT))
        return
    write([[("internal error:", ERROR), (f" {type(exc).__name__}: {exc}", "")],
           *_hint(INTERNAL_HINT)], sys.stderr)


def interrupted(*, as_json: bool) -> None:
    if as_json:
        error_json(PligosError("interrupted", "each chart is as it was or wholly written; run "
                                "it again"))
    else:
        say("interrupted", sys.stderr)


def warnings(texts: Sequence[str]) -> None:
    write([[("warning:", WARNING), (f" {text}", "")] for text in texts], sys.stderr)


# --------------------------------------------------------------------------- generate

def generated(*, written: Sequence[ChartRecord] = (), unchanged: Sequence[ChartRecord] = (),
              umbrellas: Sequence[tuple[UmbrellaPlan, str]] = (),
              removed: Sequence[Path] = (), fetched: Sequence[Path] = (),
              warnings: Sequence[str] = (), services: int, seconds: float, verbose: bool,
              as_json: bool) -> None:
    """What `pligos generate` changed: each chart removed and written (those written up to
    20 of them), the charts whose subcharts it fetched (--deps), with --verbose every chart,
    the unchanged ones too; then a summary line."""
    if as_json:
        print_json({"format": JSON_FORMAT,
                    "written": [display_path(r.dest) for r in written],
                    "unchanged": [display_path(r.dest) for r in unchanged],
                    "removed": [display_path(dest) for dest in removed],
                    "subcharts_built": [display_path(dest) for dest in fetched],
                    "shared": [display_path(u.dest) for u, _ in umbrellas],
                    "shared_written": [display_path(u.dest) for u, status in umbrellas
                                       if status == "written"],
                    "warnings": list(warnings), "services": services,
                    "seconds": round(seconds, 3)})
        return
    lines: list[Line] = []
    lines += [[(f"  removed   {display_path(dest)}  (its context is gone)", "")]
              for dest in removed]
    for u, status in umbrellas:
        if status == "written" or verbose:
            state = "wrote    " if status == "written" else "unchanged"
            lines.append([(f"  {state} {display_path(u.dest)}  (shared: "
                           f"{', '.join(u.friends)})", "")])
    charts = [*written, *unchanged]
    listed = charts if verbose else written if len(written) <= 20 else []
    for r in sorted(listed, key=lambda r: str(r.dest)):
        state = "wrote    " if r in written else "unchanged"
        lines.append([(f"  {state} {display_path(r.dest)}  ({r.flavor})", "")])
    lines += [[(f"  subcharts {display_path(dest)}  (helm dependency build)", "")]
              for dest in fetched]
    lines.append([(f"{len(charts)} chart{_s(charts)} of {services} "
                   f"service{'s' if services != 1 else ''}: {len(written)} written, "
                   f"{len(unchanged)} unchanged ({seconds:.2f} s)", "")])
    write(lines)


def switched(reports: Sequence[SwitchReport], *, verbose: bool, as_json: bool) -> None:
    """What `pligos generate --in-place` changed in each service folder."""
    if as_json:
        print_json({"format": JSON_FORMAT, "switched": [asdict(r) for r in reports]})
        return
    lines: list[Line] = []
    for r in reports:
        if verbose:
            lines += [[(f"  wrote     {rel}", "")] for rel in r.written]
            lines += [[(f"  removed   {rel}", "")] for rel in r.removed]
        lines.append([(f"{r.service} switched to context {r.context}: {len(r.written)} "
                       f"written, {len(r.unchanged)} unchanged, {len(r.removed)} removed", "")])
    write(lines)


def migrated(result: Migration) -> None:
    lines: list[Line] = [[(f"wrote {display_path(result.pligos_yaml)} (format 1)", "")]]
    lines += [[(f"wrote flavor {name} to {display_path(path)}", "")]
              for name, path in result.flavors.items()]
    lines += [[(f"  {text}", "")] for text in result.done]
    lines += [[("not converted:", WARNING), (f" {text}", "")] for text in result.notes]
    write(lines)


# --------------------------------------------------------------------------- push

def pushed(report: PushReport, *, as_json: bool) -> None:
    """What `pligos push` did: each chart pushed (its reference and the registry's digest),
    each skipped as already there; for a chart with inline secrets, what its receiver must
    supply; then a summary line."""
    done, same = report.with_status("pushed"), report.with_status("unchanged")
    if as_json:
        print_json({"format": JSON_FORMAT, "to": report.to,
                    "pushed": [asdict(c) for c in done], "unchanged": [asdict(c) for c in same],
                    "seconds": round(report.seconds, 3)})
        return
    lines: list[Line] = []
    for c in report.charts:
        if c.status == "pushed":
            lines.append([(f"  pushed    {c.ref}  {c.digest or '(no digest printed)'}", "")])
        else:
            lines.append([(f"  unchanged {c.ref}  (already in the registry, same content)",
                           "")])
    for c in (c for c in report.charts if c.secrets):
        values = ", ".join(s.value for s in c.secrets)
        lines.append([("note:", WARNING), (f" {c.ref} holds no secret data: whoever installs "
                                           f"it must supply {values} (each a map of key to "
                                           "base64), e.g. with -f secret-values.yaml:", "")])
        lines.append([(f"    {SECRET_DATA}:", "")])
        for s in c.secrets:
            lines.append([(f"      {s.name}:", "")])
            lines += [[(f"        {key}: <base64>", "")] for key in s.keys] or [
                [("        KEY: <base64>  # each key the secret store holds for it", "")]]
    summary = (f"{len(done)} pushed, {len(same)} unchanged" if done else
               f"nothing pushed: {'it is' if len(same) == 1 else 'all are'} already in the "
               "registry, unchanged")
    lines.append([(f"{len(report.charts)} chart{_s(report.charts)} to {report.to}: {summary} "
                   f"({report.seconds:.2f} s)", "")])
    write(lines)


# --------------------------------------------------------------------------- check, diff

NOT_RUN = {"lint": "not linted"}


def findings(report: CheckReport, *, verbose: bool, as_json: bool) -> None:
    """What `pligos check` found, what it did not check and why, and what fixes the findings;
    with --verbose, first each check that passed."""
    found, skipped = report.findings, report.skipped
    if as_json:
        print_json({"format": JSON_FORMAT, "ok": not found, "lint": report.lint,
                    "charts": report.charts, "findings": [asdict(f) for f in found],
                    "skipped": [asdict(s) for s in skipped], "fixes": report.fixes(),
                    "passed": [asdict(p) for p in report.passed]})
        return
    lines: list[Line] = []
    if verbose:
        lines += [[(f"  ok  {p.where}: {'; '.join(p.checks)}", "")] for p in report.passed]
    for s in skipped:
        lines += [[(f"{s.chart}: {NOT_RUN.get(s.check, s.check + ' not run')}: {s.reason}",
                    "")], *_hint(s.hint)]
    lines += [[(f.file, LOCATION), (": ", ""), (f.kind, WARNING), (f": {f.message}", "")]
              for f in found]
    if found:
        lines.append([(f"{len(found)} problem{_s(found)} found", "")])
        for fix in report.fixes():
            lines += _hint(fix)
    elif not report.charts:
        lines.append([("all configs are valid; they have no charts to check", "")])
    else:
        lines.append([(_all_good(report), "")])
    write(lines)


def _all_good(report: CheckReport) -> str:
    one = report.charts == 1
    text = ("the chart is" if one else f"all {report.charts} charts are") + \
        " valid and up to date"
    if not report.lint:
        return text + " (not linted: --no-lint)"
    if report.skipped:
        some = len(report.skipped)
        return text + ("; it was not linted (see above)" if one else
                       f"; {some} of them {'were' if some > 1 else 'was'} not linted "
                       "(see above)")
    return text + (", and lints" if one else ", and lint")


def diff(text: str, a: str, b: str) -> None:
    """A unified diff of two contexts' manifests, or that they render the same."""
    if not text:
        say(f"contexts {a} and {b} render the same manifests")
        return
    write([[(line, ADDED if line.startswith("+") else REMOVED if line.startswith("-")
             else HUNK if line.startswith("@@") else "")] for line in text.splitlines()])


# --------------------------------------------------------------------------- render, gitops

def rendered(r: Rendered) -> None:
    """`pligos render`: the manifests alone on stdout, in one write (a failure before it
    leaves stdout empty); what was rendered, and whether Secret data was redacted, on
    stderr."""
    sys.stdout.write(r.text)  # (a full or closed stdout: cli_run says so, exit 2)
    sys.stdout.flush()
    lines: list[Line] = [[(f"rendered {r.objects} object{'s' if r.objects != 1 else ''} of "
                           f"{r.service}, context {r.context}: release {r.release} in "
                           f"namespace {r.namespace}", "")]]
    if r.redacted:
        lines.append([("note:", WARNING), (" stdout is a terminal, so Secret data is shown as "
                                           "<redacted>; redirect or pipe the output to get "
                                           "what would be applied", "")])
    write(lines, sys.stderr)


def gitops(result: GitOps, written: Written | None) -> None:
    """`pligos gitops`: the YAML stream on stdout, or (with --out) what was written; the
    warnings on stderr either way."""
    warnings(result.warnings)
    if written is None:
        sys.stdout.write(result.text())
        return
    where = (display_path(written.files[0]) if len(written.files) == 1
             else f"{len(written.files)} files in {display_path(written.files[0].parent)}")
    kinds = ", ".join(sorted({o["kind"] for o in result.objects}))
    say(f"wrote {written.objects} object{_s(result.objects)} ({kinds}) for "
        f"{len(result.targets)} service context{_s(result.targets)} to {where}")


# --------------------------------------------------------------------------- listings

def contexts(rows: Sequence[dict[str, Any]], *, as_json: bool) -> None:
    if as_json:
        print_json(rows)
        return
    width = max((len(r["name"]) for r in rows), default=4)
    lines: list[Line] = []
    for r in rows:
        mark = "*" if r["current"] else " "
        extra = f"  extends {r['extends']}" if r["extends"] else ""
        lines.append([(f"{mark} {r['name']:<{width}}  {r['flavor']:<10}  image "
                       f"{r['image'] or '-'}{extra}", "")])
        where = f"release {r['release']}, namespace {r['namespace']}"
        if r["cluster"]:
            where += f", cluster {r['cluster']}"
        if r["secrets"]:
            where += f", secrets {r['secrets']}"
        lines.append([(f"  {'':<{width}}  {where}", "dim")])
        lines.append([(f"  {'':<{width}}  {r['upgrade']}", "dim")])
    write(lines)


def flavors(rows: Sequence[dict[str, Any]], *, as_json: bool) -> None:
    if as_json:
        print_json(rows)
        return
    width = max((len(r["name"]) for r in rows), default=0)
    lines: list[Line] = []
    for r in rows:
        origin = "built-in" if r["builtin"] else display_path(Path(r["path"]).parent)
        if r["base"]:
            origin += f", on {r['base']}"
        lines.append([(f"{r['name']:<{width}}  {r['description']}  [{origin}]", "")])
        pad = f"{'':<{width}}  "
        others = [v for v in r.get("versions", []) if v["path"] != r["path"]]
        if others or r.get("version", "0.0.0") != "0.0.0":
            also = ", ".join(f"{v['version']} in {display_path(Path(v['path']))}"
                             for v in others)
            lines.append([(f"{pad}version: {r['version']}" + (f" (also {also})" if also
                                                               else ""), "dim")])
        if r["workload"]:
            lines.append([(f"{pad}runs: {r['workload']}", "dim")])
        lines.append([(f"{pad}requires: {', '.join(r['requires']) or '-'}; "
                       f"accepts: {', '.join(r['accepts'])}", "")])
        for setting, keys in r["defaults"].items():
            import json

            shown = ", ".join(f"{k}: {json.dumps(v)}" for k, v in keys.items())
            lines.append([(f"{pad}defaults: {setting}: {{{shown}}}", "dim")])
    write(lines)


def friends(service: str, rows: Sequence[dict[str, Any]], *, as_json: bool) -> None:
    if as_json:
        print_json(rows)
        return
    lines: list[Line] = []
    if not rows:
        lines.append([(f"{service} defines no friends (add friendsLibrary: or friends:)", "")])
    for r in rows:
        used = ", ".join(r["contexts"]) or "no context"
        injects = [*r["config"], *(f"{name} (secret)" for name in r["credentials"])]
        lines.append([(f"{r['name']}  {r['type']}  {r['chart']}  [{r['defined']}]", "")])
        lines.append([(f"    injects {', '.join(injects) or 'nothing'}; used by {used}", "")])
    write(lines)


# --------------------------------------------------------------------------- codegen, new

def codegen(path: Path, status: str, *, lang: str, context: str | None) -> None:
    scope = f"context {context}" if context else "all contexts"
    say(f"{'wrote' if status == 'written' else 'unchanged'} {display_path(path)}  "
        f"({lang}, {scope})")


def scaffolded(dest: Path, *, files: int, charts: Sequence[str], context: str) -> None:
    """What `pligos new` wrote, and the command to look at it."""
    lines: list[Line] = [[(f"wrote {display_path(dest)}: {files} files, {len(charts)} charts",
                           "")]]
    lines += [[(f"  {display_path(dest / chart)}", "")] for chart in charts]
    lines.append([(f"next: cd {display_path(dest)} && pligos preview --context {context}", "")])
    write(lines)


def _s(items: Sequence[object]) -> str:
    return "s" if len(items) != 1 else ""
