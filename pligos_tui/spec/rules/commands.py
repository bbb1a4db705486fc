"""Rules of command entries: a known type, and the fields that type needs (an executable runs
`command`, a script runs the service's file `fileName` with its interpreter)."""

from __future__ import annotations

from collections.abc import Iterator

from pligos_tui.errors import Rule, did_you_mean
from pligos_tui.spec.model import Command
from pligos_tui.spec.rules.context import ABSENT, RuleContext
from pligos_tui.spec.rules.registry import Found, rule
from pligos_tui.spec.vocabulary import COMMAND_TYPES

COMMAND_TYPE = Rule("E-COMMAND-TYPE", "a command's type is not executable or script, or does "
                    "not match its fields")


@rule(COMMAND_TYPE)
def command_type(ctx: RuleContext) -> Iterator[Found]:
    for e in ctx.of(Command):
        if e.type == "executable":
            wrong = [k for k in ("fileName", "interpreter") if _wrote(ctx, e, k)]
            if wrong:
                yield Found(e.at + (wrong[0],), f"command {e.name!r} is of type executable but "
                            f"has {wrong[0]}", "set type: script to run a file of the service, "
                            f"or remove {wrong[0]}", key=True)
            if not e.command and not _wrote(ctx, e, "command"):
                yield Found(e.at, f"command {e.name!r} of type executable needs command",
                            'add command: ["/path/to/binary"]', key=True)
        elif e.type == "script":
            if _wrote(ctx, e, "command"):
                yield Found(e.at + ("command",), f"command {e.name!r} is of type script but has "
                            "command", "a script runs fileName with the interpreter; set "
                            "type: executable to run a binary instead", key=True)
            if not e.file_name and not _wrote(ctx, e, "fileName"):
                yield Found(e.at, f"command {e.name!r} of type script needs fileName",
                            "add fileName: script/run.sh (a file of the service)", key=True)
        else:
            yield Found(e.at + ("type",), f"unknown command type {e.type!r}",
                        did_you_mean(e.type, list(COMMAND_TYPES), loose=True)
                        or f"type is {' or '.join(COMMAND_TYPES)}")


def _wrote(ctx: RuleContext, e: Command, key: str) -> bool:
    return ctx.written(e.at + (key,)) is not ABSENT
