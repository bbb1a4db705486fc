"""A plan as documents: the versioned JSON for CI bots, and markdown for a pull request.

Both are made from a `jobs.plan.Plan` alone, so the text the terminal shows (`cli_fleet`), the
markdown and the JSON always tell the same story. Values are shown as JSON, shortened; text
values over several lines (a config file in a ConfigMap) are shown as a unified diff. Secret
data never appears: the plan's renders are redacted before they are compared.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator
from typing import Any

from pligos_tui.charts.changes import MISSING, FieldChange, ObjectChange
from pligos_tui.io.yamlwrite import dump_yaml
from pligos_tui.jobs.plan import (
    ADDED,
    CHANGED,
    FAILS,
    FIXED,
    PLAN_FORMAT,
    REMOVED,
    STATUSES,
    UNCHANGED,
    ChartResult,
    Plan,
)

VALUE_WIDTH = 80  # a value longer than this is shortened with …
TEXT_LINES = 40  # at most this many lines of a text value's diff

# how each chart status reads
STATUS_WORDS = {ADDED: "added", REMOVED: "removed", CHANGED: "changed", UNCHANGED: "unchanged",
                FAILS: "fails after the change", FIXED: "renders again"}
CHANGE_MARKS = {"added": "+", "removed": "-", "changed": "~"}


def changed_charts(plan: Plan) -> list[ChartResult]:
    return [c for c in plan.charts if c.changed]


def headline(plan: Plan) -> str:
    """The plan in one sentence."""
    every = plan.charts + plan.broken
    total = len(every)
    services = len({c.id.folder for c in every})
    changed = changed_charts(plan)
    verb = "changes" if total == 1 else "change"
    if not changed and not plan.invalid and not plan.broken:
        return (f"nothing changes: {_n(total, 'chart')} of {_n(services, 'service')} "
                f"render{'s' if total == 1 else ''} the same as {_against(plan)}")
    touched = len({c.id.folder for c in changed})
    parts = [f"{len(changed)} of {_n(total, 'chart')} {verb} in {touched} of "
             f"{_n(services, 'service')} against {_against(plan)}"]
    for status in (FAILS, ADDED, REMOVED, FIXED):
        if plan.count(status):
            parts.append(f"{plan.count(status)} {STATUS_WORDS[status]}")
    if plan.invalid:
        count = len(plan.invalid)
        parts.append(f"{_n(count, 'service')} {'does' if count == 1 else 'do'} not validate")
    if plan.broken:
        parts.append(f"{_n(len(plan.broken), 'chart')} failing before and after it")
    return "; ".join(parts)


def _against(plan: Plan) -> str:
    return plan.before


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# --------------------------------------------------------------------------- values

def value_text(value: Any) -> str:
    """A value as one short line of JSON."""
    if value is MISSING:
        return "(none)"
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= VALUE_WIDTH else text[:VALUE_WIDTH - 1] + "…"


def field_lines(change: FieldChange) -> list[str]:
    """A field change as lines: `path: old → new`, `path: set to new`, `path: removed (was
    old)`, or a text value's unified diff below its path."""
    old, new = change.old, change.new
    if isinstance(old, str) and isinstance(new, str) and ("\n" in old or "\n" in new):
        diff = list(difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=1))
        body = diff[2:]
        if len(body) > TEXT_LINES:
            body = body[:TEXT_LINES] + [f"… {len(diff) - 2 - TEXT_LINES} more lines"]
        return [f"{change.shown}: text changed"] + [f"  {line}" for line in body]
    if change.verb == "set":
        return _long(f"{change.shown}: set to", new) or [
            f"{change.shown}: set to {value_text(new)}"]
    if change.verb == "removed":
        return _long(f"{change.shown}: removed, was", old) or [
            f"{change.shown}: removed (was {value_text(old)})"]
    return [f"{change.shown}: {value_text(old)} → {value_text(new)}"]


def _long(head: str, value: Any) -> list[str]:
    """A mapping or list too long for one line, as YAML lines below `head`; [] when it fits
    (or is not one)."""
    if not isinstance(value, (dict, list)) or len(value_text(value)) < VALUE_WIDTH:
        return []
    body = dump_yaml(value).splitlines()
    if len(body) > TEXT_LINES:
        body = body[:TEXT_LINES] + [f"… {len(body) - TEXT_LINES} more lines"]
    return [f"{head}:"] + [f"  {line}" for line in body]


def object_lines(change: ObjectChange) -> Iterator[tuple[int, str, str]]:
    """(depth, mark, text) lines of one object's change: the object (depth 0, marked + - ~),
    its fields (depth 1), and the lines of a text value's diff (depth 2, marked + - or "")."""
    yield 0, CHANGE_MARKS[change.change], f"{change.key.kind} {_name(change)}"
    for field in change.fields:
        lines = field_lines(field)
        yield 1, "", lines[0]
        diff = lines[0].endswith(": text changed")
        for line in lines[1:]:
            body = line[2:]
            mark = body[:1] if diff and body[:1] in ("+", "-") else ""
            yield 2, mark, body


def _name(change: ObjectChange) -> str:
    key = change.key
    return f"{key.namespace}/{key.name}" if key.namespace else key.name


# --------------------------------------------------------------------------- JSON

def plan_json(plan: Plan) -> dict[str, Any]:
    """The plan as the versioned JSON document (`format`)."""
    changed = changed_charts(plan)
    return {
        "format": PLAN_FORMAT,
        "before": plan.before,
        "after": plan.after,
        "changed": plan.changed,
        "failed": plan.failed,
        "summary": {
            "charts": len(plan.charts),
            "services": len({c.id.folder for c in plan.charts}),
            "changedCharts": len(changed),
            "changedServices": len({c.id.folder for c in changed}),
            **{status: plan.count(status) for status in STATUSES},
        },
        "groups": [g.to_json() for g in plan.groups],
        "charts": [chart_json(c) for c in changed],
        "invalid": [{"folder": folder, "problems": text}
                    for folder, text in sorted(plan.invalid.items())],
        "broken": [chart_json(c) for c in plan.broken],
    }


def chart_json(chart: ChartResult) -> dict[str, Any]:
    return {"service": chart.service, "folder": chart.id.folder, "context": chart.id.context,
            "file": chart.file, "status": chart.status, "notes": list(chart.notes),
            "error": chart.error, "objects": [c.to_json() for c in chart.changes]}


# --------------------------------------------------------------------------- markdown

def plan_markdown(plan: Plan) -> str:
    """The plan for a pull request comment: a summary table, then a collapsed section per
    service."""
    out = [f"### pligos plan: {_md_text(headline(plan))}", ""]
    if plan.groups:
        out += ["| change | charts | services |", "|---|---:|---:|"]
        out += [f"| {_md_code(g.label, table=True)} | {len(g.charts)} | {g.services} |"
                for g in plan.groups]
        out.append("")
    by_service: dict[str, list[ChartResult]] = {}
    for chart in changed_charts(plan) + plan.broken:
        by_service.setdefault(chart.id.folder, []).append(chart)
    for folder, charts in by_service.items():
        contexts = ", ".join(f"{c.id.context} ({status_word(plan, c)})" for c in charts)
        out += [f"<details><summary><b>{_md_text(charts[0].service)}</b> "
                f"({_md_text(folder)}): {_md_text(contexts)}</summary>", ""]
        for chart in charts:
            out.append(f"**{_md_text(chart.id.context)}**: {status_word(plan, chart)}"
                       f" ({_md_code(chart.file)})")
            out.append("")
            if chart.error:
                out += [*_md_block("text", chart.error.splitlines()), ""]
            out += [f"- {_md_text(note)}" for note in chart.notes]
            for change in chart.changes:
                out.append(f"- {change.change} {_md_code(f'{change.key.kind} {_name(change)}')}")
                for field in change.fields:
                    lines = field_lines(field)
                    out.append(f"  - {_md_code(lines[0])}")
                    if len(lines) > 1:
                        kind = "diff" if lines[0].endswith(": text changed") else "yaml"
                        out += _md_block(kind, [line[2:] for line in lines[1:]], "    ")
            out.append("")
        out += ["</details>", ""]
    for folder, text in sorted(plan.invalid.items()):
        out += [f"**{_md_text(folder)}** does not validate:", "",
                *_md_block("text", text.splitlines()), ""]
    return "\n".join(out).rstrip() + "\n"


def _md_text(text: str) -> str:
    """Text safe in a markdown line or table cell: HTML and the table's pipes escaped."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("|", "\\|"))


def _longest_run(text: str, char: str = "`") -> int:
    runs = re.findall(f"{re.escape(char)}+", text)
    return max((len(r) for r in runs), default=0)


def _md_code(text: str, *, table: bool = False) -> str:
    """Text as inline code, whatever backticks it holds (its fence is longer than their
    longest run); pipes escaped only in a table, where they would end the cell."""
    fence = "`" * (_longest_run(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    if table:
        text = text.replace("|", "\\|")
    return f"{fence}{pad}{text}{pad}{fence}"


def _md_block(kind: str, lines: list[str], indent: str = "") -> list[str]:
    """A fenced block of `lines`, its fence longer than any run of backticks in them (a
    config file holding markdown cannot close it)."""
    fence = "`" * max(3, _longest_run("\n".join(lines)) + 1)
    return [f"{indent}{fence}{kind}", *(f"{indent}{line}" for line in lines), f"{indent}{fence}"]


def status_word(plan: Plan, chart: ChartResult) -> str:
    """How a chart's status reads; one that fails on both sides says so."""
    if chart in plan.broken:
        return "fails before and after the change"
    return STATUS_WORDS[chart.status]
