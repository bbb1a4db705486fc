"""The `file` secret provider: a git-ignored folder of the service.

Secret `<name>` is either `<name>.yaml` (a mapping of keys to text) or a folder `<name>/`
holding one file per key (the file's name is the key, its bytes are kept exactly).
"""

from __future__ import annotations

import posixpath
import subprocess
from pathlib import Path
from typing import Any

import yaml

from pligos_tui.errors import display_path
from pligos_tui.io.files import atomic_write
from pligos_tui.secrets.data import SecretDataError, check_keys


class _AsWritten(yaml.BaseLoader):
    """Reads a secret file's values as the text written (`007` stays 007, `yes` stays yes,
    `12:30` stays 12:30: YAML's number, boolean and time spellings never change a secret),
    and refuses a key written twice rather than keep the last."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[object, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise _Twice(str(key), key_node.start_mark.line + 1)
            seen[key] = key_node.start_mark.line + 1
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


class _Twice(Exception):
    def __init__(self, key: str, line: int) -> None:
        self.key, self.line = key, line


class FileProvider:
    def __init__(self, root: Path, path: str) -> None:
        self.root = root
        self.folder = root / path
        self.path = path

    def describe(self) -> str:
        return f"the secrets folder {display_path(self.folder)}"

    def get(self, name: str, context: str) -> dict[str, bytes]:
        as_file = self.folder / f"{name}.yaml"
        as_dir = self.folder / name
        if as_dir.is_dir():
            source = display_path(as_dir) + "/"
            data = {}
            for item in sorted(as_dir.iterdir()):
                if item.is_file() and not item.name.startswith(".pligos"):
                    data[item.name] = item.read_bytes()
            if not data:
                raise SecretDataError(f"secret {name!r} ({source}) holds no files",
                                      hint="put one file per key in it", secret=name,
                                      source=source)
            return check_keys(name, data, source)
        if as_file.is_file():
            return check_keys(name, _read_yaml(name, as_file), display_path(as_file))
        raise SecretDataError(f"secret {name!r} not found in {self.describe()} (looked for "
                              f"{display_path(as_file)} and {display_path(as_dir)}/)",
                              hint=f"create {display_path(as_file)} (key: value) or a folder "
                                   f"{display_path(as_dir)}/ with one file per key",
                              secret=name, source=display_path(as_file))


def _read_yaml(name: str, file: Path) -> dict[str, bytes]:
    """The keys of a secret file `<name>.yaml`; errors name the file, line and key only."""
    shown = display_path(file)
    raw = file.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        lines = raw.decode("utf-8", "replace").split("\n")
        raise _unreadable(name, shown, line, lines, "is not UTF-8 text") from None
    try:
        loaded = yaml.load(text, Loader=_AsWritten)
    except _Twice as exc:
        raise SecretDataError(f"{shown}:{exc.line}: secret {name!r} has the key {exc.key!r} "
                              "twice", hint="keep one of them", secret=name,
                              source=shown) from None
    except yaml.reader.ReaderError as exc:  # a raw control character
        line = text.count("\n", 0, exc.position) + 1
        raise _unreadable(name, shown, line, text.split("\n"),
                          "holds a control character that YAML text cannot carry") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise SecretDataError(f"{shown}{where}: secret {name!r} is not a valid YAML mapping",
                              hint="write one key: value per line", secret=name,
                              source=shown) from None
    if not isinstance(loaded, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in loaded.items()):
        raise SecretDataError(f"{shown}: a secret file must be a mapping of keys to text",
                              hint="e.g. password: s3cret", secret=name, source=shown)
    return {k: v.encode() for k, v in loaded.items()}


def _unreadable(name: str, shown: str, line: int, lines: list[str],
                problem: str) -> SecretDataError:
    """The error for line `line` of a secret file: names the key written there (never the
    value), and how to keep such bytes."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    top = ":" in text and not text[:1].isspace()  # a line that starts a top-level key
    key = text.split(":", 1)[0].strip().strip("'\"") if top else ""
    printable = bool(key) and key.isprintable()
    what = f"the value of key {key!r}" if printable else f"line {line}"
    return SecretDataError(f"{shown}:{line}: {what} of secret {name!r} {problem}",
                           hint="write the value in double quotes with such characters escaped, "
                                f"or keep the secret as a folder {name}/ with one file per key "
                                "(its bytes are kept exactly)",
                           secret=name, key=key if printable else "", source=shown)


def ignore_entry(path: str) -> str:
    """The .gitignore line for the secrets folder `path` (relative to the service): the
    folder's normal spelling, anchored at the service (`./secrets`, `x/../secrets` and
    `secrets//.` all become `/secrets/`), with the characters git reads as patterns escaped."""
    normal = posixpath.normpath(path.replace("\\", "/")).strip("/")
    escaped = "".join("\\" + c if c in "\\*?[" else c for c in normal)
    if escaped.endswith(" "):
        escaped = escaped[:-1] + "\\ "
    return "/" + escaped + "/"


def ensure_ignored(root: Path, path: str) -> list[str]:
    """Make the service's .gitignore ignore the secrets folder; return warnings to show."""
    warnings: list[str] = []
    entry = ignore_entry(path)
    normal = entry.strip("/")
    folder = root / normal
    gitignore = root / ".gitignore"
    text = gitignore.read_text() if gitignore.is_file() else ""
    lines = {line.strip() for line in text.splitlines()}
    listed = lines & {entry, entry.rstrip("/"), normal, normal + "/"}
    if not listed and not git_ignored(root, folder):
        sep = "" if not text or text.endswith("\n") else "\n"
        atomic_write(gitignore, (text + sep + "# secrets of the file provider: never commit\n"
                                 + entry + "\n").encode())
        warnings.append(f"added {entry} to {display_path(gitignore)}")
    tracked = git_tracked(root, folder)
    if tracked:
        warnings.append(f"git tracks {len(tracked)} file(s) of the secrets folder "
                        f"{display_path(folder)}: remove them from git "
                        f"(git rm --cached -r {normal}) and rotate those secrets")
    return warnings


def git_ignored(cwd: Path, path: Path) -> bool:
    """Whether git ignores `path` (False outside a repository or without git)."""
    try:
        result = subprocess.run(["git", "check-ignore", "-q", str(path) + "/"], cwd=cwd,
                                capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def git_tracked(cwd: Path, path: Path) -> list[str]:
    """Files below `path` that git tracks ([] when not in a repository or git is missing)."""
    try:
        result = subprocess.run(["git", "ls-files", "--", str(path)], cwd=cwd,
                                capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return result.stdout.split() if result.returncode == 0 else []
