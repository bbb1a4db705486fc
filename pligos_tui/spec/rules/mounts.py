"""Rules of mount entries: their names and paths, and the settings of each kind (a secret's
name, an absolute hostPath, a volume's size and accessMode, an emptyDir's medium and limit).
The files a files mount lists are checked by :mod:`pligos_tui.spec.rules.files`."""

from __future__ import annotations

from collections.abc import Iterator

from pligos_tui.errors import Rule, did_you_mean
from pligos_tui.spec.fields import (
    NAME_DNS,
    NAME_RESERVED,
    QUANTITY,
    dns_label,
    quantity,
    reserved_mount_name,
)
from pligos_tui.spec.model import Mount
from pligos_tui.spec.rules.context import ABSENT, RuleContext
from pligos_tui.spec.rules.registry import Found, rule
from pligos_tui.spec.vocabulary import ACCESS_MODES, SCRIPTS_MOUNT

PATH_ABSOLUTE = Rule("E-PATH-ABSOLUTE", "a mount's path or hostPath that is not absolute")
MOUNT_EMPTY = Rule("E-MOUNT-EMPTY", "a files mount without files, a secret mount without a "
                   "secret name")
ACCESS_MODE = Rule("E-ACCESS-MODE", "a volume's accessMode is not one Kubernetes has")
EMPTY_DIR_MEDIUM = Rule("E-EMPTYDIR-MEDIUM", "an emptyDir medium other than Memory")


@rule(NAME_DNS)
def mount_names(ctx: RuleContext) -> Iterator[Found]:
    for e in ctx.of(Mount):
        problem = dns_label(e.name) if e.name else None
        if problem:
            yield Found(e.at + ("name",), f"mount name {problem}", "e.g. name: config")


@rule(NAME_RESERVED)
def reserved(ctx: RuleContext) -> Iterator[Found]:
    for e in ctx.of(Mount):
        taken = reserved_mount_name(e.name)
        if taken:
            yield Found(e.at + ("name",), taken, "choose another name")
        if e.path == SCRIPTS_MOUNT or e.path.startswith(SCRIPTS_MOUNT + "/"):
            yield Found(e.at + ("path",), f"{SCRIPTS_MOUNT} is where Pligos mounts scripts",
                        "choose another path")


@rule(PATH_ABSOLUTE)
def absolute_paths(ctx: RuleContext) -> Iterator[Found]:
    for e in ctx.of(Mount):
        if e.path and not e.path.startswith("/"):
            yield Found(e.at + ("path",), f"mount path {e.path!r} must be absolute",
                        f"e.g. path: /{e.path}")
        if e.kind == "hostPath" and not e.host_path.startswith("/"):
            yield Found(e.at + ("hostPath",), f"hostPath {e.host_path!r} must be absolute",
                        "a hostPath is a folder on the node, e.g. /var/lib/app")


@rule(MOUNT_EMPTY)
def empty(ctx: RuleContext) -> Iterator[Found]:
    for e in ctx.of(Mount):
        if e.kind == "files" and not e.files:
            files = ctx.written(e.at + ("files",))
            if files is ABSENT or files in (None, []):
                yield Found(e.at + ("files",), f"mount {e.name!r} lists no files",
                            "files: [config/app.yaml]")
        elif e.kind == "secret" and not e.secret:
            yield Found(e.at + ("secret",), f"mount {e.name!r} needs a secret name")


@rule(QUANTITY)
def sizes(ctx: RuleContext) -> Iterator[Found]:
    for e in ctx.of(Mount):
        size = e.volume.get("size") if e.kind == "volume" else None
        problem = quantity(size) if size else None
        if problem:
            yield Found(e.at + ("volume", "size"), f"volume size {problem}", "e.g. size: 1Gi")
        limit = e.empty_dir.get("sizeLimit") if e.kind == "emptyDir" else None
        problem = quantity(limit) if limit else None
        if problem:
            yield Found(e.at + ("emptyDir", "sizeLimit"), f"sizeLimit {problem}",
                        "e.g. 512Mi")


@rule(ACCESS_MODE)
def access_mode(ctx: RuleContext) -> Iterator[Found]:
    for e in ctx.of(Mount):
        if e.kind == "volume" and e.volume and e.volume["accessMode"] not in ACCESS_MODES:
            mode = e.volume["accessMode"]
            yield Found(e.at + ("volume", "accessMode"), f"unknown accessMode {mode!r}",
                        did_you_mean(mode, list(ACCESS_MODES), loose=True)
                        or f"one of {', '.join(ACCESS_MODES)}")


@rule(EMPTY_DIR_MEDIUM)
def medium(ctx: RuleContext) -> Iterator[Found]:
    for e in ctx.of(Mount):
        if e.kind == "emptyDir" and e.empty_dir and e.empty_dir["medium"] not in ("", "Memory"):
            yield Found(e.at + ("emptyDir", "medium"),
                        f"unknown emptyDir medium {e.empty_dir['medium']!r}",
                        "leave it out (node disk) or write medium: Memory")
