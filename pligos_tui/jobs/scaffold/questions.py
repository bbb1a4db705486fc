"""The questions `pligos new` asks, declared once.

Each :class:`Question` says everything a shell needs to ask it: the answer's key (for --set,
answer files and the wizard's field ids), the attribute of the answers model it fills, its
kind and fixed choices, the wizard's label, step and help, the plain form's wording, and what
an empty answer stands for. The full-screen wizard, the plain prompts and the parsing of
--set and answer files all read this table; :func:`~.answers.set_answer` applies its rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pligos_tui.spec.vocabulary import (
    COMMAND_TYPES,
    EXPOSE_VIA,
    PULL_POLICIES,
    SERVICE_NAME_MAX,
)

START_KINDS = ("image", *COMMAND_TYPES)  # the image's own entrypoint, or a command
PROBE_KINDS = ("http", "tcp", "exec", "none")
CONTEXTS = "contexts"  # the answer listing the contexts; each has the settings below
# how a host name is exposed: the choices of the setting expose.via but `none` (a context
# that wants none gives no host name)
EXPOSE_KINDS = tuple(c for c in EXPOSE_VIA if c != "none")
# a context whose name is one of these, or has one between its dashes (prod-eu), is asked the
# production questions (autoscaling, Gateway API) as well
PRODUCTION_WORDS = ("prod", "production", "live")


@dataclass(frozen=True)
class Question:
    """One answer a user can give.

    `kind` is text, int, bool, choice, list, pairs or pick. A choice without fixed
    `choices` (the flavor) is offered from what the shell finds and takes any text: the
    loader's rules judge it. `pairs` is a list of NAME=VALUE (the environment), `pick` a
    list of names picked from what the shell finds (the friends of a library): asked only
    when there is something to pick.
    `attr` is the attribute of the answers model (of a context's answers, for
    :data:`CONTEXT_QUESTIONS`); empty for a template's own question, kept in
    `Answers.extra`, whose `default` is the template's. `fallback` names the property of the
    answers an empty answer stands for: the wizard shows it as the placeholder and the plain
    form offers it as the answer. Questions of one `group` sit side by side in the wizard;
    one not `asked` is only given with --set or in an answers file. A whole number with a
    `zero` may be left empty, which means 0 (`zero` says what that is: "no autoscaling"). A
    context's
    question that is `production` is asked only of production contexts
    (:func:`production_like`), and may be given for any."""

    key: str
    attr: str
    kind: str
    label: str  # the wizard's
    prompt: str  # the plain form's
    step: str = ""
    choices: tuple[str, ...] = ()
    required: bool = False
    help: str = ""
    example: str = ""  # the wizard's placeholder
    fallback: str = ""
    group: str = ""
    asked: bool = True
    default: str = ""
    zero: str = ""
    production: bool = False


QUESTIONS: tuple[Question, ...] = (
    Question("name", "name", "text", "Name", "Service name (a DNS label)", "service",
             required=True, example="billing",
             help=f"a DNS label: lower-case letters, digits and '-', at most {SERVICE_NAME_MAX}"),
    Question("description", "description", "text", "Description", "One-line description",
             "service", example="Bills customers every month"),
    Question("flavor", "flavor", "choice", "Flavor", "Flavor", "service", required=True),
    Question("image.repository", "image_repository", "text", "Repository",
             "Image repository (no tag)", "image", fallback="repository",
             help="without a tag; empty: the placeholder"),
    Question("image.tag", "image_tag", "text", "Tag", "Image tag", "image", example="1.0.0",
             help="or a digest: sha256:..."),
    Question("image.pullPolicy", "pull_policy", "choice", "Pull policy", "Pull policy", "image",
             choices=PULL_POLICIES),
    Question("start", "start", "choice", "Starts with", "How it starts", "start",
             choices=START_KINDS),
    Question("command", "command", "text", "Command", "Command (shell words)", "start",
             example="/app/server --port 8080", help="shell words; for a script: its arguments"),
    Question("env", "env", "pairs", "Environment variables",
             "Environment variables (NAME=VALUE, separated by commas; empty: none)", "start",
             example="LOG_LEVEL=info, REGION=eu-west-1",
             help="NAME=VALUE, separated by commas; every context gets them"),
    Question("port", "port", "int", "Service port", "Service port", "network", group="ports"),
    Question("containerPort", "container_port", "int", "Container port", "Container port",
             "network", group="ports"),
    Question("probe", "probe", "choice", "Probe", "Probe", "network", choices=PROBE_KINDS),
    Question("probe.path", "probe_path", "text", "HTTP path", "HTTP probe path", "network",
             example="/healthz", group="probe"),
    Question("probe.command", "probe_command", "text", "Exec command", "Exec probe command",
             "network", example="cat /tmp/ready", group="probe"),
    Question("config", "config", "bool", "Mount config/", "Mount a config/ folder?", "network",
             group="config"),
    Question("config.path", "config_path", "text", "Mounted at", "Config mounted at", "network",
             fallback="mount_path", group="config"),
    Question("schedule", "schedule", "text", "Schedule (cronjob)", "Cron schedule", "network",
             example="0 3 * * *"),
    Question(CONTEXTS, "contexts", "list", "Contexts", "Contexts (comma-separated)", "contexts",
             example="dev, prod", help="names, separated by commas"),
    Question("friendsLibrary", "friends_library", "text", "Friends library",
             "Friends library folder", "extras", asked=False),
    Question("friends", "friends", "pick", "Friends",
             "Friends: the services this one talks to (Space picks, Enter goes on)", "extras",
             help="from the friends library; each brings its chart and its settings"),
    Question("flavorPaths", "flavor_paths", "list", "Extra flavor folders",
             "Extra flavor folders", asked=False),
)
BY_KEY: Mapping[str, Question] = {q.key: q for q in QUESTIONS}

# what each context is asked; its answer key is contexts.<name>.<key> (see `context_key`)
CONTEXT_QUESTIONS: tuple[Question, ...] = (
    Question("replicas", "replicas", "int", "Replicas", "replicas", "contexts"),
    Question("fqdn", "fqdn", "text", "Host name", "host name (empty: none)", "contexts",
             example="none"),
    Question("cpu", "cpu", "text", "CPU", "CPU request (e.g. 100m, empty: none)", "contexts",
             example="-"),
    Question("memory", "memory", "text", "Memory", "memory (e.g. 128Mi, empty: none)",
             "contexts", example="-"),
    Question("maxReplicas", "max_replicas", "int", "Autoscale up to",
             "autoscale up to how many replicas (empty: no autoscaling)", "contexts",
             example="off", zero="no autoscaling", production=True,
             help="replicas at most; at least: its replicas"),
    Question("expose", "expose", "choice", "Host through", "expose the host name through",
             "contexts", choices=EXPOSE_KINDS, production=True),
    Question("gateway", "gateway", "text", "Gateway", "the Gateway to attach to "
             "(NAME or NAMESPACE/NAME)", "contexts", example="NAMESPACE/NAME", production=True),
)
CONTEXT_BY_KEY: Mapping[str, Question] = {q.key: q for q in CONTEXT_QUESTIONS}


def production_like(context: str) -> bool:
    """Whether `context` is asked the production questions: its name, or a part of it
    between dashes, is prod, production or live (prod, prod-eu, eu-live)."""
    return any(part in PRODUCTION_WORDS for part in context.lower().split("-"))


def context_questions(context: str) -> tuple[Question, ...]:
    """The questions the wizard and the plain prompts ask of one context."""
    return tuple(q for q in CONTEXT_QUESTIONS if not q.production or production_like(context))


def questions_of(step: str) -> tuple[Question, ...]:
    """The questions the wizard's `step` asks, in order."""
    return tuple(q for q in QUESTIONS if q.step == step and q.asked)


def context_key(context: str, setting: str) -> str:
    """The answer key of one setting of a context: contexts.prod.fqdn."""
    return f"{CONTEXTS}.{context}.{setting}"


def split_context_key(key: str) -> tuple[str, str] | None:
    """(context, setting) of a context's answer key; None for any other key."""
    parts = key.split(".")
    if len(parts) == 3 and parts[0] == CONTEXTS and parts[2] in CONTEXT_BY_KEY:
        return parts[1], parts[2]
    return None


def template_questions(prompts: Mapping[str, object]) -> tuple[Question, ...]:
    """A template's own questions (its cookiecutter.json variables the answers model does not
    have): a list is a choice, its first item the default."""
    out = []
    for key, default in prompts.items():
        if isinstance(default, list):
            choices = tuple(str(d) for d in default)
            out.append(Question(key, "", "choice", key, key, "extras", choices=choices,
                                default=choices[0] if choices else ""))
        else:
            out.append(Question(key, "", "text", key, key, "extras",
                                default="" if default is None else str(default)))
    return tuple(out)


def env_key(key: str) -> str | None:
    """The variable of an answer key env.NAME (one environment variable); None for any other
    key."""
    head, dot, name = key.partition(".")
    return name if head == "env" and dot and name else None


def known_keys(template_keys: tuple[str, ...] = ()) -> list[str]:
    """Every answer key, for messages about an unknown one."""
    return ([q.key for q in QUESTIONS] + [context_key("<name>", q.key) for q in CONTEXT_QUESTIONS]
            + ["env.<NAME>", *template_keys])
