"""The editor's tree: the service's fields, its properties with their entries, its friends, its
contexts and the source, each node holding the `Selection` it stands for."""

from __future__ import annotations

from typing import Any

from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from pligos_tui.jobs.editing import Buffer, Selection
from pligos_tui.spec import vocabulary
from pligos_tui.tui.text import one_line, tree_label

# the kinds of tree node that show a form (the others group them)
FORM_KINDS = ("service", "source", "context", "entry", "prop", "friend")


def signature(buffer: Buffer) -> Any:
    """What the tree shows of a buffer: when it is unchanged, the tree is left as it is."""
    b = buffer
    return (tuple(b.context_names()), b.current_context(), b.data is None,
            (b.data or {}).get("name"),
            tuple((p, tuple(b.entry_names(p))) for p in vocabulary.PROPERTY_LISTS),
            tuple(b.friend_names()))


class ServiceTree(Tree[Selection]):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__("service", **kwargs)
        self.shown: Any = None  # the signature of what the tree shows

    @property
    def highlighted(self) -> Selection | None:
        """The node under the cursor, when it stands for something a form shows."""
        node = self.cursor_node
        data = node.data if node is not None else None
        return data if data is not None and data.kind in FORM_KINDS else None

    def rebuild(self, buffer: Buffer, selected: Selection) -> Selection:
        """Show the buffer, the cursor on `selected`; returns what is selected now (the
        service, or the source, when `selected` is gone)."""
        b = buffer
        self.shown = signature(b)
        self.clear()
        self.root.label = tree_label(b.service.name if b.service
                                     else (b.data or {}).get("name") or b.display)
        self.root.data = Selection.service()
        self.root.expand()
        wanted: TreeNode[Selection] | None = None

        def add(parent: TreeNode[Selection], label: Any, node: Selection,
                **kw: Any) -> TreeNode[Selection]:
            nonlocal wanted
            made = parent.add(label, data=node, **kw) if kw else parent.add_leaf(label, node)
            if node == selected:
                wanted = made
            return made

        if b.data is not None:
            add(self.root, "Service", Selection.service())
            props = self.root.add("Properties", data=Selection("props"), expand=True)
            for prop in vocabulary.PROPERTY_LISTS:
                names = b.entry_names(prop)
                branch = add(props, f"{prop} ({len(names)})", Selection.property_list(prop),
                             expand=0 < len(names) <= 4 or selected.prop == prop,
                             allow_expand=bool(names))
                for name in names:
                    add(branch, tree_label(name), Selection.entry(prop, name))
            friends = b.friend_names()
            if friends:
                branch = props.add(f"friends ({len(friends)})", data=Selection("friends"),
                                   expand=len(friends) <= 4 or selected.kind == "friend")
                for name in friends:
                    add(branch, tree_label(name), Selection.friend(name))
            ctxs = self.root.add("Contexts", data=Selection("contexts"), expand=True)
            for name in b.context_names():
                mark = " ★" if name == b.current_context() else ""
                add(ctxs, tree_label(one_line(name) + mark, 0), Selection.context(name))
        add(self.root, "pligos.yaml (source)", Selection.source())
        if wanted is None:
            return Selection.source() if b.data is None else Selection.service()
        node = wanted
        if node.line >= 0:
            self.move_cursor(node)
        else:
            self.call_after_refresh(lambda: self.move_cursor(node))
        return selected
