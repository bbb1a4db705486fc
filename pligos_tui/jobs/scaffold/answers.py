"""The answers model of `pligos new`, and the rules that fill it.

The wizard, the plain prompts, `--set KEY=VALUE` and `--answers FILE` all fill one
:class:`Answers` through :func:`set_answer`, which applies the rules of the question a key
names (see :mod:`.questions`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from pligos_tui.errors import UsageError, did_you_mean, display_path
from pligos_tui.jobs.scaffold.questions import (
    BY_KEY,
    CONTEXT_BY_KEY,
    CONTEXT_QUESTIONS,
    CONTEXTS,
    EXPOSE_KINDS,
    PROBE_KINDS,
    QUESTIONS,
    START_KINDS,
    Question,
    context_key,
    env_key,
    known_keys,
    split_context_key,
)
from pligos_tui.spec.vocabulary import PULL_POLICIES

DEFAULT_CONTEXTS = (("dev", 1), ("prod", 2))  # (name, replicas)

Value = str | int | bool | list[str] | dict[str, str]  # an answer, once its rules took it


@dataclass
class ContextAnswers:
    """One context of the new service: how many replicas, its host name, its resources;
    for production, up to how many replicas it autoscales (0: it does not) and whether its
    host is exposed through an Ingress or a Gateway (`gateway`: NAME or NAMESPACE/NAME)."""

    name: str
    replicas: int = 1
    fqdn: str = ""
    cpu: str = ""
    memory: str = ""
    max_replicas: int = 0
    expose: str = EXPOSE_KINDS[0]
    gateway: str = ""


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
    pull_policy: str = PULL_POLICIES[0]
    start: str = START_KINDS[0]
    command: str = ""  # shell words, for start=executable (and args for a script)
    port: int = 80
    container_port: int = 8080
    probe: str = PROBE_KINDS[0]
    probe_path: str = "/healthz"
    probe_command: str = ""
    config: bool = True
    config_path: str = ""  # default: /etc/<name>
    schedule: str = "0 3 * * *"  # the cronjob flavor
    env: dict[str, str] = field(default_factory=dict)  # NAME -> value, every context's
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


# --------------------------------------------------------------------------- reading answers

def answer_value(answers: Answers | ContextAnswers, question: Question) -> str | int | bool:
    """The answer to `question` as a field shows it (a list as comma-separated names)."""
    if not question.attr:
        given = answers.extra.get(question.key, question.default) \
            if isinstance(answers, Answers) else question.default
        return given if not question.choices or given in question.choices \
            else question.choices[0]
    value = getattr(answers, question.attr)
    if question.zero and value == 0:
        return ""  # an empty answer: "no autoscaling"
    if isinstance(value, list):
        return ", ".join(c.name if isinstance(c, ContextAnswers) else str(c) for c in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, (str, int, bool)):
        return value
    raise TypeError(f"answer {question.key} holds {value!r}")


def fallback_value(answers: Answers, question: Question) -> str:
    """What an empty answer to `question` stands for ("" when nothing: it stays empty)."""
    value = getattr(answers, question.fallback) if question.fallback else ""
    return value if isinstance(value, str) else str(value)


def offered_value(answers: Answers | ContextAnswers, question: Question) -> str | int | bool:
    """The answer the plain form offers: the current one, or what an empty one stands for."""
    if question.fallback and isinstance(answers, Answers):
        return fallback_value(answers, question)
    return answer_value(answers, question)


def changed_answers(before: Answers, after: Answers) -> list[str]:
    """The keys whose answer differs from `before` in `after` (a context `after` adds counts
    once, as the change of `contexts`)."""
    out = [q.key for q in QUESTIONS
           if q.attr and answer_value(before, q) != answer_value(after, q)]
    out += [k for k, v in after.extra.items() if before.extra.get(k) != v]
    for ctx in after.contexts:
        old = before.context(ctx.name)
        if old is not None:
            out += [context_key(ctx.name, q.key) for q in CONTEXT_QUESTIONS
                    if answer_value(old, q) != answer_value(ctx, q)]
    return out


# --------------------------------------------------------------------------- the rules

def _words(value: str) -> list[str]:
    return [w.strip() for w in value.replace(",", " ").split() if w.strip()]


_LINE_BREAKS = "\n\r\v\f\x85\u2028\u2029"


def _one_line(key: str, text: str) -> str:
    """`text`, when it is one line of printable text (every answer is); else ValueError."""
    bad = next((c for c in text if unicodedata.category(c) in ("Cc", "Zl", "Zp")), None)
    if bad is None:
        return text
    what = "a line break" if bad in _LINE_BREAKS else f"the control character {bad!r}"
    raise ValueError(f"{key} holds {what}: an answer is one line of text")


# where the next NAME=VALUE of a list starts: commas or spaces, then a NAME and "=" (a value
# may hold spaces and commas: `OPTS=-a -b, MODE=x,y` is OPTS="-a -b" and MODE="x,y")
_NEXT_PAIR = re.compile(r"[,\s]+(?=[^\s,=]+=)")


def _scalar_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _pairs(key: str, value: object) -> dict[str, str]:
    """NAME=VALUE answers (text, a list of `NAME=VALUE`, or a mapping) as a mapping."""
    if isinstance(value, dict):
        items = [(str(k).strip(), _scalar_text(v)) for k, v in value.items()]
    else:
        parts = ([_scalar_text(v) for v in value] if isinstance(value, list)
                 else _NEXT_PAIR.split(_one_line(key, _scalar_text(value).strip())))
        items = []
        for part in (p.strip().rstrip(",").strip() for p in parts):
            if not part:
                continue
            name, sep, text = part.partition("=")
            if not sep or not name.strip():
                raise ValueError(f"{key}: {part!r} is not NAME=VALUE, e.g. LOG_LEVEL=info")
            items.append((name.strip(), text.strip()))
    out: dict[str, str] = {}
    for name, text in items:
        if not name:
            raise ValueError(f"{key}: a variable without a name, e.g. LOG_LEVEL=info")
        if name in out:
            raise ValueError(f"{key}: {name} is given twice; give each variable once")
        out[_one_line(key, name)] = _one_line(key, text)
    return out


def _coerce(question: Question, key: str, value: object) -> Value:
    kind, choices = question.kind, question.choices
    if kind == "pairs":
        return _pairs(key, value)
    text = "" if value is None else str(value).strip()
    if kind not in ("list", "pick"):
        _one_line(key, text)
    if kind == "int":
        if isinstance(value, bool):
            raise ValueError(f"{key} must be a whole number, not {value!r}")
        if question.zero and text == "":
            return 0
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
    if kind == "choice" and choices and text not in choices:
        raise ValueError(f"{key} must be one of {', '.join(choices)}, not {text!r}")
    if kind in ("list", "pick"):
        if isinstance(value, list):
            return [_one_line(key, str(v).strip()) for v in value if str(v).strip()]
        return [_one_line(key, w) for w in _words(text)]
    return text


def set_answer(answers: Answers, key: str, value: object, *,
               template_keys: tuple[str, ...] = ()) -> None:
    """Apply one `key=value`; raises ValueError with a message naming the key."""
    question = BY_KEY.get(key)
    if question is not None:
        coerced = _coerce(question, key, value)
        if key == CONTEXTS and isinstance(coerced, list):
            old = {c.name: c for c in answers.contexts}
            replicas = dict(DEFAULT_CONTEXTS)
            answers.contexts = [old.get(n) or ContextAnswers(n, replicas.get(n, 1))
                                for n in coerced]
        else:
            setattr(answers, question.attr, coerced)
        return
    variable = env_key(key)
    if variable is not None:
        answers.env.update(_pairs("env", {variable: value}))
        return
    setting = split_context_key(key)
    if setting is not None:
        name, attr = setting
        ctx = answers.context(name)
        if ctx is None:
            ctx = ContextAnswers(name)
            answers.contexts.append(ctx)
        setattr(ctx, CONTEXT_BY_KEY[attr].attr, _coerce(CONTEXT_BY_KEY[attr], key, value))
        return
    if key in template_keys:
        answers.extra[key] = _one_line(key, "" if value is None else str(value))
        return
    known = known_keys(template_keys)
    hint = did_you_mean(key, known, loose=True)
    raise ValueError(f"unknown answer {key!r}" + (f" ({hint})" if hint else "")
                     + f"; answers are: {', '.join(known)}")


def missing_required(answers: Answers, given: set[str] | None = None) -> list[str]:
    """Required answers that are empty (or, with `given`, were not given at all)."""
    return [q.key for q in QUESTIONS if q.required and (
        not getattr(answers, q.attr) or (given is not None and q.key not in given))]


# --------------------------------------------------------------------------- given answers

def _context_items(value: list[object] | dict[object, object]
                   ) -> list[tuple[str, dict[object, object]]]:
    """(name, settings) of each context of an answers file's `contexts` (a list of names or
    of mappings with `name:`, or a mapping from name to settings); ValueError for settings
    that are not a mapping or a context without a name (they would be lost)."""
    pairs = list(value.items()) if isinstance(value, dict) else [
        (v.get("name"), v) if isinstance(v, dict) else (v, None) for v in value]
    out: list[tuple[str, dict[object, object]]] = []
    for name, settings in pairs:
        if name is None or str(name).strip() == "":
            raise ValueError("every context in contexts needs a name, e.g. "
                             "contexts: {dev: {replicas: 1}}")
        if settings is not None and not isinstance(settings, dict):
            keys = ", ".join(q.key for q in CONTEXT_QUESTIONS)
            raise ValueError(f"{CONTEXTS}.{name} must be a mapping of its "
                             f"settings ({keys}), not {settings!r}")
        out.append((str(name), settings or {}))
    return out


def flatten_answers(data: object, prefix: str = "") -> list[tuple[str, object]]:
    """An answers file (nested YAML) as `key=value` pairs; contexts may be a list or mapping."""
    out: list[tuple[str, object]] = []
    if not isinstance(data, dict):
        # a ValueError, like every other bad answer: the callers report them together
        raise ValueError("an answers file must be a mapping of answers, e.g. name: billing")
    for key, value in data.items():
        full = f"{prefix}{key}"
        if full == CONTEXTS and isinstance(value, (list, dict)):
            items = _context_items(value)
            out.append((CONTEXTS, [n for n, _ in items]))
            for name, settings in items:
                for k, v in settings.items():
                    if k != "name":
                        out.append((context_key(name, str(k)), v))
        elif isinstance(value, dict) and full not in BY_KEY:
            out += flatten_answers(value, full + ".")
        else:
            out.append((full, value))
    return out


def answers_from(pairs: list[tuple[str, object]], *, base: Answers | None = None,
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


def load_answers_file(path: Path) -> list[tuple[str, object]]:
    """The `key=value` pairs of an answers file (YAML)."""
    if not path.is_file():
        raise UsageError(f"answers file {display_path(path)} does not exist",
                         hint="give a YAML file such as: name: billing")
    from pligos_tui.io.yamlread import load_file  # (YAML only when a file is given)

    doc = load_file(path, display_path(path))
    try:
        return flatten_answers(doc.data if doc.data is not None else {})
    except ValueError as exc:
        raise UsageError(f"{display_path(path)}: {exc}") from None


def parse_set(values: list[str]) -> list[tuple[str, str]]:
    """The `key=value` pairs of --set options."""
    out = []
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--set {item!r} is not KEY=VALUE", hint="e.g. --set name=billing")
        out.append((key.strip(), value))
    return out
