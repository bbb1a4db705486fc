"""The rules of pligos.yaml (format 1), each producing located problems.

`check_service` applies every rule to a read service and records what it finds.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

from pligos_tui.errors import ConfigError, Problems, ResolveError, did_you_mean
from pligos_tui.spec.fields import (
    CONFIG_KEY_RE,
    DIGEST_RE,
    ENV_NAME_RE,
    REPOSITORY_RE,
    RESOURCE_NAME_RE,
    TAG_RE,
    cron,
    dns_label,
    fqdn,
    port,
    port_name,
    quantity,
    semver,
    service_path,
)
from pligos_tui.spec.flavors import FlavorSet
from pligos_tui.spec.model import (
    Command,
    Context,
    Entry,
    EnvSet,
    Image,
    Mount,
    Probe,
    Ref,
    Resources,
    Route,
    Service,
)
from pligos_tui.spec.resolve import ResolvedContext, resolve_context
from pligos_tui.spec.vocabulary import (
    ACCESS_MODES,
    CONTEXT_REF_LISTS,
    CONTEXT_REFS,
    ENTRY_WORDS,
    PROBE_HANDLERS,
    PROPERTY_LISTS,
    PROTOCOLS,
    PULL_POLICIES,
    SCRIPTS_MOUNT,
    SCRIPTS_VOLUME,
    SECRET_PROVIDERS,
    SECRET_SETTINGS,
    SERVICE_NAME_MAX,
)


class _Checker:
    def __init__(self, svc: Service, problems: Problems) -> None:
        self.svc = svc
        self.doc = svc.doc
        self.problems = problems

    def error(self, path: tuple, message: str, hint: str = "", *, key: bool = False) -> None:
        self.doc.problem(self.problems, path, message, hint, key=key)

    def run(self) -> None:
        svc = self.svc
        if svc.name or (isinstance(svc.doc.data, dict) and svc.doc.data.get("name") == ""):
            problem = dns_label(svc.name, max_len=SERVICE_NAME_MAX)
            if problem:
                self.error(("name",), f"service name {problem}",
                           "the name becomes the chart's and the Kubernetes objects' name, "
                           f"e.g. {_suggest_label(svc.name)}")
        problem = semver(svc.chart_version)
        if problem:
            self.error(("chartVersion",), f"chartVersion {problem}", 'e.g. chartVersion: "0.1.0"')
        for i, folder in enumerate(svc.flavor_paths):
            self.folder(("flavorPaths", i) if "flavorPaths" in (svc.doc.data or {}) and
                        isinstance(svc.doc.data.get("flavorPaths"), list) else ("flavorPaths",),
                        folder, "flavor folder")
        for i, folder in enumerate(svc.friends_library):
            at = ("friendsLibrary", i) if isinstance(svc.doc.data.get("friendsLibrary"),
                                                     list) else ("friendsLibrary",)
            self.folder(at, folder, "friends library folder")
        if svc.secrets is not None:
            self.secrets_block()
        for prop in PROPERTY_LISTS:
            self.unique(svc.entries(prop), prop)
            for entry in svc.entries(prop):
                self.entry(entry)
        self.contexts()
        for friend in svc.friends.values():
            for key, secret in friend.credentials.items():
                if svc.secrets is None:
                    self.error(("friends",) if friend.doc is svc.doc else (),
                               f"friend {friend.name!r} ({friend.where}) has credentials, but "
                               "no secret provider is configured",
                               "add a top-level secrets: {provider: file, path: secrets}")
                    break

    def secrets_block(self) -> None:
        block = self.svc.secrets
        assert block is not None
        if block.provider not in SECRET_PROVIDERS:
            if block.provider:
                self.error(("secrets", "provider"), f"unknown secret provider {block.provider!r}",
                           did_you_mean(block.provider, list(SECRET_PROVIDERS), loose=True)
                           or "providers are: file, vault")
            return
        allowed = SECRET_SETTINGS[block.provider]
        for key in block.settings:
            if key not in allowed:
                self.error(("secrets", key), f"unknown key {key!r} for the {block.provider} "
                           "provider", did_you_mean(key, list(allowed), loose=True)
                           or f"allowed keys: {', '.join(allowed)}", key=True)
        settings = block.settings
        if block.provider == "file":
            path = settings.get("path", "secrets")
            if not isinstance(path, str):
                self.error(("secrets", "path"), "path must be text", "e.g. path: secrets")
            else:
                _, problem = service_path(self.svc.root, path,
                                          follow_symlinks=self.svc.follow_symlinks)
                if problem:
                    self.error(("secrets", "path"), f"secrets path {problem}",
                               "keep the secrets folder inside the service (git-ignored)")
        else:
            for key in ("address", "mount", "path"):
                if key in settings and not isinstance(settings[key], str):
                    self.error(("secrets", key), f"{key} must be text")
            address = settings.get("address")
            if isinstance(address, str) and not address.startswith(("http://", "https://")):
                self.error(("secrets", "address"), f"{address!r} is not a Vault address",
                           "e.g. address: https://vault.example.com:8200")
            if "kv" in settings and settings["kv"] not in (1, 2):
                self.error(("secrets", "kv"), f"kv must be 1 or 2, not {settings['kv']!r}",
                           "or leave it out to detect the version")
            timeout = settings.get("timeout")
            if timeout is not None and (isinstance(timeout, bool) or not isinstance(
                    timeout, (int, float)) or timeout <= 0):
                self.error(("secrets", "timeout"), "timeout must be a positive number of "
                           "seconds", "e.g. timeout: 10")

    def folder(self, at: tuple, value: str, what: str) -> None:
        path = self.svc.root / value
        if not path.exists():
            self.error(at, f"{what} {value!r} does not exist",
                       "create it or fix the path (relative to the service folder)")
        elif not path.is_dir():
            self.error(at, f"{what} {value!r} is a file, not a folder", "point it at a folder")

    def unique(self, entries: list[Entry], prop: str) -> None:
        seen: dict[str, Entry] = {}
        for entry in entries:
            if not entry.name:
                continue
            if entry.name in seen:
                first = self.doc.line(seen[entry.name].at)
                self.error(entry.at + ("name",), f"{ENTRY_WORDS[prop]} name {entry.name!r} is "
                           f"used twice" + (f" (first on line {first})" if first else ""),
                           "give each entry its own name")
            else:
                seen[entry.name] = entry

    # ----- entries

    def entry(self, entry: Entry) -> None:
        getattr(self, "_" + type(entry).__name__.lower())(entry)

    def _secret_ref(self, at: tuple, name: str, what: str) -> None:
        if self.svc.secrets is None:
            self.error(at, f"{what} refers to the secret {name!r}, but no secret provider is "
                       "configured", "add a top-level secrets: {provider: file, path: secrets}")
        problem = dns_label(name)
        if problem:
            self.error(at, f"secret name {problem}", "secret names become part of Kubernetes "
                       "object names, e.g. tokens-tls")

    def _image(self, e: Image) -> None:
        if self._raw(e.at).get("repository") == "":  # missing or null: the loader says so
            self.error(e.at + ("repository",), f"image {e.name!r} has an empty repository",
                       "e.g. repository: registry.example.com/team/app")
        if e.repository and not REPOSITORY_RE.match(e.repository):
            self.error(e.at + ("repository",), f"{e.repository!r} is not an image repository",
                       "e.g. registry.example.com/team/app (no tag here: use tag:)")
        if e.tag and e.digest:
            self.error(e.at + ("digest",), f"image {e.name!r} has both a tag and a digest",
                       "keep one: the digest pins the image, the tag names it")
        elif not e.tag and not e.digest and not {"tag", "digest"} & set(self._raw(e.at)):
            self.error(e.at, f"image {e.name!r} needs a tag or a digest",
                       'add tag: "1.0.0" (or digest: sha256:...)', key=True)
        if e.tag and not TAG_RE.match(e.tag):
            self.error(e.at + ("tag",), f"{e.tag!r} is not a valid image tag",
                       "letters, digits, '_', '.' and '-', at most 128 characters")
        if e.digest and not DIGEST_RE.match(e.digest):
            self.error(e.at + ("digest",), f"{e.digest!r} is not an image digest",
                       "e.g. sha256: followed by 64 hex digits")
        if e.pull_policy not in PULL_POLICIES:
            self.error(e.at + ("pullPolicy",), f"unknown pullPolicy {e.pull_policy!r}",
                       did_you_mean(e.pull_policy, list(PULL_POLICIES), loose=True)
                       or f"one of {', '.join(PULL_POLICIES)}")
        if e.pull_secret:
            self._secret_ref(e.at + ("pullSecret",), e.pull_secret, f"image {e.name!r}")

    def _command(self, e: Command) -> None:
        raw = self._raw(e.at)
        if e.type == "executable":
            wrong = [k for k in ("fileName", "interpreter") if k in raw]
            if wrong:
                self.error(e.at + (wrong[0],), f"command {e.name!r} is of type executable but "
                           f"has {wrong[0]}", "set type: script to run a file of the service, "
                           f"or remove {wrong[0]}", key=True)
            if not e.command and "command" not in raw:
                self.error(e.at, f"command {e.name!r} of type executable needs command",
                           'add command: ["/path/to/binary"]', key=True)
        elif e.type == "script":
            if "command" in raw:
                self.error(e.at + ("command",), f"command {e.name!r} is of type script but has "
                           "command", "a script runs fileName with the interpreter; set "
                           "type: executable to run a binary instead", key=True)
            if not e.file_name:
                if "fileName" not in raw:
                    self.error(e.at, f"command {e.name!r} of type script needs fileName",
                               "add fileName: script/run.sh (a file of the service)", key=True)
            else:
                self.service_file(e.at + ("fileName",), e.file_name, "script")
                key = Path(e.file_name).name
                if not CONFIG_KEY_RE.match(key):
                    self.error(e.at + ("fileName",), f"script name {key!r} cannot be a "
                               "ConfigMap key", "rename it to letters, digits, '-', '_' and '.'")
        else:
            self.error(e.at + ("type",), f"unknown command type {e.type!r}",
                       did_you_mean(e.type, ["executable", "script"], loose=True)
                       or "type is executable or script")

    def _probe(self, e: Probe) -> None:
        if not e.stages and all(s not in self._raw(e.at) for s in ("startup", "liveness",
                                                                    "readiness")):
            self.error(e.at, f"probe {e.name!r} defines no stage",
                       "add startup:, liveness: and/or readiness:", key=True)
        for stage, spec in e.stages.items():
            at = e.at + (stage,)
            handlers = [h for h in PROBE_HANDLERS if h in self._raw(at)]
            if len(handlers) != 1:
                self.error(at, f"{stage} probe of {e.name!r} needs exactly one handler of "
                           f"{', '.join(PROBE_HANDLERS)} (found "
                           f"{', '.join(handlers) if handlers else 'none'})",
                           "e.g. httpGet: {path: /healthz, port: http}", key=True)
            for handler in handlers:
                h = spec.get(handler)
                if not isinstance(h, dict):
                    continue
                hat = at + (handler,)
                if "port" in h:
                    value = h["port"]
                    if handler == "grpc" and not isinstance(value, int):
                        self.error(hat + ("port",), "a grpc probe's port must be a number",
                                   "e.g. port: 9090")
                    elif isinstance(value, bool) or not isinstance(value, (int, str)):
                        self.error(hat + ("port",), "port must be a number or a route name")
                    elif isinstance(value, int) and port(value):
                        self.error(hat + ("port",), port(value) or "", "use 1-65535")
                if handler == "httpGet":
                    path = h.get("path", "/")
                    if not isinstance(path, str) or not path.startswith("/"):
                        self.error(hat + ("path",), f"httpGet path {path!r} must start with /",
                                   f"e.g. path: /{path if isinstance(path, str) else 'healthz'}")
                    scheme = h.get("scheme", "HTTP")
                    if scheme not in ("HTTP", "HTTPS"):
                        self.error(hat + ("scheme",), f"unknown scheme {scheme!r}",
                                   "HTTP or HTTPS")
                if handler == "exec" and "command" not in h:
                    self.error(hat + ("command",), "an exec probe needs a command",
                               'e.g. command: ["cat", "/tmp/healthy"]')
            for timing, value in spec.items():
                if timing in PROBE_HANDLERS:
                    continue
                minimum = 1 if timing in ("periodSeconds", "timeoutSeconds", "successThreshold",
                                          "failureThreshold") else 0
                if value < minimum:
                    self.error(at + (timing,), f"{timing} must be at least {minimum}")
            if stage in ("liveness", "startup") and spec.get("successThreshold", 1) != 1:
                self.error(at + ("successThreshold",),
                           f"a {stage} probe's successThreshold must be 1",
                           "Kubernetes rejects other values; remove it or set it to 1")

    def _route(self, e: Route) -> None:
        if e.name:
            problem = port_name(e.name)
            if problem:
                self.error(e.at + ("name",), f"route name {problem}",
                           "a route's name is also its container port's name: at most 15 "
                           "characters, lower-case letters, digits and '-'")
        for key, value in (("port", e.port), ("containerPort", e.container_port)):
            if key in self._raw(e.at) and isinstance(self._raw(e.at)[key], int) and port(value):
                self.error(e.at + (key,), port(value) or "", "use a port between 1 and 65535")
        if e.protocol not in PROTOCOLS:
            self.error(e.at + ("protocol",), f"unknown protocol {e.protocol!r}",
                       did_you_mean(e.protocol.upper(), list(PROTOCOLS), loose=True)
                       or f"one of {', '.join(PROTOCOLS)}")
        if e.fqdn and fqdn(e.fqdn):
            self.error(e.at + ("fqdn",), fqdn(e.fqdn) or "")
        if e.fqdn and e.protocol != "TCP":
            self.error(e.at + ("fqdn",), f"route {e.name!r} is {e.protocol} but has an fqdn",
                       "an fqdn exposes the route through an HTTP Ingress, which needs TCP; "
                       "remove fqdn or the protocol")
        if not e.path.startswith("/"):
            self.error(e.at + ("path",), f"route path {e.path!r} must start with /",
                       f"e.g. path: /{e.path}")
        if e.tls:
            if not e.fqdn:
                self.error(e.at + ("tls",), f"route {e.name!r} has tls but no fqdn",
                           "TLS is served by the Ingress, which needs a host: add fqdn:")
            self._secret_ref(e.at + ("tls",), e.tls, f"route {e.name!r}")

    def _mount(self, e: Mount) -> None:
        if e.name:
            problem = dns_label(e.name)
            if problem:
                self.error(e.at + ("name",), f"mount name {problem}", "e.g. name: config")
            elif e.name == SCRIPTS_VOLUME:
                self.error(e.at + ("name",), f"{SCRIPTS_VOLUME} is the name of the volume "
                           "Pligos mounts scripts from", "choose another name")
        raw = self._raw(e.at)
        if e.path and not e.path.startswith("/"):
            self.error(e.at + ("path",), f"mount path {e.path!r} must be absolute",
                       f"e.g. path: /{e.path}")
        elif e.path == SCRIPTS_MOUNT or e.path.startswith(SCRIPTS_MOUNT + "/"):
            self.error(e.at + ("path",), f"{SCRIPTS_MOUNT} is where Pligos mounts scripts",
                       "choose another path")
        if e.kind == "files":
            if not e.files and raw.get("files") in (None, []):
                self.error(e.at + ("files",), f"mount {e.name!r} lists no files",
                           "files: [config/app.yaml]")
            keys: dict[str, str] = {}
            for i, name in enumerate(e.files):
                at = e.at + ("files",) + ((i,) if isinstance(raw.get("files"), list) else ())
                for file in self.service_file(at, name, "file", allow_dir=True):
                    key = file.name
                    if not CONFIG_KEY_RE.match(key):
                        self.error(at, f"file name {key!r} cannot be a ConfigMap key",
                                   "rename it to letters, digits, '-', '_' and '.'")
                    elif key in keys:
                        self.error(at, f"mount {e.name!r} has two files named {key!r} "
                                   f"({keys[key]} and {name})",
                                   "files of one mount land in one folder: rename one or "
                                   "split the mount")
                    keys[key] = name
                    if file.stat().st_size > 1024 * 1024 - 4096:
                        self.error(at, f"{name} is larger than a ConfigMap can hold (1 MiB)",
                                   "ship large data in the image or a volume")
        elif e.kind == "secret":
            if not e.secret:
                self.error(e.at + ("secret",), f"mount {e.name!r} needs a secret name")
            else:
                self._secret_ref(e.at + ("secret",), e.secret, f"mount {e.name!r}")
        elif e.kind == "hostPath":
            if not e.host_path.startswith("/"):
                self.error(e.at + ("hostPath",), f"hostPath {e.host_path!r} must be absolute",
                           "a hostPath is a folder on the node, e.g. /var/lib/app")
        elif e.kind == "volume" and e.volume:
            if e.volume.get("size") and quantity(e.volume["size"]):
                self.error(e.at + ("volume", "size"), f"volume size {quantity(e.volume['size'])}",
                           "e.g. size: 1Gi")
            if e.volume["accessMode"] not in ACCESS_MODES:
                self.error(e.at + ("volume", "accessMode"),
                           f"unknown accessMode {e.volume['accessMode']!r}",
                           did_you_mean(e.volume["accessMode"], list(ACCESS_MODES), loose=True)
                           or f"one of {', '.join(ACCESS_MODES)}")
        elif e.kind == "emptyDir" and e.empty_dir:
            if e.empty_dir.get("medium") not in ("", "Memory"):
                self.error(e.at + ("emptyDir", "medium"),
                           f"unknown emptyDir medium {e.empty_dir['medium']!r}",
                           "leave it out (node disk) or write medium: Memory")
            if e.empty_dir.get("sizeLimit") and quantity(e.empty_dir["sizeLimit"]):
                self.error(e.at + ("emptyDir", "sizeLimit"),
                           f"sizeLimit {quantity(e.empty_dir['sizeLimit'])}", "e.g. 512Mi")

    def _envset(self, e: EnvSet) -> None:
        for name in e.variables:
            if not ENV_NAME_RE.match(name):
                self.error(e.at + ("variables", name), f"{name!r} is not a valid environment "
                           "variable name", "letters, digits and '_', not starting with a digit",
                           key=True)

    def _resources(self, e: Resources) -> None:
        for part in ("requests", "limits"):
            for name, value in getattr(e, part).items():
                if not RESOURCE_NAME_RE.match(name):
                    self.error(e.at + (part, name), f"{name!r} is not a resource name",
                               did_you_mean(name, ["cpu", "memory", "ephemeral-storage"], loose=True)
                               or "e.g. cpu, memory", key=True)
                elif quantity(value):
                    hint = "memory takes Mi/Gi (binary) or M/G, e.g. 128Mi" if value.upper(
                    ).endswith(("MB", "GB", "KB")) else "e.g. cpu: 100m, memory: 128Mi"
                    self.error(e.at + (part, name), f"{part}.{name}: {quantity(value)}", hint)

    # ----- files

    def service_file(self, at: tuple, value: str, what: str, *,
                     allow_dir: bool = False) -> list[Path]:
        path, problem = service_path(self.svc.root, value,
                                     follow_symlinks=self.svc.follow_symlinks)
        if problem:
            self.error(at, f"{what} {problem}", "keep the file inside the service folder")
            return []
        assert path is not None
        if not path.exists():
            near = self._near_files(value)
            self.error(at, f"{what} {value!r} does not exist", near or
                       "create it or fix the path (relative to the service folder)")
            return []
        if path.is_dir():
            if allow_dir:
                return sorted(p for p in path.iterdir() if p.is_file())
            self.error(at, f"{what} {value!r} is a folder", "name a file")
            return []
        return [path]

    def _near_files(self, value: str) -> str:
        parent = (self.svc.root / value).parent
        if not parent.is_dir():
            return ""
        names = [p.name for p in parent.iterdir()]
        match = difflib.get_close_matches(Path(value).name, names, n=1, cutoff=0.6)
        if match:
            return f"did you mean {str(Path(value).parent / match[0])!r}?"
        return ""

    def _raw(self, at: tuple) -> dict[str, Any]:
        node: Any = self.doc.data
        for part in at:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return {}
        return node if isinstance(node, dict) else {}

    # ----- contexts

    def contexts(self) -> None:
        svc = self.svc
        names: dict[str, Context] = {}
        for ctx in svc.contexts:
            if not ctx.name:
                if self._raw(ctx.at).get("name") == "":
                    self.error(ctx.at + ("name",), "context name must not be empty",
                               "e.g. name: dev")
                continue
            if ctx.name in names:
                first = self.doc.line(names[ctx.name].at)
                self.error(ctx.at + ("name",), f"context name {ctx.name!r} is used twice"
                           + (f" (first on line {first})" if first else ""),
                           "give each context its own name")
                continue
            names[ctx.name] = ctx
            problem = dns_label(ctx.name)
            if problem:
                self.error(ctx.at + ("name",), f"context name {problem}",
                           "context names become folder and release names, e.g. dev, prod")
        for ctx in svc.contexts:
            self.context_refs(ctx, list(names))
        if svc.current_context and svc.current_context not in names:
            self.error(("current-context",), f"current-context {svc.current_context!r} is not a "
                       "context", did_you_mean(svc.current_context, list(names), loose=True)
                       or f"contexts are: {', '.join(names)}")
        flavors = FlavorSet()
        search = [svc.root / p for p in svc.flavor_paths]
        for ctx in names.values():
            try:
                resolved = resolve_context(svc, ctx.name)
            except ResolveError as exc:
                self.error(exc.at, exc.message, exc.hint)
                continue
            if any(svc.context(c) is None for c in resolved.chain) or any(
                    (c := svc.context(n)) is not None and c.extends and svc.context(c.extends)
                    is None for n in resolved.chain):
                continue  # extends a missing context: reported above, the rest would mislead
            self.resolved(ctx, resolved, flavors, search)

    def context_refs(self, ctx: Context, context_names: list[str]) -> None:
        svc = self.svc
        if ctx.extends and ctx.extends not in context_names:
            self.error(ctx.at + ("extends",), f"context {ctx.name!r} extends {ctx.extends!r}, "
                       "which is not a context", did_you_mean(ctx.extends, context_names, loose=True)
                       or f"contexts are: {', '.join(context_names)}")
        elif ctx.extends and ctx.extends == ctx.name:
            self.error(ctx.at + ("extends",), f"context {ctx.name!r} extends itself",
                       "extend another context or remove extends")
        refs: list[tuple[str, Ref]] = []
        for key, prop in CONTEXT_REFS.items():
            ref = getattr(ctx, key)
            if ref is not None:
                refs.append((prop, ref))
        for key, prop in CONTEXT_REF_LISTS.items():
            for ref in getattr(ctx, key) or []:
                refs.append((prop, ref))
        for prop, ref in refs:
            if ref.inline is not None:
                self.entry(ref.inline)
                continue
            known = [e.name for e in svc.entries(prop)]
            if ref.name not in known:
                word = ENTRY_WORDS[prop]
                hint = did_you_mean(ref.name, known, loose=True) or (
                    f"{prop} defines: {', '.join(known)}" if known else
                    f"define it under {prop}: (or write the entry inline)")
                self.error(ref.at, f"context {ctx.name!r} refers to {word} {ref.name!r}, "
                           f"which is not defined", hint)
        for use in ctx.friends or []:
            if use.name and use.name not in svc.friends:
                known = sorted(svc.friends)
                self.error(use.at, f"context {ctx.name!r} uses friend {use.name!r}, which is not "
                           "defined", did_you_mean(use.name, known, loose=True) or (
                               f"friends are: {', '.join(known)}" if known else
                               "define it in a friendsLibrary folder or under friends:"))
        if ctx.replicas is not None and ctx.replicas < 0:
            self.error(ctx.at + ("replicas",), "replicas must not be negative")
        if ctx.schedule is not None and cron(ctx.schedule):
            self.error(ctx.at + ("schedule",), cron(ctx.schedule) or "")

    def resolved(self, ctx: Context, resolved: ResolvedContext, flavors: FlavorSet,
                 search: list[Path]) -> None:
        if not resolved.flavor:
            self.error(ctx.at, f"context {ctx.name!r} has no flavor",
                       "add flavor: webservice (or worker, cronjob, or one of flavorPaths)",
                       key=True)
            return
        try:
            flavor = flavors.get(resolved.flavor, search)
        except ConfigError as exc:
            self.problems.items.extend(exc.problems)
            return
        if flavor is None:
            available = list(flavors.available(search))
            self.error(resolved.where("flavor"), f"unknown flavor {resolved.flavor!r}",
                       did_you_mean(resolved.flavor, available, loose=True)
                       or f"flavors are: {', '.join(available)}")
            return
        for prop in resolved.assigned:
            if prop not in flavor.accepts:
                self.error(resolved.where(prop), f"flavor {flavor.name!r} does not take {prop} "
                           f"(context {ctx.name!r})",
                           f"{flavor.name} takes: {', '.join(flavor.accepts)}; remove {prop} or "
                           "choose another flavor", key=True)
        for prop in flavor.requires:
            if prop not in resolved.assigned:
                self.error(ctx.at, f"flavor {flavor.name!r} needs {prop}, which context "
                           f"{ctx.name!r} does not set", f"add {prop}: ... to the context",
                           key=True)
        route_names = [r.name for r in resolved.routes]
        for kind, entries, attr in (("route", resolved.routes, "name"),
                                    ("mount", resolved.mounts, "name"),
                                    ("mount path", resolved.mounts, "path")):
            seen: set[str] = set()
            for entry in entries:
                value = getattr(entry, attr)
                if value in seen:
                    self.error(resolved.where("mounts" if kind.startswith("mount") else
                                              "routes"),
                               f"context {ctx.name!r} uses the {kind} {value!r} twice",
                               "each route and mount of a context needs its own name and path")
                seen.add(value)
        if resolved.command is not None and resolved.command.type == "script":
            for m in resolved.mounts:
                if m.name == "scripts" and m.kind == "files":
                    self.error(resolved.where("mounts"), f"context {ctx.name!r} runs a script "
                               "and has a files mount named 'scripts', whose ConfigMap would "
                               "take the scripts' name", "rename the mount (e.g. tools)")
        plain = {name: e for e in resolved.env for name in e.variables}
        seen_friends: set[str] = set()
        for use in resolved.friends:
            friend = self.svc.friends.get(use.name)
            if friend is None:
                continue
            if use.name in seen_friends:
                self.error(use.at, f"context {ctx.name!r} lists friend {use.name!r} twice",
                           "list each friend once")
            seen_friends.add(use.name)
            for key in list(friend.config) + list(friend.credentials):
                var = friend.env_name(key)
                if var in plain:
                    self.error(resolved.where("env"), f"{var} is set by env entry "
                               f"{plain[var].name!r} and injected by friend {friend.name!r}",
                               f"remove {var} from the env entry")
        tls_of: dict[str, Route] = {}
        for r in resolved.routes:
            if not r.fqdn:
                continue
            other = tls_of.setdefault(r.fqdn, r)
            if other is not r and other.tls != r.tls:
                self.error(resolved.where("routes"), f"routes {other.name!r} and {r.name!r} of "
                           f"context {ctx.name!r} serve {r.fqdn} with different TLS secrets "
                           f"({other.tls or 'none'} and {r.tls or 'none'})",
                           "one host has one certificate: give both routes the same tls")
        ports = [(r.port, r.protocol) for r in resolved.routes]
        if len(set(ports)) != len(ports):
            self.error(resolved.where("routes"), f"two routes of context {ctx.name!r} share a "
                       "service port", "give each route its own port")
        if resolved.probe is not None:
            for stage, spec in resolved.probe.stages.items():
                for handler in ("httpGet", "tcpSocket"):
                    named = spec.get(handler, {}).get("port")
                    known = route_names + [r.name for r in self.svc.routes]
                    if isinstance(named, str) and named not in known:
                        self.error(resolved.probe.at + (stage, handler, "port"),
                                   f"probe port {named!r} is not a route of context "
                                   f"{ctx.name!r} nor of the service",
                                   did_you_mean(named, known, loose=True) or
                                   (f"routes of {ctx.name}: {', '.join(route_names)}"
                                    if route_names else "give a port number, or add a route"))


def _suggest_label(name: str) -> str:
    label = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")[:SERVICE_NAME_MAX].strip("-")
    return label or "my-service"


def check_service(svc: Service, problems: Problems) -> None:
    """Check every rule of format 1 on a read service; add what is wrong to `problems`."""
    _Checker(svc, problems).run()
