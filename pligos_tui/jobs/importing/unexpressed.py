"""What of a pod and its containers pligos.yaml has no word for, so that an import lists it
instead of dropping it: every field the import does not read, unless it holds what Kubernetes
would assume anyway (`dnsPolicy: ClusterFirst`, `hostNetwork: false`, `stdin: false`)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

# the pod's fields an import reads into pligos.yaml
POD_READ = frozenset({
    "containers", "initContainers", "volumes", "securityContext", "serviceAccountName",
    "serviceAccount", "automountServiceAccountToken", "imagePullSecrets", "nodeSelector",
    "tolerations", "affinity", "priorityClassName", "terminationGracePeriodSeconds",
    "restartPolicy", "topologySpreadConstraints"})
# ... and a container's
CONTAINER_READ = frozenset({
    "name", "image", "imagePullPolicy", "command", "args", "env", "envFrom", "ports",
    "resources", "volumeMounts", "livenessProbe", "readinessProbe", "startupProbe",
    "securityContext", "lifecycle", "restartPolicy"})
# what Kubernetes takes when a field is not written: writing it says nothing
DEFAULTS: dict[str, Any] = {
    "dnsPolicy": "ClusterFirst", "schedulerName": "default-scheduler",
    "enableServiceLinks": True, "terminationMessagePath": "/dev/termination-log",
    "terminationMessagePolicy": "File", "preemptionPolicy": "PreemptLowerPriority"}
# security context fields the flavors set to these values themselves
SECURE = {"allowPrivilegeEscalation": False, "runAsNonRoot": True, "privileged": False}
SECURITY_READ = frozenset({"runAsUser", "runAsGroup", "fsGroup", "readOnlyRootFilesystem",
                           "capabilities", "seccompProfile", "fsGroupChangePolicy",
                           *SECURE})
REFERENCE = re.compile(r"(?<!\$)\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


def shown(value: Any, limit: int = 60) -> str:
    """A value on one line, as JSON, shortened."""
    text = json.dumps(value, default=str)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _said(key: str, value: Any) -> bool:
    """Whether a field says something Kubernetes would not assume."""
    if value in (None, False, "", [], {}):
        return False
    return bool(DEFAULTS.get(key, object()) != value)


def pod_fields(pod: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """The pod's fields with no counterpart in pligos.yaml."""
    for key, value in pod.items():
        if key not in POD_READ and _said(key, value):
            yield key, value
    security = pod.get("securityContext") or {}
    for key, value in security.items():
        if key not in SECURITY_READ and _said(key, value):
            yield f"securityContext.{key}", value


def container_fields(c: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """A container's fields with no counterpart in pligos.yaml."""
    for key, value in c.items():
        if key not in CONTAINER_READ and _said(key, value):
            yield key, value
    security = c.get("securityContext") or {}
    for key, value in security.items():
        if (key in SECURE and value != SECURE[key]) or (
                key not in SECURITY_READ and _said(key, value)):
            yield f"securityContext.{key}", value
    drop = ((security.get("capabilities") or {}).get("drop")) or []
    if drop and "ALL" not in drop:
        yield "securityContext.capabilities.drop", drop
    lifecycle = c.get("lifecycle") or {}
    for key, value in lifecycle.items():
        if key != "preStop" or not pre_stop(value):
            yield f"lifecycle.{key}", value
    for port in c.get("ports") or []:
        if port.get("hostPort"):
            yield f"ports[{port.get('containerPort')}].hostPort", port["hostPort"]


def pre_stop(hook: Any) -> dict[str, Any] | None:
    """A preStop hook as rollout.preStop says it (`{sleep: N}` or `{command: [...]}`)."""
    if not isinstance(hook, dict) or len(hook) != 1:
        return None
    if isinstance((hook.get("exec") or {}).get("command"), list):
        return {"command": [str(a) for a in hook["exec"]["command"]]}
    seconds = (hook.get("sleep") or {}).get("seconds")
    if isinstance(seconds, int) and not isinstance(seconds, bool):
        return {"sleep": seconds}
    return None


def broken_references(env: list[dict[str, Any]]) -> Iterator[tuple[str, str]]:
    """The variables whose `$(OTHER)` the original expands but Pligos' order would not:
    Kubernetes expands a reference to a variable defined earlier in the list, and Pligos
    writes a container's variables in the order of their names."""
    seen: set[str] = set()
    for item in env:
        name = str(item.get("name"))
        for other in REFERENCE.findall(str(item.get("value") or "")):
            if other in seen and other > name:
                yield name, other
        seen.add(name)
