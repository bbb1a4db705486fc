"""The built-in flavors' templates, rendered by real helm from hand-written contract-2 values.

Each chart is a built-in flavor folder with the shared helpers and the values of
tests/fixtures/contract2/, so that what the templates make is checked apart from the compiler
that writes the values: the objects a user would see, valid for `helm lint --strict` and
`kubernetes-validate --strict`, at Kubernetes 1.31 and at 1.27 (before native sidecars and the
kubelet's own sleep).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from pligos_tui.charts.objects import holding
from support import ROOT, by_kind, helm, one

FLAVORS = ROOT / "pligos_tui" / "flavors"
LIBRARY = FLAVORS / "library" / "_pligos.tpl"
SCHEMA = ROOT / "pligos_tui" / "schema" / "values-contract-2.json"
FIXTURES = ROOT / "tests" / "fixtures" / "contract2"
SECRET_DATA = FIXTURES / "secret-data.yaml"
# fixture -> the built-in flavor whose templates render it
CASES = {"webservice": "webservice", "minimal": "webservice", "worker": "worker",
         "worker-env": "worker", "statefulset": "statefulset", "daemonset": "daemonset",
         "job": "job", "cronjob": "cronjob"}
KUBE = ("1.31", "1.27")
# kinds whose schemas kubernetes-validate does not hold (custom resources)
CRDS = ("HTTPRoute", "GRPCRoute", "ExternalSecret")
SELECTOR = {"app.kubernetes.io/name", "app.kubernetes.io/instance"}


def build(root: Path, case: str, values: dict | None = None) -> Path:
    """A chart of the fixture `case` (or of `values`) on its built-in flavor."""
    chart = root / case
    shutil.copytree(FLAVORS / "builtin" / CASES[case], chart)
    (chart / "flavor.yaml").unlink()
    shutil.copy(LIBRARY, chart / "templates" / "_pligos.tpl")
    shutil.copytree(FIXTURES / "files", chart / "files")
    shutil.copy(SCHEMA, chart / "values.schema.json")
    text = yaml.safe_dump(values) if values is not None else \
        (FIXTURES / f"{case}.yaml").read_text()
    (chart / "values.yaml").write_text(text)
    return chart


def template(helm_bin: str, chart: Path, kube: str = "1.31", *args: str
             ) -> subprocess.CompletedProcess[str]:
    return helm(helm_bin, "template", "x", str(chart), "--namespace", "prod", "--values",
                str(SECRET_DATA), "--kube-version", kube, *args)


def objects(result: subprocess.CompletedProcess[str]) -> list[dict]:
    assert result.returncode == 0, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


@pytest.fixture(scope="module")
def charts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("flavor-charts")
    return {case: build(root, case) for case in CASES}


@pytest.fixture(scope="module")
def rendered(helm_bin: str, charts: dict[str, Path]) -> dict[tuple[str, str], list[dict]]:
    return {(case, kube): objects(template(helm_bin, chart, kube))
            for case, chart in charts.items() for kube in KUBE}


def pod_spec(workload: dict) -> dict:
    spec = workload["spec"]
    if workload["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"]


def containers(pod: dict) -> dict[str, dict]:
    return {c["name"]: c for c in pod.get("initContainers", []) + pod["containers"]}


def env(container: dict) -> dict[str, object]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


@pytest.mark.parametrize("kube", KUBE)
def test_every_chart_lints_and_validates(helm_bin: str, charts: dict[str, Path],
                                         rendered: dict, kube: str, tmp_path: Path) -> None:
    files = []
    for case, chart in charts.items():
        result = helm(helm_bin, "lint", "--strict", str(chart), "--namespace", "prod",
                      "--values", str(SECRET_DATA), "--kube-version", kube)
        assert result.returncode == 0 and "[WARNING]" not in result.stdout, \
            case + result.stdout + result.stderr
        manifests = rendered[(case, kube)]
        for m in manifests:
            assert m["metadata"]["namespace"] == "prod", (case, m["kind"])
            assert m["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "Helm"
        file = tmp_path / f"{case}.yaml"
        file.write_text(yaml.safe_dump_all([m for m in manifests if m["kind"] not in CRDS]))
        files.append(str(file))
    exe = Path(sys.executable).parent / "kubernetes-validate"
    result = subprocess.run([str(exe), "--strict", "--quiet", "-k", f"{kube}.0", *files],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "WARN" not in result.stdout, result.stdout + result.stderr


def test_a_template_renders_exactly_when_its_condition_holds(charts: dict[str, Path],
                                                             helm_bin: str) -> None:
    """A chart holds no empty template: a template flavor.yaml names under `templates:`
    renders something exactly when its condition holds for the values, the others always."""
    for case, chart in charts.items():
        flavor = yaml.safe_load((FLAVORS / "builtin" / CASES[case] / "flavor.yaml").read_text())
        conditions = flavor.get("templates", {})
        held = holding(yaml.safe_load((chart / "values.yaml").read_text()))
        result = template(helm_bin, chart)
        assert result.returncode == 0, result.stderr
        sources = set(re.findall(r"^# Source: [^/]+/(templates/\S+)$", result.stdout, re.M))
        for file in sorted((chart / "templates").glob("*.yaml")):
            rel = f"templates/{file.name}"
            assert (rel in sources) == (rel not in conditions or conditions[rel] in held), \
                (case, rel, conditions.get(rel))


def test_web_service_pods_are_restricted_and_spread(rendered: dict) -> None:
    manifests = rendered[("webservice", "1.31")]
    deployment = one(manifests, "Deployment", "x-tokend")
    assert "replicas" not in deployment["spec"]  # the HorizontalPodAutoscaler sets them
    assert deployment["spec"]["strategy"] == {
        "type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}}
    pod = pod_spec(deployment)
    assert pod["securityContext"] == {
        "runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001,
        "fsGroupChangePolicy": "OnRootMismatch", "seccompProfile": {"type": "RuntimeDefault"}}
    assert pod["serviceAccountName"] == "x-tokend"
    assert pod["automountServiceAccountToken"] is False
    assert pod["imagePullSecrets"] == [{"name": "registry-pull"}]
    for c in containers(pod).values():
        assert c["securityContext"] == {
            "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
            "readOnlyRootFilesystem": True, "runAsNonRoot": True}, c["name"]
    assert [(t["topologyKey"], t["whenUnsatisfiable"], set(t["labelSelector"]["matchLabels"]))
            for t in pod["topologySpreadConstraints"]] == [
        ("topology.kubernetes.io/zone", "ScheduleAnyway", SELECTOR),
        ("kubernetes.io/hostname", "ScheduleAnyway", SELECTOR)]
    hpa = one(manifests, "HorizontalPodAutoscaler", "x-tokend")["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                     "name": "x-tokend"}
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (3, 10)
    assert {m["resource"]["name"]: m["resource"]["target"] for m in hpa["metrics"]} == {
        "cpu": {"type": "Utilization", "averageUtilization": 80},
        "memory": {"type": "Utilization", "averageUtilization": 75}}
    assert one(manifests, "PodDisruptionBudget")["spec"]["maxUnavailable"] == 1
    account = one(manifests, "ServiceAccount", "x-tokend")
    assert account["automountServiceAccountToken"] is False
    assert account["metadata"]["annotations"] == {
        "iam.gke.io/gcp-service-account": "tokend@project.iam.gserviceaccount.com"}
    claim = one(manifests, "PersistentVolumeClaim", "x-tokend-cache")
    assert claim["metadata"]["annotations"] == {"helm.sh/resource-policy": "keep"}


def test_friends_credentials_are_files(rendered: dict) -> None:
    pod = pod_spec(one(rendered[("webservice", "1.31")], "Deployment"))
    main = pod["containers"][0]
    variables = env(main)
    assert variables["POSTGRES_PASSWORD_FILE"] == "/var/run/secrets/pligos/postgres/password"
    assert variables["REDIS_PASSWORD_FILE"] == "/var/run/secrets/pligos/redis/password"
    assert "POSTGRES_PASSWORD" not in variables
    assert variables["POSTGRES_HOST"] == "x-postgres"  # friends' config is a template
    assert list(variables)[:2] == ["LOG_FORMAT", "TOKEN_TTL"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["pligos-friend-postgres"]["projected"]["sources"] == [{"secret": {
        "name": "x-tokend-postgres-password",
        "items": [{"key": "password", "path": "password"},
                  {"key": "username", "path": "username"}]}}]
    mounts = {m["name"]: m for m in main["volumeMounts"]}
    assert mounts["pligos-friend-redis"] == {
        "name": "pligos-friend-redis", "mountPath": "/var/run/secrets/pligos/redis",
        "readOnly": True}
    assert "shipper-state" not in mounts and "shipper-state" in volumes  # main: false


def test_credentials_as_variables_and_root(rendered: dict) -> None:
    manifests = rendered[("worker-env", "1.31")]
    pod = pod_spec(one(manifests, "Deployment"))
    main = pod["containers"][0]
    assert env(main)["POSTGRES_PASSWORD"] == {
        "secretKeyRef": {"name": "legacy-db", "key": "password"}}
    assert "volumes" not in pod
    assert "runAsNonRoot" not in pod["securityContext"] and \
        pod["securityContext"]["runAsUser"] == 0
    assert main["securityContext"]["capabilities"] == {
        "drop": ["ALL"], "add": ["NET_BIND_SERVICE", "SYS_PTRACE"]}
    assert pod["serviceAccountName"] == "legacy-runner"
    assert one(manifests, "NetworkPolicy")["spec"]["egress"] == [{}]


def test_sidecars_are_native_from_kubernetes_1_29(rendered: dict) -> None:
    new = pod_spec(one(rendered[("webservice", "1.31")], "Deployment"))
    old = pod_spec(one(rendered[("webservice", "1.27")], "Deployment"))
    assert [(c["name"], c.get("restartPolicy")) for c in new["initContainers"]] == [
        ("migrate", None), ("log-shipper", "Always")]
    assert [c["name"] for c in new["containers"]] == ["tokend"]
    assert [c["name"] for c in old["initContainers"]] == ["migrate"]
    assert [c["name"] for c in old["containers"]] == ["tokend", "log-shipper"]
    shipper = containers(new)["log-shipper"]
    assert shipper["livenessProbe"] == {"httpGet": {"path": "/healthz", "port": 2020}}
    assert env(shipper) == {"SHIP_TO": "logs.example.com:443"}
    assert "livenessProbe" not in containers(new)["migrate"]
    assert new["containers"][0]["lifecycle"] == {"preStop": {"sleep": {"seconds": 5}}}
    assert old["containers"][0]["lifecycle"] == {"preStop": {"exec": {"command": ["sleep", "5"]}}}
    proxy = containers(pod_spec(one(rendered[("worker", "1.31")], "Deployment")))["proxy"]
    assert (proxy["securityContext"]["runAsUser"], proxy["securityContext"]["runAsGroup"]) == \
        (65532, 65532)


def test_ingresses_per_class_with_cert_manager(rendered: dict) -> None:
    manifests = rendered[("webservice", "1.31")]
    shared = one(manifests, "Ingress", "x-tokend")
    assert shared["spec"]["ingressClassName"] == "nginx"
    assert shared["metadata"]["annotations"] == {
        "cert-manager.io/cluster-issuer": "letsencrypt",
        "nginx.ingress.kubernetes.io/proxy-body-size": "1m"}
    assert [r["host"] for r in shared["spec"]["rules"]] == [
        "tokens.example.com", "grpc.tokens.example.com"]
    assert shared["spec"]["tls"] == [{"secretName": "x-tokend-tokens-tls",
                                      "hosts": ["tokens.example.com"]}]
    admin = one(manifests, "Ingress", "x-tokend-admin")
    assert admin["spec"]["ingressClassName"] == "internal"
    assert admin["metadata"]["annotations"][
        "nginx.ingress.kubernetes.io/whitelist-source-range"] == "10.0.0.0/8"
    assert admin["spec"]["rules"][0]["http"]["paths"][0]["path"] == "/admin"
    ports = {p["name"]: p for p in one(manifests, "Service", "x-tokend")["spec"]["ports"]}
    assert ports["grpc"]["appProtocol"] == "grpc" and "appProtocol" not in ports["metrics"]
    assert not by_kind(manifests, "HTTPRoute")


def test_network_policy_admits_the_routes_and_reaches_dns_and_friends(rendered: dict) -> None:
    policy = one(rendered[("webservice", "1.31")], "NetworkPolicy", "x-tokend")["spec"]
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    assert policy["ingress"] == [{"ports": [{"port": p, "protocol": "TCP"}
                                            for p in (8080, 8081, 9000, 9090)]}]
    assert policy["egress"] == [
        {"ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]},
        {"to": [{"podSelector": {}}]}]
    worker = one(rendered[("worker", "1.31")], "NetworkPolicy")["spec"]
    assert "ingress" not in worker  # no routes: nothing comes in
    assert worker["egress"][-1] == {"to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}],
                                    "ports": [{"port": 443, "protocol": "TCP"}]}
    ledger = one(rendered[("statefulset", "1.31")], "NetworkPolicy")["spec"]
    assert ledger["ingress"][0]["from"][0] == {"namespaceSelector": {"matchLabels": {
        "kubernetes.io/metadata.name": "gateways"}}}


def test_statefulset_claims_headless_service_and_gateway_routes(rendered: dict) -> None:
    manifests = rendered[("statefulset", "1.31")]
    sts = one(manifests, "StatefulSet", "x-ledger")
    assert sts["spec"]["serviceName"] == "x-ledger-headless"
    assert sts["spec"]["updateStrategy"] == {"type": "RollingUpdate"}
    [claim] = sts["spec"]["volumeClaimTemplates"]
    assert claim["metadata"] == {"name": "data", "labels": {
        "app.kubernetes.io/name": "ledger", "app.kubernetes.io/instance": "x"}}
    assert claim["spec"] == {"accessModes": ["ReadWriteOnce"], "storageClassName": "fast",
                             "resources": {"requests": {"storage": "20Gi"}}}
    pod = pod_spec(sts)
    assert [v["name"] for v in pod["volumes"]] == ["pligos-tmp"]
    assert {"name": "data", "mountPath": "/data"} in pod["containers"][0]["volumeMounts"]
    assert not by_kind(manifests, "PersistentVolumeClaim")
    headless = one(manifests, "Service", "x-ledger-headless")["spec"]
    assert (headless["clusterIP"], headless["publishNotReadyAddresses"]) == ("None", True)
    parents = [{"name": "public", "namespace": "gateways", "sectionName": "https"}]
    http = one(manifests, "HTTPRoute", "x-ledger-http")["spec"]
    assert http == {"parentRefs": parents, "hostnames": ["ledger.example.com"], "rules": [{
        "matches": [{"path": {"type": "PathPrefix", "value": "/api"}}],
        "backendRefs": [{"name": "x-ledger", "port": 80}]}]}
    grpc = one(manifests, "GRPCRoute", "x-ledger-grpc")["spec"]
    assert grpc == {"parentRefs": parents, "hostnames": ["grpc.ledger.example.com"],
                    "rules": [{"backendRefs": [{"name": "x-ledger", "port": 9000}]}]}
    assert not by_kind(manifests, "Ingress")


def test_daemonset_rolls_node_by_node(rendered: dict) -> None:
    manifests = rendered[("daemonset", "1.31")]
    spec = one(manifests, "DaemonSet", "x-nodelog")["spec"]
    assert spec["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {
        "maxSurge": 0, "maxUnavailable": 1}}
    pod = pod_spec(one(manifests, "DaemonSet"))
    assert "topologySpreadConstraints" not in pod and pod["tolerations"] == [
        {"operator": "Exists"}]
    assert not by_kind(manifests, "HorizontalPodAutoscaler")
    assert not by_kind(manifests, "PodDisruptionBudget")


def test_job_is_named_after_its_spec(helm_bin: str, rendered: dict, tmp_path: Path) -> None:
    job = one(rendered[("job", "1.31")], "Job")
    name = job["metadata"]["name"]
    assert re.fullmatch(r"x-backfill-[0-9a-f]{8}", name), name
    assert {k: v for k, v in job["spec"].items() if k != "template"} == {
        "backoffLimit": 2, "activeDeadlineSeconds": 3600, "ttlSecondsAfterFinished": 86400,
        "completions": 4, "parallelism": 2}
    assert pod_spec(job)["restartPolicy"] == "Never"
    chart = build(tmp_path, "job")
    again = one(objects(template(helm_bin, chart)), "Job")["metadata"]["name"]
    changed = one(objects(template(helm_bin, chart, "1.31", "--set", "image.tag=1.4.3")),
                  "Job")["metadata"]["name"]
    assert again == name != changed


def test_cronjob_schedule_settings(rendered: dict) -> None:
    manifests = rendered[("cronjob", "1.31")]
    spec = one(manifests, "CronJob", "x-reindex")["spec"]
    assert {k: v for k, v in spec.items() if k != "jobTemplate"} == {
        "schedule": "0 3 * * *", "timeZone": "Europe/Berlin", "concurrencyPolicy": "Forbid",
        "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1,
        "startingDeadlineSeconds": 300, "suspend": False}
    assert pod_spec(one(manifests, "CronJob"))["restartPolicy"] == "OnFailure"
    assert one(manifests, "ConfigMap", "x-reindex-scripts")["data"]["reindex.sh"].startswith(
        "#!/bin/sh")


def test_a_flavor_accepting_less_renders_kubernetes_defaults(rendered: dict) -> None:
    manifests = rendered[("minimal", "1.31")]
    pod = pod_spec(one(manifests, "Deployment"))
    assert set(pod) == {"containers"}
    assert sorted(m["kind"] for m in manifests) == ["Deployment", "Ingress", "Service"]


@pytest.mark.parametrize(("case", "setting", "message"), [
    ("statefulset", "expose.gateway.name=", "expose.via gateway needs expose.gateway.name"),
    ("statefulset", "rollout.strategy=Recreate", "Recreate is for Deployments"),
    ("webservice", "friends.redis.credentials[1].secret=postgres-password",
     'friend redis reads key "password" from two secrets'),
])
def test_refused_values_say_why(helm_bin: str, tmp_path: Path, case: str, setting: str,
                                message: str) -> None:
    chart = build(tmp_path, case)
    if setting.startswith("friends.redis.credentials"):
        values = yaml.safe_load((FIXTURES / "webservice.yaml").read_text())
        values["friends"]["redis"]["credentials"].append(
            {"name": "REDIS_ADMIN", "secret": "postgres-password", "key": "password"})
        chart = build(tmp_path / "collide", case, values)
        result = template(helm_bin, chart)
    else:
        result = template(helm_bin, chart, "1.31", "--set", setting)
    assert result.returncode != 0 and message in result.stderr, result.stderr


def test_job_sidecars_need_native_sidecars(helm_bin: str, tmp_path: Path) -> None:
    values = yaml.safe_load((FIXTURES / "job.yaml").read_text())
    values["containers"] = {"sidecars": [{"name": "proxy", "image": {
        "repository": "registry.example.com/proxy", "tag": "1"}}], "init": []}
    chart = build(tmp_path, "job", values)
    pod = pod_spec(one(objects(template(helm_bin, chart, "1.29")), "Job"))
    assert [(c["name"], c["restartPolicy"]) for c in pod["initContainers"]] == [
        ("proxy", "Always")]
    result = template(helm_bin, chart, "1.27")
    assert result.returncode != 0 and "need Kubernetes 1.29" in result.stderr, result.stderr


def test_schema_takes_the_fixtures_and_refuses_broken_values() -> None:
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text()))
    base = yaml.safe_load((FIXTURES / "webservice.yaml").read_text())
    for case in CASES:
        values = yaml.safe_load((FIXTURES / f"{case}.yaml").read_text())
        assert not list(validator.iter_errors(values)), case

    def errors(change: dict) -> list[str]:
        values = json.loads(json.dumps(base))
        for path, value in change.items():
            *parents, last = path.split(".")
            node = values
            for key in parents:
                node = node[int(key)] if isinstance(node, list) else node[key]
            node[last] = value
        return [e.message for e in validator.iter_errors(values)]

    assert errors({"env.TOKEN_TTL": 7200, "env.DEBUG": True}) == []  # as --set gives them
    assert errors({"pligos-library": {}, "global": {"x": 1}}) == []
    assert errors({"image.tag": ""})
    assert errors({"containers.sidecars.0.image.tag": ""})
    assert errors({"env": [{"name": "A", "value": "b"}]})
    assert errors({"autoscaling.maxReplica": 5})
    assert errors({"expose.via": "loadbalancer"})
    assert errors({"disruption.minAvailable": "half"})
    assert errors({"pligos.contract": 1})
