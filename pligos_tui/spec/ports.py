"""Probe ports that name a route.

A probe's `httpGet`, `tcpSocket` or `grpc` port may be a number or the name of a route (which
is also the container port's name; a grpc probe gets the number, the only form Kubernetes takes
there). The compiler, the rules and the editor's renames all need the probe ports written as
names; this is where they are found.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pligos_tui.spec.vocabulary import NAMED_PORT_HANDLERS, PROBE_STAGES


def named_ports(stages: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(stage, handler, route name) for each handler port of a probe written as a name.

    `stages` is a probe's mapping of stage -> Kubernetes probe, as read or as written in the
    file; anything not shaped like one is passed over."""
    for stage in PROBE_STAGES:
        spec = stages.get(stage)
        if not isinstance(spec, Mapping):
            continue
        for handler in NAMED_PORT_HANDLERS:
            h = spec.get(handler)
            port = h.get("port") if isinstance(h, Mapping) else None
            if isinstance(port, str):
                yield stage, handler, port
