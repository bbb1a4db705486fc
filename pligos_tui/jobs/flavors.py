"""Flavor versions across a tree: `pligos flavors --outdated` and `pligos upgrade-flavor`.

`outdated` lists the contexts whose flavor is behind the newest version offered;
`upgrade_flavor` moves the pins of named contexts (a wave: dev first, then prod) in every
pligos.yaml below a path, in place, comments and all, and updates pligos.lock
(`spec/pins.py` works out what it holds).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

from pligos_tui.errors import (
    ConfigError,
    Problem,
    UsageError,
    did_you_mean,
)
from pligos_tui.io.files import atomic_write
from pligos_tui.jobs.edits import set_context_field
from pligos_tui.spec.discover import find_services, split_v1
from pligos_tui.spec.flavors import FlavorSet, Offer, pin_name
from pligos_tui.spec.load import load_service, load_service_text
from pligos_tui.spec.model import Service
from pligos_tui.spec.pins import lock_updates, write_locks
from pligos_tui.spec.resolve import extends_chain, resolve_context
from pligos_tui.spec.versions import (
    PIN_SEPARATOR,
    VersionSyntaxError,
    best,
    parse_pin,
    parse_version,
)
from pligos_tui.spec.vocabulary import CONFIG_NAME

# ----------------------------------------------------------------------------- outdated


@dataclass(frozen=True)
class Outdated:
    """A context whose flavor is behind the newest version offered."""

    file: str  # its pligos.yaml, as shown
    service: str
    context: str
    flavor: str  # the flavor's name
    pin: str  # as the context writes it
    resolved: str
    newest: str
    source: str  # where the newest comes from
    changelog: tuple[tuple[str, str], ...] = ()  # (version, text) after resolved, newest first


def load_tree(paths: Sequence[Path]) -> list[Service]:
    """The format-1 services below `paths`; all their problems raised together."""
    roots, _ = split_v1(find_services(paths))
    services: list[Service] = []
    problems: list[Problem] = []
    for root in roots:
        try:
            services.append(load_service(root))
        except ConfigError as exc:
            problems += exc.problems
    if problems:
        raise ConfigError(problems)
    return services


def newest(offers: Sequence[Offer]) -> Offer | None:
    version = best(o.semver for o in offers)
    return next((o for o in offers if o.semver == version), None)


def outdated(paths: Sequence[Path], *, flavors: FlavorSet | None = None) -> list[Outdated]:
    """Each (service, context) below `paths` whose flavor resolves to a version older than
    the newest one offered, with the changelog of the versions in between."""
    flavors = flavors or FlavorSet()
    rows: list[Outdated] = []
    for svc in load_tree(paths):
        for ctx in svc.contexts:
            written = resolve_context(svc, ctx.name).flavor
            choice = flavors.choose(svc, written) if written else None
            if choice is None:
                continue
            top = newest(flavors.versions(svc, choice.pin.name))
            if top is None or top.semver <= choice.offer.semver:
                continue
            log = flavors.read(top).changelog
            between = [(v, text) for v, text in log.items()
                       if choice.offer.semver < parse_version(v) <= top.semver]
            between.sort(key=lambda item: parse_version(item[0]), reverse=True)
            rows.append(Outdated(svc.file, svc.name, ctx.name, choice.pin.name, written,
                                 choice.offer.version, top.version, top.source,
                                 tuple(between)))
    return rows


# ----------------------------------------------------------------------------- upgrade


@dataclass(frozen=True)
class FlavorEdit:
    """One context's `flavor:` as upgrade-flavor changed it."""

    file: Path  # the pligos.yaml
    context: str
    old: str  # as written before ("" when the context had no flavor: of its own)
    new: str
    version: str  # what the new one resolves to
    kept: str = ""  # not upgraded: the context it took its flavor from, whose flavor moved


@dataclass
class UpgradeResult:
    """What `upgrade-flavor` changed: each edit, and the bytes before it of each file it
    changed (each pligos.yaml, and each pligos.lock that was there before)."""

    edits: list[FlavorEdit] = field(default_factory=list)
    before: dict[Path, bytes] = field(default_factory=dict)
    locks: list[Path] = field(default_factory=list)  # the pligos.lock files written


def upgrade_flavor(name: str, paths: Sequence[Path], *, to: str | None = None,
                   contexts: Sequence[str] | None = None) -> UpgradeResult:
    """Pin flavor `name` at `to` (a version, or `2`/`2.3`; default: the newest offered) in
    the named contexts (default: all whose flavor is `name`) of every service below `paths`;
    pligos.yaml is edited in place (comments, order and quoting kept) and the lock updated.
    A context left out that took its flavor from an upgraded one is given the flavor it had.
    Nothing is written when anything is wrong."""
    if to is not None:
        try:
            parse_pin(f"{name}{PIN_SEPARATOR}{to}")
        except VersionSyntaxError as exc:
            raise UsageError(f"--to {to}: {exc.message}", exc.hint) from None
    services = load_tree(paths)
    flavors = FlavorSet()
    planned: list[tuple[Service, str, list[FlavorEdit]]] = []
    for svc in services:
        targets = _targets(svc, name, contexts)
        if targets:
            planned.append((svc, *_edit(svc, name, to, targets, flavors)))
    if not planned:
        _nothing_to_upgrade(services, name, contexts)
    result = UpgradeResult()
    after: dict[Path, Service] = {}
    problems: list[Problem] = []
    for svc, text, edits in planned:
        if edits:
            try:  # the service as it will be must still be valid
                after[svc.root] = load_service_text(text, svc.root, svc.file)
            except ConfigError as exc:
                problems += exc.problems
            result.edits += edits
    if problems:
        raise ConfigError(problems)
    updates = lock_updates([after.get(s.root, s) for s in services], FlavorSet())
    for svc, text, edits in planned:  # (everything checked: now write)
        if edits:
            file = svc.root / CONFIG_NAME
            result.before[file] = raw = file.read_bytes()
            bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
            atomic_write(file, bom + text.encode())
    before = {u.lock.path: u.lock.raw for u in updates if u.changed}
    result.locks = write_locks(updates)
    result.before.update({path: raw for path, raw in before.items() if raw is not None})
    return result


def _targets(svc: Service, name: str, contexts: Sequence[str] | None) -> list[str]:
    """The contexts of `svc` to upgrade: those named (or all) whose flavor is `name`."""
    out = []
    for ctx in svc.contexts:
        if contexts and ctx.name not in contexts:
            continue
        written = resolve_context(svc, ctx.name).flavor
        if written and pin_name(written) == name and ctx.name not in out:
            out.append(ctx.name)
    return out


def _edit(svc: Service, name: str, to: str | None, targets: list[str],
          flavors: FlavorSet) -> tuple[str, list[FlavorEdit]]:
    """The new text of a service's pligos.yaml, and its edits."""
    offers = flavors.versions(svc, name)
    top = newest(offers)
    assert top is not None  # (a context of the service resolves to one of them)
    pin = parse_pin(f"{name}{PIN_SEPARATOR}{to if to is not None else top.version}")
    matching = [o for o in offers if pin.matches(o.semver)]
    if not matching:
        there = ", ".join(dict.fromkeys(str(v) for v in sorted(o.semver for o in offers)))
        raise UsageError(f"flavor {name!r} has no version {pin.describe()} for {svc.file}",
                         hint=f"versions there are: {there}")
    version = str(best(o.semver for o in matching))
    file = svc.root / CONFIG_NAME
    moved: dict[str, str] = {}  # context -> its new flavor: line
    for context in targets:
        ctx = svc.context(context)
        assert ctx is not None
        if ctx.flavor:
            if ctx.flavor != pin.written:
                moved[context] = ctx.flavor
        elif _flavor_from(svc, context, set()) not in targets \
                and resolve_context(svc, context).flavor != pin.written:
            moved[context] = ""  # (it inherited its flavor: it gets one of its own)
    kept: dict[str, str] = {}  # contexts left out that took their flavor from a moved one
    for ctx in svc.contexts:
        source = _flavor_from(svc, ctx.name, set(kept))
        if ctx.name not in targets and not ctx.flavor and source in moved:
            kept[ctx.name] = source
    text = file.read_bytes().decode("utf-8-sig")
    edits: list[FlavorEdit] = []
    for context, source in kept.items():
        old = resolve_context(svc, context).flavor
        text = set_context_field(text, context, "flavor", old)
        edits.append(FlavorEdit(file, context, "", old, _version_of(flavors, svc, old),
                                kept=source))
    for context, old in moved.items():
        text = set_context_field(text, context, "flavor", pin.written)
        edits.append(FlavorEdit(file, context, old, pin.written, version))
    return text, edits


def _flavor_from(svc: Service, context: str, own: set[str]) -> str | None:
    """The context whose `flavor:` a context takes its flavor from (those in `own` count as
    writing one)."""
    for ctx in extends_chain(svc, context):
        if ctx.flavor or ctx.name in own:
            return ctx.name
    return None


def _version_of(flavors: FlavorSet, svc: Service, written: str) -> str:
    choice = flavors.choose(svc, written)
    return choice.offer.version if choice is not None else ""


def _nothing_to_upgrade(services: list[Service], name: str,
                        contexts: Sequence[str] | None) -> NoReturn:
    used = sorted({pin_name(f) for s in services for c in s.contexts
                   for f in [resolve_context(s, c.name).flavor] if f})
    names = sorted({c.name for s in services for c in s.contexts})
    missing = [c for c in contexts or [] if c not in names]
    if missing:
        raise UsageError(f"no service has a context named {missing[0]!r}",
                         hint=did_you_mean(missing[0], names, loose=True)
                         or f"contexts are: {', '.join(names)}")
    where = f" in the contexts {', '.join(contexts)}" if contexts else ""
    raise UsageError(f"no context uses flavor {name!r}{where}",
                     hint=did_you_mean(name, used, loose=True)
                     or f"the flavors used are: {', '.join(used) or 'none'}")
