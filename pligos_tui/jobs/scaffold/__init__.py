"""Scaffolding a new service: the questions, the answers model and the one writer behind
`pligos new`.

The wizard, the plain prompts and `--no-input` all ask the questions of :mod:`.questions` and
fill the same :class:`Answers` (:mod:`.answers`); :mod:`.document` turns answers into a
pligos.yaml and checks them with the loader's own rules (:func:`check_answers` maps each
problem back to the answer it came from); :mod:`.library` finds the friends a service can
pick (:func:`find_library`); :mod:`.template` reads and renders the cookiecutter
template and :mod:`.write` writes the service with :func:`write_service`. Nothing here knows
about terminals.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pligos_tui.jobs.scaffold.answers import (
        Answers,
        ContextAnswers,
        answer_value,
        answers_from,
        changed_answers,
        fallback_value,
        offered_value,
        set_answer,
    )
    from pligos_tui.jobs.scaffold.dest import refuse_reason
    from pligos_tui.jobs.scaffold.document import (
        Check,
        check_answers,
        near,
        offered_flavors,
        skipped,
    )
    from pligos_tui.jobs.scaffold.given import (
        Given,
        given_answers,
    )
    from pligos_tui.jobs.scaffold.library import (
        Offered,
        find_library,
        library_for,
    )
    from pligos_tui.jobs.scaffold.questions import (
        BY_KEY,
        CONTEXT_QUESTIONS,
        CONTEXTS,
        QUESTIONS,
        Question,
        context_key,
        context_questions,
        production_like,
        questions_of,
        split_context_key,
        template_questions,
    )
    from pligos_tui.jobs.scaffold.template import (
        Template,
        builtin_template,
        load_template,
    )
    from pligos_tui.jobs.scaffold.write import (
        WriteReport,
        preview_service,
        write_service,
    )

# each name from the module that defines it, imported when first used: `pligos new` paints its
# first step before the writer and the checks are needed
_HOME = {
    "Answers": "answers",
    "ContextAnswers": "answers",
    "answer_value": "answers",
    "answers_from": "answers",
    "changed_answers": "answers",
    "fallback_value": "answers",
    "offered_value": "answers",
    "set_answer": "answers",
    "Check": "document",
    "check_answers": "document",
    "near": "document",
    "offered_flavors": "document",
    "skipped": "document",
    "Given": "given",
    "given_answers": "given",
    "Offered": "library",
    "find_library": "library",
    "library_for": "library",
    "BY_KEY": "questions",
    "CONTEXT_QUESTIONS": "questions",
    "CONTEXTS": "questions",
    "QUESTIONS": "questions",
    "Question": "questions",
    "context_key": "questions",
    "context_questions": "questions",
    "production_like": "questions",
    "questions_of": "questions",
    "split_context_key": "questions",
    "template_questions": "questions",
    "Template": "template",
    "builtin_template": "template",
    "load_template": "template",
    "WriteReport": "write",
    "preview_service": "write",
    "refuse_reason": "dest",
    "write_service": "write",
}


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "BY_KEY",
    "CONTEXTS",
    "CONTEXT_QUESTIONS",
    "QUESTIONS",
    "Answers",
    "Check",
    "ContextAnswers",
    "Given",
    "Offered",
    "Question",
    "Template",
    "WriteReport",
    "answer_value",
    "answers_from",
    "builtin_template",
    "changed_answers",
    "check_answers",
    "context_key",
    "context_questions",
    "fallback_value",
    "find_library",
    "given_answers",
    "library_for",
    "load_template",
    "near",
    "offered_flavors",
    "offered_value",
    "preview_service",
    "production_like",
    "questions_of",
    "refuse_reason",
    "set_answer",
    "skipped",
    "split_context_key",
    "template_questions",
    "write_service",
]
