#!/usr/bin/env python3
"""A fuzz campaign of the real command line on mutated copies of the examples.

Each case copies one example service (`examples/hello`, `examples/tokend`, or
`examples/shop/checkout` with its friends library) into a fresh folder, changes its structure
(keys and list items deleted, duplicated, moved; types swapped; odd YAML 1.1 words, huge
numbers, long names, unicode and control characters, anchors and aliases, unknown references,
paths leaving the service; now and then the raw text or a file on disk) and runs `generate`,
then `check --no-lint` and one or two other commands on it. Every command must:

  - exit 0, 1 or 2 (no internal error, no signal), within --timeout seconds;
  - print no Python traceback, and no value of the demo secrets;
  - on exit 2, leave every file and folder of the case as it was (paths, bytes, modes);
  - change nothing at all when it only reads (check, preview, contexts, friends, flavors);
  - right after a successful full `generate`: `check` finds no chart missing or stale, and
    another `generate` exits 0 and changes nothing.

The commands run in-process: each one in a forked child of a warm worker, which calls
`pligos_tui.cli.main(argv)` as `python -m pligos_tui` does, with stdin from /dev/null and
stdout/stderr in files; the child's exit status is the command's. Cases are seeded: case N of
seed S is the same on every run, so `--only N` replays it (and `--also N` adds it to a run,
as a regression case). Failing cases are saved under --out (the case's tree as it was before
its first command, the commands, what failed); each distinct failure (same kind, exit status
and exception, or rule ids and changed paths) is reduced line by line to a small file that
still fails the same way. docs/hardening.md tells more.

    .venv/bin/python benchmarks/fuzz_cli.py --cases 5000 --seed 1 --out /tmp/fuzz
    .venv/bin/python benchmarks/fuzz_cli.py --seed 1 --only 1234 --out /tmp/fuzz

Exit status: 0 when no case failed, 1 when some did (the counts and reproducers say which).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import multiprocessing
import os
import random
import re
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(ROOT))  # the package of this checkout, also without an install

KINDS = ("exit-outside-0-1-2", "hang", "traceback", "write-on-exit-2", "read-only-wrote",
         "check-after-generate", "rerun-changed", "secret-printed")
TRACEBACK = "Traceback (most recent call last)"


# --------------------------------------------------------------------------- the examples

@dataclass(frozen=True)
class Source:
    name: str
    parts: tuple[str, ...]  # folders of examples/ copied into the case
    service: str  # the service folder, relative to the case
    documents: tuple[str, ...]  # the YAML files a case may mutate (pligos.yaml first)


SOURCES = (
    Source("hello", ("hello",), "hello", ("hello/pligos.yaml",)),
    Source("tokend", ("tokend",), "tokend", ("tokend/pligos.yaml",)),
    Source("checkout", ("shop/checkout", "shop/friends", "shop/friend-charts"), "shop/checkout",
           ("shop/checkout/pligos.yaml", "shop/friends/postgres.yaml",
            "shop/friends/redis.yaml")),
)
WEIGHTS = (1, 2, 2)


def make_template(dest: Path) -> None:
    """The examples as a case starts from: no charts, the shop's demo secrets written."""
    for source in SOURCES:
        for part in source.parts:
            shutil.copytree(EXAMPLES / part, dest / part, symlinks=True,
                            ignore=shutil.ignore_patterns("charts", "secrets", ".gitignore"))
    shutil.copy(EXAMPLES / "shop" / "make-demo-secrets.py", dest / "shop")
    subprocess.run([sys.executable, str(dest / "shop" / "make-demo-secrets.py")], check=True,
                   stdout=subprocess.DEVNULL)
    shutil.rmtree(dest / "shop" / "catalog", ignore_errors=True)


def secret_values(template: Path) -> list[str]:
    """The demo secrets' values (the lines of the key files, the passwords of the YAML ones),
    to look for in what the commands print."""
    found: list[str] = []
    for path in sorted(template.glob("**/secrets/**/*")):
        if not path.is_file():
            continue
        for line in path.read_text().splitlines():
            key, _, value = line.rpartition(": ")
            if path.suffix == ".yaml" and "password" not in key:
                continue  # a registry's address or user name is no secret
            if len(value) >= 8 and not value.startswith("-----") and value not in found:
                found.append(value)
    return found


# --------------------------------------------------------------------------- a YAML tree

class Raw(str):
    """A scalar written exactly as it is (`0755`, `*alias`, `!!binary aGk=`)."""


class Map(list):
    """A mapping as a list of [key, value] pairs: keys may repeat or be of any type."""


class Seq(list):
    pass


class Anchor(list):
    """[name, node]: the node written with `&name`."""


class Flow(list):
    """[node]: the node written in flow style on one line."""


def to_tree(data: Any) -> Any:
    if isinstance(data, dict):
        return Map([[k, to_tree(v)] for k, v in data.items()])
    if isinstance(data, list):
        return Seq(to_tree(v) for v in data)
    return data


_RESOLVER = yaml.resolver.Resolver()
_PLAIN = re.compile(r"[A-Za-z0-9_./][A-Za-z0-9_ ./-]*")


def scalar(value: Any) -> str:
    if isinstance(value, Raw):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return ".nan"
        return {float("inf"): ".inf", float("-inf"): "-.inf"}.get(value, repr(value))
    text = str(value)
    if (_PLAIN.fullmatch(text) and not text.endswith(" ")
            and _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == yaml.resolver.
            BaseResolver.DEFAULT_SCALAR_TAG):
        return text
    return json.dumps(text, ensure_ascii=not text.isprintable())


def flow(node: Any) -> str:
    if isinstance(node, Anchor):
        return f"&{node[0]} {flow(node[1])}"
    if isinstance(node, Flow):
        return flow(node[0])
    if isinstance(node, Map):
        return "{" + ", ".join(f"{flow(k)}: {flow(v)}" for k, v in node) + "}"
    if isinstance(node, Seq):
        return "[" + ", ".join(flow(v) for v in node) + "]"
    return scalar(node)


def _inline(node: Any) -> str | None:
    if isinstance(node, Flow) or (isinstance(node, (Map, Seq)) and not node):
        return flow(node)
    if isinstance(node, (Map, Seq, Anchor)):
        return None
    return scalar(node)


def _entry(prefix: str, node: Any, indent: int) -> list[str]:
    pad, anchor = " " * indent, ""
    if isinstance(node, Anchor):
        anchor, node = f" &{node[0]}", node[1]
    text = _inline(node)
    if text is not None:
        return [f"{pad}{prefix}{anchor} {text}"]
    if isinstance(node, Map) and prefix == "-" and not anchor:
        lines = block(node, indent + 2)
        return [f"{pad}- {lines[0].lstrip(' ')}", *lines[1:]]
    return [f"{pad}{prefix}{anchor}", *block(node, indent + 2)]


def block(node: Any, indent: int = 0) -> list[str]:
    lines: list[str] = []
    if isinstance(node, Map):
        for key, value in node:
            lines += _entry(f"{flow(key)}:", value, indent)
    elif isinstance(node, Seq):
        for item in node:
            lines += _entry("-", item, indent)
    else:
        lines.append(" " * indent + (_inline(node) or flow(node)))
    return lines


def emit(root: Any) -> str:
    return "\n".join(block(root)) + "\n"


@dataclass
class Slot:
    """Where a node sits: holder[index] (a pair, a Seq, an Anchor or Flow, or the top)."""

    holder: list
    index: int
    path: str

    def get(self) -> Any:
        return self.holder[self.index]

    def set(self, value: Any) -> None:
        self.holder[self.index] = value


def slots(top: list) -> list[Slot]:
    """Every value slot of the tree below top[0], in document order."""
    found: list[Slot] = []

    def walk(holder: list, index: int, path: str) -> None:
        found.append(Slot(holder, index, path))
        node = holder[index]
        if isinstance(node, Map):
            for pair in node:
                walk(pair, 1, f"{path}.{pair[0]}")
        elif isinstance(node, Seq):
            for i in range(len(node)):
                walk(node, i, f"{path}[{i}]")
        elif isinstance(node, (Anchor, Flow)):
            walk(node, len(node) - 1, path)

    walk(top, 0, "")
    return found


def containers(top: list, kind: type) -> list[Any]:
    return [s.get() for s in slots(top) if type(s.get()) is kind]


# --------------------------------------------------------------------------- mutations

ODD_WORDS = ["0755", "012", "12:30", "1:20:30", "1_000", "0x10", "0o17", "0b101", "yes", "no",
             "on", "off", "y", "n", "Yes", "NO", "~", "+12", "1e3", ".5", "-.inf", ".NaN",
             "2001-12-14", "2001-12-14t21:59:43.10-05:00", "!!binary aGVsbG8=", "!!str 1",
             "!!int \"x\"", "!!float abc", "!!set {a: null}", "!!omap [a: 1]", "!custom x",
             "!!python/name:os.system", "!!python/object/apply:os.getcwd []", "!!null ''",
             "=", "<<", "'it''s'", "\"\\x41\"", "|\n  block text", ">-\n  folded", "*nowhere"]
LONG = ["a" * 300, "é" * 150, "x" + "-y" * 150, "A" * 300, "1" * 300, "/" + "d/" * 150]
UNICODE = ["日本語", "🚀🚀", "a\u0301", "\u202eevil", "Ω", "\ufeffbom", "\u00a0", "ﬁle", "ǅ"]
CONTROL = ["a\x00b", "\x1b[31mred", "\t", "a\nb", "\r", "\x07", "\x7f", "a\x85b", "\u2028"]
PATHS = ["../../../../etc/passwd", "/etc/passwd", "config/../../outside", "..", ".", "/", "",
         "~/x", "config/", "config//app.yaml", "./config/app.yaml", "../friends", "/dev/zero",
         "/proc/self/environ", "config/\x00x", "charts", "../" * 20 + "tmp", "C:\\x", "-rf"]
NUMBERS = [0, -1, 1, 10**6, 2**31, 2**31 - 1, 2**63, 2**64, -2**63, 10**30, 1e308, 0.5, -0.0,
           float("inf"), float("nan"), 65536, 65535, 3.0]
TEMPLATES = ["{{ .Release.Name }}", "{{ fail \"boom\" }}", "{{", "}}", "{{- /* x */ -}}", "$(id)"]
NAMES = ["nope", "Nope", "dev", "prod", "http", "release", "config", "common", "small",
         "postgres", "redis", "webservice", "worker", "cronjob", "default", "charts",
         "../evil", "a/b", "UPPER", "with space", "-lead", "trail-", "a.b", "x" * 64]
WORDS = ["name", "image", "images", "routes", "contexts", "extends", "flavor", "friends",
         "values", "files", "env", "mounts", "probe", "command", "commands", "replicas",
         "schedule", "port", "pligos", "secrets", "current-context", "nme", "Name", "unknown"]
REFS = ["image", "command", "probe", "routes", "mounts", "env", "resources", "friends",
        "extends", "flavor", "pullSecret", "tls"]
PATH_KEYS = ("files", "fileName", "hostPath", "friendsLibrary", "path", "flavorPaths",
             "interpreter", "repository", "chart")


def any_value(rng: random.Random) -> Any:
    pool = rng.choice([ODD_WORDS, LONG, UNICODE, CONTROL, PATHS, NUMBERS, TEMPLATES, NAMES,
                       [None, True, False, "", " ", "null", "true", "0", "-"]])
    value = rng.choice(pool)
    return Raw(value) if pool is ODD_WORDS else value


def swapped(rng: random.Random, node: Any) -> Any:
    """The node as another type: scalar <-> list <-> mapping, or another scalar type."""
    if isinstance(node, Map):
        return rng.choice([Seq(v for _, v in node), Seq([node]), node[0][1] if node else None,
                           "text", 1])
    if isinstance(node, Seq):
        return rng.choice([Map([[f"k{i}", v] for i, v in enumerate(node)]),
                           node[0] if node else None, Seq([node]), "text", True])
    return rng.choice([Seq([node]), Map([[node if node is not None else "k", node]]),
                       str(node), 0, 1.5, None, True, Raw(str(node))])


def _pick(rng: random.Random, items: list) -> Any:
    return rng.choice(items) if items else None


def m_delete_key(rng: random.Random, top: list) -> str:
    target = _pick(rng, [m for m in containers(top, Map) if m])
    if target is None:
        return "nothing to delete"
    key = target.pop(rng.randrange(len(target)))[0]
    return f"delete key {key!r}"


def m_duplicate_key(rng: random.Random, top: list) -> str:
    target = _pick(rng, [m for m in containers(top, Map) if m])
    if target is None:
        return "no mapping"
    i = rng.randrange(len(target))
    key, value = target[i]
    copy = [key, rng.choice([value, any_value(rng), clone(value)])]
    target.insert(rng.randrange(len(target) + 1), copy)
    return f"duplicate key {key!r}"


def m_move_key(rng: random.Random, top: list) -> str:
    maps = containers(top, Map)
    source = _pick(rng, [m for m in maps if m])
    if source is None:
        return "no mapping"
    pair = source.pop(rng.randrange(len(source)))
    dest = rng.choice(maps)
    dest.insert(rng.randrange(len(dest) + 1), pair)
    return f"move key {pair[0]!r}"


def m_rename_key(rng: random.Random, top: list) -> str:
    target = _pick(rng, [m for m in containers(top, Map) if m])
    if target is None:
        return "no mapping"
    pair = rng.choice(target)
    old = pair[0]
    pair[0] = rng.choice([rng.choice(WORDS), rng.choice(WORDS), any_value(rng), 1, None, True,
                          Flow([Seq(["a", "b"])]), Flow([Map([["a", 1]])]), str(old).upper()])
    return f"rename key {old!r} to {pair[0]!r}"


def m_list_item(rng: random.Random, top: list) -> str:
    seqs = containers(top, Seq)
    target = _pick(rng, [s for s in seqs if s])
    if target is None:
        return "no list"
    i = rng.randrange(len(target))
    action = rng.choice(["delete", "duplicate", "move", "reverse"])
    if action == "delete":
        del target[i]
    elif action == "duplicate":
        target.insert(i, clone(target[i]))
    elif action == "move":
        item = target.pop(i)
        dest = rng.choice(seqs)
        dest.insert(rng.randrange(len(dest) + 1), item)
    else:
        target.reverse()
    return f"{action} list item {i}"


def m_swap_type(rng: random.Random, top: list) -> str:
    slot = rng.choice(slots(top)[1:] or slots(top))
    slot.set(swapped(rng, slot.get()))
    return f"swap type at {slot.path}"


def m_value(rng: random.Random, top: list) -> str:
    leaves = [s for s in slots(top) if not isinstance(s.get(), (Map, Seq, Anchor, Flow))]
    slot = _pick(rng, leaves) or rng.choice(slots(top))
    slot.set(any_value(rng))
    return f"value at {slot.path} = {slot.get()!r:.60}"


def m_alias(rng: random.Random, top: list) -> str:
    every = slots(top)[1:]
    if len(every) < 2:
        return "too small"
    anchored = rng.choice(every)
    anchored.set(Anchor(["a1", anchored.get()]))
    every = slots(top)[1:]
    at = next(i for i, s in enumerate(every)
              if s.holder is anchored.holder and s.index == anchored.index)
    later = every[at + len(slots([anchored.get()])):]
    if rng.random() < 0.3:
        rng.choice(containers(top, Map) or [Map()]).append([Raw("<<"), Raw("*a1")])
        return f"merge key <<: *a1 of {anchored.path}"
    # mostly an alias after the anchor; now and then one before it, or inside it (a cycle)
    target = rng.choice(later if later and rng.random() < 0.8 else every)
    target.set(Raw("*a1"))
    return f"alias *a1 of {anchored.path} at {target.path}"


def m_reference(rng: random.Random, top: list) -> str:
    contexts = [s.get() for s in slots(top) if s.path.startswith(".contexts[")
                and s.path.count("[") == 1 and s.path.endswith("]") and isinstance(s.get(), Map)]
    if not contexts:
        return m_value(rng, top)
    context = rng.choice(contexts)
    key = rng.choice(REFS)
    value = rng.choice([rng.choice(NAMES), Seq([rng.choice(NAMES)]),
                        Seq([rng.choice(NAMES), rng.choice(NAMES)]), any_value(rng)])
    if key == "extends" and rng.random() < 0.5:  # itself, or a cycle through another one
        names = [v for c in contexts for k, v in c if k == "name"]
        value = rng.choice(names) if names else "dev"
        for other in contexts:
            other.append(["extends", rng.choice(names or ["dev"])])
    context.append([key, value])
    return f"context reference {key} = {value!r:.60}"


def m_path(rng: random.Random, top: list) -> str:
    hits = [s for s in slots(top) if any(s.path.rsplit(".", 1)[-1].startswith(k)
                                         for k in PATH_KEYS)]
    slot = _pick(rng, hits)
    value = rng.choice(PATHS)
    if slot is None:
        mounts = containers(top, Map)
        if not mounts:
            return "no mapping"
        rng.choice(mounts).append(["files", Seq([value])])
        return f"add files: [{value!r}]"
    node = slot.get()
    if isinstance(node, Seq) and node:
        node[rng.randrange(len(node))] = value
    else:
        slot.set(rng.choice([value, Seq([value])]))
    return f"path at {slot.path} = {value!r}"


def m_deep(rng: random.Random, top: list) -> str:
    slot = rng.choice(slots(top))
    node, depth = slot.get(), rng.choice([10, 40, 70, 200])
    for _ in range(depth):
        node = Seq([node]) if rng.random() < 0.5 else Map([["k", node]])
    slot.set(Flow([node]) if depth > 70 else node)
    return f"nest {depth} deep at {slot.path}"


def m_document(rng: random.Random, top: list) -> str:
    top[0] = rng.choice([None, "", Seq([]), Map([]), 1, "pligos", Seq([top[0]]), Raw("---"),
                         Map([["pligos", 1]]), Map([["pligos", 1], ["name", "x"]])])
    return f"document = {flow(top[0])[:40]}"


def m_same_type(rng: random.Random, top: list) -> str:
    """A leaf changed to an odd value of its own type: it passes the type checks."""
    leaves = [s for s in slots(top) if isinstance(s.get(), (bool, int, float, str))]
    slot = _pick(rng, leaves)
    if slot is None:
        return m_value(rng, top)
    old = slot.get()
    if isinstance(old, bool):
        slot.set(not old)
    elif isinstance(old, (int, float)):
        slot.set(rng.choice([n for n in NUMBERS if isinstance(n, type(old))] or [0]))
    else:
        pool = rng.choice([LONG, UNICODE, CONTROL, TEMPLATES, NAMES, PATHS, ODD_TEXT])
        value = rng.choice(pool)
        slot.set(rng.choice([value, old + value, value + old]))
    return f"same-type value at {slot.path} = {slot.get()!r:.60}"


ODD_TEXT = ["0755", "12:30", "1_000", "0x10", "yes", "no", "on", "null", "~", "1e3", "true",
            "-", "#", "'", '"', "\\", "key: value", "- item", "&a", "*a", "!tag", "%", "@",
            "`", "|", ">", "\n", " lead", "trail ", "", " "]


def m_rename_entry(rng: random.Random, top: list) -> str:
    """An entry renamed together with every reference to it: still consistent."""
    named = [m for m in containers(top, Map) for k, v in m if k == "name" and isinstance(v, str)]
    target = _pick(rng, named)
    if target is None:
        return m_value(rng, top)
    old = next(v for k, v in target if k == "name")
    new = rng.choice([rng.choice(LONG), rng.choice(UNICODE), rng.choice(NAMES),
                      rng.choice(ODD_TEXT), old.upper(), old + "-" + "x" * 50, old * 2])
    count = 0
    for slot in slots(top):
        if slot.get() == old and not isinstance(slot.get(), Raw):
            slot.set(new)
            count += 1
    return f"rename {old!r} to {new!r:.60} ({count} places)"


def m_add_variables(rng: random.Random, top: list) -> str:
    """Environment variables (or config values) of odd names and values."""
    maps = [v for m in containers(top, Map) for k, v in m
            if k in ("variables", "values", "config", "requests", "limits")
            and isinstance(v, Map)]
    target = _pick(rng, maps)
    if target is None:
        return m_value(rng, top)
    for _ in range(rng.randint(1, 3)):
        key = rng.choice(["LOG_LEVEL", "X", "lower_case", "1ABC", "A-B", "A" * 300, "PATH",
                          rng.choice(ODD_TEXT), rng.choice(UNICODE), "__proto__", "K"])
        target.append([key, rng.choice([any_value(rng), rng.choice(ODD_TEXT), swapped(
            rng, "v"), rng.choice(NUMBERS), Raw(rng.choice(ODD_WORDS[:26]))])])
    return "odd variables/values"


def m_copy_context(rng: random.Random, top: list) -> str:
    """Another context: a copy of one under a new (maybe odd) name."""
    lists = [v for m in containers(top, Map) for k, v in m
             if k in ("contexts", "routes", "mounts", "images", "env", "friends", "commands")
             and isinstance(v, Seq) and v]
    target = _pick(rng, lists)
    if target is None:
        return m_value(rng, top)
    copy = clone(rng.choice(target))
    name = rng.choice([rng.choice(NAMES), rng.choice(LONG)[:63], "ctx" + str(rng.randrange(9)),
                       rng.choice(UNICODE)])
    if isinstance(copy, Map):
        copy = Map([[k, name if k == "name" else v] for k, v in copy])
    target.insert(rng.randrange(len(target) + 1), copy)
    return f"copy list item as {name!r:.40}"


GENTLE = [(m_same_type, 6), (m_rename_entry, 3), (m_add_variables, 3), (m_copy_context, 3),
          (m_list_item, 2), (m_delete_key, 2), (m_move_key, 1)]
STRUCTURAL = [(m_delete_key, 4), (m_duplicate_key, 2), (m_move_key, 2), (m_rename_key, 2),
              (m_list_item, 4), (m_swap_type, 5), (m_value, 6), (m_alias, 2),
              (m_reference, 4), (m_path, 3), (m_deep, 1), (m_document, 1)]


def clone(node: Any) -> Any:
    if isinstance(node, (Map, Seq, Anchor, Flow)):
        return type(node)(clone(v) for v in node)
    if isinstance(node, list):
        return [clone(v) for v in node]
    return node


def text_mutation(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """A change of the file's bytes: what no YAML tree can say."""
    lines = data.split(b"\n")
    i = rng.randrange(len(lines))
    action = rng.choice(["control", "truncate", "tab", "crlf", "bom", "utf16", "bad-utf8",
                         "drop-line", "dup-line", "swap-lines", "second-document", "huge"])
    if action == "control":
        char = rng.choice(["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u2028", "\ufeff", "\x0c"])
        pos = rng.randrange(len(data) + 1)
        data = data[:pos] + char.encode() + data[pos:]
    elif action == "truncate":
        data = data[:rng.randrange(len(data) + 1)]
    elif action == "tab":
        lines[i] = b"\t" + lines[i].lstrip(b" ")
        data = b"\n".join(lines)
    elif action == "crlf":
        data = data.replace(b"\n", b"\r\n")
    elif action == "bom":
        data = b"\xef\xbb\xbf" + data
    elif action == "utf16":
        data = data.decode("utf-8", "replace").encode("utf-16")
    elif action == "bad-utf8":
        pos = rng.randrange(len(data) + 1)
        data = data[:pos] + rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80"]) + data[pos:]
    elif action in ("drop-line", "dup-line", "swap-lines"):
        j = rng.randrange(len(lines))
        if action == "drop-line":
            del lines[i]
        elif action == "dup-line":
            lines.insert(i, lines[i])
        else:
            lines[i], lines[j] = lines[j], lines[i]
        data = b"\n".join(lines)
    elif action == "second-document":
        data = data + b"---\n" + data
    else:
        data = data + b"# " + b"x" * rng.choice([1024 * 1024, 4096]) + b"\n"
    return data, f"text: {action}"


def disk_mutation(rng: random.Random, case: Path, source: Source) -> str:
    """A change of the service's folder itself: a file it names missing, a folder, a link."""
    svc = case / source.service
    files = sorted(p for p in svc.rglob("*") if p.is_file() and p.name != "pligos.yaml"
                   and "secrets" not in p.parts)
    action = rng.choice(["missing", "dir", "link-out", "link-loop", "empty", "foreign-chart",
                         "charts-file", "yaml-dir"])
    target = rng.choice(files) if files else svc / "config" / "app.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    if action in ("missing", "dir", "link-out", "link-loop", "empty") and target.exists():
        target.unlink()
    if action == "dir":
        target.mkdir(parents=True)
    elif action == "link-out":
        target.symlink_to("/etc/passwd")
    elif action == "link-loop":
        target.symlink_to(target.name)
    elif action == "empty":
        target.write_bytes(b"")
    elif action == "foreign-chart":
        (svc / "charts" / "dev" / svc.name).mkdir(parents=True)
        (svc / "charts" / "dev" / svc.name / "notes.txt").write_text("mine\n")
    elif action == "charts-file":
        (svc / "charts").write_text("not a folder\n")
    elif action == "yaml-dir":
        (svc / "pligos.yaml").unlink()
        (svc / "pligos.yaml").mkdir()
        return "disk: pligos.yaml is a folder"
    return f"disk: {action} {target.relative_to(case)}"


# --------------------------------------------------------------------------- one case

@dataclass
class Case:
    index: int
    source: str
    document: str
    mutations: list[str]
    commands: list[list[str]]


def build_case(seed: int, index: int, template: Path, dest: Path) -> Case:
    """Case `index` of `seed`, written to dest: always the same for the same two numbers."""
    rng = random.Random(f"pligos-fuzz-cli/{seed}/{index}")
    source = rng.choices(SOURCES, WEIGHTS)[0]
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for part in source.parts:
        shutil.copytree(template / part, dest / part, symlinks=True)
    document = source.documents[0] if rng.random() < 0.75 else rng.choice(source.documents)
    top = [to_tree(yaml.safe_load((template / document).read_text()))]
    gentle = rng.random() < 0.4  # mostly still valid: what the charts are made from
    funcs, weights = zip(*(GENTLE if gentle else STRUCTURAL))
    mutations = [rng.choices(funcs, weights)[0](rng, top)
                 for _ in range(rng.choice([1, 1, 2] if gentle else [1, 1, 1, 2, 2, 3, 4]))]
    data = emit(top[0]).encode("utf-8", "surrogatepass")
    if not gentle and rng.random() < 0.15:
        data, what = text_mutation(rng, data)
        mutations.append(what)
    (dest / document).write_bytes(data)
    if rng.random() < 0.06:
        mutations.append(disk_mutation(rng, dest, source))
    return Case(index, source.name, document, mutations, commands_for(rng, source.service))


def commands_for(rng: random.Random, svc: str) -> list[list[str]]:
    context = rng.choice(["dev", "prod", "staging", "janitor", "nope", "../x", ""])
    extras = [["preview", "--values", svc], ["preview", "--files", svc], ["contexts", svc],
              ["contexts", "--json", svc], ["friends", svc], ["friends", "--json", svc],
              ["generate", "--json", svc], ["generate", svc, "--context", context],
              ["preview", "--values", svc, "--context", context], ["flavors", svc],
              ["use-context", context, svc], ["codegen", svc, "--lang", "python"],
              ["check", "--no-lint", "--json", svc], ["generate", svc]]
    return [["generate", svc], ["check", "--no-lint", svc],
            *rng.sample(extras, rng.choice([1, 2]))]


# --------------------------------------------------------------------------- running the CLI

@dataclass
class Outcome:
    code: int  # the exit status, or -N for a signal
    out: str
    err: str
    seconds: float
    hung: bool


def _child(argv: list[str], cwd: Path, out: int, err: int, debug: bool) -> int:
    os.setpgid(0, 0)
    os.chdir(cwd)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(err, 2)
    # streams of their own on the three descriptors, as a new interpreter has (the worker's
    # may be anything, such as a test runner's capture)
    sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace",  # noqa: SIM115
                      closefd=False)
    os.environ.pop("PLIGOS_DEBUG", None)
    if debug:
        os.environ["PLIGOS_DEBUG"] = "1"
    resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))
    resource.setrlimit(resource.RLIMIT_FSIZE, (256 << 20, 256 << 20))
    from pligos_tui.cli import main

    try:  # what `python -m pligos_tui` does with main()'s result
        code = main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
        if not isinstance(exc.code, int | None):
            print(exc.code, file=sys.stderr)
    except BaseException:
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    return code


def run_cli(argv: list[str], cwd: Path, scratch: Path, timeout: float,
            debug: bool = False) -> Outcome:
    """One command of the real CLI in a forked child; killed (a hang) after `timeout`."""
    out_path, err_path = scratch / "stdout", scratch / "stderr"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        sys.stdout.flush()
        sys.stderr.flush()
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            code = 70
            try:
                code = _child(argv, cwd, out.fileno(), err.fileno(), debug)
            finally:
                os._exit(code & 0xFF)
    pidfd = os.pidfd_open(pid)
    ready, _, _ = select.select([pidfd], [], [], timeout)
    hung = not ready
    if hung:
        os.killpg(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    os.close(pidfd)
    try:
        os.killpg(pid, signal.SIGKILL)  # whatever it started and left behind
    except (ProcessLookupError, PermissionError):
        pass
    return Outcome(os.waitstatus_to_exitcode(status),
                   out_path.read_bytes().decode("utf-8", "replace"),
                   err_path.read_bytes().decode("utf-8", "replace"),
                   time.monotonic() - started, hung)


def snapshot(root: Path) -> dict[str, tuple]:
    """Every path below root with its type, mode and bytes (or link target)."""
    found: dict[str, tuple] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder, name)
            st = path.lstat()
            rel = str(path.relative_to(root))
            if path.is_symlink():
                found[rel] = ("link", os.readlink(path))
            elif path.is_dir():
                found[rel] = ("dir", st.st_mode)
            else:
                found[rel] = ("file", st.st_mode, hashlib.blake2b(path.read_bytes()).hexdigest())
    return found


def changes(before: dict[str, tuple], after: dict[str, tuple]) -> list[str]:
    return sorted([f"+{p}" for p in after.keys() - before.keys()]
                  + [f"-{p}" for p in before.keys() - after.keys()]
                  + [f"~{p}" for p in before.keys() & after.keys() if before[p] != after[p]])


# --------------------------------------------------------------------------- judging

@dataclass
class Failure:
    kind: str
    command: list[str]
    step: int  # which command of the case (0: the first generate)
    code: int
    signature: str
    detail: str
    index: int = 0


_INTERNAL = re.compile(r"internal error: ([\w.]+): ?(.*)")
_FRAME = re.compile(r'File "[^"]*?(pligos_tui/[^"]+)", line (\d+), in (\S+)')
_RULE = re.compile(r"\((E-[A-Z0-9-]+|W-[A-Z0-9-]+)\)")


def exception_of(text: str) -> str:
    """`Type @ module:function` of a traceback (innermost pligos_tui frame) or an internal
    error line; '' when there is neither."""
    frames = _FRAME.findall(text)
    where = f" @ {frames[-1][0]}:{frames[-1][2]}" if frames else ""
    if TRACEBACK in text:
        last = [ln for ln in text.strip().splitlines() if ln and not ln.startswith(" ")][-1]
        return last.split(":", 1)[0] + where
    match = _INTERNAL.search(text)
    return match.group(1) + where if match else ""


# what `check` finds about the charts themselves: none of it right after a generate (its
# other findings, a secret-looking value or a lint message, generate does not look for)
CHART_FINDINGS = ("missing", "stale", "modified", "foreign", "orphaned", "secret-permissions")
_FINDING = re.compile(r"^\S.*?: (" + "|".join(CHART_FINDINGS) + r"): ", re.MULTILINE)


def chart_findings(out: str) -> list[str]:
    """The chart findings in what `check` printed (as text or as --json)."""
    try:
        found = [f.get("kind", "") for f in json.loads(out) if isinstance(f, dict)]
    except (ValueError, TypeError, AttributeError):
        found = _FINDING.findall(out)
    return sorted({kind for kind in found if kind in CHART_FINDINGS})


READ_ONLY = ("check", "preview", "contexts", "friends", "flavors")


def full_generate(argv: list[str]) -> bool:
    return argv[0] == "generate" and "--context" not in argv


def judge(case: Case, step: int, argv: list[str], result: Outcome, changed: list[str],
          debug: Outcome | None, fresh: bool, secrets: list[str]) -> list[Failure]:
    """What is wrong with one command's outcome; `fresh`: a full generate succeeded before
    it, and nothing changed the tree since."""
    verb = argv[0]
    found: list[Failure] = []
    text = result.out + result.err
    exc = exception_of(debug.out + debug.err if debug else "") or exception_of(text)
    pattern = ",".join(sorted({re.sub(r"\d+", "N", c) for c in changed}))[:120]

    def add(kind: str, key: str, detail: str) -> None:
        found.append(Failure(kind, argv, step, result.code, f"{kind} | {key}", detail,
                             case.index))

    leaked = [v[:4] + "..." for v in secrets if v in text]
    if leaked:
        add("secret-printed", "", f"printed secret values {leaked}")
    if result.hung:
        add("hang", "", f"no exit within the timeout ({result.seconds:.1f} s)")
        return found
    if result.code not in (0, 1, 2):
        add("exit-outside-0-1-2", f"exit {result.code} | {exc}",
            (_INTERNAL.search(text) or re.search(".*", result.err)).group(0)[:300])
    if TRACEBACK in text:
        add("traceback", exc, text[text.index(TRACEBACK):][-1500:])
    if result.code == 2 and changed:
        rules = ",".join(sorted(set(_RULE.findall(result.err))))
        add("write-on-exit-2", f"{rules} | {pattern}",
            f"changed: {changed[:10]}\nstderr: {result.err[:600]}")
    elif verb in READ_ONLY and changed:
        add("read-only-wrote", pattern, f"changed: {changed[:10]}\noutput: {text[:600]}")
    stale = chart_findings(result.out) if result.code == 1 else []
    if fresh and verb == "check" and (result.code not in (0, 1) or stale):
        add("check-after-generate", f"exit {result.code} | {','.join(stale)} | "
            f"{_first_error(text) if not stale else ''}", text[:600])
    if fresh and full_generate(argv) and (result.code != 0 or changed):
        add("rerun-changed", f"exit {result.code} | {pattern}",
            f"changed: {changed[:10]}\noutput: {text[:600]}")
    return found


# --------------------------------------------------------------------------- the worker

class Runner:
    """Runs cases in one worker: its own scratch folder, one case at a time."""

    def __init__(self, seed: int, template: Path, work: Path, timeout: float) -> None:
        self.seed, self.template, self.timeout = seed, template, timeout
        self.work = work
        self.work.mkdir(parents=True, exist_ok=True)
        self.secrets = secret_values(template)
        _warm()

    def run(self, index: int) -> dict[str, Any]:
        case_dir = self.work / "case"
        case = build_case(self.seed, index, self.template, case_dir)
        return self.replay(case, case_dir)

    def replay(self, case: Case, case_dir: Path, stop: int | None = None) -> dict[str, Any]:
        failures: list[Failure] = []
        codes: list[int] = []
        seconds: list[float] = []
        fresh = False
        for step, argv in enumerate(case.commands[:None if stop is None else stop + 1]):
            before = snapshot(case_dir)
            result = run_cli(argv, case_dir, self.work, self.timeout)
            changed = changes(before, snapshot(case_dir))
            debug = None
            if (result.code not in (0, 1, 2) or TRACEBACK in result.out + result.err) \
                    and not result.hung:
                debug = run_cli(argv, case_dir, self.work, self.timeout, debug=True)
            codes.append(result.code)
            seconds.append(round(result.seconds, 3))
            failures += judge(case, step, argv, result, changed, debug, fresh, self.secrets)
            if full_generate(argv) and result.code == 0:
                fresh = True
            elif changed:
                fresh = False
        return {"index": case.index, "source": case.source, "mutations": case.mutations,
                "commands": case.commands, "codes": codes, "seconds": seconds,
                "failures": [asdict(f) for f in failures]}


def _first_error(text: str) -> str:
    line = next((ln for ln in text.splitlines() if ln.strip()), "")
    return re.sub(r"\d+", "N", re.sub(r"'[^']*'", "'…'", line.split(": ", 1)[-1]))[:100]


WARM = ("pligos_tui.cli", "pligos_tui.cli_report", "pligos_tui.codegen", "pligos_tui.jobs.check",
        "pligos_tui.jobs.edits", "pligos_tui.jobs.generate", "pligos_tui.jobs.render",
        "pligos_tui.jobs.reports", "pligos_tui.io.roundtrip", "difflib", "jsonschema")


def _warm() -> None:
    """Import what the commands import when they run, once, before the children fork."""
    for name in WARM:
        importlib.import_module(name)


_RUNNER: Runner | None = None


def _init_worker(seed: int, template: Path, work: Path, timeout: float) -> None:
    global _RUNNER
    _RUNNER = Runner(seed, template, work / f"worker-{os.getpid()}", timeout)


def _run_one(index: int) -> dict[str, Any]:
    assert _RUNNER is not None
    return _RUNNER.run(index)


# --------------------------------------------------------------------------- reproducers

def save_case(seed: int, index: int, template: Path, out: Path, result: dict) -> Path:
    folder = out / "cases" / f"case-{index:05d}"
    tree = folder / "tree"
    case = build_case(seed, index, template, tree)
    (folder / "case.json").write_text(json.dumps(
        {"seed": seed, "index": index, **result, "document": case.document,
         "replay": f"benchmarks/fuzz_cli.py --seed {seed} --only {index} --out DIR"},
        indent=2, ensure_ascii=False) + "\n")
    return folder


def reduce_case(runner: Runner, seed: int, failure: dict, out: Path, budget: int) -> Path:
    """Delete lines of the mutated document while the case still fails the same way."""
    index = failure["index"]
    case = build_case(seed, index, runner.template, runner.work / "pristine")
    target = runner.work / "pristine" / case.document
    lines = target.read_bytes().split(b"\n") if target.is_file() else []

    def still_fails(candidate: list[bytes]) -> bool:
        trial = runner.work / "trial"
        if trial.exists():
            shutil.rmtree(trial)
        shutil.copytree(runner.work / "pristine", trial, symlinks=True)
        (trial / case.document).write_bytes(b"\n".join(candidate))
        found = runner.replay(case, trial, stop=failure["step"])["failures"]
        return any(f["signature"] == failure["signature"] for f in found)

    tries, chunk = 0, max(1, len(lines) // 2)
    if lines and still_fails(lines):
        while chunk >= 1 and tries < budget:
            i, removed = 0, False
            while i < len(lines) and tries < budget:
                candidate = lines[:i] + lines[i + chunk:]
                tries += 1
                if candidate and still_fails(candidate):
                    lines, removed = candidate, True
                else:
                    i += chunk
            if not removed:
                chunk //= 2
    folder = out / "reduced" / f"case-{index:05d}"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(runner.work / "pristine", folder / "tree", symlinks=True)
    if lines:
        (folder / "tree" / case.document).write_bytes(b"\n".join(lines))
    argv = failure["command"]
    (folder / "README.txt").write_text(
        f"{failure['signature']}\n\ncd {folder / 'tree'}\n"
        + "".join(f"python -m pligos_tui {' '.join(map(_quote, a))}\n"
                  for a in case.commands[:failure["step"] + 1])
        + f"\nfailing command: {' '.join(map(_quote, argv))} (exit {failure['code']})\n"
        + f"mutations: {case.mutations}\n\n{failure['detail']}\n", encoding="utf-8")
    return folder


def _quote(arg: str) -> str:
    return arg if re.fullmatch(r"[\w./=-]+", arg) else json.dumps(arg)


# --------------------------------------------------------------------------- the campaign

@dataclass
class Summary:
    cases: int = 0
    commands: int = 0
    exit_codes: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    distinct: list[dict] = field(default_factory=list)
    slowest: list[str] = field(default_factory=list)
    seconds: float = 0.0


def campaign(cases: list[int], seed: int, out: Path, *, workers: int = 2,
             timeout: float = 20.0, reduce_budget: int = 0, tmpdir: Path | None = None
             ) -> Summary:
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="pligos-fuzz-cli-", dir=tmpdir))
    started = time.monotonic()
    summary, histogram, seen = Summary(), Counter(), {}
    slowest: list[tuple[float, int, str]] = []
    try:
        _warm()  # here, so that a Pligos that cannot be imported stops the run at once
        make_template(work / "template")
        context = multiprocessing.get_context("fork")
        args = (seed, work / "template", work, timeout)
        with context.Pool(workers, _init_worker, args) as pool, \
                open(out / "cases.jsonl", "w", encoding="utf-8") as log:
            for result in pool.imap_unordered(_run_one, cases, chunksize=4):
                log.write(json.dumps({k: result[k] for k in ("index", "source", "mutations",
                                                             "codes")}, ensure_ascii=False)
                          + "\n")
                summary.cases += 1
                summary.commands += len(result["codes"])
                for argv, took in zip(result["commands"], result["seconds"]):
                    slowest.append((took, result["index"], " ".join(argv)))
                slowest = sorted(slowest, reverse=True)[:5]
                histogram.update(str(c) for c in result["codes"])
                if result["failures"]:
                    save_case(seed, result["index"], work / "template", out, result)
                for failure in result["failures"]:
                    summary.counts[failure["kind"]] += 1
                    entry = seen.setdefault(failure["signature"],
                                            {**failure, "cases": [], "verbs": []})
                    if result["index"] not in entry["cases"]:
                        entry["cases"].append(result["index"])
                    if failure["command"][0] not in entry["verbs"]:
                        entry["verbs"].append(failure["command"][0])
        runner = Runner(seed, work / "template", work / "reduce", timeout)
        for entry in sorted(seen.values(), key=lambda e: (e["kind"], e["signature"])):
            entry["cases"].sort()
            first = min(entry["cases"])
            failure = {**entry, "index": first}
            if reduce_budget:
                entry["reduced"] = str(reduce_case(runner, seed, failure, out, reduce_budget))
            summary.distinct.append(entry)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    summary.slowest = [f"{took:.2f} s: case {index}: {argv}" for took, index, argv in slowest]
    summary.exit_codes = dict(sorted(histogram.items(), key=lambda kv: int(kv[0])))
    summary.seconds = round(time.monotonic() - started, 1)
    (out / "summary.json").write_text(json.dumps(asdict(summary), indent=2,
                                                 ensure_ascii=False) + "\n")
    return summary


def print_summary(summary: Summary, out: Path) -> None:
    print(f"cases: {summary.cases}  commands: {summary.commands}  ({summary.seconds} s)")
    print("exit codes: " + ", ".join(f"{k}: {v}" for k, v in summary.exit_codes.items()))
    for kind in KINDS:
        print(f"{kind}: {summary.counts[kind]}")
    print("slowest commands: " + "; ".join(summary.slowest[:3]))
    print(f"distinct failures: {len(summary.distinct)}")
    for entry in summary.distinct:
        cases = entry["cases"]
        print(f"  {entry['signature']}  ({len(cases)} cases, first {cases[0]}; "
              f"commands: {', '.join(sorted(entry['verbs']))})")
        print(f"    {' '.join(entry['command'])}: {entry['detail'].splitlines()[0][:160]}")
        if entry.get("reduced"):
            print(f"    reduced: {entry['reduced']}/README.txt")
    print(f"reproducers: {out}/cases, summary: {out}/summary.json")


def _default_tmpdir() -> Path | None:
    shm = Path("/dev/shm")
    return shm if shm.is_dir() and os.access(shm, os.W_OK) else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="where reproducers go")
    parser.add_argument("--only", type=int, action="append", metavar="N",
                        help="run only case N (repeatable)")
    parser.add_argument("--also", type=int, action="append", default=[], metavar="N",
                        help="run case N as well (repeatable): a past failure kept as a "
                        "regression case")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per command")
    parser.add_argument("--reduce", type=int, default=400, metavar="TRIES",
                        help="reduce each distinct failure with at most TRIES runs (0: not)")
    parser.add_argument("--tmpdir", type=Path, default=_default_tmpdir(),
                        help="where the cases run (default: /dev/shm when there is one)")
    args = parser.parse_args(argv)
    cases = args.only or list(range(args.cases))
    cases += [n for n in args.also if n not in cases]
    summary = campaign(cases, args.seed, args.out, workers=args.workers, timeout=args.timeout,
                       reduce_budget=args.reduce, tmpdir=args.tmpdir)
    print_summary(summary, args.out)
    return 1 if any(summary.counts.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
