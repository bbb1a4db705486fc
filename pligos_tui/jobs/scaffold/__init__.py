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
from pligos_tui.jobs.scaffold.document import Check, check_answers, near, skipped
from pligos_tui.jobs.scaffold.given import Given, given_answers
from pligos_tui.jobs.scaffold.library import Offered, find_library, library_for
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
from pligos_tui.jobs.scaffold.template import Template, builtin_template, load_template
from pligos_tui.jobs.scaffold.write import (
    WriteReport,
    preview_service,
    refuse_reason,
    write_service,
)

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
