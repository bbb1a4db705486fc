"""The mounts of one compose service: its volumes: (named volumes as claims, bind-mounted
files and folders that are there as ConfigMaps, tmpfs and anonymous volumes as emptyDirs),
tmpfs:, configs: and secrets:, as the pod's volumes and the container's volumeMounts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pligos_tui.io.files import read_regular
from pligos_tui.io.keypath import KeyPath
from pligos_tui.jobs.importing.compose_file import (
    CONFIGMAP_MAX,
    GENERIC,
    QUANTITY,
    REFERENCE,
    TYPE,
    ComposeFile,
    ServicePart,
    label,
)
from pligos_tui.jobs.importing.compose_syntax import memory_quantity
from pligos_tui.spec.fields import CONFIG_KEY_RE

# a file whose name says it holds a secret: never read into a ConfigMap
_SECRET_FILE = re.compile(r"secret|passw|token|credential|private|id_rsa|id_ed25519|id_ecdsa"
                          r"|\.(key|pem|p12|pfx|jks|keystore)$|(^|\.)env$", re.I)


class Mounts(ServicePart):
    def __init__(self, c: ComposeFile, name: str, object_name: str, base: KeyPath,
                 svc: dict[str, Any], build_context: Path | None) -> None:
        super().__init__(c, name, object_name, base, svc)
        self.build_context = build_context
        self.volumes: dict[str, dict[str, Any]] = {}  # pod volumes by name
        self.mounts: list[dict[str, Any]] = []
        self.claims: list[str] = []  # the named volumes used

    def mount(self, volume: dict[str, Any], mount: dict[str, Any], name: str) -> None:
        base, n = label(name.strip("/").replace("/", "-") or "root"), 2
        name = base
        while name in self.volumes and self.volumes[name] != volume:
            name = f"{base[:59]}-{n}"
            n += 1
        self.volumes[name] = volume
        self.mounts.append({"name": name, **mount})

    def run(self) -> None:
        for i, item in enumerate(self.get("volumes", (list,), "a list of mounts") or []):
            self.volume(self.p("volumes", i), item)
        tmpfs = self.svc.get("tmpfs")
        items = [tmpfs] if isinstance(tmpfs, str) else tmpfs if tmpfs is not None else []
        if self.c.typed(self.p("tmpfs"), items, (list,), "a path or a list of paths"):
            for i, item in enumerate(items):
                path = self.p("tmpfs", i) if isinstance(tmpfs, list) else self.p("tmpfs")
                if self.c.typed(path, item, (str,), "a path in the container"):
                    target, _, options = item.partition(":")
                    size = next((o[5:] for o in options.split(",") if o.startswith("size=")),
                                None)
                    self.tmpfs(path, target, size)
        for key in ("configs", "secrets"):
            for i, item in enumerate(self.get(key, (list,), f"a list of {key}") or []):
                self.file(key, self.p(key, i), item)

    def tmpfs(self, path: KeyPath, target: str, size: Any) -> None:
        volume: dict[str, Any] = {"medium": "Memory"}
        if size is not None:
            try:
                limit = memory_quantity(size)
            except ValueError as exc:
                self.c.error(QUANTITY, path, str(exc), "write a size like 64m")
                return
            if limit:
                volume["sizeLimit"] = limit
        self.mount({"emptyDir": volume}, {"mountPath": target}, target)

    def volume(self, path: KeyPath, item: Any) -> None:
        target: Any
        if isinstance(item, str):
            parts = item.split(":")
            if len(parts) > 3 or not all(parts):
                self.c.error(TYPE, path, f"{item!r} is not SOURCE:TARGET[:MODE]",
                             "write e.g. ./nginx.conf:/etc/nginx/nginx.conf:ro or data:/data")
                return
            source, target = ("", parts[0]) if len(parts) == 1 else (parts[0], parts[1])
            kind = "bind" if source.startswith((".", "/", "~")) else "volume"
            read_only, sub = len(parts) == 3 and "ro" in parts[2].split(","), ""
            size = None
        elif isinstance(item, dict):
            kind, source = str(item.get("type", "volume")), str(item.get("source") or "")
            target, read_only = item.get("target"), item.get("read_only") is True
            sub = str((item.get("volume") or {}).get("subpath") or "")
            size = (item.get("tmpfs") or {}).get("size")
        else:
            self.c.typed(path, item, (str, dict), "a mount (SOURCE:TARGET or a mapping)")
            return
        if not isinstance(target, str) or not target.startswith("/"):
            self.c.error(TYPE, path, f"the mount's target {target!r} is not an absolute path",
                         "give the path in the container, e.g. /data")
            return
        mount: dict[str, Any] = {"mountPath": target}
        if read_only:
            mount["readOnly"] = True
        if kind == "tmpfs":
            self.tmpfs(path, target, size)
        elif kind == "volume" and not source:
            self.mount({"emptyDir": {}}, mount, target)
        elif kind == "volume":
            if source not in self.c.declared("volumes"):
                self.c.error(REFERENCE, path, f"service {self.name} mounts the volume "
                             f"{source}, which the top-level volumes: does not declare",
                             f"declare it at the top level: volumes: {{{source}: {{}}}}")
                return
            claim = self.c.claim(source)
            if source not in self.claims:
                self.claims.append(source)
            self.mount({"persistentVolumeClaim": {"claimName": claim}},
                       {**mount, **({"subPath": sub} if sub else {})}, claim)
        elif kind == "bind":
            self.bind(path, source, mount)
        else:
            self.c.leftover(path, f"{kind} mount {target} of service {self.name}", *GENERIC,
                            fragment=item)

    def bind(self, path: KeyPath, source: str, mount: dict[str, Any]) -> None:
        what = f"bind mount {source} of service {self.name}"
        local = self.c.folder / source
        if source.startswith(("/", "~")):
            why = ("the container talks to the daemon of its host through the socket, and a "
                   "cluster's nodes share none" if source.endswith(".sock") else
                   f"{source} is a path on the host, and a pod runs on any node")
            self.c.leftover(path, what, why, "ship what it needs as a config file of the "
                            "service or in the image, or use a volume", fragment=source)
            return
        resolved = local.resolve()
        context = self.build_context
        if not local.exists():
            self.c.leftover(path, what, "it is not there beside the compose file",
                            "create it to import it as config files, or use a named volume "
                            "for data the service writes", fragment=source)
        elif not local.is_file() and not local.is_dir():
            self.c.leftover(path, what, "it is neither a file nor a folder (a socket?)",
                            "let the containers talk over the network", fragment=source)
        elif local.is_dir() and (resolved == self.c.folder.resolve() or context is not None and (
                resolved == context or resolved in context.parents)):
            self.c.leftover(path, what, "it mounts the source code for development; in a "
                            "cluster the image holds it", "nothing, once the image is built "
                            "from it", fragment=source)
        else:
            files = self.files(path, local, source)
            if not files:
                return
            if not mount.get("readOnly"):
                self.c.leftover(path, f"write access to {source} of service {self.name}",
                                "the bind lets the container write there; a ConfigMap is "
                                "mounted read-only", "mark it :ro in compose if the service "
                                "never writes there, or give it a volume")
            name = self.c.config_map(f"{self.label}-{local.name}", path, files)
            extra = {"subPath": local.name} if local.is_file() else {}
            self.mount({"configMap": {"name": name}}, {**mount, **extra, "readOnly": True}, name)

    def file(self, key: str, path: KeyPath, item: Any) -> None:
        """One entry of a service's configs: or secrets:."""
        if isinstance(item, str):
            item = {"source": item}
        if not self.c.typed(path, item, (dict,), "a name or a mapping (source:, target:)"):
            return
        source, target, mode = item.get("source"), item.get("target"), item.get("mode")
        if not isinstance(source, str) or source not in self.c.declared(key):
            self.c.error(REFERENCE, path, f"service {self.name} uses the {key[:-1]} {source}, "
                         f"which the top-level {key}: does not declare",
                         f"declare it at the top level: {key}: {{{source}: {{file: ...}}}}")
            return
        for extra in sorted(set(item) & {"uid", "gid"}):
            self.c.leftover(path + (extra,), f"{extra} of {key[:-1]} {source} of service "
                            f"{self.name}", "the files of a volume belong to the pod's user",
                            "set fsGroup in a custom flavor if it matters")
        made = self.c.config(source) if key == "configs" else self.c.secret(source)
        if made is None:
            return
        if not isinstance(target, str) or not target:
            target = source
        if not target.startswith("/"):
            target = ("/" if key == "configs" else "/run/secrets/") + target
        volume: dict[str, Any] = ({"configMap": {"name": made[0]}} if key == "configs"
                                  else {"secret": {"secretName": made[0]}})
        if mode is not None:
            text = self.c.scalar(path + ("mode",), mode)
            try:
                number = int(text, 8) if text.startswith("0") else int(text)
            except ValueError:
                number = -1
            if not 0 <= number <= 0o777:
                self.c.error(TYPE, path + ("mode",), f"mode {text!r} is not a file mode",
                             "write it in octal: mode: 0440")
                return
            next(iter(volume.values()))["defaultMode"] = number
        self.mount(volume, {"mountPath": target, "subPath": made[1], "readOnly": True},
                   f"{key[:-1]}-{made[0]}")

    def files(self, path: KeyPath, source: Path, shown: str) -> dict[str, bytes] | None:
        """The files a bind mount of `source` (a file or folder that is there) puts into a
        ConfigMap; None with a leftover when they cannot be. A link inside a folder points
        into the container, not at the host's file, so it is not read."""
        what = f"bind mount {shown}"
        if source.is_dir():
            entries = sorted(source.iterdir())
            files = [p for p in entries if p.is_file() and not p.is_symlink()]
            others = [p.name for p in entries if p not in files]
        else:
            files, others = [source], []
        if others:
            self.c.leftover(path, f"{', '.join(others)} in {what}", "a ConfigMap holds the "
                            "files of one folder, not its subfolders, links or special files",
                            "mount each subfolder on its own, or let the image carry them")
        found: dict[str, bytes] = {}
        secret = [p.name for p in files if _SECRET_FILE.search(p.name)]
        if secret:
            self.c.leftover(path, f"{', '.join(secret)} of {what}", "the name says it holds "
                            "a secret: its bytes are not read", "deliver it as a secret "
                            "(secrets: of the compose file, or a secret provider in "
                            "pligos.yaml)")
        for file in files:
            if file.name in secret:
                continue
            if not CONFIG_KEY_RE.match(file.name):
                self.c.leftover(path, f"{file.name} of {what}", "a ConfigMap key takes "
                                "letters, digits, '-', '_' and '.' only", "rename the file")
                continue
            try:
                found[file.name] = read_regular(file, CONFIGMAP_MAX)
            except OSError as exc:
                self.c.leftover(path, f"{file.name} of {what}", "it cannot be read "
                                f"({exc.strerror or exc})", "make it readable and import again")
        if sum(len(raw) for raw in found.values()) > CONFIGMAP_MAX:
            self.c.leftover(path, what, "its files are larger than a ConfigMap holds (1 MiB)",
                            "mount a volume that holds them, or let the image carry them")
            return None
        if not found and not secret:
            self.c.leftover(path, what, "there is no file in it", "drop the mount, or put the "
                            "files it should hold there and import again")
        return found or None
