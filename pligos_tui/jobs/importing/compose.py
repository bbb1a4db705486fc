"""A compose file as the Kubernetes objects it means.

`read_compose` reads a compose file in the Compose Specification's format (`services:` at the
top) and translates each service into what a hand-written chart of it holds: a Deployment
named like the service with one container, a Service for its published and exposed ports, a
PersistentVolumeClaim per named volume, a ConfigMap per bind-mounted file or folder that is
there and per `configs:` entry, and `secret` volumes that name a Secret, never its bytes.
What has no counterpart becomes a Leftover that says where it came from and what to do; a
file compose itself would refuse is reported with every located problem at once.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from pligos_tui.errors import ConfigError, Problems, UsageError, display_path
from pligos_tui.io.files import read_regular
from pligos_tui.io.yamlread import Builder, Document, Loader, load_file
from pligos_tui.jobs.importing.compose_file import RULES, ComposeFile
from pligos_tui.jobs.importing.compose_service import ServiceTranslation
from pligos_tui.jobs.importing.original import COMPOSE, Context, Original
from pligos_tui.spec.fields import dns_label

__all__ = ["RULES", "load_compose", "read_compose"]


def read_compose(path: Path, *, context: str = "dev") -> Original:
    """The objects the compose file at `path` means, as one context named `context`, with
    what they cannot express as leftovers. Raises ConfigError (every problem of the file,
    located) when compose would refuse the file, and nothing is returned."""
    problem = dns_label(context)
    if problem:
        raise UsageError(f"the context name {problem}", hint="name it like dev or prod")
    display = display_path(path)
    compose = ComposeFile(load_compose(path, display), path, display)
    compose.read()
    for name, object_name, key_path, keys in compose.services():
        ServiceTranslation(compose, name, object_name, key_path, keys).run()
    compose.after()
    compose.problems.raise_if_any()
    found = Context(name=context, objects=compose.objects, where=compose.where)
    return Original(kind=COMPOSE, source=display, contexts=[found], leftovers=compose.leftovers)


def load_compose(path: Path, display: str) -> Document:
    """The compose file read by `load_file`, whose guards apply; YAML merge keys (`<<: *x`),
    which compose files use to share a block and pligos.yaml refuses, are resolved here."""
    try:
        return load_file(path, display)
    except ConfigError as exc:
        if not any(p.message.startswith("merge keys (<<)") for p in exc.problems):
            raise
    # load_file got past the size, type and encoding guards to reach the merge key
    text = read_regular(path).removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    root = yaml.compose(text, Loader=Loader)
    doc = Document(file=display, data=None)
    if root is None:
        return doc
    _merge(root, set())
    problems = Problems(display)
    doc.data = Builder(doc, problems).build(root, (), 0)
    problems.raise_if_any()
    return doc


def _merge(node: yaml.Node, seen: set[int]) -> None:
    """Resolve merge keys in place: a mapping's own keys win, then its sources in order."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _merge(item, seen)
    if not isinstance(node, yaml.MappingNode):
        return
    for _, value in node.value:
        _merge(value, seen)
    merged: list[tuple[yaml.Node, yaml.Node]] = []
    own: list[tuple[yaml.Node, yaml.Node]] = []
    for key, value in node.value:
        sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
        if key.tag == "tag:yaml.org,2002:merge" and all(
                isinstance(s, yaml.MappingNode) for s in sources):
            merged += [pair for source in sources for pair in source.value]
        else:
            own.append((key, value))
    taken = {k.value for k, _ in own if isinstance(k, yaml.ScalarNode)}
    kept = []
    for key, value in merged:
        if isinstance(key, yaml.ScalarNode) and key.value not in taken:
            taken.add(key.value)
            kept.append((key, value))
    node.value = kept + own


