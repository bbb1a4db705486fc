"""What each pligos.lock holds once the services loaded in a run have chosen their flavors.

`generate` writes what `lock_updates` works out (`write_locks`), `check` reports a lock that
would change (`stale_locks`), `upgrade-flavor` writes the lock of the services it edited. The
entries of services not loaded are kept; when every service below a lock was loaded, those no
service uses are dropped. Two services sharing a lock that mean different flavors by one pin
(they take flavors from different folders) are refused, in one run or one at a time (an entry
changes source only when no service left out of the run means the old one): each then needs a
lock of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pligos_tui.errors import PligosError, ResolveError, UsageError, display_path
from pligos_tui.spec.discover import find_services, split_v1
from pligos_tui.spec.flavors import Choice, FlavorSet
from pligos_tui.spec.load import load_service
from pligos_tui.spec.lock import Lock, LockEntry, render_lock, write_lock
from pligos_tui.spec.lockpath import lock_path
from pligos_tui.spec.model import Service
from pligos_tui.spec.resolve import resolve_context
from pligos_tui.spec.vocabulary import CONFIG_NAME, LOCK_FILE


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
    lock that mean different flavors by one pin are a UsageError, whether both were loaded
    or only one: an entry is replaced by one from another source only when no service left
    out means the old one by that pin."""
    by_lock: dict[Path, list[tuple[Service, dict[str, Choice]]]] = {}
    locks: dict[Path, Lock] = {}
    for svc in sorted(services, key=lambda s: str(s.root)):
        lock = flavors.lock_of(svc)
        locks[lock.path] = lock
        by_lock.setdefault(lock.path, []).append((svc, choices(svc, flavors)))
    updates = []
    for path, used in by_lock.items():
        lock = locks[path]
        rest = _Unloaded(lock, [s for s, _ in used], flavors)
        new: dict[str, LockEntry] = dict(lock.flavors)
        claimed: dict[str, tuple[Service, LockEntry]] = {}
        for svc, chosen in used:
            for pin, choice in chosen.items():
                entry = choice.entry()
                other = claimed.get(pin)
                if other is not None and other[1] != entry:
                    raise _conflict(lock, pin, other[0].file, other[1], svc, entry)
                old = lock.flavors.get(pin)
                if other is None and old is not None and old.source != entry.source:
                    rest.check(pin, svc, entry)
                claimed[pin] = (svc, entry)
                new[pin] = entry
        unused = set(new) - set(claimed)
        if unused and rest.none():
            new = {pin: e for pin, e in new.items() if pin not in unused}
        updates.append(LockUpdate(lock, dict(sorted(new.items()))))
    return updates


class _Unloaded:
    """The services of one lock (below its folder, with no nearer lock) that a run did not
    load: found only when a question needs them, and each read (not checked) only when an
    entry it may rely on would change."""

    def __init__(self, lock: Lock, loaded: list[Service], flavors: FlavorSet) -> None:
        self.lock, self.flavors = lock, flavors
        self.have = {s.root for s in loaded}
        self._roots: list[Path] | None = None
        self._choices: dict[Path, dict[str, LockEntry] | None] = {}

    def roots(self) -> list[Path]:
        if self._roots is None:
            try:
                roots, _ = split_v1(find_services([self.lock.folder]))
            except PligosError:
                roots = []
            self._roots = [r for r in roots
                           if r not in self.have and lock_path(r) == self.lock.path]
        return self._roots

    def none(self) -> bool:
        """Whether every service using the lock was loaded."""
        return not self.roots()

    def check(self, pin: str, svc: Service, entry: LockEntry) -> None:
        """Refuse to replace the lock's entry of `pin` by `entry` (another source) while a
        service left out means another flavor by it (or cannot be read to tell)."""
        for root in self.roots():
            theirs = self._entries(root)
            if theirs is not None and theirs.get(pin) in (None, entry):
                continue
            file = display_path(root / CONFIG_NAME)
            if theirs is None:
                raise UsageError(
                    f"{svc.file} would change the entry of {pin!r} in "
                    f"{display_path(self.lock.path)}, which {file} shares and which cannot "
                    "be read to tell what it means by it",
                    hint=f"fix {file} first, or give {svc.file} a lock of its own (an empty "
                         f"{LOCK_FILE} beside it)")
            raise _conflict(self.lock, pin, file, self.lock.flavors[pin], svc, entry)

    def _entries(self, root: Path) -> dict[str, LockEntry] | None:
        """What a service left out means by each pin; None when it cannot be read."""
        if root not in self._choices:
            try:
                other = load_service(root, check=False)
                self._choices[root] = {pin: c.entry()
                                       for pin, c in choices(other, self.flavors).items()}
            except PligosError:
                self._choices[root] = None
        return self._choices[root]


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
