"""Rules of the files a service ships: a script command's file and a files mount's files must
be inside the service folder, exist, and fit in a ConfigMap (as a key, and in size)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from pathlib import Path

from pligos_tui.errors import Rule
from pligos_tui.spec.fields import CONFIG_KEY_RE, PATH_OUTSIDE
from pligos_tui.spec.model import Command, Mount
from pligos_tui.spec.rules.context import RuleContext
from pligos_tui.spec.rules.registry import Found, rule

FILE_MISSING = Rule("E-FILE-MISSING", "a file the service names does not exist, is a "
                    "folder where a file is needed, or is not a regular file (a named pipe, "
                    "a socket, a device, a link to nothing)")
FILE_SECRET = Rule("E-FILE-SECRET", "a file of the file provider's secrets folder mounted as a "
                   "plain file (it would ship in a ConfigMap)")
CONFIGMAP_KEY = Rule("E-CONFIGMAP-KEY", "a script or mounted file whose name cannot be a "
                     "ConfigMap key")
FILE_NAME_CLASH = Rule("E-FILE-NAME-CLASH", "two files of one mount with the same name")
FILE_SIZE = Rule("E-FILE-SIZE", "a mounted file larger than a ConfigMap can hold")

# a ConfigMap holds 1 MiB, less room for its own metadata
_CONFIGMAP_BYTES = 1024 * 1024 - 4096
_KEY_HINT = "rename it to letters, digits, '-', '_' and '.'"


@rule(PATH_OUTSIDE)
def outside(ctx: RuleContext) -> Iterator[Found]:
    for ref in ctx.files:
        if ref.outside:
            yield Found(ref.at, f"{ref.what} {ref.outside}",
                        "keep the file inside the service folder")


@rule(FILE_MISSING)
def missing(ctx: RuleContext) -> Iterator[Found]:
    for ref in ctx.files:
        if ref.missing:
            yield Found(ref.at, f"{ref.what} {ref.value!r} does not exist",
                        _near_file(ctx.svc.root, ref.value)
                        or "create it or fix the path (relative to the service folder)")
        elif ref.folder:
            yield Found(ref.at, f"{ref.what} {ref.value!r} is a folder", "name a file")
        elif ref.special:
            yield Found(ref.at, f"{ref.what} {ref.special}",
                        "replace it with the file itself, or move it out of the folder")


@rule(FILE_SECRET)
def secret_files(ctx: RuleContext) -> Iterator[Found]:
    for ref in ctx.files:
        if ref.secret:
            folder = ctx.secret_folder
            inner = Path(ref.secret).relative_to(
                folder.relative_to(ctx.svc.root.resolve())) if folder else Path(ref.secret)
            name = inner.parts[0].split(".")[0] if inner.parts else "NAME"
            yield Found(ref.at, f"{ref.what} {ref.secret} is in the secret provider's folder: "
                        "mounted as a plain file, its secret data would ship in a ConfigMap",
                        f"mount the secret instead, with a mount {{path: ..., secret: {name}}} "
                        "(the provider reads it from that folder)")


@rule(CONFIGMAP_KEY)
def configmap_keys(ctx: RuleContext) -> Iterator[Found]:
    for e in ctx.of(Command):
        if e.type == "script" and e.file_name:
            key = Path(e.file_name).name
            if not CONFIG_KEY_RE.match(key):
                yield Found(e.at + ("fileName",), f"script name {key!r} cannot be a "
                            "ConfigMap key", _KEY_HINT)
    for ref in ctx.files:
        if isinstance(ref.owner, Mount):
            for file in ref.paths:
                if not CONFIG_KEY_RE.match(file.name):
                    yield Found(ref.at, f"file name {file.name!r} cannot be a ConfigMap key",
                                _KEY_HINT)


@rule(FILE_NAME_CLASH)
def same_names(ctx: RuleContext) -> Iterator[Found]:
    for mount in ctx.of(Mount):
        keys: dict[str, str] = {}  # file name -> the listed path it comes from
        for ref in ctx.files:
            if ref.owner is not mount:
                continue
            for file in ref.paths:
                key = file.name
                if CONFIG_KEY_RE.match(key) and key in keys:
                    yield Found(ref.at, f"mount {mount.name!r} has two files named {key!r} "
                                f"({keys[key]} and {ref.value})",
                                "files of one mount land in one folder: rename one or "
                                "split the mount")
                keys[key] = ref.value


@rule(FILE_SIZE)
def size(ctx: RuleContext) -> Iterator[Found]:
    for ref in ctx.files:
        if isinstance(ref.owner, Mount):
            for file in ref.paths:
                if file.stat().st_size > _CONFIGMAP_BYTES:
                    yield Found(ref.at, f"{ref.value} is larger than a ConfigMap can hold "
                                "(1 MiB)", "ship large data in the image or a volume")


def _near_file(root: Path, value: str) -> str:
    """A did-you-mean naming the closest file beside where `value` points ('' when none)."""
    parent = (root / value).parent
    if not parent.is_dir():
        return ""
    names = [p.name for p in parent.iterdir()]
    match = difflib.get_close_matches(Path(value).name, names, n=1, cutoff=0.6)
    if match:
        return f"did you mean {str(Path(value).parent / match[0])!r}?"
    return ""
