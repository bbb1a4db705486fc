"""The wizard's steps: each a panel of fields over the one answers model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, SelectionList, Static

from pligos_tui.jobs.scaffold import PROBE_KINDS, START_KINDS, Answers
from pligos_tui.spec.vocabulary import PULL_POLICIES
from pligos_tui.tui.new.fields import Field


class Step(VerticalScroll):
    """A panel of the wizard. Subclasses yield their fields from `fields()`."""

    title = ""
    intro = ""

    def __init__(self, answers: Answers, **kwargs: Any) -> None:
        super().__init__(classes="step", **kwargs)
        self.answers = answers

    def compose(self) -> ComposeResult:
        yield Static(self.title, classes="step-title")
        if self.intro:
            yield Static(self.intro, classes="intro")
        yield from self.fields()
        with Horizontal(classes="nav"):
            yield Button("‹ Back", id=f"back-{self.id}", classes="back")
            yield Button("Next ›", id=f"next-{self.id}", classes="next", variant="primary")

    def fields(self) -> ComposeResult:
        return iter(())

    def values(self) -> list[tuple[str, Any]]:
        return [(f.key, f.value()) for f in self.query(Field)]


class ServiceStep(Step):
    title = "Service"
    intro = "What the service is called and which flavor builds its charts."

    def __init__(self, answers: Answers, flavors: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(answers, **kwargs)
        self.flavors = flavors

    def fields(self) -> ComposeResult:
        a = self.answers
        yield Field("name", "Name", a.name, placeholder="billing",
                    help="a DNS label: lower-case letters, digits and '-', at most 53")
        yield Field("description", "Description", a.description,
                    placeholder="Bills customers every month")
        names = tuple(name for name, _ in self.flavors)
        yield Field("flavor", "Flavor", a.flavor, kind="choice", choices=names)
        yield Static("\n".join(f"[b]{n}[/b]  {d}" for n, d in self.flavors),
                     classes="help flavors")


class ImageStep(Step):
    title = "Image"
    intro = "The container image every context runs."

    def fields(self) -> ComposeResult:
        a = self.answers
        yield Field("image.repository", "Repository", a.image_repository,
                    placeholder=a.repository, help="without a tag; empty: the placeholder")
        yield Field("image.tag", "Tag", a.image_tag, placeholder="1.0.0",
                    help="or a digest: sha256:...")
        yield Field("image.pullPolicy", "Pull policy", a.pull_policy, kind="choice",
                    choices=PULL_POLICIES)


class StartStep(Step):
    title = "Start"
    intro = ("How the container starts: the image's own entrypoint, a command, or a script "
             "of the service (a starter script/start.sh is created).")

    def fields(self) -> ComposeResult:
        a = self.answers
        yield Field("start", "Starts with", a.start, kind="choice", choices=START_KINDS)
        yield Field("command", "Command", a.command, placeholder="/app/server --port 8080",
                    help="shell words; for a script: its arguments")


class NetworkStep(Step):
    title = "Ports and probes"
    intro = "The port the service listens on, how Kubernetes checks it, its config files."

    def fields(self) -> ComposeResult:
        a = self.answers
        with Horizontal(classes="pair"):
            yield Field("port", "Service port", a.port, kind="int")
            yield Field("containerPort", "Container port", a.container_port, kind="int")
        yield Field("probe", "Probe", a.probe, kind="choice", choices=PROBE_KINDS)
        with Horizontal(classes="pair"):
            yield Field("probe.path", "HTTP path", a.probe_path, placeholder="/healthz")
            yield Field("probe.command", "Exec command", a.probe_command,
                        placeholder="cat /tmp/ready")
        with Horizontal(classes="pair"):
            yield Field("config", "Mount config/", a.config, kind="bool")
            yield Field("config.path", "Mounted at", a.config_path, placeholder=a.mount_path)
        yield Field("schedule", "Schedule (cronjob)", a.schedule, placeholder="0 3 * * *")


class ContextsStep(Step):
    title = "Contexts"
    intro = ("Each context becomes a chart. Host name: exposes the port through an Ingress. "
             "Requests: cpu such as 100m, memory such as 128Mi.")

    def fields(self) -> ComposeResult:
        yield Field("contexts", "Contexts", ", ".join(c.name for c in self.answers.contexts),
                    placeholder="dev, prod", help="names, separated by commas")
        yield Vertical(id="context-rows")

    async def on_mount(self) -> None:
        await self.rebuild(self.answers)

    async def rebuild(self, answers: Answers) -> bool:
        """One row per context (after the list is submitted or left); True when changed."""
        rows = self.query_one("#context-rows", Vertical)
        have = [row.name for row in rows.children]
        want = [c.name for c in answers.contexts if c.name]
        if have == want:
            return False
        await rows.remove_children()
        for ctx in answers.contexts:
            if not ctx.name:
                continue
            base = f"contexts.{ctx.name}"
            await rows.mount(Horizontal(
                Label(ctx.name, classes="context-name"),
                Field(f"{base}.replicas", "Replicas", ctx.replicas, kind="int", compact=True),
                Field(f"{base}.fqdn", "Host name", ctx.fqdn, compact=True, placeholder="none"),
                Field(f"{base}.cpu", "CPU", ctx.cpu, compact=True, placeholder="-"),
                Field(f"{base}.memory", "Memory", ctx.memory, compact=True, placeholder="-"),
                classes="context-row", name=ctx.name))
        return True


class ExtrasStep(Step):
    title = "Friends and template"
    intro = "Services this one talks to, and the questions of the template itself."

    def __init__(self, answers: Answers, friends: list[str], library: str,
                 prompts: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(answers, **kwargs)
        self.friends = friends
        self.library = library
        self.prompts = prompts

    def fields(self) -> ComposeResult:
        if self.friends:
            yield Label(f"Friends from {self.library}", classes="prompt")
            yield SelectionList[str](*[(f, f, f in self.answers.friends) for f in self.friends],
                                     id="friends", classes="control")
        for key, default in self.prompts.items():
            value = self.answers.extra.get(key, default)
            if isinstance(default, list):
                yield Field(key, key, value if value in default else default[0],
                            kind="choice", choices=tuple(str(d) for d in default))
            else:
                yield Field(key, key, value)

    def values(self) -> list[tuple[str, Any]]:
        out = super().values()
        if self.friends:
            out.append(("friendsLibrary", self.library))
            out.append(("friends", list(self.query_one("#friends", SelectionList).selected)))
        return out


def find_library(dest: Path, given: str) -> tuple[str, list[str]]:
    """A friends library: the one given, else a `friends/` folder beside or above DIR.

    Returns (folder relative to DIR, friend names)."""
    import os

    import yaml

    candidates = [dest / given] if given else [p / "friends" for p in list(dest.parents)[:3]]
    for folder in candidates:
        if folder.is_dir():
            names = []
            for file in sorted(folder.glob("*.y*ml")):
                try:
                    data = yaml.safe_load(file.read_text())
                except (OSError, yaml.YAMLError):
                    continue
                if isinstance(data, dict) and isinstance(data.get("name"), str):
                    names.append(data["name"])
            if names:
                return os.path.relpath(folder, dest), names
    return given, []
