"""Friends: the services ours talks to, read from the friends library and inline lists.

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
from pathlib import Path
from typing import Any

from pligos_tui.errors import ConfigError, Problems, Rule, did_you_mean, display_path
from pligos_tui.io.keypath import KeyPath
from pligos_tui.io.yamlread import Document, load_file
from pligos_tui.spec.fields import ENV_NAME, NAME_DNS, NAME_DUPLICATE, NAME_RESERVED, dns_label
from pligos_tui.spec.model import ChartRef, Friend, Service
from pligos_tui.spec.reader import KEY_REQUIRED, Reader
from pligos_tui.spec.vocabulary import (
    CONTRACT_KEYS,
    FRIEND_CHART_KEYS,
    FRIEND_KEYS,
    FRIEND_TYPES,
    LIBRARY_CHART,
)

FRIEND_TYPE = Rule("E-FRIEND-TYPE", "a friend's type is neither requirement nor dependency")
FRIEND_KEY_CLASH = Rule("E-FRIEND-KEY-CLASH", "a key is both config and a credential of one "
                        "friend, so both would set the same variable")
# the rules only friends have, for the table of every rule
FRIEND_RULES = (FRIEND_TYPE, FRIEND_KEY_CLASH)


def read_friend(doc: Document, value: Any, at: KeyPath, problems: Problems) -> Friend | None:
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
            r.problem(at + ("name",), f"friend name {problem}", "e.g. name: postgres",
                      rule=NAME_DNS)
        elif name in CONTRACT_KEYS or name == LIBRARY_CHART:
            what = "a key of the values contract" if name in CONTRACT_KEYS else \
                "the name of the flavors' library chart"
            r.problem(at + ("name",), f"friend name {name!r} is {what}",
                      "choose another name, e.g. " + name + "-db", rule=NAME_RESERVED)
    if kind not in FRIEND_TYPES:
        r.problem(at + ("type",), f"unknown friend type {kind!r}",
                  did_you_mean(kind, list(FRIEND_TYPES), loose=True)
                  or "requirement (a subchart of each service)"
                  " or dependency (shared, deployed once per context)", rule=FRIEND_TYPE)
    chart = m.get("chart")
    if chart is None:
        r.problem(at, f"friend {name!r} needs a chart", "add chart: {name: postgresql, "
                  "version: 15.5.0, repository: https://charts.example.com}",
                  rule=KEY_REQUIRED, key=True)
    else:
        c = r.mapping(chart, at + ("chart",), FRIEND_CHART_KEYS, "chart",
                      required=FRIEND_CHART_KEYS)
        if c is not None:
            friend.chart = ChartRef(*(r.string(c, k, at + ("chart",)) for k in FRIEND_CHART_KEYS))
    friend.values = r.any_map(m, "values", at) or {}
    friend.config = r.scalar_map(m, "config", at)
    friend.credentials = r.scalar_map(m, "credentials", at)
    for key in list(friend.config) + list(friend.credentials):
        variable = friend.env_name(key)
        if not re.fullmatch(r"[A-Z_][A-Z0-9_]*", variable):
            r.problem(at + ("config" if key in friend.config else "credentials", key),
                      f"{key!r} gives the environment variable {variable!r}, which is not "
                      "a valid name", "use ASCII letters, digits, '-' and '_'",
                      rule=ENV_NAME, key=True)
    clash = set(friend.config) & set(friend.credentials)
    for key in sorted(clash):
        r.problem(at + ("credentials", key), f"{key!r} is both config and a credential of "
                  f"friend {name!r}", "they would set the same variable: rename one",
                  rule=FRIEND_KEY_CLASH, key=True)
    return friend


def load_friends(svc: Service, problems: Problems) -> dict[str, Friend]:
    """Every friend the service can use: its library folders, then its inline list.

    Problems of library files are added to `problems` with those files' names.
    """
    found: list[Friend] = []
    for folder in svc.friends_library:
        path = Path(os.path.normpath(svc.root / folder))
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
                               "{name: ..., values: {...}}", rule=NAME_DUPLICATE.id)
            continue
        friends[friend.name] = friend
    return friends
