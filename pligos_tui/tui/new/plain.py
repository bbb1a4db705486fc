"""`pligos new --plain`: the wizard's questions, one after another in a plain terminal.

Same answers model, same checks (each answer is judged by the loader's rules before the
next question), same writer as the full-screen wizard.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from pligos_tui.jobs import scaffold
from pligos_tui.jobs.scaffold import Answers, Template


class Asker:
    """Asks with questionary; `input`/`output` are prompt_toolkit streams (for tests)."""

    def __init__(self, answers: Answers, dest: Path, template: Template, *,
                 input: Any = None, output: Any = None) -> None:
        self.answers = answers
        self.dest = Path(dest).absolute()
        self.template = template
        self.io = {k: v for k, v in (("input", input), ("output", output)) if v is not None}

    def message(self, key: str, value: Any) -> str | None:
        """The rules' verdict on `value` for `key`, given every answer so far."""
        trial = copy.deepcopy(self.answers)
        try:
            scaffold.set_answer(trial, key, value, template_keys=tuple(self.template.own_prompts))
        except ValueError as exc:
            return str(exc)
        check = scaffold.check_answers(trial, self.dest)
        return check.first(key) or None

    def ask(self, key: str, prompt: str, default: Any, *, choices: tuple[str, ...] = (),
            kind: str = "text", labels: dict[str, str] | None = None) -> bool:
        import questionary

        if kind == "choice":
            options = [questionary.Choice(labels.get(c, c) if labels else c, value=c)
                       for c in choices]
            question = questionary.select(prompt, choices=options,
                                          default=next((o for o in options if o.value == default),
                                                       None), **self.io)
        elif kind == "bool":
            question = questionary.confirm(prompt, default=bool(default), **self.io)
        else:
            question = questionary.text(
                prompt, default="" if default is None else str(default),
                validate=lambda text: self.message(key, text) or True, **self.io)
        value = question.ask(kbi_msg="")
        if value is None:
            return False
        scaffold.set_answer(self.answers, key, value,
                            template_keys=tuple(self.template.own_prompts))
        return True

    def run(self) -> Answers | None:
        from pligos_tui.spec.flavors import FlavorSet

        a = self.answers
        search = [Path(scaffold._near(self.dest, p)) for p in a.flavor_paths]
        flavors = {f.name: f"{f.name:<11} {f.description}" for f in FlavorSet().all(search)}
        steps: list[tuple[str, str, Any, dict[str, Any]]] = [
            ("name", "Service name (a DNS label)", lambda: a.name, {}),
            ("description", "One-line description", lambda: a.description, {}),
            ("flavor", "Flavor", lambda: a.flavor,
             {"kind": "choice", "choices": tuple(flavors), "labels": flavors}),
            ("image.repository", "Image repository (no tag)", lambda: a.repository, {}),
            ("image.tag", "Image tag", lambda: a.image_tag, {}),
            ("image.pullPolicy", "Pull policy", lambda: a.pull_policy,
             {"kind": "choice", "choices": scaffold.PULL_POLICIES}),
            ("start", "How it starts", lambda: a.start,
             {"kind": "choice", "choices": scaffold.START_KINDS}),
            ("command", "Command (shell words)", lambda: a.command, {}),
            ("port", "Service port", lambda: a.port, {}),
            ("containerPort", "Container port", lambda: a.container_port, {}),
            ("probe", "Probe", lambda: a.probe,
             {"kind": "choice", "choices": scaffold.PROBE_KINDS}),
            ("probe.path", "HTTP probe path", lambda: a.probe_path, {}),
            ("probe.command", "Exec probe command", lambda: a.probe_command, {}),
            ("config", "Mount a config/ folder?", lambda: a.config, {"kind": "bool"}),
            ("config.path", "Config mounted at", lambda: a.mount_path, {}),
            ("schedule", "Cron schedule", lambda: a.schedule, {}),
            ("contexts", "Contexts (comma-separated)",
             lambda: ", ".join(c.name for c in a.contexts), {}),
        ]
        for key, prompt, default, opts in steps:
            if key in scaffold.skipped(a, self.dest):
                continue
            if not self.ask(key, prompt, default(), **opts):
                return None
        for ctx in list(a.contexts):
            for field, prompt in (("replicas", "replicas"), ("fqdn", "host name (empty: none)"),
                                  ("cpu", "CPU request (e.g. 100m, empty: none)"),
                                  ("memory", "memory (e.g. 128Mi, empty: none)")):
                key = f"contexts.{ctx.name}.{field}"
                if key in scaffold.skipped(a, self.dest):
                    continue
                if not self.ask(key, f"{ctx.name}: {prompt}", getattr(ctx, field)):
                    return None
        for key, default in self.template.own_prompts.items():
            value = a.extra.get(key, default[0] if isinstance(default, list) else default)
            opts = {"kind": "choice", "choices": tuple(map(str, default))} \
                if isinstance(default, list) else {}
            if not self.ask(key, key, value, **opts):
                return None
        check = scaffold.check_answers(a, self.dest)
        print("\n" + check.text)
        if not check.ok:
            for key, messages in check.fields.items():
                print(f"  {key}: {messages[0]}")
            return None
        import questionary

        if not questionary.confirm(f"Write {self.dest}?", default=True, **self.io).ask(
                kbi_msg=""):
            return None
        return a


def ask(answers: Answers, dest: Path, template: Template, **io: Any) -> Answers | None:
    """Ask every question that applies; the answers, or None when cancelled."""
    return Asker(answers, dest, template, **io).run()
