"""The answers `pligos new` is given before it asks anything: an answers file, `--set`, the
template's own prompts and `--flavor-path` folders."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pligos_tui.errors import UsageError
from pligos_tui.jobs.scaffold.answers import (
    Answers,
    answers_from,
    load_answers_file,
    missing_required,
    parse_set,
)
from pligos_tui.jobs.scaffold.template import Template


@dataclass
class Given:
    """The answers so far, and which answer keys the user gave explicitly."""

    answers: Answers
    keys: set[str]

    def require_all(self) -> None:
        """For `--no-input`: every required answer must have been given."""
        missing = missing_required(self.answers, given=self.keys)
        if missing:
            raise UsageError(f"missing required answers: {', '.join(missing)}",
                             hint="give them with --set KEY=VALUE (e.g. --set name=billing "
                             "--set flavor=webservice) or in --answers FILE")


def given_answers(template: Template, dest: Path, *, answers_file: Path | None = None,
                  sets: list[str] | None = None, flavor_paths: list[str] | None = None) -> Given:
    """The answers from a file and `--set KEY=VALUE` (which wins), on top of the template's own
    prompts' defaults; flavor folders are recorded relative to the new service."""
    pairs = load_answers_file(answers_file) if answers_file is not None else []
    pairs += parse_set(sets or [])
    base = Answers(extra={k: str(v[0] if isinstance(v, list) else v)
                          for k, v in template.own_prompts.items()})
    if flavor_paths:
        base.flavor_paths = [os.path.relpath(os.path.abspath(p), os.path.abspath(dest))
                             for p in flavor_paths]
    answers = answers_from(pairs, base=base, template_keys=tuple(template.own_prompts))
    return Given(answers, {k for k, _ in pairs})
