"""Flavors: the chart templates a platform team owns, and where Pligos finds them.

A flavor is a folder holding `flavor.yaml` (its name and version, what it is for, which context
properties it accepts and which it requires, its changelog), `Chart.yaml` and `templates/`. The
built-in flavors ship inside this package; a service adds folders of its own flavors with
`flavorPaths`, and flavors from git repositories and OCI registries with `flavorSources`
(`spec/sources.py`). Each folder is one version of the flavor its flavor.yaml names (by
default the folder's name), so `flavors/web/` at 3.1.0 and `flavors/web-2/` with `name: web`
at 2.4.0 are two versions of `web`.

Which version a context gets (`FlavorSet.choose`): of the flavorPaths folders, the
flavorSources and the built-ins, the first that has a flavor of that name is the only one
whose versions of it count (it shadows the others, for pins, the lock, `--outdated` and
upgrades alike). Without a pin, the version pligos.lock names when the first source offering
the flavor still offers it, else that source's newest; with a pin (`web@2`), the locked
version while it matches and is offered, else the newest matching version of those that
count (an earlier source wins a tie). A git or OCI source is asked only for what the lock does
not answer (a locked flavor already in the cache needs no network).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from pligos_tui.errors import (
    ConfigError,
    FlavorPinError,
    PligosError,
    Problem,
    Rule,
    display_path,
)
from pligos_tui.spec.flavorfile import (
    BUILTIN_DIR,
    FLAVOR_FILE_RULES,
    Flavor,
    builtin_names,
    read_flavor,
    read_head,
)
from pligos_tui.spec.lock import LOCK_RULES, Lock, LockEntry, Locks
from pligos_tui.spec.model import Service
from pligos_tui.spec.sources import OCI, Candidate, FlavorSource, candidates
from pligos_tui.spec.versions import (
    PIN_SEPARATOR,
    Pin,
    Version,
    VersionSyntaxError,
    best,
    parse_pin,
    parse_version,
)
from pligos_tui.spec.vocabulary import BUILTIN_SOURCE, FLAVOR_FILE

__all__ = ["BUILTIN_DIR", "FLAVOR_RULES", "Choice", "Flavor", "FlavorSet", "Offer",
           "builtin_names", "pin_name", "read_flavor"]

FLAVOR_DUPLICATE = Rule("E-FLAVOR-DUPLICATE", "two folders of one flavorPaths folder hold the "
                        "same version of one flavor")
# the rules of flavor.yaml, its folder and pligos.lock, for the table of every rule
FLAVOR_RULES = (*FLAVOR_FILE_RULES, FLAVOR_DUPLICATE, *LOCK_RULES)

# where a service takes flavors from, in order of precedence: the first of these that has a
# flavor of some name is the only one whose versions of that name count (the others' are
# shadowed: no pin, no upgrade and no lock entry reaches them)
FOLDERS, SOURCES, BUILTINS = 0, 1, 2


@dataclass(frozen=True)
class Offer:
    """One version of one flavor a service can use, and the source offering it."""

    candidate: Candidate
    semver: Version
    rank: int  # its source's place in the order of precedence (0 first)
    folder: Path | None  # a folder's or built-in's; None: a remote one, fetched when read
    builtin: bool = False
    tier: int = 0  # FOLDERS, SOURCES or BUILTINS: the first that has a name shadows the rest
    problems: tuple[Problem, ...] = ()  # of its flavor.yaml, reported when its name is used
    unnamed: bool = False  # its flavor.yaml's name cannot be read (it may be any flavor)

    @property
    def name(self) -> str:
        return self.candidate.name

    @property
    def version(self) -> str:
        return str(self.semver)

    @property
    def source(self) -> str:
        return self.candidate.source


@dataclass(frozen=True)
class Choice:
    """The flavor a context's `flavor:` resolved to."""

    pin: Pin
    offer: Offer
    flavor: Flavor
    locked: bool = False  # pligos.lock chose it

    @property
    def key(self) -> str:
        """The lock's key: the flavor as the context writes it."""
        return self.pin.written

    def entry(self) -> LockEntry:
        return LockEntry(self.offer.version, self.offer.source,
                         self.offer.candidate.identity or self.flavor.digest)


def _folder(path: Path) -> Callable[[], Path]:
    return lambda: path


def builtin_folders() -> list[Path]:
    return [p for p in sorted(BUILTIN_DIR.iterdir()) if (p / FLAVOR_FILE).is_file()]


def _source_name(folder: Path, base: Path | None) -> str:
    """How pligos.lock names a flavor folder: its path from the lock's folder."""
    if base is None:
        return str(folder)
    return Path(os.path.relpath(os.path.abspath(folder), os.path.abspath(base))).as_posix()


def _folder_offers(search: list[Path], base: Path | None) -> list[Offer]:
    """The flavor folders of `search` (each folder a source, in order): one offer per folder;
    two folders of one source with the same flavor and version are a located problem."""
    offers: list[Offer] = []
    for rank, folder in enumerate(search):
        seen: dict[tuple[str, Version], Path] = {}
        for child in sorted(folder.iterdir()) if folder.is_dir() else ():
            if not (child / FLAVOR_FILE).is_file():
                continue
            head = read_head(child)
            problems = list(head.problems)
            other = seen.setdefault((head.name, head.version), child)
            if other != child:
                problems.append(Problem(
                    display_path(child / FLAVOR_FILE), line=head.line,
                    message=f"flavor {head.name!r} {head.version} is also in "
                            f"{display_path(other)}",
                    hint="give one of them another version: (or name:) in its flavor.yaml, "
                         "or remove it", rule=FLAVOR_DUPLICATE.id))
            offers.append(Offer(Candidate(head.name, str(head.version),
                                          _source_name(child, base), "", _folder(child)),
                                head.version, rank, child, problems=tuple(problems),
                                unnamed=head.unnamed))
    return offers


def _builtin_offers(rank: int) -> list[Offer]:
    out = []
    for child in builtin_folders():
        head = read_head(child)
        out.append(Offer(Candidate(head.name, str(head.version), BUILTIN_SOURCE, "",
                                   _folder(child)), head.version, rank, child, builtin=True,
                         tier=BUILTINS, problems=head.problems))
    return out


def _remote_offers(source: FlavorSource, rank: int, root: Path,
                   locked: dict[str, str] | None) -> list[Offer]:
    """What a git or OCI source offers: with `locked` (version -> identity), only those (a
    locked flavor already fetched needs no network); without, what the source offers now."""
    if locked is not None and not locked:
        return []
    out = []
    for c in candidates(source, root, locked=locked):
        try:
            version = parse_version(c.version)
        except VersionSyntaxError as exc:
            raise PligosError(f"{c.source} offers flavor {c.name!r} at a version that is not "
                              f"SemVer: {exc.message}", exc.hint) from None
        out.append(Offer(c, version, rank, None, tier=SOURCES))
    return out


def _may_offer(source: FlavorSource, name: str) -> bool:
    """Whether a source may offer flavor `name` (an OCI source offers one flavor, named after
    its repository; a git repository may hold any)."""
    return source.kind != OCI or source.url.rstrip("/").rsplit("/", 1)[-1] == name


def _pick(pin: Pin, offers: list[Offer], entry: LockEntry | None) -> tuple[Offer | None, bool]:
    """The offer of one flavor a pin takes (and whether the lock chose it)."""
    if not pin.pinned:  # the first source that has the flavor
        first = min(o.rank for o in offers)
        pool = [o for o in offers if o.rank == first]
    else:
        pool = [o for o in offers if pin.matches(o.semver)]
    if entry is not None:
        try:
            locked = parse_version(entry.version)
        except VersionSyntaxError:
            locked = None
        same = [o for o in pool if o.semver == locked]
        if same:
            return min(same, key=lambda o: (o.source != entry.source, o.rank)), True
    version = best(o.semver for o in pool)
    return min((o for o in pool if o.semver == version), key=lambda o: o.rank, default=None), \
        False


def _shadowed(pin: Pin, offers: list[Offer]) -> str:
    """The end of the hint of a pin no version matches, when the built-in flavor of that
    name has one: a flavor of the service's own shadows it."""
    if not offers or offers[0].tier == BUILTINS:
        return ""
    matching = [o for o in _builtin_offers(0) if o.name == pin.name and pin.matches(o.semver)]
    if not matching:
        return ""
    version = matching[0].version
    return (f"; the built-in {pin.name} {version} is shadowed by the service's own "
            f"{pin.name}: to offer it too, add a flavor folder whose {FLAVOR_FILE} says "
            f"name: {pin.name}, version: {version}, base: {pin.name}")


def _relocated(problem: Problem, folder: Path, shown: str) -> Problem:
    """A problem of a fetched flavor's file, named by `shown` (its source and folder there)
    instead of its place in the cache."""
    cached = display_path(folder)
    if not shown or not (problem.file == cached or problem.file.startswith(cached + os.sep)):
        return problem
    rest = problem.file[len(cached):].replace(os.sep, "/")
    return replace(problem, file=shown + rest)


def _sources(svc: Service) -> list[FlavorSource]:
    """The service's flavorSources (git and OCI), in order."""
    return list(getattr(svc, "flavor_sources", None) or [])


class FlavorSet:
    """The flavors services can use: their flavorPaths first, then their flavorSources, then
    the built-ins, each version of each one.

    Flavor folders are read lazily and cached, so a tree of services sharing flavors reads
    each folder once; so is each pligos.lock (`locks`).
    """

    def __init__(self, cache: dict[Path, Flavor] | None = None,
                 locks: Locks | None = None) -> None:
        self._cache: dict[Path, Flavor] = cache if cache is not None else {}
        self.locks = locks if locks is not None else Locks()
        self._offers: dict[tuple[object, ...], list[Offer]] = {}
        self._choices: dict[tuple[object, ...], Choice | None] = {}

    def _flavor(self, path: Path, builtin: bool) -> Flavor:
        key = path.resolve()
        if key not in self._cache:
            self._cache[key] = read_flavor(path, builtin=builtin,
                                           read_base=lambda p: self._flavor(p, True))
        return self._cache[key]

    def read(self, offer: Offer) -> Flavor:
        """The flavor an offer stands for, read in full (a remote one fetched first; its
        problems named by its source and its path there, not by the cache's folder)."""
        if offer.folder is not None:
            return self._flavor(offer.folder, builtin=offer.builtin)
        folder = offer.candidate.fetch()
        try:
            return self._flavor(folder, builtin=False)
        except ConfigError as exc:
            raise ConfigError([_relocated(p, folder, offer.candidate.shown)
                               for p in exc.problems]) from None

    # ----- a service's flavors: every version, the lock, the choice of each pin

    def lock_of(self, svc: Service) -> Lock:
        """The pligos.lock the service uses (a broken one is a located ConfigError)."""
        return self.locks.of(svc.root)

    def _key(self, svc: Service) -> tuple[object, ...]:
        return (svc.root, tuple(svc.flavor_paths), tuple(_sources(svc)))

    def _local(self, svc: Service) -> list[Offer]:
        """The offers of the service's flavorPaths folders and of the built-ins (no network)."""
        key = ("local", *self._key(svc))
        if key not in self._offers:
            search = [Path(os.path.normpath(svc.root / p)) for p in svc.flavor_paths]
            self._offers[key] = _folder_offers(search, self.lock_of(svc).folder) \
                + _builtin_offers(len(search) + len(_sources(svc)))
        return self._offers[key]

    def _remote(self, svc: Service, index: int, name: str, *,
                locked: LockEntry | None = None) -> list[Offer]:
        """The offers of flavor `name` by the service's flavorSources entry `index`: what it
        offers now, or, `locked`, that lock entry's flavor (no network when it is in the
        cache)."""
        source = _sources(svc)[index]
        wanted = None if locked is None else {locked.version: locked.digest}
        key = ("remote", svc.root, source, tuple((wanted or {}).items()))
        if key not in self._offers:
            self._offers[key] = _remote_offers(source, len(svc.flavor_paths) + index,
                                               svc.root, wanted)
        return [o for o in self._offers[key] if o.name == name]

    def _fresh(self, svc: Service, name: str) -> list[Offer]:
        """What the flavorSources that may offer `name` offer of it now."""
        return [o for i, s in enumerate(_sources(svc)) if _may_offer(s, name)
                for o in self._remote(svc, i, name)]

    def _winning(self, svc: Service, name: str, remote: Callable[[], list[Offer]]
                 ) -> list[Offer]:
        """The offers of `name` of the first of the flavorPaths folders, the flavorSources
        and the built-ins that has it (`remote` asked only when no folder has it)."""
        local = [o for o in self._local(svc) if o.name == name]
        folders = [o for o in local if o.tier == FOLDERS]
        if folders:
            return folders
        return remote() or [o for o in local if o.tier == BUILTINS]

    def versions(self, svc: Service, name: str) -> list[Offer]:
        """The versions of flavor `name` the service may move to, newest first (an earlier
        source first on a tie): those of the first of its flavorPaths, flavorSources (asked
        what they offer now) and the built-ins that has the name."""
        offers = self._winning(svc, name, lambda: self._fresh(svc, name))
        return sorted(offers, key=lambda o: (o.semver, -o.rank), reverse=True)

    def _options(self, svc: Service, pin: Pin, entry: LockEntry | None
                 ) -> tuple[list[Offer], Offer | None, bool]:
        """The offers a pin chooses among, the one it takes and whether the lock chose it.
        A flavorSources entry is asked only when no flavorPaths folder has the name and the
        lock does not answer: the locked flavor, still offered (from the cache when it is
        there), is taken without asking anything else."""
        local = [o for o in self._local(svc) if o.name == pin.name]
        if entry is not None and not any(o.tier == FOLDERS for o in local):
            if entry.source == BUILTIN_SOURCE:
                trusted = [o for o in local if o.tier == BUILTINS]
            else:
                trusted = [o for i, s in enumerate(_sources(svc)) if s.label == entry.source
                           for o in self._remote(svc, i, pin.name, locked=entry)]
            offer, locked = _pick(pin, trusted, entry) if trusted else (None, False)
            if locked:
                return trusted, offer, True
        offers = self._winning(svc, pin.name, lambda: self._fresh(svc, pin.name))
        offer, locked = _pick(pin, offers, entry) if offers else (None, False)
        return offers, offer, locked

    def choose(self, svc: Service, written: str) -> Choice | None:
        """The flavor a context writing `flavor: written` gets; None when no source has a
        flavor of that name. A pin written wrong, or one no version matches, is a
        FlavorPinError; a broken flavor.yaml of that name, one in the service's flavorPaths
        whose name cannot be read, or two folders of one version, a located ConfigError."""
        key = (*self._key(svc), written)
        if key in self._choices:
            return self._choices[key]
        try:
            pin = parse_pin(written)
        except VersionSyntaxError as exc:
            raise FlavorPinError(exc.message, exc.hint, kind=FlavorPinError.SYNTAX) from None
        offers, offer, locked = self._options(svc, pin, self.lock_of(svc).entry(pin.written))
        # (a flavor.yaml whose name cannot be read may be any flavor: it counts for each)
        problems = [p for o in self._local(svc) if o.tier == FOLDERS and o.unnamed
                    for p in o.problems] + [p for o in offers for p in o.problems]
        if problems:
            raise ConfigError(list(dict.fromkeys(problems)))
        if not offers:
            self._choices[key] = None
            return None
        if offer is None:
            there = ", ".join(dict.fromkeys(o.version for o in sorted(
                offers, key=lambda o: o.semver)))
            raise FlavorPinError(f"flavor {pin.name!r} has no version {pin.describe()}, "
                                 f"which {written!r} asks for",
                                 f"versions there are: {there}" + _shadowed(pin, offers),
                                 kind=FlavorPinError.VERSION)
        choice = Choice(pin, offer, self.read(offer), locked)
        self._choices[key] = choice
        return choice

    # ----- flavors by name, without a service (the wizard, the editor's lists, `flavors`)

    def _named(self, search: list[Path]) -> dict[str, Offer]:
        """Each flavor name's offer without a pin: the newest of the first source having it."""
        offers = _folder_offers(search, None) + _builtin_offers(len(search))
        out: dict[str, Offer] = {}
        for name in dict.fromkeys(o.name for o in offers):
            offer, _ = _pick(Pin(name, written=name), [o for o in offers if o.name == name],
                             None)
            if offer is not None:
                out[name] = offer
        return out

    def available(self, search: list[Path]) -> dict[str, Path]:
        """Flavor name -> folder, for the given extra folders and the built-ins."""
        return {name: o.folder for name, o in self._named(search).items()
                if o.folder is not None}

    def get(self, name: str, search: list[Path]) -> Flavor | None:
        """The flavor `name` (which may carry a pin) of the given folders and the built-ins;
        None when there is none (or no version matches)."""
        try:
            pin = parse_pin(name)
        except VersionSyntaxError:
            return None
        offers = [o for o in _folder_offers(search, None) + _builtin_offers(len(search))
                  if o.name == pin.name]
        if not offers:
            return None
        offer, _ = _pick(pin, offers, None)
        return self.read(offer) if offer is not None else None

    def all(self, search: list[Path]) -> list[Flavor]:
        return [self.read(o) for o in self._named(search).values()]

    def other_versions(self, search: list[Path], name: str) -> list[Offer]:
        """Every offer of flavor `name` in the given folders and the built-ins, newest first."""
        offers = _folder_offers(search, None) + _builtin_offers(len(search))
        return sorted((o for o in offers if o.name == name),
                      key=lambda o: (o.semver, -o.rank), reverse=True)


def pin_name(written: str) -> str:
    """The flavor's name of what a context writes (`web@2` -> `web`)."""
    return written.partition(PIN_SEPARATOR)[0]
