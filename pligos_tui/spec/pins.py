"""What each pligos.lock holds once the services loaded in a run have chosen their flavors.

`generate` writes what `lock_updates` works out (`write_locks`), `check` reports a lock that
would change (`stale_locks`), `upgrade-flavor` writes the lock of the services it edited. The
entries of services not loaded are kept; when every service below a lock was loaded, those no
service uses are dropped. Two services sharing a lock that mean different flavors by one pin
(they take flavors from different folders) are refused: each then needs a lock of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pligos_tui.errors import PligosError, ResolveError, UsageError, display_path
from pligos_tui.spec.discover import find_services, split_v1
from pligos_tui.spec.flavors import Choice, FlavorSet
from pligos_tui.spec.lock import Lock, LockEntry, render_lock, write_lock
from pligos_tui.spec.lockpath import lock_path
from pligos_tui.spec.model import Service
from pligos_tui.spec.resolve import resolve_context
from pligos_tui.spec.vocabulary import BUILTIN_SOURCE, CONFIG_NAME, LOCK_FILE


@dataclass
class LockUpdate:
    """One pligos.lock and what it holds once the loaded services' choices are in it."""

    lock: Lock
    flavors: dict[str, LockEntry]

    @property
    def text(self) -> bytes:
        return render_lock(self.flavors)

    @property
    def changed(self) -> bool:
        return self.text != self.lock.raw


def choices(svc: Service, flavors: FlavorSet) -> dict[str, Choice]:
    """Each flavor the service's contexts write (by the lock's key) and what it resolved to;
    for a loaded (valid) service."""
    out: dict[str, Choice] = {}
    for ctx in svc.contexts:
        try:
            written = resolve_context(svc, ctx.name).flavor
        except ResolveError:
            continue
        if written and written not in out:
            choice = flavors.choose(svc, written)
            if choice is not None:
                out[written] = choice
    return out


def lock_updates(services: Sequence[Service], flavors: FlavorSet) -> list[LockUpdate]:
    """What each lock of `services` holds once their choices are recorded: the entries of
    what they use added or updated, those of services not loaded kept (all dropped that no
    service below the lock uses, when every such service was loaded). Two services of one
    lock that mean different flavors by one pin are a UsageError."""
    by_lock: dict[Path, list[tuple[Service, dict[str, Choice]]]] = {}
    locks: dict[Path, Lock] = {}
    for svc in sorted(services, key=lambda s: str(s.root)):
        lock = flavors.lock_of(svc)
        locks[lock.path] = lock
        by_lock.setdefault(lock.path, []).append((svc, choices(svc, flavors)))
    updates = []
    for path, used in by_lock.items():
        lock = locks[path]
        pins = {pin for _, chosen in used for pin in chosen}
        complete = set(lock.flavors) <= pins or _all_loaded(lock, [s for s, _ in used])
        new: dict[str, LockEntry] = {} if complete else dict(lock.flavors)
        claimed: dict[str, tuple[Service, LockEntry]] = {}
        for svc, chosen in used:
            for pin, choice in chosen.items():
                entry = choice.entry()
                other = claimed.get(pin)
                if other is not None and other[1] != entry:
                    raise _conflict(lock, pin, other[0].file, other[1], svc, entry)
                old = lock.flavors.get(pin)
                if other is None and not complete and old is not None and old != entry \
                        and not _sees(flavors, svc, old):
                    raise _conflict(lock, pin, "another service", old, svc, entry)
                claimed[pin] = (svc, entry)
                new[pin] = entry
        updates.append(LockUpdate(lock, dict(sorted(new.items()))))
    return updates


def _all_loaded(lock: Lock, loaded: list[Service]) -> bool:
    """Whether every service using `lock` (below its folder, with no nearer lock) is loaded."""
    try:
        roots, _ = split_v1(find_services([lock.folder]))
    except PligosError:
        return False
    have = {s.root for s in loaded}
    return all(r in have for r in roots if lock_path(r) == lock.path)


def _sees(flavors: FlavorSet, svc: Service, entry: LockEntry) -> bool:
    """Whether the source of a lock entry is one the service takes flavors from (so that its
    choice may replace the entry: the folder moved on, the version is gone)."""
    if entry.source == BUILTIN_SOURCE or any(o.source == entry.source
                                             for o in flavors.offers(svc)):
        return True
    lock = flavors.lock_of(svc)
    folders = {(svc.root / p).resolve() for p in svc.flavor_paths}
    if (lock.folder / entry.source).resolve().parent in folders:
        return True
    return any(s.label == entry.source for s in getattr(svc, "flavor_sources", None) or [])


def _conflict(lock: Lock, pin: str, first: str, a: LockEntry, svc: Service,
              b: LockEntry) -> UsageError:
    return UsageError(
        f"{first} and {svc.file} share {display_path(lock.path)} but mean different flavors "
        f"by {pin!r} ({a.source} {a.version}, {b.source} {b.version})",
        hint=f"give one of them a lock of its own (an empty {LOCK_FILE} beside its "
             f"{CONFIG_NAME}), or let them take flavors from the same folders")


def stale_locks(services: Sequence[Service], flavors: FlavorSet) -> list[LockUpdate]:
    """The locks `generate` would change (for `check`)."""
    return [u for u in lock_updates(services, flavors) if u.changed]


def write_locks(updates: Sequence[LockUpdate]) -> list[Path]:
    """Write the locks that change (atomically); those written."""
    return [u.lock.path for u in updates if write_lock(u.lock, u.flavors)]
