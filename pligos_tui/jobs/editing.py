"""The editor's state: the text of pligos.yaml, its undo history and what the loader makes of
it (`Buffer`), and what is selected (`Selection`).

No Textual here: `pligos edit`'s screens call these methods and redraw from the result; the
edits themselves are `jobs.edits`'s.

Typing must never wait for the loader, so a change may leave the check for later
(`change(..., check=False)`): the text and its plain data are current at once, and what the
loader makes of the text (`Checked`, made by `check` on any thread) is applied by `apply`
only while it is still of the current text (`stale` says one is due).

The file itself is watched: `outside_change` tells whether someone else changed it since it
was read or saved, and `save` refuses to overwrite such a change (`OutsideChange`) until the
user took theirs (`take`) or kept theirs as the base of their own (`keep_mine`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from pligos_tui.errors import ConfigError, PligosError, Problem, display_path
from pligos_tui.io.files import atomic_write
from pligos_tui.io.keypath import Named, NamedPath
from pligos_tui.io.roundtrip import structurally_editable
from pligos_tui.io.yamltext import fast_data_or_none
from pligos_tui.jobs.preview import Pane, Prefetch
from pligos_tui.spec.effective import Settings, settings_of
from pligos_tui.spec.flavors import Flavor, FlavorSet
from pligos_tui.spec.load import load_service_text
from pligos_tui.spec.model import Friend, Service
from pligos_tui.spec.resolve import resolve_context
from pligos_tui.spec.settings import effective, merge_setting
from pligos_tui.spec.vocabulary import CONFIG_NAME, CONTEXT_SETTINGS, ENTRY_WORDS, MANIFESTS

# what can be selected: the service's fields, the source, a context, a property list, one of
# its entries, a friend; and the tree's groups of these (never shown as a form)
SelectionKind = Literal["service", "source", "context", "prop", "entry", "friend",
                        "props", "contexts", "friends"]


@dataclass(frozen=True)
class Selection:
    """What the editor has selected: `kind`, and `path`, the key path in pligos.yaml of what it
    shows (the problems at or under it are its own). The constructors below are the one place
    that makes these paths:

    - `service()`, `source()`: ()
    - `context(name)`: ("contexts", Named(name, "context"))
    - `property_list(prop)`: (prop,)
    - `entry(prop, name)`: (prop, Named(name, word)), `word` naming the property's entries
      (`images` -> "image")
    - `friend(name)`: ("friends", Named(name, "friend"))
    """

    kind: SelectionKind
    path: NamedPath = ()

    @classmethod
    def service(cls) -> Selection:
        return cls("service")

    @classmethod
    def source(cls) -> Selection:
        return cls("source")

    @classmethod
    def context(cls, name: str) -> Selection:
        return cls("context", ("contexts", Named(name, "context")))

    @classmethod
    def property_list(cls, prop: str) -> Selection:
        return cls("prop", (prop,))

    @classmethod
    def entry(cls, prop: str, name: str) -> Selection:
        return cls("entry", (prop, Named(name, ENTRY_WORDS.get(prop, "entry"))))

    @classmethod
    def friend(cls, name: str) -> Selection:
        return cls("friend", ("friends", Named(name, "friend")))

    @property
    def name(self) -> str:
        """The name of the selected context, entry or friend ('' for the other kinds)."""
        last = self.path[-1] if self.path else None
        return last.name if isinstance(last, Named) else ""

    @property
    def prop(self) -> str:
        """The property list of a selected list or entry ('' for the other kinds)."""
        return str(self.path[0]) if self.kind in ("prop", "entry") else ""


class OutsideChange(PligosError):
    """pligos.yaml was changed by someone else since the editor read or saved it; `theirs` is
    its text now ('' when it was removed)."""

    def __init__(self, display: str, theirs: str, removed: bool = False) -> None:
        what = "was removed" if removed else "was changed outside the editor"
        super().__init__(f"{display} {what} since it was opened or saved",
                         hint="keep your version (then save), or take theirs")
        self.theirs, self.removed = theirs, removed


@dataclass(frozen=True)
class Checked:
    """What the loader makes of one text: the service or the error that stops it loading, and
    the plain data the forms show (None: the file does not parse, or only the source view can
    edit it)."""

    text: str
    service: Service | None
    error: PligosError | None
    data: dict[str, Any] | None
    early: Prefetch | None = None  # the renders of panes started while it was checked


Stamp = tuple[int, int, int]  # what tells a file's versions apart cheaply: inode, size, mtime


def _stamp(file: Path) -> Stamp | None:
    try:
        st = os.stat(file)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def _read_text(file: Path) -> str:
    raw = file.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PligosError(f"{display_path(file)} is not UTF-8 text",
                          hint="save the file as UTF-8") from None


@dataclass
class Buffer:
    file: Path
    text: str
    saved: str  # the file's text as last read or written (what `dirty` compares with)
    undo_stack: list[tuple[str, str]] = field(default_factory=list)  # (text, coalescing key)
    service: Service | None = None
    error: PligosError | None = None
    data: dict[str, Any] | None = None  # the plain YAML data, for the forms (None: unparsable)
    flavors: FlavorSet = field(default_factory=FlavorSet)  # read once, for the forms
    checked_text: str | None = None  # the text `service`, `error` and `problems` are of
    stamp: Stamp | None = None  # the file's stamp when it was last read or written

    @classmethod
    def open(cls, path: Path) -> Buffer:
        file = path / CONFIG_NAME if path.is_dir() else path
        if not file.is_file():
            raise PligosError(f"{display_path(file)} does not exist",
                              hint="run `pligos new` to create a service, or pass its folder")
        stamp = _stamp(file)
        text = _read_text(file)
        buf = cls(file=file, text=text, saved=text, stamp=stamp)
        buf.validate()
        return buf

    @property
    def root(self) -> Path:
        return self.file.parent

    @property
    def display(self) -> str:
        return display_path(self.file)

    @property
    def dirty(self) -> bool:
        return self.text != self.saved

    @property
    def problems(self) -> list[Problem]:
        if isinstance(self.error, ConfigError):
            return self.error.problems
        return []

    @property
    def stale(self) -> bool:
        """True while the text changed since the loader last checked it."""
        return self.checked_text != self.text

    def check(self, text: str | None = None, *, panes: Sequence[Pane] = (),
              mode: str = MANIFESTS) -> Checked:
        """What the loader makes of `text` (default: the buffer's): its rules, friends and
        flavors. It reads only files, never the buffer's state, so it may run off the UI
        thread while the buffer changes. Given `panes`, the renders of those of its contexts
        start as soon as the text is read, while its rules are checked (`Checked.early`;
        None, and stopped, when it does not load)."""
        text = self.text if text is None else text
        service: Service | None
        flavors = FlavorSet()  # read once, for the rules and for the renders
        early: list[Prefetch] = []

        def start(svc: Service) -> None:
            names = {c.name for c in svc.contexts}
            kept = [(c, f) for c, f in panes if c in names]
            if kept:
                early.append(Prefetch(svc, kept, mode, flavors=flavors))

        try:
            service, error = load_service_text(text, self.root, self.display, flavors=flavors,
                                               on_read=start if panes else None), None
        except PligosError as exc:
            service, error = None, exc
            for prefetch in early:
                prefetch.cancel()
            early.clear()
        if service is not None:
            data: Any = service.doc.data
        else:
            # PyYAML itself, not `io.yamlread`: that reader refuses documents the forms can
            # still show, and fix (a control character written as an escape, a merge key, a
            # key that is not text); the loader has reported those already
            try:
                data = yaml.safe_load(text)
            except yaml.YAMLError:
                data = None
        plain = data if isinstance(data, dict) else None
        if service is None and plain is not None and not structurally_editable(text):
            plain = None  # e.g. a duplicate key: only the source view can fix it
        return Checked(text, service, error, plain, early[0] if early else None)

    def apply(self, checked: Checked) -> bool:
        """Take what the loader made of the text, when it is still the buffer's text."""
        if checked.text != self.text:
            return False
        self.service, self.error, self.data = checked.service, checked.error, checked.data
        self.checked_text = checked.text
        return True

    def validate(self) -> None:
        """Load the buffer with the loader's rules; sets `service` or `error`, and `data`."""
        self.apply(self.check())

    def preview_source(self) -> Service | PligosError:
        """What the preview shows: the loaded service, or the error that stops it loading."""
        if self.service is None:
            return self.error or PligosError("nothing loaded")
        return self.service

    def change(self, text: str, key: str = "", *, check: bool = True) -> bool:
        """Replace the text (an undo step; consecutive changes with the same non-empty `key`,
        such as typing in one field, make one step). Returns whether anything changed.

        With `check=False` the loader's check is left for later (`check`, `apply`): only the
        plain data is read now (the C parser, about a millisecond), so that the forms see
        what was typed; `service` and `problems` stay those of the last check meanwhile."""
        if text == self.text:
            return False
        if not (key and self.undo_stack and self.undo_stack[-1][1] == key):
            self.undo_stack.append((self.text, key))
        self.text = text
        if check:
            self.validate()
        else:
            data = fast_data_or_none(text)
            self.data = data if isinstance(data, dict) else None
        return True

    def undo(self) -> bool:
        if not self.undo_stack:
            return False
        self.text = self.undo_stack.pop()[0]
        self.validate()
        return True

    def seal(self) -> None:
        """End the current coalescing run: the next change is its own undo step."""
        if self.undo_stack:
            self.undo_stack[-1] = (self.undo_stack[-1][0], "")

    def save(self, *, overwrite: bool = False) -> None:
        """Write the text (atomically). Refuses, raising `OutsideChange`, when the file was
        changed by someone else since it was read or saved, unless `overwrite`."""
        if not overwrite:
            theirs = self.outside_change()
            if theirs is not None:
                raise theirs
        atomic_write(self.file, self.text.encode())
        self.saved = self.text
        self.stamp = _stamp(self.file)

    # -- the file on disk ----------------------------------------------------------------------
    def outside_change(self) -> OutsideChange | None:
        """Whether the file was changed (or removed) by someone else since it was last read or
        written: a stat when nothing changed, the file read when its stamp did. A new stamp
        over the same text (a `touch`) is taken quietly."""
        stamp = _stamp(self.file)
        if stamp == self.stamp:
            return None
        if stamp is None:
            return OutsideChange(self.display, "", removed=True)
        try:
            theirs = _read_text(self.file)
        except (OSError, PligosError):
            return None  # being replaced right now, or not text: asked again next time
        if theirs == self.saved:
            self.stamp = stamp
            return None
        return OutsideChange(self.display, theirs)

    def stamp_now(self) -> Stamp | None:
        return _stamp(self.file)

    def take(self, change: OutsideChange) -> None:
        """Take their version: it becomes the text (one undo step: ctrl+z gets yours back)
        and what the file is known to hold."""
        self.change(change.theirs)
        self.seal()
        self.saved = change.theirs
        self.stamp = _stamp(self.file)

    def keep_mine(self, change: OutsideChange) -> None:
        """Keep your text over their version: saving then replaces theirs, as asked."""
        self.saved = change.theirs
        self.stamp = _stamp(self.file)

    # -- views of the plain data, for forms ---------------------------------------------------
    def contexts(self) -> list[dict[str, Any]]:
        items = (self.data or {}).get("contexts")
        return [c for c in items if isinstance(c, dict)] if isinstance(items, list) else []

    def context_names(self) -> list[str]:
        return [str(c.get("name")) for c in self.contexts() if c.get("name") is not None]

    def context(self, name: str) -> dict[str, Any] | None:
        return next((c for c in self.contexts() if str(c.get("name")) == name), None)

    def entries(self, prop: str) -> list[dict[str, Any]]:
        items = (self.data or {}).get(prop)
        return [e for e in items if isinstance(e, dict)] if isinstance(items, list) else []

    def entry_names(self, prop: str) -> list[str]:
        return [str(e.get("name")) for e in self.entries(prop) if e.get("name") is not None]

    def friend_names(self) -> list[str]:
        """The friends a context can pick: those the service loads (library and inline), or,
        while the file has problems, the inline ones and those contexts name."""
        if self.service is not None:
            return sorted(self.service.friends)
        names = {str(f.get("name")) for f in self.entries("friends") if f.get("name")}
        for ctx in self.context_names():
            names.update(self.context_friends(ctx))
        return sorted(names)

    def friend(self, name: str) -> Friend | None:
        """The loaded definition of a friend, or None."""
        return self.service.friends.get(name) if self.service is not None else None

    def context_friends(self, context: str) -> list[str]:
        """The names of the friends a context lists (its own list, not the inherited one)."""
        items = (self.context(context) or {}).get("friends")
        if not isinstance(items, list):
            return []
        return [str(i.get("name") if isinstance(i, dict) else i) for i in items
                if (i.get("name") if isinstance(i, dict) else i) is not None]

    def default_panes(self) -> list[Pane]:
        """The contexts previewed first: the current context and the next one."""
        names = self.context_names()
        current = self.current_context()
        first = current if current in names else (names[0] if names else "")
        rest = [n for n in names if n != first]
        panes: list[Pane] = [(first, None)] if first else []
        return panes + ([(rest[0], None)] if rest else [])

    def prefetch_preview(self) -> Prefetch | None:
        """Start rendering the first preview now, before any screen exists."""
        panes = self.default_panes()
        return Prefetch(self.service, panes) if self.service is not None and panes else None

    def current_context(self) -> str:
        value = (self.data or {}).get("current-context")
        return str(value) if value else ""

    def _flavor_search(self) -> list[Path]:
        paths = (self.data or {}).get("flavorPaths") or []
        return [self.root / str(p) for p in paths if isinstance(p, str)] \
            if isinstance(paths, list) else []

    def flavor_names(self) -> list[str]:
        try:
            return sorted(FlavorSet().available(self._flavor_search()))
        except OSError:
            return sorted(FlavorSet().available([]))

    def _chain(self, context: str) -> list[dict[str, Any]]:
        """The context's plain mapping, then those of the contexts it extends."""
        chain: list[dict[str, Any]] = []
        ctx = self.context(context)
        while ctx is not None and not any(c is ctx for c in chain):
            chain.append(ctx)
            parent = ctx.get("extends")
            ctx = self.context(parent) if isinstance(parent, str) and parent else None
        return chain

    def context_flavor(self, context: str) -> str:
        """The flavor a context is built with: its own, else that of the context it extends
        ('' when none says)."""
        return next((c["flavor"] for c in self._chain(context)
                     if isinstance(c.get("flavor"), str) and c["flavor"]), "")

    def flavor(self, name: str) -> Flavor | None:
        """The flavor named `name` (flavorPaths' or built in); None when it is not found or
        its flavor.yaml does not load."""
        if not name:
            return None
        try:
            return self.flavors.get(name, self._flavor_search())
        except (PligosError, OSError):
            return None

    def context_settings(self, context: str) -> tuple[tuple[str, ...], Settings]:
        """The settings a context's form offers (those its flavor accepts; all when the
        flavor is not known) and the value of every key of every setting for it: what the
        context, those it extends, its flavor's `defaults:` and the built-in defaults make
        of it (read from the plain data while the file does not load)."""
        flavor = self.flavor(self.context_flavor(context))
        offered = tuple(s for s in CONTEXT_SETTINGS if flavor is None or s in flavor.accepts)
        if self.service is not None and self.service.context(context) is not None:
            try:
                return offered, settings_of(resolve_context(self.service, context), flavor)
            except PligosError:
                pass
        defaults = flavor.defaults if flavor is not None else {}
        out: Settings = {}
        for name in CONTEXT_SETTINGS:
            written: dict[str, Any] = {}
            for ctx in reversed(self._chain(context)):
                if isinstance(ctx.get(name), dict):
                    written = merge_setting(written, ctx[name])
            out[name] = effective(name, defaults.get(name), written)
        return offered, out
