"""The `vault` secret provider: a Vault KV store (version 1 or 2).

Secret `<name>` of context `<ctx>` is read from `<mount>/<path>/<name>`, with `{context}` in
`path` replaced by the context's name. The address comes from the `secrets:` block or
`VAULT_ADDR`: the server's root (`https://vault.example.com:8200`), checked before it is
used. The token comes only from `VAULT_TOKEN` or `~/.vault-token`, never from a file of the
service, and is checked too. The token is never part of a message, and errors name the
address and path only.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pligos_tui.errors import SecretError
from pligos_tui.secrets.data import SecretDataError, check_keys

DEFAULT_TIMEOUT = 10.0
EXAMPLE_ADDRESS = "https://vault.example.com:8200"
TOKEN_FILE = "~/.vault-token"


# ----- the address

def address_problem(address: str) -> tuple[str, str] | None:
    """What is wrong with a Vault address, as a phrase ("has a path (/v1)"), and the address
    to use instead ('' when none can be told); None for an address Vault answers at."""
    if not address:
        return "is empty", ""
    if any(c.isspace() or not c.isprintable() for c in address):
        fix = "".join(c for c in address if c.isprintable() and not c.isspace())
        return ("holds a space, line break or control character",
                fix if address_problem(fix) is None else "")
    if "://" not in address:
        fix = "https://" + address
        return "has no scheme (http:// or https://)", fix if address_problem(fix) is None else ""
    try:
        split = urlsplit(address)
        _ = split.port  # reading it checks the port
    except ValueError:
        return "is not a valid URL (check the host and the port)", ""
    scheme, netloc = split.scheme.lower(), split.netloc.rpartition("@")[2]
    fix = f"{scheme}://{netloc}" if split.hostname else ""
    if scheme not in ("http", "https"):
        return ("does not start with http:// or https://",
                f"https://{netloc}" if split.hostname else "")
    if not split.hostname:
        return "has no host", ""
    if "@" in split.netloc:
        return ("holds a user name or password (before the @), which Vault does not read: "
                "the token comes from VAULT_TOKEN or ~/.vault-token"), fix
    if split.path not in ("", "/"):
        if split.path.rstrip("/") == "/ui" or split.path.startswith("/ui/"):
            return ("ends in /ui, the page of Vault's web UI in a browser; Pligos needs the "
                    "server's root"), fix
        return f"has a path ({split.path}); Pligos needs the server's root, without a path", fix
    if "?" in address:
        return "has a query string (after ?); Pligos needs the server's root alone", fix
    if "#" in address:
        return "has a fragment (after #); Pligos needs the server's root alone", fix
    return None


def shown_address(address: str) -> str:
    """An address as messages show it: without a user name or password, a query or a
    fragment (any of which could hold a credential)."""
    shown = re.sub(r"^([^:/?#]*://)[^/?#]*@", r"\1…@", address)
    cut = min((i for i in (shown.find("?"), shown.find("#")) if i >= 0), default=-1)
    shown = shown if cut < 0 else shown[:cut + 1] + "…"
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in shown)


def _checked_address(address: str, source: str) -> str:
    found = address_problem(address)
    if found is None:
        return address.rstrip("/")
    problem, fix = found
    if source == "VAULT_ADDR":
        raise SecretError(f"the Vault address in VAULT_ADDR ({shown_address(address)}) {problem}",
                          hint=f"export VAULT_ADDR={fix or EXAMPLE_ADDRESS}")
    raise SecretError(f"{source}: the Vault address {shown_address(address)!r} {problem}",
                      hint=f"use address: {fix or EXAMPLE_ADDRESS} in secrets:")


# ----- the token

def _token() -> str:
    token = os.environ.get("VAULT_TOKEN", "")
    if token.strip():
        return _checked_token(token, "VAULT_TOKEN",
                              "export VAULT_TOKEN with the token alone, on one line")
    file = Path.home() / ".vault-token"
    try:
        text = file.read_bytes().decode("utf-8")
    except OSError:
        text = ""
    except UnicodeDecodeError:
        raise SecretError(f"{TOKEN_FILE} is not text", hint="log in again (`vault login` or "
                          "`bao login`) to write it, or export VAULT_TOKEN") from None
    if not text.strip():
        raise SecretError("no Vault token: VAULT_TOKEN is not set and ~/.vault-token is empty "
                          "or missing", hint="log in (`vault login` or `bao login`) or export "
                          "VAULT_TOKEN")
    return _checked_token(text, TOKEN_FILE, f"keep the token alone on one line in {TOKEN_FILE} "
                          "(`vault login` or `bao login` writes it so)")


def _checked_token(value: str, source: str, hint: str) -> str:
    """The token of `value` without its one line end and surrounding spaces; a SecretError
    saying what is wrong with it (never what it is) when anything else could not be sent."""
    token = value.removesuffix("\n").removesuffix("\r").strip(" ")
    if "\n" in token or "\r" in token:
        count = len(re.split(r"\r\n|\n|\r", token))
        raise SecretError(f"the Vault token in {source} spans {count} lines; a token is one "
                          "line", hint=hint)
    for c in token:
        if not (0x21 <= ord(c) <= 0x7e):
            kind = ("a space" if c == " " else "a tab" if c == "\t"
                    else "a control character" if ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f
                    else "a character that is not ASCII")
            raise SecretError(f"the Vault token in {source} holds {kind}, which no token has",
                              hint=hint)
    return token


def location(path: str, name: str, context: str) -> str:
    """Where secret `name` of `context` is, below the mount: `path/name`, with `{context}`
    in `path` replaced by the context's name."""
    path = path.strip("/").replace("{context}", context)
    return "/".join(p for p in (path, name) if p)


class VaultProvider:
    def __init__(self, address: str, mount: str, path: str, kv: int | None,
                 timeout: float) -> None:
        self.address = address.rstrip("/")
        self.mount = mount.strip("/")
        self.path = path.strip("/")
        self.kv = kv
        self.timeout = timeout
        self._client: Any = None

    @classmethod
    def from_settings(cls, settings: dict[str, Any], service_file: str = "") -> VaultProvider:
        given = settings.get("address")
        address = given or os.environ.get("VAULT_ADDR", "")
        if not address:
            raise SecretError(f"{service_file}: the vault provider needs an address",
                              hint=f"add address: {EXAMPLE_ADDRESS} to secrets:, or "
                                   "export VAULT_ADDR")
        source = f"{service_file or 'pligos.yaml'} secrets.address" if given else "VAULT_ADDR"
        return cls(address=_checked_address(str(address), source),
                   mount=str(settings.get("mount", "secret")),
                   path=str(settings.get("path", "")), kv=settings.get("kv"),
                   timeout=float(settings.get("timeout", DEFAULT_TIMEOUT)))

    def describe(self) -> str:
        return f"Vault at {self.address} (mount {self.mount})"

    def client(self) -> Any:
        if self._client is None:
            import hvac

            self._client = hvac.Client(url=self.address, token=_token(), timeout=self.timeout)
        return self._client

    def location(self, name: str, context: str) -> str:
        return location(self.path, name, context)

    def kv_version(self) -> int:
        if self.kv is None:
            data = self._call(lambda c: c.adapter.get(f"/v1/sys/internal/ui/mounts/{self.mount}"),
                              f"the mount {self.mount}")
            options = (data.get("data") or {}).get("options") or {}
            self.kv = 2 if str(options.get("version", "1")) == "2" else 1
        return int(self.kv)

    def get(self, name: str, context: str) -> dict[str, bytes]:
        path = self.location(name, context)
        where = f"{self.mount}/{path}"
        if self.kv_version() == 2:
            response = self._call(lambda c: c.secrets.kv.v2.read_secret_version(
                path=path, mount_point=self.mount, raise_on_deleted_version=True),
                where, secret=name)
            data = (response.get("data") or {}).get("data")
        else:
            response = self._call(lambda c: c.secrets.kv.v1.read_secret(
                path=path, mount_point=self.mount), where, secret=name)
            data = response.get("data")
        source = f"{where} in Vault at {self.address}"
        if not isinstance(data, dict) or not data:
            raise SecretDataError(f"the secret {source} holds no data",
                                  hint="write its keys, e.g. vault kv put ...", secret=name,
                                  source=source)
        return check_keys(name, {str(k): v.encode() if isinstance(v, str)
                                 else json.dumps(v).encode() for k, v in data.items()}, source)

    def _call(self, func: Any, what: str, secret: str = "") -> dict[str, Any]:
        import hvac.exceptions as hx
        import requests

        where = f"{what} in Vault at {self.address}"
        try:
            answer = func(self.client())
        except requests.exceptions.Timeout:
            raise SecretError(f"Vault at {self.address} did not answer within "
                              f"{self.timeout:g} s", hint="check the address and the network, "
                              "or raise timeout: in secrets:") from None
        except requests.exceptions.RequestException:
            raise SecretError(f"cannot reach Vault at {self.address}",
                              hint="check the address (secrets.address or VAULT_ADDR) and that "
                                   "the server is running") from None
        except hx.InvalidPath:
            hint = "check the mount, the path and the secret's name"
            if secret:
                raise SecretDataError(f"no secret at {where}", hint=hint, secret=secret,
                                      source=where) from None
            raise SecretError(f"no secret at {where}", hint=hint) from None
        except (hx.Forbidden, hx.Unauthorized):
            raise SecretError(f"Vault refused access to {where}",
                              hint="the token is invalid, expired, or lacks a policy for this "
                                   "path; log in again or ask for access") from None
        except (hx.VaultDown, hx.InternalServerError, hx.BadGateway):
            raise SecretError(f"Vault at {self.address} is unavailable (sealed or failing)",
                              hint="try again later") from None
        except hx.VaultError as exc:
            status = getattr(exc, "status_code", None) or type(exc).__name__
            raise SecretError(f"Vault could not read {where} ({status})") from None
        if answer is None:
            return {}
        if not isinstance(answer, dict):  # not JSON: a web page, another server
            raise SecretError(f"the server at {self.address} does not answer as Vault does "
                              f"(asked for {what})",
                              hint="check the address: the Vault server's root, e.g. "
                                   f"{EXAMPLE_ADDRESS}, without a path") from None
        return answer
