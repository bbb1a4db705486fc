"""The forms on the right of the tree: the service's fields, one context, one entry, the source.

A form never changes the file itself: it posts `EditRequest` with a function from the old text
to the new one (one of `pligos_tui.edit`'s), and the screen applies it, re-validates with the
loader and shows the problems back in the form (`show_problems`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, Select, SelectionList, Static, TextArea

from pligos_tui import edit
from pligos_tui.errors import Problem
from pligos_tui.tui.edit.state import Buffer

PROPERTY_OF = {"image": "images", "command": "commands", "probe": "probes",
               "resources": "resources", "routes": "routes", "mounts": "mounts", "env": "env"}


class EditRequest(Message):
    """Change the buffer with `apply(text) -> text`; `key` merges typing into one undo step."""

    def __init__(self, apply: Callable[[str], str], key: str = "", structural: bool = False,
                 select: tuple[str, ...] | None = None) -> None:
        super().__init__()
        self.apply, self.key, self.structural, self.select = apply, key, structural, select


class Field(Horizontal):
    """A label, an input widget and the problems of the key path it edits."""

    def __init__(self, label: str, widget: Widget, key_path: str) -> None:
        super().__init__(classes="field")
        self.label, self.widget, self.key_path = label, widget, key_path

    def compose(self) -> ComposeResult:
        yield Label(self.label, classes="field-label")
        with VerticalScroll(classes="field-body"):
            yield self.widget
            yield Static("", classes="field-error", markup=False)

    def show(self, problems: list[Problem]) -> None:
        mine = [p for p in problems if p.key_path == self.key_path
                or p.key_path.startswith(self.key_path + ".")
                or p.key_path.startswith(self.key_path + "[")]
        text = "\n".join(p.message for p in mine)
        self.query_one(".field-error", Static).update(text)
        self.set_class(bool(mine), "-invalid")


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


def _select(options: list[str], value: Any, ident: str) -> Select[str]:
    opts = list(options)
    if isinstance(value, str) and value and value not in opts:
        opts.append(value)
    return Select([(o, o) for o in opts], value=value if isinstance(value, str) and value
                  else Select.NULL, allow_blank=True, prompt="(none)", id=ident, compact=True)


class ContextForm(Form):
    """One context: name, flavor, extends, its assignments, replicas, schedule."""

    hint = ("Unset fields come from the context it extends. Enter in the name field renames "
            "(references follow).")

    def __init__(self, buffer: Buffer, name: str) -> None:
        super().__init__(buffer)
        self.context = name
        ctxs = buffer.context_names()
        self.index = ctxs.index(name) if name in ctxs else 0
        self.title = f"Context {name}" + ("  (current)" if buffer.current_context() == name
                                         else "")

    def fields(self) -> ComposeResult:
        ctx = self.buffer.context(self.context) or {}
        at = f"contexts[{self.context}]"
        yield Field("name", Input(self.context, id="ctx-name", compact=True), f"{at}.name")
        yield Field("flavor", _select(self.buffer.flavor_names(), ctx.get("flavor"),
                                      "ctx-flavor"), f"{at}.flavor")
        others = [n for n in self.buffer.context_names() if n != self.context]
        yield Field("extends", _select(others, ctx.get("extends"), "ctx-extends"),
                    f"{at}.extends")
        for key in edit.SINGLE_REFS:
            value = ctx.get(key)
            if isinstance(value, dict):
                widget: Widget = Static("(an inline entry: edit it in the source view)",
                                        id=f"ctx-{key}", markup=False)
            else:
                widget = _select(self.buffer.entry_names(PROPERTY_OF[key]), value, f"ctx-{key}")
            yield Field(key, widget, f"{at}.{key}")
        for key in edit.LIST_REFS:
            value = ctx.get(key)
            names = self.buffer.entry_names(PROPERTY_OF[key])
            chosen = [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
            if isinstance(value, list) and len(chosen) != len(value):
                widget = Static("(holds inline entries: edit them in the source view)",
                                id=f"ctx-{key}", markup=False)
            elif not names:
                widget = Static(f"(the service has no {key} entries)", id=f"ctx-{key}",
                                markup=False)
            else:
                widget = SelectionList[str](*[(n, n, n in chosen) for n in names],
                                            id=f"ctx-{key}", compact=True)
            yield Field(key, widget, f"{at}.{key}")
        replicas = ctx.get("replicas")
        yield Field("replicas", Input("" if replicas is None else str(replicas),
                                      placeholder="1", id="ctx-replicas", compact=True), f"{at}.replicas")
        schedule = ctx.get("schedule")
        yield Field("schedule", Input("" if schedule is None else str(schedule),
                                      placeholder="cron, for the cronjob flavor",
                                      id="ctx-schedule", compact=True), f"{at}.schedule")

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
            self.request(lambda t: edit.set_extends(t, name, value), structural=False)
        else:
            self.request(lambda t: edit.set_context_field(t, name, key, value))

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        event.stop()
        key = (event.selection_list.id or "").removeprefix("ctx-")
        names = [n for n in self.buffer.entry_names(PROPERTY_OF[key])
                 if n in event.selection_list.selected]
        name = self.context
        if (self._current(key) or []) == names:
            return
        self.request(lambda t: edit.assign_entries(t, name, key, names))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        key = (event.input.id or "").removeprefix("ctx-")
        if key not in ("replicas", "schedule"):
            return
        text, name = event.value, self.context
        value = edit.parse_scalar(text, 0 if key == "replicas" else "") if text else None
        if self._current(key) == value:
            return
        self.request(lambda t: edit.set_context_field(t, name, key, value),
                     key=f"ctx:{name}:{key}")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "ctx-name":
            event.stop()
            old, new = self.context, event.value.strip()
            if new and new != old:
                self.request(lambda t: edit.rename_context(t, old, new), structural=True,
                             select=("context", new))


class EntryForm(Form):
    """One property entry: an input per plain field; nested fields shown as YAML."""

    hint = "Nested fields are edited in the source view."

    def __init__(self, buffer: Buffer, prop: str, name: str) -> None:
        super().__init__(buffer)
        self.prop, self.entry = prop, name
        names = buffer.entry_names(prop)
        self.index = names.index(name) if name in names else 0
        self.title = f"{prop}: {name}"

    def _data(self) -> dict[str, Any]:
        return next((e for e in self.buffer.entries(self.prop)
                     if str(e.get("name")) == self.entry), {})

    def fields(self) -> ComposeResult:
        at = f"{self.prop}[{self.entry}]"
        for key, value in self._data().items():
            if key == "name":
                continue
            if isinstance(value, (dict, list)):
                widget: Widget = Static(yaml.safe_dump(value, sort_keys=False,
                                                       default_flow_style=False).rstrip(),
                                        classes="field-yaml", markup=False)
            else:
                widget = Input("" if value is None else str(value).lower()
                               if isinstance(value, bool) else str(value),
                               id=f"entry-{key}", compact=True)
            yield Field(key, widget, f"{at}.{key}")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        key = (event.input.id or "").removeprefix("entry-")
        old = self._data().get(key)
        value = edit.parse_scalar(event.value, old)
        if value == old and type(value) is type(old):
            return
        prop, entry = self.prop, self.entry
        self.request(lambda t: edit.set_entry_field(t, prop, entry, key, value),
                     key=f"entry:{prop}:{entry}:{key}")


class ServiceForm(Form):
    """The service's own fields."""

    title = "Service"
    FIELDS = ("name", "description", "chartVersion", "appVersion")

    def fields(self) -> ComposeResult:
        data = self.buffer.data or {}
        for key in self.FIELDS:
            value = data.get(key)
            yield Field(key, Input("" if value is None else str(value), id=f"svc-{key}",
                                   compact=True), key)
        yield Field("current-context", _select(self.buffer.context_names(),
                                               self.buffer.current_context(), "svc-current"),
                    "current-context")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        key = (event.input.id or "").removeprefix("svc-")
        value = event.value
        current = (self.buffer.data or {}).get(key)
        if current is not None and str(current) == value:
            return
        self.request(lambda t: edit.set_top_level_scalar(t, key, value), key=f"svc:{key}")

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str) and event.value != self.buffer.current_context():
            value = event.value
            self.request(lambda t: edit.set_current_context_text(t, value), structural=True)


class SourceForm(Form):
    """The whole pligos.yaml as text: anything the other forms cannot do, and fixing a file
    that does not load."""

    title = "pligos.yaml"
    hint = "Changes apply as you type; problems are listed below."

    def fields(self) -> ComposeResult:
        yield TextArea(self.buffer.text, id="source", show_line_numbers=True, tab_behavior="indent")

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        text = event.text_area.text
        if text != self.buffer.text:
            self.request(lambda _t: text, key="source")

    def show_problems(self, problems: list[Problem]) -> None:
        pass
