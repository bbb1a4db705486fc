"""Rules of secrets: the secrets block (its provider and that provider's settings), and every
use of a secret, which needs a provider and a name Kubernetes takes."""

from __future__ import annotations

from collections.abc import Iterator

from pligos_tui.errors import Rule, did_you_mean
from pligos_tui.spec.fields import NAME_DNS, PATH_OUTSIDE, dns_label, service_path
from pligos_tui.spec.model import SecretsConfig
from pligos_tui.spec.reader import KEY_UNKNOWN, WRONG_TYPE
from pligos_tui.spec.rules.context import RuleContext
from pligos_tui.spec.rules.registry import Found, rule
from pligos_tui.spec.vocabulary import DEFAULT_SECRETS_PATH, SECRET_PROVIDERS, SECRET_SETTINGS

SECRET_PROVIDER = Rule("E-SECRET-PROVIDER", "the secrets block names a provider Pligos does "
                       "not have")
SECRET_SETTING = Rule("E-SECRET-SETTING", "a vault setting with a value Vault cannot take "
                      "(address, kv, timeout)")
SECRET_NO_PROVIDER = Rule("E-SECRET-NO-PROVIDER", "a secret is used (a pull secret, a TLS "
                          "secret, a secret mount, a friend's credentials) but no secret "
                          "provider is configured")

_NO_PROVIDER_HINT = "add a top-level secrets: {provider: file, path: secrets}"


def _known(ctx: RuleContext) -> SecretsConfig | None:
    """The secrets block when its provider is one Pligos has."""
    block = ctx.svc.secrets
    return block if block is not None and block.provider in SECRET_PROVIDERS else None


@rule(SECRET_PROVIDER)
def unknown_provider(ctx: RuleContext) -> Iterator[Found]:
    block = ctx.svc.secrets
    if block is not None and block.provider and block.provider not in SECRET_PROVIDERS:
        yield Found(("secrets", "provider"), f"unknown secret provider {block.provider!r}",
                    did_you_mean(block.provider, list(SECRET_PROVIDERS), loose=True)
                    or f"providers are: {', '.join(SECRET_PROVIDERS)}")


@rule(KEY_UNKNOWN)
def unknown_settings(ctx: RuleContext) -> Iterator[Found]:
    block = _known(ctx)
    if block is None:
        return
    allowed = SECRET_SETTINGS[block.provider]
    for key in block.settings:
        if key not in allowed:
            yield Found(("secrets", key), f"unknown key {key!r} for the {block.provider} "
                        "provider", did_you_mean(key, list(allowed), loose=True)
                        or f"allowed keys: {', '.join(allowed)}", key=True)


@rule(WRONG_TYPE)
def setting_types(ctx: RuleContext) -> Iterator[Found]:
    block = _known(ctx)
    if block is None:
        return
    settings = block.settings
    if block.provider == "file":
        if not isinstance(settings.get("path", DEFAULT_SECRETS_PATH), str):
            yield Found(("secrets", "path"), "path must be text", "e.g. path: secrets")
        return
    for key in ("address", "mount", "path"):
        if key in settings and not isinstance(settings[key], str):
            yield Found(("secrets", key), f"{key} must be text")


@rule(PATH_OUTSIDE)
def secrets_path(ctx: RuleContext) -> Iterator[Found]:
    block = _known(ctx)
    if block is None or block.provider != "file":
        return
    path = block.settings.get("path", DEFAULT_SECRETS_PATH)
    if isinstance(path, str):
        _, problem = service_path(ctx.svc.root, path, follow_symlinks=ctx.svc.follow_symlinks)
        if problem:
            yield Found(("secrets", "path"), f"secrets path {problem}",
                        "keep the secrets folder inside the service (git-ignored)")


@rule(SECRET_SETTING)
def vault_settings(ctx: RuleContext) -> Iterator[Found]:
    block = _known(ctx)
    if block is None or block.provider != "vault":
        return
    settings = block.settings
    address = settings.get("address")
    if isinstance(address, str) and not address.startswith(("http://", "https://")):
        yield Found(("secrets", "address"), f"{address!r} is not a Vault address",
                    "e.g. address: https://vault.example.com:8200")
    if "kv" in settings and settings["kv"] not in (1, 2):
        yield Found(("secrets", "kv"), f"kv must be 1 or 2, not {settings['kv']!r}",
                    "or leave it out to detect the version")
    timeout = settings.get("timeout")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(
            timeout, (int, float)) or timeout <= 0):
        yield Found(("secrets", "timeout"), "timeout must be a positive number of seconds",
                    "e.g. timeout: 10")


@rule(SECRET_NO_PROVIDER)
def secret_without_provider(ctx: RuleContext) -> Iterator[Found]:
    svc = ctx.svc
    if svc.secrets is not None:
        return
    for ref in ctx.secret_refs:
        yield Found(ref.at, f"{ref.what} refers to the secret {ref.name!r}, but no secret "
                    "provider is configured", _NO_PROVIDER_HINT)
    for friend in svc.friends.values():
        if friend.credentials:
            yield Found(("friends",) if friend.doc is svc.doc else (),
                        f"friend {friend.name!r} ({friend.where}) has credentials, but no "
                        "secret provider is configured", _NO_PROVIDER_HINT)


@rule(NAME_DNS)
def secret_names(ctx: RuleContext) -> Iterator[Found]:
    for ref in ctx.secret_refs:
        problem = dns_label(ref.name)
        if problem:
            yield Found(ref.at, f"secret name {problem}", "secret names become part of "
                        "Kubernetes object names, e.g. tokens-tls")
