"""Rules of each context's flavor: that it has one, that it exists, and that it takes what the
context assigns and gets what it requires."""

from __future__ import annotations

from collections.abc import Iterator

from pligos_tui.errors import FlavorPinError, Rule, did_you_mean
from pligos_tui.spec.flavors import pin_name
from pligos_tui.spec.rules.context import RuleContext
from pligos_tui.spec.rules.registry import Found, rule

FLAVOR_NONE = Rule("E-FLAVOR-NONE", "a context has no flavor, neither its own nor from the "
                   "context it extends")
FLAVOR_UNKNOWN = Rule("E-FLAVOR-UNKNOWN", "a context names a flavor that is neither built in "
                      "nor in a flavorPaths folder")
FLAVOR_PIN = Rule("E-FLAVOR-PIN", "a context's flavor is not written as a flavor name with an "
                  "optional pin (webservice, webservice@2, webservice@2.3, webservice@2.3.1)")
FLAVOR_VERSION = Rule("E-FLAVOR-VERSION", "no version of a context's flavor matches its pin")
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
        if resolved is None or not resolved.flavor or r.flavor or r.broken_flavor \
                or r.pin_error is not None:
            continue
        available = list(ctx.flavors.available(ctx.flavor_search))
        yield Found(resolved.where("flavor"), f"unknown flavor {resolved.flavor!r} "
                    "({contexts})", did_you_mean(pin_name(resolved.flavor), available, loose=True)
                    or f"flavors are: {', '.join(available)}", context=r.context.name)


def _pin_errors(ctx: RuleContext, kind: str) -> Iterator[Found]:
    for r in ctx.resolutions:
        if r.resolved is not None and r.pin_error is not None and r.pin_error.kind == kind:
            yield Found(r.resolved.where("flavor"), f"{r.pin_error.message} ({{contexts}})",
                        r.pin_error.hint, context=r.context.name)


@rule(FLAVOR_PIN)
def bad_pin(ctx: RuleContext) -> Iterator[Found]:
    yield from _pin_errors(ctx, FlavorPinError.SYNTAX)


@rule(FLAVOR_VERSION)
def no_version(ctx: RuleContext) -> Iterator[Found]:
    yield from _pin_errors(ctx, FlavorPinError.VERSION)


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
