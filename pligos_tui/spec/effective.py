"""What a resolved context's settings come to once its flavor is known.

Each setting's value is its built-in default, then its flavor's `defaults:`, then what the
context (and the contexts it extends) wrote; an image that names its own user
(`runAsUser`/`runAsGroup`) runs as that user unless the context itself says otherwise. The
rules and the compiler both read settings through `settings_of`, so that they never disagree.
"""

from __future__ import annotations

from typing import Any

from pligos_tui.errors import FlavorPinError
from pligos_tui.spec.flavors import Flavor, FlavorSet
from pligos_tui.spec.model import Service
from pligos_tui.spec.resolve import ResolvedContext
from pligos_tui.spec.settings import effective
from pligos_tui.spec.vocabulary import CONTEXT_SETTINGS

Settings = dict[str, dict[str, Any]]  # setting -> key -> value


def settings_of(ctx: ResolvedContext, flavor: Flavor | None) -> Settings:
    """Every key of every setting for one resolved context of `flavor` (None: not found)."""
    defaults = flavor.defaults if flavor is not None else {}
    out = {name: effective(name, defaults.get(name), ctx.settings.get(name))
           for name in CONTEXT_SETTINGS}
    written = ctx.settings.get("security", {})
    if ctx.image is not None:
        for key, value in (("runAsUser", ctx.image.run_as_user),
                           ("runAsGroup", ctx.image.run_as_group)):
            if value is not None and key not in written:
                out["security"][key] = value
                if key == "runAsGroup" and "fsGroup" not in written:
                    out["security"]["fsGroup"] = value
    return out


def flavor_of(svc: Service, ctx: ResolvedContext, name: str | None = None,
              flavors: FlavorSet | None = None) -> Flavor | None:
    """The flavor a context is compiled with (`name`, else its own; either may pin a
    version), None when it has none, it is not found or no version matches its pin; a broken
    flavor.yaml is a located ConfigError."""
    wanted = name or ctx.flavor
    if not wanted:
        return None
    try:
        choice = (flavors or FlavorSet()).choose(svc, wanted)
    except FlavorPinError:  # (reported by the rules, and by plan_chart)
        return None
    return choice.flavor if choice is not None else None


def routes_tls_from_provider(settings: Settings) -> bool:
    """Whether the TLS secrets routes name come from the secret provider: not when cert-manager
    writes them, nor under Gateway API, where TLS ends at the Gateway (the platform's)."""
    expose = settings["expose"]
    return expose["via"] == "ingress" and not expose["certManager"]["issuer"]


def replica_range(ctx: ResolvedContext, settings: Settings) -> tuple[int, int]:
    """The fewest and the most pods the context runs: its replicas, or its autoscaling's."""
    replicas = ctx.replicas if ctx.replicas is not None else 1
    scaling = settings["autoscaling"]
    if scaling["maxReplicas"]:
        low = scaling["minReplicas"] or replicas or 1
        return low, max(scaling["maxReplicas"], low)
    return replicas, replicas
