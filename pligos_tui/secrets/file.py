"""The `file` secret provider: a git-ignored folder of the service.

Secret `<name>` is either `<name>.yaml` (a mapping of keys to text) or a folder `<name>/`
holding one file per key (the file's name is the key, its bytes are kept exactly).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from pligos_tui.errors import SecretError, display_path
from pligos_tui.io.files import atomic_write


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
            data = {}
            for item in sorted(as_dir.iterdir()):
                if item.is_file() and not item.name.startswith(".pligos"):
                    data[item.name] = item.read_bytes()
            if not data:
                raise SecretError(f"secret {name!r} ({display_path(as_dir)}) holds no files",
                                  hint="put one file per key in it")
            return data
        if as_file.is_file():
            try:
                loaded = yaml.safe_load(as_file.read_text(encoding="utf-8"))
            except (yaml.YAMLError, UnicodeDecodeError) as exc:
                mark = getattr(exc, "problem_mark", None)
                where = f":{mark.line + 1}" if mark is not None else ""
                raise SecretError(f"{display_path(as_file)}{where}: not a valid YAML mapping",
                                  hint="write one key: value per line") from None
            if not isinstance(loaded, dict) or not all(
                    isinstance(k, str) and isinstance(v, (str, int, float, bool))
                    for k, v in loaded.items()):
                raise SecretError(f"{display_path(as_file)}: a secret file must be a mapping of "
                                  "keys to text", hint="e.g. password: s3cret")
            return {k: (v if isinstance(v, str) else str(v).lower() if isinstance(v, bool)
                        else str(v)).encode() for k, v in loaded.items()}
        raise SecretError(f"secret {name!r} not found in {self.describe()}",
                          hint=f"create {display_path(as_file)} (key: value) or a folder "
                               f"{display_path(as_dir)}/ with one file per key")


def ensure_ignored(root: Path, path: str) -> list[str]:
    """Make the service's .gitignore ignore the secrets folder; return warnings to show."""
    warnings: list[str] = []
    entry = "/" + path.strip("/") + "/"
    gitignore = root / ".gitignore"
    text = gitignore.read_text() if gitignore.is_file() else ""
    lines = {line.strip() for line in text.splitlines()}
    listed = lines & {entry, entry.rstrip("/"), path, path.rstrip("/") + "/", path.strip("/")}
    if not listed and not git_ignored(root, root / path):
        sep = "" if not text or text.endswith("\n") else "\n"
        atomic_write(gitignore, (text + sep + "# secrets of the file provider: never commit\n"
                                 + entry + "\n").encode())
        warnings.append(f"added {entry} to {display_path(gitignore)}")
    tracked = git_tracked(root, root / path)
    if tracked:
        warnings.append(f"git tracks {len(tracked)} file(s) of the secrets folder "
                        f"{display_path(root / path)}: remove them from git "
                        f"(git rm --cached -r {path}) and rotate those secrets")
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
