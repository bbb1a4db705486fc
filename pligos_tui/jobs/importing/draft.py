"""The drafts of pligos.yaml an import makes from Kubernetes objects, before they are written.

A `ContextDraft` holds one context's assignments as pligos.yaml would spell them inline (an
image entry, the routes, the mounts...); `emit` then finds what contexts share, names those
entries once and lets contexts extend each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pligos_tui.jobs.importing.original import Leftover

# the properties a context assigns one entry of, and those it assigns a list of
SINGLE = ("image", "command", "probe", "resources")
LISTS = ("routes", "mounts")
# the settings an import may write (pligos-yaml.md#settings)
SETTINGS = ("security", "serviceAccount", "networkPolicy", "autoscaling", "disruption",
            "scheduling", "rollout", "expose", "service", "health", "job", "cronjob")


class Note(NamedTuple):
    """A setting an import writes to match the original, and why."""

    setting: str  # "networkPolicy.enabled: false"
    why: str  # "the original has no NetworkPolicy"

    def __str__(self) -> str:
        return f"{self.setting} ({self.why})"


@dataclass
class ContainerDraft:
    """A sidecar or init container: its own entries, named by `emit`."""

    name: str
    image: dict[str, Any]
    command: dict[str, Any] | None = None
    probe: dict[str, Any] | None = None
    env: dict[str, str] = field(default_factory=dict)
    mounts: list[str] = field(default_factory=list)  # names of the context's mounts
    resources: dict[str, Any] | None = None


@dataclass
class ContextDraft:
    """One context of one service, every assignment inline."""

    name: str
    flavor: str
    namespace: str = ""
    release: str = ""
    image: dict[str, Any] | None = None  # an images entry without its name
    command: dict[str, Any] | None = None
    probe: dict[str, Any] | None = None
    resources: dict[str, Any] | None = None
    routes: list[dict[str, Any]] = field(default_factory=list)  # entries with their names
    mounts: list[dict[str, Any]] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    sidecars: list[ContainerDraft] = field(default_factory=list)
    init: list[ContainerDraft] = field(default_factory=list)
    replicas: int | None = None
    schedule: str | None = None
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    friends: list[str] = field(default_factory=list)
    secrets: dict[str, str] = field(default_factory=dict)  # pligos.yaml's name -> the cluster's
    notes: list[Note] = field(default_factory=list)  # settings written to match the original
    dropped: list[str] = field(default_factory=list)  # left out on purpose, and why


@dataclass
class ServiceDraft:
    """One service: its contexts in order, the files it ships and what it could not say."""

    name: str
    workload: str  # the original workload's kind and name, "Deployment web"
    contexts: list[ContextDraft]
    files: dict[str, bytes] = field(default_factory=dict)  # service-relative path -> bytes
    leftovers: list[Leftover] = field(default_factory=list)
    description: str = ""
    app_version: str = ""
    chart_version: str = ""
    friends_library: list[str] = field(default_factory=list)


@dataclass
class Drafted:
    """One workload of one context, drafted: the context, the files its mounts ship, what it
    used of the stream and what it could not express."""

    kind: str
    name: str  # the workload object's name
    context: ContextDraft
    main: str = ""  # the name of its first container, the service's own
    files: dict[str, bytes] = field(default_factory=dict)
    used: set[int] = field(default_factory=set)  # ids of the objects it accounts for
    leftovers: list[Leftover] = field(default_factory=list)
