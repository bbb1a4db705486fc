"""One compose file being translated: the rules of what makes a compose file bad, its data
with variables interpolated, what it says at its top level (volumes, configs, secrets), and
the objects and leftovers made so far. Services are translated by `compose_service`.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

from pligos_tui.errors import Problems, Rule
from pligos_tui.io.files import read_regular
from pligos_tui.io.keypath import KeyPath, format_path
from pligos_tui.io.yamlread import Document
from pligos_tui.jobs.importing.compose_syntax import interpolate
from pligos_tui.jobs.importing.original import Leftover
from pligos_tui.secrets.scan import redacted
from pligos_tui.spec.fields import CONFIG_KEY_RE, dns_label, suggest_label

FORMAT = Rule("E-IMPORT-COMPOSE-FORMAT", "a compose file that is not in the Compose "
              "Specification's format: not a mapping, no services: mapping (compose's version "
              "1 format), an unsupported version:")
SERVICE = Rule("E-IMPORT-COMPOSE-SERVICE", "a compose service that is not a mapping, or has "
               "neither image: nor build:")
TYPE = Rule("E-IMPORT-COMPOSE-TYPE", "a compose key of the wrong type or shape (a command that "
            "is neither text nor a list, a mount that is not SOURCE:TARGET, a healthcheck test "
            "that starts with neither CMD, CMD-SHELL nor NONE, ...)")
PORT = Rule("E-IMPORT-COMPOSE-PORT", "a port of ports: or expose: that does not parse")
DURATION = Rule("E-IMPORT-COMPOSE-DURATION", "a compose duration (a healthcheck's interval, "
                "timeout or start_period, stop_grace_period) that does not parse")
QUANTITY = Rule("E-IMPORT-COMPOSE-QUANTITY", "a CPU count or byte size of a compose service "
                "that does not parse")
VARIABLE = Rule("E-IMPORT-COMPOSE-VARIABLE", "a ${...} in a compose file that is not a "
                "variable reference")
REFERENCE = Rule("E-IMPORT-COMPOSE-REFERENCE", "a compose service uses a volume, config or "
                 "secret that the file's top level does not declare")
ENV_FILE = Rule("E-IMPORT-COMPOSE-ENV-FILE", "an env_file of a compose service that cannot be "
                "read or does not parse")
RULES = (FORMAT, SERVICE, TYPE, PORT, DURATION, QUANTITY, VARIABLE, REFERENCE, ENV_FILE)

GENERIC: tuple[str, str] = ("it has no counterpart in the Deployment this import writes",
           "set it in the chart by hand (values: or a custom flavor)")
DEFAULT_CLAIM_SIZE = "1Gi"  # a compose volume has no size; what a claim for it asks for
CONFIGMAP_MAX = 1024 * 1024  # the most a ConfigMap holds
_VERSIONS = re.compile(r"[23](\.\d+)*")  # what docker compose still reads (and ignores)
_TOP_KEYS = ("version", "name", "services", "volumes", "configs", "secrets")


def kind_of(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dict):
        return "a mapping"
    return "a list" if isinstance(value, list) else "text" if isinstance(value, str) else "a value"


def is_a(value: Any, kinds: tuple[type, ...]) -> bool:
    if isinstance(value, bool):
        return bool in kinds
    return isinstance(value, kinds)


def label(text: str, max_len: int = 63) -> str:
    """`text` as a Kubernetes name: itself when it is a DNS label starting with a letter."""
    if dns_label(text, max_len=max_len) is None and text[:1].isalpha():
        return text
    return suggest_label(text, max_len)


class ComposeFile:
    """One compose file being translated: its data (interpolated), what it found wrong, the
    objects made so far, and the leftovers."""

    def __init__(self, doc: Document, path: Path, display: str) -> None:
        self.doc = doc
        self.display = display
        self.folder = path.parent
        self.problems = Problems(display)
        self.leftovers: list[Leftover] = []
        self.objects: list[dict[str, Any]] = []
        self.where: dict[int, str] = {}
        self.data: dict[str, Any] = {}
        self.project = ""
        self.names: dict[str, str] = {}  # service -> the name of its objects
        self.made: dict[tuple[str, str], Any] = {}  # (top-level key, entry) -> what it became
        self.taken: set[str] = set()  # ConfigMap names
        self.claims: dict[str, list[tuple[str, int]]] = {}  # volume -> (service, replicas)
        self.with_service: set[str] = set()  # services that got a Service
        self.needed: dict[str, list[str]] = {}  # service -> the services that depend on it

    # ------------------------------------------------------------------ locating, reporting

    def at(self, path: KeyPath) -> str:
        line = self.doc.line(path, key=True)
        return f"{self.display}:{line}" if line else self.display

    def shown(self, path: KeyPath) -> str:
        return format_path(path, self.doc.data)

    def error(self, rule: Rule, path: KeyPath, message: str, hint: str, *,
              key: bool = False) -> None:
        """A located problem: at the value of `path`, or with `key` at its key (a service's
        name)."""
        self.doc.problem(self.problems, path, message, hint, rule=rule.id, key=key)

    def typed(self, path: KeyPath, value: Any, kinds: tuple[type, ...], what: str) -> bool:
        if is_a(value, kinds):
            return True
        step = path[-1] if path else ""
        named = f"{step}:" if isinstance(step, str) else f"item {step + 1} of {path[-2]}:"
        self.error(TYPE, path, f"{named} is {kind_of(value)}, not {what}",
                   f"write {what} here, as the Compose Specification does")
        return False

    def leftover(self, path: KeyPath | str, what: str, why: str, kept: str,
                 fragment: Any = None, *, material: bool = True) -> None:
        where = path if isinstance(path, str) else self.at(path)
        workload = ""
        if not isinstance(path, str) and len(path) > 1 and path[0] == "services":
            workload = self.names.get(str(path[1]), label(str(path[1])))
        self.leftovers.append(Leftover(what, where, why, kept, fragment=redacted(fragment),
                                       material=material, workload=workload))

    def unset(self, name: str, shown: str, where: str) -> None:
        self.leftover(where, f"${{{name}}} in {shown}",
                      "the variable has no default: compose takes it from the environment it "
                      "runs in or from .env, which the import does not read, so it is empty "
                      "here", f"give it a default (${{{name}:-value}}) or set the value in "
                      "pligos.yaml")

    def add(self, obj: dict[str, Any], path: KeyPath) -> dict[str, Any]:
        self.objects.append(obj)
        self.where[id(obj)] = self.at(path)
        return obj

    def scalar(self, path: KeyPath, value: Any) -> str:
        """A scalar as compose reads it: numbers and words as written (`0755`, `yes`)."""
        text = self.doc.texts.get(path)
        if isinstance(value, bool) and (text is None or text.lower() in ("true", "false")):
            return str(value).lower()
        return text if text is not None and not isinstance(value, str) else str(value)

    # ------------------------------------------------------------------ the file

    def read(self) -> None:
        """Check the file's format, interpolate its variables, read its top level."""
        data = self.doc.data
        if not isinstance(data, dict):
            self.error(FORMAT, (), "the file is empty" if data is None
                       else f"the top level is {kind_of(data)}, not a mapping",
                       "a compose file is a mapping with services: at its top")
            return
        if not self._version(data):
            return
        services = data.get("services")
        if "services" not in data:
            old = any(isinstance(v, dict) and ("image" in v or "build" in v)
                      for v in data.values())
            self.error(FORMAT, (), "the file has no services: mapping" + (
                ": its services stand at the top level, compose's version 1 format"
                if old else ""), "put the services under services: (the Compose "
                "Specification, which docker compose reads)")
            return
        if not isinstance(services, dict) or not services:
            self.error(FORMAT, ("services",), "services: is empty" if not services else
                       f"services: is {kind_of(services)}, not a mapping of services",
                       "give each service as NAME: {image: ...} under services:")
            return
        self.data = {key: value if key.startswith("x-") else self._interpolated(value, (key,))
                     for key, value in data.items()}
        raw = self.data.get("name")
        raw = raw if isinstance(raw, str) and raw else self.folder.resolve().name
        self.project = re.sub(r"[^a-z0-9_-]", "", raw.lower()).lstrip("_-") or "default"
        self._top_level()

    def services(self) -> list[tuple[str, str, KeyPath, dict[str, Any]]]:
        """(name, its objects' name, key path, keys) of each service that is a mapping."""
        found: list[tuple[str, str, KeyPath, dict[str, Any]]] = []
        for name, svc in self.data.get("services", {}).items():
            base = ("services", name)
            if not isinstance(svc, dict):
                self.error(SERVICE, base, f"service {name} is {kind_of(svc)}, not a mapping",
                           "give the service its keys: image:, ports:, ...", key=True)
                continue
            found.append((name, self._service_name(name, base), base, svc))
        return found

    def _version(self, data: dict[str, Any]) -> bool:
        if "version" not in data:
            return True
        text = self.scalar(("version",), data["version"]).strip()
        if _VERSIONS.fullmatch(text):
            return True
        self.error(FORMAT, ("version",), f"version {text!r} is not a compose format this "
                   "import reads (2.x, 3.x or the Compose Specification, which has none)",
                   "write the file in the Compose Specification's format (services: at the "
                   "top) and remove version:")
        return False

    def _interpolated(self, node: Any, path: KeyPath) -> Any:
        if isinstance(node, dict):
            return {k: self._interpolated(v, path + (k,)) for k, v in node.items()}
        if isinstance(node, list):
            return [self._interpolated(v, path + (i,)) for i, v in enumerate(node)]
        if not isinstance(node, str) or "$" not in node:
            return node
        try:
            text, unset = interpolate(node)
        except ValueError as exc:
            self.error(VARIABLE, path, str(exc), "write ${NAME} or ${NAME:-default}, and $$ "
                       "for a $ of the text")
            return node
        for name in dict.fromkeys(unset):
            self.unset(name, self.shown(path), self.at(path))
        return text

    def _top_level(self) -> None:
        for key, value in self.data.items():
            if key in _TOP_KEYS[3:]:
                if value is not None and self.typed((key,), value, (dict,), "a mapping"):
                    for entry, decl in value.items():
                        if decl is not None:
                            self.typed((key, entry), decl, (dict,), "a mapping")
            elif key == "networks":
                if value:
                    self.leftover((key,), "networks: " + ", ".join(map(str, value)),
                                  "the pods of a namespace share one network",
                                  "keep services apart with the NetworkPolicy the flavor "
                                  "writes", fragment=value, material=False)
            elif key == "include":
                self.leftover((key,), "include:", "the import reads one file as it is written",
                              "run `docker compose config > resolved.yaml` and import that",
                              fragment=value)
            elif key not in _TOP_KEYS and not key.startswith("x-"):
                self.leftover((key,), f"{key}: of the compose file",
                              "it is not part of the Compose Specification this import knows",
                              "drop it, or import `docker compose config` output",
                              fragment=value)

    def _service_name(self, name: str, path: KeyPath) -> str:
        name_ = label(name)
        base, n = name_, 2
        while name_ in self.names.values():
            name_ = f"{base[:59]}-{n}"
            n += 1
        self.names[name] = name_
        if name_ != name:
            self.leftover(path, f"name of service {name}", f"{name!r} is not a DNS label, "
                          "which Kubernetes names are", f"its objects are named {name_}")
        return name_

    def after(self) -> None:
        """What only the whole file shows: claims that pods share, services reached by name
        that got no Service."""
        for key, users in self.claims.items():
            if len(users) > 1 or any(replicas > 1 for _, replicas in users):
                names = ", ".join(f"{s} ({r} replicas)" if r > 1 else s for s, r in users)
                # the pods of one host share a compose volume: in a cluster, only a claim
                # many nodes may mount is that
                for obj in self.objects:
                    if obj.get("kind") == "PersistentVolumeClaim" and \
                            obj["metadata"]["name"] == label(key):
                        obj["spec"]["accessModes"] = ["ReadWriteMany"]
                self.leftover(("volumes", key), f"volume {key}, mounted by {names}",
                              "its pods share it, so its claim is ReadWriteMany" +
                              (", and each service gets a claim of its own"
                               if len(users) > 1 else ""),
                              "use a storage class that offers ReadWriteMany, or let one "
                              "pod own the data")
            if len(users) == 1 and not self.declared_external(key):
                self._claim_of(label(key), label(self.names.get(users[0][0], users[0][0])))
        services = self.data.get("services") or {}
        for name, needs in self.needed.items():
            if isinstance(services.get(name), dict) and name not in self.with_service:
                self.leftover(("services", name), f"the Service of {name}",
                              f"{', '.join(needs)} reach {name} by its name, but it has no "
                              "ports: or expose:, so no Service is written for it",
                              f"add expose: [PORT] to {name} (the port it listens on) or a "
                              "route in pligos.yaml")

    # ------------------------------------------------------------------ shared objects

    def declared(self, key: str) -> dict[str, Any]:
        """The top-level volumes:, configs: or secrets: ({} when not a mapping: reported)."""
        found = self.data.get(key)
        return found if isinstance(found, dict) else {}

    def config_map(self, name: str, path: KeyPath, files: dict[str, bytes]) -> str:
        """A ConfigMap of `files` (name -> bytes) named `name` or the next free name."""
        base, n = label(name), 2
        name = base
        while name in self.taken:
            name = f"{base[:59]}-{n}"
            n += 1
        self.taken.add(name)
        text, binary = {}, {}
        for key, raw in files.items():
            try:
                text[key] = raw.decode("utf-8")
            except UnicodeDecodeError:
                binary[key] = base64.b64encode(raw).decode("ascii")
        obj: dict[str, Any] = {"apiVersion": "v1", "kind": "ConfigMap",
                               "metadata": {"name": name}}
        if text:
            obj["data"] = text
        if binary:
            obj["binaryData"] = binary
        self.add(obj, path)
        return name

    def declared_external(self, key: str) -> bool:
        decl = self.declared("volumes").get(key)
        return isinstance(decl, dict) and bool(decl.get("external"))

    def _claim_of(self, claim: str, service: str) -> None:
        """The claim of a volume one service alone mounts, named `<service>-<volume>` as a
        chart names the claims of its own pods."""
        name = label(f"{service}-{claim}")
        for obj in self.objects:
            if obj.get("kind") == "PersistentVolumeClaim" and obj["metadata"]["name"] == claim:
                obj["metadata"]["name"] = name
            elif obj.get("kind") == "Deployment" and obj["metadata"]["name"] == service:
                for volume in obj["spec"]["template"]["spec"].get("volumes") or []:
                    ref = volume.get("persistentVolumeClaim") or {}
                    if ref.get("claimName") == claim:
                        ref["claimName"] = name

    def claim(self, key: str) -> str:
        """The claim of the named volume `key` (written once, unless it is external)."""
        if ("volumes", key) in self.made:
            return str(self.made[("volumes", key)])
        path = ("volumes", key)
        decl = self.declared("volumes").get(key) or {}
        decl = decl if isinstance(decl, dict) else {}
        if decl.get("external"):
            name = label(str(decl.get("name") or key))
            self.leftover(path, f"external volume {key}", "compose uses a volume that exists "
                          "already; no claim is written for it", f"create the "
                          f"PersistentVolumeClaim {name} in each namespace before deploying")
        else:
            name = label(key)
            self.add({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                      "metadata": {"name": name},
                      "spec": {"accessModes": ["ReadWriteOnce"],
                               "resources": {"requests": {"storage": DEFAULT_CLAIM_SIZE}}}},
                     path)
            self.leftover(path, f"size of volume {key}", "a compose volume has no size; its "
                          f"claim {name} asks for {DEFAULT_CLAIM_SIZE}",
                          "set the size the data needs in pligos.yaml", material=False)
            for option in ("driver", "driver_opts", "labels", "name"):
                if decl.get(option):
                    self.leftover(path + (option,), f"{option} of volume {key}",
                                  "a claim takes its storage from the cluster's storage class",
                                  "choose a storageClass in pligos.yaml if the default does "
                                  "not fit", fragment=decl[option])
        self.made[("volumes", key)] = name
        return name

    def config(self, key: str) -> tuple[str, str] | None:
        """(ConfigMap, key) of the top-level config `key`; None when it cannot be mounted."""
        if ("configs", key) in self.made:
            return self.made[("configs", key)]  # type: ignore[no-any-return]
        path = ("configs", key)
        decl = self.declared("configs")[key] or {}
        made: tuple[str, str] | None = None
        if not isinstance(decl, dict):  # reported by read()
            return None
        item = key if CONFIG_KEY_RE.match(key) else label(key)
        if decl.get("external"):
            made = (label(str(decl.get("name") or key)), item)
            self.leftover(path, f"external config {key}", "compose uses a config that exists "
                          "already", f"create the ConfigMap {made[0]} with the key {item} in "
                          "each namespace before deploying")
        elif isinstance(decl.get("file"), str):
            file = self.folder / decl["file"]
            try:
                raw = read_regular(file, CONFIGMAP_MAX)
            except OSError as exc:
                self.leftover(path + ("file",), f"config {key}", f"{decl['file']} cannot be read"
                              f" ({exc.strerror or exc}); compose would refuse to start",
                              "put the file there and import again")
                return None
            if len(raw) > CONFIGMAP_MAX:
                self.leftover(path + ("file",), f"config {key}", f"{decl['file']} is larger "
                              "than a ConfigMap holds (1 MiB)", "let the image carry it")
                return None
            item = file.name if CONFIG_KEY_RE.match(file.name) else item
            made = (self.config_map(key, path, {item: raw}), item)
        elif isinstance(decl.get("content"), str):
            made = (self.config_map(key, path, {item: decl["content"].encode()}), item)
        elif "environment" in decl:
            self.leftover(path, f"config {key}", f"its content is the variable "
                          f"{decl['environment']} of the environment compose runs in",
                          "write the content to a file and give it as file:")
        else:
            self.error(TYPE, path, f"config {key} has neither file:, content:, environment: "
                       "nor external:", "give the file it holds: file: ./app.conf")
        self.made[("configs", key)] = made
        return made

    def secret(self, key: str) -> tuple[str, str]:
        """(Secret, key) of the top-level secret `key`; its bytes are never read."""
        if ("secrets", key) not in self.made:
            path = ("secrets", key)
            decl = self.declared("secrets")[key]
            decl = decl if isinstance(decl, dict) else {}
            name = label(str(decl.get("name") or key) if decl.get("external") else key)
            item = key if CONFIG_KEY_RE.match(key) else label(key)
            origin = (f"the file {decl['file']}" if "file" in decl else
                      f"the variable {decl['environment']}" if "environment" in decl else
                      "a secret that exists already")
            self.leftover(path, f"secret {key}", f"a secret's bytes ({origin}) are never "
                          "imported", f"create the Secret {name} with the key {item} in each "
                          "namespace, or give pligos.yaml a secret provider for it")
            self.made[("secrets", key)] = (name, item)
        return self.made[("secrets", key)]  # type: ignore[no-any-return]


class ServicePart:
    """What translating one compose service reads: its data, where it stands in the file,
    and the file being translated."""

    def __init__(self, c: ComposeFile, name: str, object_name: str, base: KeyPath,
                 svc: dict[str, Any]) -> None:
        self.c, self.name, self.label, self.base, self.svc = c, name, object_name, base, svc

    def p(self, *parts: str | int) -> KeyPath:
        return self.base + parts

    def get(self, key: str, kinds: tuple[type, ...], what: str) -> Any:
        value = self.svc.get(key)
        if value is None or not self.c.typed(self.p(key), value, kinds, what):
            return None
        return value
