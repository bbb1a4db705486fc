"""One error hierarchy for everything Pligos reports to a user.

A :class:`Problem` is one located finding (file, line, column, key path, message, hint), named
by the id of the :class:`Rule` that found it. A :class:`ConfigError` carries every problem
found in a file at once. Every other error is a :class:`PligosError` with a one-line message
and an optional hint. The command line maps these
to exit status 2 in one place; nothing here knows about terminals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Rule:
    """One rule of an input format: a stable id, named in messages and in --json output, and
    what it checks (the table of docs/rules.md)."""

    id: str  # E- and upper-case words, e.g. E-KEY-UNKNOWN
    summary: str


# A message is lines of (text, role) pieces, so that a printer can style each part without
# reading the text: role is "" (plain), "location", "error", "warning", "rule" or "hint".
Piece = tuple[str, str]
Line = list[Piece]


def _hint_lines(hint: str) -> list[Line]:
    return [[(f"  hint: {hint}", "hint")]] if hint else []


def _text(lines: list[Line]) -> str:
    return "\n".join("".join(text for text, _ in line) for line in lines)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in an input file, located as precisely as the parser allows."""

    file: str
    line: int | None = None  # 1-based, from the YAML parser; None when unknown
    column: int | None = None  # 1-based
    message: str = ""
    key_path: str = ""  # e.g. contexts[1].image
    hint: str = ""
    level: str = "error"  # or "warning"
    rule: str = ""  # the id of the rule that found it; "" for a file that cannot be read

    @property
    def location(self) -> str:
        loc = self.file
        if self.line is not None:
            loc += f":{self.line}"
            if self.column is not None:
                loc += f":{self.column}"
        return loc

    def lines(self, *, rules: bool = True) -> list[Line]:
        """`file:line:col: error: message [key.path] (RULE-ID)` and a hint line; `rules=False`
        leaves the rule id out (the editor lists problems without it)."""
        first: Line = [(self.location, "location"), (": ", ""), (f"{self.level}:", self.level),
                       (f" {self.message}", "")]
        if self.key_path:
            first.append((f" [{self.key_path}]", ""))
        if self.rule and rules:
            first.append((f" ({self.rule})", "rule"))
        return [first, *_hint_lines(self.hint)]

    def format(self, *, rules: bool = True) -> str:
        return _text(self.lines(rules=rules))

    def to_json(self) -> dict[str, str | int | None]:
        """The problem as one object of `--json` output."""
        return {"file": self.file, "line": self.line, "column": self.column,
                "level": self.level, "rule": self.rule, "message": self.message,
                "key_path": self.key_path, "hint": self.hint}


class PligosError(Exception):
    """Base of every error Pligos reports to a user (exit status 2)."""

    exit_code = 2

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def lines(self, *, rules: bool = True) -> list[Line]:
        """What is printed for the error: `error: message` and a hint line."""
        return [[("error:", "error"), (f" {self.message}", "")], *_hint_lines(self.hint)]

    def format(self, *, rules: bool = True) -> str:
        return _text(self.lines(rules=rules))


class ConfigError(PligosError):
    """An input file (pligos.yaml, flavor.yaml, ...) has one or more problems."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=_problem_order)
        count = len(self.problems)
        files = sorted({p.file for p in self.problems})
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in {', '.join(files)}")

    def lines(self, *, rules: bool = True) -> list[Line]:
        return [line for p in self.problems for line in p.lines(rules=rules)]


def _problem_order(p: Problem) -> tuple[str, int, int, str]:
    return (p.file, p.line if p.line is not None else 0, p.column or 0, p.message)


class UsageError(PligosError):
    """The command line was used wrongly (unknown context, missing path, ...)."""


class UnknownContext(UsageError):
    """A command names a context the service does not have; the hint names the closest one
    (`loose`: matched as a name the user chose) or lists them all."""

    def __init__(self, file: str, name: str, known: Iterable[str], *,
                 loose: bool = True) -> None:
        self.file, self.name, self.known = file, name, list(known)
        super().__init__(f"{file} has no context {name!r}",
                         hint=did_you_mean(name, self.known, loose=loose)
                         or f"contexts are: {', '.join(self.known)}")


class FlavorPinError(UsageError):
    """A context's flavor is not written as a flavor pin (kind SYNTAX), or no version of the
    flavor there is matches its pin (kind VERSION)."""

    SYNTAX, VERSION = "syntax", "version"

    def __init__(self, message: str, hint: str = "", *, kind: str) -> None:
        super().__init__(message, hint)
        self.kind = kind


class HelmNotFound(PligosError):
    def __init__(self, what: str) -> None:
        super().__init__(
            f"{what} needs the helm binary, which was found neither in $PLIGOS_HELM nor on PATH",
            hint="install Helm 3.17 or later, or Helm 4 (https://helm.sh/docs/intro/install/) "
                 "or set PLIGOS_HELM=/path/to/helm",
        )


class HelmError(PligosError):
    """helm ran and failed (a template error, a lint failure)."""


class ManifestError(PligosError):
    """A rendered manifest stream cannot be read as Kubernetes objects: it is not YAML, or it
    holds one object twice."""


class ChartWriteError(PligosError):
    """A chart could not be written; the previous chart is left as it was."""


class FlavorSourceError(PligosError):
    """A flavor source of `flavorSources:` cannot be read (a repository unreachable or
    missing, an unknown ref, git missing), or what it holds is not a flavor; `at` is the key
    path of the source in pligos.yaml."""

    def __init__(self, message: str, hint: str = "", *,
                 at: tuple[str | int, ...] = ()) -> None:
        super().__init__(message, hint)
        self.at = at


class SecretError(PligosError):
    """A secret could not be read (missing, unreachable store, no permission)."""


class ResolveError(PligosError):
    """A context cannot be resolved (an `extends` cycle, a missing context); `at` is the key
    path where the user can fix it."""

    def __init__(self, message: str, at: tuple[str | int, ...], hint: str = "") -> None:
        super().__init__(message, hint)
        self.at = at


class CodegenError(PligosError):
    """Typed config code cannot be generated or checked (an unknown language, a bad --out)."""


class AnswersError(PligosError):
    """Answers for `pligos new` that the loader's rules refuse: every one of them, by answer
    key."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        self.fields = fields
        count = sum(len(m) for m in fields.values())
        super().__init__(f"{count} answer{'s' if count != 1 else ''} to fix; nothing was written",
                         hint="change them with --set KEY=VALUE or in --answers FILE")

    def lines(self, *, rules: bool = True) -> list[Line]:
        return [[("error:", "error"), (f" {self.message}", "")],
                *[[(f"  {key}: {m}", "")] for key, messages in self.fields.items()
                  for m in messages], *_hint_lines(self.hint)]


@dataclass
class Problems:
    """Collects problems of one file, so that all of them are reported at once."""

    file: str
    items: list[Problem] = field(default_factory=list)

    def add(
        self,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        key_path: str = "",
        hint: str = "",
        file: str | None = None,
        level: str = "error",
        rule: str = "",
    ) -> None:
        self.items.append(
            Problem(
                file=file or self.file,
                line=line,
                column=column,
                message=message,
                key_path=key_path,
                hint=hint,
                level=level,
                rule=rule,
            )
        )

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.level == "error"]

    def raise_if_any(self) -> None:
        if self.errors:
            raise ConfigError(self.errors)


def display_path(path: Path, base: Path | None = None) -> str:
    """A path as a user wants to read it: relative to the working folder when below it."""
    base = base or Path.cwd()
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)


def did_you_mean(word: str, choices: Iterable[str], *, loose: bool = False) -> str:
    """A hint naming the closest of `choices` to a misspelt `word` ('' when none is close).

    `loose` for names the user chose (references to entries, contexts, flavors): they are
    often short, so a looser match helps more than it misleads."""
    import difflib  # only a run that reports a mistake needs it

    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5 if loose else 0.6)
    return f"did you mean {match[0]!r}?" if match else ""
