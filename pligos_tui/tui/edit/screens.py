"""The editor's main screen: the tree, the form of the selected node, the problems, the
preview of the contexts (and flavors) picked to compare.

Typing never waits for the loader: a form's change replaces the buffer's text at once, and the
loader's check of it runs in a thread worker (one at a time; a burst of keys is checked once
it ends, the latest text winning). Its result is applied only while it is of the current text,
and then the problems, the tree and the preview follow. Tab and shift+tab are handled before
the keys that follow them however busy the screen is (priority bindings), so no key lands in
the wrong field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import events, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Header, Static, TextArea, Tree

from pligos_tui.errors import PligosError
from pligos_tui.jobs import edits
from pligos_tui.jobs.editing import Buffer, Checked, Selection
from pligos_tui.jobs.preview import Pane, Prefetch
from pligos_tui.tui.edit.context_form import ContextForm
from pligos_tui.tui.edit.dialogs import ConfirmDialog, NameDialog, PanePicker, PickDialog
from pligos_tui.tui.edit.forms import (
    EditRequest,
    EntryForm,
    Form,
    FriendForm,
    PropertyForm,
    ServiceForm,
    SourceForm,
)
from pligos_tui.tui.edit.keys import EDITOR_KEYS, editor_help
from pligos_tui.tui.edit.tree import FORM_KINDS, ServiceTree, signature
from pligos_tui.tui.text import one_line, show_text
from pligos_tui.tui.widgets.keyorder import bound_below, move_focus, not_while_typing
from pligos_tui.tui.widgets.preview import ChartPreview


class EditorScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = EDITOR_KEYS

    def __init__(self, buffer: Buffer, prefetch: Prefetch | None = None) -> None:
        super().__init__()
        self.buffer = buffer
        self.selected = Selection.service() if buffer.service else Selection.source()
        self.panes: list[Pane] = buffer.default_panes()
        self.pinned = False  # the panes were picked (ctrl+o, ctrl+t): selecting keeps them
        self.picked: list[Pane] = []  # those panes
        self.prefetch = prefetch
        self.open_settings: set[str] = set()  # the settings groups open in context forms
        self._checking = False  # a check of the text runs in a thread
        self._form_focus: str | None = None  # the id of the form's last focused widget
        self._previewed: str | None = buffer.checked_text  # the text the preview shows

    # -- layout --------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            yield ServiceTree(id="tree")
            with Vertical(id="right"):
                yield Vertical(id="form-box")
                yield Static("", id="problems", markup=False)
                yield ChartPreview(self.buffer.preview_source(), self.panes,
                                   prefetch=self.prefetch, id="preview")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = one_line(self.buffer.display, 0)
        self._rebuild_tree()
        self._show_form()
        self._show_problems()
        self.service_tree.focus()

    @property
    def service_tree(self) -> ServiceTree:
        return self.query_one("#tree", ServiceTree)

    @property
    def preview(self) -> ChartPreview:
        return self.query_one("#preview", ChartPreview)

    @property
    def busy(self) -> bool:
        """True while a change is not checked yet."""
        return self._checking or self.buffer.stale

    # -- tree ----------------------------------------------------------------------------------
    def _rebuild_tree(self) -> None:
        self.selected = self.service_tree.rebuild(self.buffer, self.selected)

    def on_tree_node_selected(self, event: Tree.NodeSelected[Selection]) -> None:
        data = event.node.data
        if data is None or data.kind not in FORM_KINDS:
            return
        if data != self.selected:
            self.selected = data
            self.buffer.seal()
            self._show_form()
        if data.kind == "context":
            self._focus_context(data.name)

    def _focus_context(self, name: str) -> None:
        """Show a selected context in the first pane, next to the one shown before; the panes
        picked (ctrl+o, ctrl+t) stay, the context shown before them when it is not among
        them."""
        if self.pinned:
            picked = [p for p in self.picked if p[0] in self.buffer.context_names()]
            chosen = picked if any(c == name for c, _ in picked) else [(name, None), *picked]
            if chosen != self.panes:
                self.panes = chosen
                self.preview.set_panes(chosen)
            return
        first = self.panes[0][0] if self.panes else ""
        if first == name:
            return
        others = [n for n in self.buffer.context_names() if n != name]
        second = first if first and first != name else (others[0] if others else None)
        panes: list[Pane] = [(name, None)]
        self.panes = panes + ([(second, None)] if second else [])
        self.preview.set_panes(self.panes)

    def _target(self) -> Selection | None:
        """What ctrl+n, ctrl+k, ctrl+r, ctrl+d, ctrl+u and ctrl+t act on: the highlighted row
        while the tree has the focus (None: a row that groups others), else what the form
        shows."""
        tree = self.service_tree
        if self.focused is tree:
            return tree.highlighted
        return self.selected

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

    def _in_form(self, widget: Widget | None) -> bool:
        box = self.query_one("#form-box")
        return widget is not None and box in widget.ancestors

    def _focus_memo(self) -> tuple[str, tuple[str, ...] | None] | None:
        """Where the focus is in the form (its widget's id, and an entry field's path), to
        put it back once the form is made again."""
        widget = self.focused
        if not self._in_form(widget) or widget is None:
            return None
        form = next(iter(self.query(Form)), None)
        path = form.field_path(widget) if isinstance(form, EntryForm) else None
        return widget.id or "", path

    def _restore_focus(self, memo: tuple[str, tuple[str, ...] | None]) -> None:
        form = next(iter(self.query(Form)), None)
        if form is None:
            return
        ident, path = memo
        if path is not None and isinstance(form, EntryForm) and form.focus_path(path):
            return
        found = [w for w in form.query(f"#{ident}") if w.focusable] if ident else []
        target = found[0] if found else next((w for w in form.query("*") if w.focusable),
                                             None)
        if target is not None:
            target.focus()

    def _show_form(self, focus_field: tuple[str, ...] | None = None,
                   memo: tuple[str, tuple[str, ...] | None] | None = None) -> None:
        box = self.query_one("#form-box", Vertical)
        box.remove_children()
        form = self._form()
        box.mount(form)
        form.call_after_refresh(form.show_problems, self.buffer.problems)
        if focus_field is not None and isinstance(form, EntryForm):
            form.call_after_refresh(form.focus_path, focus_field)
        elif memo is not None:
            form.call_after_refresh(self._restore_focus, memo)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        widget = self.focused
        if self._in_form(widget) and widget is not None and widget.id:
            self._form_focus = widget.id

    def _show_problems(self) -> None:
        b = self.buffer
        widget = self.query_one("#problems", Static)
        if b.error is None:
            show_text(widget, "✓ valid" + ("  · unsaved changes" if b.dirty else ""))
            widget.set_class(False, "-errors")
            return
        # one line each (the field and the pane say the whole of it): every problem is seen;
        # the file's own problems by its name alone (the title holds its path)
        if b.problems:
            lines = [one_line((p.location.removeprefix(p.file + ":") if p.file == b.display
                               else p.location) + "  " + p.message, 0) for p in b.problems]
        else:
            lines = [one_line(line, 0) for line in b.error.format(rules=False).splitlines()]
        count = len(b.problems) or 1
        head = f"{count} problem{'s' if count != 1 else ''} in {b.file.name}" + (
            "  · unsaved changes" if b.dirty else "")
        room = 5  # the lines below the head that #problems has room for
        if len(lines) > room:
            lines = lines[:room - 1] + [f"… and {len(lines) - room + 1} more: see the source "
                                        "view (f4) and the panes"]
        show_text(widget, "\n".join([head + ":", *lines]))
        widget.set_class(True, "-errors")

    # -- applying edits --------------------------------------------------------------------------
    def on_edit_request(self, event: EditRequest) -> None:
        event.stop()
        self.take_edit(event)

    def take_edit(self, event: EditRequest) -> None:
        """Apply an edit: the text at once; typing's check later, off the UI thread."""
        memo = self._focus_memo() if event.structural else None
        try:
            new = event.apply(self.buffer.text)
        except PligosError as exc:
            self.notify(exc.message + (f"\n{exc.hint}" if exc.hint else ""), severity="error",
                        title="not changed", markup=False)
            return
        select = event.select
        if select is not None:
            self.selected = select
        typing = bool(event.key) and not event.structural
        if not self.buffer.change(new, event.key, check=not typing):
            return
        if event.rename is not None:
            old, name = event.rename
            self.panes = [(name if c == old else c, f) for c, f in self.panes]
            self.picked = [(name if c == old else c, f) for c, f in self.picked]
        if typing:
            self._show_problems()
            self._start_check()
            return
        focus = select.name if select is not None and select.kind == "context" else None
        self.after_change(structural=event.structural, focus=focus,
                          focus_field=event.focus_field, memo=memo)

    def _start_check(self) -> None:
        if not self._checking:
            self._checking = True
            self._check(self.buffer.text, list(self.panes), self.preview.mode)

    @work(thread=True, group="check", exit_on_error=False)
    def _check(self, text: str, panes: list[Pane], mode: str) -> None:
        """The loader's check of `text`, off the UI thread; the panes' renders of what it
        loads start here too, while its rules are checked, not after a trip to the UI thread
        (which is busy drawing the key typed)."""
        try:
            checked = self.buffer.check(text, panes=panes, mode=mode)
        except Exception as exc:  # a bug must not leave the editor waiting for a check
            checked = Checked(text, None, PligosError(
                f"internal error: {type(exc).__name__}: {exc}"), self.buffer.data)
        try:
            self.app.call_from_thread(self._checked, checked)
        except RuntimeError:  # the app is closing
            if checked.early is not None:
                checked.early.cancel()

    def _checked(self, checked: Checked) -> None:
        self._checking = False
        if self.buffer.apply(checked):
            self.after_change(checked_only=True, early=checked.early)
            return
        if checked.early is not None:
            checked.early.cancel()
        if self.buffer.stale:
            self._start_check()  # typed on meanwhile: check the latest text

    def after_change(self, structural: bool = False, focus: str | None = None,
                     focus_field: tuple[str, ...] | None = None,
                     memo: tuple[str, tuple[str, ...] | None] | None = None,
                     checked_only: bool = False, early: Prefetch | None = None) -> None:
        """Redraw what depends on the buffer: problems, tree, preview, and the form when
        the change came from outside it. `checked_only`: a check of typed text landed
        (`early`: the renders its check started, used when they are of the panes shown)."""
        self._show_problems()
        tree_changed = self.service_tree.shown != signature(self.buffer)
        if structural or tree_changed:
            self._rebuild_tree()
        if structural:
            self._show_form(focus_field, memo)
        else:
            for form in self.query(Form):
                form.show_problems(self.buffer.problems)
        names = self.buffer.context_names()
        panes = [(c, f) for c, f in self.panes if c in names]
        if focus in names and not any(c == focus for c, _ in panes):
            panes = [(focus, None)] + panes
        if focus in names and not self.pinned:
            others = [p for p in panes if p[0] != focus]
            rest = [n for n in names if n != focus]
            if not others and rest:
                others = [(rest[0], None)]
            panes = [(focus, None)] + others[:1]
        if not panes:
            panes, self.pinned = self.buffer.default_panes(), False
        self.panes = panes
        preview = self.preview
        if self._previewed == self.buffer.checked_text and preview.panes == panes:
            if early is not None:
                early.cancel()  # nothing new to render (a save, say)
        else:
            self._previewed = self.buffer.checked_text
            svc = self.buffer.service
            # a function: the preview plans the charts in its worker, not on the UI thread
            # (or takes those the check started)
            source = (lambda: svc) if svc is not None else self.buffer.preview_source()
            preview.set_source(source, panes, prefetch=early)
        if structural or tree_changed or not checked_only:
            self.app.refresh_bindings()

    def _apply(self, fn: Callable[[str], str], select: Selection | None = None,
               structural: bool = True, rename: tuple[str, str] | None = None) -> None:
        self.take_edit(EditRequest(fn, structural=structural, select=select, rename=rename))

    # -- moving around ---------------------------------------------------------------------------
    def action_focus_field(self, step: int) -> None:
        if step > 0:
            self.focus_next()
        else:
            self.focus_previous()

    def action_jump(self, where: str) -> None:
        """Put the focus on the tree, the form (where it was last) or the preview, at once: the
        keys typed next go there (in a field the digit is text)."""
        not_while_typing(self.focused)
        if where == "tree":
            move_focus(self.service_tree)
            return
        if where == "form":
            form = next(iter(self.query(Form)), None)
            if form is None:
                return
            last = [w for w in form.query(f"#{self._form_focus}")
                    if w.focusable] if self._form_focus else []
            target = last[0] if last else next((w for w in form.query("*") if w.focusable),
                                               None)
        else:
            preview = self.preview
            target = preview if preview.focusable else next(
                (w for w in preview.query("*") if w.focusable), None)
        if target is not None:
            move_focus(target)

    def action_leave_field(self) -> None:
        if bound_below(self.focused, self, "escape"):
            raise SkipAction()  # its own Escape (a search field's, a drop-down's)
        move_focus(self.service_tree)

    def action_help(self) -> None:
        self.app.push_screen(editor_help(self))

    # -- actions ---------------------------------------------------------------------------------
    def action_undo(self) -> None:
        memo = self._focus_memo()
        if self.buffer.undo():
            self.after_change(structural=True, memo=memo)
        else:
            self.notify("nothing to undo")

    def action_refresh(self) -> None:
        self.preview.refresh_now()

    def _selected_context(self) -> str | None:
        """The context the preview's actions are about: the highlighted (or selected) one,
        else the first pane's."""
        target = self._target()
        if target is not None and target.kind == "context":
            return target.name
        return self.panes[0][0] if self.panes else None

    def action_add(self) -> None:
        """A new entry when a property or one of its entries is highlighted, else a context."""
        target = self._target()
        if target is not None and target.kind in ("prop", "entry"):
            self._add_entry(target.prop)
            return
        base = target.name if target is not None and target.kind == "context" else ""

        def done(name: str | None) -> None:
            if name:
                self._apply(lambda t: edits.add_context(t, name, extends=base),
                            select=Selection.context(name))
        title = (f"New context (it extends {one_line(base)})" if base
                 else "New context")
        self.app.push_screen(NameDialog(title, placeholder="e.g. staging"), done)

    def _add_entry(self, prop: str) -> None:
        def done(name: str | None) -> None:
            if name:
                self._apply(lambda t: edits.add_entry(t, prop, name),
                            select=Selection.entry(prop, name))
        self.app.push_screen(NameDialog(f"New entry of {prop} (a name contexts refer to)",
                                        placeholder="e.g. main"), done)

    def _entry_or_context(self) -> Selection | None:
        target = self._target()
        if target is not None and target.kind in ("entry", "context"):
            return target
        self.notify("highlight an entry or a context in the tree first", severity="warning")
        return None

    def action_clone(self) -> None:
        target = self._entry_or_context()
        if target is None:
            return
        src = target.name
        if target.kind == "entry":
            prop = target.prop

            def add_copy(name: str | None) -> None:
                if name:
                    self._apply(lambda t: edits.clone_entry(t, prop, src, name),
                                select=Selection.entry(prop, name))
            self.app.push_screen(NameDialog(f"Clone {prop} entry {one_line(src)} as",
                                            f"{src}-copy"), add_copy)
            return

        def done(name: str | None) -> None:
            if name:
                self._apply(lambda t: edits.clone_context(t, src, name),
                            select=Selection.context(name))
        self.app.push_screen(NameDialog(f"Clone context {one_line(src)} as", f"{src}-copy"),
                             done)

    def action_rename(self) -> None:
        target = self._entry_or_context()
        if target is None:
            return
        old = target.name
        if target.kind == "entry":
            prop = target.prop

            def rename_entry(name: str | None) -> None:
                if name and name != old:
                    self._apply(lambda t: edits.rename_entry(t, prop, old, name),
                                select=Selection.entry(prop, name))
            self.app.push_screen(NameDialog(f"Rename {prop} entry {one_line(old)} to (contexts "
                                            "referring to it follow)", old), rename_entry)
            return

        def done(name: str | None) -> None:
            if name and name != old:
                self._apply(lambda t: edits.rename_context(t, old, name),
                            select=Selection.context(name), rename=(old, name))
        self.app.push_screen(NameDialog(f"Rename context {one_line(old)} to (extends and "
                                        "current-context follow)", old), done)

    def action_delete(self) -> None:
        target = self._entry_or_context()
        if target is None:
            return
        name = target.name
        buttons = [("delete", "Delete", "error"), ("cancel", "Cancel", "default")]
        if target.kind == "entry":
            prop = target.prop
            users = edits.entry_users(self.buffer.text, prop, name)
            note = (f"\nContexts {one_line(', '.join(users))} refer to it: those references are "
                    "removed too." if users else "")

            def delete_entry(answer: str | None) -> None:
                if answer == "delete":
                    self._apply(lambda t: edits.delete_entry(t, prop, name),
                                select=Selection.property_list(prop))
            self.app.push_screen(ConfirmDialog(f"Delete {prop} entry {one_line(name)}?{note}",
                                               buttons), delete_entry)
            return

        def done(answer: str | None) -> None:
            if answer == "delete":
                self._apply(lambda t: edits.delete_context(t, name), select=Selection.service())
        self.app.push_screen(ConfirmDialog(f"Delete context {one_line(name)}?", buttons), done)

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

    def _show_panes(self, panes: list[Pane]) -> None:
        self.panes, self.picked, self.pinned = panes, list(panes), True
        self.preview.set_panes(panes)

    def action_try_flavor(self) -> None:
        ctx = self._selected_context()
        if not ctx:
            return

        def done(flavor: str | None) -> None:
            if flavor:
                self._show_panes([(ctx, None), (ctx, flavor)])
                self.notify(f"previewing {one_line(ctx)} with flavor {one_line(flavor)}; the "
                            "file is unchanged", markup=False)
        self.app.push_screen(PickDialog(f"Render {one_line(ctx)} with flavor",
                                        self.buffer.flavor_names()), done)

    def action_pick_panes(self) -> None:
        def done(panes: list[Pane] | None) -> None:
            if panes:
                self._show_panes(panes)
        self.app.push_screen(PanePicker(self.buffer.context_names(),
                                        self.buffer.flavor_names(), self.panes), done)

    def action_cycle_mode(self) -> None:
        mode = self.preview.cycle_mode()
        self.notify(f"preview: {mode}", timeout=1.5)

    def action_toggle_diff(self) -> None:
        self.preview.toggle_diff()

    def action_show_source(self) -> None:
        self.selected = Selection.source()
        self._rebuild_tree()
        self._show_form()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("clone", "rename", "delete"):
            return self.buffer.data is not None
        if action in ("use_context", "try_flavor", "pick_panes"):
            return bool(self.buffer.context_names())
        if action == "add":
            return self.buffer.data is not None
        if action == "focus_field":
            return not isinstance(self.focused, TextArea)  # Tab indents the source
        if action == "leave_field":
            return self.focused is not self.service_tree
        return True
