"""Score workloads (`score.dev/v1b1`) as the Kubernetes objects a hand-written chart has.

Each Score file is one workload. A context is the Score file with its overrides files merged
over it as score-go merges them (maps key by key, any other value replaced, `null` removes the
key). Each context's workload becomes a Deployment of its containers (the first is the
service's own; the others run beside it, or before it when `before` waits for them to
complete), a Service of `service.ports`, a ConfigMap per folder of `files`, a PVC per `volume`
resource and an Ingress of its `route` resources. A resource Kubernetes has no object for (a
database, a cache, a queue) becomes the friend of the friends library matching its type or
name, or a to-do. Placeholders (`${metadata.name}`, `${resources.db.host}`) are replaced where
their value is known here; what is not expressed is a Leftover, never dropped unsaid.
"""

from __future__ import annotations

import base64
import json
import posixpath
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pligos_tui.errors import ConfigError, Problems, UsageError, did_you_mean, display_path
from pligos_tui.io.files import read_regular
from pligos_tui.io.keypath import KeyPath
from pligos_tui.io.yamlread import Document, load_file, max_file_bytes
from pligos_tui.jobs.importing.original import SCORE, Context, Leftover, Original
from pligos_tui.jobs.importing.score_syntax import (
    CM_KEY,
    DUPLICATE,
    OVERRIDES,
    PLACEHOLDER,
    RULES,
    WHOLE_OUTPUT,
    WHOLE_RESOURCE,
    WRONG_TYPE,
    Located,
    check_workload,
    context_names,
    keyed,
    label,
    read_library,
    ref_parts,
)
from pligos_tui.spec.fields import dns_label, fqdn, port_name, quantity
from pligos_tui.spec.model import Friend
from pligos_tui.spec.reader import type_name

__all__ = ["RULES", "read_score"]

DEFAULT_CONTEXT = "dev"
DEFAULT_SIZE = "1Gi"  # a volume's size: Score leaves it to the platform
NATIVE = ("route", "volume", "dns", "service-port")  # resource types translated here
NAME_LABEL = "app.kubernetes.io/name"
SCORE_K8S = "k8s.score.dev/"  # annotations meant for score-k8s, not for the cluster
ALIASES = {"name": "database", "database": "name", "username": "user", "user": "username"}

# -- one workload of one context -> objects -----------------------------------------------------


class Workload:
    def __init__(self, spec: dict[str, Any], loc: Located, file: Path,
                 friends: dict[str, Friend], services: dict[str, dict[str, int]]) -> None:
        self.spec, self.loc, self.file = spec, loc, file
        self.name: str = spec["metadata"]["name"]
        self.resources: dict[str, dict[str, Any]] = spec.get("resources") or {}
        self.services = services  # workload -> its service ports by name (service-port)
        self.leftovers: list[Leftover] = []
        self.friend_of: dict[str, Friend] = {}
        for rname, res in self.resources.items():
            friend = None if res["type"] in NATIVE else friends.get(res["type"]) \
                or friends.get(rname)
            if friend:
                self.friend_of[rname] = friend
        self.ports = [(pname, p) for pname, p in (
            (spec.get("service") or {}).get("ports") or {}).items()]
        self.labels = {NAME_LABEL: self.name}
        self.objects: list[tuple[dict[str, Any], KeyPath]] = []

    def leftover(self, what: str, at: KeyPath, why: str, kept: str, fragment: Any) -> None:
        self.leftovers.append(Leftover(what, self.loc.where(at), why, kept, fragment=fragment,
                                       workload=self.name))

    # placeholders

    def expand(self, text: str) -> tuple[str, list[str]]:
        """`text` with its placeholders replaced where known; why the others are not."""
        missing: dict[str, list[str]] = {}  # why -> the placeholders

        def one(m: re.Match[str]) -> str:
            whole, inner, ref = m.group(0), m.group(1), m.group(2)
            if inner.startswith("$"):
                return whole[1:]
            value, why = self.resolve(ref)
            if value is None:
                if whole not in missing.setdefault(why, []):
                    missing[why].append(whole)
                return whole
            return value
        out = PLACEHOLDER.sub(one, text)
        return out, [f"{', '.join(refs)}: {why}" for why, refs in missing.items()]

    def resolve(self, ref: str) -> tuple[str | None, str]:
        parts = ref_parts(ref)
        if parts[0] == "metadata" and len(parts) > 1:
            node: Any = self.spec["metadata"]
            for part in parts[1:]:
                if not isinstance(node, dict) or part not in node:
                    return None, f"metadata has no key {part!r}"
                node = node[part]
            return (node if isinstance(node, str) else json.dumps(node)), ""
        if parts[0] != "resources" or len(parts) < 2:
            return None, "neither metadata nor a resource (write $$ for a literal $)"
        rname, keys = parts[1], parts[2:]
        res = self.resources.get(rname)
        if res is None:
            return None, (f"the workload has no resource {rname}"
                          + (f" ({did_you_mean(rname, self.resources)})"
                             if did_you_mean(rname, self.resources) else ""))
        kind = res["type"]
        if kind == "service-port":
            params = res.get("params") or {}
            target = self.services.get(str(params.get("workload")), {})
            number = target.get(str(params.get("port")))
            if number and keys == ["hostname"]:
                return str(params["workload"]), ""
            if number and keys == ["port"]:
                return str(number), ""
            return None, "a service port of a workload not imported with this one"
        if rname in self.friend_of:
            friend = self.friend_of[rname]
            return None, (f"resource {rname} is replaced by the friend {friend.name}, which "
                          f"sets {', '.join(friend_env(friend)) or 'no variables'} instead")
        if kind == "dns":
            return None, "a host name the Score platform's dns provisioner chooses"
        if kind in NATIVE:
            return None, f"no output a {kind} resource has here"
        return None, f"resource {rname} (type {kind}) has no friend to replace it"

    # the pod

    def translate(self) -> list[tuple[dict[str, Any], KeyPath]]:
        containers: dict[str, dict[str, Any]] = self.spec["containers"]
        init = {other for c in containers.values()
                for other, b in (c.get("before") or {}).items() if b["ready"] == "complete"}
        for cname, c in containers.items():
            for other, b in (c.get("before") or {}).items():
                if b["ready"] != "complete":
                    self.leftover(f"before {other} of container {cname}",
                                  ("containers", cname, "before", other),
                                  f"it waits for {other} to be {b['ready']}: a pod starts its "
                                  "containers together", "not expressed", {other: b})
        order = [n for n in containers if n not in init] + [n for n in containers if n in init]
        pod: dict[str, Any] = {"containers": [], "initContainers": [], "volumes": []}
        for i, cname in enumerate(order):
            built = self.container(cname, containers[cname], pod, main=(i == 0))
            pod["initContainers" if cname in init else "containers"].append(built)
        pod = {k: v for k, v in pod.items() if v}
        meta = self.spec["metadata"]
        annotations = {}
        for key, value in (meta.get("annotations") or {}).items():
            if key.startswith(SCORE_K8S):
                self.leftover(f"annotation {key} of workload {self.name}",
                              ("metadata", "annotations", key), "it tells score-k8s how to "
                              "translate the workload; this import makes a Deployment",
                              "not expressed", {key: value})
            else:
                annotations[key] = value
        template: dict[str, Any] = {"metadata": {"labels": dict(self.labels)}, "spec": pod}
        if annotations:
            template["metadata"]["annotations"] = annotations
        deployment = {"apiVersion": "apps/v1", "kind": "Deployment",
                      "metadata": {"name": self.name, "labels": dict(self.labels)},
                      "spec": {"replicas": 1, "selector": {"matchLabels": dict(self.labels)},
                               "template": template}}
        self.objects.insert(0, (deployment, ("metadata", "name")))
        if self.ports:
            ports = [{"name": self.port_name(i, pname, p), "port": p["port"],
                      "targetPort": p.get("targetPort", p["port"]),
                      "protocol": p.get("protocol", "TCP")}
                     for i, (pname, p) in enumerate(self.ports)]
            service = {"apiVersion": "v1", "kind": "Service",
                       "metadata": {"name": self.name, "labels": dict(self.labels)},
                       "spec": {"selector": dict(self.labels), "ports": ports}}
            self.objects.insert(1, (service, ("service", "ports")))
        self.resource_objects()
        return self.objects

    def port_name(self, i: int, pname: str, p: dict[str, Any]) -> str:
        if port_name(pname) is None:
            return pname
        return "http" if i == 0 else f"p{p.get('targetPort', p['port'])}"

    def container(self, cname: str, c: dict[str, Any], pod: dict[str, Any],
                  main: bool) -> dict[str, Any]:
        at = ("containers", cname)
        image = c["image"]
        if image == ".":
            image = f"{self.name}:latest"
            self.leftover(f"image of container {cname}", at + ("image",),
                          "'.' is an image the Score toolchain builds", f"imported as {image}: "
                          "set the repository and tag the build pushes", {"image": "."})
        out: dict[str, Any] = {"name": cname, "image": image}
        for key in ("command", "args"):
            if c.get(key):
                out[key] = list(c[key])
        env = self.env(cname, c.get("variables") or {})
        if env:
            out["env"] = env
        if main and self.ports:
            seen: set[tuple[int, str]] = set()
            ports = []
            for i, (pname, p) in enumerate(self.ports):
                number, proto = p.get("targetPort", p["port"]), p.get("protocol", "TCP")
                if (number, proto) not in seen:
                    seen.add((number, proto))
                    ports.append({"name": self.port_name(i, pname, p), "containerPort": number,
                                  "protocol": proto})
            out["ports"] = ports
        if c.get("resources"):
            out["resources"] = {k: dict(v) for k, v in c["resources"].items() if v}
        for stage in ("livenessProbe", "readinessProbe"):
            if c.get(stage):
                out[stage] = self.probe(cname, stage, c[stage])
        mounts = self.files(cname, c.get("files"), pod) + self.volumes(cname, c.get("volumes"),
                                                                        pod)
        if mounts:
            out["volumeMounts"] = mounts
        return out

    def env(self, cname: str, variables: dict[str, str]) -> list[dict[str, str]]:
        env = []
        for name, value in variables.items():
            at = ("containers", cname, "variables", name)
            whole = WHOLE_OUTPUT.fullmatch(value)
            friend = self.friend_of.get(whole[1]) if whole else None
            if whole and friend:
                provided = friend_env(friend, whole[2])
                if provided:
                    self.leftover(f"env {name} of container {cname}", at,
                                  f"it reads {value}, which the friend {friend.name} provides",
                                  f"dropped: the friend sets {provided[0]}; have the program "
                                  f"read that", {name: value})
                    continue
            text, missing = self.expand(value)
            if missing:
                self.leftover(f"env {name} of container {cname}", at, "; ".join(missing),
                              "kept as written", {name: value})
            env.append({"name": name, "value": text})
        return env

    def probe(self, cname: str, stage: str, probe: dict[str, Any]) -> dict[str, Any]:
        if "exec" in probe:
            if "httpGet" in probe:
                self.leftover(f"{stage}.httpGet of container {cname}",
                              ("containers", cname, stage, "httpGet"), "a probe holds one "
                              "handler and the Score specification prefers exec",
                              "not expressed", probe["httpGet"])
            return {"exec": {"command": list(probe["exec"]["command"])}}
        get = probe["httpGet"]
        first = self.ports[0][1] if self.ports else {}
        out = {"path": get["path"],
               "port": get.get("port") or first.get("targetPort", first.get("port"))}
        out.update({k: get[k] for k in ("host", "scheme", "httpHeaders") if k in get})
        return {"httpGet": out}

    def files(self, cname: str, files: Any, pod: dict[str, Any]) -> list[dict[str, Any]]:
        groups: dict[str, list[tuple[str, bytes, dict[str, Any], KeyPath]]] = {}
        for target, item, at in keyed(files, ("containers", cname, "files")):
            folder, base = posixpath.split(posixpath.normpath(target))
            what = f"file {target} of container {cname}"
            if not target.startswith("/") or folder == "/" or not CM_KEY.fullmatch(base):
                self.leftover(what, at, "a ConfigMap is mounted at the file's folder, which "
                              "must be an absolute path below /, and its name a ConfigMap key",
                              "not expressed", item)
                continue
            data = self.file_bytes(what, item, at)
            if data is not None:
                groups.setdefault(folder, []).append((base, data, item, at))
        mounts = []
        for n, (folder, entries) in enumerate(groups.items()):
            suffix = f"-{n + 1}" if n else ""
            cm: dict[str, Any] = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {
                "name": f"{self.name}-{cname}-files{suffix}", "labels": dict(self.labels)}}
            for base, data, item, _ in entries:
                text = None if "binaryContent" in item else _text(data)
                if text is None:
                    cm.setdefault("binaryData", {})[base] = base64.b64encode(data).decode()
                else:
                    cm.setdefault("data", {})[base] = text
            self.objects.append((cm, entries[0][3]))
            volume: dict[str, Any] = {"name": self.unique(pod, label(f"{cname}-files{suffix}")),
                                      "configMap": {"name": cm["metadata"]["name"]}}
            if any("mode" in item for _, _, item, _ in entries):
                volume["configMap"]["items"] = [
                    {"key": base, "path": base, **({"mode": int(item["mode"], 8)}
                                                   if "mode" in item else {})}
                    for base, _, item, _ in entries]
            pod["volumes"].append(volume)
            mounts.append({"name": volume["name"], "mountPath": folder})
        return mounts

    def file_bytes(self, what: str, item: dict[str, Any], at: KeyPath) -> bytes | None:
        raw: bytes
        if "binaryContent" in item:
            return base64.b64decode(str(item["binaryContent"]))
        if "content" in item:
            raw = str(item["content"]).encode("utf-8")
        else:
            path = self.file.parent / item["source"]
            try:
                raw = read_regular(path, max_file_bytes())
            except OSError as exc:
                self.leftover(what, at, f"its source {display_path(path)} cannot be read "
                              f"({exc.strerror or exc})", "not expressed: add the file", item)
                return None
            if len(raw) > max_file_bytes():
                self.leftover(what, at, f"its source {display_path(path)} is larger than "
                              f"{max_file_bytes()} bytes", "not expressed", item)
                return None
        if item.get("noExpand"):
            return raw
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw
        expanded, missing = self.expand(text)
        if missing:
            self.leftover(what, at, "; ".join(missing), "kept in the file as written", item)
        return expanded.encode("utf-8")

    def volumes(self, cname: str, volumes: Any, pod: dict[str, Any]) -> list[dict[str, Any]]:
        mounts = []
        for target, item, at in keyed(volumes, ("containers", cname, "volumes")):
            source = item["source"]
            m = WHOLE_RESOURCE.fullmatch(source)
            rname = m.group(1) if m else ""
            if rname in self.resources and self.resources[rname]["type"] == "volume":
                claim, vname = f"{self.name}-{rname}", rname
            elif m is None and dns_label(source) is None:
                claim, vname = source, source
                self.leftover(f"volume {target} of container {cname}", at, f"its source "
                              f"{source!r} is no volume resource of the workload",
                              f"mounted as the existing claim {source}", item)
            else:
                self.leftover(f"volume {target} of container {cname}", at, f"its source "
                              f"{source!r} is no volume resource of the workload",
                              "not expressed", item)
                continue
            if not any(v.get("persistentVolumeClaim", {}).get("claimName") == claim
                       for v in pod["volumes"]):
                pod["volumes"].append({"name": self.unique(pod, vname),
                                       "persistentVolumeClaim": {"claimName": claim}})
            name = next(v["name"] for v in pod["volumes"]
                        if v.get("persistentVolumeClaim", {}).get("claimName") == claim)
            mount: dict[str, Any] = {"name": name, "mountPath": target}
            if item.get("path"):
                mount["subPath"] = item["path"].lstrip("/")
            if item.get("readOnly"):
                mount["readOnly"] = True
            mounts.append(mount)
        return mounts

    @staticmethod
    def unique(pod: dict[str, Any], name: str) -> str:
        used = {v["name"] for v in pod["volumes"]}
        out, n = name, 2
        while out in used:
            out, n = f"{name[:60]}-{n}", n + 1
        return out

    # resources

    def resource_objects(self) -> None:
        rules: dict[str, list[dict[str, Any]]] = {}
        route_at: KeyPath | None = None
        for rname, res in self.resources.items():
            at = ("resources", rname)
            kind, params = res["type"], res.get("params") or {}
            if kind == "volume":
                self.claim(rname, res, params, at)
            elif kind == "route":
                rule = self.route(rname, params, at)
                if rule:
                    host, path = rule
                    rules.setdefault(host, []).append(path)
                    route_at = route_at or at
            elif kind not in NATIVE and rname not in self.friend_of:
                self.leftover(f"resource {rname} (type {kind})", at, "no friend of the friends "
                              f"library has the name {kind} or {rname}", f"add a friend {kind} "
                              "to the library, or give the service the variables that read it",
                              res)
        if rules and route_at:
            spec_rules = []
            for host, paths in rules.items():
                spec_rules.append({**({"host": host} if host else {}), "http": {"paths": paths}})
            ingress = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                       "metadata": {"name": self.name, "labels": dict(self.labels)},
                       "spec": {"rules": spec_rules}}
            self.objects.append((ingress, route_at))

    def claim(self, rname: str, res: dict[str, Any], params: dict[str, Any],
              at: KeyPath) -> None:
        size = params.get("size")
        if not isinstance(size, str) or quantity(size):
            size = DEFAULT_SIZE
            self.leftover(f"size of volume {rname}", at, "Score leaves a volume's size to the "
                          "platform", f"imported as {DEFAULT_SIZE}", res)
        spec: dict[str, Any] = {"accessModes": ["ReadWriteOnce"],
                                "resources": {"requests": {"storage": size}}}
        if res.get("class") and res["class"] != "default":
            spec["storageClassName"] = res["class"]
        self.objects.append(({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {
            "name": f"{self.name}-{rname}", "labels": dict(self.labels)}, "spec": spec}, at))

    def route(self, rname: str, params: dict[str, Any],
              at: KeyPath) -> tuple[str, dict[str, Any]] | None:
        what = f"route {rname}"
        if not self.ports:
            self.leftover(what, at, "the workload has no service port to route to",
                          "not expressed", params)
            return None
        wanted = params.get("port", self.ports[0][1]["port"])
        number = next((p["port"] for pname, p in self.ports
                       if str(wanted) in (pname, str(p["port"]))), None)
        if number is None:
            self.leftover(what, at + ("params", "port"), f"port {wanted!r} is no service port "
                          "of the workload", "not expressed", params)
            return None
        host, missing = self.expand(str(params.get("host", "")))
        if missing or (host and fqdn(host)):
            self.leftover(f"host of {what}", at + ("params", "host"), "; ".join(missing)
                          or fqdn(host) or "", "left out: the Ingress takes every host; set the "
                          "route's host", params)
            host = ""
        path, missing = self.expand(str(params.get("path", "/")))
        if missing or not path.startswith("/"):
            self.leftover(f"path of {what}", at + ("params", "path"), "; ".join(missing)
                          or f"{path!r} does not start with /", "imported as /", params)
            path = "/"
        return host, {"path": path, "pathType": "Prefix", "backend": {
            "service": {"name": self.name, "port": {"number": number}}}}


def _text(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def friend_env(friend: Friend, key: str | None = None) -> list[str]:
    """The variables a friend sets (for one output key of its resource, when given)."""
    keys = [key, ALIASES.get(key, "")] if key else list(friend.config) + list(friend.credentials)
    out = [friend.env_name(k) for k in keys if k in friend.config]
    return out + [friend.env_name(k) + "_FILE" for k in keys if k in friend.credentials]


# -- reading -----------------------------------------------------------------------------------


def read_score(paths: list[Path], *, contexts: Sequence[tuple[str, list[Path]]] = (),
               friends_library: Sequence[Path] = ()) -> Original:
    """Score files (one workload each) -> the objects of each context, its friends and what
    the translation could not express. Every problem of the inputs is raised together, as a
    ConfigError located in the file that holds it."""
    if not paths:
        raise UsageError("no Score file given", hint="pligos import score score.yaml")
    contexts = list(contexts) or [(DEFAULT_CONTEXT, [])]
    context_names(contexts)
    friends = read_library(friends_library)
    problems = Problems("")
    bases: list[tuple[Path, Document]] = []
    for path in paths:
        doc = load_file(path, display_path(path))
        if not isinstance(doc.data, dict):
            doc.problem(problems, (), f"a Score file is a mapping, not {type_name(doc.data)}",
                        "start it with apiVersion: score.dev/v1b1", rule=WRONG_TYPE.id)
        bases.append((path, doc))
    problems.raise_if_any()
    names: dict[str, Document] = {}
    for _, doc in bases:
        name = (doc.data.get("metadata") or {}).get("name") \
            if isinstance(doc.data.get("metadata"), dict) else None
        if isinstance(name, str) and name in names:
            doc.problem(problems, ("metadata", "name"), f"workload {name!r} is also "
                        f"described by {names[name].file}", "give each workload its own name",
                        rule=DUPLICATE.id)
        elif isinstance(name, str):
            names[name] = doc
    overrides = {p: load_file(p, display_path(p)) for _, files in contexts for p in files}
    built: list[tuple[str, list[tuple[Path, dict[str, Any], Located]]]] = []
    for cname, files in contexts:
        merged = []
        for path, doc in bases:
            loc = Located(doc)
            spec = doc.data
            for file in files:
                over = overrides[file]
                if _applies(over, doc, len(bases) > 1, names, problems):
                    spec = loc.merge(spec, over.data, over)
            check_workload(spec, loc, problems)
            merged.append((path, spec, loc))
        built.append((cname, merged))
    if problems.errors:
        raise ConfigError(list(dict.fromkeys(problems.errors)))
    return _translate(paths, built, friends)


def _applies(over: Document, base: Document, several: bool, names: dict[str, Document],
             problems: Problems) -> bool:
    """Whether an overrides file is merged over the workload of `base`."""
    if over.data is None:
        return False
    if not isinstance(over.data, dict):
        over.problem(problems, (), f"an overrides file is a mapping, not {type_name(over.data)}",
                     "write the keys of the Score file it changes", rule=OVERRIDES.id)
        return False
    if not several:
        return True
    meta = over.data.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    if name not in names:
        over.problem(problems, ("metadata", "name"), "with several Score files, an overrides "
                     "file names the workload it changes" + (f"; {name!r} is none" if name
                                                              else ""),
                     did_you_mean(str(name), names) or "add metadata: {name: <workload>}",
                     key=name is None, rule=OVERRIDES.id)
        return False
    return names[name] is base


def _translate(paths: list[Path],
               built: list[tuple[str, list[tuple[Path, dict[str, Any], Located]]]],
               friends: dict[str, Friend]) -> Original:
    out_contexts: list[Context] = []
    found: dict[str, list[str]] = {}
    per_context: list[tuple[str, list[Leftover]]] = []
    for cname, merged in built:
        services = {spec["metadata"]["name"]: {
            pname: p["port"] for pname, p in ((spec.get("service") or {}).get("ports")
                                              or {}).items()} for _, spec, _ in merged}
        context = Context(name=cname)
        leftovers: list[Leftover] = []
        for path, spec, loc in merged:
            workload = Workload(spec, loc, path, friends, services)
            for obj, at in workload.translate():
                context.objects.append(obj)
                context.where[id(obj)] = loc.where(at)
            leftovers += workload.leftovers
            names = found.setdefault(workload.name, [])
            names += [f.name for f in workload.friend_of.values() if f.name not in names]
        out_contexts.append(context)
        per_context.append((cname, leftovers))
    workloads = [n for n in found]
    return Original(kind=SCORE, source=", ".join(display_path(p) for p in paths),
                    contexts=out_contexts, name=workloads[0] if len(workloads) == 1 else "",
                    leftovers=_shared(per_context),
                    friends={k: v for k, v in found.items() if v})


def _shared(per_context: list[tuple[str, list[Leftover]]]) -> list[Leftover]:
    """Leftovers of every context once (context ""), the others with their context's name."""
    def key(item: Leftover) -> tuple[str, str, str, str]:
        return (item.what, item.where, item.why, item.kept)
    keys = [{key(item) for item in items} for _, items in per_context]
    out: list[Leftover] = []
    seen: set[tuple[str, str, str, str]] = set()
    for cname, items in per_context:
        for item in items:
            k = key(item)
            if all(k in ks for ks in keys):
                if k not in seen:
                    seen.add(k)
                    out.append(item)
            else:
                item.context = cname
                out.append(item)
    return out
