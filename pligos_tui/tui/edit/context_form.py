"""The form of one context: its flavor, extends, assignments, replicas and schedule, and its
settings (security, autoscaling, expose, ...): one group per setting its flavor reads, opened
to a field per key.

Every field shows, greyed while it is empty (an input's placeholder, a pick's prompt, a line
under a list), the value that applies without it and where that comes from: the nearest
context it extends that writes it (`3  (from prod → dev, pligos.yaml:21)`), an image's own
user, its flavor's `defaults:`, or Pligos' default (`10001  (default)`). That is worked out
from the buffer's data alone, once per text (`jobs.field_origins`). A group's fields
are made when it is first opened (a context form holds a dozen settings of up to ten keys);
which groups are open is kept across forms by the screen.
"""

from __future__ import annotations

from typing import Any

import yaml
from textual.app import ComposeResult
from textual.markup import escape
from textual.widget import Widget
from textual.widgets import Collapsible, Input, Select, SelectionList, Static

from pligos_tui.errors import Problem
from pligos_tui.io import yamltext
from pligos_tui.io.keypath import NamedPath, is_under, parse_path
from pligos_tui.jobs import edits
from pligos_tui.jobs.editing import Buffer, Selection
from pligos_tui.jobs.explain import Origin
from pligos_tui.jobs.explain_trace import DEFAULT, ENTRY, FLAVOR, INHERITED
from pligos_tui.jobs.field_origins import FieldOrigins, Path, field_origins, setting_fields
from pligos_tui.spec import vocabulary
from pligos_tui.spec.settings import Kind
from pligos_tui.tui.edit.forms import (
    Field,
    Form,
    ValueInput,
    choice_select,
    field_of,
    typed_text,
    value_at,
)
from pligos_tui.tui.text import field_text, literal, one_line, show_text

# what a key's empty default (0 or "") means, where "not set" would not say it
_UNSET_MEANS: dict[Path, str] = {
    ("autoscaling", "minReplicas"): "the context's replicas",
    ("autoscaling", "maxReplicas"): "not set: no autoscaling",
    ("autoscaling", "cpu"): "80, unless memory is set",
}
_BOOLS = ["true", "false"]
_SETTING_ID = "set-"  # the id of a setting's field: set-autoscaling-maxReplicas


def shown_default(path: Path, value: Any) -> str:
    """How an empty field shows the value that applies without it."""
    if isinstance(value, bool):
        return str(value).lower()
    if value == 0 or value == "":
        return _UNSET_MEANS.get(path, "not set")
    return field_text(value)


# what a property the chain assigns none of comes to
_NONE = {"command": "(none: the image's entrypoint)",
         "resources": "(none: the default requests and limits)"}


def ghost_text(path: Path, origin: Origin | None) -> str:
    """What an empty field shows: the value that applies, and where it comes from."""
    if origin is None:
        return ""
    value = origin.value
    if len(path) > 1:
        shown = shown_default(path, value)
    elif value is None:
        shown = _NONE.get(path[0], "(none)")
    elif isinstance(value, dict):
        shown = "(an inline entry)"
    elif isinstance(value, list):
        shown = ", ".join(field_text(v.get("name") if isinstance(v, dict) else v)
                          for v in value) or "none"
    else:
        shown = field_text(value)
    if origin.kind == INHERITED:
        whence = f"from {origin.chain}"
    elif origin.kind == FLAVOR:
        whence = f"flavor {origin.source} default"
    elif origin.kind == ENTRY:
        whence = f"from {origin.source}"
    elif origin.context:
        whence = f"null in {origin.context}"
    elif value in (None, [], {}) or (len(path) > 1 and shown != field_text(value)):
        return shown  # none, or what an empty default means ("not set: no autoscaling")
    else:
        whence = "default"
    return f"{shown}  ({whence}" + (f", {origin.where}" if origin.where else "") + ")"


class InheritedList(Static):
    """Under a list the context leaves unset, greyed: what it inherits and from where."""

    DEFAULT_CSS = "InheritedList { color: $text-muted; height: auto; padding-left: 18; }"


class SettingGroup(Collapsible):
    """One setting: a title line naming what the context writes of it, opening to its
    fields (made when first opened, unless given)."""

    def __init__(self, setting: str, title: str, fields: list[Field] | None) -> None:
        super().__init__(*(fields or []), title=title, collapsed=fields is None,
                         id=f"setting-{setting}", classes="setting")
        self.setting = setting
        self.filled = fields is not None


class ContextForm(Form):
    """One context: name, flavor, extends, its assignments, replicas, schedule, settings."""

    hint = ("An empty field shows, greyed, what applies without it and where that comes from "
            "(the context it extends, its flavor, Pligos' default). Enter in the name field "
            "renames (references follow).")

    def __init__(self, buffer: Buffer, name: str, open_settings: set[str] | None = None) -> None:
        super().__init__(buffer)
        self.context = name
        ctxs = buffer.context_names()
        self.index = ctxs.index(name) if name in ctxs else 0
        self.title = f"Context {one_line(name)}" + ("  (current)" if buffer.current_context()
                                                   == name else "")
        self.open_settings = open_settings if open_settings is not None else set()
        self.offered = buffer.context_settings(name)[0]
        self.ghosts: FieldOrigins = field_origins(buffer, name)
        self.paths: dict[str, Path] = {}  # a setting field's id -> its path in the context
        self.kinds: dict[Path, Kind] = {}

    @property
    def at(self) -> NamedPath:
        return Selection.context(self.context).path

    def _ghost(self, key: str) -> str:
        return ghost_text((key,), self.ghosts.get((key,)))

    def _prompt(self, key: str) -> str:
        """A pick's prompt (read as markup) for what applies while it is empty."""
        return escape(self._ghost(key))

    def _placeholder(self, key: str) -> str:
        ghost = self.ghosts.get((key,))
        if key == "schedule" and (ghost is None or ghost.kind == DEFAULT):
            return "cron, for the cronjob flavor"
        return self._ghost(key)

    def _inherited(self, key: str) -> str:
        """The line under a list: what it holds while the context writes none."""
        ghost = self.ghosts.get((key,))
        if self._current(key) is not None or ghost is None or (ghost.kind == DEFAULT
                                                                and not ghost.context):
            return ""
        return f"inherited: {self._ghost(key)}"

    def _list(self, key: str, widget: Widget) -> ComposeResult:
        """A list's field, and the line under it of what it inherits."""
        yield Field(key, widget, (*self.at, key))
        text = self._inherited(key)
        line = InheritedList(text, id=f"ghost-{key}", markup=False)
        line.display = bool(text)
        yield line

    def fields(self) -> ComposeResult:
        ctx = self.buffer.context(self.context) or {}
        at = self.at
        yield Field("name", ValueInput(self.context, id="ctx-name"), (*at, "name"))
        yield Field("flavor", choice_select(self.buffer.flavor_names(), ctx.get("flavor"),
                                            "ctx-flavor", prompt=self._prompt("flavor")),
                    (*at, "flavor"))
        others = [n for n in self.buffer.context_names() if n != self.context]
        yield Field("extends", choice_select(others, ctx.get("extends"), "ctx-extends"),
                    (*at, "extends"))
        for key in tuple(vocabulary.CONTEXT_REFS):
            value = ctx.get(key)
            if isinstance(value, dict):
                widget: Widget = Static("(an inline entry: edit it in the source view)",
                                        id=f"ctx-{key}", markup=False)
            else:
                widget = choice_select(self.buffer.entry_names(vocabulary.REF_PROPERTY[key]),
                                       value, f"ctx-{key}", prompt=self._prompt(key))
            yield Field(key, widget, (*at, key))
        for key in tuple(vocabulary.CONTEXT_REF_LISTS):
            yield from self._list(key, self._ref_list(key, ctx.get(key)))
        friends = self.buffer.friend_names()
        if friends:
            chosen = self.buffer.context_friends(self.context)
            widget = SelectionList[str](*[(literal(n), n, n in chosen) for n in friends],
                                        id="ctx-friends", compact=True)
        else:
            widget = Static("(no friends defined: see friendsLibrary and friends in the "
                            "source view)", id="ctx-friends", markup=False)
        yield from self._list("friends", widget)
        for key in ("replicas", "schedule"):
            yield Field(key, ValueInput(ctx.get(key), placeholder=self._placeholder(key),
                                        id=f"ctx-{key}"), (*at, key))
        if self.offered:
            flavor = self.buffer.context_flavor(self.context)
            yield Static("Settings" + (f" of a {one_line(flavor)} context" if flavor else ""),
                         classes="form-section", markup=False)
        for setting in self.offered:
            opened = setting in self.open_settings
            yield SettingGroup(setting, self._title(setting),
                               self._setting_fields(setting) if opened else None)

    def _ref_list(self, key: str, value: Any) -> Widget:
        prop = vocabulary.REF_PROPERTY[key]
        names = self.buffer.entry_names(prop)
        chosen = [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
        if isinstance(value, list) and len(chosen) != len(value):
            return Static("(holds inline entries: edit them in the source view)",
                          id=f"ctx-{key}", markup=False)
        if not names:
            return Static(f"(the service has no {prop} entries)", id=f"ctx-{key}",
                          markup=False)
        return SelectionList[str](*[(literal(n), n, n in chosen) for n in names],
                                  id=f"ctx-{key}", compact=True)

    # -- settings --------------------------------------------------------------------------------
    def _own(self, path: Path) -> Any:
        """What the context itself writes at `path` (None: nothing)."""
        return value_at(self.buffer.context(self.context) or {}, path)

    def _title(self, setting: str) -> str:
        """The group's title: the setting, a mark when a problem lies in it, and what the
        context writes of it."""
        ctx = self.buffer.context(self.context) or {}
        mark = " ⚠" if any(self._under(p, setting) for p in self.buffer.problems) else ""
        if setting not in ctx:
            return setting + mark
        written = ctx[setting]
        if isinstance(written, dict):
            summary = ", ".join(f"{k}: {field_text(v)}" for k, v in written.items())
        else:
            summary = field_text(written) or "null (the defaults)"
        return escape(f"{setting}{mark}  {one_line(summary, 48)}")

    def _under(self, problem: Problem, setting: str) -> bool:
        try:
            return is_under(parse_path(problem.key_path), (*self.at, setting))
        except ValueError:
            return False

    def _setting_fields(self, setting: str) -> list[Field]:
        out = []
        for path, kind in setting_fields(setting):
            ident = _SETTING_ID + "-".join(path)
            self.paths[ident], self.kinds[path] = path, kind
            value = self._own(path)
            default = ghost_text(path, self.ghosts.get(path))
            widget: Widget
            if kind.of in ("choice", "bool"):
                options = list(kind.choices) if kind.of == "choice" else _BOOLS
                widget = choice_select(options, None if value is None else field_text(value),
                                       ident, prompt=escape(default))
            else:
                widget = ValueInput(value, placeholder=default, id=ident)
            out.append(Field(".".join(path[1:]), widget, (*self.at, *path)))
        return out

    def on_collapsible_expanded(self, event: Collapsible.Expanded) -> None:
        group = event.collapsible
        if not isinstance(group, SettingGroup):
            return
        event.stop()
        self.open_settings.add(group.setting)
        if not group.filled:
            group.filled = True
            fields = self._setting_fields(group.setting)
            group.query_one(Collapsible.Contents).mount_all(fields)
            self.call_after_refresh(self.show_problems, self.buffer.problems)

    def on_collapsible_collapsed(self, event: Collapsible.Collapsed) -> None:
        if isinstance(event.collapsible, SettingGroup):
            event.stop()
            self.open_settings.discard(event.collapsible.setting)

    def show_problems(self, problems: list[Problem]) -> None:
        super().show_problems(problems)
        self.offered = self.buffer.context_settings(self.context)[0]
        for group in self.query(SettingGroup):
            group.title = self._title(group.setting)
        self.show_ghosts()

    def show_ghosts(self) -> None:
        """Bring every field's ghost up to date with the buffer (nothing is worked out again
        for a text seen before)."""
        self.ghosts = field_origins(self.buffer, self.context)
        shown = {f"ctx-{k}": self._ghost(k) for k in ("flavor", *vocabulary.CONTEXT_REFS)}
        shown.update({f"ctx-{k}": self._placeholder(k) for k in ("replicas", "schedule")})
        shown.update({ident: ghost_text(path, self.ghosts.get(path))
                      for ident, path in self.paths.items()})
        for widget in self.query("Input, Select"):
            text = shown.get(widget.id or "")
            if text is None:
                continue
            if isinstance(widget, Input) and widget.placeholder != text:
                widget.placeholder = text
            elif isinstance(widget, Select) and widget.prompt != escape(text):
                widget.prompt = escape(text)
        for line in self.query(InheritedList):
            key = (line.id or "").removeprefix("ghost-")
            text = self._inherited(key)
            show_text(line, text)
            line.display = bool(text)

    def _set_setting(self, path: Path, value: Any) -> None:
        if value == self._own(path) and type(value) is type(self._own(path)):
            return  # the widget showing what the file holds (e.g. on mount)
        name = self.context
        self.request(lambda t: edits.set_context_setting(t, name, path, value),
                     key=f"ctx:{name}:{'.'.join(path)}")

    def _typed_setting(self, widget: Input, path: Path) -> None:
        kind = self.kinds[path]
        field = field_of(self, widget)
        text = typed_text(field, widget)
        if text is None:
            return
        value: Any
        if not text.strip():
            value = None
        elif kind.of in ("texts", "objects", "labels", "object"):
            try:
                value = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                if field is not None:
                    mark = getattr(exc, "problem", None) or "not valid YAML"
                    shape = "[a, b]" if kind.of in ("texts", "objects") else "{key: value}"
                    field.show_local(f"{mark}: write it like {shape}")
                return
        else:
            value = yamltext.parse_scalar(text, {"int": 0, "text": ""}.get(kind.of))
        self._set_setting(path, value)

    # -- events ----------------------------------------------------------------------------------
    def _current(self, key: str) -> Any:
        return (self.buffer.context(self.context) or {}).get(key)

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        ident = event.select.id or ""
        value = event.value if isinstance(event.value, str) else None
        if ident in self.paths:
            path = self.paths[ident]
            if self.kinds[path].of == "bool" and value in _BOOLS:
                self._set_setting(path, value == "true")
            else:
                self._set_setting(path, value)
            return
        key = ident.removeprefix("ctx-")
        name = self.context
        if self._current(key) == value:
            return  # the widget showing what the file holds (e.g. on mount)
        if key == "extends":
            self.request(lambda t: edits.set_extends(t, name, value), structural=False)
        else:
            self.request(lambda t: edits.set_context_field(t, name, key, value))

    def on_selection_list_selected_changed(
            self, event: SelectionList.SelectedChanged[str]) -> None:
        event.stop()
        key = (event.selection_list.id or "").removeprefix("ctx-")
        name = self.context
        ticked = event.selection_list.selected
        if key == "friends":
            current, offered = self.buffer.context_friends(name), self.buffer.friend_names()
        else:
            current = [v for v in self._current(key) or [] if isinstance(v, str)]
            offered = self.buffer.entry_names(vocabulary.REF_PROPERTY[key])
        # the file's order is kept; newly ticked names go last
        names = [n for n in current if n in ticked] + [n for n in offered
                                                       if n in ticked and n not in current]
        if current == names:
            return
        if key == "friends":
            self.request(lambda t: edits.set_friends(t, name, names))
        else:
            self.request(lambda t: edits.assign_entries(t, name, key, names))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        ident = event.input.id or ""
        if ident in self.paths:
            self._typed_setting(event.input, self.paths[ident])
            return
        key = ident.removeprefix("ctx-")
        if key not in ("replicas", "schedule"):
            return
        text, name = typed_text(field_of(self, event.input), event.input), self.context
        if text is None:
            return
        value = yamltext.parse_scalar(text, 0 if key == "replicas" else "") if text else None
        if self._current(key) == value:
            return
        self.request(lambda t: edits.set_context_field(t, name, key, value),
                     key=f"ctx:{name}:{key}")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "ctx-name":
            event.stop()
            typed = typed_text(field_of(self, event.input), event.input)
            old, new = self.context, (typed or "").strip()
            if new and new != old:
                self.request(lambda t: edits.rename_context(t, old, new), structural=True,
                             select=Selection.context(new))
