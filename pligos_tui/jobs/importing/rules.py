"""Every rule of the files `pligos import` reads, in one table (docs/import.md lists them)."""

from __future__ import annotations

from pligos_tui.errors import Rule
from pligos_tui.jobs.importing import compose_file, score_syntax, sources


def import_rules() -> tuple[Rule, ...]:
    return (*sources.RULES, *compose_file.RULES, *score_syntax.RULES)
