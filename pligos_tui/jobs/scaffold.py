"""Scaffolding a new service: the answers model and the one writer behind `pligos new`.

The wizard, the plain prompts and `--no-input` all fill the same :class:`Answers`; this
module turns answers into a pligos.yaml text, checks them with the loader's own rules
(:func:`check_answers` runs :func:`pligos_tui.model.load_service_text` and maps each problem
back to the answer it came from), and writes the service with :func:`write_service`:
cookiecutter renders the template into a hidden folder beside the destination, the result is
loaded and its charts generated there, and only then is it moved into place. Nothing here
knows about terminals.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pligos_tui.errors import (
    AnswersError,
    ConfigError,
    PligosError,
    Problem,
    UsageError,
    display_path,
)
from pligos_tui.io.yamlwrite import dump_for_people

PACKAGE = Path(__file__).resolve().parent.parent
PACKAGED_TEMPLATE = PACKAGE / "_cookiecutters" / "service"
CHECKOUT_TEMPLATE = PACKAGE.parent / "cookiecutters" / "service"

START_KINDS = ("image", "executable", "script")
PROBE_KINDS = ("http", "tcp", "exec", "none")
PULL_POLICIES = ("IfNotPresent", "Always", "Never")
SCRIPT_FILE = "script/start.sh"
DEFAULT_CONTEXTS = (("dev", 1), ("prod", 2))
# keys the built-in template knows; any other key of a template's cookiecutter.json is its own
TEMPLATE_KEYS = ("name", "description", "flavor", "image", "container_port", "start", "config",
                 "config_path", "contexts")


def builtin_template() -> Path:
    """The service template shipped with Pligos (in the wheel, or in a source checkout)."""
    for path in (PACKAGED_TEMPLATE, CHECKOUT_TEMPLATE):
        if (path / "cookiecutter.json").is_file():
            return path
    raise PligosError("the built-in service template is missing from this installation",
                      hint="reinstall pligos-tui, or give one with --template DIR_OR_GIT")


# --------------------------------------------------------------------------- the answers

@dataclass
class ContextAnswers:
    """One context of the new service: how many replicas, its host name, its resources."""

    name: str
    replicas: int = 1
    fqdn: str = ""
    cpu: str = ""
    memory: str = ""


def _default_contexts() -> list[ContextAnswers]:
    return [ContextAnswers(name, replicas) for name, replicas in DEFAULT_CONTEXTS]


@dataclass
class Answers:
    """Everything `pligos new` asks. Empty text means "not given" (a default applies)."""

    name: str = ""
    description: str = ""
    flavor: str = "webservice"
    image_repository: str = ""  # default: registry.example.com/<name>
    image_tag: str = "0.1.0"
    pull_policy: str = "IfNotPresent"
    start: str = "image"  # image | executable | script
    command: str = ""  # shell words, for start=executable (and args for a script)
    port: int = 80
    container_port: int = 8080
    probe: str = "http"  # http | tcp | exec | none
    probe_path: str = "/healthz"
    probe_command: str = ""
    config: bool = True
    config_path: str = ""  # default: /etc/<name>
    schedule: str = "0 3 * * *"  # the cronjob flavor
    contexts: list[ContextAnswers] = field(default_factory=_default_contexts)
    friends_library: str = ""
    friends: list[str] = field(default_factory=list)
    flavor_paths: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)  # a template's own prompts

    @property
    def repository(self) -> str:
        return self.image_repository or f"registry.example.com/{self.name or 'service'}"

    @property
    def mount_path(self) -> str:
        return self.config_path or f"/etc/{self.name or 'service'}"

    def context(self, name: str) -> ContextAnswers | None:
        return next((c for c in self.contexts if c.name == name), None)


@dataclass(frozen=True)
class Question:
    """One answer a user can give: its key (for --set and answer files), kind and help."""

    key: str
    attr: str
    kind: str  # text | int | bool | choice | list
    prompt: str
    choices: tuple[str, ...] = ()
    required: bool = False


QUESTIONS: tuple[Question, ...] = (
    Question("name", "name", "text", "Service name (a DNS label)", required=True),
    Question("description", "description", "text", "One-line description"),
    Question("flavor", "flavor", "text", "Flavor", required=True),
    Question("image.repository", "image_repository", "text", "Image repository"),
    Question("image.tag", "image_tag", "text", "Image tag"),
    Question("image.pullPolicy", "pull_policy", "choice", "Pull policy", PULL_POLICIES),
    Question("start", "start", "choice", "How it starts", START_KINDS),
    Question("command", "command", "text", "Command (shell words)"),
    Question("port", "port", "int", "Service port"),
    Question("containerPort", "container_port", "int", "Container port"),
    Question("probe", "probe", "choice", "Probe", PROBE_KINDS),
    Question("probe.path", "probe_path", "text", "HTTP probe path"),
    Question("probe.command", "probe_command", "text", "Exec probe command (shell words)"),
    Question("config", "config", "bool", "Mount a config/ folder"),
    Question("config.path", "config_path", "text", "Config mount path"),
    Question("schedule", "schedule", "text", "Cron schedule"),
    Question("contexts", "contexts", "list", "Contexts"),
    Question("friendsLibrary", "friends_library", "text", "Friends library folder"),
    Question("friends", "friends", "list", "Friends"),
    Question("flavorPaths", "flavor_paths", "list", "Extra flavor folders"),
)
BY_KEY = {q.key: q for q in QUESTIONS}
CONTEXT_KEYS = {"replicas": "int", "fqdn": "text", "cpu": "text", "memory": "text"}


def _words(value: str) -> list[str]:
    return [w.strip() for w in value.replace(",", " ").split() if w.strip()]


def _coerce(kind: str, key: str, value: Any, choices: tuple[str, ...] = ()) -> Any:
    text = "" if value is None else str(value).strip()
    if kind == "int":
        if isinstance(value, bool):
            raise ValueError(f"{key} must be a whole number, not {value!r}")
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"{key} must be a whole number, not {text!r}") from None
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if text.lower() in ("yes", "y", "true", "1", "on"):
            return True
        if text.lower() in ("no", "n", "false", "0", "off", ""):
            return False
        raise ValueError(f"{key} must be yes or no, not {text!r}")
    if kind == "choice" and text not in choices:
        raise ValueError(f"{key} must be one of {', '.join(choices)}, not {text!r}")
    if kind == "list":
        if isinstance(value, list):
            return [str(v).strip() for v in value if str(v).strip()]
        return _words(text)
    return text


def set_answer(answers: Answers, key: str, value: Any, *,
               template_keys: tuple[str, ...] = ()) -> None:
    """Apply one `key=value`; raises ValueError with a message naming the key."""
    if key in BY_KEY:
        q = BY_KEY[key]
        coerced = _coerce(q.kind, key, value, q.choices)
        if key == "contexts":
            old = {c.name: c for c in answers.contexts}
            coerced = [old.get(n) or ContextAnswers(n, 2 if n == "prod" else 1) for n in coerced]
        setattr(answers, q.attr, coerced)
        return
    parts = key.split(".")
    if len(parts) == 3 and parts[0] == "contexts" and parts[2] in CONTEXT_KEYS:
        ctx = answers.context(parts[1])
        if ctx is None:
            ctx = ContextAnswers(parts[1])
            answers.contexts.append(ctx)
        setattr(ctx, parts[2], _coerce(CONTEXT_KEYS[parts[2]], key, value))
        return
    if key in template_keys:
        answers.extra[key] = "" if value is None else str(value)
        return
    from pligos_tui.errors import did_you_mean

    known = [q.key for q in QUESTIONS] + [f"contexts.<name>.{k}" for k in CONTEXT_KEYS]
    known += list(template_keys)
    hint = did_you_mean(key, known, loose=True)
    raise ValueError(f"unknown answer {key!r}" + (f" ({hint})" if hint else "")
                     + f"; answers are: {', '.join(known)}")


def flatten_answers(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """An answers file (nested YAML) as `key=value` pairs; contexts may be a list or mapping."""
    out: list[tuple[str, Any]] = []
    if not isinstance(data, dict):
        # a ValueError, like every other bad answer: the callers report them together
        raise ValueError("an answers file must be a mapping of answers, e.g. name: billing")
    for key, value in data.items():
        full = f"{prefix}{key}"
        if full == "contexts" and isinstance(value, (list, dict)):
            items = value.items() if isinstance(value, dict) else [
                (v.get("name"), v) if isinstance(v, dict) else (v, {}) for v in value]
            items = list(items)
            out.append(("contexts", [str(n) for n, _ in items]))
            for name, settings in items:
                for k, v in (settings or {}).items():
                    if k != "name":
                        out.append((f"contexts.{name}.{k}", v))
        elif isinstance(value, dict) and full not in BY_KEY:
            out += flatten_answers(value, full + ".")
        else:
            out.append((full, value))
    return out


def answers_from(pairs: list[tuple[str, Any]], *, base: Answers | None = None,
                 template_keys: tuple[str, ...] = ()) -> Answers:
    """Answers from `key=value` pairs (every bad pair is reported at once, exit 2)."""
    answers = base or Answers()
    errors: list[str] = []
    for key, value in pairs:
        try:
            set_answer(answers, key, value, template_keys=template_keys)
        except ValueError as exc:
            errors.append(str(exc))
    if errors:
        raise UsageError("; ".join(errors), hint="e.g. --set name=billing --set port=8080")
    return answers


def load_answers_file(path: Path) -> list[tuple[str, Any]]:
    from pligos_tui.io.yamlread import load_file

    if not path.is_file():
        raise UsageError(f"answers file {display_path(path)} does not exist",
                         hint="give a YAML file such as: name: billing")
    doc = load_file(path, display_path(path))
    try:
        return flatten_answers(doc.data if doc.data is not None else {})
    except ValueError as exc:
        raise UsageError(f"{display_path(path)}: {exc}") from None


def parse_set(values: list[str]) -> list[tuple[str, str]]:
    out = []
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--set {item!r} is not KEY=VALUE", hint="e.g. --set name=billing")
        out.append((key.strip(), value))
    return out


def missing_required(answers: Answers, given: set[str] | None = None) -> list[str]:
    """Required answers that are empty (or, with `given`, were not given at all)."""
    return [q.key for q in QUESTIONS if q.required and (
        not getattr(answers, q.attr) or (given is not None and q.key not in given))]


# --------------------------------------------------------------------------- pligos.yaml

def _flavor_info(answers: Answers, root: Path) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    from pligos_tui.spec.flavors import FlavorSet

    try:
        flavor = FlavorSet().get(answers.flavor,
                                 [Path(_near(root, p)) for p in answers.flavor_paths])
    except (PligosError, OSError):
        return None
    return (flavor.accepts, flavor.requires) if flavor is not None else None


def _near(root: Path, rel: str) -> str:
    """A folder relative to the service, made absolute (the service may not exist yet)."""
    return os.path.normpath(root / rel)


def build_document(answers: Answers, root: Path, *,
                   absolute: bool = False) -> tuple[dict[str, Any], dict[str, str]]:
    """The pligos.yaml data for `answers`, and key path -> the answer it came from.

    `root` is the service folder-to-be: flavorPaths are looked up relative to it. A key path
    mapped to "" is a file the scaffold itself creates (not the user's to fix)."""
    info = _flavor_info(answers, root)
    accepts = info[0] if info else ("image", "command", "probe", "routes", "mounts", "env",
                                    "resources", "replicas", "friends", "values")
    origin: dict[str, str] = {"name": "name", "description": "description",
                              "flavorPaths": "flavorPaths", "friendsLibrary": "friendsLibrary"}
    doc: dict[str, Any] = {"pligos": 1, "name": answers.name}
    if answers.description:
        doc["description"] = answers.description
    if answers.flavor_paths:
        doc["flavorPaths"] = [_near(root, p) if absolute else p for p in answers.flavor_paths]
    if answers.friends_library:
        doc["friendsLibrary"] = [_near(root, answers.friends_library) if absolute
                                 else answers.friends_library]
    image: dict[str, Any] = {"name": "app", "repository": answers.repository}
    if answers.image_tag.startswith("sha256:"):
        image["digest"] = answers.image_tag
    else:
        image["tag"] = answers.image_tag
    if answers.pull_policy != "IfNotPresent":
        image["pullPolicy"] = answers.pull_policy
    doc["images"] = [image]
    # a default repository is made from the name: the name's own message says it all
    origin.update({"images[app].repository": "image.repository" if answers.image_repository
                   else "", "images[app].tag": "image.tag",
                   "images[app].digest": "image.tag", "images[app].pullPolicy":
                   "image.pullPolicy", "images[app]": "image.repository", "images": "image.tag"})
    words = shlex.split(answers.command) if _shlex_ok(answers.command) else answers.command.split()
    if answers.start == "executable":
        doc["commands"] = [{"name": "start", "type": "executable", "command": words[:1],
                            "args": words[1:]} if words[1:] else
                           {"name": "start", "type": "executable", "command": words[:1]}]
        origin["commands"] = "command"
    elif answers.start == "script":
        entry: dict[str, Any] = {"name": "start", "type": "script", "fileName": SCRIPT_FILE,
                                 "interpreter": ["/bin/sh"]}
        if words:
            entry["args"] = words
        doc["commands"] = [entry]
        origin["commands"] = "command"
        origin["commands[start].fileName"] = ""
    routes_ok = "routes" in accepts
    probe_ok = "probe" in accepts and answers.probe != "none"
    route_names: dict[str, str] = {}
    if routes_ok:
        routes = [{"name": "http", "port": answers.port, "containerPort": answers.container_port}]
        origin.update({"routes[http].port": "port", "routes[http].containerPort":
                       "containerPort", "routes[http]": "port", "routes": "port"})
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
            origin.update({f"routes[{name}].port": "port",
                           f"routes[{name}].containerPort": "containerPort"})
            routes.append({"name": name, "port": answers.port,
                           "containerPort": answers.container_port, "fqdn": ctx.fqdn})
            origin.update({f"routes[{name}].fqdn": f"contexts.{ctx.name}.fqdn",
                           f"routes[{name}]": f"contexts.{ctx.name}.fqdn"})
        doc["routes"] = routes
    if probe_ok:
        target: Any = "http" if routes_ok else answers.container_port
        if answers.probe == "http":
            handler = {"httpGet": {"path": answers.probe_path or "/", "port": target}}
            origin["probes[main]"] = "probe.path"
        elif answers.probe == "tcp":
            handler = {"tcpSocket": {"port": target}}
            origin["probes[main]"] = "probe"
        else:
            cmd = shlex.split(answers.probe_command) if _shlex_ok(answers.probe_command) \
                else answers.probe_command.split()
            handler = {"exec": {"command": cmd}}
            origin["probes[main]"] = "probe.command"
        doc["probes"] = [{"name": "main", "readiness": dict(handler), "liveness": dict(handler)}]
        origin["probes"] = origin["probes[main]"]
    if answers.config and "mounts" in accepts:
        doc["mounts"] = [{"name": "config", "path": answers.mount_path, "files": ["config/"],
                          "readOnly": True}]
        origin.update({"mounts[config].path": "config.path", "mounts[config].files": "",
                       "mounts[config]": "config.path", "mounts": "config.path"})
    resources = []
    for ctx in answers.contexts:
        if ctx.cpu or ctx.memory:
            req = {k: v for k, v in (("cpu", ctx.cpu), ("memory", ctx.memory)) if v}
            entry = {"name": ctx.name, "requests": req}
            if ctx.memory:
                entry["limits"] = {"memory": ctx.memory}
            resources.append(entry)
            origin[f"resources[{ctx.name}].requests.cpu"] = f"contexts.{ctx.name}.cpu"
            origin[f"resources[{ctx.name}]"] = f"contexts.{ctx.name}.memory"
    if resources and "resources" in accepts:
        doc["resources"] = resources
    contexts = []
    for i, ctx in enumerate(answers.contexts):
        c: dict[str, Any] = {"name": ctx.name, "flavor": answers.flavor, "image": "app"}
        if "commands" in doc and "command" in accepts:
            c["command"] = "start"
        if probe_ok:
            c["probe"] = "main"
        if routes_ok:
            c["routes"] = [route_names[ctx.name]]
        if "mounts" in doc:
            c["mounts"] = ["config"]
        if (ctx.cpu or ctx.memory) and "resources" in accepts:
            c["resources"] = ctx.name
        if "replicas" in accepts and ctx.replicas != 1:
            c["replicas"] = ctx.replicas
        if "schedule" in accepts:
            c["schedule"] = answers.schedule
        if answers.friends and "friends" in accepts:
            c["friends"] = list(answers.friends)
        contexts.append(c)
        at = f"contexts[{ctx.name}]"
        origin.update({f"{at}.name": "contexts", f"{at}.flavor": "flavor", at: "contexts",
                       f"{at}.replicas": f"contexts.{ctx.name}.replicas",
                       f"{at}.schedule": "schedule", f"{at}.friends": "friends",
                       f"{at}.resources": f"contexts.{ctx.name}.memory",
                       f"{at}.probe": "probe", f"{at}.routes": "port",
                       f"{at}.command": "command"})
    doc["contexts"] = contexts
    origin["contexts"] = "contexts"
    if answers.contexts:
        doc["current-context"] = answers.contexts[0].name
    return doc, origin


def _shlex_ok(text: str) -> bool:
    try:
        shlex.split(text)
    except ValueError:
        return False
    return True


HEADER = ("# {name}: described once for Pligos; each context below becomes a chart in\n"
          "# charts/<context>/{name}/ (`pligos generate`). Reference: docs/pligos-yaml.md\n")


def pligos_yaml(answers: Answers, root: Path, *, absolute: bool = False) -> str:
    """The pligos.yaml text the answers give (what the review step shows and the writer uses).

    With `absolute`, folders it names are absolute (for checking before the service exists)."""
    doc, _ = build_document(answers, root, absolute=absolute)
    body = dump_for_people(doc)
    parts: list[str] = []  # a blank line between top-level sections, for reading
    for line in body.splitlines(keepends=True):
        if parts and line[:1] not in (" ", "-", "") and line.split(":")[0] in (
                "images", "commands", "routes", "probes", "mounts", "resources", "contexts"):
            parts.append("\n")
        parts.append(line)
    return HEADER.format(name=answers.name or "service") + "".join(parts)


def skipped(answers: Answers, root: Path) -> set[str]:
    """Answer keys that do not apply to these answers (the flavor takes no routes, the
    probe is not HTTP, ...): the wizard hides them and the plain prompts skip them."""
    info = _flavor_info(answers, root)
    accepts = info[0] if info else ("command", "probe", "routes", "mounts", "resources",
                                    "replicas")
    out: set[str] = set()
    if answers.start == "image" or "command" not in accepts:
        out.add("command")
    if "command" not in accepts:
        out.add("start")
    if "probe" not in accepts:
        out |= {"probe", "probe.path", "probe.command"}
    if answers.probe != "http":
        out.add("probe.path")
    if answers.probe != "exec":
        out.add("probe.command")
    if "routes" not in accepts:
        out |= {"port", "containerPort"}
        out |= {f"contexts.{c.name}.fqdn" for c in answers.contexts}
    if "mounts" not in accepts:
        out |= {"config", "config.path"}
    if not answers.config:
        out.add("config.path")
    if "schedule" not in accepts:
        out.add("schedule")
    if "replicas" not in accepts:
        out |= {f"contexts.{c.name}.replicas" for c in answers.contexts}
    if "resources" not in accepts:
        out |= {f"contexts.{c.name}.{k}" for c in answers.contexts for k in ("cpu", "memory")}
    return out


# --------------------------------------------------------------------------- checking

@dataclass
class Check:
    """The result of checking answers: messages per answer key, and the text checked."""

    text: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.fields

    def first(self, key: str) -> str:
        return self.fields.get(key, [""])[0]


def field_of(key_path: str, origin: dict[str, str]) -> str | None:
    """The answer a problem at `key_path` belongs to: the longest mapped prefix."""
    path = key_path
    while path:
        if path in origin:
            return origin[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return "name"


def check_answers(answers: Answers, root: Path) -> Check:
    """Check answers with the loader's own rules, mapping each problem to its answer.

    The candidate pligos.yaml is loaded with :func:`model.load_service_text` as if it were
    root/pligos.yaml; problems about files the scaffold creates itself are left out."""
    from pligos_tui.spec.load import load_service_text

    text = pligos_yaml(answers, root)
    _, origin = build_document(answers, root)
    result = Check(text)
    checked = pligos_yaml(answers, root, absolute=True)
    for q in QUESTIONS:
        if q.required and not getattr(answers, q.attr):
            result.fields.setdefault(q.key, []).append("required")
    if not answers.contexts:
        result.fields.setdefault("contexts", []).append("give at least one context")
    if answers.start == "executable" and not answers.command.strip():
        result.fields.setdefault("command", []).append(
            "give the command to run, e.g. /app/server --port 8080")
    for key, text_value in (("command", answers.command),
                            ("probe.command", answers.probe_command)):
        if not _shlex_ok(text_value):
            result.fields.setdefault(key, []).append("unbalanced quotes")
    if answers.probe == "exec" and not answers.probe_command.strip():
        result.fields.setdefault("probe.command", []).append(
            "give the command the probe runs, e.g. cat /tmp/ready")
    display = display_path(root / "pligos.yaml")
    try:
        load_service_text(checked, root, display)
    except ConfigError as exc:
        for problem in exc.problems:
            found = field_of(problem.key_path, origin)
            if found == "":
                continue
            key = found or "name"
            result.problems.append(problem)
            msg = problem.message + (f" ({problem.hint})" if problem.hint else "")
            if msg not in result.fields.get(key, []):
                result.fields.setdefault(key, []).append(msg)
    except PligosError as exc:
        result.fields.setdefault("name", []).append(exc.message)
    return result


# --------------------------------------------------------------------------- templates

@dataclass
class Template:
    """A cookiecutter template, read: its folder and the variables of its cookiecutter.json."""

    source: str
    path: Path
    variables: dict[str, Any]
    cleanup: Path | None = None

    @property
    def own_prompts(self) -> dict[str, Any]:
        """Variables the template asks that the answers model does not: shown as extra
        questions (a list is a choice, its first item the default)."""
        return {k: v for k, v in self.variables.items()
                if not k.startswith("_") and k not in TEMPLATE_KEYS}

    def close(self) -> None:
        if self.cleanup is not None:
            shutil.rmtree(self.cleanup, ignore_errors=True)
            self.cleanup = None


def load_template(source: str | None) -> Template:
    """The built-in template (source None), a local folder, or a git/zip template."""
    if not source:
        path = builtin_template()
        return Template("built-in", path, _read_variables(path))
    local = Path(source).expanduser()
    if local.is_dir():
        if not (local / "cookiecutter.json").is_file():
            raise UsageError(f"template {source} has no cookiecutter.json",
                             hint="give a cookiecutter template folder or git URL")
        return Template(source, local, _read_variables(local))
    import logging
    import subprocess

    from cookiecutter.config import BUILTIN_ABBREVIATIONS
    from cookiecutter.exceptions import CookiecutterException
    from cookiecutter.repository import determine_repo_dir

    clone_to = Path(tempfile.mkdtemp(prefix="pligos-template-"))
    log = logging.getLogger("cookiecutter")
    level = log.level
    log.setLevel(logging.CRITICAL)  # its failures are reported here, once
    try:
        repo, _ = determine_repo_dir(source, BUILTIN_ABBREVIATIONS, clone_to, None, True)
    except (CookiecutterException, OSError, ValueError, subprocess.CalledProcessError) as exc:
        shutil.rmtree(clone_to, ignore_errors=True)
        detail = str(exc)
        if isinstance(exc, subprocess.CalledProcessError):
            output = exc.output.decode(errors="replace") if isinstance(exc.output, bytes) \
                else str(exc.output or "")
            lines = [ln for ln in output.splitlines() if ln.startswith("fatal:")]
            detail = lines[0] if lines else f"git clone failed ({output.strip() or exc})"
        raise UsageError(f"cannot fetch template {source}: {detail}",
                         hint="give a template folder, or a git URL that git can clone") from None
    finally:
        log.setLevel(level)
    return Template(source, Path(repo), _read_variables(Path(repo)), cleanup=clone_to)


def _read_variables(path: Path) -> dict[str, Any]:
    file = path / "cookiecutter.json"
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{display_path(file)} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{display_path(file)} must hold a JSON object")
    return data


def template_context(answers: Answers, text: str, template: Template) -> dict[str, Any]:
    """The cookiecutter context the answers give (only keys the template declares)."""
    ours: dict[str, Any] = {
        "name": answers.name, "description": answers.description, "flavor": answers.flavor,
        "image": f"{answers.repository}:{answers.image_tag}", "container_port":
        str(answers.container_port), "start": answers.start,
        "config": "yes" if answers.config else "no", "config_path": answers.mount_path,
        "contexts": ", ".join(c.name for c in answers.contexts), "_pligos_yaml": text}
    context = {k: v for k, v in ours.items() if k in template.variables}
    for key, value in answers.extra.items():
        if key in template.variables:
            context[key] = value
    return context


def _answers_as_data(variables: dict[str, Any], supplied: dict[str, Any]) -> dict[str, Any]:
    """The template's variables with ours in place, such that ours are never Jinja source.

    cookiecutter renders every variable's value as a template; a description such as
    `{{ 7*7 }}` (or worse) must come out as written. So each supplied value is kept, as
    data, in a private variable, and the variable itself becomes an expression that reads
    it. The template's own defaults are still rendered as their author meant."""
    out: dict[str, Any] = {"_pligos_answers": {k: v for k, v in supplied.items()
                                               if k in variables}}
    for key, raw in variables.items():
        if key in supplied and not key.startswith("_"):
            out[key] = "{{ cookiecutter._pligos_answers[" + json.dumps(key) + "] }}"
        elif key in supplied:
            out[key] = supplied[key]  # private: cookiecutter keeps it as it is
        else:
            out[key] = raw
    return out


def _run_cookiecutter(template: Template, context: dict[str, Any], out: Path) -> Path:
    from cookiecutter.exceptions import CookiecutterException
    from cookiecutter.generate import generate_context, generate_files
    from cookiecutter.prompt import prompt_for_config

    try:
        ctx = generate_context(context_file=str(template.path / "cookiecutter.json"),
                               default_context={}, extra_context={})
        ctx["cookiecutter"] = _answers_as_data(ctx["cookiecutter"], context)
        ctx["cookiecutter"] = prompt_for_config(ctx, no_input=True)
        ctx["cookiecutter"]["_template"] = template.source
        ctx["cookiecutter"]["_output_dir"] = str(out)
        project = generate_files(repo_dir=str(template.path), context=ctx,
                                 overwrite_if_exists=False, output_dir=str(out),
                                 accept_hooks=True)
    except (CookiecutterException, OSError) as exc:
        raise PligosError(f"template {template.source} failed: {exc}",
                          hint="nothing was written; fix the template or its answers") from None
    return Path(project)


# --------------------------------------------------------------------------- writing

@dataclass
class WriteReport:
    dest: Path
    files: list[str]  # written, relative to dest (charts included)
    charts: list[str]  # chart folders, relative to dest


def _nonempty(path: Path) -> bool:
    return path.is_dir() and any(path.iterdir())


def stage(answers: Answers, template: Template, parent: Path, *, root: Path,
          absolute: bool = False) -> Path:
    """Render the template for `answers` into a new hidden folder in `parent`.

    `root` is where the service will live (paths in pligos.yaml are relative to it, or
    absolute with `absolute`, for a preview rendered elsewhere)."""
    text = pligos_yaml(answers, root, absolute=absolute)
    parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{root.name}.pligos-new-", dir=parent))
    try:
        project = _run_cookiecutter(template, template_context(answers, text, template), scratch)
        staged = Path(tempfile.mkdtemp(prefix=f".{root.name}.pligos-stage-", dir=parent))
        os.rmdir(staged)
        os.rename(project, staged)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return staged


def preview_service(answers: Answers, template: Template, root: Path) -> tuple[Any, Path]:
    """The service the answers would give, rendered in a temporary folder (for a review).

    Returns (loaded service, the temporary folder to remove when done)."""
    from pligos_tui.spec.load import load_service

    scratch = Path(tempfile.mkdtemp(prefix="pligos-new-preview-"))
    try:
        staged = stage(answers, template, scratch, root=root, absolute=True)
        return load_service(staged), scratch
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise


def _is_cwd(path: Path) -> bool:
    try:
        return os.path.samefile(path, os.getcwd())
    except OSError:
        return False


def _clean_leftovers(dest: Path) -> None:
    """Remove the hidden folders an interrupted `pligos new` of `dest` left beside it."""
    if not dest.parent.is_dir():
        return
    for prefix in (f".{dest.name}.pligos-new-", f".{dest.name}.pligos-stage-"):
        for path in dest.parent.glob(prefix + "*"):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)


def refuse_reason(dest: Path, force: bool) -> str | None:
    """Why `dest` cannot receive a new service (checked before asking anything)."""
    if dest.exists() and not dest.is_dir():
        return f"{display_path(dest)} is a file; give a folder for the new service"
    if _nonempty(dest) and not force:
        return f"{display_path(dest)} is not empty; nothing was written"
    return None


def write_service(answers: Answers, dest: Path, *, template: Template | None = None,
                  force: bool = False) -> WriteReport:
    """Write a new service into `dest` through the template: all or nothing.

    A non-empty `dest` is refused unless `force`; with `force` the scaffold's files are
    written into it one by one and nothing else in it is touched."""
    from pligos_tui.build.records import STATE
    from pligos_tui.jobs.generate import generate
    from pligos_tui.spec.load import load_service

    dest = Path(os.path.abspath(dest))
    reason = refuse_reason(dest, force)
    if reason:
        raise UsageError(reason, hint="choose a new folder, or add --force to add the "
                         "scaffold's files to it (files it does not write are kept)")
    missing = missing_required(answers)
    if missing:
        raise UsageError(f"missing required answers: {', '.join(missing)}",
                         hint="give them with --set KEY=VALUE or in --answers FILE")
    check = check_answers(answers, dest)
    if not check.ok:
        raise AnswersError(check.fields)
    own = template or load_template(None)
    staged: Path | None = None
    _clean_leftovers(dest)
    try:
        staged = stage(answers, own, dest.parent, root=dest)
        load_service(staged)  # what the template wrote, with the loader's rules
        report = generate([staged])
        (staged / "charts" / STATE).unlink(missing_ok=True)
        files = sorted(p.relative_to(staged).as_posix() for p in staged.rglob("*")
                       if p.is_file() or p.is_symlink())
        charts = sorted(r.dest.relative_to(staged).as_posix() for r in report.written)
        if not _nonempty(dest) and not _is_cwd(dest):
            # one step: the whole service appears at once (replacing an empty folder)
            os.rename(staged, dest)
            staged = None
        elif not _nonempty(dest):  # the empty folder we stand in: keep it, fill it
            for child in sorted(staged.iterdir()):
                os.rename(child, dest / child.name)
        else:
            _merge(staged, dest, files)
            generate([dest])  # charts: the chart writer never replaces a folder it did not write
            (dest / "charts" / STATE).unlink(missing_ok=True)
    finally:
        if staged is not None:
            shutil.rmtree(staged, ignore_errors=True)
        if template is None:
            own.close()
    return WriteReport(dest, files, charts)


def _merge(staged: Path, dest: Path, files: list[str]) -> None:
    """--force: put each scaffold file (charts aside) in place, each by one rename."""
    for rel in files:
        if rel.startswith("charts/"):
            continue
        target = dest / rel
        if target.is_dir():
            raise UsageError(f"{display_path(target)} is a folder where the scaffold writes a "
                             "file; nothing more was written", hint="move it away and run again")
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged / rel, target)


__all__ = [
    "QUESTIONS",
    "Answers",
    "Check",
    "ContextAnswers",
    "Template",
    "WriteReport",
    "answers_from",
    "build_document",
    "check_answers",
    "load_answers_file",
    "load_template",
    "missing_required",
    "parse_set",
    "pligos_yaml",
    "write_service",
]

