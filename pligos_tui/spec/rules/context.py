"""What every rule reads: a read service, and the views of it that several rules share.

A :class:`RuleContext` is built once per check. It gives the entries of each kind (those of the
property lists and those written inline in contexts), the secret and file references, each
context's resolution with its flavor, and :meth:`RuleContext.written`, which tells what the
document itself holds at a key path (whether a key was written at all, and as what), where the
typed model has only taken a default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from pathlib import Path
from typing import Final, TypeVar

from pligos_tui.errors import ConfigError, FlavorPinError, Problem, ResolveError
from pligos_tui.io.files import special_kind
from pligos_tui.io.keypath import KeyPath
from pligos_tui.io.yamlread import Document
from pligos_tui.spec.effective import Settings, settings_of
from pligos_tui.spec.fields import folder_files, service_path
from pligos_tui.spec.flavors import Choice, Flavor, FlavorSet
from pligos_tui.spec.model import (
    Command,
    Context,
    Entry,
    Image,
    Mount,
    Ref,
    Route,
    Service,
)
from pligos_tui.spec.resolve import ResolvedContext, resolve_context
from pligos_tui.spec.vocabulary import (
    CONTEXT_REF_LISTS,
    CONTEXT_REFS,
    DEFAULT_SECRETS_PATH,
    PROPERTY_LISTS,
)


class _Absent(Enum):
    ABSENT = "absent"


# what `RuleContext.written` gives for a key the document does not have
ABSENT: Final = _Absent.ABSENT

E = TypeVar("E", bound=Entry)


@dataclass(frozen=True)
class SecretRef:
    """An entry's reference to a secret of the provider (a pull secret, a TLS secret, ...)."""

    at: KeyPath
    name: str
    what: str  # how messages name the entry, e.g. "image 'release'"


@dataclass
class FileRef:
    """A file of the service that an entry names (a script, a mount's file), looked up once."""

    owner: Command | Mount
    at: KeyPath
    value: str  # as written, relative to the service folder
    what: str  # how messages name it: "script" or "file"
    outside: str | None = None  # why the path is not inside the service folder
    missing: bool = False
    folder: bool = False  # a folder where a file is needed
    special: str = ""  # what it (or a file of its folder) is instead of a regular file
    secret: str = ""  # the file of the secret provider's folder it names, if any
    paths: list[Path] = field(default_factory=list)  # the files it stands for


@dataclass
class Resolution:
    """One context (the first of its name) resolved, with its flavor looked up."""

    context: Context
    resolved: ResolvedContext | None = None  # None: its extends chain is broken
    cycle: ResolveError | None = None  # why it could not be resolved
    flavor: Flavor | None = None  # None: no flavor, an unknown one or a broken one
    broken_flavor: list[Problem] = field(default_factory=list)  # problems of its flavor.yaml
    choice: Choice | None = None  # the version its flavor: resolved to
    pin_error: FlavorPinError | None = None  # a pin written wrong, or that nothing matches


@dataclass
class RuleContext:
    """A read service as the rules see it; each shared view is computed once, when first
    asked for."""

    svc: Service
    flavors: FlavorSet = field(default_factory=FlavorSet)

    @property
    def doc(self) -> Document:
        return self.svc.doc

    def line(self, path: KeyPath) -> int | None:
        return self.doc.line(path)

    def written(self, path: KeyPath) -> object:
        """The value the document holds at `path` as written (after reading), or ABSENT when
        it has nothing there: tells a key written empty or null from one not written at all,
        where the typed model holds the same default for both."""
        node: object = self.doc.data
        for part in path:
            node = _child(node, part)
        return node

    # ----- entries

    @cached_property
    def inline_entries(self) -> list[Entry]:
        """The entries written inline in contexts, in the order of the contexts."""
        found: list[Entry] = []
        for ctx in self.svc.contexts:
            for _, ref in context_refs(ctx):
                if ref.inline is not None:
                    found.append(ref.inline)
        return found

    @cached_property
    def entries(self) -> list[Entry]:
        """Every entry: those of the property lists, then those written inline in contexts."""
        listed = [e for prop in PROPERTY_LISTS for e in self.svc.entries(prop)]
        return listed + self.inline_entries

    def of(self, kind: type[E]) -> list[E]:
        """The entries of one kind, e.g. ``ctx.of(Mount)``."""
        return [e for e in self.entries if isinstance(e, kind)]

    @cached_property
    def secret_refs(self) -> list[SecretRef]:
        refs: list[SecretRef] = []
        for e in self.entries:
            if isinstance(e, Image) and e.pull_secret:
                refs.append(SecretRef(e.at + ("pullSecret",), e.pull_secret, f"image {e.name!r}"))
            elif isinstance(e, Route) and e.tls:
                refs.append(SecretRef(e.at + ("tls",), e.tls, f"route {e.name!r}"))
            elif isinstance(e, Mount) and e.kind == "secret" and e.secret:
                refs.append(SecretRef(e.at + ("secret",), e.secret, f"mount {e.name!r}"))
        return refs

    @cached_property
    def files(self) -> list[FileRef]:
        """Every file an entry names: the file of a script command, the files of a mount."""
        refs: list[FileRef] = []
        for e in self.entries:
            if isinstance(e, Command) and e.type == "script" and e.file_name:
                refs.append(self._look_up(e, e.at + ("fileName",), e.file_name, "script"))
            elif isinstance(e, Mount) and e.kind == "files":
                listed = isinstance(self.written(e.at + ("files",)), list)
                for i, name in enumerate(e.files):
                    at = e.at + ("files",) + ((i,) if listed else ())
                    refs.append(self._look_up(e, at, name, "file"))
        return refs

    def _look_up(self, owner: Command | Mount, at: KeyPath, value: str, what: str) -> FileRef:
        ref = FileRef(owner=owner, at=at, value=value, what=what)
        follow = self.svc.follow_symlinks
        path, problem = service_path(self.svc.root, value, follow_symlinks=follow)
        if problem or path is None:
            ref.outside = problem
        elif not path.exists():
            ref.missing = True
        elif not path.is_dir():
            ref.paths = [path]
        elif isinstance(owner, Mount):  # a mount takes the files of a folder
            for entry in folder_files(path):
                inner = f"{value.rstrip('/')}/{entry.name}"
                target, problem = service_path(self.svc.root, inner, follow_symlinks=follow)
                if problem or target is None:
                    ref.outside = problem
                    return ref
                if not target.exists():
                    ref.special = f"{inner!r} is a symbolic link to {target}, which does not exist"
                    return ref
                ref.paths.append(entry)
        else:
            ref.folder = True
        for file in ref.paths:
            kind = special_kind(file)
            if kind:
                shown = value if file is path else f"{value.rstrip('/')}/{file.name}"
                ref.special = f"{shown!r} is {kind}, not a regular file"
                ref.paths = []
                break
        secrets = self.secret_folder
        base = self.svc.root.resolve()
        if secrets is not None and base in secrets.parents:  # (else E-PATH-OUTSIDE says so)
            for file in ref.paths:
                target = file.resolve()
                if target == secrets or secrets in target.parents:
                    ref.secret = target.relative_to(base).as_posix()
                    ref.paths = []
                    break
        return ref

    @cached_property
    def secret_folder(self) -> Path | None:
        """The file provider's folder, resolved (None for other providers)."""
        block = self.svc.secrets
        if block is None or block.provider != "file":
            return None
        folder = block.settings.get("path", DEFAULT_SECRETS_PATH)
        if not isinstance(folder, str) or service_path(self.svc.root, folder)[1] is not None:
            return None  # (a path the secrets rules refuse)
        return (self.svc.root / folder).resolve()

    # ----- contexts

    @cached_property
    def context_names(self) -> dict[str, Context]:
        """Each named context by its name; the first one where a name is used twice."""
        names: dict[str, Context] = {}
        for ctx in self.svc.contexts:
            if ctx.name and ctx.name not in names:
                names[ctx.name] = ctx
        return names

    @property
    def flavor_search(self) -> list[Path]:
        return [self.svc.root / p for p in self.svc.flavor_paths]

    @cached_property
    def resolutions(self) -> list[Resolution]:
        """Every context (the first of each name) resolved, and its flavor looked up."""
        return [self._resolve(ctx) for ctx in self.context_names.values()]

    def _resolve(self, ctx: Context) -> Resolution:
        svc = self.svc
        out = Resolution(context=ctx)
        try:
            resolved = resolve_context(svc, ctx.name)
        except ResolveError as exc:
            out.cycle = exc
            return out
        if any(svc.context(c) is None for c in resolved.chain) or any(
                (c := svc.context(n)) is not None and c.extends and svc.context(c.extends)
                is None for n in resolved.chain):
            return out  # extends a missing context: reported, the rest would mislead
        out.resolved = resolved
        if resolved.flavor:
            try:
                out.choice = self.flavors.choose(svc, resolved.flavor)
            except FlavorPinError as exc:
                out.pin_error = exc
            except ConfigError as exc:
                out.broken_flavor = exc.problems
            out.flavor = out.choice.flavor if out.choice is not None else None
        return out

    @property
    def flavored(self) -> list[tuple[Context, ResolvedContext, Flavor]]:
        """The resolved contexts whose flavor was found, with it."""
        return [(r.context, r.resolved, r.flavor) for r in self.resolutions
                if r.resolved is not None and r.flavor is not None]

    @cached_property
    def settings(self) -> dict[str, Settings]:
        """Context name -> its settings with its flavor's defaults (spec.effective), for the
        contexts whose flavor was found."""
        return {c.name: settings_of(resolved, flavor) for c, resolved, flavor in self.flavored}


def _child(node: object, part: str | int) -> object:
    """The value under `part` of a mapping or list as written, or ABSENT."""
    if isinstance(node, dict):
        value: object = node.get(part, ABSENT)
        return value
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        item: object = node[part]
        return item
    return ABSENT


def context_refs(ctx: Context) -> list[tuple[str, Ref[Entry]]]:
    """A context's references with the property list each refers to: single ones, then lists."""
    refs: list[tuple[str, Ref[Entry]]] = []
    for key, prop in CONTEXT_REFS.items():
        ref = getattr(ctx, key)
        if ref is not None:
            refs.append((prop, ref))
    for key, prop in CONTEXT_REF_LISTS.items():
        for ref in getattr(ctx, key) or []:
            refs.append((prop, ref))
    return refs
