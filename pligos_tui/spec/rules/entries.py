"""Rules of env and resources entries: variable names, resource names and quantities."""

from __future__ import annotations

from collections.abc import Iterator

from pligos_tui.errors import Rule, did_you_mean
from pligos_tui.spec.fields import ENV_NAME, ENV_NAME_RE, QUANTITY, RESOURCE_NAME_RE, quantity
from pligos_tui.spec.model import EnvSet, Resources
from pligos_tui.spec.rules.context import RuleContext
from pligos_tui.spec.rules.registry import Found, rule
from pligos_tui.spec.vocabulary import RESOURCE_NAMES

RESOURCE_NAME = Rule("E-RESOURCE-NAME", "a requests or limits key that is not a resource name")


def _amounts(e: Resources) -> Iterator[tuple[str, str, str]]:
    """(requests or limits, resource name, amount) of a resources entry."""
    for part, amounts in (("requests", e.requests), ("limits", e.limits)):
        for name, value in amounts.items():
            yield part, name, value


@rule(ENV_NAME)
def variable_names(ctx: RuleContext) -> Iterator[Found]:
    for e in ctx.of(EnvSet):
        for name in e.variables:
            if not ENV_NAME_RE.match(name):
                yield Found(e.at + ("variables", name), f"{name!r} is not a valid environment "
                            "variable name", "letters, digits and '_', not starting with a "
                            "digit", key=True)


@rule(RESOURCE_NAME)
def resource_names(ctx: RuleContext) -> Iterator[Found]:
    for e in ctx.of(Resources):
        for part, name, _ in _amounts(e):
            if not RESOURCE_NAME_RE.match(name):
                yield Found(e.at + (part, name), f"{name!r} is not a resource name",
                            did_you_mean(name, list(RESOURCE_NAMES), loose=True)
                            or "e.g. cpu, memory", key=True)


@rule(QUANTITY)
def amounts(ctx: RuleContext) -> Iterator[Found]:
    for e in ctx.of(Resources):
        for part, name, value in _amounts(e):
            problem = quantity(value) if RESOURCE_NAME_RE.match(name) else None
            if problem:
                hint = ("memory takes Mi/Gi (binary) or M/G, e.g. 128Mi"
                        if value.upper().endswith(("MB", "GB", "KB"))
                        else "e.g. cpu: 100m, memory: 128Mi")
                yield Found(e.at + (part, name), f"{part}.{name}: {problem}", hint)
