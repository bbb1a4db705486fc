"""The forms on the right of the tree: the service's fields, one entry, a property list, a
friend, the source, and the parts every form is built of (a context's form, with its settings,
is in :mod:`.context_form`).

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
from pligos_tui.tui.text import (
    field_text,
    literal,
    needs_escape,
    one_line,
    read_field,
    show_text,
)
from pligos_tui.tui.widgets.keyorder import KeysInOrder, LineInput


class EditRequest(Message):
    """Change the buffer with `apply(text) -> text`; `key` merges typing into one undo step
    (and marks typing: the loader's check of it runs later, off the UI thread). `rename`:
    (old, new) when a context is renamed, so that the preview's panes follow."""

    def __init__(self, apply: Callable[[str], str], key: str = "", structural: bool = False,
                 select: Selection | None = None,
                 focus_field: tuple[str, ...] | None = None,
                 rename: tuple[str, str] | None = None) -> None:
        super().__init__()
        self.apply, self.key, self.structural, self.select = apply, key, structural, select
        self.focus_field, self.rename = focus_field, rename


def value_at(value: Any, path: tuple[str, ...]) -> Any:
    """What nested mappings hold at `path` (None where a part is missing)."""
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value


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
            show_text(widget, text)
        self.set_class(bool(text), "-invalid")


# the name field of a context's form: checked as it is typed, and leaving it renames the
# context as enter does
CONTEXT_NAME = "ctx-name"


class Form(VerticalScroll):
    """Base of the forms: a title, fields, and a hint line. The form itself takes no focus
    (Tab goes from field to field); it scrolls to the focused field."""

    title = ""
    hint = ""
    can_focus = False

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
        """Change the buffer: handed to the screen at once (`take_edit`), so that the next
        key's handler compares with a text that holds this one; posted when no screen takes
        it."""
        request = EditRequest(apply, key, **kw)
        take = getattr(self.screen, "take_edit", None)
        if callable(take):
            take(request)
        else:
            self.post_message(request)

    # -- a context's name field ------------------------------------------------------------------
    def _typed_name(self, widget: Input) -> tuple[str, str, str] | None:
        """(old name, typed name, why it cannot be used or '') of a context's name field."""
        old = getattr(self, "context", None)
        if widget.id != CONTEXT_NAME or not isinstance(old, str):
            return None
        try:
            typed = (widget.typed() if isinstance(widget, ValueInput) else widget.value).strip()
        except ValueError as exc:
            return old, "", str(exc)
        if typed == old:
            return old, typed, ""
        return old, typed, edits.context_name_problem(self.buffer.data, typed)

    def _on_input_changed(self, event: Input.Changed) -> None:
        named = self._typed_name(event.input)
        field = field_of(self, event.input)
        if named is not None and field is not None:
            field.show_local(named[2])

    def on_input_blurred(self, event: Input.Blurred) -> None:
        """Leaving a context's name field renames it, as enter does (references follow)."""
        named = self._typed_name(event.input)
        if named is None:
            return
        old, new, problem = named
        names = self.buffer.context_names()
        if problem or not new or new == old or old not in names or new in names:
            return
        self.request(lambda t: edits.rename_context(t, old, new), structural=True,
                     select=Selection.context(new), rename=(old, new))


class ValueInput(LineInput):
    """An input showing one scalar value on one line. A string holding a line break (or
    another character that cannot be drawn as it is) is shown double-quoted with escapes,
    `"a\\nb"`, and what is typed is then read back the same way."""

    def __init__(self, value: Any, **kwargs: Any) -> None:
        super().__init__(field_text(value), compact=True, **kwargs)
        self.quoted = isinstance(value, str) and needs_escape(value)

    def typed(self, text: str | None = None) -> str:
        """The text the input holds, or `text` read as it would (raises ValueError when its
        quotes do not close)."""
        text = self.value if text is None else text
        return read_field(text) if self.quoted else text


def typed_text(field: Field | None, widget: Input, text: str | None = None) -> str | None:
    """What `widget` holds (or held: `text`, the value of one of its Changed messages, which
    the widget may have moved past when typing is fast); None (its field showing why) when it
    cannot be read."""
    if not isinstance(widget, ValueInput):
        return widget.value if text is None else text
    try:
        return widget.typed(text)
    except ValueError as exc:
        if field is not None:
            field.show_local(str(exc))
        return None


def field_of(form: Widget, widget: Widget) -> Field | None:
    return next((f for f in form.query(Field) if f.widget is widget), None)


def choice_select(options: list[str], value: Any, ident: str,
                  prompt: str = "(none)") -> Select[str]:
    """A pick of one of `options` (or none: `prompt`), showing `value` (added when it is not
    among them, so that what the file holds is what is shown)."""
    opts = list(options)
    if isinstance(value, str) and value and value not in opts:
        opts.append(value)
    return Select([(literal(o), o) for o in opts], value=value if isinstance(value, str)
                  and value else Select.NULL, allow_blank=True, prompt=prompt, id=ident,
                  compact=True)


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
        return value_at(self._data(), path)

    @property
    def selection(self) -> Selection:
        return Selection.entry(self.prop, self.entry)

    @property
    def at(self) -> NamedPath:
        """The key path of this entry: images[nginx]."""
        return self.selection.path

    def _refs(self) -> dict[str, str]:
        """The fields that name entries (a container's: key -> the list it names), picked
        from those entries rather than typed."""
        if self.prop != "containers":
            return {}
        return {**vocabulary.CONTAINER_REFS, **vocabulary.CONTAINER_REF_LISTS}

    def _ref_widget(self, key: str, value: Any) -> Widget | None:
        """The pick of the entries a field names (None: it holds something else, edited as
        typed)."""
        prop = self._refs()[key]
        names = self.buffer.entry_names(prop)
        if key not in vocabulary.CONTAINER_REF_LISTS:
            return choice_select(names, value, f"ref-{key}") \
                if value is None or isinstance(value, str) else None
        chosen = [value] if isinstance(value, str) else value if value is not None else []
        if not isinstance(chosen, list) or not all(isinstance(v, str) for v in chosen):
            return None
        if not names:
            return Static(f"(the service has no {prop} entries)", id=f"refs-{key}",
                          markup=False)
        return SelectionList[str](*[(literal(n), n, n in chosen) for n in names],
                                  id=f"refs-{key}", compact=True)

    def fields(self) -> ComposeResult:
        data = self._data()
        picked: list[str] = []
        for key in self._refs():
            widget = self._ref_widget(key, data.get(key))
            if widget is not None:
                picked.append(key)
                yield Field(key, widget, (*self.at, key))
        for key, value in data.items():
            if key == "name" or key in picked:
                continue
            for path, leaf in _leaves(value, (str(key),)):
                ident = f"entry-{len(self.paths)}"
                self.paths[ident] = path
                yield Field(format_path(path), ValueInput(leaf, id=ident), (*self.at, *path))
        missing = [k for k in vocabulary.ENTRY_KEYS.get(self.prop, ())
                   if k != "name" and k not in data and k not in picked]
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
        field = field_of(self, event.input)
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
            text = typed_text(field, event.input, event.value)
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
        ident = event.select.id or ""
        if ident.startswith("ref-"):
            self._set_ref(ident.removeprefix("ref-"),
                          event.value if isinstance(event.value, str) else None)
            return
        key = event.value
        if ident != "entry-add" or not isinstance(key, str):
            return
        prop, entry, value = self.prop, self.entry, edits.new_field_value(key)
        self.request(lambda t: edits.set_entry_field(t, prop, entry, key, value),
                     structural=True, select=self.selection, focus_field=(key,))

    def on_selection_list_selected_changed(
            self, event: SelectionList.SelectedChanged[str]) -> None:
        event.stop()
        key = (event.selection_list.id or "").removeprefix("refs-")
        if key not in self._refs():
            return
        old = self._data().get(key)
        current = [old] if isinstance(old, str) else old if isinstance(old, list) else []
        ticked = event.selection_list.selected
        offered = self.buffer.entry_names(self._refs()[key])
        # the file's order is kept; newly ticked names go last
        names = [n for n in current if n in ticked] + [n for n in offered
                                                       if n in ticked and n not in current]
        if names != current:
            self._set_ref(key, names or None)

    def _set_ref(self, key: str, value: str | list[str] | None) -> None:
        if value == self._data().get(key):
            return  # the widget showing what the file holds (e.g. on mount)
        prop, entry = self.prop, self.entry
        self.request(lambda t: edits.set_entry_field(t, prop, entry, key, value),
                     key="entry:" + format_path((*self.at, key)))

    def focus_path(self, path: tuple[str, ...]) -> bool:
        """Put the focus on the (first) input of the field at `path` (False: none)."""
        for ident, at in self.paths.items():
            if is_under(at, path):
                self.query_one(f"#{ident}", Input).focus()
                return True
        return False

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
        yield Field("current-context", choice_select(self.buffer.context_names(),
                                               self.buffer.current_context(), "svc-current"),
                    ("current-context",))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        key = (event.input.id or "").removeprefix("svc-")
        value = typed_text(field_of(self, event.input), event.input, event.value)
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


class SourceArea(KeysInOrder, TextArea):
    """The text of the source view (its own keys in order with the typing)."""


class SourceForm(Form):
    """The whole pligos.yaml as text: anything the other forms cannot do, and fixing a file
    that does not load."""

    title = "pligos.yaml"
    hint = "Changes apply as you type; problems are listed below."

    def fields(self) -> ComposeResult:
        yield SourceArea(self.buffer.text, id="source", show_line_numbers=True,
                         tab_behavior="indent")

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        text = event.text_area.text
        if text != self.buffer.text:
            self.request(lambda _t: text, key="source")

    def show_problems(self, problems: list[Problem]) -> None:
        pass
