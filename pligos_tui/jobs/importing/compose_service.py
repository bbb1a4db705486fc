"""One compose service as a Deployment (one container named like the service) and, when it
publishes or exposes ports, the Service in front of it.

compose -> Kubernetes (the volumes, tmpfs, configs and secrets are `compose_mounts`'):
- image (build without image: `<project>-<service>:latest`) -> the container's image
- entrypoint / command (text split like a shell would) -> command / args
- env_file, then environment (a list or a map) -> env `{name, value}`; a variable that looks
  like a secret -> a secretKeyRef to the Secret `<service>-env`
- ports (`[IP:]PUBLISHED:TARGET/PROTO`, the long form), expose -> container ports named
  http, then p<port>; a Service port PUBLISHED (or TARGET) -> targetPort TARGET
- healthcheck test, interval, timeout, retries, start_period -> exec readiness and liveness
  probes: periodSeconds, timeoutSeconds, failureThreshold, initialDelaySeconds
- deploy.resources limits / reservations, cpus, mem_limit, mem_reservation -> resources
  limits / requests; deploy.replicas, scale -> replicas
- working_dir, user, read_only, cap_add NET_BIND_SERVICE, cap_drop, stdin_open, tty,
  pull_policy, stop_grace_period -> workingDir, securityContext, stdin, tty,
  imagePullPolicy, terminationGracePeriodSeconds
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from pligos_tui.errors import display_path
from pligos_tui.io.files import read_regular
from pligos_tui.io.keypath import KeyPath
from pligos_tui.jobs.importing.compose_file import (
    CONFIGMAP_MAX,
    DURATION,
    ENV_FILE,
    GENERIC,
    PORT,
    QUANTITY,
    SERVICE,
    TYPE,
    ComposeFile,
    ServicePart,
    is_a,
)
from pligos_tui.jobs.importing.compose_mounts import Mounts
from pligos_tui.jobs.importing.compose_syntax import (
    PortMapping,
    command_words,
    cpu_quantity,
    duration,
    interpolate,
    memory_quantity,
    parse_port,
    port_range,
    protocol,
    read_env_file,
    whole_seconds,
)
from pligos_tui.secrets.scan import looks_secret

LABEL = "app.kubernetes.io/name"
# docker's healthcheck timings when a compose file gives none
HEALTH_DEFAULTS: dict[str, Any] = {"interval": "30s", "timeout": "30s", "retries": 3,
                                   "start_period": "0s"}
PULL_POLICIES = {"always": "Always", "never": "Never", "missing": "IfNotPresent",
                 "if_not_present": "IfNotPresent"}
_LEFT: dict[str, tuple[str, str]] = {
    "depends_on": ("Kubernetes starts pods in no order", "let the service wait for what it "
                   "needs: retry connecting, or an init container that waits"),
    "networks": ("the pods of a namespace share one network", "keep services apart with the "
                 "NetworkPolicy the flavor writes"),
    "network_mode": ("a pod has a network of its own", "for service:NAME run both as "
                     "containers of one pod (a sidecar); host networking needs a custom flavor"),
    "links": ("pods reach each other by Service name", "call the other service by its name"),
    "privileged": ("no flavor runs a privileged container", "add the one capability it needs "
                   "instead, or write a custom flavor"),
    "container_name": ("pods get names of their own", "reach it by its Service name"),
    "labels": ("container labels have no counterpart in the pod", "routing labels (traefik, "
               "caddy): give the service a route with that host; others: pod labels in "
               "values:"),
    "extends": ("the import reads one file as it is written", "run `docker compose config > "
                "resolved.yaml` and import that"),
    "profiles": ("every service is imported, whatever its profiles", "leave out what you do "
                 "not deploy"),
    "restart": ("a Deployment restarts its containers always", "run a task that ends as a job "
                "(the cronjob flavor) instead"),
    "init": ("no init process is added to the pod", "give the image one (tini)"),
    "platform": ("the nodes' architecture is not chosen", "a nodeSelector on "
                 "kubernetes.io/arch in values:"),
    "devices": ("a node's devices are not mounted into pods", "request the device plugin's "
                "resource in values:"),
    "extra_hosts": ("no host names are added to the pod's /etc/hosts", "use DNS names, or "
                    "hostAliases in a custom flavor"),
    "logging": ("pods log to the cluster's log collection", "drop it"),
    "shm_size": ("/dev/shm keeps its default size", "mount an emptyDir of medium Memory at "
                 "/dev/shm"),
}
# keys whose meaning a cluster gives anyway, or that change nothing that runs: listed, but not
# a difference from the original
ADVISORY = {"depends_on", "networks", "links", "container_name", "logging", "profiles",
            "extends"}
_LEFT["external_links"] = _LEFT["links"]
_LEFT["gpus"] = _LEFT["devices"]
HANDLED = {"image", "build", "command", "entrypoint", "environment", "env_file", "ports",
           "expose", "healthcheck", "deploy", "scale", "volumes", "tmpfs", "configs", "secrets",
           "working_dir", "user", "read_only", "cap_add", "cap_drop", "privileged",
           "stop_grace_period", "mem_limit", "mem_reservation", "cpus", "stdin_open", "tty",
           "restart", "pull_policy", "depends_on"}


class ServiceTranslation(ServicePart):
    def __init__(self, c: ComposeFile, name: str, object_name: str, base: KeyPath,
                 svc: dict[str, Any]) -> None:
        super().__init__(c, name, object_name, base, svc)
        self.container: dict[str, Any] = {"name": object_name}
        self.pod: dict[str, Any] = {}
        self.ports: dict[tuple[int, str], str] = {}  # (containerPort, protocol) -> its name
        self.service_ports: list[dict[str, Any]] = []
        self.replicas = 1
        self.build_context: Path | None = None

    def left(self, key: str, what: str = "", reason: tuple[str, str] | None = None,
             path: KeyPath | None = None) -> None:
        why, kept = reason or _LEFT.get(key, GENERIC)
        self.c.leftover(path or self.p(key), what or f"{key} of service {self.name}", why, kept,
                        fragment=self.svc.get(key), material=key not in ADVISORY)

    def run(self) -> None:
        self.image()
        for key, field in (("entrypoint", "command"), ("command", "args")):
            self.command(key, field)
        self.environment()
        self.port_list()
        self.healthcheck()
        self.resources()
        self.mounts = Mounts(self.c, self.name, self.label, self.base, self.svc,
                             self.build_context)
        self.mounts.run()
        self.security()
        self.rest()
        self.objects()

    # ------------------------------------------------------------------ the container

    def image(self) -> None:
        image = self.get("image", (str,), "an image reference (text)")
        build = self.svc.get("build")
        if image is None and build is None and "image" not in self.svc:
            self.c.error(SERVICE, self.base, f"service {self.name} has neither image: nor "
                         "build:", "give it the image it runs: image: nginx:1.27", key=True)
        if build is not None:
            context = build if isinstance(build, str) else (
                build.get("context", ".") if isinstance(build, dict) else ".")
            if isinstance(context, str) and "://" not in context:
                self.build_context = (self.c.folder / context).resolve()
            if image:
                why = (f"compose builds the image {image} from its build context; a cluster "
                       "only pulls images")
                kept = f"build {image} and push it to a registry the cluster pulls from"
            else:
                image = f"{self.c.project}-{self.name.lower()}:latest"
                why = (f"service {self.name} has no image: compose builds one and names it "
                       f"{image}")
                kept = ("build it, push it to a registry the cluster pulls from, and set "
                        "that image in pligos.yaml")
            self.left("build", reason=(why, kept))
        if image:
            self.container["image"] = image

    def words(self, path: KeyPath, value: Any) -> list[str] | None:
        if isinstance(value, str):
            try:
                return command_words(value)
            except ValueError as exc:
                self.c.error(TYPE, path, str(exc), "close the quote, or give the words as a "
                             "list")
                return None
        if isinstance(value, list) and all(is_scalar(w) for w in value):
            return [self.c.scalar(path + (i,), w) for i, w in enumerate(value)]
        self.c.typed(path, value, (str,), "text or a list of words")
        return None

    def command(self, key: str, field: str) -> None:
        if self.svc.get(key) is None:
            return
        found = self.words(self.p(key), self.svc[key])
        if found:
            self.container[field] = found
        elif found is not None:
            self.left(key, f"empty {key} of service {self.name}", (
                f"an empty {key} clears the image's, which Kubernetes cannot",
                "give the command in full"))

    def environment(self) -> None:
        values: dict[str, str] = {}
        env_file = self.svc.get("env_file")
        items = env_file if isinstance(env_file, list) else [] if env_file is None else [env_file]
        for i, item in enumerate(items):
            self.env_file(self.p("env_file", i) if isinstance(env_file, list)
                          else self.p("env_file"), item, values)
        env = self.svc.get("environment")
        pairs: list[tuple[str, str | None, KeyPath]] = []
        path = self.p("environment")
        if isinstance(env, dict):
            for key, value in env.items():
                if value is None or is_scalar(value):
                    pairs.append((key, None if value is None
                                  else self.c.scalar(path + (key,), value), path + (key,)))
                else:
                    self.c.typed(path + (key,), value, (str,), "a value (text)")
        elif isinstance(env, list):
            for i, item in enumerate(env):
                if self.c.typed(path + (i,), item, (str,), "NAME=value"):
                    key, sep, value = item.partition("=")
                    pairs.append((key, value if sep else None, path + (i,)))
        elif env is not None:
            self.c.typed(path, env, (dict, list), "a mapping or a list of NAME=value")
        for key, value, at in pairs:
            if value is None:
                self.passthrough(key, self.c.at(at))
            else:
                values[key] = value
        secret = [k for k, v in values.items() if looks_secret(k, v)]
        env_list = [{"name": k, "valueFrom": {"secretKeyRef": {"name": f"{self.label}-env",
                                                               "key": k}}}
                    if k in secret else {"name": k, "value": v} for k, v in values.items()]
        if env_list:
            self.container["env"] = env_list
        if secret:
            self.c.leftover(path if env is not None else self.p("env_file"),
                            f"secret environment of service {self.name}: {', '.join(secret)}",
                            "their values look like secrets (by name or content), which are "
                            "never imported", f"create the Secret {self.label}-env with the "
                            "keys " + ", ".join(secret) + " in each namespace, or give "
                            "pligos.yaml a secret provider for them")

    def passthrough(self, key: str, where: str) -> None:
        self.c.leftover(where, f"environment {key} of service {self.name}", "it has no value: "
                        "compose passes it on from the environment it runs in",
                        "set its value in pligos.yaml (from a secret, if it is one)")

    def env_file(self, path: KeyPath, item: Any, values: dict[str, str]) -> None:
        required, file = True, item
        if isinstance(item, dict):
            required, file, path = item.get("required") is not False, item.get("path"), \
                path + ("path",)
        if not isinstance(file, str) or not file:
            self.c.typed(path, file, (str,), "the path of an env file")
            return
        target = self.c.folder / file
        shown = display_path(target)
        try:
            raw = read_regular(target, CONFIGMAP_MAX)
            if len(raw) > CONFIGMAP_MAX:
                raise ValueError("it is larger than 1 MiB")
            text = raw.decode("utf-8-sig")
            lines = read_env_file(text)
        except FileNotFoundError:
            if required:
                self.c.leftover(path, f"env_file {file} of service {self.name}", "the file is "
                                "not there (compose would refuse to start): its variables "
                                "are not imported", "create it, or set the variables in "
                                "pligos.yaml")
            return
        except (OSError, ValueError) as exc:
            message = "it is not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else (
                exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc))
            self.c.error(ENV_FILE, path, f"env_file {file} cannot be read: {message}",
                         "write it as lines of NAME=value (UTF-8, # for comments)")
            return
        for line in lines:
            where = f"{shown}:{line.line}"
            if line.value is None:
                self.passthrough(line.name, where)
                continue
            value = line.value
            if line.expand and "$" in value:
                try:
                    value, unset = interpolate(value)
                except ValueError as exc:
                    self.c.error(ENV_FILE, path, f"{where}: {exc}", "write ${NAME} or "
                                 "${NAME:-default}, and $$ for a $ of the text")
                    continue
                for name in dict.fromkeys(unset):
                    self.c.unset(name, f"{line.name} of {shown}", where)
            values[line.name] = value

    # ------------------------------------------------------------------ ports

    def container_port(self, target: int, proto: str) -> str:
        if (target, proto) not in self.ports:
            name = "http" if not self.ports else f"p{target}"
            if name in self.ports.values():
                name = f"p{target}-{proto.lower()}"
            self.ports[(target, proto)] = name
        return self.ports[(target, proto)]

    def service_port(self, port: int, target: int, proto: str) -> None:
        name = self.container_port(target, proto)
        if any(p["port"] == port and p["protocol"] == proto for p in self.service_ports):
            return
        if any(p["name"] == name for p in self.service_ports):
            name = f"p{port}" if proto == "TCP" else f"p{port}-{proto.lower()}"
        self.service_ports.append({"name": name, "port": port, "targetPort": target,
                                   "protocol": proto})

    def mappings(self, path: KeyPath, item: Any) -> list[PortMapping]:
        try:
            if isinstance(item, dict):
                target, published = item.get("target"), item.get("published")
                if not is_a_port(target):
                    raise ValueError("a port in the long form needs target: (a number)")
                proto = protocol(str(item.get("protocol") or "tcp"))
                found = port_range(str(published)) if published not in (None, "") else []
                if item.get("mode") == "host":
                    self.c.leftover(path, f"port {target} of service {self.name} in host "
                                    "mode", "a Service balances over all pods", "reach it "
                                    "through the Service")
                return [PortMapping(int(target), found[0] if found else None, proto,  # type: ignore[arg-type]
                                    str(item.get("host_ip") or ""), len(found) > 1)]
            if is_scalar(item) and not isinstance(item, bool):
                return parse_port(self.c.scalar(path, item))
            raise ValueError(f"a port is text like \"8080:80\" or a mapping, not "
                             f"{type(item).__name__}")
        except ValueError as exc:
            self.c.error(PORT, path, str(exc), "write it as [HOST_IP:]PUBLISHED:TARGET[/udp], "
                         "e.g. \"8080:80\" (quoted: YAML reads 22:22 as a number)")
            return []

    def port_list(self) -> None:
        for key in ("ports", "expose"):
            items = self.get(key, (list,), "a list of ports")
            for i, item in enumerate(items or []):
                path = self.p(key, i)
                for m in self.mappings(path, item):
                    if key == "expose" and m.published is not None:
                        self.c.error(PORT, path, "an exposed port has no host port",
                                     "write the container port only: expose: [\"8080\"]")
                    # peers reach a compose service on its container port: so does the Service
                    self.service_port(m.target, m.target, m.protocol)
                    if m.published is not None and m.published != m.target:
                        self.c.leftover(path, f"the host port {m.published} of port {m.target} "
                                        f"of service {self.name}", "a cluster has no host "
                                        f"ports; the Service of {self.name} takes port "
                                        f"{m.target}, as its peers reach it in compose",
                                        "reach it from outside with a route's fqdn, or "
                                        "service.type LoadBalancer", material=False)
                    if m.host_ip not in ("", "0.0.0.0", "::"):
                        self.c.leftover(path, f"host address {m.host_ip} of port {m.target} "
                                        f"of service {self.name}", "a Service is reached from "
                                        "the whole cluster, not on one address",
                                        "limit who reaches it with a NetworkPolicy")
                    if m.published_range:
                        self.c.leftover(path, f"the host port range of port {m.target} of "
                                        f"service {self.name}", "compose publishes one free "
                                        "port of the range on the host; a cluster has no "
                                        "host ports", "nothing, unless clients expect "
                                        "another port of the range")

    # ------------------------------------------------------------------ health and size

    def healthcheck(self) -> None:
        check = self.get("healthcheck", (dict,), "a mapping (test:, interval:, ...)")
        if not check or check.get("disable") is True:
            return
        path = self.p("healthcheck")
        test = check.get("test")
        if test is None:
            self.c.leftover(path, f"healthcheck of service {self.name}", "it has no test: "
                            "compose runs the image's own HEALTHCHECK, which the import cannot "
                            "see", "give it a test:, or a probe in pligos.yaml")
            return
        if isinstance(test, list) and test and test[0] == "NONE":
            return
        command: list[str] | None = None
        if isinstance(test, str) and test.strip():
            command = ["/bin/sh", "-c", test]
        elif isinstance(test, list) and len(test) > 1 and all(is_scalar(w) for w in test):
            test = [self.c.scalar(path + ("test", i), w) for i, w in enumerate(test)]
            if test[0] == "CMD":
                command = test[1:]
            elif test[0] == "CMD-SHELL":
                command = ["/bin/sh", "-c", " ".join(test[1:])]
        if command is None:
            self.c.error(TYPE, path + ("test",), "a healthcheck test is a command line, or a "
                         "list that starts with CMD, CMD-SHELL or NONE",
                         "write test: [\"CMD\", \"curl\", \"-f\", \"http://localhost/\"]")
            return
        timing: dict[str, float] = {}
        for key, default in HEALTH_DEFAULTS.items():
            value = check.get(key, default)
            try:
                if key != "retries":
                    timing[key] = duration(value)
                elif is_a(value, (int,)) and value >= 0:
                    timing[key] = value
                else:
                    raise ValueError
            except ValueError as exc:
                rule, hint = (DURATION, "write a number and a unit: 10s, 1m30s, 500ms") \
                    if key != "retries" else (TYPE, "write a whole number: retries: 3")
                self.c.error(rule, path + (key,), str(exc) or f"retries: {value!r} is not a "
                             "whole number", hint)
                return
        if "start_interval" in check:
            self.c.leftover(path + ("start_interval",), "start_interval of the healthcheck of "
                            f"service {self.name}", "probes keep one period",
                            "drop it, or add a startupProbe in pligos.yaml")
        probe: dict[str, Any] = {
            "exec": {"command": command},
            "periodSeconds": whole_seconds(timing["interval"], minimum=1),
            "timeoutSeconds": whole_seconds(timing["timeout"], minimum=1),
            "failureThreshold": max(1, int(timing["retries"]))}
        if timing["start_period"] > 0:
            probe["initialDelaySeconds"] = whole_seconds(timing["start_period"], minimum=0)
        self.container["readinessProbe"] = probe
        self.container["livenessProbe"] = copy.deepcopy(probe)

    def resources(self) -> None:
        deploy = self.get("deploy", (dict,), "a mapping (replicas:, resources:, ...)") or {}
        given: dict[str, dict[str, str]] = {}
        wanted = [("limits", "cpu", self.p("cpus"), self.svc.get("cpus")),
                  ("limits", "memory", self.p("mem_limit"), self.svc.get("mem_limit")),
                  ("requests", "memory", self.p("mem_reservation"),
                   self.svc.get("mem_reservation"))]
        resources = deploy.get("resources")
        if resources is not None and self.c.typed(self.p("deploy", "resources"), resources,
                                                  (dict,), "a mapping (limits:, reservations:)"):
            for side, field in (("limits", "limits"), ("reservations", "requests")):
                spec = resources.get(side)
                path = self.p("deploy", "resources", side)
                if spec is None or not self.c.typed(path, spec, (dict,), "a mapping"):
                    continue
                wanted += [(field, "cpu", path + ("cpus",), spec.get("cpus")),
                           (field, "memory", path + ("memory",), spec.get("memory"))]
                for key in sorted(set(spec) - {"cpus", "memory"}):
                    self.c.leftover(path + (key,), f"{key} of the {side} of service "
                                    f"{self.name}", *GENERIC, fragment=spec[key])
        for field, kind, path, value in wanted:
            if value is None:
                continue
            try:
                found = cpu_quantity(value) if kind == "cpu" else memory_quantity(value)
            except ValueError as exc:
                self.c.error(QUANTITY, path, str(exc), "CPUs as a number (0.5), sizes as a "
                             "number and a unit (512m, 1g)")
                continue
            if found:
                given.setdefault(field, {})[kind] = found
        if given:
            self.container["resources"] = {k: given[k] for k in ("limits", "requests")
                                           if k in given}
        for key, path in (("replicas", self.p("deploy", "replicas")), ("scale", self.p("scale"))):
            value = deploy.get(key) if key == "replicas" else self.svc.get(key)
            if value is not None and self.c.typed(path, value, (int,), "a whole number"):
                if value < 0:
                    self.c.error(TYPE, path, f"{key}: {value} is below 0", "write 0 or more")
                else:
                    self.replicas = value
        for key in sorted(set(deploy) - {"replicas", "resources"}):
            if key == "mode" and deploy[key] == "replicated":
                continue
            reason = ("a Deployment runs replicas, not a pod per node (a DaemonSet)",
                      "use a flavor that runs a DaemonSet") if key == "mode" else GENERIC
            self.c.leftover(self.p("deploy", key), f"deploy.{key} of service {self.name}",
                            *reason, fragment=deploy[key])

    # ------------------------------------------------------------------ the rest

    def security(self) -> None:
        context: dict[str, Any] = {}
        user = self.svc.get("user")
        if user is not None:
            uid, _, gid = self.c.scalar(self.p("user"), user).partition(":")
            if uid.isdigit() and (not gid or gid.isdigit()):
                context["runAsUser"] = int(uid)
                if gid:
                    context["runAsGroup"] = int(gid)
            else:
                self.left("user", f"user {user} of service {self.name}", (
                    "Kubernetes runs a container as a number, not a user name",
                    "give the user's number (its line in the image's /etc/passwd)"))
        if self.svc.get("read_only") is True:
            context["readOnlyRootFilesystem"] = True
        caps: dict[str, list[str]] = {}
        for key, field in (("cap_add", "add"), ("cap_drop", "drop")):
            for cap in self.get(key, (list,), "a list of capabilities") or []:
                cap = str(cap).upper().removeprefix("CAP_")
                if field == "drop" or cap == "NET_BIND_SERVICE":
                    caps.setdefault(field, []).append(cap)
                else:
                    self.left(key, f"capability {cap} of service {self.name}", (
                        "the flavors add no capability but NET_BIND_SERVICE",
                        "drop the need for it, or write a custom flavor"))
        if caps:
            context["capabilities"] = caps
        if context:
            self.container["securityContext"] = context
        if self.svc.get("privileged") is True:
            self.left("privileged")

    def rest(self) -> None:
        svc = self.svc
        for key, field in (("working_dir", "workingDir"), ("stdin_open", "stdin"),
                           ("tty", "tty")):
            if svc.get(key) is not None and self.c.typed(
                    self.p(key), svc[key], (str,) if key == "working_dir" else (bool,),
                    "a path" if key == "working_dir" else "true or false"):
                self.container[field] = svc[key]
        if svc.get("pull_policy") is not None:
            policy = PULL_POLICIES.get(str(svc["pull_policy"]))
            if policy:
                self.container["imagePullPolicy"] = policy
            else:
                self.left("pull_policy")
        if svc.get("stop_grace_period") is not None:
            try:
                seconds = duration(svc["stop_grace_period"])
                self.pod["terminationGracePeriodSeconds"] = whole_seconds(seconds, minimum=0)
            except ValueError as exc:
                self.c.error(DURATION, self.p("stop_grace_period"), str(exc),
                             "write a number and a unit: 10s, 1m30s")
        if svc.get("restart") not in (None, "always", "unless-stopped"):
            self.left("restart", f"restart: {svc['restart']} of service {self.name}")
        depends = svc.get("depends_on")
        if depends and self.c.typed(self.p("depends_on"), depends, (list, dict),
                                    "a list of services"):
            for other in depends:
                self.c.needed.setdefault(str(other), []).append(self.name)
            self.left("depends_on", f"depends_on of service {self.name}: "
                      + ", ".join(map(str, depends)))
        for key in svc:
            if key not in HANDLED and (key != "labels" or svc[key]):
                self.left(key)

    def objects(self) -> None:
        self.container["ports"] = [{"name": name, "containerPort": port, "protocol": proto}
                                   for (port, proto), name in self.ports.items()]
        if not self.container["ports"]:
            del self.container["ports"]
        if self.mounts.mounts:
            self.container["volumeMounts"] = self.mounts.mounts
        pod: dict[str, Any] = {"containers": [self.container], **self.pod}
        if self.mounts.volumes:
            pod["volumes"] = [{"name": name, **v} for name, v in self.mounts.volumes.items()]
        self.c.add({"apiVersion": "apps/v1", "kind": "Deployment",
                    "metadata": {"name": self.label, "labels": {LABEL: self.label}},
                    "spec": {"replicas": self.replicas,
                             "selector": {"matchLabels": {LABEL: self.label}},
                             "template": {"metadata": {"labels": {LABEL: self.label}},
                                          "spec": pod}}}, self.base)
        if self.service_ports:
            self.c.with_service.add(self.name)
            self.c.add({"apiVersion": "v1", "kind": "Service",
                        "metadata": {"name": self.label, "labels": {LABEL: self.label}},
                        "spec": {"selector": {LABEL: self.label},
                                 "ports": self.service_ports}}, self.base)
        for claim in self.mounts.claims:
            self.c.claims.setdefault(claim, []).append((self.name, self.replicas))


def is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def is_a_port(value: Any) -> bool:
    text = str(value)
    return not isinstance(value, bool) and text.isdigit() and 1 <= int(text) <= 65535
