"""Flavor versions (SemVer 2.0.0) and the pins a context's `flavor:` may carry.

A version is `MAJOR.MINOR.PATCH`, optionally with a pre-release (`-rc.1`) and build metadata
(`+build.5`, ignored when versions are compared). A pin follows the flavor's name after `@`:
`webservice@2` takes any 2.x.y, `webservice@2.3` any 2.3.x, `webservice@2.3.1` exactly that
version (which may name a pre-release). Without a pin any version will do. Where several
versions match, the newest release is taken; a pre-release only when no release matches.
Pure: no files, no Pligos knowledge beyond these words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import total_ordering

PIN_SEPARATOR = "@"
NO_VERSION = "0.0.0"  # a flavor.yaml without `version:`

_NUMBER = r"(0|[1-9][0-9]*)"
_IDENT = r"[0-9A-Za-z-]+"
_SEMVER = re.compile(rf"{_NUMBER}\.{_NUMBER}\.{_NUMBER}"
                     rf"(?:-({_IDENT}(?:\.{_IDENT})*))?(?:\+({_IDENT}(?:\.{_IDENT})*))?")
_PARTIAL = re.compile(rf"{_NUMBER}(?:\.{_NUMBER})?")


class VersionSyntaxError(ValueError):
    """Text that is not a SemVer version, with what is wrong and how it is written."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


@total_ordering
@dataclass(frozen=True, eq=False)
class Version:
    """One SemVer 2.0.0 version. Equal and ordered by precedence: build metadata aside."""

    major: int
    minor: int
    patch: int
    pre: tuple[int | str, ...] = ()
    build: str = ""
    text: str = field(default="", compare=False)  # as written

    def __str__(self) -> str:
        if self.text:
            return self.text
        out = f"{self.major}.{self.minor}.{self.patch}"
        if self.pre:
            out += "-" + ".".join(str(p) for p in self.pre)
        return out + (f"+{self.build}" if self.build else "")

    @property
    def prerelease(self) -> bool:
        return bool(self.pre)

    def _key(self) -> tuple[object, ...]:
        # a pre-release comes before its release; numeric identifiers before alphanumeric
        pre = tuple((0, p, "") if isinstance(p, int) else (1, 0, p) for p in self.pre)
        return (self.major, self.minor, self.patch, 0 if self.pre else 1, pre)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and self._key() == other._key()

    def __lt__(self, other: Version) -> bool:
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self._key())


def parse_version(text: object) -> Version:
    """A SemVer version; VersionSyntaxError says what is wrong with anything else."""
    if not isinstance(text, str):
        shown = repr(text)
        hint = "quote it as text with three numbers, e.g. version: \"2.0.0\""
        raise VersionSyntaxError(f"version {shown} is not text in the form MAJOR.MINOR.PATCH",
                                 hint)
    match = _SEMVER.fullmatch(text)
    if match is None:
        raise VersionSyntaxError(f"{text!r} is not a SemVer version", _version_hint(text))
    major, minor, patch, pre, build = match.groups()
    parts: list[int | str] = []
    for p in (pre.split(".") if pre else []):
        if p.isdigit() and len(p) > 1 and p.startswith("0"):
            raise VersionSyntaxError(f"{text!r} is not a SemVer version",
                                     "a numeric pre-release part has no leading zero")
        parts.append(int(p) if p.isdigit() else p)
    return Version(int(major), int(minor), int(patch), tuple(parts), build or "", text)


def _version_hint(text: str) -> str:
    stripped = text[1:] if text[:1] in ("v", "V") else text
    if stripped != text and _SEMVER.fullmatch(stripped):
        return f"write it without the v: {stripped}"
    if _PARTIAL.fullmatch(text):
        return f"a version has three numbers: {text}{'.0' * (2 - text.count('.'))}"
    return "a version is MAJOR.MINOR.PATCH, e.g. 2.3.1 (optionally -rc.1 or +build)"


def is_version(text: object) -> bool:
    try:
        parse_version(text)
    except VersionSyntaxError:
        return False
    return True


@dataclass(frozen=True)
class Pin:
    """A flavor as a context names it: its name, and which of its versions will do."""

    name: str
    parts: tuple[int, ...] = ()  # () any version; (2,) 2.x.y; (2, 3) 2.3.x
    exact: Version | None = None  # a pin of a whole version
    written: str = ""  # as written, e.g. "webservice@2"; pligos.lock's key

    @property
    def pinned(self) -> bool:
        return bool(self.parts) or self.exact is not None

    def matches(self, version: Version) -> bool:
        if self.exact is not None:
            return version == self.exact
        return (version.major, version.minor)[:len(self.parts)] == self.parts

    def describe(self) -> str:
        """What the pin takes, for messages: "2.x.y", "2.3.x", "2.3.1", "any version"."""
        if self.exact is not None:
            return str(self.exact)
        if not self.parts:
            return "any version"
        if len(self.parts) == 1:
            return f"{self.parts[0]}.x.y"
        return f"{self.parts[0]}.{self.parts[1]}.x"

    def with_version(self, spec: str) -> Pin:
        """The same flavor pinned to `spec` ("2", "2.3" or a whole version)."""
        return parse_pin(f"{self.name}{PIN_SEPARATOR}{spec}")


def parse_pin(written: str) -> Pin:
    """`name`, `name@2`, `name@2.3` or `name@2.3.1`; VersionSyntaxError for anything else."""
    name, sep, spec = written.partition(PIN_SEPARATOR)
    if not sep:
        return Pin(name=written, written=written)
    example = f"{name or 'webservice'}@2, @2.3 or @2.3.1"
    if not name:
        raise VersionSyntaxError(f"{written!r} names no flavor before {PIN_SEPARATOR}",
                                 f"write the flavor's name first: {example}")
    if PIN_SEPARATOR in spec:
        raise VersionSyntaxError(f"{written!r} has more than one {PIN_SEPARATOR}",
                                 f"pin one version: {example}")
    if not spec:
        raise VersionSyntaxError(f"{written!r} pins no version after {PIN_SEPARATOR}",
                                 f"write a version, {example}, or leave out {PIN_SEPARATOR}")
    partial = _PARTIAL.fullmatch(spec)
    if partial is not None:
        parts = tuple(int(p) for p in partial.groups() if p is not None)
        return Pin(name=name, parts=parts, written=written)
    try:
        exact = parse_version(spec)
    except VersionSyntaxError:
        stripped = spec[1:] if spec[:1] in ("v", "V") else spec
        hint = (f"write it without the v: {name}@{stripped}"
                if stripped != spec and (_PARTIAL.fullmatch(stripped)
                                         or _SEMVER.fullmatch(stripped))
                else f"a pin is a major version, major.minor or a whole version: {example}")
        raise VersionSyntaxError(f"{spec!r} in {written!r} is not a version to pin",
                                 hint) from None
    return Pin(name=name, exact=exact, written=written)


def best(versions: Iterable[Version]) -> Version | None:
    """The version to take of those given: the newest release, else the newest pre-release."""
    ordered = sorted(versions, key=lambda v: (not v.prerelease, v))
    return ordered[-1] if ordered else None


def newest_first(versions: Iterable[Version]) -> list[Version]:
    return sorted(set(versions), reverse=True)
