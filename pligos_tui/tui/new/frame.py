"""The wizard's frame around its steps: the title line and the list of steps.

Both are on the first screen, and both are plain text widgets: Textual's header (an icon,
a title and a clock's space, each a widget) and an option list (a scrolling view with a
style of its own for each state of each option) cost that screen about a fifth of its
start. The list of steps is one a line, the current one highlighted, and a click on one
goes there; the keyboard moves between steps with Ctrl+N and Escape, so it takes no focus.
"""

from __future__ import annotations

from textual import events
from textual.content import Content
from textual.message import Message
from textual.widget import Widget


class TitleBar(Widget):
    """The app's title and subtitle on the top line, drawn as Textual's header draws them."""

    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
        content-align: center middle;
    }
    """

    def on_mount(self) -> None:
        for name in ("title", "sub_title"):
            self.watch(self.app, name, self._retitle, init=False)

    def _retitle(self) -> None:
        self.refresh()

    def render(self) -> Content:
        return self.app.format_title(self.app.title, self.app.sub_title)


class StepList(Widget):
    """`steps` are (id, title) pairs; `current` is the index of the step shown."""

    class Chosen(Message):
        """A step was clicked."""

        def __init__(self, step: str) -> None:
            super().__init__()
            self.step = step

    def __init__(self, steps: list[tuple[str, str]], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._steps = steps
        self._current = 0

    @property
    def current(self) -> int:
        return self._current

    @current.setter
    def current(self, index: int) -> None:
        if index != self._current:
            self._current = index
            self.refresh()

    def set_steps(self, steps: list[tuple[str, str]]) -> None:
        self._steps = steps
        self.refresh(layout=True)

    def render(self) -> Content:
        width = self.content_region.width  # the highlight spans the list's width
        return Content("\n").join(
            Content.styled(f" {title} ".ljust(width), "reverse bold" if i == self._current
                           else "")
            for i, (_, title) in enumerate(self._steps))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and 0 <= offset.y < len(self._steps):
            self.post_message(self.Chosen(self._steps[offset.y][0]))
