"""The typed model of pligos.yaml (format 1): what a loaded service is.

Every entry, reference and context remembers its key path in the document (`at`), so any
later check can name the line it comes from. :mod:`pligos_tui.spec.structure` fills these from a
parsed document; nothing here reads or checks anything.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from pligos_tui.io.keypath import KeyPath
from pligos_tui.io.yamlread import Document
from pligos_tui.spec.sources import FlavorSource
from pligos_tui.spec.vocabulary import (
    CONTEXT_PROPERTIES,
    CONTEXT_SETTINGS,
    DEFAULT_PROTOCOL,
    DEFAULT_PULL_POLICY,
    DEFAULT_REFRESH_INTERVAL,
    INLINE,
)


@dataclass
class Entry:
    """A named property entry; `at` is its key path in the document (for error lines)."""

    name: str
    at: KeyPath


@dataclass
class Image(Entry):
    repository: str = ""
    tag: str = ""
    digest: str = ""
    pull_policy: str = DEFAULT_PULL_POLICY
    pull_secret: str = ""
    run_as_user: int | None = None  # the image's own user, when it needs one
    run_as_group: int | None = None


@dataclass
class Command(Entry):
    type: str = "executable"  # executable | script
    command: list[str] = field(default_factory=list)
    args: list[str] = field(default_factory=list)
    file_name: str = ""
    interpreter: list[str] = field(default_factory=list)


@dataclass
class Probe(Entry):
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)  # stage -> Kubernetes Probe


@dataclass
class Route(Entry):
    port: int = 0
    container_port: int = 0
    protocol: str = DEFAULT_PROTOCOL
    fqdn: str = ""
    path: str = "/"
    tls: str = ""
    app_protocol: str = ""  # the Service port's appProtocol; "grpc" exposes a GRPCRoute
    ingress_class: str = ""  # its own Ingress class (and so its own Ingress)
    annotations: dict[str, str] = field(default_factory=dict)  # of its own Ingress


@dataclass
class Mount(Entry):
    path: str = ""
    read_only: bool = False
    kind: str = ""  # one of MOUNT_KINDS
    files: list[str] = field(default_factory=list)
    secret: str = ""
    host_path: str = ""
    volume: dict[str, str] = field(default_factory=dict)  # size, storageClass, accessMode
    empty_dir: dict[str, str] = field(default_factory=dict)  # medium, sizeLimit


@dataclass
class EnvSet(Entry):
    variables: dict[str, str] = field(default_factory=dict)


@dataclass
class Resources(Entry):
    requests: dict[str, str] = field(default_factory=dict)
    limits: dict[str, str] = field(default_factory=dict)


@dataclass
class Container(Entry):
    """A sidecar or init container: the names of the entries it runs with."""

    image: str = ""
    command: str = ""
    probe: str = ""
    env: list[str] = field(default_factory=list)
    mounts: list[str] = field(default_factory=list)
    resources: str = ""


E = TypeVar("E", bound=Entry)


@dataclass
class Ref(Generic[E]):
    """A context's reference to an entry: by name, or an inline entry."""

    at: KeyPath
    name: str = ""
    inline: E | None = None


@dataclass
class FriendUse:
    name: str
    at: KeyPath
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class Context:
    name: str
    at: KeyPath
    flavor: str = ""
    extends: str = ""
    image: Ref[Image] | None = None
    command: Ref[Command] | None = None
    probe: Ref[Probe] | None = None
    routes: list[Ref[Route]] | None = None
    mounts: list[Ref[Mount]] | None = None
    env: list[Ref[EnvSet]] | None = None
    resources: Ref[Resources] | None = None
    sidecars: list[Ref[Container]] | None = None
    initContainers: list[Ref[Container]] | None = None  # (named as the key it is read from)
    replicas: int | None = None
    schedule: str | None = None
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)  # setting -> keys written
    values: dict[str, Any] | None = None
    friends: list[FriendUse] | None = None
    namespace: str | None = None
    release: str | None = None
    cluster: str | None = None
    secrets: dict[str, Any] | None = None  # how secret data is delivered (DELIVERY_KEYS)
    unset: set[str] = field(default_factory=set)  # properties written `key: null`: dropped

    def assigned(self) -> list[str]:
        """The context properties this context sets itself (not through extends)."""
        return [p for p in CONTEXT_PROPERTIES
                if (self.settings.get(p) if p in CONTEXT_SETTINGS else getattr(self, p))
                is not None]


@dataclass
class SecretsConfig:
    provider: str  # "" when the block only delivers existing Secrets
    at: KeyPath
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Delivery:
    """How a context's secret data reaches the cluster (vocabulary.SECRET_DELIVERIES)."""

    mode: str = INLINE
    store_kind: str = ""  # external-secrets: the SecretStore or ClusterSecretStore to read
    store_name: str = ""
    refresh_interval: str = DEFAULT_REFRESH_INTERVAL
    names: dict[str, str] = field(default_factory=dict)  # existing: secret -> Secret's name

    def secret_name(self, name: str) -> str:
        """The cluster's name of an existing Secret that pligos.yaml calls `name`."""
        return self.names.get(name, name)



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


@dataclass
class Service:
    """One service: its pligos.yaml, read and typed."""

    root: Path  # the service folder
    file: str  # pligos.yaml as shown to the user
    doc: Document
    name: str = ""
    description: str = ""
    chart_version: str = "0.1.0"
    app_version: str = ""
    flavor_paths: list[str] = field(default_factory=list)
    flavor_sources: list[FlavorSource] = field(default_factory=list)  # flavorSources:, in order
    friends_library: list[str] = field(default_factory=list)
    secrets: SecretsConfig | None = None
    inline_friends: list[dict[str, Any]] | None = None
    images: list[Image] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    probes: list[Probe] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    mounts: list[Mount] = field(default_factory=list)
    env: list[EnvSet] = field(default_factory=list)
    resources: list[Resources] = field(default_factory=list)
    containers: list[Container] = field(default_factory=list)
    contexts: list[Context] = field(default_factory=list)
    current_context: str = ""
    friends: dict[str, Friend] = field(default_factory=dict)  # name -> its friend
    follow_symlinks: bool = False  # allow links inside the service that point outside it

    def entries(self, prop: str) -> list[Entry]:
        """The entries of one property list, by its name (one of PROPERTY_LISTS)."""
        entries: list[Entry] = getattr(self, prop)
        return entries

    def context(self, name: str) -> Context | None:
        return next((c for c in self.contexts if c.name == name), None)
