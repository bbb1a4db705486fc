"""User text in places that show one line: tree labels, list options, titles, cells, inputs.

A value read from pligos.yaml (or given to `pligos new`) may hold a line break or another
control character: drawn as it is, it breaks the line it sits on and spills over the widgets
around it. :func:`one_line` is what a label shows (a line break as ⏎, other control
characters escaped, clipped with an ellipsis); :func:`field_text` is what an input shows, one
line that reads back as the same value (:func:`read_field`).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from rich.text import Text
from textual.content import Content
from textual.widgets import Static

BREAK = "⏎"
ELLIPSIS = "…"
LABEL_LIMIT = 60  # characters a label shows of one value before it is clipped
_BREAKS = frozenset("\n\r\v\f\x85\u2028\u2029")
# characters that reorder the text around them (bidirectional overrides and isolates)
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_YAML_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _unprintable(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in _BIDI


def needs_escape(text: str) -> bool:
    """True when `text` holds a character that cannot be drawn as it is in one line."""
    return any(_unprintable(c) for c in text)


def _escaped(char: str) -> str:
    code = ord(char)
    if char == "\t":
        return "\\t"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def one_line(value: object, limit: int = LABEL_LIMIT) -> str:
    """`value` as a label shows it: on one line (a line break as ⏎, a CR LF pair as one,
    other control characters as escapes such as \\x1b), at most `limit` characters (clipped
    with an ellipsis; 0: not clipped)."""
    text = value if isinstance(value, str) else str(value)
    if needs_escape(text):
        text = "".join(BREAK if c in _BREAKS else _escaped(c) if _unprintable(c) else c
                       for c in text.replace("\r\n", "\n"))
    if limit and len(text) > limit:
        text = text[:max(limit - 1, 0)] + ELLIPSIS
    return text


def quoted(text: str) -> str:
    """`text` as a YAML double-quoted scalar on one line: "a\\nb"."""
    return '"' + "".join(_YAML_ESCAPES.get(c) or (_escaped(c) if _unprintable(c) else c)
                         for c in text) + '"'


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_flow(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, str) and needs_escape(value):
        return quoted(value)
    from pligos_tui.io.yamlwrite import dump_flow

    return dump_flow([value])[1:-1]  # a scalar as YAML writes it inside a flow list


def flow(value: Any) -> str:
    """A list or mapping in YAML's flow style, on one line: text with a line break is
    written double-quoted with escapes (`{MSG: "a\\nb"}`), so that it reads back the same."""
    from pligos_tui.io.yamlwrite import dump_flow

    text = dump_flow(value)
    return text if "\n" not in text and not needs_escape(text) else _flow(value)


def field_text(value: Any) -> str:
    """The text of an input showing `value`: scalars plain, lists and mappings in flow style;
    a string that cannot be shown as it is in one line is shown double-quoted (`"a\\nb"`)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (dict, list)):
        return flow(value)
    text = str(value)
    return quoted(text) if needs_escape(text) else text


def read_field(text: str) -> str:
    """What an input shown double-quoted (:func:`field_text`) holds: its text read as YAML
    when it is still quoted, else the text as typed. Raises ValueError when the quotes do
    not close."""
    if not text.lstrip().startswith('"'):
        return text
    import yaml

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        raise ValueError('unbalanced quotes: a value holding a line break is written quoted, '
                         'e.g. "a\\nb"') from None
    return value if isinstance(value, str) else text


def literal(value: object, limit: int = LABEL_LIMIT) -> Content:
    """A label for `value` (an option of a list, a radio button's text): :func:`one_line`,
    and never read as markup (a name such as `[b]x` shows as written)."""
    return Content(one_line(value, limit))


def tree_label(value: object, limit: int = LABEL_LIMIT) -> Text:
    """A tree node's label for `value` (a tree reads a str as markup and drops all but its
    first line)."""
    return Text(one_line(value, limit))


def show_text(widget: Static, content: str | Text) -> None:
    """Show `content` in `widget` unless it shows it already: every update of a Static lays
    the whole screen out again, and the same text is put back on most keystrokes."""
    if widget.content != content:
        widget.update(content)
