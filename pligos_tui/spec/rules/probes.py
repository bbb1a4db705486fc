"""Rules of probe entries: at least one stage, exactly one handler per stage, and handlers and
timings Kubernetes accepts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pligos_tui.errors import Rule
from pligos_tui.io.keypath import KeyPath
from pligos_tui.spec.fields import PORT_RANGE, port
from pligos_tui.spec.model import Probe
from pligos_tui.spec.reader import KEY_REQUIRED, WRONG_TYPE
from pligos_tui.spec.rules.context import ABSENT, RuleContext
from pligos_tui.spec.rules.registry import Found, rule
from pligos_tui.spec.rules.routes import HTTP_PATH
from pligos_tui.spec.vocabulary import PROBE_HANDLERS, PROBE_STAGES

PROBE_STAGE = Rule("E-PROBE-STAGE", "a probe that defines none of startup, liveness and "
                   "readiness")
PROBE_HANDLER = Rule("E-PROBE-HANDLER", "a probe stage without exactly one handler")
PROBE_SCHEME = Rule("E-PROBE-SCHEME", "an httpGet probe's scheme is neither HTTP nor HTTPS")
PROBE_TIMING = Rule("E-PROBE-TIMING", "a probe timing below its minimum, or a successThreshold "
                    "other than 1 on a liveness or startup probe")

# timings that count something and so start at 1 (the others, delays, may be 0)
_AT_LEAST_ONE = ("periodSeconds", "timeoutSeconds", "successThreshold", "failureThreshold")


def _stages(ctx: RuleContext) -> Iterator[tuple[Probe, str, KeyPath, dict[str, Any]]]:
    for e in ctx.of(Probe):
        for stage, spec in e.stages.items():
            yield e, stage, e.at + (stage,), spec


def _handlers(ctx: RuleContext, at: KeyPath) -> list[str]:
    """The handlers written in the stage at `at`."""
    return [h for h in PROBE_HANDLERS if ctx.written(at + (h,)) is not ABSENT]


def _handler_specs(ctx: RuleContext) -> Iterator[tuple[str, KeyPath, dict[str, Any]]]:
    """Each handler of each stage that was read, with its key path."""
    for _, _, at, spec in _stages(ctx):
        for handler in _handlers(ctx, at):
            h = spec.get(handler)
            if isinstance(h, dict):
                yield handler, at + (handler,), h


@rule(PROBE_STAGE)
def some_stage(ctx: RuleContext) -> Iterator[Found]:
    for e in ctx.of(Probe):
        if not e.stages and all(ctx.written(e.at + (s,)) is ABSENT for s in PROBE_STAGES):
            yield Found(e.at, f"probe {e.name!r} defines no stage",
                        "add startup:, liveness: and/or readiness:", key=True)


@rule(PROBE_HANDLER)
def one_handler(ctx: RuleContext) -> Iterator[Found]:
    for e, stage, at, _ in _stages(ctx):
        handlers = _handlers(ctx, at)
        if len(handlers) != 1:
            yield Found(at, f"{stage} probe of {e.name!r} needs exactly one handler of "
                        f"{', '.join(PROBE_HANDLERS)} (found "
                        f"{', '.join(handlers) if handlers else 'none'})",
                        "e.g. httpGet: {path: /healthz, port: http}", key=True)


@rule(WRONG_TYPE)
def port_types(ctx: RuleContext) -> Iterator[Found]:
    for _, hat, h in _handler_specs(ctx):
        if "port" not in h:
            continue
        value = h["port"]
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            yield Found(hat + ("port",), "port must be a number or a route name")


@rule(PORT_RANGE)
def port_numbers(ctx: RuleContext) -> Iterator[Found]:
    for _, hat, h in _handler_specs(ctx):
        value = h.get("port")
        if isinstance(value, int) and not isinstance(value, bool):
            problem = port(value)
            if problem:
                yield Found(hat + ("port",), problem, "use 1-65535")


@rule(HTTP_PATH)
def http_path(ctx: RuleContext) -> Iterator[Found]:
    for handler, hat, h in _handler_specs(ctx):
        if handler == "httpGet":
            path = h.get("path", "/")
            if not isinstance(path, str) or not path.startswith("/"):
                yield Found(hat + ("path",), f"httpGet path {path!r} must start with /",
                            f"e.g. path: /{path if isinstance(path, str) else 'healthz'}")


@rule(PROBE_SCHEME)
def scheme(ctx: RuleContext) -> Iterator[Found]:
    for handler, hat, h in _handler_specs(ctx):
        if handler == "httpGet":
            value = h.get("scheme", "HTTP")
            if value not in ("HTTP", "HTTPS"):
                yield Found(hat + ("scheme",), f"unknown scheme {value!r}", "HTTP or HTTPS")


@rule(KEY_REQUIRED)
def exec_command(ctx: RuleContext) -> Iterator[Found]:
    for handler, hat, h in _handler_specs(ctx):
        if handler == "exec" and "command" not in h:
            yield Found(hat + ("command",), "an exec probe needs a command",
                        'e.g. command: ["cat", "/tmp/healthy"]')


@rule(PROBE_TIMING)
def timings(ctx: RuleContext) -> Iterator[Found]:
    for _, stage, at, spec in _stages(ctx):
        for timing, value in spec.items():
            if timing in PROBE_HANDLERS:
                continue
            minimum = 1 if timing in _AT_LEAST_ONE else 0
            if value < minimum:
                yield Found(at + (timing,), f"{timing} must be at least {minimum}")
        if stage in ("liveness", "startup") and spec.get("successThreshold", 1) != 1:
            yield Found(at + ("successThreshold",),
                        f"a {stage} probe's successThreshold must be 1",
                        "Kubernetes rejects other values; remove it or set it to 1")
