"""Secret providers: resolving a secret's name to its key/value data.

Secrets never live in pligos.yaml. A service names them (a pull secret, a TLS certificate, a
mounted secret, a friend's credentials) and its `secrets:` block says where they come from:
`file` (a git-ignored folder of the service) or `vault` (a Vault KV store). A provider returns
a secret's data as bytes per key, with keys Kubernetes takes (`data.py`); errors are
SecretErrors with one clear line, which never contain a token or a secret's bytes. An error
about one secret is a `SecretDataError` naming it, so that the line using it can be shown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from pligos_tui.errors import SecretError
from pligos_tui.secrets.file import FileProvider
from pligos_tui.secrets.vault import VaultProvider, location


class SecretProvider(Protocol):
    def describe(self) -> str:
        """Where secrets come from, for messages (never holds a token)."""

    def get(self, name: str, context: str) -> dict[str, bytes]:
        """The data of secret `name` for `context`: key -> bytes, each key one Kubernetes
        takes (`data.check_keys`). Raises SecretError."""


class CachingProvider:
    """Reads each (secret, context) once per run."""

    def __init__(self, inner: SecretProvider) -> None:
        self.inner = inner
        self._cache: dict[tuple[str, str], dict[str, bytes]] = {}

    def describe(self) -> str:
        return self.inner.describe()

    def get(self, name: str, context: str) -> dict[str, bytes]:
        key = (name, context)
        if key not in self._cache:
            self._cache[key] = self.inner.get(name, context)
        return self._cache[key]


class LazyProvider:
    """A provider made when first read: a service whose secrets need no reading (delivered
    by the cluster, or not used by the contexts at hand) never needs its settings to work."""

    def __init__(self, settings: dict[str, Any], root: Path, file: str) -> None:
        self._args = (settings, root, file)
        self._inner: SecretProvider | None = None

    def _provider(self) -> SecretProvider:
        if self._inner is None:
            self._inner = make_provider(*self._args)
        return self._inner

    def describe(self) -> str:
        return self._provider().describe()

    def get(self, name: str, context: str) -> dict[str, bytes]:
        return self._provider().get(name, context)


class RedactingProvider:
    """Keeps the keys of each secret but replaces its bytes, for previews and diffs."""

    PLACEHOLDER = b"<redacted>"

    def __init__(self, inner: SecretProvider) -> None:
        self.inner = inner

    def describe(self) -> str:
        return self.inner.describe()

    def get(self, name: str, context: str) -> dict[str, bytes]:
        return {key: self.PLACEHOLDER for key in self.inner.get(name, context)}


class Watched:
    """A provider that remembers whether it was read (`generate`: a run that read a store
    it cannot check later records its secrets as unknown)."""

    def __init__(self, inner: SecretProvider) -> None:
        self.inner = inner
        self.read = False

    def describe(self) -> str:
        return self.inner.describe()

    def get(self, name: str, context: str) -> dict[str, bytes]:
        self.read = True
        return self.inner.get(name, context)


def make_provider(settings: dict[str, Any], root: Path, file: str) -> SecretProvider:
    """The provider a service's `secrets:` block configures (already validated)."""
    provider = settings.get("provider")
    if provider == "file":
        return CachingProvider(FileProvider(root, settings.get("path", "secrets")))
    if provider == "vault":
        return CachingProvider(VaultProvider.from_settings(settings, service_file=file))
    raise SecretError(f"unknown secret provider {provider!r}", hint="use file or vault")


def remote_key(settings: dict[str, Any], name: str, context: str) -> str:
    """The key an ExternalSecret reads secret `name` of `context` at, in a store backed by
    the provider of `settings`: for Vault the path below the mount the provider reads (the
    store's `path` is the mount), for the file provider the secret's name."""
    if settings.get("provider") == "vault":
        return location(str(settings.get("path", "")), name, context)
    return name
