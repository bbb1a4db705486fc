"""Friends: the services ours talks to.

A friend is defined once, in a friends library folder (one YAML file per friend) or inline
under a service's top-level `friends:` list, and used by name from contexts. It brings the
config injected into our service (as `<FRIEND>_<KEY>` variables and under `friends.<name>`),
credentials (secret-backed variables), default values, and a chart: a `requirement` becomes a
subchart of the service's chart; a `dependency` is shared by all services and deployed once per
context through an umbrella chart.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pligos_tui.errors import ConfigError, Problems, display_path
from pligos_tui.yamlfile import Document, KeyPath, load_file

FRIEND_KEYS = ("name", "type", "chart", "values", "config", "credentials")
CHART_KEYS = ("name", "version", "repository")
TYPES = ("requirement", "dependency")
# top-level keys of the values contract: a requirement's alias must not take one of them
RESERVED = ("pligos", "metadata", "image", "command", "probes", "routes", "ingress", "mounts",
            "env", "resources", "replicas", "schedule", "cronjob", "pod", "friends", "secrets")


@dataclass
class ChartRef:
    name: str
    version: str
    repository: str

    def as_dependency(self, alias: str, base: Path, chart_dir: Path) -> dict[str, str]:
        """A Chart.yaml dependency; a relative `file://` repository (relative to the friend's
        definition) is rewritten relative to the chart that uses it, as helm expects."""
        repository = self.repository
        if repository.startswith("file://") and not repository.startswith("file:///"):
            target = (base / repository[len("file://"):]).resolve()
            repository = "file://" + os.path.relpath(target, chart_dir.resolve())
        return {"name": self.name, "version": self.version, "repository": repository,
                "alias": alias}


@dataclass
class Friend:
    name: str
    type: str
    file: str  # where it is defined, as shown to the user
    at: KeyPath
    doc: Document
    base: Path = Path(".")  # the folder of its definition (relative file:// charts start here)
    chart: ChartRef | None = None
    values: dict[str, Any] = field(default_factory=dict)
    config: dict[str, str] = field(default_factory=dict)
    credentials: dict[str, str] = field(default_factory=dict)

    @property
    def line(self) -> int | None:
        return self.doc.line(self.at)

    @property
    def where(self) -> str:
        line = self.line
        return f"{self.file}:{line}" if line else self.file

    def env_name(self, key: str) -> str:
        return f"{self.name}_{key}".upper().replace("-", "_").replace(".", "_")

    def definition(self) -> dict[str, Any]:
        """What must be equal for two services to share this friend as a dependency."""
        return {"type": self.type, "chart": self.chart.__dict__ if self.chart else None,
                "values": self.values}


def read_friend(doc: Document, value: Any, at: KeyPath, problems: Problems) -> Friend | None:
    from pligos_tui.model import Reader
    from pligos_tui.validate import did_you_mean, dns_label

    r = Reader(doc, problems)
    m = r.mapping(value, at, FRIEND_KEYS, "friend", required=("name",))
    if m is None:
        return None
    name = r.string(m, "name", at)
    kind = r.string(m, "type", at, "requirement")
    friend = Friend(name=name, type=kind, file=doc.file, at=at, doc=doc)
    if name:
        problem = dns_label(name)
        if problem:
            r.problem(at + ("name",), f"friend name {problem}", "e.g. name: postgres")
        elif name in RESERVED:
            r.problem(at + ("name",), f"friend name {name!r} is a key of the values contract",
                      "choose another name, e.g. " + name + "-db")
    if kind not in TYPES:
        r.problem(at + ("type",), f"unknown friend type {kind!r}",
                  did_you_mean(kind, list(TYPES)) or "requirement (a subchart of each service)"
                  " or dependency (shared, deployed once per context)")
    chart = m.get("chart")
    if chart is None:
        r.problem(at, f"friend {name!r} needs a chart", "add chart: {name: postgresql, "
                  "version: 15.5.0, repository: https://charts.example.com}", key=True)
    else:
        c = r.mapping(chart, at + ("chart",), CHART_KEYS, "chart", required=CHART_KEYS)
        if c is not None:
            friend.chart = ChartRef(*(r.string(c, k, at + ("chart",)) for k in CHART_KEYS))
    friend.values = r.any_map(m, "values", at) or {}
    friend.config = r.scalar_map(m, "config", at)
    friend.credentials = r.scalar_map(m, "credentials", at)
    for key in list(friend.config) + list(friend.credentials):
        variable = friend.env_name(key)
        if not re.fullmatch(r"[A-Z_][A-Z0-9_]*", variable):
            r.problem(at + ("config" if key in friend.config else "credentials", key),
                      f"{key!r} gives the environment variable {variable!r}, which is not "
                      "a valid name", "use ASCII letters, digits, '-' and '_'", key=True)
    clash = set(friend.config) & set(friend.credentials)
    for key in sorted(clash):
        r.problem(at + ("credentials", key), f"{key!r} is both config and a credential of "
                  f"friend {name!r}", "they would set the same variable: rename one", key=True)
    return friend


def load_friends(svc: Any, problems: Problems) -> dict[str, Friend]:
    """Every friend the service can use: its library folders, then its inline list.

    Problems of library files are added to `problems` with those files' names.
    """
    found: list[Friend] = []
    for folder in svc.friends_library:
        path = svc.root / folder
        if not path.is_dir():
            continue  # reported by the service's own checks
        for file in sorted(list(path.glob("*.yaml")) + list(path.glob("*.yml"))):
            try:
                doc = load_file(file, display_path(file))
            except ConfigError as exc:
                problems.items.extend(exc.problems)
                continue
            own = Problems(doc.file)
            friend = read_friend(doc, doc.data, (), own)
            problems.items.extend(own.items)
            if friend is not None:
                friend.base = file.parent
                found.append(friend)
    for i, item in enumerate(svc.inline_friends or []):
        friend = read_friend(svc.doc, item, ("friends", i), problems)
        if friend is not None:
            friend.base = svc.root
            found.append(friend)
    friends: dict[str, Friend] = {}
    for friend in found:
        if not friend.name:
            continue
        if friend.name in friends:
            first = friends[friend.name]
            friend.doc.problem(problems, friend.at + ("name",),
                               f"friend {friend.name!r} is defined twice (also at {first.where})",
                               "keep one definition; a context overrides values with "
                               "{name: ..., values: {...}}")
            continue
        friends[friend.name] = friend
    return friends


def umbrella_files(context: str, shared: dict[str, tuple[Friend, dict[str, Any]]],
                   dest: Path) -> dict[str, bytes]:
    """The chart that deploys a context's shared dependencies, each once."""
    from pligos_tui.chart import DEFAULT_HELMIGNORE, dump_yaml

    deps = [friend.chart.as_dependency(name, friend.base, dest)
            for name, (friend, _) in sorted(shared.items()) if friend.chart is not None]
    chart = {"apiVersion": "v2", "name": "shared-dependencies",
             "description": f"Dependencies shared by the services of context {context}",
             "type": "application", "version": "0.1.0", "dependencies": deps,
             "annotations": {"pligos.io/context": context}}
    values = {name: vals for name, (_, vals) in sorted(shared.items())}
    header = f"# Generated by pligos: shared dependencies of context {context!r}.\n"
    notes = ("Shared dependencies of context " + context + ": "
             + ", ".join(sorted(shared)) + "\n")
    return {".helmignore": DEFAULT_HELMIGNORE, "Chart.yaml": dump_yaml(chart).encode(),
            "values.yaml": (header + dump_yaml(values)).encode(),
            "templates/NOTES.txt": notes.encode()}


__all__ = ["ChartRef", "Friend", "load_friends", "read_friend", "umbrella_files"]


def library_report(svc: Any) -> list[dict[str, Any]]:
    """For `pligos friends`: each friend, where it is defined, and the contexts using it."""
    from pligos_tui.compile import resolve_context

    users: dict[str, list[str]] = {}
    for ctx in svc.contexts:
        for use in resolve_context(svc, ctx.name).friends:
            users.setdefault(use.name, []).append(ctx.name)
    return [{"name": f.name, "type": f.type, "defined": f.where,
             "chart": f"{f.chart.name} {f.chart.version}" if f.chart else "",
             "config": sorted(f.env_name(k) for k in f.config),
             "credentials": sorted(f.env_name(k) for k in f.credentials),
             "contexts": users.get(f.name, [])}
            for f in sorted(svc.friends.values(), key=lambda f: f.name)]
