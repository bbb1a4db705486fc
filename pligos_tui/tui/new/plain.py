"""`pligos new --plain`: the wizard's questions, one after another in a plain terminal.

Same answers model, same checks (each answer is judged by the loader's rules before the
next question), same writer as the full-screen wizard. An answer the rules refuse is
printed with the reason on a line of its own, and the question is asked once more (the
refused answer offered for fixing): the transcript reads as it happened, in a log too.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import TYPE_CHECKING

from pligos_tui.errors import display_path
from pligos_tui.jobs import scaffold
from pligos_tui.jobs.scaffold import (
    QUESTIONS,
    Answers,
    ContextAnswers,
    Question,
    Template,
    context_key,
    context_questions,
    template_questions,
)
from pligos_tui.tui.text import one_line

if TYPE_CHECKING:  # prompt_toolkit comes with questionary, imported when asking
    from prompt_toolkit.input import Input
    from prompt_toolkit.output import Output


class Asker:
    """Asks with questionary; `input`/`output` are prompt_toolkit streams (for tests)."""

    def __init__(self, answers: Answers, dest: Path, template: Template, *,
                 input: Input | None = None, output: Output | None = None) -> None:
        self.answers = answers
        self.dest = Path(dest).absolute()
        self.template = template
        self.input, self.output = input, output  # None: the terminal

    def message(self, key: str, value: object) -> str | None:
        """The rules' verdict on `value` for `key`, given every answer so far."""
        trial = copy.deepcopy(self.answers)
        try:
            scaffold.set_answer(trial, key, value, template_keys=tuple(self.template.own_prompts))
        except ValueError as exc:
            return str(exc)
        check = scaffold.check_answers(trial, self.dest)
        return check.first(key) or None

    def ask(self, key: str, prompt: str, default: str | int | bool | None, *,
            choices: tuple[str, ...] = (), kind: str = "text",
            labels: dict[str, str] | None = None) -> bool:
        import questionary

        prompt = one_line(prompt, 0)  # it may name a context or a template's own question
        if kind == "choice":
            options = [questionary.Choice(one_line(labels.get(c, c) if labels else c, 0),
                                          value=c) for c in choices]
            question = questionary.select(
                prompt, choices=options, input=self.input, output=self.output,
                default=next((o for o in options if o.value == default), None))
        elif kind == "bool":
            question = questionary.confirm(prompt, default=bool(default), input=self.input,
                                           output=self.output)
        elif kind == "pick":
            picked = set(_names(default))
            question = questionary.checkbox(
                prompt, input=self.input, output=self.output,
                choices=[questionary.Choice(one_line(labels.get(c, c) if labels else c, 0),
                                            value=c, checked=c in picked) for c in choices])
        else:
            return self.ask_text(key, prompt, "" if default is None else str(default))
        value = question.ask(kbi_msg="")
        if value is None:
            return False
        scaffold.set_answer(self.answers, key, value,
                            template_keys=tuple(self.template.own_prompts))
        return True

    def ask_text(self, key: str, prompt: str, default: str) -> bool:
        """Ask for text until the rules take it: a refused answer is printed with the reason
        and the question asked again, the refused text offered for fixing."""
        import questionary

        while True:
            value = questionary.text(prompt, default=default, input=self.input,
                                     output=self.output).ask(kbi_msg="")
            if value is None:
                return False
            message = self.message(key, value)
            if message is None:
                break
            print(f"  ! {message}", flush=True)
            default = value
        scaffold.set_answer(self.answers, key, value,
                            template_keys=tuple(self.template.own_prompts))
        return True

    def ask_question(self, question: Question, answers: Answers | ContextAnswers, *,
                     key: str = "", prompt: str = "",
                     offered: dict[str, str] | None = None) -> bool:
        """Ask `question` in its words, offering its answer in `answers`. A choice without
        fixed choices offers those of `offered` (value -> label: the flavors found)."""
        labels = offered if question.kind in ("choice", "pick") and not question.choices \
            else None
        return self.ask(key or question.key, prompt or question.prompt,
                        scaffold.offered_value(answers, question), kind=question.kind,
                        choices=tuple(labels) if labels else question.choices, labels=labels)

    def run(self) -> Answers | None:
        a = self.answers
        flavors = {name: f"{name:<11} {about}"
                   for name, about in scaffold.offered_flavors(a, self.dest)}
        library, friends = scaffold.find_library(self.dest, a.friends_library)
        # a line before the first question: a prompt drawn from the top-left corner erases
        # the whole screen each time it is redrawn, and a terminal such as tmux then keeps the
        # old screen in its scrollback, so the question would show twice
        print(f"New service in {display_path(self.dest)} (Ctrl+C quits; nothing is written "
              "until the end)", flush=True)
        for question in QUESTIONS:  # the friends after the contexts, as in the wizard
            if question.step == "extras" or not question.asked \
                    or question.key in scaffold.skipped(a, self.dest):
                continue
            if not self.ask_question(question, a, offered=flavors):
                return None
        for ctx in list(a.contexts):
            for question in context_questions(ctx.name):
                key = context_key(ctx.name, question.key)
                if key in scaffold.skipped(a, self.dest):
                    continue
                if not self.ask_question(question, ctx, key=key,
                                         prompt=f"{ctx.name}: {question.prompt}"):
                    return None
        for question in QUESTIONS:
            if question.step != "extras" or not question.asked or not friends \
                    or question.key in scaffold.skipped(a, self.dest):
                continue
            offered = {f.name: f"{f.name:<15} {f.about}" for f in friends}
            if not self.ask_question(question, a, offered=offered):
                return None
            a.friends_library = library
        for question in template_questions(self.template.own_prompts):
            if not self.ask_question(question, a):
                return None
        check = scaffold.check_answers(a, self.dest)
        print("\n" + check.text)
        if not check.ok:
            for key, messages in check.fields.items():
                print(f"  {key}: {messages[0]}")
            return None
        import questionary

        if not questionary.confirm(f"Write {self.dest}?", default=True, input=self.input,
                                   output=self.output).ask(kbi_msg=""):
            return None
        return a


def _names(value: object) -> list[str]:
    return [n.strip() for n in str(value or "").split(",") if n.strip()]


def ask(answers: Answers, dest: Path, template: Template, *, input: Input | None = None,
        output: Output | None = None) -> Answers | None:
    """Ask every question that applies; the answers, or None when cancelled."""
    return Asker(answers, dest, template, input=input, output=output).run()
