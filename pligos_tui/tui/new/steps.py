"""The wizard's steps: each a panel of fields over the one answers model."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import groupby
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Label, Static

from pligos_tui.jobs.scaffold import (
    BY_KEY,
    CONTEXT_QUESTIONS,
    Answers,
    ContextAnswers,
    Question,
    answer_value,
    context_key,
    production_like,
    questions_of,
    template_questions,
)
from pligos_tui.tui.new.fields import Field
from pligos_tui.tui.text import literal, one_line

if TYPE_CHECKING:
    from pligos_tui.jobs.scaffold import Offered

FRIENDS, LIBRARY = "friends", "friendsLibrary"  # the answers the extras step gives


class Step(VerticalScroll):
    """A panel of the wizard: the fields of the questions of its step (its id), side by side
    where they share a group. Subclasses add what is not a question's field."""

    title = ""
    intro = ""
    buttons_composed = True  # False: the step's owner adds them (:meth:`add_buttons`)

    def __init__(self, answers: Answers, *, id: str | None = None) -> None:
        super().__init__(classes="step", id=id)
        self.answers = answers

    def compose(self) -> ComposeResult:
        yield Static(self.title, classes="step-title")
        if self.intro:
            yield Static(self.intro, classes="intro")
        yield from self.fields()
        if self.buttons_composed:
            yield self._buttons()

    def add_buttons(self) -> None:
        """Add the Back and Next buttons of a step composed without them."""
        if self.is_attached and not self.query(".nav"):  # (not when closing already)
            self.mount(self._buttons())

    def _buttons(self) -> Horizontal:
        return Horizontal(
            Button("‹ Back", id=f"back-{self.id}", classes="back", compact=True),
            Button("Next ›", id=f"next-{self.id}", classes="next", variant="primary",
                   compact=True),
            classes="nav")

    def fields(self) -> ComposeResult:
        return self.question_fields(questions_of(self.id or ""))

    def question_fields(self, questions: Iterable[Question]) -> ComposeResult:
        for group, members in groupby(questions, key=lambda q: q.group):
            if group:
                with Horizontal(classes="pair"):
                    for question in members:
                        yield self.field(question)
            else:
                for question in members:
                    yield self.field(question)

    def field(self, question: Question) -> Field:
        return Field.asking(question, self.answers)

    def values(self) -> list[tuple[str, object]]:
        return [(f.key, f.value()) for f in self.query(Field)]


class ServiceStep(Step):
    """The first step. Its flavor choice is added by :meth:`offer` once the flavors are
    found (the name and the description are asked before that)."""

    title = "Service"
    intro = "What the service is called and which flavor builds its charts."
    # the wizard's first screen, painted before its buttons (the mouse's Escape and Ctrl+N)
    # are added: Textual's buttons cost a tenth of the start
    buttons_composed = False

    def __init__(self, answers: Answers, flavors: list[tuple[str, str]] | None, *,
                 id: str | None = None) -> None:
        super().__init__(answers, id=id)
        self.flavors = flavors

    def fields(self) -> ComposeResult:
        for question in questions_of(self.id or ""):
            if question.kind == "choice" and self.flavors is None:
                yield Static(question.label, classes="prompt", id="flavors-wait")
            else:
                yield self.field(question)
        yield Static(self._about_flavors(), classes="help flavors")

    def field(self, question: Question) -> Field:
        names = tuple(name for name, _ in self.flavors or ())  # the open choice: those found
        return Field.asking(question, self.answers, choices=names)

    def _about_flavors(self) -> Content:
        if self.flavors is None:
            return Content("looking for flavors…")
        return Content("\n").join(Content.assemble((one_line(n), "bold"), "  ", one_line(d, 0))
                                  for n, d in self.flavors)

    async def offer(self, answers: Answers, flavors: list[tuple[str, str]]) -> None:
        """The answers given and the flavors found are known: the fields not typed into yet
        show the given answers, and the flavor choice is added."""
        self.answers, self.flavors = answers, flavors
        for field in self.query(Field):
            if field.question is not None:
                field.take(answer_value(answers, field.question))
        waiting = self.query("#flavors-wait")
        if waiting:
            flavor = next(q for q in questions_of(self.id or "") if q.kind == "choice")
            await self.mount(self.field(flavor), after=waiting.first())
            await waiting.remove()
        self.query_one(".flavors", Static).update(self._about_flavors())


class ImageStep(Step):
    title = "Image"
    intro = "The container image every context runs."


class StartStep(Step):
    title = "Start"
    intro = ("How the container starts: the image's own entrypoint, a command, or a script "
             "of the service (a starter script/start.sh is created); and its environment.")


class NetworkStep(Step):
    title = "Ports and probes"
    intro = "The port the service listens on, how Kubernetes checks it, its config files."


class ContextsStep(Step):
    title = "Contexts"
    intro = ("Each context becomes a chart; the first is the one the others extend. Host "
             "name: an Ingress. Requests: cpu 100m, memory 128Mi. A production context (prod, "
             "live, prod-…) may autoscale and use Gateway API.")

    def fields(self) -> ComposeResult:
        yield from super().fields()
        # the first rows are there from the start: typing on the first step never waits for
        # them
        yield Vertical(*_context_rows(self.answers), id="context-rows")

    async def rebuild(self, answers: Answers) -> bool:
        """The rows again, when the list of contexts changed (after it is submitted or
        left); True when it did."""
        rows = self.query_one("#context-rows", Vertical)
        have = [row.name for row in rows.children]
        want = [c.name for c in answers.contexts if c.name]
        if have == want:
            return False
        await rows.remove_children()
        await rows.mount_all(_context_rows(answers))
        return True


def _context_rows(answers: Answers) -> list[Vertical]:
    """One row of fields per context, and a second one of production questions for a
    production context."""
    out = []
    for ctx in answers.contexts:
        if not ctx.name:
            continue
        lines = [Horizontal(Label(literal(ctx.name), classes="context-name"),
                            *_context_fields(ctx, production=False), classes="context-row")]
        if production_like(ctx.name):
            lines.append(Horizontal(Label("", classes="context-name"),
                                    *_context_fields(ctx, production=True),
                                    classes="context-row production"))
        out.append(Vertical(*lines, classes="context", name=ctx.name))
    return out


def _context_fields(ctx: ContextAnswers, *, production: bool) -> list[Field]:
    """The fields of a context's questions (its production ones, or the others)."""
    return [Field.asking(q, ctx, key=context_key(ctx.name, q.key), compact=True)
            for q in CONTEXT_QUESTIONS if q.production == production]


class ExtrasStep(Step):
    title = "Friends and template"
    intro = ("Services this one talks to (Space picks one; each brings its chart and settings "
             "to every context), and the questions of the template itself.")

    def __init__(self, answers: Answers, friends: list[Offered], library: str,
                 prompts: dict[str, object], *, id: str | None = None) -> None:
        super().__init__(answers, id=id)
        self.friends = friends
        self.library = library
        self.prompts = prompts

    def fields(self) -> ComposeResult:
        if self.friends:
            from textual.widgets import SelectionList  # (not on the first step: imported here)

            width = max(len(f.name) for f in self.friends) + 2
            question = BY_KEY[FRIENDS]
            yield Label(f"{question.label} from {one_line(self.library, 0)}",
                        classes="prompt", markup=False)
            yield SelectionList[str](
                *[(Content.assemble((one_line(f.name).ljust(width), "bold"),
                                    one_line(f.about, 0)), f.name, f.name in self.answers.friends)
                  for f in self.friends], id="friends", classes="control")
        yield from self.question_fields(template_questions(self.prompts))

    def values(self) -> list[tuple[str, object]]:
        out = super().values()
        if self.friends:
            out.append((LIBRARY, self.library))
            from textual.widgets import SelectionList

            out.append((FRIENDS, list(self.query_one("#friends", SelectionList).selected)))
        return out
