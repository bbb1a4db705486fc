"""Rules of what contexts name: the context each extends (and current-context), the entries
and friends each refers to, and its own settings (replicas, schedule)."""

from __future__ import annotations

from collections.abc import Iterator

from pligos_tui.errors import Rule, did_you_mean
from pligos_tui.spec.fields import cron
from pligos_tui.spec.rules.context import RuleContext, context_refs
from pligos_tui.spec.rules.registry import Found, rule
from pligos_tui.spec.vocabulary import ENTRY_WORDS, RENDER_KEY

CONTEXT_UNKNOWN = Rule("E-CONTEXT-UNKNOWN", "extends or current-context names a context that "
                       "does not exist")
EXTENDS_CYCLE = Rule("E-EXTENDS-CYCLE", "a context extends itself, directly or through others")
REF_UNKNOWN = Rule("E-REF-UNKNOWN", "a context refers to an entry or a friend that is not "
                   "defined")
REPLICAS = Rule("E-REPLICAS", "a negative number of replicas")
CRON = Rule("E-CRON", "a context's schedule is not a cron schedule")
VALUES_RESERVED = Rule("E-VALUES-RESERVED", "a context's values: set the key Pligos's renderer "
                       "reserves")


@rule(VALUES_RESERVED)
def reserved_values(ctx: RuleContext) -> Iterator[Found]:
    for context in ctx.svc.contexts:
        if context.values and RENDER_KEY in context.values:
            yield Found(context.at + ("values", RENDER_KEY),
                        f"values: of context {context.name!r} set {RENDER_KEY}, which Pligos "
                        "reserves for rendering (it would rename every object of the release)",
                        "remove it: a context's release and namespace come from its release: "
                        "and namespace:")


@rule(CONTEXT_UNKNOWN)
def unknown_context(ctx: RuleContext) -> Iterator[Found]:
    names = list(ctx.context_names)
    for context in ctx.svc.contexts:
        if context.extends and context.extends not in names:
            yield Found(context.at + ("extends",), f"context {context.name!r} extends "
                        f"{context.extends!r}, which is not a context",
                        did_you_mean(context.extends, names, loose=True)
                        or f"contexts are: {', '.join(names)}")
    current = ctx.svc.current_context
    if current and current not in names:
        yield Found(("current-context",), f"current-context {current!r} is not a context",
                    did_you_mean(current, names, loose=True)
                    or f"contexts are: {', '.join(names)}")


@rule(EXTENDS_CYCLE)
def extends_itself(ctx: RuleContext) -> Iterator[Found]:
    for context in ctx.svc.contexts:
        if context.extends and context.extends == context.name:
            yield Found(context.at + ("extends",), f"context {context.name!r} extends itself",
                        "extend another context or remove extends")


@rule(EXTENDS_CYCLE)
def extends_cycle(ctx: RuleContext) -> Iterator[Found]:
    for resolution in ctx.resolutions:
        if resolution.cycle is not None:
            yield Found(resolution.cycle.at, resolution.cycle.message, resolution.cycle.hint)


@rule(REF_UNKNOWN)
def unknown_entry(ctx: RuleContext) -> Iterator[Found]:
    for context in ctx.svc.contexts:
        for prop, ref in context_refs(context):
            if ref.inline is not None:
                continue
            known = [e.name for e in ctx.svc.entries(prop)]
            if ref.name not in known:
                hint = did_you_mean(ref.name, known, loose=True) or (
                    f"{prop} defines: {', '.join(known)}" if known else
                    f"define it under {prop}: (or write the entry inline)")
                yield Found(ref.at, f"context {context.name!r} refers to {ENTRY_WORDS[prop]} "
                            f"{ref.name!r}, which is not defined", hint)


@rule(REF_UNKNOWN)
def unknown_friend(ctx: RuleContext) -> Iterator[Found]:
    known = sorted(ctx.svc.friends)
    for context in ctx.svc.contexts:
        for use in context.friends or []:
            if not use.name:
                yield Found(use.at, f"context {context.name!r} uses a friend with no name",
                            f"name one of: {', '.join(known)}" if known else
                            "remove the empty item, or name a friend defined in a "
                            "friendsLibrary folder or under friends:")
            elif use.name not in ctx.svc.friends:
                yield Found(use.at, f"context {context.name!r} uses friend {use.name!r}, which "
                            "is not defined", did_you_mean(use.name, known, loose=True) or (
                                f"friends are: {', '.join(known)}" if known else
                                "define it in a friendsLibrary folder or under friends:"))


@rule(REPLICAS)
def replicas(ctx: RuleContext) -> Iterator[Found]:
    for context in ctx.svc.contexts:
        if context.replicas is not None and context.replicas < 0:
            yield Found(context.at + ("replicas",), "replicas must not be negative")


@rule(CRON)
def schedule(ctx: RuleContext) -> Iterator[Found]:
    for context in ctx.svc.contexts:
        problem = cron(context.schedule) if context.schedule is not None else None
        if problem:
            yield Found(context.at + ("schedule",), problem)
