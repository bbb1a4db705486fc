"""The prod chart of each example, and of services written here, is secure and available by
default: rendered with --namespace, a real checkov fails none of its Kubernetes checks but
the two that are the user's own choice (image by digest, pull policy Always); the charts pass
`helm lint --strict` and strict schema validation, Gateway API routes included."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from support import (
    EXAMPLES,
    by_kind,
    checkov_report,
    helm,
    kube_validate,
    lint_strict,
    make_tree,
    one,
    run_cli,
    secret_values,
    shop_with_secrets,
)

# the user's own choices: CKV_K8S_43 image by digest, CKV_K8S_15 pull policy Always
USERS_CHOICE = {"CKV_K8S_43", "CKV_K8S_15"}

UNSEEN = """\
pligos: 1
name: ledger
description: Books payments
secrets: {provider: file, path: secrets}
images:
  - {name: app, repository: registry.example.com/pay/ledger, tag: "3.2.1", pullSecret: registry}
  - {name: shipper, repository: registry.example.com/ops/shipper, tag: "1.9", runAsUser: 20001}
  - {name: tools, repository: registry.example.com/ops/tools, tag: "1.0"}
commands:
  - {name: serve, command: [/ledger, serve]}
  - {name: migrate, command: [/ledger, migrate]}
  - {name: ship, command: [/shipper, --from, /var/log/ledger]}
probes:
  - name: http
    liveness: {httpGet: {path: /healthz, port: http}}
    readiness: {httpGet: {path: /ready, port: http}}
  - name: grpc
    readiness: {grpc: {port: grpc}}
routes:
  - {name: http, port: 80, containerPort: 8080, fqdn: ledger.example.com, tls: ledger-tls}
  - {name: grpc, port: 9090, appProtocol: grpc, fqdn: rpc.ledger.example.com}
  - name: admin
    port: 8081
    fqdn: admin.ledger.example.com
    ingressClass: internal
    annotations: {example.com/allow: office}
mounts:
  - {name: config, path: /etc/ledger, files: [config/ledger.yaml]}
  - {name: logs, path: /var/log/ledger, emptyDir: {sizeLimit: 256Mi}}
  - {name: journal, path: /var/lib/ledger, volume: {size: 5Gi}}
env:
  - {name: common, variables: {LOG_FORMAT: json}}
resources:
  - name: web
    requests: {cpu: 250m, memory: 256Mi}
    limits: {cpu: "1", memory: 512Mi}
containers:
  - {name: log-shipper, image: shipper, command: ship, mounts: [logs], resources: web}
  - {name: migrate, image: tools, command: migrate, resources: web}
contexts:
  - name: prod
    flavor: webservice
    namespace: ledger
    image: app
    command: serve
    probe: http
    routes: [http, admin]
    mounts: [config, logs]
    env: [common]
    resources: web
    sidecars: [log-shipper]
    initContainers: [migrate]
    autoscaling: {minReplicas: 3, maxReplicas: 12, cpu: 70}
    expose: {certManager: {issuer: letsencrypt}}
  - name: gateway
    extends: prod
    namespace: ledger-gw
    routes: [http, grpc]
    probe: grpc
    expose: {via: gateway, gateway: {name: public, namespace: gateways}}
  - name: stateful
    extends: prod
    namespace: ledger-db
    flavor: statefulset
    mounts: [config, logs, journal]
    autoscaling: null
    replicas: 3
"""


def _generate(service: Path) -> None:
    result = run_cli("generate", str(service))
    assert result.code == 0, result.err


def _render(helm_bin: str, chart: Path, namespace: str, out: Path) -> list[dict]:
    result = helm(helm_bin, "template", chart.name, str(chart), "--namespace",
                  namespace, *secret_values(chart))
    assert result.returncode == 0, result.stderr
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{namespace}.yaml").write_text(result.stdout)
    return [d for d in yaml.safe_load_all(result.stdout) if d]


def _unseen(root: Path) -> Path:
    service = make_tree(root / "ledger", {
        "pligos.yaml": UNSEEN,
        "config/ledger.yaml": "ledger: {currency: EUR}\n",
        "secrets/registry.yaml": 'registry: registry.example.com\nusername: ci\n'
                                 'password: "not-a-real-password"\n',
    })
    return service


def test_prod_charts_fail_no_checkov_check_but_the_users_choices(helm_bin: str,
                                                                  checkov_bin: str,
                                                                  tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    for name in ("hello", "tokend"):
        shutil.copytree(EXAMPLES / name, work / name,
                        ignore=shutil.ignore_patterns("charts", "secrets"))
    shop = shop_with_secrets(work)
    ledger = _unseen(work)
    charts = {
        "hello": work / "hello/charts/prod/hello",
        "tokend": work / "tokend/charts/prod/tokend",
        "checkout": shop / "checkout/charts/prod/checkout",
        "catalog": shop / "catalog/charts/prod/catalog",
        "ledger": ledger / "charts/prod/ledger",
        "ledger-gw": ledger / "charts/gateway/ledger",
        "ledger-db": ledger / "charts/stateful/ledger",
    }
    for service in (work / "hello", work / "tokend", ledger):
        _generate(service)
    result = run_cli("generate", str(shop), "--deps", env={"PLIGOS_HELM": helm_bin})
    assert result.code == 0, result.err
    rendered = tmp_path / "rendered"
    manifests: dict[str, list[dict]] = {}
    for namespace, chart in charts.items():
        lint_strict(helm_bin, chart)
        manifests[namespace] = _render(helm_bin, chart, namespace, rendered)
        kube_validate(manifests[namespace], tmp_path)
    # one checkov run over every chart's manifests; each chart has its own namespace
    failed: dict[str, set[str]] = {}
    for f in checkov_report(rendered, tmp_path):
        failed.setdefault(f.resource.split(".")[1], set()).add(f"{f.check_id} {f.title}")
    for namespace in charts:
        beyond = {c for c in failed.get(namespace, set()) if c.split()[0] not in USERS_CHOICE}
        assert not beyond, f"{namespace}: {sorted(beyond)}"
    # and what a user sees of the defaults in the prod chart of an unseen service
    prod = manifests["ledger"]
    deploy = one(prod, "Deployment")
    pod = deploy["spec"]["template"]["spec"]
    assert "replicas" not in deploy["spec"]  # the HorizontalPodAutoscaler sets them
    hpa = one(prod, "HorizontalPodAutoscaler")
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (3, 12)
    assert hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 70
    assert one(prod, "PodDisruptionBudget")["spec"]["maxUnavailable"] == 1
    keys = {c["topologyKey"] for c in pod["topologySpreadConstraints"]}
    assert keys == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    assert one(prod, "ServiceAccount")["metadata"]["name"] == pod["serviceAccountName"]
    main = next(c for c in pod["containers"] if c["name"] == "ledger")
    assert main["securityContext"]["readOnlyRootFilesystem"] is True
    assert main["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert {"/tmp", "/etc/ledger", "/var/log/ledger"} <= {m["mountPath"]
                                                         for m in main["volumeMounts"]}
    # the sidecar runs natively (an init container that keeps running), as its image's user
    init = {c["name"]: c for c in pod["initContainers"]}
    assert init["log-shipper"]["restartPolicy"] == "Always"
    assert init["log-shipper"]["securityContext"]["runAsUser"] == 20001
    assert "restartPolicy" not in init["migrate"]
    assert [c["name"] for c in pod["initContainers"]] == ["migrate", "log-shipper"]
    policy = one(prod, "NetworkPolicy")
    assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    ports = {p["port"] for rule in policy["spec"]["ingress"] for p in rule["ports"]}
    assert ports == {8080, 8081}
    # the admin route has its own Ingress with its own class; cert-manager makes the TLS
    ingresses = {i["metadata"]["name"]: i for i in by_kind(prod, "Ingress")}
    assert set(ingresses) == {"ledger", "ledger-admin"}
    assert ingresses["ledger-admin"]["spec"]["ingressClassName"] == "internal"
    assert ingresses["ledger"]["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] \
        == "letsencrypt"
    assert not [s for s in by_kind(prod, "Secret") if "tls" in s["metadata"]["name"]]
    # Gateway API instead of Ingress: one switch of the context
    gateway = manifests["ledger-gw"]
    assert not by_kind(gateway, "Ingress")
    route = one(gateway, "HTTPRoute")
    assert route["spec"]["parentRefs"] == [{"name": "public", "namespace": "gateways"}]
    assert route["spec"]["hostnames"] == ["ledger.example.com"]
    grpc = one(gateway, "GRPCRoute")
    assert grpc["spec"]["hostnames"] == ["rpc.ledger.example.com"]
    service_ports = {p["name"]: p for p in one(gateway, "Service")["spec"]["ports"]}
    assert service_ports["grpc"]["appProtocol"] == "grpc"
    gw_main = next(c for c in one(gateway, "Deployment")["spec"]["template"]["spec"]
                   ["containers"] if c["name"] == "ledger")
    assert gw_main["readinessProbe"]["grpc"] == {"port": 9090}  # the route's number
    # the statefulset: a claim per pod, a headless Service, PVCs that helm keeps
    stateful = manifests["ledger-db"]
    sts = one(stateful, "StatefulSet")
    assert [t["metadata"]["name"] for t in sts["spec"]["volumeClaimTemplates"]] == ["journal"]
    headless = next(s for s in by_kind(stateful, "Service")
                    if s["spec"].get("clusterIP") == "None")
    assert sts["spec"]["serviceName"] == headless["metadata"]["name"]
    assert not by_kind(stateful, "PersistentVolumeClaim")


def test_turning_a_default_off_is_one_line_and_checkov_sees_it(helm_bin: str,
                                                                checkov_bin: str,
                                                                tmp_path: Path) -> None:
    service = _unseen(tmp_path)
    text = (service / "pligos.yaml").read_text()
    (service / "pligos.yaml").write_text(text + """\
  - name: legacy
    extends: prod
    namespace: legacy
    security: {readOnlyRootFilesystem: false, reason: "the image writes its pid file to /run"}
""")
    _generate(service)
    manifests = _render(helm_bin, service / "charts/legacy/ledger", "legacy", tmp_path / "r")
    failed = {f.check_id for f in checkov_report(manifests, tmp_path)}
    assert "CKV_K8S_22" in failed and failed - USERS_CHOICE == {"CKV_K8S_22"}


def test_charts_hold_no_template_that_renders_nothing(tmp_path: Path) -> None:
    service = _unseen(tmp_path)
    _generate(service)
    for context in ("prod", "gateway", "stateful"):
        chart = service / "charts" / context / "ledger"
        templates = sorted(p.name for p in (chart / "templates").iterdir())
        assert "cronjob.yaml" not in templates
        if context == "gateway":
            assert "httproute.yaml" in templates and "ingress.yaml" not in templates
        else:
            assert "ingress.yaml" in templates and "httproute.yaml" not in templates
        if context == "stateful":
            assert "hpa.yaml" not in templates and "pvcs.yaml" not in templates
        else:
            assert "hpa.yaml" in templates
        values = yaml.safe_load((chart / "values.yaml").read_text())
        assert "schedule" not in values and "cronjob" not in values and "job" not in values
