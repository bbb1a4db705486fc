"""Rendering charts with helm, without writing them: `preview`, `diff` and the TUI's panes.

A chart is planned in memory, written to a temporary folder and rendered by `helm template`
running in the background (`Rendering`); secret data is redacted first, so nothing secret is
ever printed, and the rendered Secrets show `<redacted>` as their data (not its base64). An
error of the secret provider about one secret points at the line of pligos.yaml that uses it.
"""

from __future__ import annotations

import difflib
import json
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml

from pligos_tui import helm
from pligos_tui.charts.batch import scratch, write_renderable
from pligos_tui.charts.plan import ChartPlan, plan_chart, secret_provider
from pligos_tui.errors import HelmError, SecretError
from pligos_tui.io.yamlwrite import dump_yaml
from pligos_tui.secrets import RedactingProvider, SecretProvider
from pligos_tui.spec.flavors import FlavorSet
from pligos_tui.spec.model import Service
from pligos_tui.spec.resolve import (
    namespace_of,
    release_name,
    require_context,
    resolve_context,
)
from pligos_tui.spec.rules.secrets import locate_secret_error
from pligos_tui.spec.vocabulary import FILES, MANIFESTS, SECRET_VALUES_FILE, VALUES


class Rendering:
    """The manifests of a planned chart, being rendered by helm in the background.

    The chart is written to a temporary folder and helm started when this is made; `result()`
    waits for the manifests (and removes the folder), `done()` polls, `cancel()` stops helm.
    """

    def __init__(self, p: ChartPlan, *, release: str | None = None) -> None:
        files = p.chart_files()
        self.plan = p
        self._tmp = tempfile.TemporaryDirectory(prefix="pligos-render-", dir=scratch())
        try:
            dest = Path(self._tmp.name) / p.origin.name
            write_renderable(files, dest)  # subcharts are not fetched for a preview
            given = (dest / SECRET_VALUES_FILE,) if SECRET_VALUES_FILE in files else ()
            name, namespace = _deployed(p)
            self._helm = helm.Template(dest, release or name, namespace=namespace,
                                       values=given)
        except BaseException:
            self._tmp.cleanup()
            raise

    def done(self) -> bool:
        return self._helm.done()

    def result(self) -> str:
        try:
            return redact_secrets(self._helm.result())
        except HelmError as exc:
            raise HelmError(f"rendering context {self.plan.context!r} of "
                                 f"{self.plan.origin.file} failed: "
                                 + exc.message.split(": ", 1)[-1]) from None
        finally:
            self._tmp.cleanup()

    def cancel(self) -> None:
        self._helm.cancel()
        self._tmp.cleanup()


def _deployed(p: ChartPlan) -> tuple[str, str]:
    """The release and namespace a planned chart is rendered with: its context's (see
    `release_name`, `namespace_of`); a chart of the original Pligos: its name, "default"."""
    if p.service is None:
        return p.origin.name, "default"
    ctx = resolve_context(p.service, p.context)
    return release_name(p.service, ctx), namespace_of(ctx)


def render(p: ChartPlan, *, release: str | None = None) -> str:
    """The manifests helm renders for a planned chart."""
    return Rendering(p, release=release).result()


class Finished:
    """A preview whose text is already known (values, file list)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def done(self) -> bool:
        return True

    def result(self) -> str:
        return self.text

    def cancel(self) -> None:
        pass


def start_preview(svc: Service, context: str, *, flavor: str | None = None,
                  mode: str = MANIFESTS, flavors: FlavorSet | None = None
                  ) -> Rendering | Finished:
    """`preview`, started: the chart is planned now and helm left running in the background
    (`flavors`: the flavors read already, for the charts of one service planned together)."""
    return start_planned(plan_preview(svc, context, flavor=flavor, flavors=flavors), mode)


def plan_preview(svc: Service, context: str, *, flavor: str | None = None,
                 flavors: FlavorSet | None = None) -> ChartPlan:
    """The chart `preview` shows, planned and its files made; nothing is started."""
    require_context(svc, context)
    p = _planned(svc, context, flavor=flavor, flavors=flavors)
    p.chart_files()
    return p


def start_planned(p: ChartPlan, mode: str = MANIFESTS) -> Rendering | Finished:
    """`preview` of a planned chart, started (helm left running in the background)."""
    if mode == VALUES:
        return Finished(p.chart_files()["values.yaml"].decode())
    if mode == FILES:
        return Finished("".join(f"{rel}  ({len(data)} bytes)\n"
                                for rel, data in p.chart_files().items()))
    return Rendering(p)


def preview(svc: Service, context: str, *, flavor: str | None = None,
            mode: str = MANIFESTS) -> str:
    """What a context's chart holds, as text: rendered manifests (needs helm), its values.yaml,
    or its file list. Nothing is written. The CLI's `preview` and the TUI's panes use this."""
    return start_preview(svc, context, flavor=flavor, mode=mode).result()


def diff_contexts(svc: Service, a: str, b: str) -> str:
    """A unified diff of the manifests two contexts render ('' when they are the same)."""
    for name in (a, b):
        require_context(svc, name)
    secrets = secret_provider(svc, redact=True)
    left = render(_planned(svc, a, secrets=secrets), release=svc.name)
    right = render(_planned(svc, b, secrets=secrets), release=svc.name)
    return "".join(diff_lines(left, right, f"context {a}", f"context {b}"))


def _planned(svc: Service, context: str, *, flavor: str | None = None,
             secrets: SecretProvider | None = None,
             flavors: FlavorSet | None = None) -> ChartPlan:
    """A context's chart planned with redacted secrets; a provider's error about a secret
    at the line that uses it."""
    try:
        return plan_chart(svc, context, flavor=flavor, redact=True, secrets=secrets,
                          flavors=flavors)
    except SecretError as exc:
        raise locate_secret_error(svc, context, exc) from None


# ----- Secrets in rendered manifests

REDACTED = RedactingProvider.PLACEHOLDER.decode()
SECRET_DATA = ("data", "stringData")
_DOCUMENT_START = re.compile(r"(?m)^(?=---[ \t]*$)")


def redact_secrets(manifests: str) -> str:
    """Rendered manifests with every value of each Secret's `data` and `stringData` shown as
    `<redacted>`; all else as helm rendered it."""
    return "".join(_redact_document(doc) for doc in _DOCUMENT_START.split(manifests))


def _redact_document(text: str) -> str:
    if "Secret" not in text:  # most documents: not parsed at all
        return text
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return text
    if not isinstance(node, yaml.MappingNode) or _scalar(node, "kind") != "Secret":
        return text
    if node.flow_style:
        return _redumped(text, node)
    lines = text.splitlines(keepends=True)
    pairs = node.value
    for i in reversed(range(len(pairs))):
        key, value = pairs[i]
        if not (isinstance(key, yaml.ScalarNode) and key.value in SECRET_DATA
                and isinstance(value, yaml.MappingNode) and value.value):
            continue
        start, last = key.start_mark.line, value.value[-1][1].end_mark
        end = last.line + (1 if last.column else 0)
        indent = " " * key.start_mark.column
        block = [f"{indent}{key.value}:\n"] + [
            f"{indent}  {json.dumps(str(k.value), ensure_ascii=False)}: {REDACTED}\n"
            for k, _ in value.value]
        lines[start:end] = block
    return "".join(lines)


def _redumped(text: str, node: yaml.MappingNode) -> str:
    """A Secret written in flow style, written again in block style with its data redacted
    (the comments before it kept)."""
    doc: Any = yaml.safe_load(text)
    for key in SECRET_DATA:
        if isinstance(doc.get(key), dict):
            doc[key] = {k: REDACTED for k in doc[key]}
    head = text[:node.start_mark.index]
    return head + dump_yaml(doc)


def _scalar(node: yaml.MappingNode, name: str) -> str | None:
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode) and key.value == name \
                and isinstance(value, yaml.ScalarNode):
            return str(value.value)
    return None


def diff_lines(a: str, b: str, name_a: str, name_b: str, *,
               keep_ends: bool = True) -> list[str]:
    """The lines of a unified diff of two rendered texts ([] when they are the same).

    With `keep_ends`, lines are compared with their line ends and keep them: their
    concatenation is `pligos diff`'s text. Without, they are compared without line ends and
    come bare, one per row of the TUI's diff view."""
    if keep_ends:
        return list(difflib.unified_diff(a.splitlines(keepends=True),
                                         b.splitlines(keepends=True),
                                         fromfile=name_a, tofile=name_b))
    return list(difflib.unified_diff(a.splitlines(), b.splitlines(), name_a, name_b,
                                     lineterm=""))
