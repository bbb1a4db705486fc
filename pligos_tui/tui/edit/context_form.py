"""The form of one context: its flavor, extends, assignments, replicas and schedule, and its
settings (security, autoscaling, expose, ...): one group per setting its flavor reads, opened
to a field per key.

An empty setting field shows, greyed, the value that applies without it: what the contexts
it extends, its flavor's `defaults:` and the built-in defaults make of it. A group's fields
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
from pligos_tui.spec import vocabulary
from pligos_tui.spec.settings import SETTINGS, Kind
from pligos_tui.tui.edit.forms import (
    Field,
    Form,
    ValueInput,
    choice_select,
    field_of,
    typed_text,
    value_at,
)
from pligos_tui.tui.text import field_text, literal, one_line

Path = tuple[str, ...]  # a key of a setting inside the context: ("autoscaling", "maxReplicas")

# what a key's empty default (0 or "") means, where "not set" would not say it
_UNSET_MEANS: dict[Path, str] = {
    ("autoscaling", "minReplicas"): "the context's replicas",
    ("autoscaling", "maxReplicas"): "not set: no autoscaling",
    ("autoscaling", "cpu"): "80, unless memory is set",
}
_BOOLS = ["true", "false"]
_SETTING_ID = "set-"  # the id of a setting's field: set-autoscaling-maxReplicas


def setting_fields(setting: str) -> list[tuple[Path, Kind]]:
    """The fields of one setting: each key by its path; a key of fixed keys (expose.gateway)
    as one field per fixed key (gateway.name, gateway.namespace, ...)."""
    out: list[tuple[Path, Kind]] = []
    for key, kind in SETTINGS[setting].items():
        if kind.of == "keys":
            out.extend(((setting, key, sub), inner) for sub, inner in kind.keys)
        else:
            out.append(((setting, key), kind))
    return out


def shown_default(path: Path, value: Any) -> str:
    """How an empty field shows the value that applies without it."""
    if isinstance(value, bool):
        return str(value).lower()
    if value == 0 or value == "":
        return _UNSET_MEANS.get(path, "not set")
    return field_text(value)


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

    hint = ("Unset fields come from the context it extends. Enter in the name field renames "
            "(references follow). A setting's empty fields show, greyed, what applies "
            "without them.")

    def __init__(self, buffer: Buffer, name: str, open_settings: set[str] | None = None) -> None:
        super().__init__(buffer)
        self.context = name
        ctxs = buffer.context_names()
        self.index = ctxs.index(name) if name in ctxs else 0
        self.title = f"Context {one_line(name)}" + ("  (current)" if buffer.current_context()
                                                   == name else "")
        self.open_settings = open_settings if open_settings is not None else set()
        self.offered, self.effective = buffer.context_settings(name)
        self.paths: dict[str, Path] = {}  # a setting field's id -> its path in the context
        self.kinds: dict[Path, Kind] = {}

    @property
    def at(self) -> NamedPath:
        return Selection.context(self.context).path

    def fields(self) -> ComposeResult:
        ctx = self.buffer.context(self.context) or {}
        at = self.at
        yield Field("name", ValueInput(self.context, id="ctx-name"), (*at, "name"))
        yield Field("flavor", choice_select(self.buffer.flavor_names(), ctx.get("flavor"),
                                            "ctx-flavor"), (*at, "flavor"))
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
                                       value, f"ctx-{key}")
            yield Field(key, widget, (*at, key))
        for key in tuple(vocabulary.CONTEXT_REF_LISTS):
            yield Field(key, self._ref_list(key, ctx.get(key)), (*at, key))
        friends = self.buffer.friend_names()
        if friends:
            chosen = self.buffer.context_friends(self.context)
            widget = SelectionList[str](*[(literal(n), n, n in chosen) for n in friends],
                                        id="ctx-friends", compact=True)
        else:
            widget = Static("(no friends defined: see friendsLibrary and friends in the "
                            "source view)", id="ctx-friends", markup=False)
        yield Field("friends", widget, (*at, "friends"))
        replicas = ctx.get("replicas")
        yield Field("replicas", ValueInput(replicas, placeholder="1", id="ctx-replicas"),
                    (*at, "replicas"))
        yield Field("schedule", ValueInput(ctx.get("schedule"),
                                           placeholder="cron, for the cronjob flavor",
                                           id="ctx-schedule"), (*at, "schedule"))
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
            default = shown_default(path, value_at(self.effective, path))
            widget: Widget
            if kind.of in ("choice", "bool"):
                options = list(kind.choices) if kind.of == "choice" else _BOOLS
                widget = choice_select(options, None if value is None else field_text(value),
                                       ident, prompt=default)
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
        self.offered, self.effective = self.buffer.context_settings(self.context)
        for group in self.query(SettingGroup):
            group.title = self._title(group.setting)
        for ident, path in self.paths.items():
            default = shown_default(path, value_at(self.effective, path))
            for widget in self.query(f"#{ident}"):
                if isinstance(widget, Input) and widget.placeholder != default:
                    widget.placeholder = default
                elif isinstance(widget, Select) and widget.prompt != default:
                    widget.prompt = default

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
