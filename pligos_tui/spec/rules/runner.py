"""Running every rule on a read service, and the table of every rule the loader reports.

`check_service` runs each registered rule function and turns what it finds into a located
problem named by the rule's id. `all_rules` lists every rule: those enforced while pligos.yaml,
friends and flavor.yaml are read, and those of the rule functions (docs/rules.md documents
each).
"""

from __future__ import annotations

from pligos_tui.errors import Problems, Rule
from pligos_tui.spec.fields import FIELD_RULES
from pligos_tui.spec.flavors import FLAVOR_RULES, FlavorSet
from pligos_tui.spec.friends import FRIEND_RULES
from pligos_tui.spec.model import Service
from pligos_tui.spec.reader import READ_RULES
from pligos_tui.spec.rules import (
    commands,
    contexts,
    deploy,
    entries,
    files,
    flavor,
    images,
    mounts,
    names,
    pods,
    probes,
    resolved,
    routes,
    secrets,
    service,
)
from pligos_tui.spec.rules.context import RuleContext
from pligos_tui.spec.rules.registry import RULE_FUNCTIONS, Found
from pligos_tui.spec.source_entries import SOURCE_RULES
from pligos_tui.spec.structure import STRUCTURE_RULES

# the modules of rule functions; importing them registers their rules
RULE_MODULES = (service, names, secrets, images, commands, probes, routes, mounts, files,
                entries, contexts, deploy, flavor, resolved, pods)


def check_service(svc: Service, problems: Problems, flavors: FlavorSet | None = None) -> None:
    """Check every rule of format 1 on a read service; add what is wrong to `problems`
    (`flavors`: where the flavors it uses are read, kept for what is done next with it)."""
    ctx = RuleContext(svc, flavors if flavors is not None else FlavorSet())
    for function in RULE_FUNCTIONS:
        merged: dict[tuple[object, ...], list[str]] = {}
        founds: dict[tuple[object, ...], Found] = {}
        for found in function.check(ctx):
            same = (found.at, found.message, found.hint, found.key)
            founds.setdefault(same, found)
            if found.context and found.context not in merged.setdefault(same, []):
                merged[same].append(found.context)
        for key, found in founds.items():
            message = found.message
            if found.context:
                message = message.replace("{contexts}", _contexts(merged[key]))
            svc.doc.problem(problems, found.at, message, found.hint, key=found.key,
                            rule=function.rule.id)
    for resolution in ctx.resolutions:  # a broken flavor.yaml, with the problems of its file
        problems.items.extend(p for p in resolution.broken_flavor  # (once, for all contexts)
                              if p not in problems.items)


def _contexts(names: list[str]) -> str:
    """How a message names the contexts a finding was made in."""
    if len(names) == 1:
        return f"context {names[0]!r}"
    shown = ", ".join(repr(n) for n in names[:-1]) + f" and {names[-1]!r}"
    return f"contexts {shown}"


def all_rules() -> list[Rule]:
    """Every rule, each once: those enforced while reading, then those of rule functions."""
    table: dict[str, Rule] = {}
    declared = [*READ_RULES, *STRUCTURE_RULES, *FIELD_RULES, *FRIEND_RULES, *FLAVOR_RULES,
                *SOURCE_RULES, *(f.rule for f in RULE_FUNCTIONS)]
    for r in declared:
        if table.setdefault(r.id, r) != r:
            raise ValueError(f"two rules have the id {r.id}")
    return list(table.values())
