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
    DEFAULT_CONTEXTS,
    Answers,
    ContextAnswers,
    answer_value,
    answers_from,
    fallback_value,
    flatten_answers,
    load_answers_file,
    missing_required,
    offered_value,
    parse_set,
    set_answer,
)
from pligos_tui.jobs.scaffold.document import (
    SCRIPT_FILE,
    Check,
    absolute_document,
    answer_of,
    build_document,
    check_answers,
    document_text,
    flavor_accepts,
    near,
    pligos_yaml,
    skipped,
)
from pligos_tui.jobs.scaffold.given import Given, given_answers
from pligos_tui.jobs.scaffold.library import find_library
from pligos_tui.jobs.scaffold.questions import (
    BY_KEY,
    CONTEXT_QUESTIONS,
    CONTEXTS,
    PROBE_KINDS,
    QUESTIONS,
    START_KINDS,
    Question,
    context_key,
    questions_of,
    split_context_key,
    template_questions,
)
from pligos_tui.jobs.scaffold.template import (
    TEMPLATE_KEYS,
    Template,
    builtin_template,
    load_template,
    template_context,
)
from pligos_tui.jobs.scaffold.write import (
    WriteReport,
    preview_service,
    refuse_reason,
    stage,
    write_service,
)
from pligos_tui.spec.vocabulary import PULL_POLICIES

__all__ = [
    "Given",
    "given_answers",
    "BY_KEY",
    "CONTEXTS",
    "CONTEXT_QUESTIONS",
    "DEFAULT_CONTEXTS",
    "PROBE_KINDS",
    "PULL_POLICIES",
    "QUESTIONS",
    "SCRIPT_FILE",
    "START_KINDS",
    "TEMPLATE_KEYS",
    "Answers",
    "Check",
    "ContextAnswers",
    "Question",
    "Template",
    "WriteReport",
    "absolute_document",
    "answer_of",
    "answer_value",
    "answers_from",
    "build_document",
    "builtin_template",
    "check_answers",
    "context_key",
    "document_text",
    "fallback_value",
    "find_library",
    "flatten_answers",
    "flavor_accepts",
    "load_answers_file",
    "load_template",
    "missing_required",
    "near",
    "offered_value",
    "parse_set",
    "pligos_yaml",
    "preview_service",
    "questions_of",
    "refuse_reason",
    "set_answer",
    "skipped",
    "split_context_key",
    "stage",
    "template_context",
    "template_questions",
    "write_service",
]
