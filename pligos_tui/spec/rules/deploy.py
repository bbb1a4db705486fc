"""Rules of where and how a context is deployed: its namespace, release and cluster, and how
its secret data reaches the cluster (`delivery`, in the secrets block or a context's
`secrets:`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from pligos_tui.errors import Rule, did_you_mean
from pligos_tui.io.keypath import KeyPath
from pligos_tui.spec.fields import NAME_DNS, dns_label, dns_subdomain, suggest_label
from pligos_tui.spec.reader import KEY_UNKNOWN
from pligos_tui.spec.rules.context import RuleContext
from pligos_tui.spec.rules.registry import Found, rule
from pligos_tui.spec.rules.secrets import uses_in
from pligos_tui.spec.vocabulary import (
    DELIVERY_KEYS,
    EXISTING,
    EXTERNAL_SECRETS,
    SECRET_DELIVERIES,
    SECRET_PROVIDERS,
    SECRET_STORE_KINDS,
    SERVICE_NAME_MAX,
)

RELEASE_NAME = Rule("E-RELEASE-NAME", "a context's release can start the names of its "
                    "objects: lowercase letters, digits and '-', starting with a letter, at "
                    "most 53 characters")
CLUSTER = Rule("E-CLUSTER", "a context's cluster is an API server URL (https://host[:port]"
               "[/path]) or the name of a cluster")
DELIVERY = Rule("E-DELIVERY", "a secret delivery Pligos has, with what it needs: a store for "
                "external-secrets, a provider for inline and external-secrets")

# a DNS-1035 label: the release starts the names of Services, which must be one
RELEASE = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")  # what a release name may be
_CLUSTER_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.@:/]*[A-Za-z0-9])?")
_DURATION = re.compile(r"0|([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+")  # "0": never again
_STORE_HINT = "e.g. store: {kind: ClusterSecretStore, name: vault}"


def _blocks(ctx: RuleContext) -> Iterator[tuple[KeyPath, dict[str, Any], bool]]:
    """Every mapping that chooses a delivery: the secrets block, then each context's
    `secrets:`; with whether it is a context's."""
    block = ctx.svc.secrets
    if block is not None:
        yield ("secrets",), block.settings, False
    for context in ctx.svc.contexts:
        if context.secrets is not None:
            yield context.at + ("secrets",), context.secrets, True


@rule(RELEASE_NAME)
def release_name(ctx: RuleContext) -> Iterator[Found]:
    for context in ctx.svc.contexts:
        name = context.release
        if name is None:
            continue
        if len(name) > SERVICE_NAME_MAX or not RELEASE.fullmatch(name):
            yield Found(context.at + ("release",),
                        f"release {name!r} cannot start the names of the context's objects: "
                        f"use lowercase letters, digits and '-', starting with a letter and "
                        f"ending with a letter or digit, at most {SERVICE_NAME_MAX} characters",
                        f"e.g. release: {suggest_label(name, SERVICE_NAME_MAX)}")


@rule(CLUSTER)
def cluster_value(ctx: RuleContext) -> Iterator[Found]:
    for context in ctx.svc.contexts:
        cluster = context.cluster
        if cluster is None:
            continue
        problem = _cluster_problem(cluster)
        if problem:
            yield Found(context.at + ("cluster",), f"cluster {cluster!r} {problem}",
                        "e.g. cluster: https://prod.k8s.example.com:6443, or cluster: prod "
                        "(a cluster's name in Argo CD)")


def _cluster_problem(cluster: str) -> str | None:
    if "://" not in cluster:
        return None if _CLUSTER_NAME.fullmatch(cluster) and len(cluster) <= 253 else (
            "is neither a URL nor a cluster name (letters, digits, '-', '_', '.')")
    try:
        split = urlsplit(cluster)
        _ = split.port  # reading it checks the port
    except ValueError:
        return "is not a valid URL (check the host and the port)"
    if split.scheme not in ("https", "http") or not split.hostname:
        return "must be an http(s) URL with a host"
    if any(c.isspace() or not c.isprintable() for c in cluster):
        return "holds a space, line break or control character"
    if "@" in split.netloc or split.query or split.fragment:
        return "must not hold a user, a query or a fragment"
    return None


@rule(NAME_DNS)
def namespace_name(ctx: RuleContext) -> Iterator[Found]:
    for context in ctx.svc.contexts:
        if context.namespace is not None:
            problem = dns_label(context.namespace)
            if problem:
                yield Found(context.at + ("namespace",), f"namespace {problem}",
                            "a namespace is a DNS label, e.g. namespace: shop-prod")


@rule(KEY_UNKNOWN)
def delivery_keys(ctx: RuleContext) -> Iterator[Found]:
    for at, settings, in_context in _blocks(ctx):
        if not in_context and settings.get("provider"):
            continue  # the block's keys are checked with its provider's settings
        allowed = DELIVERY_KEYS if in_context else ("provider", *DELIVERY_KEYS)
        for key in settings:
            if key not in allowed:
                hint = did_you_mean(str(key), list(allowed), loose=True) or (
                    f"a context's secrets: chooses the delivery only ({', '.join(DELIVERY_KEYS)}"
                    "); the provider is set once, in the top-level secrets block"
                    if in_context else f"allowed keys: {', '.join(allowed)}")
                where = "a context's secrets" if in_context else "secrets without a provider"
                yield Found(at + (key,), f"unknown key {key!r} in {where}", hint, key=True)


@rule(DELIVERY)
def delivery_values(ctx: RuleContext) -> Iterator[Found]:
    for at, settings, _ in _blocks(ctx):
        mode = settings.get("delivery")
        if mode is not None and mode not in SECRET_DELIVERIES:
            yield Found(at + ("delivery",), f"unknown secret delivery {mode!r}",
                        did_you_mean(str(mode), list(SECRET_DELIVERIES), loose=True)
                        or f"deliveries are: {', '.join(SECRET_DELIVERIES)}")
        store = settings.get("store")
        if store is not None:
            if not isinstance(store, dict):
                yield Found(at + ("store",), "store must be a mapping with kind and name",
                            _STORE_HINT)
            else:
                yield from _store(at + ("store",), store)
        interval = settings.get("refreshInterval")
        if interval is not None and not (isinstance(interval, str)
                                         and _DURATION.fullmatch(interval)):
            yield Found(at + ("refreshInterval",), f"refreshInterval {interval!r} is not a "
                        "duration", "e.g. refreshInterval: 1h (or 15m, 30s)")
        names = settings.get("names")
        if names is not None:
            if not isinstance(names, dict):
                yield Found(at + ("names",), "names must map a secret to the name of the "
                            "Secret the cluster has", "e.g. names: {db: payments-db-credentials}")
            else:
                used = _secret_names(ctx)
                for key in names:
                    if key not in used:
                        yield Found(at + ("names", key), f"no secret named {key!r} is used",
                                    did_you_mean(str(key), sorted(used), loose=True)
                                    or "names: maps the name of a secret that pligos.yaml uses "
                                    "to the Secret the cluster has", key=True)
                for key, value in names.items():
                    problem = dns_subdomain(value) if isinstance(value, str) else (
                        "must be text")
                    if problem:
                        yield Found(at + ("names", key), f"the Secret name for {key!r} "
                                    f"{problem}", "e.g. names: {db: payments-db-credentials}")


def _secret_names(ctx: RuleContext) -> set[str]:
    """The name of every secret the service refers to (entries and friends' credentials)."""
    names = {ref.name for ref in ctx.secret_refs}
    for friend in ctx.svc.friends.values():
        names |= {ref.split("/", 1)[0] for ref in friend.credentials.values()}
    return names


def _store(at: KeyPath, store: dict[str, Any]) -> Iterator[Found]:
    for key in store:
        if key not in ("kind", "name"):
            yield Found(at + (key,), f"unknown key {key!r} in store", _STORE_HINT, key=True)
    kind = store.get("kind", SECRET_STORE_KINDS[0])
    if kind not in SECRET_STORE_KINDS:
        yield Found(at + ("kind",), f"unknown store kind {kind!r}",
                    f"use {' or '.join(SECRET_STORE_KINDS)}")
    name = store.get("name")
    problem = "is missing" if name is None else (
        dns_subdomain(name) if isinstance(name, str) else "must be text")
    if problem:
        yield Found(at if name is None else at + ("name",), f"the store's name {problem}",
                    _STORE_HINT, key=name is None)


@rule(DELIVERY)
def delivery_needs(ctx: RuleContext) -> Iterator[Found]:
    """Each context that uses secrets has what its delivery needs."""
    block = ctx.svc.secrets
    has_provider = block is not None and block.provider in SECRET_PROVIDERS
    for context, resolved, _ in ctx.flavored:
        uses = uses_in(ctx.svc, resolved, ctx.settings[context.name])
        if not uses:
            continue
        d = resolved.delivery
        where = resolved.where("secrets") or ("secrets",)
        if d.mode == EXTERNAL_SECRETS and not d.store_name:
            yield Found(where, "in {contexts}, secrets are delivered as external-secrets but "
                        "no store to read them from is named",
                        "add store: {kind: ClusterSecretStore, name: <store>} to secrets:",
                        key=True, context=context.name)
        if d.mode != EXISTING and not has_provider and block is not None:
            yield Found(where, f"in {{contexts}}, secrets are delivered {d.mode} (the secret "
                        f"{uses[0].name!r} among them), which needs a secret provider",
                        "add provider: file (or vault) to the top-level secrets block, or "
                        "deliver them with delivery: existing", key=True, context=context.name)
