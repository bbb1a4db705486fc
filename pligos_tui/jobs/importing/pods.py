"""A workload's pod, read into a draft: its containers (image, command, env, probes,
resources), its volumes and mounts, its ports with the Services and Ingresses that reach them,
and how it runs (security, service account)."""

from __future__ import annotations

import base64
import copy
import posixpath
from typing import Any

from pligos_tui.jobs.importing import unexpressed
from pligos_tui.jobs.importing.draft import ContainerDraft, Drafted, Note
from pligos_tui.jobs.importing.expose import read_exposure
from pligos_tui.jobs.importing.original import KEPT, Context, Leftover, image_parts
from pligos_tui.secrets.scan import looks_secret
from pligos_tui.spec.fields import dns_label, port_name, suggest_label

# what to do about a variable read from the cluster, by where it reads it
VALUE_FROM = {
    "secretKeyRef": "mount the Secret (a `secret:` mount) and read the file, or make it a "
                    f"friend's credential; {KEPT}",
    "fieldRef": f"the pod's own fields (its name, IP, namespace) need a custom flavor; {KEPT}",
    "resourceFieldRef": f"write the value out from the container's resources; {KEPT}",
    "configMapKeyRef": f"the ConfigMap is not made by the original: write the value out; {KEPT}"}
PROBES = (("startupProbe", "startup"), ("livenessProbe", "liveness"),
          ("readinessProbe", "readiness"))
PROBE_FIELDS = ("initialDelaySeconds", "periodSeconds", "timeoutSeconds", "successThreshold",
                "failureThreshold", "terminationGracePeriodSeconds")
HANDLERS = ("httpGet", "tcpSocket", "exec", "grpc")
CONFIG_DIR = "config"


def split_image(ref: str) -> dict[str, Any]:
    """An image reference as an images entry: repository and tag, or repository and digest."""
    repository, pin = image_parts(ref)
    if pin.startswith("@"):
        return {"repository": repository, "digest": pin[1:]}
    return {"repository": repository, "tag": pin[1:] or "latest"}


class PodReader:
    """Reads one pod template into a `Drafted` (its context draft, files, used objects)."""

    def __init__(self, ctx: Context, out: Drafted, pod: dict[str, Any], where: str) -> None:
        self.ctx, self.out, self.pod, self.where = ctx, out, pod, where
        self.draft = out.context
        self.by_kind: dict[tuple[str, str], dict[str, Any]] = {
            (str(o.get("kind")), str((o.get("metadata") or {}).get("name"))): o
            for o in ctx.objects}
        self.volumes = {v.get("name"): v for v in pod.get("volumes") or []}
        self.claims = {((c.get("metadata") or {}).get("name")): c
                       for c in (out_spec_claims(out, ctx))}
        self.mount_names: set[str] = set()
        for volume in self.volumes.values():  # what the pod mounts belongs to the workload
            for kind, key, ref in (("ConfigMap", "configMap", "name"),
                                   ("Secret", "secret", "secretName"),
                                   ("PersistentVolumeClaim", "persistentVolumeClaim",
                                    "claimName")):
                found = self.by_kind.get((kind, str((volume.get(key) or {}).get(ref))))
                if key in volume and found is not None:
                    out.used.add(id(found))

    def leftover(self, what: str, why: str, kept: str = KEPT, fragment: Any = None,
                 where: str = "", material: bool = True) -> None:
        self.out.leftovers.append(Leftover(what, where or self.where, why, kept, self.ctx.name,
                                           fragment, material))

    # ----- the whole pod

    def read(self, services: list[dict[str, Any]], kind: str) -> None:
        containers = list(self.pod.get("containers") or [])
        if not containers:
            raise ValueError("it has no containers")
        for c in [*containers, *(self.pod.get("initContainers") or [])]:
            if not isinstance(c, dict) or not c.get("image"):
                raise ValueError(f"the container {c.get('name') if isinstance(c, dict) else c!r}"
                                 " has no image")
        main, sidecars = containers[0], containers[1:]
        self.out.main = str(main.get("name") or "")
        native = [c for c in self.pod.get("initContainers") or []
                  if c.get("restartPolicy") == "Always"]
        inits = [c for c in self.pod.get("initContainers") or [] if c not in native]
        self.draft.image = self._image(main)
        self.draft.command = self._command(main, for_main=True)
        self.draft.env = self._env(main)
        self.draft.resources = _resources(main)
        self._mounts(main, main=True)
        self._routes(main, services, kind)
        self.draft.probe = self._probe(main)
        self._health(main)
        for c in [*native, *sidecars]:
            self.draft.sidecars.append(self._container(c))
        for c in inits:
            self.draft.init.append(self._container(c))
        self._security(main)
        self._service_account()
        self._pull_secrets()
        self._unexpressed(main, [*native, *sidecars, *inits])

    def _unexpressed(self, main: dict[str, Any], others: list[dict[str, Any]]) -> None:
        """Every field of the pod and its containers that pligos.yaml cannot say, listed."""
        for key, value in unexpressed.pod_fields(self.pod):
            self.leftover(f"the pod's {key}: {unexpressed.shown(value)}",
                          "pligos.yaml has no setting for it", fragment={key: value})
        for c in [main, *others]:
            for key, value in unexpressed.container_fields(c):
                self.leftover(f"{key} of container {c.get('name')}: "
                              f"{unexpressed.shown(value)}", "pligos.yaml has no setting for "
                              "it", fragment={key: value})
        hook = unexpressed.pre_stop((main.get("lifecycle") or {}).get("preStop"))
        if hook is not None:
            self.draft.settings.setdefault("rollout", {})["preStop"] = hook
        for name, other in unexpressed.broken_references(list(main.get("env") or [])):
            self.leftover(f"env {name} of container {main.get('name')}",
                          f"it refers to $({other}), which Kubernetes expands only when "
                          f"{other} comes first; Pligos writes variables in name order",
                          "write the value out, or rename the variables so that the one "
                          "referred to sorts first")

    # ----- containers

    def _image(self, c: dict[str, Any]) -> dict[str, Any]:
        image = split_image(str(c.get("image") or ""))
        if c.get("imagePullPolicy"):
            image["pullPolicy"] = c["imagePullPolicy"]
        elif image.get("tag") == "latest":  # what Kubernetes does then
            image["pullPolicy"] = "Always"
        return image

    def _command(self, c: dict[str, Any], *, for_main: bool) -> dict[str, Any] | None:
        command = [str(a) for a in c.get("command") or []]
        args = [str(a) for a in c.get("args") or []]
        if command:
            entry: dict[str, Any] = {"type": "executable", "command": command}
            if args:
                entry["args"] = args
            return entry
        if args:
            if for_main:  # the image's entrypoint with these arguments: only values can say so
                self.draft.values.setdefault("command", {})["args"] = args
            else:
                self.leftover(f"the args of container {c.get('name')}",
                              "a container's command entry needs the command itself",
                              "write the image's entrypoint into the command entry", args)
        return None

    def _env(self, c: dict[str, Any]) -> dict[str, str]:
        env: dict[str, str] = {}
        for source in c.get("envFrom") or []:
            ref = source.get("configMapRef") or {}
            data = self._config_data(ref.get("name"))
            if ref and data is not None:
                prefix = str(source.get("prefix") or "")
                env.update({prefix + k: str(v) for k, v in data.items()})
            else:
                self.leftover(f"envFrom of container {c.get('name')}",
                              "variables come from a Secret or a ConfigMap outside the "
                              "chart; pligos.yaml writes env variables out",
                              "mount the Secret (`secret:` mount) or use a friend's credentials",
                              source)
        for item in c.get("env") or []:
            name = str(item.get("name"))
            if "value" in item or "valueFrom" not in item:
                value = "" if item.get("value") is None else str(item["value"])
                if looks_secret(name, value):
                    self.leftover(f"env {name} of container {c.get('name')}", "its value looks "
                                  "like a secret, which pligos.yaml (committed) must not hold",
                                  "put it in the secret provider and mount it (a `secret:` "
                                  "mount), or make it a friend's credential; its value is not "
                                  "imported")
                    continue
                env[name] = value
                continue
            ref = (item.get("valueFrom") or {}).get("configMapKeyRef") or {}
            data = self._config_data(ref.get("name")) if ref else None
            if data is not None and ref.get("key") in data:
                env[name] = str(data[ref["key"]])
                continue
            source = sorted(item.get("valueFrom") or {})
            self.leftover(f"env {name} of container {c.get('name')}",
                          f"its value is read from the cluster ({', '.join(source)})",
                          VALUE_FROM.get(source[0] if source else "", KEPT), item)
        return env

    def _config_data(self, name: Any) -> dict[str, Any] | None:
        cm = self.by_kind.get(("ConfigMap", str(name)))
        if cm is None:
            return None
        self.out.used.add(id(cm))
        return dict(cm.get("data") or {})

    def _probe(self, c: dict[str, Any]) -> dict[str, Any] | None:
        probe: dict[str, Any] = {}
        for key, word in PROBES:
            given = c.get(key)
            if not isinstance(given, dict):
                continue
            kept = {k: copy.deepcopy(given[k]) for k in (*HANDLERS, *PROBE_FIELDS) if k in given}
            probe[word] = kept
        return probe or None

    def _health(self, c: dict[str, Any]) -> None:
        if self.draft.routes and not (c.get("livenessProbe") and c.get("readinessProbe")):
            self.draft.settings.setdefault("health", {})["defaultProbes"] = False
            self.draft.notes.append(Note("health.defaultProbes: false", "the original's "
                                         "container lacks a liveness or readiness probe"))

    def _container(self, c: dict[str, Any]) -> ContainerDraft:
        out = ContainerDraft(str(c.get("name")), self._image(c),
                             self._command(c, for_main=False), self._probe(c), self._env(c),
                             resources=_resources(c))
        out.mounts = self._mounts(c, main=False)
        if c.get("ports"):
            self.leftover(f"the ports of container {c.get('name')}",
                          "only the service's own container has routes",
                          fragment=c.get("ports"))
        return out

    # ----- volumes

    def _mounts(self, c: dict[str, Any], *, main: bool) -> list[str]:
        names: list[str] = []
        for vm in c.get("volumeMounts") or []:
            volume = self.volumes.get(vm.get("name"))
            claim = self.claims.get(vm.get("name"))
            what = f"the mount {vm.get('mountPath')} of container {c.get('name')}"
            if vm.get("subPath") or vm.get("subPathExpr"):
                self.leftover(what, "a subPath mount puts one file into a folder of the image; "
                              "Pligos mounts whole folders",
                              "mount the files as a folder of their own and point the program "
                              "at it", vm)
                continue
            entry = self._mount_entry(vm, volume, claim, what)
            if entry is None:
                continue
            entry = {"name": self._mount_name(vm, volume), "path": str(vm.get("mountPath")),
                     **entry}
            if vm.get("readOnly"):
                entry["readOnly"] = True
            if entry["name"] not in self.mount_names:
                self.mount_names.add(entry["name"])
                self.draft.mounts.append(entry)
            names.append(entry["name"])
        return names

    def _mount_name(self, vm: dict[str, Any], volume: dict[str, Any] | None) -> str:
        """The mount's name: the volume's, or for a claim named `<workload>-<rest>` the rest,
        so that the chart names the claim as the original did."""
        claim = str(((volume or {}).get("persistentVolumeClaim") or {}).get("claimName") or "")
        prefix = f"{self.out.name}-"
        if claim.startswith(prefix) and not dns_label(claim[len(prefix):]):
            return claim[len(prefix):]
        return _dns(str(vm.get("name")))

    def _mount_entry(self, vm: dict[str, Any], volume: dict[str, Any] | None,
                     claim: dict[str, Any] | None, what: str) -> dict[str, Any] | None:
        if claim is not None:
            return {"volume": _volume_of(claim)}
        if volume is None:
            self.leftover(what, f"no volume {vm.get('name')!r} in the pod", fragment=vm)
            return None
        if "configMap" in volume:
            return self._files(volume, what)
        if "secret" in volume:
            secret = volume["secret"] or {}
            if secret.get("items"):
                self.leftover(what, "the Secret's keys are picked and renamed (items); a "
                              "secret mount shows every key", fragment=volume)
            name = str(secret.get("secretName"))
            self._note_secret(name)
            return {"secret": name}
        if "persistentVolumeClaim" in volume:
            claim_name = str(volume["persistentVolumeClaim"].get("claimName"))
            pvc = self.by_kind.get(("PersistentVolumeClaim", claim_name))
            if pvc is None:
                self.leftover(what, f"the claim {claim_name!r} is not made by the original",
                              "a volume mount makes its own claim; keep the data's claim "
                              "through a custom flavor", volume)
                return None
            self.out.used.add(id(pvc))
            return {"volume": _volume_of(pvc)}
        if "emptyDir" in volume:
            return {"emptyDir": {k: v for k, v in (volume["emptyDir"] or {}).items()
                                 if k in ("medium", "sizeLimit")}}
        if "hostPath" in volume:
            return {"hostPath": str((volume["hostPath"] or {}).get("path"))}
        kinds = ", ".join(k for k in volume if k != "name")
        self.leftover(what, f"a {kinds} volume has no mount kind in pligos.yaml",
                      fragment=volume)
        return None

    def _files(self, volume: dict[str, Any], what: str) -> dict[str, Any] | None:
        ref = volume["configMap"] or {}
        cm = self.by_kind.get(("ConfigMap", str(ref.get("name"))))
        if cm is None:
            self.leftover(what, f"the ConfigMap {ref.get('name')!r} is not made by the "
                          "original", "add its files to the service and mount them",
                          fragment=volume)
            return None
        self.out.used.add(id(cm))
        data: dict[str, bytes] = {k: str(v).encode() for k, v in (cm.get("data") or {}).items()}
        for k, v in (cm.get("binaryData") or {}).items():
            data[k] = base64.b64decode(str(v))
        items = ref.get("items")
        if items:
            picked = {}
            for item in items:
                path = str(item.get("path"))
                if "/" in path:
                    self.leftover(what, "a key is mounted into a sub-folder (items[].path)",
                                  fragment=volume)
                    return None
                if item.get("key") in data:
                    picked[path] = data[item["key"]]
            data = picked
        folder = posixpath.join(CONFIG_DIR, _dns(str(volume.get("name"))))
        if not data:
            self.leftover(what, "the ConfigMap holds no data", fragment=volume)
            return None
        for key, body in data.items():
            self.out.files[posixpath.join(folder, key)] = body
        return {"files": [folder]}

    # ----- ports

    def _routes(self, main: dict[str, Any], services: list[dict[str, Any]], kind: str) -> None:
        ports = [p for p in main.get("ports") or [] if p.get("containerPort")]
        by_name = {p.get("name"): p for p in ports if p.get("name")}
        chosen = [s for s in services if (s.get("spec") or {}).get("clusterIP") != "None"] \
            or services
        if kind == "StatefulSet":
            for s in services:
                self.out.used.add(id(s))  # the flavor's headless Service is one of them
        routes: dict[int, dict[str, Any]] = {}
        for svc in chosen:
            self.out.used.add(id(svc))
            spec = svc.get("spec") or {}
            for sp in spec.get("ports") or []:
                target = sp.get("targetPort", sp.get("port"))
                cport = by_name.get(target) if isinstance(target, str) else next(
                    (p for p in ports if p.get("containerPort") == target), None)
                number = int(cport["containerPort"]) if cport else (
                    target if isinstance(target, int) else None)
                if number is None:
                    self.leftover(f"port {sp.get('port')} of Service "
                                  f"{svc['metadata']['name']}", f"its targetPort {target!r} "
                                  "names no port of the container", fragment=sp)
                    continue
                if int(sp["port"]) in routes:
                    continue
                name = _port_name(cport.get("name") if cport else None, sp.get("name"),
                                  int(sp["port"]), set(routes_names(routes)))
                route: dict[str, Any] = {"name": name, "port": int(sp["port"])}
                if number != route["port"]:
                    route["containerPort"] = number
                if sp.get("protocol", "TCP") != "TCP":
                    route["protocol"] = sp["protocol"]
                if sp.get("appProtocol"):
                    route["appProtocol"] = sp["appProtocol"]
                routes.setdefault(route["port"], route)
            self._service_settings(svc, chosen)
        for p in ports:  # a container port no Service reaches is a route of its own
            if any(r.get("containerPort", r["port"]) == p["containerPort"]
                   for r in routes.values()) or not routes:
                continue
            name = _port_name(p.get("name"), None, int(p["containerPort"]),
                              set(routes_names(routes)))
            routes.setdefault(int(p["containerPort"]), {"name": name,
                                                        "port": int(p["containerPort"])})
        self.draft.routes = list(routes.values())
        if not routes and ports:
            self.leftover(f"the ports of container {main.get('name')}",
                          "no Service reaches them, and a worker has no routes",
                          "add a Service to the original, or a route to pligos.yaml",
                          ports)
        read_exposure(self.ctx, self.out, chosen)

    def _service_settings(self, svc: dict[str, Any], chosen: list[dict[str, Any]]) -> None:
        spec = svc.get("spec") or {}
        service: dict[str, Any] = {}
        if spec.get("type") and spec["type"] != "ClusterIP":
            service["type"] = spec["type"]
        notes = (svc.get("metadata") or {}).get("annotations") or {}
        if notes:
            service["annotations"] = dict(notes)
        if service and svc is chosen[0]:
            self.draft.settings["service"] = service
        if svc is not chosen[0]:
            self.leftover(f"Service {svc['metadata']['name']}",
                          "Pligos makes one Service of the routes; its ports are routes now",
                          "clients of this Service's name must use the service's own name",
                          where=self.ctx.source_of(svc))

    # ----- how the pod runs

    def _security(self, main: dict[str, Any]) -> None:
        pod_sc = self.pod.get("securityContext") or {}
        sc = main.get("securityContext") or {}
        security: dict[str, Any] = {}
        for key in ("runAsUser", "runAsGroup"):
            value = sc.get(key, pod_sc.get(key))
            if value is not None:
                security[key] = int(value)
        if pod_sc.get("fsGroup") is not None:
            security["fsGroup"] = int(pod_sc["fsGroup"])
        reasons = []
        if security.get("runAsUser") == 0:
            reasons.append("the original runs as root")
        if not sc.get("readOnlyRootFilesystem"):
            security["readOnlyRootFilesystem"] = False
            reasons.append("the original's container may write to its own filesystem")
            self.draft.notes.append(Note("security.readOnlyRootFilesystem: false", "the "
                                         "original's container may write to its filesystem"))
        added = [str(c) for c in ((sc.get("capabilities") or {}).get("add") or [])]
        low = sorted({int(p["containerPort"]) for p in main.get("ports") or []
                      if int(p.get("containerPort") or 0) < 1024})
        if low and "NET_BIND_SERVICE" not in added and security.get("runAsUser") != 0:
            added.append("NET_BIND_SERVICE")  # the pods drop every capability else
        if "runAsUser" not in security:
            self.leftover(
                f"the user container {main.get('name')} runs as",
                "the original leaves it to the image (often root); the flavor runs the pods "
                "as user 10001, not root, without any capability" + (
                    f" but binding ports below 1024 ({', '.join(map(str, low))})"
                    if low else ""),
                "an image that must run as root or as its own user fails to start: set "
                "security.runAsUser (0 with a reason) or the image entry's runAsUser",
                material=False)
        if added:
            security["addCapabilities"] = added
            if added != ["NET_BIND_SERVICE"]:
                reasons.append("the original adds capabilities")
        if reasons:
            security["reason"] = "imported: " + "; ".join(reasons)
        if security:
            self.draft.settings["security"] = security
        if not any(o.get("kind") == "NetworkPolicy" for o in self.ctx.objects):
            self.draft.settings["networkPolicy"] = {"enabled": False}
            self.draft.notes.append(Note("networkPolicy.enabled: false",
                                         "the original has no NetworkPolicy"))

    def _service_account(self) -> None:
        name = self.pod.get("serviceAccountName") or self.pod.get("serviceAccount")
        account: dict[str, Any] = {}
        if name:
            made = self.by_kind.get(("ServiceAccount", str(name)))
            if made is None:
                account.update(create=False, name=str(name))
            else:
                self.out.used.add(id(made))
                notes = (made.get("metadata") or {}).get("annotations") or {}
                if notes:
                    account["annotations"] = dict(notes)
                if name != self.out.name:
                    account["name"] = str(name)
        else:
            account.update(create=False)
        token = self.pod.get("automountServiceAccountToken")
        if token is not False:
            account["automountToken"] = True
            self.draft.notes.append(Note("serviceAccount.automountToken: true",
                                         "the original's pods mount an API token"))
        self.draft.settings["serviceAccount"] = account

    def _pull_secrets(self) -> None:
        names = [str(s.get("name")) for s in self.pod.get("imagePullSecrets") or []]
        if names and self.draft.image is not None:
            self.draft.image["pullSecret"] = names[0]
            self._note_secret(names[0])
        for extra in names[1:]:
            self.leftover(f"the image pull secret {extra}", "an image has one pull secret")

    def _note_secret(self, name: str) -> None:
        self.draft.secrets[name] = name
        made = self.by_kind.get(("Secret", name))
        if made is not None:
            self.out.used.add(id(made))
            keys = sorted({*(made.get("data") or {}), *(made.get("stringData") or {})})
            self.leftover(
                f"Secret {name}", "the original makes this Secret with its data; the import "
                "refers to it by name (delivery: existing) and never copies secret bytes",
                "before the first upgrade with the new chart, annotate the Secret "
                "helm.sh/resource-policy=keep, or put its keys (" + ", ".join(keys) +
                f") into the provider (secrets/{name}/<key>) and set delivery: inline",
                where=self.ctx.source_of(made), material=False)


def out_spec_claims(out: Drafted, ctx: Context) -> list[dict[str, Any]]:
    """The claim templates of a StatefulSet workload (empty for other kinds)."""
    for obj in ctx.objects:
        if obj.get("kind") == out.kind == "StatefulSet" and \
                (obj.get("metadata") or {}).get("name") == out.name:
            return list((obj.get("spec") or {}).get("volumeClaimTemplates") or [])
    return []


def routes_names(routes: dict[int, dict[str, Any]]) -> list[str]:
    return [str(r["name"]) for r in routes.values()]


def _port_name(container: Any, service: Any, port: int, taken: set[str]) -> str:
    """A route's name: the container port's name, else the Service port's, else `p<port>`;
    one that is no port name, or is taken already, gives way to the next."""
    for name in (container, service, f"p{port}"):
        if isinstance(name, str) and port_name(name) is None and name not in taken:
            return name
    return f"p{port}-{len(taken)}"


def _resources(c: dict[str, Any]) -> dict[str, Any] | None:
    given = c.get("resources") or {}
    out = {k: {q: str(v) for q, v in given[k].items()} for k in ("requests", "limits")
           if given.get(k)}
    return out or None


def _volume_of(claim: dict[str, Any]) -> dict[str, Any]:
    spec = claim.get("spec") or {}
    volume: dict[str, Any] = {
        "size": str(((spec.get("resources") or {}).get("requests") or {}).get("storage", "1Gi"))}
    if spec.get("storageClassName"):
        volume["storageClass"] = spec["storageClassName"]
    modes = spec.get("accessModes") or []
    if modes:
        volume["accessMode"] = modes[0]
    return volume


def _dns(name: str) -> str:
    return suggest_label(name)
