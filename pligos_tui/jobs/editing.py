"""The editor's state: the text of pligos.yaml, its undo history and what the loader makes of
it (`Buffer`), and what is selected (`Selection`).

No Textual here: `pligos edit`'s screens call these methods and redraw from the result; the
edits themselves are `jobs.edits`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from pligos_tui.errors import ConfigError, PligosError, Problem, display_path
from pligos_tui.io.files import atomic_write
from pligos_tui.io.keypath import Named, NamedPath
from pligos_tui.io.roundtrip import structurally_editable
from pligos_tui.jobs.preview import Pane, Prefetch
from pligos_tui.spec.effective import Settings, settings_of
from pligos_tui.spec.flavors import Flavor, FlavorSet
from pligos_tui.spec.load import load_service_text
from pligos_tui.spec.model import Friend, Service
from pligos_tui.spec.resolve import resolve_context
from pligos_tui.spec.settings import effective, merge_setting
from pligos_tui.spec.vocabulary import CONFIG_NAME, CONTEXT_SETTINGS, ENTRY_WORDS

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


@dataclass
class Buffer:
    file: Path
    text: str
    saved: str
    undo_stack: list[tuple[str, str]] = field(default_factory=list)  # (text, coalescing key)
    service: Service | None = None
    error: PligosError | None = None
    data: dict[str, Any] | None = None  # the plain YAML data, for the forms (None: unparsable)
    flavors: FlavorSet = field(default_factory=FlavorSet)  # read once, for the forms

    @classmethod
    def open(cls, path: Path) -> Buffer:
        file = path / CONFIG_NAME if path.is_dir() else path
        if not file.is_file():
            raise PligosError(f"{display_path(file)} does not exist",
                              hint="run `pligos new` to create a service, or pass its folder")
        raw = file.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise PligosError(f"{display_path(file)} is not UTF-8 text",
                              hint="save the file as UTF-8") from None
        buf = cls(file=file, text=text, saved=text)
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

    def validate(self) -> None:
        """Load the buffer with the loader's rules; sets `service` or `error`, and `data`."""
        try:
            self.service, self.error = load_service_text(self.text, self.root, self.display), None
        except PligosError as exc:
            self.service, self.error = None, exc
        if self.service is not None:
            data: Any = self.service.doc.data
        else:
            # PyYAML itself, not `io.yamlread`: that reader refuses documents the forms can
            # still show, and fix (a control character written as an escape, a merge key, a
            # key that is not text); the loader has reported those already
            try:
                data = yaml.safe_load(self.text)
            except yaml.YAMLError:
                data = None
        self.data = data if isinstance(data, dict) else None
        if self.service is None and self.data is not None and not structurally_editable(
                self.text):
            self.data = None  # e.g. a duplicate key: only the source view can fix it

    def preview_source(self) -> Service | PligosError:
        """What the preview shows: the loaded service, or the error that stops it loading."""
        if self.service is None:
            return self.error or PligosError("nothing loaded")
        return self.service

    def change(self, text: str, key: str = "") -> bool:
        """Replace the text (an undo step; consecutive changes with the same non-empty `key`,
        such as typing in one field, make one step). Returns whether anything changed."""
        if text == self.text:
            return False
        if not (key and self.undo_stack and self.undo_stack[-1][1] == key):
            self.undo_stack.append((self.text, key))
        self.text = text
        self.validate()
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

    def save(self) -> None:
        atomic_write(self.file, self.text.encode())
        self.saved = self.text

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
