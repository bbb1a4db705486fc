"""From answers to a pligos.yaml: its data, its text, and each key path's answer.

:func:`check_answers` builds the document once and returns everything the shells show about
it: the text, the answers that do not apply (:func:`skipped`), and the problems the loader's
own rules find, each mapped back to the answer it came from (by the key path of the problem,
compared step by step with the origins :func:`build_document` records).
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from pligos_tui.errors import ConfigError, PligosError, Problem, display_path
from pligos_tui.io.keypath import Named, NamedPath, is_under, parse_path
from pligos_tui.io.yamlwrite import dump_for_people
from pligos_tui.jobs.scaffold.answers import Answers, ContextAnswers
from pligos_tui.jobs.scaffold.questions import CONTEXTS, EXPOSE_KINDS, QUESTIONS, context_key
from pligos_tui.spec.fields import dns_label, dns_subdomain
from pligos_tui.spec.flavors import FlavorSet
from pligos_tui.spec.load import load_service_text
from pligos_tui.spec.rules.pods import GATEWAY_NAME
from pligos_tui.spec.vocabulary import (
    CONFIG_NAME,
    CONTEXT_PROPERTIES,
    ENTRY_WORDS,
    FORMAT,
    PROPERTY_LISTS,
    PULL_POLICIES,
)

SCRIPT_FILE = "script/start.sh"
# what a flavor that cannot be read is taken to accept: all but a cronjob's schedule
UNREAD_FLAVOR_ACCEPTS = tuple(p for p in CONTEXT_PROPERTIES if p != "schedule")
HEADER = ("# {name}: described once for Pligos; each context below becomes a chart in\n"
          "# charts/<context>/{name}/ (`pligos generate`). Reference: docs/pligos-yaml.md\n")

Data = dict[str, object]
Origins = dict[NamedPath, str]  # key path -> answer key ("": a file the scaffold creates)


def near(root: Path, rel: str) -> str:
    """A folder relative to the service, made absolute (the service may not exist yet)."""
    return os.path.normpath(root / rel)


def offered_flavors(answers: Answers, root: Path) -> list[tuple[str, str]]:
    """(name, description) of each flavor a service written to `root` can pick: the built-in
    ones and those of its flavorPaths."""
    search = [Path(near(root, p)) for p in answers.flavor_paths]
    return [(f.name, f.description) for f in FlavorSet().all(search)]


def flavor_accepts(answers: Answers, root: Path) -> tuple[str, ...]:
    """What the answers' flavor accepts (flavorPaths looked up relative to `root`)."""
    try:
        flavor = FlavorSet().get(answers.flavor,
                                 [Path(near(root, p)) for p in answers.flavor_paths])
    except (PligosError, OSError):
        return UNREAD_FLAVOR_ACCEPTS
    return flavor.accepts if flavor is not None else UNREAD_FLAVOR_ACCEPTS


def _item(prop: str, name: str) -> NamedPath:
    return (prop, Named(name, ENTRY_WORDS[prop]))


def _context(name: str) -> NamedPath:
    return (CONTEXTS, Named(name, "context"))


def _shlex_ok(text: str) -> bool:
    try:
        shlex.split(text)
    except ValueError:
        return False
    return True


def _words(text: str) -> list[str]:
    return shlex.split(text) if _shlex_ok(text) else text.split()


def build_document(answers: Answers, root: Path, *,
                   accepts: tuple[str, ...] | None = None) -> tuple[Data, Origins]:
    """The pligos.yaml data for `answers`, and key path -> the answer it came from.

    `root` is the service folder-to-be: flavorPaths are looked up relative to it (unless the
    flavor's `accepts` is given). Folders stay as given: see :func:`absolute_document`."""
    if accepts is None:
        accepts = flavor_accepts(answers, root)
    origin: Origins = {("name",): "name", ("description",): "description",
                       ("flavorPaths",): "flavorPaths", ("friendsLibrary",): "friendsLibrary"}
    doc: Data = {"pligos": FORMAT, "name": answers.name}
    if answers.description:
        doc["description"] = answers.description
    if answers.flavor_paths:
        doc["flavorPaths"] = list(answers.flavor_paths)
    if answers.friends_library:
        doc["friendsLibrary"] = [answers.friends_library]
    image: Data = {"name": "app", "repository": answers.repository}
    if answers.image_tag.startswith("sha256:"):
        image["digest"] = answers.image_tag
    else:
        image["tag"] = answers.image_tag
    if answers.pull_policy != PULL_POLICIES[0]:
        image["pullPolicy"] = answers.pull_policy
    doc["images"] = [image]
    app = _item("images", "app")
    # a default repository is made from the name: the name's own message says it all
    origin.update({(*app, "repository"): "image.repository" if answers.image_repository
                   else "", (*app, "tag"): "image.tag", (*app, "digest"): "image.tag",
                   (*app, "pullPolicy"): "image.pullPolicy", app: "image.repository",
                   ("images",): "image.tag"})
    words = _words(answers.command)
    start = _item("commands", "start")
    if answers.start == "executable":
        entry: Data = {"name": "start", "type": "executable", "command": words[:1]}
        if words[1:]:
            entry["args"] = words[1:]
        doc["commands"] = [entry]
        origin[("commands",)] = "command"
    elif answers.start == "script":
        entry = {"name": "start", "type": "script", "fileName": SCRIPT_FILE,
                 "interpreter": ["/bin/sh"]}
        if words:
            entry["args"] = words
        doc["commands"] = [entry]
        origin[("commands",)] = "command"
        origin[(*start, "fileName")] = ""
    routes_ok = "routes" in accepts
    probe_ok = "probe" in accepts and answers.probe != "none"
    route_names: dict[str, str] = {}
    if routes_ok:
        http = _item("routes", "http")
        routes: list[Data] = [{"name": "http", "port": answers.port,
                               "containerPort": answers.container_port}]
        origin.update({(*http, "port"): "port", (*http, "containerPort"): "containerPort",
                       http: "port", ("routes",): "port"})
        used = {"http"}
        for ctx in answers.contexts:
            if not ctx.fqdn:
                route_names[ctx.name] = "http"
                continue
            name = f"http-{ctx.name}"[:15].rstrip("-")
            n = 2
            while name in used:
                name = f"http-{n}"
                n += 1
            used.add(name)
            route_names[ctx.name] = name
            route = _item("routes", name)
            fqdn = context_key(ctx.name, "fqdn")
            origin.update({(*route, "port"): "port", (*route, "containerPort"): "containerPort",
                           (*route, "fqdn"): fqdn, route: fqdn})
            routes.append({"name": name, "port": answers.port,
                           "containerPort": answers.container_port, "fqdn": ctx.fqdn})
        doc["routes"] = routes
    if probe_ok:
        target: str | int = "http" if routes_ok else answers.container_port
        handler: Data
        if answers.probe == "http":
            handler = {"httpGet": {"path": answers.probe_path or "/", "port": target}}
            from_answer = "probe.path"
        elif answers.probe == "tcp":
            handler = {"tcpSocket": {"port": target}}
            from_answer = "probe"
        else:
            handler = {"exec": {"command": _words(answers.probe_command)}}
            from_answer = "probe.command"
        doc["probes"] = [{"name": "main", "readiness": dict(handler), "liveness": dict(handler)}]
        main = _item("probes", "main")
        origin.update({main: from_answer, ("probes",): from_answer})
        if not routes_ok:  # the probe checks the container port itself
            for stage in ("readiness", "liveness"):
                for kind in ("httpGet", "tcpSocket"):
                    origin[(*main, stage, kind, "port")] = "containerPort"
    if answers.config and "mounts" in accepts:
        doc["mounts"] = [{"name": "config", "path": answers.mount_path, "files": ["config/"],
                          "readOnly": True}]
        config = _item("mounts", "config")
        origin.update({(*config, "path"): "config.path", (*config, "files"): "",
                       config: "config.path", ("mounts",): "config.path"})
    if answers.env and "env" in accepts:
        doc["env"] = [{"name": "app", "variables": dict(answers.env)}]
        origin.update({_item("env", "app"): "env", ("env",): "env"})
    resources: list[Data] = []
    resource_of: dict[str, str] = {}  # context -> the resources entry it uses
    for ctx in answers.contexts:
        if ctx.cpu or ctx.memory:
            requests = {k: v for k, v in (("cpu", ctx.cpu), ("memory", ctx.memory)) if v}
            needs: Data = {"name": ctx.name, "requests": requests}
            if ctx.memory:
                needs["limits"] = {"memory": ctx.memory}
            same = next((r for r in resources if {**r, "name": ctx.name} == needs), None)
            if same is not None:  # the same requests: one entry, which it may inherit
                resource_of[ctx.name] = str(same["name"])
                continue
            resources.append(needs)
            resource_of[ctx.name] = ctx.name
            entry_path = _item("resources", ctx.name)
            origin[(*entry_path, "requests", "cpu")] = context_key(ctx.name, "cpu")
            origin[entry_path] = context_key(ctx.name, "memory")
    if resources and "resources" in accepts:
        doc["resources"] = resources
    own = {ctx.name: _assignments(answers, ctx, doc, accepts, route_names.get(ctx.name),
                                  resource_of.get(ctx.name), probe_ok=probe_ok)
           for ctx in answers.contexts}
    contexts = _contexts(answers, own)
    for ctx in answers.contexts:
        at = _context(ctx.name)
        origin.update({(*at, "name"): CONTEXTS, (*at, "flavor"): "flavor", at: CONTEXTS,
                       (*at, "replicas"): context_key(ctx.name, "replicas"),
                       (*at, "schedule"): "schedule", (*at, "friends"): "friends",
                       (*at, "resources"): context_key(ctx.name, "memory"),
                       (*at, "probe"): "probe", (*at, "routes"): "port",
                       (*at, "command"): "command",
                       (*at, "autoscaling"): context_key(ctx.name, "maxReplicas"),
                       (*at, "expose"): context_key(ctx.name, "expose"),
                       # (the one problem of `via: gateway` is that it names no Gateway)
                       (*at, "expose", "via"): context_key(ctx.name, "gateway"),
                       (*at, "expose", "gateway"): context_key(ctx.name, "gateway"),
                       (*at, "env"): "env", (*at, "extends"): CONTEXTS})
    doc[CONTEXTS] = contexts
    origin[(CONTEXTS,)] = CONTEXTS
    if answers.contexts:
        doc["current-context"] = answers.contexts[0].name
    return doc, origin


def _assignments(answers: Answers, ctx: ContextAnswers, doc: Data, accepts: tuple[str, ...],
                 route: str | None, resources: str | None, *, probe_ok: bool) -> Data:
    """Everything the context `ctx` is assigned, as it would say it without `extends`;
    None where it has nothing (no resources: the defaults; no autoscaling; an Ingress)."""
    c: Data = {"flavor": answers.flavor, "image": "app"}
    if "commands" in doc and "command" in accepts:
        c["command"] = "start"
    if probe_ok:
        c["probe"] = "main"
    if route is not None:
        c["routes"] = [route]
    if "mounts" in doc:
        c["mounts"] = ["config"]
    if "env" in doc:
        c["env"] = ["app"]
    c["resources"] = resources if resources and "resources" in accepts else None
    if "replicas" in accepts:
        c["replicas"] = ctx.replicas
    if "autoscaling" in accepts:
        c["autoscaling"] = {"maxReplicas": ctx.max_replicas} if ctx.max_replicas else None
    exposed = route is not None and "expose" in accepts and ctx.fqdn \
        and ctx.expose != EXPOSE_KINDS[0]
    c["expose"] = _expose(ctx.expose, ctx.gateway) if exposed else None
    if "schedule" in accepts:
        c["schedule"] = answers.schedule
    if answers.friends and "friends" in accepts:
        c["friends"] = list(answers.friends)
    return c


# what a context without it has: left out of the first context (and of one that differs
# from it only in having nothing)
_NOTHING: Data = {"replicas": 1, "resources": None, "autoscaling": None, "expose": None}


def _contexts(answers: Answers, own: dict[str, Data]) -> list[Data]:
    """The contexts' entries: the first says all it is assigned; every other `extends` it
    and says only what differs (`key: null` where it has nothing the first has)."""
    out: list[Data] = []
    first = answers.contexts[0].name if answers.contexts else ""
    for ctx in answers.contexts:
        mine = own[ctx.name]
        if ctx.name == first:
            out.append({"name": ctx.name, **{k: v for k, v in mine.items()
                                             if k not in _NOTHING or v != _NOTHING[k]}})
            continue
        base = own[first]
        entry: Data = {"name": ctx.name, "extends": first}
        for key, value in mine.items():
            inherited = base.get(key, _NOTHING.get(key))
            if value != inherited:
                entry[key] = value
        out.append(entry)
    return out


def _expose(via: str, gateway: str) -> Data:
    """A context's `expose:` for the answers: through Gateway API, the Gateway named
    NAME or NAMESPACE/NAME."""
    out: Data = {"via": via}
    if via == "gateway" and gateway.strip():
        namespace, _, name = gateway.strip().rpartition("/")
        out["gateway"] = {"name": name, **({"namespace": namespace} if namespace else {})}
    return out


def _gateway_problem(answer: str) -> str | None:
    """What is wrong with a Gateway answer (NAME or NAMESPACE/NAME), or None."""
    if not answer.strip():
        return "give the Gateway to attach to: NAME or NAMESPACE/NAME, e.g. infra/public"
    parts = answer.strip().split("/")
    if len(parts) > 2:
        return f"{answer!r} is not NAME or NAMESPACE/NAME, e.g. infra/public"
    name, namespace = parts[-1], parts[0] if len(parts) == 2 else None
    problem = dns_subdomain(name)
    if problem is None and namespace is not None:
        problem = dns_label(namespace)
        return f"the Gateway's namespace: {problem}" if problem else None
    return f"the Gateway's name: {problem}" if problem else None


def absolute_document(doc: Data, root: Path) -> Data:
    """`doc` with the folders it names made absolute, for checking or rendering it before
    the service exists at `root`."""
    out = dict(doc)
    for key in ("flavorPaths", "friendsLibrary"):
        folders = doc.get(key)
        if isinstance(folders, list):
            out[key] = [near(root, str(f)) for f in folders]
    return out


def document_text(doc: Data, name: str) -> str:
    """pligos.yaml's text for `doc`: a header, and a blank line between its sections."""
    body = dump_for_people(doc)
    sections = (*PROPERTY_LISTS, CONTEXTS)
    parts: list[str] = []
    for line in body.splitlines(keepends=True):
        if parts and line[:1] not in (" ", "-", "") and line.split(":")[0] in sections:
            parts.append("\n")
        parts.append(line)
    return HEADER.format(name=name or "service") + "".join(parts)


def pligos_yaml(answers: Answers, root: Path, *, absolute: bool = False) -> str:
    """The pligos.yaml text the answers give (what the review step shows and the writer uses).

    With `absolute`, folders it names are absolute (for checking before the service exists)."""
    doc, _ = build_document(answers, root)
    return document_text(absolute_document(doc, root) if absolute else doc, answers.name)


def _a(flavor: str) -> str:
    """"a cronjob", "an api": the flavor as the subject of a reason."""
    return f"{'an' if flavor[:1].lower() in 'aeiou' else 'a'} {flavor or 'flavor'}"


def unused(answers: Answers, root: Path, *,
           accepts: tuple[str, ...] | None = None) -> dict[str, str]:
    """Answer keys that do not apply to these answers (the flavor takes no routes, the probe
    is not HTTP, ...), each with the reason: the wizard hides them, the plain prompts skip
    them, and given ones are refused (see :meth:`.given.Given.require_all`)."""
    if accepts is None:
        accepts = flavor_accepts(answers, root)
    out: dict[str, str] = {}
    flavor = _a(answers.flavor)
    names = [c.name for c in answers.contexts]

    def add(keys: list[str] | tuple[str, ...], reason: str) -> None:
        for key in keys:
            out.setdefault(key, reason)

    if "command" not in accepts:
        add(("start", "command"), f"{flavor} runs no command of its own")
    elif answers.start == "image":
        add(("command",), "the service starts with its image's own entrypoint (start=image), "
            "so it runs no command")
    if "probe" not in accepts:
        add(("probe", "probe.path", "probe.command"), f"{flavor} has no probe")
    if answers.probe != "http":
        add(("probe.path",), f"the probe is {answers.probe}, so it has no HTTP path")
    if answers.probe != "exec":
        add(("probe.command",), f"the probe is {answers.probe}, so it runs no command")
    if "routes" not in accepts:
        add(("port",), f"{flavor} has no routes, so it has no service port")
        add([context_key(n, "fqdn") for n in names],
            f"{flavor} has no routes, so it has no host")
        if "probe" not in accepts or answers.probe not in ("http", "tcp"):
            add(("containerPort",), f"{flavor} has no routes and no HTTP or TCP probe, so it "
                "uses no container port")
    if "mounts" not in accepts:
        add(("config", "config.path"), f"{flavor} takes no mounts, so no config/ is mounted")
    elif not answers.config:
        add(("config.path",), "config is no, so no config/ is mounted")
    if "schedule" not in accepts:
        add(("schedule",), f"{flavor} runs on no schedule")
    if "replicas" not in accepts:
        add([context_key(n, "replicas") for n in names], f"{flavor} has no replicas")
    if "resources" not in accepts:
        add([context_key(n, k) for n in names for k in ("cpu", "memory")],
            f"{flavor} takes no resource requests")
    if "autoscaling" not in accepts:
        add([context_key(n, "maxReplicas") for n in names], f"{flavor} does not autoscale")
    for ctx in answers.contexts:
        exposed = (context_key(ctx.name, "expose"), context_key(ctx.name, "gateway"))
        if "routes" not in accepts or "expose" not in accepts:
            add(exposed, f"{flavor} exposes no routes")
        elif not ctx.fqdn:
            add(exposed, f"{ctx.name} has no host name ({context_key(ctx.name, 'fqdn')}), so "
                "nothing of it is exposed")
        elif ctx.expose != "gateway":
            add(exposed[1:], f"{ctx.name}'s host is exposed through an Ingress "
                f"(expose={ctx.expose}), so it names no Gateway")
    if "env" not in accepts:
        add(("env",), f"{flavor} takes no environment variables")
    if "friends" not in accepts:
        add(("friends",), f"{flavor} takes no friends")
    return out


def skipped(answers: Answers, root: Path, *,
            accepts: tuple[str, ...] | None = None) -> frozenset[str]:
    """Answer keys that do not apply to these answers (see :func:`unused`)."""
    return frozenset(unused(answers, root, accepts=accepts))


# --------------------------------------------------------------------------- checking

@dataclass
class Check:
    """Answers, checked: the pligos.yaml they give (its data, its text, and the same text
    with absolute folders that was checked), the origin of each key path, the answers that
    do not apply, and messages per answer key."""

    text: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    document: Data = field(default_factory=dict)
    origins: Origins = field(default_factory=dict)
    skipped: frozenset[str] = frozenset()
    checked_text: str = ""

    @property
    def ok(self) -> bool:
        return not self.fields

    def first(self, key: str) -> str:
        return self.fields.get(key, [""])[0]

    def add(self, key: str, message: str) -> None:
        self.fields.setdefault(key, []).append(message)


# how a rule names the contexts a finding was made in: an answer is about all of them
_IN_CONTEXTS = re.compile(r" \(contexts? '[^)]*\)")


def answer_of(key_path: str, origins: Origins) -> str:
    """The answer a problem at `key_path` belongs to: the longest origin it lies under ("":
    a file the scaffold creates; "name" when none does)."""
    try:
        path = parse_path(key_path)
    except ValueError:
        return "name"
    under = [at for at in origins if is_under(path, at)]
    return origins[max(under, key=len)] if under else "name"


def check_answers(answers: Answers, root: Path) -> Check:
    """Check answers with the loader's own rules, mapping each problem to its answer.

    The document is built once; its text is loaded with :func:`load_service_text` as if it
    were root/pligos.yaml; problems about files the scaffold creates itself are left out."""
    accepts = flavor_accepts(answers, root)
    doc, origins = build_document(answers, root, accepts=accepts)
    checked = document_text(absolute_document(doc, root), answers.name)
    result = Check(document_text(doc, answers.name), document=doc, origins=origins,
                   skipped=skipped(answers, root, accepts=accepts), checked_text=checked)
    for q in QUESTIONS:
        if q.required and not getattr(answers, q.attr):
            result.add(q.key, "required")
    if not answers.contexts:
        result.add(CONTEXTS, "give at least one context")
    if answers.start == "executable" and not answers.command.strip():
        result.add("command", "give the command to run, e.g. /app/server --port 8080")
    for key, text_value in (("command", answers.command),
                            ("probe.command", answers.probe_command)):
        if not _shlex_ok(text_value):
            result.add(key, "unbalanced quotes")
    if answers.probe == "exec" and not answers.probe_command.strip():
        result.add("probe.command", "give the command the probe runs, e.g. cat /tmp/ready")
    for ctx in answers.contexts:
        gateway = context_key(ctx.name, "gateway")
        if gateway not in result.skipped and ctx.expose == "gateway":
            message = _gateway_problem(ctx.gateway)
            if message:
                result.add(gateway, message)
    seen: set[tuple[str, str]] = set()
    try:
        load_service_text(checked, root, display_path(root / CONFIG_NAME))
    except ConfigError as exc:
        for problem in exc.problems:
            key = answer_of(problem.key_path, origins)
            if key == "":
                continue
            result.problems.append(problem)
            if problem.rule == GATEWAY_NAME.id and key in result.fields:
                continue  # the answer's own message says it (the rule's hint is for the file)
            if problem.rule and (key, problem.rule) in seen:
                continue  # one answer, one message per rule (a flavor is every context's)
            seen.add((key, problem.rule))
            message = _IN_CONTEXTS.sub("", problem.message)
            msg = message + (f" ({problem.hint})" if problem.hint else "")
            if msg not in result.fields.get(key, []):
                result.add(key, msg)
    except PligosError as exc:
        result.add("name", exc.message)
    if not answers.image_tag and "image.tag" not in result.fields:
        result.add("image.tag", "give the image's tag, e.g. 0.1.0 (or a digest: sha256:...); "
                   f"an empty one would leave the image as {answers.repository}:")
    return result
