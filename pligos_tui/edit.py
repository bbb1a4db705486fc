"""Changing a user's pligos.yaml in place without disturbing anything else in it.

An edit replaces exactly the characters of the value it changes, located by the YAML parser,
so comments, key order, quoting and blank lines stay byte for byte. Files are replaced
atomically (written beside, then renamed over), keeping the file's permissions.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import yaml

from pligos_tui.errors import PligosError, display_path


def atomic_write(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one rename; on failure the old file stays as it was."""
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".pligos-tmp", dir=path.parent)
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
                start, end = value_node.start_mark.index, value_node.end_mark.index
                if start == end:  # an empty value: `key:` with nothing after it
                    return text[:start] + " " + rendered + text[end:] if not text[
                        start - 1:start].isspace() else text[:start] + rendered + text[end:]
                return text[:start] + rendered + text[end:]
    sep = "" if text.endswith("\n") or not text else "\n"
    return f"{text}{sep}{key}: {rendered}\n"


def _plain_safe(value: str) -> bool:
    if not value:
        return False
    try:
        return yaml.safe_load(value) == value and "#" not in value and ": " not in value
    except yaml.YAMLError:
        return False


def set_current_context(file: Path, name: str) -> None:
    text = file.read_bytes().decode("utf-8-sig")
    atomic_write(file, set_top_level_scalar(text, "current-context", name).encode())
