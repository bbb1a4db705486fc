"""Secrets in the values contract: what each secret a context uses becomes, by its delivery.

Every secret a context uses (a pull secret, a TLS secret, a secret mount, a friend's
credentials) is one entry of the values' `secrets`, with its Kubernetes type and delivery
(`vocabulary.SECRET_DELIVERIES`):
- `inline`: the provider's bytes are fetched and kept apart from the chart, as the values
  file `secrets/values.yaml` (`secretData.<name>.<key>`, base64), which is git- and
  helm-ignored; the values name no bytes, so a chart is the same with and without them;
- `external-secrets`: the store to read from and the remote key, for an ExternalSecret;
- `existing`: the name of the Secret the cluster has.
Only inline delivery reads the provider, and only when asked to (`fetch`): telling whether a
chart is stale, or rendering an external-secrets chart, never needs the secret store.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import yaml

from pligos_tui.errors import SecretError
from pligos_tui.io.files import NotRegularFile, read_regular
from pligos_tui.io.yamlwrite import dump_yaml
from pligos_tui.secrets import SecretProvider, remote_key
from pligos_tui.secrets.data import SecretDataError, SecretDataErrors, secret_text
from pligos_tui.spec.effective import Settings
from pligos_tui.spec.model import Delivery, Service
from pligos_tui.spec.resolve import ResolvedContext
from pligos_tui.spec.rules.secrets import DOCKERCONFIG, OPAQUE, TLS, SecretUse, uses_in
from pligos_tui.spec.vocabulary import (
    EXISTING,
    EXTERNAL_SECRETS,
    INLINE,
    SECRET_DATA,
    SECRET_STORE_KINDS,
    SECRETS_VERSION,
)

TLS_KEYS = ("tls.crt", "tls.key")
_TOKEN = re.compile(r"[0-9a-f]{32}")


def secret_uses(ctx: ResolvedContext, svc: Service,
                settings: Settings | None = None) -> dict[str, list[SecretUse]]:
    """secret name -> its uses in the context."""
    uses: dict[str, list[SecretUse]] = {}
    for use in uses_in(svc, ctx, settings):
        uses.setdefault(use.name, []).append(use)
    return uses


def _kind(name: str, uses: list[SecretUse]) -> str:
    special = {u.kind for u in uses} - {OPAQUE}
    if len(special) > 1:
        users = " and ".join(u.what for u in uses)
        raise SecretError(f"secret {name!r} is used as {users}, which need different kinds "
                          "of secret", hint="use one secret for each")
    return special.pop() if special else OPAQUE


def credential_key(credential: str, ref: str) -> tuple[str, str]:
    """The secret and key a friend's credential reads: `secret/key`, or `secret` alone for
    the key named like the credential."""
    secret, _, key = ref.partition("/")
    return secret, key or credential


def _dockerconfig(name: str, data: dict[str, bytes]) -> dict[str, bytes]:
    if ".dockerconfigjson" in data:
        return {".dockerconfigjson": data[".dockerconfigjson"]}
    missing = [k for k in ("registry", "username", "password") if k not in data]
    if missing:
        raise SecretDataError(f"pull secret {name!r} needs the keys registry, username and "
                              f"password (or .dockerconfigjson); it lacks {', '.join(missing)}",
                              hint="add the missing keys to the secret", secret=name)
    user, password, registry = (secret_text(name, key, data[key], what="a pull secret")
                                for key in ("username", "password", "registry"))
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    config = {"auths": {registry: {"username": user, "password": password, "auth": auth}}}
    return {".dockerconfigjson": json.dumps(config, sort_keys=True).encode()}


def _inline_data(name: str, kind: str, provider: SecretProvider, context: str,
                 needed: list[tuple[str, str]]) -> dict[str, str]:
    """The data of an inline secret as the Secret's `data` (key -> base64), checked against
    what its uses need."""
    data = provider.get(name, context)
    if kind == DOCKERCONFIG:
        data = _dockerconfig(name, data)
    elif kind == TLS:
        missing = [k for k in TLS_KEYS if k not in data]
        if missing:
            raise SecretDataError(f"TLS secret {name!r} lacks the keys {', '.join(missing)} "
                                  f"(has: {', '.join(sorted(data)) or 'none'})",
                                  hint="store the certificate chain as tls.crt and the "
                                       "private key as tls.key", secret=name)
    for what, key in needed:
        if key not in data:
            raise SecretDataError(f"{what}: secret {name!r} has no key {key!r}",
                                  hint=f"its keys are: {', '.join(sorted(data))}; name the "
                                       f"key as <secret>/<key>", secret=name, key=key)
    return {key: base64.b64encode(data[key]).decode() for key in sorted(data)}


def _entry(svc: Service, name: str, kind: str, d: Delivery, context: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": kind, "delivery": d.mode}
    if d.mode == EXTERNAL_SECRETS:
        settings = svc.secrets.settings if svc.secrets is not None else {}
        entry.update(store={"kind": d.store_kind or SECRET_STORE_KINDS[0],
                            "name": d.store_name},
                     refreshInterval=d.refresh_interval,
                     remoteKey=remote_key(settings, name, context),
                     # the keys to read one by one; none: every key of the remote secret
                     keys=list(TLS_KEYS) if kind == TLS else [])
    elif d.mode == EXISTING:
        entry["name"] = d.secret_name(name)
    return entry


REDACTED_VERSION = "redacted"  # the secrets version of a preview, whose data is redacted


def secret_values(data: dict[str, dict[str, str]], version: str = REDACTED_VERSION) -> bytes:
    """The file SECRET_VALUES_FILE for inline secret data (secret -> key -> base64) and the token
    of this data's version."""
    return dump_yaml({SECRET_DATA: data, SECRETS_VERSION: version}).encode()


def versioned(file: bytes, previous: Path, salt: str) -> bytes:
    """The SECRET_VALUES_FILE `file` with the version token of its data. The pods'
    checksum/secrets is this token, so they roll when the data changes; it is the same on
    every machine (a render in a fresh clone gives what generate gave), yet not a fast hash
    of the bytes, which would let anyone who can read a Deployment test guesses of a short
    password: scrypt, salted with `salt` (the service and context), costing about 0.1 s, and
    taken from the chart's `previous` file when that holds the same data."""
    data = yaml.safe_load(file)[SECRET_DATA]
    try:
        before = yaml.safe_load(read_regular(previous))
    except (OSError, NotRegularFile, yaml.YAMLError):
        before = None
    token = before.get(SECRETS_VERSION) if isinstance(before, dict) else None
    if not (isinstance(token, str) and _TOKEN.fullmatch(token)
            and before.get(SECRET_DATA) == data):
        canonical = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
        token = hashlib.scrypt(canonical, salt=f"pligos:{salt}".encode(), n=2 ** 15, r=8,
                               p=1, maxmem=64 * 1024 * 1024, dklen=16).hex()
    return secret_values(data, token)


def compile_secrets(svc: Service, ctx: ResolvedContext, provider: SecretProvider | None, *,
                    fetch: bool, settings: Settings | None = None
                    ) -> tuple[dict[str, Any], dict[str, list[dict[str, str]]],
                               dict[str, dict[str, str]]]:
    """The values' `secrets` entries, each friend's credentials (friend -> its env entries,
    as the values contract has them), and the inline secret data, secret -> key -> base64
    (read only with `fetch`, and only for inline delivery)."""
    d = ctx.delivery
    needed: dict[str, list[tuple[str, str]]] = {}  # secret -> (use, key) of credentials
    credentials: dict[str, list[dict[str, str]]] = {}
    for use in ctx.friends:
        friend = svc.friends.get(use.name)
        for credential, ref in (friend.credentials.items() if friend else ()):
            assert friend is not None
            secret, key = credential_key(credential, ref)
            needed.setdefault(secret, []).append(
                (f"credential {credential!r} of friend {use.name!r}", key))
            credentials.setdefault(friend.name, []).append(
                {"name": friend.env_name(credential), "secret": secret, "key": key})
    uses = secret_uses(ctx, svc, settings)
    entries: dict[str, Any] = {}
    data: dict[str, dict[str, str]] = {}
    missing: list[SecretDataError] = []  # all of them at once, each at its line
    for name in sorted(uses):
        kind = _kind(name, uses[name])
        entries[name] = _entry(svc, name, kind, d, ctx.name)
        if d.mode == INLINE and fetch:
            assert provider is not None  # validated: inline delivery needs a provider
            try:
                data[name] = _inline_data(name, kind, provider, ctx.name, needed.get(name, []))
            except SecretDataError as exc:
                missing.append(exc)
    if missing:
        raise missing[0] if len(missing) == 1 else SecretDataErrors(missing)
    return entries, credentials, data
