"""The answers `pligos new` is given before it asks anything: an answers file, `--set`, the
template's own prompts and `--flavor-path` folders (and, for friends given without a
library, the library found near the service)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pligos_tui.errors import AnswersError, UsageError
from pligos_tui.jobs.scaffold.answers import (
    Answers,
    answers_from,
    load_answers_file,
    missing_required,
    parse_set,
)
from pligos_tui.jobs.scaffold.document import check_answers, unused
from pligos_tui.jobs.scaffold.library import library_for
from pligos_tui.jobs.scaffold.questions import env_key, split_context_key
from pligos_tui.jobs.scaffold.template import Template


@dataclass
class Given:
    """The answers so far, which answer keys the user gave explicitly (in the order given),
    and the folder of the service to be."""

    answers: Answers
    keys: list[str]
    dest: Path = Path(".")

    def require_all(self) -> None:
        """For `--no-input`: every required answer must have been given, and every given
        answer must be used (one the other answers make meaningless is refused, with the
        reason, together with any other answer to fix)."""
        missing = missing_required(self.answers, given=set(self.keys))
        if missing:
            raise UsageError(f"missing required answers: {', '.join(missing)}",
                             hint="give them with --set KEY=VALUE (e.g. --set name=billing "
                             "--set flavor=webservice) or in --answers FILE")
        meaningless = self.unused()
        if meaningless:
            fields = {k: [v] for k, v in meaningless.items()}
            for key, messages in check_answers(self.answers, self.dest).fields.items():
                fields.setdefault(key, messages)
            raise AnswersError(fields)

    def unused(self) -> dict[str, str]:
        """Given answers the answers as a whole make meaningless, each with the reason: a
        setting of a context that is not among the contexts, an answer the flavor (or
        another answer) leaves unused."""
        reasons = unused(self.answers, self.dest)
        names = [c.name for c in self.answers.contexts]
        out: dict[str, str] = {}
        for key in self.keys:
            setting = split_context_key(key)
            if setting is not None and setting[0] not in names:
                out[key] = (f"there is no context {setting[0]} (the contexts are "
                            f"{', '.join(names) or 'none'}); add it to contexts, e.g. "
                            f"--set contexts={','.join([*names, setting[0]])}")
            elif key in reasons or (env_key(key) is not None and "env" in reasons):
                out[key] = f"{reasons.get(key, reasons.get('env'))}; leave it out"
        return out


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
    # friends given without their library: the one the wizard would offer them from
    answers.friends_library = library_for(Path(os.path.abspath(dest)), answers.friends_library,
                                          answers.friends)
    return Given(answers, list(dict.fromkeys(k for k, _ in pairs)), Path(os.path.abspath(dest)))
