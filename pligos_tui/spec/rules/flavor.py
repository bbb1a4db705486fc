"""Rules of each context's flavor: that it has one, that it exists, and that it takes what the
context assigns and gets what it requires."""

from __future__ import annotations

from collections.abc import Iterator

from pligos_tui.errors import Rule, did_you_mean
from pligos_tui.spec.rules.context import RuleContext
from pligos_tui.spec.rules.registry import Found, rule

FLAVOR_NONE = Rule("E-FLAVOR-NONE", "a context has no flavor, neither its own nor from the "
                   "context it extends")
FLAVOR_UNKNOWN = Rule("E-FLAVOR-UNKNOWN", "a context names a flavor that is neither built in "
                      "nor in a flavorPaths folder")
FLAVOR_TAKES = Rule("E-FLAVOR-TAKES", "a context assigns a property its flavor does not take")
FLAVOR_NEEDS = Rule("E-FLAVOR-NEEDS", "a context does not set a property its flavor requires")


@rule(FLAVOR_NONE)
def no_flavor(ctx: RuleContext) -> Iterator[Found]:
    for r in ctx.resolutions:
        if r.resolved is not None and not r.resolved.flavor:
            yield Found(r.context.at, f"context {r.context.name!r} has no flavor",
                        "add flavor: webservice (or worker, cronjob, or one of flavorPaths)",
                        key=True)


@rule(FLAVOR_UNKNOWN)
def unknown_flavor(ctx: RuleContext) -> Iterator[Found]:
    for r in ctx.resolutions:
        resolved = r.resolved
        if resolved is None or not resolved.flavor or r.flavor or r.broken_flavor:
            continue
        available = list(ctx.flavors.available(ctx.flavor_search))
        yield Found(resolved.where("flavor"), f"unknown flavor {resolved.flavor!r} "
                    "({contexts})", did_you_mean(resolved.flavor, available, loose=True)
                    or f"flavors are: {', '.join(available)}", context=r.context.name)


@rule(FLAVOR_TAKES)
def not_taken(ctx: RuleContext) -> Iterator[Found]:
    for context, resolved, flavor in ctx.flavored:
        for prop in resolved.assigned:
            if prop not in flavor.accepts:
                yield Found(resolved.where(prop), f"flavor {flavor.name!r} does not take {prop} "
                            "({contexts})",
                            f"{flavor.name} takes: {', '.join(flavor.accepts)}; remove {prop} "
                            "or choose another flavor", key=True, context=context.name)


@rule(FLAVOR_NEEDS)
def not_given(ctx: RuleContext) -> Iterator[Found]:
    for context, resolved, flavor in ctx.flavored:
        for prop in flavor.requires:
            if prop not in resolved.assigned:
                yield Found(context.at, f"flavor {flavor.name!r} needs {prop}, which context "
                            f"{context.name!r} does not set", f"add {prop}: ... to the context",
                            key=True)
