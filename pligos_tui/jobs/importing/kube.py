"""From the Kubernetes objects of one context to drafts of pligos.yaml, one per workload.

Each workload (Deployment, StatefulSet, DaemonSet, CronJob, Job) becomes a service; the
objects that belong to it are found by what refers to what: the Services whose selector
picks its pods, the Ingresses and HTTPRoutes that send traffic to those Services, the
ConfigMaps, Secrets and claims its pods mount, the HorizontalPodAutoscaler that scales it and
the PodDisruptionBudget that selects its pods. What pligos.yaml cannot say is a `Leftover`.

The import reproduces what runs: where the original leaves out something a flavor adds and
a setting can turn off (a writable root filesystem, no NetworkPolicy, no default probes, a
mounted API token), the draft turns it off and says why, so that deleting that line is how
a team takes the secure default.
"""

from __future__ import annotations

import copy
from typing import Any

from pligos_tui.errors import PligosError
from pligos_tui.jobs.importing.draft import ContextDraft, Drafted, Note
from pligos_tui.jobs.importing.original import KEPT, WORKLOADS, Context, Leftover, selects
from pligos_tui.jobs.importing.pods import PodReader

# the workload kinds, and the built-in flavor each becomes
FLAVOR_OF = {"Deployment": "webservice", "StatefulSet": "statefulset",
             "DaemonSet": "daemonset", "CronJob": "cronjob", "Job": "job"}
# objects a flavor makes of its own, from the service's settings
OWN_KINDS = ("ServiceAccount",)
# Helm's own hook objects are not part of what runs
HOOK = "helm.sh/hook"
# pod annotations that sum what the pods read, so that a change rolls them
CHECKSUM = "checksum/"


def workloads(ctx: Context) -> list[dict[str, Any]]:
    return [o for o in ctx.objects if o.get("kind") in WORKLOADS and not _hook(o)]


def _hook(obj: dict[str, Any]) -> bool:
    return HOOK in (((obj.get("metadata") or {}).get("annotations")) or {})


def draft_context(ctx: Context) -> tuple[list[Drafted], list[Leftover]]:
    """Every workload of a context drafted, and the objects that belong to none."""
    found = workloads(ctx)
    owner = _service_owners(ctx, found)
    drafted = [_draft_checked(ctx, w, owner) for w in found]
    used = set().union(*(d.used for d in drafted)) if drafted else set()
    rest: list[Leftover] = []
    for obj in ctx.objects:
        if id(obj) in used:
            continue
        kind, name = obj.get("kind", "?"), (obj.get("metadata") or {}).get("name", "?")
        if kind in OWN_KINDS:
            continue  # the flavor makes the ServiceAccount the pods run as
        if _hook(obj):
            why = "a Helm hook (" + str(obj["metadata"]["annotations"][HOOK]) + ") runs " \
                  "around a release, not as part of it"
        else:
            why = f"pligos.yaml has no property for a {kind} of its own"
        rest.append(Leftover(f"{kind} {name}", ctx.source_of(obj), why,
                             f"{KEPT}; a custom flavor can render it "
                             "(docs/flavors.md)", ctx.name, obj))
    return drafted, rest


def pod_labels(workload: dict[str, Any]) -> dict[str, Any]:
    spec = workload.get("spec") or {}
    if workload.get("kind") == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec")) or {}
    template = spec.get("template") or {}
    return dict(((template.get("metadata") or {}).get("labels")) or {})


def _service_owners(ctx: Context, found: list[dict[str, Any]]) -> dict[int, int]:
    """Each Service's workload: the first whose pods it selects (a Service that selects the
    pods of several is theirs in the order of the stream)."""
    owner: dict[int, int] = {}
    for svc in ctx.objects:
        if svc.get("kind") != "Service":
            continue
        for w in found:
            if selects((svc.get("spec") or {}).get("selector"), pod_labels(w)):
                owner.setdefault(id(svc), id(w))
    return owner


def _draft_checked(ctx: Context, workload: dict[str, Any], owner: dict[int, int]) -> Drafted:
    """A workload drafted; one that is not what Kubernetes takes (a port that is no number,
    containers that are no list) is bad input, named with where it came from."""
    try:
        return _draft(ctx, workload, owner)
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        meta = workload.get("metadata")
        name = meta.get("name", "?") if isinstance(meta, dict) else "?"
        where = ctx.source_of(workload)
        raise PligosError(
            f"{workload.get('kind')} {name}{f' ({where})' if where else ''} of context "
            f"{ctx.name!r} is not a valid {workload.get('kind')}: a value of the wrong kind "
            f"({type(exc).__name__}: {exc})",
            hint="Kubernetes would refuse it too: check the original's values "
            "(`helm template` shows what it renders)") from None


def _draft(ctx: Context, workload: dict[str, Any], owner: dict[int, int]) -> Drafted:
    kind = str(workload["kind"])
    name = str(workload["metadata"]["name"])
    spec = workload.get("spec") or {}
    job_spec = (spec.get("jobTemplate") or {}).get("spec") or {} if kind == "CronJob" else spec
    template = (job_spec.get("template") or {}) if kind in ("CronJob", "Job") else \
        (spec.get("template") or {})
    pod = template.get("spec") or {}
    labels = pod_labels(workload)
    where = ctx.source_of(workload)
    out = Drafted(kind, name, ContextDraft(ctx.name, FLAVOR_OF[kind]))
    out.used.add(id(workload))
    draft = out.context
    draft.namespace = ctx.namespace
    reader = PodReader(ctx, out, pod, where)
    services = [s for s in ctx.objects if s.get("kind") == "Service"
                and selects((s.get("spec") or {}).get("selector"), labels)]
    for svc in [s for s in services if owner.get(id(s)) != id(workload)]:
        services.remove(svc)
        out.leftovers.append(Leftover(
            f"Service {svc['metadata']['name']}", ctx.source_of(svc),
            f"it selects the pods of {kind} {name} too, but belongs to the service of the "
            "first workload it selects", "give each workload a Service of its own (Pligos "
            "makes one per service); clients of both sets of pods need a new address",
            ctx.name))
    reader.read(services, kind)
    if kind == "Deployment" and not draft.routes:
        draft.flavor = "worker"
    _replicas(ctx, out, workload, spec, labels)
    _workload_settings(out, kind, spec, job_spec, pod, template)
    return out


def _replicas(ctx: Context, out: Drafted, workload: dict[str, Any], spec: dict[str, Any],
              labels: dict[str, Any]) -> None:
    draft, kind = out.context, out.kind
    if kind in ("Deployment", "StatefulSet"):
        replicas = spec.get("replicas")
        draft.replicas = 1 if replicas is None else int(replicas)
    for hpa in ctx.objects:
        if hpa.get("kind") != "HorizontalPodAutoscaler":
            continue
        target = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
        if target.get("kind") != kind or target.get("name") != out.name:
            continue
        out.used.add(id(hpa))
        hspec = hpa.get("spec") or {}
        scaling: dict[str, Any] = {"maxReplicas": int(hspec.get("maxReplicas") or 1)}
        if hspec.get("minReplicas") is not None:
            scaling["minReplicas"] = int(hspec["minReplicas"])
        for metric in hspec.get("metrics") or []:
            resource = metric.get("resource") or {}
            target_of = resource.get("target") or {}
            if metric.get("type") == "Resource" and resource.get("name") in ("cpu", "memory") \
                    and target_of.get("averageUtilization") is not None:
                scaling[resource["name"]] = int(target_of["averageUtilization"])
            else:
                out.leftovers.append(Leftover(
                    f"a {metric.get('type', '?')} metric of HorizontalPodAutoscaler "
                    f"{hpa['metadata']['name']}", ctx.source_of(hpa),
                    "autoscaling scales on CPU and memory utilisation only",
                    KEPT, ctx.name, metric))
        if "cpu" not in scaling and "memory" not in scaling:
            out.leftovers.append(Leftover(
                f"HorizontalPodAutoscaler {hpa['metadata']['name']} without a utilisation "
                "target", ctx.source_of(hpa), "autoscaling targets 80% CPU unless told",
                "set autoscaling.cpu or .memory", ctx.name))
        draft.settings["autoscaling"] = scaling
        if draft.replicas is not None and "minReplicas" not in scaling:
            scaling["minReplicas"] = 1  # the HPA's own default
    pdbs = [p for p in ctx.objects if p.get("kind") == "PodDisruptionBudget"
            and selects(((p.get("spec") or {}).get("selector") or {}).get("matchLabels"),
                        labels)]
    for pdb in pdbs[:1]:
        out.used.add(id(pdb))
        pspec = pdb.get("spec") or {}
        budget: dict[str, Any] = {}
        for key in ("minAvailable", "maxUnavailable"):
            if pspec.get(key) is not None:
                budget[key] = pspec[key]
        if "minAvailable" in budget:
            budget["maxUnavailable"] = None  # the default (1) would make both
        draft.settings["disruption"] = budget
    if not pdbs and kind in ("Deployment", "StatefulSet"):
        draft.settings.setdefault("disruption", {})["enabled"] = False
        draft.notes.append(Note("disruption.enabled: false",
                                "the original has no PodDisruptionBudget"))


def _workload_settings(out: Drafted, kind: str, spec: dict[str, Any],
                       job_spec: dict[str, Any], pod: dict[str, Any],
                       template: dict[str, Any]) -> None:
    draft = out.context
    rollout: dict[str, Any] = {}
    strategy = spec.get("strategy") or spec.get("updateStrategy") or {}
    if kind == "Deployment" and strategy.get("type") == "Recreate":
        rollout["strategy"] = "Recreate"
    rolling = strategy.get("rollingUpdate") or {}
    if kind in ("Deployment", "DaemonSet"):
        # Kubernetes' own defaults, where the original leaves them out
        rollout["maxSurge"] = rolling.get("maxSurge", "25%" if kind == "Deployment" else 0)
        rollout["maxUnavailable"] = rolling.get("maxUnavailable",
                                                "25%" if kind == "Deployment" else 1)
        if rollout.get("strategy") == "Recreate":
            rollout.pop("maxSurge")
            rollout.pop("maxUnavailable")
    if kind in ("Deployment", "StatefulSet", "DaemonSet"):
        rollout["revisionHistoryLimit"] = int(spec.get("revisionHistoryLimit", 10))
    rollout["terminationGracePeriodSeconds"] = int(pod.get("terminationGracePeriodSeconds", 30))
    if kind not in ("Job", "CronJob"):  # (a preStop hook the pod's reader found kept)
        draft.settings["rollout"] = {**rollout, **draft.settings.get("rollout", {})}
    scheduling: dict[str, Any] = {}
    for key in ("nodeSelector", "tolerations", "affinity", "priorityClassName"):
        if pod.get(key):
            scheduling[key] = copy.deepcopy(pod[key])
    if scheduling:
        draft.settings["scheduling"] = scheduling
    meta = template.get("metadata") or {}
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items()
                   if not k.startswith(CHECKSUM)}
    sums = sorted(k for k in meta.get("annotations") or {} if k.startswith(CHECKSUM))
    if sums:
        draft.dropped.append(
            f"the pod annotation{'s' if len(sums) > 1 else ''} {', '.join(sums)}: a checksum "
            "that rolls the pods when what it sums changes; the pod template changes with "
            "the env and config Pligos writes, and Pligos adds checksums of the files and "
            "secrets it mounts")
    if annotations:
        draft.values.setdefault("pod", {})["annotations"] = annotations
    if kind == "CronJob":
        draft.schedule = str(spec.get("schedule", ""))
        cron: dict[str, Any] = {}
        for key in ("timeZone", "concurrencyPolicy", "successfulJobsHistoryLimit",
                    "failedJobsHistoryLimit", "startingDeadlineSeconds", "suspend"):
            if spec.get(key) is not None:
                cron[key] = spec[key]
        cron.setdefault("concurrencyPolicy", "Allow")  # Kubernetes' default
        draft.settings["cronjob"] = cron
    if kind in ("CronJob", "Job"):
        job: dict[str, Any] = {"backoffLimit": int(job_spec.get("backoffLimit", 6)),
                               "restartPolicy": pod.get("restartPolicy", "Never")}
        for key in ("activeDeadlineSeconds", "ttlSecondsAfterFinished", "completions",
                    "parallelism"):
            if job_spec.get(key) is not None:
                job[key] = int(job_spec[key])
        draft.settings["job"] = job
