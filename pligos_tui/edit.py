"""Changing a user's pligos.yaml in place without disturbing anything else in it.

An edit replaces exactly the characters of the value it changes, located by the YAML parser,
so comments, key order, quoting and blank lines stay byte for byte. Files are replaced
atomically (written beside, then renamed over), keeping the file's permissions.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from pligos_tui.errors import PligosError, display_path


def atomic_write(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one rename; on failure the old file stays as it was."""
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    _remove_stale_temps(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".pligos-tmp",
                               dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise PligosError(f"cannot write {display_path(path)}: {exc.strerror or exc}",
                          hint="check that the folder is writable and the disk has space") from None
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _remove_stale_temps(path: Path) -> None:
    """Remove what an interrupted save of `path` left beside it (its writer is gone)."""
    for temp in path.parent.glob(f".{path.name}.*.pligos-tmp"):
        pid = temp.name[len(path.name) + 2:].split(".", 1)[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            temp.unlink(missing_ok=True)
        except OSError:
            pass


def set_top_level_scalar(text: str, key: str, value: str) -> str:
    """`text` with the top-level `key` set to the plain scalar `value`.

    Only the old value's characters change; when the key is missing it is appended.
    """
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    rendered = value if _plain_safe(value) else '"' + value.replace("\\", "\\\\").replace(
        '"', '\\"') + '"'
    if isinstance(root, yaml.MappingNode):
        for key_node, value_node in root.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                if not isinstance(value_node, yaml.ScalarNode):
                    break
                if value_node.value == value and (value_node.style or value_node.tag.endswith(
                        ":str")):
                    return text  # already so: keep the user's quoting
                if value_node.style in ('"', "'") and rendered == value:
                    rendered = ('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
                                if value_node.style == '"' else "'" + value.replace("'", "''")
                                + "'")
                start, end = value_node.start_mark.index, value_node.end_mark.index
                if start == end:  # an empty value: `key:` with nothing after it
                    return text[:start] + " " + rendered + text[end:] if not text[
                        start - 1:start].isspace() else text[:start] + rendered + text[end:]
                return text[:start] + rendered + text[end:]
    if isinstance(root, yaml.MappingNode) and root.flow_style:
        # a file that is one {...} mapping: the new key goes inside it, before the `}`
        close = text.rindex("}", 0, root.end_mark.index)
        before = text[:close].rstrip()
        sep = "" if before.endswith("{") else ", "
        return f"{before}{sep}{key}: {rendered}{text[len(before):close]}{text[close:]}"
    newline = "\r\n" if "\r\n" in text else "\n"
    sep = "" if text.endswith("\n") or not text else newline
    return f"{text}{sep}{key}: {rendered}{newline}"


def _plain_safe(value: str) -> bool:
    if not value:
        return False
    try:
        return yaml.safe_load(value) == value and "#" not in value and ": " not in value
    except yaml.YAMLError:
        return False


def set_current_context(file: Path, name: str) -> None:
    raw = file.read_bytes()
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    text = raw[len(bom):].decode("utf-8")
    atomic_write(file, bom + set_top_level_scalar(text, "current-context", name).encode())


# -- structural edits (the editor's actions) ---------------------------------------------------
#
# Each function takes the text of a pligos.yaml and returns the new text. They parse with
# ruamel.yaml's round-trip loader, which keeps comments, key order, quoting, flow style and
# blank lines, and dump with the indentation detected in the file, so only what was edited
# changes. They check only what they need to find their target; whether the result is a valid
# service is the loader's business (`model.load_service_text`).

SINGLE_REFS = ("image", "command", "probe", "resources")
LIST_REFS = ("routes", "mounts", "env")
PROPERTIES = ("images", "commands", "probes", "routes", "mounts", "env", "resources")


def detect_indent(text: str) -> tuple[int, int, int]:
    """The file's (mapping, sequence, offset) indentation, as ruamel.yaml's `indent()` takes it.

    `sequence` is the column of an item's content relative to its parent key, `offset` the
    column of the dash; the first block sequence under a key decides. Defaults: 2, 4, 2.
    """
    import re

    lines = text.splitlines()
    mapping = sequence = offset = None
    for i, line in enumerate(lines):
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        key = re.match(r"^( *)(?:- +)?[^\s#'\"\-][^:#]*:\s*(#.*)?$", line)
        if not key:
            continue
        indent = len(key.group(1))
        if line[indent:].startswith("-"):  # `- key:` opens a mapping inside a sequence item
            indent = len(line) - len(line.lstrip(" -"))
        for nxt in lines[i + 1:]:
            s = nxt.lstrip(" ")
            if not s or s.startswith("#"):
                continue
            col = len(nxt) - len(s)
            if col <= indent and not (s.startswith("- ") or s == "-"):
                break
            if s.startswith("- ") or s == "-":
                if sequence is None and col >= indent:
                    offset = col - indent
                    content = len(nxt) - len(s[1:].lstrip(" ")) if s != "-" else col + 2
                    sequence = content - indent
            elif mapping is None and col > indent:
                mapping = col - indent
            break
        if mapping is not None and sequence is not None:
            break
    mapping = mapping or 2
    if sequence is None:
        sequence, offset = mapping + 2, mapping
    offset = offset if offset is not None else 0
    return mapping, max(sequence, offset + 2), offset


def _yaml(text: str) -> Any:
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096
    mapping, sequence, offset = detect_indent(text)
    y.indent(mapping=mapping, sequence=sequence, offset=offset)
    return y


def _load(text: str) -> tuple[Any, Any]:
    from ruamel.yaml.error import YAMLError

    y = _yaml(text)
    try:
        data = y.load(text)
    except YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise PligosError(f"pligos.yaml cannot be edited structurally: {problem}{where}",
                          hint="fix the file in the source view first") from None
    if not hasattr(data, "get"):
        raise PligosError("pligos.yaml is not a mapping",
                          hint="the file starts with `pligos: 1` and `name: ...`")
    return y, data


def structurally_editable(text: str) -> bool:
    """Whether the functions below can work on `text` (it parses as one YAML mapping)."""
    try:
        _load(text)
    except PligosError:
        return False
    return True


def _dump(y: Any, data: Any, original: str) -> str:
    import io

    buf = io.StringIO()
    y.dump(data, buf)
    out = buf.getvalue()
    if original.startswith("---") and not out.startswith("---"):
        out = "---\n" + out
    if not original.endswith("\n") and out.endswith("\n") and original:
        out = out[:-1]
    return _keep_untouched_lines(original, out)


def _keep_untouched_lines(original: str, out: str) -> str:
    """`out` with every line that differs from its counterpart in `original` only in spacing
    (aligned values, spaces before comments) taken back from `original`, byte for byte."""
    import difflib

    old, new = original.splitlines(keepends=True), out.splitlines(keepends=True)

    import re

    quoted = re.compile(r"(\"(?:[^\"\\]|\\.)*\"|'(?:[^']|'')*')")

    def norm(line: str) -> str:  # spacing collapsed, except inside quotes
        parts = quoted.split(line)
        return "".join(p if i % 2 else " ".join(p.split()) + (" " if p[-1:].isspace() else "")
                       for i, p in enumerate(parts)).strip()

    matcher = difflib.SequenceMatcher(None, [norm(x) for x in old], [norm(x) for x in new],
                                      autojunk=False)
    result: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            chunk = old[i1:i2]
            if j2 == len(new) and not new[-1].endswith("\n") and chunk[-1].endswith("\n"):
                chunk[-1] = chunk[-1].rstrip("\r\n")
            elif chunk and not chunk[-1].endswith("\n") and j2 < len(new):
                chunk[-1] += "\n"
            result.extend(chunk)
        else:
            result.extend(new[j1:j2])
    return "".join(result)


def _contexts(data: Any) -> list[Any]:
    ctxs = data.get("contexts")
    if not isinstance(ctxs, list):
        raise PligosError("pligos.yaml has no list of contexts",
                          hint="add `contexts:` with at least one `- name: ...` item")
    return ctxs


def _find(items: list[Any], name: str, what: str) -> Any:
    for item in items:
        if hasattr(item, "get") and item.get("name") == name:
            return item
    raise PligosError(f"there is no {what} named {name!r}")


def _like(old: Any, new: Any) -> Any:
    """`new` in the style of `old`: a quoted string stays quoted the same way."""
    from ruamel.yaml.scalarstring import ScalarString

    if isinstance(old, ScalarString) and isinstance(new, str) and not isinstance(new, ScalarString):
        return type(old)(new)
    return new


def _set(mapping: Any, key: str, value: Any) -> None:
    if value is None or value == []:
        if key in mapping:
            del mapping[key]
        return
    if key in mapping:
        mapping[key] = _like(mapping[key], value)
    else:
        mapping[key] = value


def parse_scalar(text: str, old: Any = None) -> Any:
    """What a form field's text means as a YAML value, keeping `old`'s type where it can:
    a field that held a string stays a string ("1.20" stays a tag, not a number)."""
    if isinstance(old, bool):
        low = text.strip().lower()
        if low in ("true", "false"):
            return low == "true"
    if isinstance(old, str):
        return text
    if isinstance(old, int) and not isinstance(old, bool):
        try:
            return int(text)
        except ValueError:
            return text
    try:
        value = yaml.safe_load(text) if text.strip() else ""
    except yaml.YAMLError:
        return text
    return value if isinstance(value, (str, int, float, bool)) or value is None else text


def set_context_field(text: str, context: str, key: str, value: Any) -> str:
    """Set (or, with None or [], remove) `key` of the context named `context`."""
    y, data = _load(text)
    ctx = _find(_contexts(data), context, "context")
    if isinstance(value, list):
        from ruamel.yaml.comments import CommentedSeq

        old = ctx.get(key)
        seq = CommentedSeq(value)
        if isinstance(old, CommentedSeq) and old.fa.flow_style() or old is None:
            seq.fa.set_flow_style()
        value = seq if value else None
    _set(ctx, key, value)
    return _dump(y, data, text)


def set_entry_field(text: str, prop: str, entry: str, key: str, value: Any) -> str:
    """Set (or, with None, remove) `key` of the entry named `entry` of the list `prop`."""
    y, data = _load(text)
    items = data.get(prop)
    if not isinstance(items, list):
        raise PligosError(f"pligos.yaml has no list of {prop}")
    _set(_find(items, entry, prop.rstrip("s") if prop != "resources" else "resources entry"),
         key, value)
    return _dump(y, data, text)


def assign_entries(text: str, context: str, prop: str, names: list[str]) -> str:
    """Make the context use the named entries for `prop`: one name for image, command, probe
    and resources (none removes the assignment); a list for routes, mounts and env."""
    if prop in SINGLE_REFS:
        if len(names) > 1:
            raise PligosError(f"a context has one {prop}, not {len(names)}")
        return set_context_field(text, context, prop, names[0] if names else None)
    if prop in LIST_REFS:
        return set_context_field(text, context, prop, list(names))
    raise PligosError(f"{prop!r} is not an assignable property",
                      hint=f"one of {', '.join(SINGLE_REFS + LIST_REFS)}")


def _check_new_name(data: Any, name: str) -> None:
    from pligos_tui.validate import dns_label

    problem = dns_label(name)
    if problem:
        raise PligosError(f"context name {name!r}: {problem}")
    if any(hasattr(c, "get") and c.get("name") == name for c in _contexts(data)):
        raise PligosError(f"there is already a context named {name!r}",
                          hint="pick another name")


def add_context(text: str, name: str, *, flavor: str = "", extends: str = "") -> str:
    """Append a context named `name` with the given flavor and/or extends."""
    from ruamel.yaml.comments import CommentedMap

    y, data = _load(text)
    _check_new_name(data, name)
    if extends:
        _find(_contexts(data), extends, "context")
    ctx = CommentedMap(name=name)
    if flavor:
        ctx["flavor"] = flavor
    if extends:
        ctx["extends"] = extends
    _contexts(data).append(ctx)
    return _dump(y, data, text)


def clone_context(text: str, source: str, name: str) -> str:
    """Append a copy of the context `source` named `name`, placed right after it."""
    import copy

    y, data = _load(text)
    _check_new_name(data, name)
    ctxs = _contexts(data)
    src = _find(ctxs, source, "context")
    clone = copy.deepcopy(src)
    clone["name"] = _like(src.get("name"), name)
    ctxs.insert(ctxs.index(src) + 1, clone)
    return _dump(y, data, text)


def rename_context(text: str, old: str, new: str) -> str:
    """Rename a context; every `extends: old` and `current-context: old` follows."""
    y, data = _load(text)
    if old == new:
        return text
    _check_new_name(data, new)
    ctxs = _contexts(data)
    ctx = _find(ctxs, old, "context")
    ctx["name"] = _like(ctx["name"], new)
    for other in ctxs:
        if hasattr(other, "get") and other.get("extends") == old:
            other["extends"] = _like(other["extends"], new)
    if data.get("current-context") == old:
        data["current-context"] = _like(data["current-context"], new)
    return _dump(y, data, text)


def context_dependents(text: str, name: str) -> list[str]:
    """The contexts whose `extends` names `name`."""
    _, data = _load(text)
    return [c.get("name") for c in _contexts(data)
            if hasattr(c, "get") and c.get("extends") == name]


def delete_context(text: str, name: str) -> str:
    """Remove a context. Contexts extending it would break, so that is refused; a
    current-context naming it moves to the first remaining context."""
    y, data = _load(text)
    ctxs = _contexts(data)
    ctx = _find(ctxs, name, "context")
    users = [c.get("name") for c in ctxs if hasattr(c, "get") and c.get("extends") == name]
    if users:
        raise PligosError(f"context {name!r} is extended by {', '.join(users)}",
                          hint="change or remove their `extends` first")
    if len(ctxs) == 1:
        raise PligosError(f"{name!r} is the only context; a service needs at least one")
    ctxs.remove(ctx)
    if data.get("current-context") == name:
        first = ctxs[0].get("name") if hasattr(ctxs[0], "get") else None
        if first:
            data["current-context"] = _like(data["current-context"], first)
        else:
            del data["current-context"]
    return _dump(y, data, text)


def set_extends(text: str, context: str, parent: str | None) -> str:
    """Make `context` extend `parent` (None: extend nothing). A cycle is refused."""
    y, data = _load(text)
    ctxs = _contexts(data)
    ctx = _find(ctxs, context, "context")
    if parent:
        _find(ctxs, parent, "context")
        seen: set[str] = {context}
        walk: str | None = parent
        while walk:
            if walk in seen:
                raise PligosError(f"{context!r} cannot extend {parent!r}: that makes a cycle")
            seen.add(walk)
            nxt = next((c for c in ctxs if hasattr(c, "get") and c.get("name") == walk), None)
            walk = nxt.get("extends") if nxt is not None else None
    _set(ctx, "extends", parent)
    return _dump(y, data, text)


def set_current_context_text(text: str, name: str) -> str:
    """`text` with `current-context` set to `name` (which must be a context)."""
    _, data = _load(text)
    _find(_contexts(data), name, "context")
    return set_top_level_scalar(text, "current-context", name)
