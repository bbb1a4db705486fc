"""The forms on the right of the tree: the service's fields, one context, one entry, the source.

A form never changes the file itself: it posts `EditRequest` with a function from the old text
to the new one (one of `pligos_tui.jobs.edits`'s), and the screen applies it, re-validates with the
loader and shows the problems back in the form (`show_problems`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, Select, SelectionList, Static, TextArea

from pligos_tui.errors import Problem
from pligos_tui.io import yamltext
from pligos_tui.io.keypath import NamedPath, format_path, is_under, parse_path
from pligos_tui.jobs import edits
from pligos_tui.jobs.editing import Buffer, Selection
from pligos_tui.spec import vocabulary
from pligos_tui.tui.text import field_text, literal, needs_escape, one_line, read_field


class EditRequest(Message):
    """Change the buffer with `apply(text) -> text`; `key` merges typing into one undo step."""

    def __init__(self, apply: Callable[[str], str], key: str = "", structural: bool = False,
                 select: Selection | None = None,
                 focus_field: tuple[str, ...] | None = None) -> None:
        super().__init__()
        self.apply, self.key, self.structural, self.select = apply, key, structural, select
        self.focus_field = focus_field


def _parsed(key_path: str) -> tuple[str, ...] | None:
    try:
        return parse_path(key_path)
    except ValueError:
        return None


class Field(Horizontal):
    """A label, an input widget and the problems of the key path it edits (a path, or the
    shown form of one: `images[nginx].tag`)."""

    def __init__(self, label: str, widget: Widget, path: NamedPath | str) -> None:
        super().__init__(classes="field")
        self.label, self.widget = label, widget
        self.path: NamedPath = parse_path(path) if isinstance(path, str) else path
        self.error = ""

    def compose(self) -> ComposeResult:
        yield Label(one_line(self.label), classes="field-label", markup=False)
        with Vertical(classes="field-body"):
            yield self.widget
            yield Static(self.error, classes="field-error", markup=False)

    def show(self, problems: list[Problem]) -> None:
        mine = []
        for problem in problems:
            at = _parsed(problem.key_path)
            if at is not None and is_under(at, self.path):
                mine.append(problem)
        self.show_local("\n".join(p.message for p in mine))

    def show_local(self, text: str) -> None:
        """Show `text` as this field's problem (empty: none); kept until the field is composed,
        when called before."""
        self.error = text
        for widget in self.query(".field-error").results(Static):
            widget.update(text)
        self.set_class(bool(text), "-invalid")


class Form(VerticalScroll):
    """Base of the forms: a title, fields, and a hint line."""

    title = ""
    hint = ""

    def __init__(self, buffer: Buffer) -> None:
        super().__init__(classes="form")
        self.buffer = buffer

    def compose(self) -> ComposeResult:
        yield Static(self.title, classes="form-title", markup=False)
        yield from self.fields()
        if self.hint:
            yield Static(self.hint, classes="form-hint", markup=False)

    def fields(self) -> ComposeResult:
        return iter(())

    def show_problems(self, problems: list[Problem]) -> None:
        for f in self.query(Field):
            f.show(problems)

    def request(self, apply: Callable[[str], str], key: str = "", **kw: Any) -> None:
        self.post_message(EditRequest(apply, key, **kw))


class ValueInput(Input):
    """An input showing one scalar value on one line. A string holding a line break (or
    another character that cannot be drawn as it is) is shown double-quoted with escapes,
    `"a\\nb"`, and what is typed is then read back the same way."""

    def __init__(self, value: Any, **kwargs: Any) -> None:
        super().__init__(field_text(value), compact=True, **kwargs)
        self.quoted = isinstance(value, str) and needs_escape(value)

    def typed(self) -> str:
        """The text the input holds (raises ValueError when its quotes do not close)."""
        return read_field(self.value) if self.quoted else self.value


def _typed(field: Field | None, widget: Input) -> str | None:
    """What `widget` holds; None (its field showing why) when it cannot be read."""
    if not isinstance(widget, ValueInput):
        return widget.value
    try:
        return widget.typed()
    except ValueError as exc:
        if field is not None:
            field.show_local(str(exc))
        return None


def _field_of(form: Widget, widget: Widget) -> Field | None:
    return next((f for f in form.query(Field) if f.widget is widget), None)


def _select(options: list[str], value: Any, ident: str) -> Select[str]:
    opts = list(options)
    if isinstance(value, str) and value and value not in opts:
        opts.append(value)
    return Select([(literal(o), o) for o in opts], value=value if isinstance(value, str)
                  and value else Select.NULL, allow_blank=True, prompt="(none)", id=ident,
                  compact=True)


class ContextForm(Form):
    """One context: name, flavor, extends, its assignments, replicas, schedule."""

    hint = ("Unset fields come from the context it extends. Enter in the name field renames "
            "(references follow).")

    def __init__(self, buffer: Buffer, name: str) -> None:
        super().__init__(buffer)
        self.context = name
        ctxs = buffer.context_names()
        self.index = ctxs.index(name) if name in ctxs else 0
        self.title = f"Context {one_line(name)}" + ("  (current)" if buffer.current_context()
                                                   == name else "")

    def fields(self) -> ComposeResult:
        ctx = self.buffer.context(self.context) or {}
        at = Selection.context(self.context).path
        yield Field("name", ValueInput(self.context, id="ctx-name"), (*at, "name"))
        yield Field("flavor", _select(self.buffer.flavor_names(), ctx.get("flavor"),
                                      "ctx-flavor"), (*at, "flavor"))
        others = [n for n in self.buffer.context_names() if n != self.context]
        yield Field("extends", _select(others, ctx.get("extends"), "ctx-extends"),
                    (*at, "extends"))
        for key in tuple(vocabulary.CONTEXT_REFS):
            value = ctx.get(key)
            if isinstance(value, dict):
                widget: Widget = Static("(an inline entry: edit it in the source view)",
                                        id=f"ctx-{key}", markup=False)
            else:
                widget = _select(self.buffer.entry_names(vocabulary.REF_PROPERTY[key]), value,
                                 f"ctx-{key}")
            yield Field(key, widget, (*at, key))
        for key in tuple(vocabulary.CONTEXT_REF_LISTS):
            value = ctx.get(key)
            names = self.buffer.entry_names(vocabulary.REF_PROPERTY[key])
            chosen = [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
            if isinstance(value, list) and len(chosen) != len(value):
                widget = Static("(holds inline entries: edit them in the source view)",
                                id=f"ctx-{key}", markup=False)
            elif not names:
                widget = Static(f"(the service has no {key} entries)", id=f"ctx-{key}",
                                markup=False)
            else:
                widget = SelectionList[str](*[(literal(n), n, n in chosen) for n in names],
                                            id=f"ctx-{key}", compact=True)
            yield Field(key, widget, (*at, key))
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

    def _current(self, key: str) -> Any:
        return (self.buffer.context(self.context) or {}).get(key)

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        key = (event.select.id or "").removeprefix("ctx-")
        value = event.value if isinstance(event.value, str) else None
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
        key = (event.input.id or "").removeprefix("ctx-")
        if key not in ("replicas", "schedule"):
            return
        text, name = _typed(_field_of(self, event.input), event.input), self.context
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
            typed = _typed(_field_of(self, event.input), event.input)
            old, new = self.context, (typed or "").strip()
            if new and new != old:
                self.request(lambda t: edits.rename_context(t, old, new), structural=True,
                             select=Selection.context(new))


# mappings whose keys the user chooses (variable names, resource names): edited whole, so that
# keys can be added and removed
_OPEN_MAPPINGS = ("variables", "requests", "limits")


def _leaves(value: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """The fields a form shows for a value: each scalar inside nested mappings, by its path;
    lists, empty mappings and the mappings of `_OPEN_MAPPINGS` whole."""
    if isinstance(value, dict) and value and path and path[-1] not in _OPEN_MAPPINGS:
        out: list[tuple[tuple[str, ...], Any]] = []
        for key, inner in value.items():
            out.extend(_leaves(inner, (*path, str(key))))
        return out
    return [(path, value)]


class EntryForm(Form):
    """One property entry: an input per field, nested fields by their path (`liveness.httpGet.
    path`); lists and mappings are typed in YAML's flow style. Fields can be added and removed."""

    hint = ("Lists and mappings are written [a, b] and {key: value}. f8 removes the focused "
            "field; ctrl+r renames the entry (references follow).")

    def __init__(self, buffer: Buffer, prop: str, name: str) -> None:
        super().__init__(buffer)
        self.prop, self.entry = prop, name
        names = buffer.entry_names(prop)
        self.index = names.index(name) if name in names else 0
        self.title = f"{prop}: {one_line(name)}"
        self.paths: dict[str, tuple[str, ...]] = {}  # input id -> field path in the entry

    def _data(self) -> dict[str, Any]:
        return next((e for e in self.buffer.entries(self.prop)
                     if str(e.get("name")) == self.entry), {})

    def _value(self, path: tuple[str, ...]) -> Any:
        value: Any = self._data()
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        return value

    @property
    def selection(self) -> Selection:
        return Selection.entry(self.prop, self.entry)

    @property
    def at(self) -> NamedPath:
        """The key path of this entry: images[nginx]."""
        return self.selection.path

    def fields(self) -> ComposeResult:
        data = self._data()
        for key, value in data.items():
            if key == "name":
                continue
            for path, leaf in _leaves(value, (str(key),)):
                ident = f"entry-{len(self.paths)}"
                self.paths[ident] = path
                yield Field(format_path(path), ValueInput(leaf, id=ident), (*self.at, *path))
        missing = [k for k in vocabulary.ENTRY_KEYS.get(self.prop, ())
                   if k != "name" and k not in data]
        if missing:
            yield Field("add field", Select([(k, k) for k in missing], allow_blank=True,
                                            prompt="(pick a field to add)", id="entry-add",
                                            compact=True), (*self.at, "+"))

    def field_path(self, widget: Widget | None) -> tuple[str, ...] | None:
        """The path of the field a widget edits (None: not one of this form's fields)."""
        return self.paths.get(widget.id or "") if widget is not None else None

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        path = self.paths.get(event.input.id or "")
        if path is None:
            return
        old = self._value(path)
        field = _field_of(self, event.input)
        if isinstance(old, (dict, list)):
            try:
                value = yaml.safe_load(event.value) if event.value.strip() else None
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem", None) or "not valid YAML"
                if field is not None:
                    field.show_local(f"{mark}: write it like {field_text(old) or '[a, b]'}")
                return
            if value is None:
                return  # an emptied field is kept until f8 removes it
        else:
            text = _typed(field, event.input)
            if text is None:
                return
            value = yamltext.parse_scalar(text, old if old != "" else None)
        if value == old and type(value) is type(old):
            return
        prop, entry = self.prop, self.entry
        self.request(lambda t: edits.set_entry_field(t, prop, entry, path, value),
                     key="entry:" + format_path((*self.at, *path)))

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        key = event.value
        if event.select.id != "entry-add" or not isinstance(key, str):
            return
        prop, entry, value = self.prop, self.entry, edits.new_field_value(key)
        self.request(lambda t: edits.set_entry_field(t, prop, entry, key, value),
                     structural=True, select=self.selection, focus_field=(key,))

    def focus_path(self, path: tuple[str, ...]) -> None:
        """Put the focus on the (first) input of the field at `path`."""
        for ident, at in self.paths.items():
            if is_under(at, path):
                self.query_one(f"#{ident}", Input).focus()
                return

    def remove_field(self, path: tuple[str, ...]) -> None:
        prop, entry = self.prop, self.entry
        self.request(lambda t: edits.set_entry_field(t, prop, entry, path, None),
                     structural=True, select=self.selection)


class PropertyForm(Form):
    """One property list: its entries and the contexts using each."""

    def __init__(self, buffer: Buffer, prop: str) -> None:
        super().__init__(buffer)
        self.prop = prop
        self.title = prop
        self.hint = (f"ctrl+n adds a new {vocabulary.ENTRY_WORDS.get(prop, 'entry')}; select an "
                     "entry to edit, rename (ctrl+r), clone (ctrl+k) or delete (ctrl+d) it.")

    def fields(self) -> ComposeResult:
        names = self.buffer.entry_names(self.prop)
        if not names:
            yield Static(f"(no {self.prop} entries yet)", markup=False)
        for name in names:
            users = edits.entry_users(self.buffer.text, self.prop, name)
            at = Selection.entry(self.prop, name).path
            yield Field(name, Static("used by " + (one_line(", ".join(users), 0)
                                                   or "no context"), markup=False), at)


class FriendForm(Form):
    """A friend, as its definition says (read-only: it lives in the friends library or under
    the top-level `friends:` list), and the contexts using it."""

    hint = "A context picks its friends in its form. Change a definition in the file named above."

    def __init__(self, buffer: Buffer, name: str) -> None:
        super().__init__(buffer)
        self.friend = name
        self.title = f"friend: {one_line(name)}"

    def fields(self) -> ComposeResult:
        friend = self.buffer.friend(self.friend)
        at = Selection.friend(self.friend).path
        users = [c for c in self.buffer.context_names()
                 if self.friend in self.buffer.context_friends(c)]
        if friend is None:
            yield Static("(not loaded: the file has problems, or no such friend is defined)",
                         markup=False)
        else:
            chart = (f"{friend.chart.name} {friend.chart.version} from {friend.chart.repository}"
                     if friend.chart else "(none)")
            rows = [("type", friend.type), ("defined in", friend.where), ("chart", chart),
                    ("config", field_text(friend.config) or "{}"),
                    ("credentials", field_text(friend.credentials) or "{}"),
                    ("values", field_text(friend.values) or "{}")]
            for label, text in rows:
                yield Field(label, Static(one_line(text, 0), markup=False), at)
        yield Field("used by", Static(one_line(", ".join(users), 0) or "(no context)",
                                      markup=False), (*at, "used"))


class ServiceForm(Form):
    """The service's own fields."""

    title = "Service"
    FIELDS = ("name", "description", "chartVersion", "appVersion")

    def fields(self) -> ComposeResult:
        data = self.buffer.data or {}
        for key in self.FIELDS:
            value = data.get(key)
            yield Field(key, ValueInput(value, id=f"svc-{key}"), (key,))
        yield Field("current-context", _select(self.buffer.context_names(),
                                               self.buffer.current_context(), "svc-current"),
                    ("current-context",))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        key = (event.input.id or "").removeprefix("svc-")
        value = _typed(_field_of(self, event.input), event.input)
        if value is None:
            return
        current = (self.buffer.data or {}).get(key)
        if current is not None and (current == value or field_text(current) == event.value):
            return
        self.request(lambda t: yamltext.set_top_level_scalar(t, key, value), key=f"svc:{key}")

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str) and event.value != self.buffer.current_context():
            value = event.value
            self.request(lambda t: edits.set_current_context_text(t, value), structural=True)


class SourceForm(Form):
    """The whole pligos.yaml as text: anything the other forms cannot do, and fixing a file
    that does not load."""

    title = "pligos.yaml"
    hint = "Changes apply as you type; problems are listed below."

    def fields(self) -> ComposeResult:
        yield TextArea(self.buffer.text, id="source", show_line_numbers=True,
                       tab_behavior="indent")

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        text = event.text_area.text
        if text != self.buffer.text:
            self.request(lambda _t: text, key="source")

    def show_problems(self, problems: list[Problem]) -> None:
        pass
