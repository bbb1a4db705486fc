"""The `vault` secret provider: a Vault KV store (version 1 or 2).

Secret `<name>` of context `<ctx>` is read from `<mount>/<path>/<name>`, with `{context}` in
`path` replaced by the context's name. The address comes from the `secrets:` block or
`VAULT_ADDR`; the token only from `VAULT_TOKEN` or `~/.vault-token`, never from a file of the
service. The token is never part of a message, and errors name the address and path only.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pligos_tui.errors import SecretError

DEFAULT_TIMEOUT = 10.0


def _token() -> str:
    token = os.environ.get("VAULT_TOKEN", "").strip()
    if token:
        return token
    file = Path.home() / ".vault-token"
    try:
        token = file.read_text().strip()
    except OSError:
        token = ""
    if not token:
        raise SecretError("no Vault token: VAULT_TOKEN is not set and ~/.vault-token is empty "
                          "or missing", hint="log in (`vault login` or `bao login`) or export "
                          "VAULT_TOKEN")
    return token


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
        address = settings.get("address") or os.environ.get("VAULT_ADDR", "")
        if not address:
            raise SecretError(f"{service_file}: the vault provider needs an address",
                              hint="add address: https://vault.example.com to secrets:, or "
                                   "export VAULT_ADDR")
        return cls(address=str(address), mount=str(settings.get("mount", "secret")),
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
        path = self.path.replace("{context}", context)
        return "/".join(p for p in (path, name) if p)

    def kv_version(self) -> int:
        if self.kv is None:
            data = self._call(lambda c: c.adapter.get(f"/v1/sys/internal/ui/mounts/{self.mount}"),
                              f"the mount {self.mount}")
            options = (data or {}).get("data", {}).get("options") or {}
            self.kv = 2 if str(options.get("version", "1")) == "2" else 1
        return int(self.kv)

    def get(self, name: str, context: str) -> dict[str, bytes]:
        path = self.location(name, context)
        if self.kv_version() == 2:
            response = self._call(lambda c: c.secrets.kv.v2.read_secret_version(
                path=path, mount_point=self.mount, raise_on_deleted_version=True),
                f"{self.mount}/{path}")
            data = (response or {}).get("data", {}).get("data")
        else:
            response = self._call(lambda c: c.secrets.kv.v1.read_secret(
                path=path, mount_point=self.mount), f"{self.mount}/{path}")
            data = (response or {}).get("data")
        if not isinstance(data, dict) or not data:
            raise SecretError(f"the secret {self.mount}/{path} in Vault at {self.address} "
                              "holds no data", hint="write its keys, e.g. vault kv put ...")
        return {str(k): v.encode() if isinstance(v, str) else json.dumps(v).encode()
                for k, v in data.items()}

    def _call(self, func: Any, what: str) -> Any:
        import hvac.exceptions as hx
        import requests

        where = f"{what} in Vault at {self.address}"
        try:
            return func(self.client())
        except requests.exceptions.Timeout:
            raise SecretError(f"Vault at {self.address} did not answer within "
                              f"{self.timeout:g} s", hint="check the address and the network, "
                              "or raise timeout: in secrets:") from None
        except requests.exceptions.RequestException:
            raise SecretError(f"cannot reach Vault at {self.address}",
                              hint="check the address (secrets.address or VAULT_ADDR) and that "
                                   "the server is running") from None
        except hx.InvalidPath:
            raise SecretError(f"no secret at {where}",
                              hint="check the mount, the path and the secret's name") from None
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
