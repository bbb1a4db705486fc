"""Rules of the names entries and contexts are known by: each used once in its list, and a
context's name a DNS label (it becomes folder and release names)."""

from __future__ import annotations

from collections.abc import Iterator

from pligos_tui.spec.fields import NAME_DNS, NAME_DUPLICATE, dns_label
from pligos_tui.spec.model import Entry
from pligos_tui.spec.rules.context import RuleContext
from pligos_tui.spec.rules.registry import Found, rule
from pligos_tui.spec.vocabulary import ENTRY_WORDS, PROPERTY_LISTS


@rule(NAME_DUPLICATE)
def duplicate_entry_names(ctx: RuleContext) -> Iterator[Found]:
    for prop in PROPERTY_LISTS:
        seen: dict[str, Entry] = {}
        for entry in ctx.svc.entries(prop):
            if not entry.name:
                continue
            if entry.name in seen:
                first = ctx.line(seen[entry.name].at)
                yield Found(entry.at + ("name",), f"{ENTRY_WORDS[prop]} name {entry.name!r} is "
                            "used twice" + (f" (first on line {first})" if first else ""),
                            "give each entry its own name")
            else:
                seen[entry.name] = entry


@rule(NAME_DUPLICATE)
def duplicate_context_names(ctx: RuleContext) -> Iterator[Found]:
    names = ctx.context_names
    for context in ctx.svc.contexts:
        first_of_name = names.get(context.name)
        if first_of_name is None or first_of_name is context:
            continue
        first = ctx.line(first_of_name.at)
        yield Found(context.at + ("name",), f"context name {context.name!r} is used twice"
                    + (f" (first on line {first})" if first else ""),
                    "give each context its own name")


@rule(NAME_DNS)
def context_names(ctx: RuleContext) -> Iterator[Found]:
    for context in ctx.svc.contexts:
        if not context.name and ctx.written(context.at + ("name",)) == "":
            yield Found(context.at + ("name",), "context name must not be empty",
                        "e.g. name: dev")
    for name, context in ctx.context_names.items():
        problem = dns_label(name)
        if problem:
            yield Found(context.at + ("name",), f"context name {problem}",
                        "context names become folder and release names, e.g. dev, prod")
