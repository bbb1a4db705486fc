"""The editor's main screen: the tree, the form of the selected node, the problems, the
preview of two contexts side by side."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, Tree

from pligos_tui.errors import PligosError
from pligos_tui.jobs import edits
from pligos_tui.jobs.editing import Buffer, Selection
from pligos_tui.jobs.preview import Prefetch
from pligos_tui.spec import vocabulary
from pligos_tui.tui.edit.context_form import ContextForm
from pligos_tui.tui.edit.dialogs import ConfirmDialog, NameDialog, PickDialog
from pligos_tui.tui.edit.forms import (
    EditRequest,
    EntryForm,
    Form,
    FriendForm,
    PropertyForm,
    ServiceForm,
    SourceForm,
)
from pligos_tui.tui.text import one_line, tree_label
from pligos_tui.tui.widgets.preview import ChartPreview

# the kinds of tree node that show a form (the others group them)
_FORMS = ("service", "source", "context", "entry", "prop", "friend")


class EditorScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "app.save", "Save"),
        Binding("ctrl+z", "undo", "Undo"),
        Binding("ctrl+n", "add", "New"),
        Binding("ctrl+k", "clone", "Clone"),
        Binding("ctrl+r", "rename", "Rename"),
        Binding("ctrl+d", "delete", "Delete"),
        Binding("f8", "remove_field", "Remove field", show=False),
        Binding("ctrl+u", "use_context", "Use", show=False),
        Binding("ctrl+t", "try_flavor", "Try flavor"),
        Binding("ctrl+o", "compare_with", "Compare", show=False),
        Binding("f2", "cycle_mode", "Mode"),
        Binding("f3", "toggle_diff", "Diff"),
        Binding("f4", "show_source", "Source", show=False),
        Binding("ctrl+q", "app.quit_editor", "Quit", priority=True),
    ]

    def __init__(self, buffer: Buffer, prefetch: Prefetch | None = None) -> None:
        super().__init__()
        self.buffer = buffer
        self.selected = Selection.service() if buffer.service else Selection.source()
        self.panes: list[tuple[str, str | None]] = buffer.default_panes()
        self.prefetch = prefetch
        self._tree_sig: Any = None
        self.open_settings: set[str] = set()  # the settings groups open in context forms

    # -- layout --------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            yield Tree("service", id="tree")
            with Vertical(id="right"):
                yield Vertical(id="form-box")
                yield Static("", id="problems", markup=False)
                yield ChartPreview(self.buffer.preview_source(), self.panes,
                                   prefetch=self.prefetch, id="preview")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = one_line(self.buffer.display, 0)
        self._rebuild_tree()
        self._show_form()
        self._show_problems()
        self.query_one("#tree", Tree).focus()

    # -- tree ----------------------------------------------------------------------------------
    def _signature(self) -> Any:
        b = self.buffer
        return (tuple(b.context_names()), b.current_context(), b.data is None,
                tuple((p, tuple(b.entry_names(p))) for p in vocabulary.PROPERTY_LISTS),
                tuple(b.friend_names()))

    def _rebuild_tree(self) -> None:
        tree: Tree[Selection] = self.query_one("#tree", Tree)
        b = self.buffer
        self._tree_sig = self._signature()
        tree.clear()
        tree.root.label = tree_label(b.service.name if b.service
                                     else (b.data or {}).get("name") or b.display)
        tree.root.data = Selection.service()
        tree.root.expand()
        wanted = None
        if b.data is not None:
            svc = tree.root.add_leaf("Service", data=Selection.service())
            wanted = svc if self.selected == Selection.service() else None
            props = tree.root.add("Properties", data=Selection("props"), expand=True)
            for prop in vocabulary.PROPERTY_LISTS:
                names = b.entry_names(prop)
                node = Selection.property_list(prop)
                branch = props.add(f"{prop} ({len(names)})", data=node,
                                   expand=0 < len(names) <= 4 or self.selected.prop == prop,
                                   allow_expand=bool(names))
                if self.selected == node:
                    wanted = branch
                for name in names:
                    node = Selection.entry(prop, name)
                    leaf = branch.add_leaf(tree_label(name), data=node)
                    if self.selected == node:
                        wanted = leaf
            friends = b.friend_names()
            if friends:
                branch = props.add(f"friends ({len(friends)})", data=Selection("friends"),
                                   expand=len(friends) <= 4 or self.selected.kind == "friend")
                for name in friends:
                    node = Selection.friend(name)
                    leaf = branch.add_leaf(tree_label(name), data=node)
                    if self.selected == node:
                        wanted = leaf
            ctxs = tree.root.add("Contexts", data=Selection("contexts"), expand=True)
            for name in b.context_names():
                mark = " ★" if name == b.current_context() else ""
                node = Selection.context(name)
                leaf = ctxs.add_leaf(tree_label(one_line(name) + mark, 0), data=node)
                if self.selected == node:
                    wanted = leaf
        source = tree.root.add_leaf("pligos.yaml (source)", data=Selection.source())
        if self.selected == Selection.source():
            wanted = source
        if wanted is None:
            self.selected = Selection.source() if b.data is None else Selection.service()
        elif wanted.line >= 0:
            tree.move_cursor(wanted)
        else:
            tree.call_after_refresh(lambda: tree.move_cursor(wanted))

    def on_tree_node_selected(self, event: Tree.NodeSelected[Selection]) -> None:
        data = event.node.data
        if data is None or data.kind not in _FORMS:
            return
        if data != self.selected:
            self.selected = data
            self.buffer.seal()
            self._show_form()
        if data.kind == "context":
            self._focus_context(data.name)

    def _focus_context(self, name: str) -> None:
        first = self.panes[0][0] if self.panes else ""
        if first == name:
            return
        others = [n for n in self.buffer.context_names() if n != name]
        second = first if first and first != name else (others[0] if others else None)
        panes: list[tuple[str, str | None]] = [(name, None)]
        self.panes = panes + ([(second, None)] if second else [])
        self.query_one(ChartPreview).set_panes(self.panes)

    # -- form ----------------------------------------------------------------------------------
    def _form(self) -> Form:
        b, sel = self.buffer, self.selected
        if b.data is None or sel.kind == "source":
            return SourceForm(b)
        if sel.kind == "context" and sel.name in b.context_names():
            return ContextForm(b, sel.name, self.open_settings)
        if sel.kind == "entry" and sel.name in b.entry_names(sel.prop):
            return EntryForm(b, sel.prop, sel.name)
        if sel.kind == "prop":
            return PropertyForm(b, sel.prop)
        if sel.kind == "friend":
            return FriendForm(b, sel.name)
        return ServiceForm(b)

    def _show_form(self, focus_field: tuple[str, ...] | None = None) -> None:
        box = self.query_one("#form-box", Vertical)
        box.remove_children()
        form = self._form()
        box.mount(form)
        form.call_after_refresh(form.show_problems, self.buffer.problems)
        if focus_field is not None and isinstance(form, EntryForm):
            form.call_after_refresh(form.focus_path, focus_field)

    def _show_problems(self) -> None:
        b = self.buffer
        widget = self.query_one("#problems", Static)
        if b.error is None:
            widget.update("✓ valid" + ("  · unsaved changes" if b.dirty else ""))
            widget.set_class(False, "-errors")
            return
        if b.problems:
            lines = [f"{p.location}: {p.message}" for p in b.problems]
        else:
            lines = [b.error.format(rules=False)]
        widget.update(f"{len(lines)} problem{'s' if len(lines) != 1 else ''}:\n" +
                      "\n".join(lines))
        widget.set_class(True, "-errors")

    # -- applying edits --------------------------------------------------------------------------
    def on_edit_request(self, event: EditRequest) -> None:
        event.stop()
        try:
            new = event.apply(self.buffer.text)
        except PligosError as exc:
            self.notify(exc.message + (f"\n{exc.hint}" if exc.hint else ""), severity="error",
                        title="not changed", markup=False)
            return
        select = event.select
        if select is not None:
            self.selected = select
        if self.buffer.change(new, event.key):
            focus = select.name if select is not None and select.kind == "context" else None
            self.after_change(structural=event.structural, focus=focus,
                              focus_field=event.focus_field)

    def after_change(self, structural: bool = False, focus: str | None = None,
                     focus_field: tuple[str, ...] | None = None) -> None:
        """Redraw what depends on the buffer: problems, tree, preview, and the form when
        the change came from outside it."""
        self._show_problems()
        if structural or self._signature() != self._tree_sig:
            self._rebuild_tree()
        if structural:
            self._show_form(focus_field)
        else:
            for form in self.query(Form):
                form.show_problems(self.buffer.problems)
        names = self.buffer.context_names()
        panes = [(c, f) for c, f in self.panes if c in names]
        if focus in names:
            others = [p for p in panes if p[0] != focus]
            rest = [n for n in names if n != focus]
            if not others and rest:
                others = [(rest[0], None)]
            panes = [(focus, None)] + others[:1]
        if not panes:
            panes = self.buffer.default_panes()
        self.panes = panes
        self.query_one(ChartPreview).set_source(self.buffer.preview_source(), panes)
        self.app.refresh_bindings()

    def _selected_context(self) -> str | None:
        if self.selected.kind == "context":
            return self.selected.name
        return self.panes[0][0] if self.panes else None

    def _apply(self, fn: Callable[[str], str], select: Selection | None = None,
               structural: bool = True) -> None:
        self.post_message(EditRequest(fn, structural=structural, select=select))

    # -- actions ---------------------------------------------------------------------------------
    def action_undo(self) -> None:
        if self.buffer.undo():
            self.after_change(structural=True)
        else:
            self.notify("nothing to undo")

    def _selected_entry(self) -> tuple[str, str] | None:
        """(property, entry name) when an entry is selected."""
        sel = self.selected
        return (sel.prop, sel.name) if sel.kind == "entry" else None

    def action_add(self) -> None:
        """A new entry when a property or one of its entries is selected, else a context."""
        if self.selected.kind in ("prop", "entry"):
            self._add_entry(self.selected.prop)
        else:
            self._add_context()

    def _add_context(self) -> None:
        def done(name: str | None) -> None:
            if name:
                base = self._selected_context()
                self._apply(lambda t: edits.add_context(t, name, extends=base or ""),
                            select=Selection.context(name))
        self.app.push_screen(NameDialog("New context (it extends the selected one)",
                                        placeholder="e.g. staging"), done)

    def _add_entry(self, prop: str) -> None:
        def done(name: str | None) -> None:
            if name:
                self._apply(lambda t: edits.add_entry(t, prop, name),
                            select=Selection.entry(prop, name))
        self.app.push_screen(NameDialog(f"New entry of {prop} (a name contexts refer to)",
                                        placeholder="e.g. main"), done)

    def action_clone(self) -> None:
        entry = self._selected_entry()
        if entry is not None:
            prop, src = entry

            def add_copy(name: str | None) -> None:
                if name:
                    self._apply(lambda t: edits.clone_entry(t, prop, src, name),
                                select=Selection.entry(prop, name))
            self.app.push_screen(NameDialog(f"Clone {prop} entry {one_line(src)} as",
                                            f"{src}-copy"),
                                 add_copy)
            return
        ctx = self._selected_context()
        if not ctx:
            return

        def done(name: str | None) -> None:
            if name:
                self._apply(lambda t: edits.clone_context(t, ctx, name),
                            select=Selection.context(name))
        self.app.push_screen(NameDialog(f"Clone {one_line(ctx)} as", f"{ctx}-copy"), done)

    def action_rename(self) -> None:
        entry = self._selected_entry()
        if entry is not None:
            prop, old_entry = entry

            def rename_entry(name: str | None) -> None:
                if name and name != old_entry:
                    self._apply(lambda t: edits.rename_entry(t, prop, old_entry, name),
                                select=Selection.entry(prop, name))
            self.app.push_screen(NameDialog(f"Rename {prop} entry {one_line(old_entry)} to "
                                            "(contexts referring to it follow)", old_entry),
                                 rename_entry)
            return
        old = self._selected_context()
        if not old:
            return

        def done(name: str | None) -> None:
            if name and name != old:
                self._apply(lambda t: edits.rename_context(t, old, name),
                            select=Selection.context(name))
        self.app.push_screen(NameDialog(f"Rename {one_line(old)} to (extends and current-context "
                                        "follow)", old), done)

    def action_delete(self) -> None:
        entry = self._selected_entry()
        if entry is not None:
            prop, name = entry
            users = edits.entry_users(self.buffer.text, prop, name)
            note = (f"\nContexts {one_line(', '.join(users))} refer to it: those references are "
                    "removed too." if users else "")

            def delete_entry(answer: str | None) -> None:
                if answer == "delete":
                    self._apply(lambda t: edits.delete_entry(t, prop, name),
                                select=Selection.property_list(prop))
            self.app.push_screen(ConfirmDialog(f"Delete {prop} entry {one_line(name)}?{note}",
                                               [("delete", "Delete", "error"),
                                                ("cancel", "Cancel", "default")]), delete_entry)
            return
        ctx = self._selected_context()
        if not ctx:
            return

        def done(answer: str | None) -> None:
            if answer == "delete":
                self._apply(lambda t: edits.delete_context(t, ctx), select=Selection.service())
        self.app.push_screen(ConfirmDialog(f"Delete context {one_line(ctx)}?",
                                           [("delete", "Delete", "error"),
                                            ("cancel", "Cancel", "default")]), done)

    def action_remove_field(self) -> None:
        """Remove the field of the entry whose input has the focus."""
        form = next(iter(self.query(EntryForm)), None)
        path = form.field_path(self.focused) if form is not None else None
        if form is None or path is None:
            self.notify("focus a field of an entry first", severity="warning")
            return
        form.remove_field(path)

    def action_use_context(self) -> None:
        name = self._selected_context()
        if name:
            self._apply(lambda t: edits.set_current_context_text(t, name))

    def action_try_flavor(self) -> None:
        ctx = self._selected_context()
        if not ctx:
            return
        def done(flavor: str | None) -> None:
            if flavor:
                self.panes = [(ctx, None), (ctx, flavor)]
                self.query_one(ChartPreview).set_panes(self.panes)
                self.notify(f"previewing {one_line(ctx)} with flavor {one_line(flavor)}; the "
                            "file is unchanged", markup=False)
        self.app.push_screen(PickDialog(f"Render {one_line(ctx)} with flavor",
                                        self.buffer.flavor_names()), done)

    def action_compare_with(self) -> None:
        ctx = self._selected_context()
        if not ctx:
            return
        def done(other: str | None) -> None:
            if other:
                self.panes = [(ctx, None), (other, None)]
                self.query_one(ChartPreview).set_panes(self.panes)
        choices = [n for n in self.buffer.context_names() if n != ctx]
        self.app.push_screen(PickDialog(f"Compare {one_line(ctx)} with", choices), done)

    def action_cycle_mode(self) -> None:
        mode = self.query_one(ChartPreview).cycle_mode()
        self.notify(f"preview: {mode}", timeout=1.5)

    def action_toggle_diff(self) -> None:
        self.query_one(ChartPreview).toggle_diff()

    def action_show_source(self) -> None:
        self.selected = Selection.source()
        self._rebuild_tree()
        self._show_form()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("clone", "rename", "delete"):
            return self._selected_entry() is not None or bool(self.buffer.context_names())
        if action in ("use_context", "try_flavor", "compare_with"):
            return bool(self.buffer.context_names())
        if action == "add":
            return self.buffer.data is not None
        return True
