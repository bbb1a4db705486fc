"""Rules of secrets: the secrets block (its provider and that provider's settings), and every
use of a secret, which needs a provider and a name Kubernetes takes.

What a provider finds wrong with a secret (missing, or holding a key Kubernetes refuses) is
known only once a context is compiled; `locate_secret_error` puts such an error at the line
that uses the secret in that context (`secret_uses`).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass

from pligos_tui.errors import ConfigError, PligosError, Problems, ResolveError, Rule, did_you_mean
from pligos_tui.io.keypath import KeyPath
from pligos_tui.io.yamlread import Document
from pligos_tui.secrets.data import SecretDataError, SecretDataErrors
from pligos_tui.secrets.vault import EXAMPLE_ADDRESS, address_problem, shown_address
from pligos_tui.spec.effective import Settings, flavor_of, routes_tls_from_provider, settings_of
from pligos_tui.spec.fields import NAME_DNS, PATH_OUTSIDE, dns_label, service_path
from pligos_tui.spec.flavors import FlavorSet
from pligos_tui.spec.model import SecretsConfig, Service
from pligos_tui.spec.reader import KEY_UNKNOWN, WRONG_TYPE
from pligos_tui.spec.resolve import (
    ResolvedContext,
    container_images,
    pod_mounts,
    resolve_context,
)
from pligos_tui.spec.rules.context import RuleContext
from pligos_tui.spec.rules.registry import Found, rule
from pligos_tui.spec.vocabulary import (
    CHARTS_DIR,
    DEFAULT_SECRETS_PATH,
    EXISTING,
    SECRET_PROVIDERS,
    SECRET_SETTINGS,
)

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
        normal = posixpath.normpath(path.replace("\\", "/"))
        if problem is None and normal == ".":
            problem = f"{path!r} is the service folder itself, not a folder inside it"
        elif problem is None and (normal + "/").startswith(CHARTS_DIR + "/"):
            problem = (f"{path!r} is the charts folder or inside it: git-ignoring the secrets "
                       "would hide the charts, which are meant to be committed")
        if problem:
            yield Found(("secrets", "path"), f"secrets path {problem}",
                        "keep the secrets folder inside the service (git-ignored), "
                        "e.g. path: secrets")


@rule(SECRET_SETTING)
def vault_settings(ctx: RuleContext) -> Iterator[Found]:
    block = _known(ctx)
    if block is None or block.provider != "vault":
        return
    settings = block.settings
    address = settings.get("address")
    wrong = address_problem(address) if isinstance(address, str) else None
    if isinstance(address, str) and wrong is not None:
        problem, fix = wrong
        yield Found(("secrets", "address"), f"the Vault address {shown_address(address)!r} "
                    f"{problem}", f"use address: {fix or EXAMPLE_ADDRESS}")
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
    using = [r.resolved.delivery.mode for r in ctx.resolutions if r.resolved is not None
             and uses_in(svc, r.resolved, ctx.settings.get(r.context.name), ctx.flavors)]
    if using and all(mode == EXISTING for mode in using):
        return  # every context using secrets refers to Secrets the cluster has
    by_cert_manager = _cert_manager_routes(ctx)
    for ref in ctx.secret_refs:
        if ref.at[:1] == ("routes",) and ref.at[1:2] and ref.at[1] in by_cert_manager:
            continue
        yield Found(ref.at, f"{ref.what} refers to the secret {ref.name!r}, but no secret "
                    "provider is configured", _NO_PROVIDER_HINT)
    for friend in svc.friends.values():
        if friend.credentials:
            yield Found(("friends",) if friend.doc is svc.doc else (),
                        f"friend {friend.name!r} ({friend.where}) has credentials, but no "
                        "secret provider is configured", _NO_PROVIDER_HINT)


def _cert_manager_routes(ctx: RuleContext) -> set[int]:
    """The indexes of the routes whose TLS Secret no provider needs to hold in any context
    that serves them (cert-manager writes it, or a Gateway ends TLS)."""
    served: dict[int, list[bool]] = {}
    for context, resolved, _ in ctx.flavored:
        managed = not routes_tls_from_provider(ctx.settings[context.name])
        for route in resolved.routes:
            if route.at[:1] == ("routes",) and isinstance(route.at[1], int):
                served.setdefault(route.at[1], []).append(managed)
    return {i for i, managed in served.items() if all(managed)}


@rule(NAME_DNS)
def secret_names(ctx: RuleContext) -> Iterator[Found]:
    for ref in ctx.secret_refs:
        problem = dns_label(ref.name)
        if problem:
            yield Found(ref.at, f"secret name {problem}", "secret names become part of "
                        "Kubernetes object names, e.g. tokens-tls")


# ----- where a secret is used, for the compiler and the errors of its provider

# the Kubernetes type of Secret each kind of use needs (a secret mount and a friend's
# credentials take any Opaque secret)
DOCKERCONFIG, TLS, OPAQUE = "kubernetes.io/dockerconfigjson", "kubernetes.io/tls", "Opaque"


@dataclass(frozen=True)
class SecretUse:
    """One use of a secret in a context, where the user wrote it."""

    name: str  # the secret
    what: str  # how messages name the use, e.g. "the pull secret of image 'release'"
    doc: Document  # pligos.yaml, or the friend's file
    at: KeyPath
    kind: str = OPAQUE  # the Kubernetes type of Secret the use needs


def uses_in(svc: Service, ctx: ResolvedContext, settings: Settings | None = None,
            flavors: FlavorSet | None = None) -> list[SecretUse]:
    """Every use of a secret in a resolved context: its images' pull secrets, its routes' TLS
    secrets (unless cert-manager writes them), its secret mounts and its friends' credentials,
    in that order. `settings`: the context's (spec.effective.settings_of), looked up (in
    `flavors`) when not given."""
    if settings is None:
        try:
            settings = settings_of(ctx, flavor_of(svc, ctx, flavors=flavors))
        except ConfigError:  # (a broken flavor.yaml is reported on its own)
            settings = settings_of(ctx, None)
    uses: list[SecretUse] = []
    images = [ctx.image] if ctx.image is not None else []
    for img in images + container_images(svc, ctx):
        if img.pull_secret and not any(u.at == img.at + ("pullSecret",) for u in uses):
            uses.append(SecretUse(img.pull_secret, f"the pull secret of image {img.name!r}",
                                  svc.doc, img.at + ("pullSecret",), DOCKERCONFIG))
    for r in ctx.routes if routes_tls_from_provider(settings) else ():
        if r.tls:
            uses.append(SecretUse(r.tls, f"the TLS secret of route {r.name!r}", svc.doc,
                                  r.at + ("tls",), TLS))
    for m in pod_mounts(svc, ctx):
        if m.kind == "secret" and m.secret:
            uses.append(SecretUse(m.secret, f"mount {m.name!r}", svc.doc, m.at + ("secret",)))
    for use in ctx.friends:
        friend = svc.friends.get(use.name)
        for key, ref in (friend.credentials.items() if friend else ()):
            assert friend is not None
            uses.append(SecretUse(ref.split("/", 1)[0], f"credential {key!r} of friend "
                                  f"{friend.name!r}", friend.doc,
                                  friend.at + ("credentials", key)))
    return uses


def secret_uses(svc: Service, context: str,
                flavors: FlavorSet | None = None) -> list[SecretUse]:
    """`uses_in` the context named `context` (none when it does not resolve)."""
    try:
        return uses_in(svc, resolve_context(svc, context), flavors=flavors)
    except ResolveError:
        return []


def locate_secret_error(svc: Service, context: str, error: PligosError) -> PligosError:
    """A provider's error about one secret (or several: `SecretDataErrors`), as a problem at
    the first line that uses each secret in `context` (file:line:col and key path); any other
    error as it is."""
    errors = error.errors if isinstance(error, SecretDataErrors) else [error]
    if not all(isinstance(e, SecretDataError) for e in errors):
        return error
    uses = secret_uses(svc, context)
    problems = Problems(svc.doc.file)
    for e in errors:
        assert isinstance(e, SecretDataError)
        use = next((u for u in uses if u.name == e.secret), None)
        if use is None:
            return error
        use.doc.problem(problems, use.at, f"{use.what}: {e.message}", e.hint)
    return ConfigError(problems.items)
