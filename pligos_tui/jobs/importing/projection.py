"""Projection: what the parity of an import compares of each Kubernetes object.

A projection keeps what matters of an object, its references resolved within its own side (a
ConfigMap mounted becomes the files it shows, a named port its number), and what Kubernetes
assumes for a field left out written in (a probe's timings, one replica, TCP):

- workloads: kind, name, replicas (unless an HPA scales it), the update strategy, a CronJob's
  schedule and policies, a Job's counts; the pod's annotations (not checksums or helm's),
  pull secrets (its own and its ServiceAccount's), the token mount, a ServiceAccount the chart
  does not make, scheduling and security fields as written; the containers, the first under
  the name given (the service's own), sidecars by name whether in `containers` or native, init
  containers in order: image, pull policy, command, args, env by name (ConfigMap values and
  `envFrom` resolved), ports, probes (named ports as numbers), resources, and volumeMounts by
  mountPath with what they mount: a ConfigMap's files, a Secret's name, a claim's name, size,
  accessModes and storageClass, an emptyDir, a hostPath.
- Service: name (clients use it), type, annotations, ports with the container port each
  reaches. Ingress and Gateway API routes: host -> path -> backend Service and the container
  port the traffic reaches, TLS hosts with their Secrets, class, annotations. HPA: min, max,
  targets. PDB: its budget. Secret: its type and key names, never a value. Anything else: as
  written, without metadata and status.

Pure: no helm, no files, no printing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Iterator
from typing import Any

from pligos_tui.jobs.importing.original import image_parts

Obj = dict[str, Any]

ROUTES = ("Ingress", "HTTPRoute", "GRPCRoute")
# a probe's timings when left out (Kubernetes' defaults), so that leaving one out and writing
# its default read alike
PROBE_DEFAULTS = {"initialDelaySeconds": 0, "periodSeconds": 10, "timeoutSeconds": 1,
                  "successThreshold": 1, "failureThreshold": 3}
# pod and container fields compared as written
POD_FIELDS = ("securityContext", "nodeSelector", "tolerations", "affinity",
              "priorityClassName", "topologySpreadConstraints", "hostNetwork", "hostPID",
              "hostIPC", "dnsConfig", "hostAliases", "runtimeClassName", "shareProcessNamespace")
CONTAINER_FIELDS = ("workingDir", "securityContext", "lifecycle", "stdin", "tty")
# the fields of a pod's securityContext that a container's own may override
IDENTITY = ("runAsUser", "runAsGroup", "runAsNonRoot", "seccompProfile", "seLinuxOptions",
            "appArmorProfile", "windowsOptions")
# annotations that say nothing about how the service runs
NOISE = ("checksum/", "meta.helm.sh/", "helm.sh/", "kubectl.kubernetes.io/",
         "deployment.kubernetes.io/")
# what is mounted read-only whatever the mount says
READ_ONLY = frozenset({"configMap", "configMapName", "secret", "projected", "downwardAPI"})


def mapping(value: Any) -> Obj:
    return value if isinstance(value, dict) else {}


def mappings(value: Any) -> list[Obj]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def name_of(obj: Obj) -> str:
    return as_text(mapping(obj.get("metadata")).get("name"))


def as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def as_number(value: Any) -> Any:
    """A number written as text read as a number; anything else as it is."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


def _put(out: Obj, key: str, value: Any) -> None:
    if value is not None and value != "" and value != {} and value != []:
        out[key] = value


def by_name(item: Obj) -> str:
    return as_text(item.get("name"))


def _annotations(obj: Obj, *drop: str) -> dict[str, str]:
    given = mapping(mapping(obj.get("metadata")).get("annotations"))
    return {str(k): as_text(v) for k, v in given.items()
            if not str(k).startswith(NOISE) and k not in drop}


def _lookup(table: dict[Any, Any], value: Any) -> Any:
    """table[value] for a name or number, else the value (as a number where it is one)."""
    value = as_number(value)
    return table.get(value, value) if isinstance(value, (str, int)) else value


def template_of(w: Obj) -> Obj:
    spec = mapping(w.get("spec"))
    if w.get("kind") == "CronJob":
        spec = mapping(mapping(spec.get("jobTemplate")).get("spec"))
    return mapping(spec.get("template"))


def labels_of(w: Obj) -> Obj:
    return mapping(mapping(template_of(w).get("metadata")).get("labels"))


def _content(value: Any, binary: bool) -> str:
    """A ConfigMap entry as text; bytes that are not UTF-8 by their size and digest."""
    if not binary:
        return as_text(value)
    try:
        data = base64.b64decode(as_text(value), validate=True)
    except (binascii.Error, ValueError):
        return as_text(value)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return f"<{len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()[:16]}>"


def secret_keys(secret: Obj) -> list[str]:
    return sorted({str(k) for part in ("data", "stringData") for k in mapping(secret.get(part))})


class Side:
    """The objects of one side, by kind and name; which are paired or reported (`done`) and
    which a paired workload carries (`used`: compared through it)."""

    def __init__(self, objects: Iterable[Any]) -> None:
        self.objects = list(_flatten(objects))
        self.by_name: dict[tuple[str, str], Obj] = {}
        for obj in self.objects:
            self.by_name.setdefault((obj["kind"], name_of(obj)), obj)
        self.done: set[int] = set()
        self.used: set[int] = set()
        self.reach: dict[str, dict[Any, Any]] = {}  # Service -> its port -> the container port

    def get(self, kind: str, name: Any) -> Obj | None:
        return self.by_name.get((kind, as_text(name))) if name else None

    def use(self, kind: str, name: Any) -> Obj | None:
        obj = self.get(kind, name)
        if obj is not None:
            self.used.add(id(obj))
        return obj

    def left(self, kinds: Iterable[str]) -> list[Obj]:
        wanted = set(kinds)
        return [o for o in self.objects if o["kind"] in wanted and id(o) not in self.done]


def _flatten(objects: Iterable[Any]) -> Iterator[Obj]:
    for obj in objects:
        if not isinstance(obj, dict) or not isinstance(obj.get("kind"), str):
            continue
        if obj["kind"] == "List" and isinstance(obj.get("items"), list):
            yield from _flatten(obj["items"])
        else:
            yield obj


class _Pod:
    """What the containers of one pod refer to: its volumes, claim templates, port names."""

    def __init__(self, spec: Obj, templates: dict[str, Obj]) -> None:
        self.volumes = {as_text(v.get("name")): v for v in mappings(spec.get("volumes"))}
        self.templates = templates
        # who the containers run as, where they do not say so themselves
        self.identity = {k: v for k, v in mapping(spec.get("securityContext")).items()
                         if k in IDENTITY}
        self.ports = {p["name"]: as_number(p.get("containerPort"))
                      for part in ("containers", "initContainers") for c in mappings(spec.get(part))
                      for p in mappings(c.get("ports")) if isinstance(p.get("name"), str)}


def workload(side: Side, w: Obj, main: str, replicas: bool) -> Obj:
    """A workload; its first container is named `main` when given (the other side's first
    container's name), and `replicas` says whether they count (not when an HPA scales it)."""
    kind, spec = w["kind"], mapping(w.get("spec"))
    out: Obj = {}
    if kind in ("Deployment", "StatefulSet") and replicas:
        out["replicas"] = as_number(1 if spec.get("replicas") is None else spec["replicas"])
    strategy = "strategy" if kind == "Deployment" else "updateStrategy"
    if kind in ("Deployment", "StatefulSet", "DaemonSet"):
        out[strategy] = {"type": mapping(spec.get(strategy)).get("type") or "RollingUpdate"}
    if kind == "StatefulSet":
        out["podManagementPolicy"] = spec.get("podManagementPolicy") or "OrderedReady"
    _put(out, "minReadySeconds", spec.get("minReadySeconds"))
    pod = _pod_spec(side, w, main)
    if kind == "CronJob":
        for key, default in (("schedule", None), ("timeZone", None), ("concurrencyPolicy", "Allow"),
                             ("suspend", False), ("successfulJobsHistoryLimit", 3),
                             ("failedJobsHistoryLimit", 1), ("startingDeadlineSeconds", None)):
            _put(out, key, as_number(spec.get(key, default)))
        job = mapping(mapping(spec.get("jobTemplate")).get("spec"))
        out["jobTemplate"] = {"spec": {**_job(job), "template": pod}}
    else:
        if kind == "Job":
            out.update(_job(spec))
        out["template"] = pod
    return {"kind": kind, "metadata": {"name": name_of(w)}, "spec": out}


def _job(spec: Obj) -> Obj:
    out = {"backoffLimit": as_number(spec.get("backoffLimit", 6)),
           "completions": as_number(spec.get("completions") or 1),
           "parallelism": as_number(spec.get("parallelism") or 1)}
    for key in ("activeDeadlineSeconds", "ttlSecondsAfterFinished", "completionMode"):
        _put(out, key, as_number(spec.get(key)))
    return out


def _pod_spec(side: Side, w: Obj, main: str) -> Obj:
    template = template_of(w)
    spec = mapping(template.get("spec"))
    claims = {name_of(t): _claim(name_of(t), mapping(t.get("spec")))
              for t in mappings(mapping(w.get("spec")).get("volumeClaimTemplates"))}
    pod = _Pod(spec, claims)
    containers, inits = mappings(spec.get("containers")), mappings(spec.get("initContainers"))
    sidecars = [c for c in inits if c.get("restartPolicy") == "Always"]
    plain_inits = [c for c in inits if c.get("restartPolicy") != "Always"]
    out: Obj = {"containers": [_container(side, c, pod, main or by_name(c))
                               for c in containers[:1]] + sorted(
        (_container(side, c, pod, by_name(c)) for c in containers[1:] + sidecars), key=by_name)}
    _put(out, "initContainers", [_container(side, c, pod, by_name(c)) for c in plain_inits])
    account = spec.get("serviceAccountName") or spec.get("serviceAccount")
    sa = side.get("ServiceAccount", account)
    pulls = {as_text(p.get("name")) for p in mappings(spec.get("imagePullSecrets"))}
    pulls |= {as_text(p.get("name")) for p in mappings((sa or {}).get("imagePullSecrets"))}
    for secret in pulls:
        side.use("Secret", secret)
    _put(out, "imagePullSecrets", sorted(pulls))
    _put(out, "automountServiceAccountToken", spec.get(
        "automountServiceAccountToken", (sa or {}).get("automountServiceAccountToken")))
    if account and sa is None and account != "default":
        out["serviceAccountName"] = account  # one the cluster has, not the chart
    out["terminationGracePeriodSeconds"] = as_number(
        spec.get("terminationGracePeriodSeconds", 30))
    out["dnsPolicy"] = spec.get("dnsPolicy") or "ClusterFirst"
    if w["kind"] in ("Job", "CronJob"):
        out["restartPolicy"] = spec.get("restartPolicy") or "Always"
    for key in POD_FIELDS:
        if spec.get(key) is not False:  # hostNetwork: false and the like say nothing
            _put(out, key, spec.get(key))
    meta = {"annotations": _annotations(template)}
    return {"metadata": meta, "spec": out} if meta["annotations"] else {"spec": out}


def _container(side: Side, c: Obj, pod: _Pod, name: str) -> Obj:
    image = as_text(c.get("image"))
    policy = c.get("imagePullPolicy") or (
        "Always" if image_parts(image)[1] in ("", ":latest") else "IfNotPresent")
    out: Obj = {"name": name, "image": image, "imagePullPolicy": policy}
    for key in ("command", "args"):
        if isinstance(c.get(key), list):
            out[key] = [as_text(v) for v in c[key]]
    for key in CONTAINER_FIELDS:
        _put(out, key, c.get(key))
    if pod.identity or "securityContext" in out:  # as the container runs: the pod's say too
        out["securityContext"] = {**pod.identity, **mapping(c.get("securityContext"))}
    env, env_from = _env(side, c)
    _put(out, "env", env)
    _put(out, "envFrom", env_from)
    ports = []
    for p in mappings(c.get("ports")):
        number = as_number(p.get("containerPort"))
        port = {"name": as_text(p.get("name")) or as_text(number), "containerPort": number,
                "protocol": p.get("protocol") or "TCP"}
        _put(port, "hostPort", as_number(p.get("hostPort")))
        ports.append(port)
    _put(out, "ports", sorted(ports, key=by_name))
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        if isinstance(c.get(probe), dict):
            out[probe] = _probe(c[probe], pod.ports)
    resources = {part: {str(k): as_text(v) for k, v in mapping(given).items()}
                 for part, given in mapping(c.get("resources")).items()
                 if part in ("requests", "limits") and mapping(given)}
    _put(out, "resources", resources)
    mounts = [_mount(side, m, pod) for m in mappings(c.get("volumeMounts"))]
    _put(out, "volumeMounts", sorted(mounts, key=by_name))
    return out


def _env(side: Side, c: Obj) -> tuple[list[Obj], list[Obj]]:
    """The container's variables by name (a ConfigMap's values resolved), and the envFrom
    sources that could not be expanded (a Secret's: its values are never read)."""
    values: dict[str, Obj] = {}
    rest: list[Obj] = []
    for source in mappings(c.get("envFrom")):
        ref = mapping(source.get("configMapRef"))
        cm = side.use("ConfigMap", ref.get("name")) if ref else None
        if cm is None:
            side.use("Secret", mapping(source.get("secretRef")).get("name"))
            rest.append(source)
            continue
        for key, value in mapping(cm.get("data")).items():
            values[as_text(source.get("prefix")) + str(key)] = {"value": as_text(value)}
    for var in mappings(c.get("env")):
        name, given = as_text(var.get("name")), var.get("valueFrom")
        if not isinstance(given, dict):
            values[name] = {"value": as_text(var.get("value"))}
            continue
        ref = mapping(given.get("configMapKeyRef"))
        data = mapping((side.use("ConfigMap", ref.get("name")) or {}).get("data")) if ref else {}
        if ref and ref.get("key") in data:
            values[name] = {"value": as_text(data[ref["key"]])}
        else:
            side.use("Secret", mapping(given.get("secretKeyRef")).get("name"))
            values[name] = {"valueFrom": given}
    return [{"name": k, **v} for k, v in sorted(values.items())], rest


def _probe(probe: Obj, ports: dict[str, Any]) -> Obj:
    out: Obj = {k: as_number(probe.get(k, default)) for k, default in PROBE_DEFAULTS.items()}
    _put(out, "terminationGracePeriodSeconds", probe.get("terminationGracePeriodSeconds"))
    for handler in ("httpGet", "tcpSocket", "grpc", "exec"):
        given = probe.get(handler)
        if isinstance(given, dict):
            action = dict(given)
            if "port" in action:
                action["port"] = _lookup(ports, action["port"])
            if handler == "httpGet":
                action["scheme"] = action.get("scheme") or "HTTP"
                action["path"] = action.get("path") or "/"
            out[handler] = action
    return out


def _mount(side: Side, mount: Obj, pod: _Pod) -> Obj:
    volume = as_text(mount.get("name"))
    out: Obj = {"name": as_text(mount.get("mountPath"))}
    if volume in pod.volumes:
        out.update(_volume(side, pod.volumes[volume]))
    elif volume in pod.templates:
        out["claimTemplate"] = pod.templates[volume]
    else:
        out["volume"] = volume
    for key in ("subPath", "subPathExpr", "mountPropagation"):
        _put(out, key, mount.get(key))
    if mount.get("readOnly") is True and not out.keys() & READ_ONLY:
        out["readOnly"] = True
    return out


def _volume(side: Side, volume: Obj) -> Obj:
    out: Obj = {}
    if "configMap" in volume or "secret" in volume:
        out = _source(side, volume)
        mode = mapping(volume.get("configMap") or volume.get("secret")).get("defaultMode")
        if mode not in (None, 420):
            out["defaultMode"] = mode
    elif "persistentVolumeClaim" in volume:
        claim = mapping(volume["persistentVolumeClaim"]).get("claimName")
        pvc = side.use("PersistentVolumeClaim", claim)
        out["claim"] = _claim(as_text(claim), mapping((pvc or {}).get("spec")))
        if mapping(volume["persistentVolumeClaim"]).get("readOnly") is True:
            out["readOnly"] = True
    elif "emptyDir" in volume:
        given = mapping(volume["emptyDir"])
        out["emptyDir"] = {"medium": as_text(given.get("medium"))}
        _put(out["emptyDir"], "sizeLimit", as_text(given.get("sizeLimit")))
    elif "hostPath" in volume:
        out["hostPath"] = as_text(mapping(volume["hostPath"]).get("path"))
        _put(out, "hostPathType", mapping(volume["hostPath"]).get("type"))
    elif "projected" in volume:
        out["projected"] = [_source(side, s) if "configMap" in s or "secret" in s else s
                            for s in mappings(mapping(volume["projected"]).get("sources"))]
    else:
        out = {k: v for k, v in volume.items() if k != "name"}
    return out


def _source(side: Side, source: Obj) -> Obj:
    """A ConfigMap volume (or projection) as the files it shows, a Secret's by its name."""
    if "secret" in source:
        given = mapping(source["secret"])
        name = given.get("secretName") or given.get("name")
        side.use("Secret", name)
        out: Obj = {"secret": as_text(name)}
        items = mappings(given.get("items"))
        _put(out, "items", {as_text(i.get("key")): as_text(i.get("path")) for i in items})
        return out
    given = mapping(source["configMap"])
    cm = side.use("ConfigMap", given.get("name"))
    if cm is None:
        return {"configMapName": as_text(given.get("name"))}  # not in the manifests
    files = {str(k): _content(v, False) for k, v in mapping(cm.get("data")).items()}
    files.update({str(k): _content(v, True) for k, v in mapping(cm.get("binaryData")).items()})
    items = mappings(given.get("items"))
    if items:
        files = {as_text(i.get("path")): files.get(as_text(i.get("key")), "") for i in items}
    return {"configMap": files}


def _claim(name: str, spec: Obj) -> Obj:
    out: Obj = {"name": name}
    if spec:
        requests = mapping(mapping(spec.get("resources")).get("requests"))
        out["size"] = as_text(requests.get("storage"))
        out["accessModes"] = sorted(as_text(m) for m in spec.get("accessModes") or [])
        _put(out, "storageClass", spec.get("storageClassName"))
        _put(out, "volumeMode", spec.get("volumeMode"))
    return out


def service(side: Side, obj: Obj, pods: Obj | None) -> Obj:
    """A Service; `pods` is the workload it selects, whose port names its targetPorts use."""
    spec = mapping(obj.get("spec"))
    names = _Pod(mapping(template_of(pods).get("spec")), {}).ports if pods else {}
    ports, reach = [], {}
    for p in mappings(spec.get("ports")):
        number = as_number(p.get("port"))
        target = _lookup(names, p.get("targetPort", number))
        port = {"name": as_text(p.get("name")) or as_text(number), "port": number,
                "targetPort": target, "protocol": p.get("protocol") or "TCP"}
        _put(port, "nodePort", as_number(p.get("nodePort")))
        _put(port, "appProtocol", p.get("appProtocol"))
        ports.append(port)
        reach[number] = target
        if p.get("name"):
            reach[as_text(p["name"])] = target
    side.reach[name_of(obj)] = reach
    out: Obj = {"type": spec.get("type") or "ClusterIP", "ports": sorted(ports, key=by_name)}
    if spec.get("clusterIP") == "None":
        out["clusterIP"] = "None"
    for key in ("externalName", "externalTrafficPolicy", "loadBalancerSourceRanges",
                "publishNotReadyAddresses", "loadBalancerClass"):
        _put(out, key, spec.get(key))
    if spec.get("sessionAffinity") not in (None, "None"):
        out["sessionAffinity"] = spec["sessionAffinity"]
    meta: Obj = {"name": name_of(obj)}
    _put(meta, "annotations", _annotations(obj))
    return {"metadata": meta, "spec": out}


def route(side: Side, objects: list[Obj], names: dict[str, str]) -> Obj:
    """Ingresses (or Gateway API routes) of one side as one: host -> path -> backend."""
    rules: dict[str, Obj] = {}
    out: Obj = {}
    tls: dict[str, str] = {}
    annotations: dict[str, str] = {}
    for obj in objects:
        spec = mapping(obj.get("spec"))
        annotations.update(_annotations(obj, "kubernetes.io/ingress.class"))
        if obj["kind"] == "Ingress":
            _put(out, "ingressClassName", spec.get("ingressClassName") or mapping(
                mapping(obj.get("metadata")).get("annotations")).get("kubernetes.io/ingress.class"))
            default = spec.get("defaultBackend") or spec.get("backend")
            if isinstance(default, dict):
                out["defaultBackend"] = _backend(side, default, names)
            for rule in mappings(spec.get("rules")):
                paths = rules.setdefault(as_text(rule.get("host")) or "*", {})
                for p in mappings(mapping(rule.get("http")).get("paths")):
                    entry = _backend(side, mapping(p.get("backend")), names)
                    if p.get("pathType") == "Exact":
                        entry["exact"] = True
                    paths[as_text(p.get("path")) or "/"] = entry
            for item in mappings(spec.get("tls")):
                side.use("Secret", item.get("secretName"))
                for host in item.get("hosts") or ["*"]:
                    tls[as_text(host)] = as_text(item.get("secretName"))
            continue
        out.setdefault("parentRefs", []).extend(
            p for p in mappings(spec.get("parentRefs")) if p not in out.get("parentRefs", []))
        entries: Obj = {}
        for rule in mappings(spec.get("rules")):
            backends = []
            for ref in mappings(rule.get("backendRefs")):
                given = {"serviceName": ref.get("name"), "servicePort": ref.get("port")}
                backends.append({**_backend(side, given, names),
                                 **{k: ref[k] for k in ("weight",) if k in ref}})
            for match in mappings(rule.get("matches")) or [{}]:
                entries[_match(match)] = backends
        for host in spec.get("hostnames") or ["*"]:
            rules.setdefault(as_text(host), {}).update(entries)
    out["rules"] = rules
    _put(out, "tls", tls)
    return {"metadata": {"annotations": annotations}, "spec": out} if annotations else {
        "spec": out}


def _backend(side: Side, backend: Obj, names: dict[str, str]) -> Obj:
    ref = mapping(backend.get("service"))
    name = as_text(ref.get("name") or backend.get("serviceName"))
    if not name:
        return dict(backend)
    port = mapping(ref.get("port"))
    given = (port.get("number") or port.get("name")) if port else backend.get("servicePort")
    return {"service": names.get(name, name), "port": _lookup(side.reach.get(name, {}), given)}


def _match(match: Obj) -> str:
    """A Gateway API rule's match as one line: the path, else the gRPC method, plus the rest."""
    path, method = mapping(match.get("path")), mapping(match.get("method"))
    if path:
        shown = as_text(path.get("value")) or "/"
        if path.get("type") not in (None, "PathPrefix"):
            shown = f"{path['type']} {shown}"
    elif method:
        shown = f"{as_text(method.get('service'))}/{as_text(method.get('method'))}"
    else:
        shown = "/"
    rest = {k: v for k, v in match.items() if k not in ("path", "method")}
    return f"{shown} {rest}" if rest else shown


def hpa(obj: Obj) -> Obj:
    """An HPA (autoscaling/v1 or v2): its range and its targets by resource."""
    spec = mapping(obj.get("spec"))
    metrics: Obj = {}
    if "targetCPUUtilizationPercentage" in spec:  # autoscaling/v1
        metrics["cpu"] = {"averageUtilization": as_number(spec["targetCPUUtilizationPercentage"])}
    other = []
    for metric in mappings(spec.get("metrics")):
        resource = mapping(metric.get("resource")) if metric.get("type") == "Resource" else {}
        if resource:
            target = mapping(resource.get("target"))
            metrics[as_text(resource.get("name"))] = {k: v for k, v in target.items()
                                                       if k != "type"}
        else:
            other.append(metric)
    out: Obj = {"minReplicas": as_number(spec.get("minReplicas") or 1),
                "maxReplicas": as_number(spec.get("maxReplicas")), "metrics": metrics}
    _put(out, "otherMetrics", other)
    _put(out, "behavior", spec.get("behavior"))
    return {"spec": out}


def project(side: Side, obj: Obj) -> Obj:
    """An object that is neither a workload nor a route, paired by kind and name."""
    kind, spec = obj["kind"], mapping(obj.get("spec"))
    if kind == "Service":
        return service(side, obj, None)
    if kind == "HorizontalPodAutoscaler":
        return hpa(obj)
    if kind == "Secret":  # by its key names: never a value
        return {"type": obj.get("type") or "Opaque", "keys": secret_keys(obj)}
    if kind == "ServiceAccount":
        return {"metadata": {"annotations": _annotations(obj)}} if _annotations(obj) else {}
    if kind == "PodDisruptionBudget":
        return {"spec": {k: spec[k] for k in ("minAvailable", "maxUnavailable",
                                              "unhealthyPodEvictionPolicy") if k in spec}}
    if kind == "NetworkPolicy":
        types = spec.get("policyTypes") or ["Ingress", *(["Egress"] if "egress" in spec else [])]
        return {"spec": {"policyTypes": sorted(types), "ingress": spec.get("ingress") or [],
                         "egress": spec.get("egress") or []}}
    rest = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "metadata", "status")}
    return {"metadata": {"name": name_of(obj)}, **rest}
