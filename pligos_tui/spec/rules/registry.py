"""The table of rule functions.

A rule function checks one rule on a :class:`RuleContext` and yields a :class:`Found` for each
thing wrong; `@rule(RULE)` registers it under that rule's id. The runner turns each finding
into a located problem that names the rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pligos_tui.errors import Rule
from pligos_tui.io.keypath import KeyPath
from pligos_tui.spec.rules.context import RuleContext


@dataclass(frozen=True)
class Found:
    """One thing a rule found wrong, at a key path of pligos.yaml."""

    at: KeyPath
    message: str
    hint: str = ""
    key: bool = False  # point at the key at `at` (or the mapping missing it), not its value
    # the context it was found in, when a rule checks each context: "{contexts}" in the
    # message names it, and the same finding in several contexts is reported once, naming all
    context: str = ""


Check = Callable[[RuleContext], Iterator[Found]]


@dataclass(frozen=True)
class RuleFunction:
    rule: Rule
    check: Check


# every rule function, in the order they were registered (and run)
RULE_FUNCTIONS: list[RuleFunction] = []


def rule(declared: Rule) -> Callable[[Check], Check]:
    """Register the decorated function as a check of `declared`. A rule may have several
    functions (one per kind of thing it applies to); an id names one rule only."""

    def register(check: Check) -> Check:
        for known in RULE_FUNCTIONS:
            if known.rule.id == declared.id and known.rule != declared:
                raise ValueError(f"two rules have the id {declared.id}")
        RULE_FUNCTIONS.append(RuleFunction(declared, check))
        return check

    return register
