"""The parity report of an import: hand-written charts' objects against what Pligos renders
for an equivalent pligos.yaml (real renders, rendered once per module)."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest
import yaml
from support import make_tree

from pligos_tui.charts.changes import MISSING
from pligos_tui.jobs.importing.parity import ContextParity, compare
from pligos_tui.jobs.manifests import render_context
from pligos_tui.spec.load import load_service

SECRET_VALUE = "c2lnbmluZy1rZXktbm90LWZvci1leWVz"  # base64 data of the original's Secret

PLIGOS_YAML = """
    pligos: 1
    name: shop
    secrets: {delivery: existing}
    images:
      - {name: app, repository: ghcr.io/acme/shop, tag: "1.4.0", pullSecret: regcred}
      - {name: shipper, repository: fluent/fluent-bit, tag: "3.0"}
    commands:
      - name: serve
        type: executable
        command: [/shop]
        args: [serve, --config, /etc/shop/app.yaml]
    routes:
      - {name: http, port: 80, containerPort: 8080, fqdn: shop.example.com, tls: shop-tls}
      - {name: metrics, port: 9090}
      - {name: api, port: 80, containerPort: 8080, fqdn: api.example.com, path: /v1}
    probes:
      - name: http
        liveness: {httpGet: {path: /healthz, port: http}}
        readiness: {httpGet: {path: /ready, port: http}, periodSeconds: 5}
    mounts:
      - {name: config, path: /etc/shop, files: [config/app.yaml]}
      - name: uploads
        path: /var/lib/shop
        volume: {size: 5Gi, accessMode: ReadWriteOnce, storageClass: fast}
      - {name: keys, path: /etc/shop-keys, secret: shop-signing}
      - {name: data, path: /var/lib/db, volume: {size: 10Gi, accessMode: ReadWriteOnce}}
    env:
      - {name: common, variables: {LOG_LEVEL: info, LISTEN: ":8080"}}
    resources:
      - {name: small, requests: {cpu: 250m, memory: 256Mi}, limits: {cpu: "1", memory: 512Mi}}
    containers:
      - {name: shipper, image: shipper}
    contexts:
      - name: dev
        flavor: webservice
        image: app
        command: serve
        routes: [http, metrics]
        probe: http
        mounts: [config, uploads, keys]
        env: [common]
        resources: small
        sidecars: [shipper]
      - name: prod
        extends: dev
        mounts: [config, keys]
        replicas: 3
        autoscaling: {maxReplicas: 10}
      - name: db
        flavor: statefulset
        image: app
        routes: [http]
        mounts: [data]
      - name: edge
        flavor: webservice
        image: app
        routes: [api]
        expose: {via: gateway, gateway: {name: public, namespace: gateways}}
      - name: nightly
        flavor: cronjob
        schedule: "0 3 * * *"
        image: app
        command: {type: executable, command: [/shop, reindex]}
"""

APP_YAML = 'listen: ":8080"\nstore: /var/lib/shop\n'

# What a hand-written chart for the dev context renders: other names, named ports, a Service
# targetPort by name, the config file in a ConfigMap, an env value from another ConfigMap, a
# claim, a Secret mounted read-only, and a sidecar among the containers.
DEV = """
apiVersion: v1
kind: ServiceAccount
metadata: {name: shop}
---
apiVersion: v1
kind: Secret
metadata: {name: shop-signing}
type: Opaque
data: {signing.key: SECRET}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: shop-files}
data:
  app.yaml: |
    listen: ":8080"
    store: /var/lib/shop
---
apiVersion: v1
kind: ConfigMap
metadata: {name: shop-env}
data: {level: info}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: shop-uploads}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: fast
  resources: {requests: {storage: 5Gi}}
---
apiVersion: v1
kind: Service
metadata: {name: shop, labels: {app: shop}}
spec:
  type: ClusterIP
  selector: {app: shop}
  ports:
    - {name: web, port: 80, targetPort: web, protocol: TCP}
    - {name: metrics, port: 9090, targetPort: 9090}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop, labels: {app: shop}}
spec:
  replicas: 1
  selector: {matchLabels: {app: shop}}
  template:
    metadata:
      labels: {app: shop}
      annotations: {checksum/config: 1f2e3d}
    spec:
      serviceAccountName: shop
      imagePullSecrets: [{name: regcred}]
      containers:
        - name: app
          image: ghcr.io/acme/shop:1.4.0
          command: [/shop]
          args: [serve, --config, /etc/shop/app.yaml]
          ports:
            - {name: web, containerPort: 8080}
            - {name: metrics, containerPort: 9090, protocol: TCP}
          env:
            - {name: LOG_LEVEL, valueFrom: {configMapKeyRef: {name: shop-env, key: level}}}
            - {name: LISTEN, value: ":8080"}
          livenessProbe:
            httpGet: {path: /healthz, port: web}
          readinessProbe:
            httpGet: {path: /ready, port: web}
            periodSeconds: 5
            timeoutSeconds: 1
          resources:
            requests: {cpu: 250m, memory: 256Mi}
            limits: {cpu: 1000m, memory: 0.5Gi}
          volumeMounts:
            - {name: config, mountPath: /etc/shop}
            - {name: uploads, mountPath: /var/lib/shop}
            - {name: keys, mountPath: /etc/shop-keys, readOnly: true}
        - name: shipper
          image: fluent/fluent-bit:3.0
      volumes:
        - {name: config, configMap: {name: shop-files}}
        - {name: uploads, persistentVolumeClaim: {claimName: shop-uploads}}
        - {name: keys, secret: {secretName: shop-signing}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop-public}
spec:
  tls: [{hosts: [shop.example.com], secretName: shop-tls}]
  rules:
    - host: shop.example.com
      http:
        paths:
          - path: /
            pathType: ImplementationSpecific
            backend: {service: {name: shop, port: {name: web}}}
""".replace("SECRET", SECRET_VALUE)

# prod: the same with an HPA (3 to 10 pods at 80% CPU, autoscaling/v1) and a PDB
PROD = DEV.replace("""  replicas: 1
  selector""", """  replicas: 3
  selector""").replace("""            - {name: uploads, mountPath: /var/lib/shop}
""", "").replace("""        - {name: uploads, persistentVolumeClaim: {claimName: shop-uploads}}
""", "").replace("""apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: shop-uploads}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: fast
  resources: {requests: {storage: 5Gi}}
---
""", "") + """
---
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: shop-scaler}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: shop}
  minReplicas: 3
  maxReplicas: 10
  targetCPUUtilizationPercentage: 80
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: shop-pdb}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: shop}}
"""

DB = """
apiVersion: v1
kind: Service
metadata: {name: shop-headless}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: shop}
spec:
  serviceName: shop-headless
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
        - name: db
          image: ghcr.io/acme/shop:1.4.0
          ports: [{name: http, containerPort: 8080}]
          volumeMounts: [{name: data, mountPath: /var/lib/db}]
  volumeClaimTemplates:
    - metadata: {name: data}
      spec:
        accessModes: [ReadWriteOnce]
        resources: {requests: {storage: 10Gi}}
"""

NIGHTLY = """
apiVersion: batch/v1
kind: CronJob
metadata: {name: shop}
spec:
  schedule: "0 3 * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          imagePullSecrets: [{name: regcred}]
          containers:
            - name: reindex
              image: ghcr.io/acme/shop:1.4.0
              command: [/shop, reindex]
"""

# edge: a Gateway API route to a Service whose port is named otherwise
EDGE = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop}
spec:
  selector: {matchLabels: {app: edge}}
  template:
    metadata: {labels: {app: edge}}
    spec:
      imagePullSecrets: [{name: regcred}]
      containers:
        - name: edge
          image: ghcr.io/acme/shop:1.4.0
          ports: [{name: web, containerPort: 8080}]
          livenessProbe: {tcpSocket: {port: 8080}}
          readinessProbe: {tcpSocket: {port: web}}
---
apiVersion: v1
kind: Service
metadata: {name: shop}
spec:
  selector: {app: edge}
  ports: [{name: web, port: 80, targetPort: web}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: shop-api}
spec:
  parentRefs: [{name: public, namespace: gateways}]
  hostnames: [api.example.com]
  rules:
    - matches: [{path: {type: PathPrefix, value: /v1}}]
      backendRefs: [{name: shop, port: 80}]
"""

ORIGINALS = {"dev": DEV, "prod": PROD, "db": DB, "edge": EDGE, "nightly": NIGHTLY}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, helm_bin: str) -> dict[str, str]:
    """Each context of the equivalent pligos.yaml as Pligos renders it."""
    root = make_tree(tmp_path_factory.mktemp("parity") / "shop",
                     {"pligos.yaml": PLIGOS_YAML, "config/app.yaml": APP_YAML})
    svc = load_service(root)
    return {name: render_context(svc, name).text for name in ORIGINALS}


def objects(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d]


def parity(rendered: dict[str, str], context: str, *edits: tuple[str, str],
           extra: str = "") -> ContextParity:
    """The parity of the context's original, with each (old, new) text edit made once."""
    text = ORIGINALS[context]
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return compare(objects(text + extra), objects(rendered[context]))


def fields(result: ContextParity) -> list[tuple[str, str, Any, Any]]:
    return [(c.key.label(), f.shown, f.old, f.new) for c in result.differs for f in c.fields]


@pytest.mark.parametrize("context", list(ORIGINALS))
def test_an_equivalent_chart_has_no_material_difference(rendered: dict[str, str],
                                                        context: str) -> None:
    result = parity(rendered, context)
    assert fields(result) == []
    assert result.missing == []
    assert not result.material
    assert result.matched > 15


def test_what_pligos_adds_is_listed_and_not_material(rendered: dict[str, str]) -> None:
    result = parity(rendered, "dev")
    added = set(result.added)
    pod = "Deployment shop: spec.template.spec"
    assert {"NetworkPolicy shop", f"{pod}.securityContext",
            f"{pod}.containers[app].securityContext",
            f'{pod}.containers[app].volumeMounts["/tmp"]',
            f"{pod}.containers[shipper].resources",
            f"{pod}.automountServiceAccountToken"} <= added
    # the original has a ServiceAccount, the claim, the ConfigMaps and the Secret: none of them
    # is an addition, and none is missing (they are compared through the Deployment)
    assert not [a for a in added if a.startswith(("ServiceAccount", "ConfigMap",
                                                  "PersistentVolumeClaim", "Secret"))]
    assert json.loads(json.dumps(result.to_json()))["material"] is False


def test_a_secret_is_compared_by_name_and_its_value_never_kept(rendered: dict[str, str]
                                                               ) -> None:
    result = parity(rendered, "dev", ("secretName: shop-signing", "secretName: shop-keys"))
    assert fields(result) == [(
        "Deployment shop",
        'spec.template.spec.containers[app].volumeMounts["/etc/shop-keys"].secret',
        "shop-keys", "shop-signing")]
    extra = "---\n{kind: Secret, apiVersion: v1, metadata: {name: stray}, data: {token: %s}}\n"
    stray = parity(rendered, "dev", extra=extra % SECRET_VALUE)
    assert [(m.what, m.fragment) for m in stray.missing] == [
        ("Secret stray", {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "stray"}})]
    assert "keys: token" in stray.missing[0].why
    assert SECRET_VALUE not in json.dumps(stray.to_json()) + repr(stray)


CHANGES = [
    pytest.param(("image: ghcr.io/acme/shop:1.4.0", "image: ghcr.io/acme/shop:1.3.9"),
                 "Deployment shop", "spec.template.spec.containers[app].image",
                 "ghcr.io/acme/shop:1.3.9", "ghcr.io/acme/shop:1.4.0", id="image tag"),
    pytest.param(("path: /ready", "path: /readyz"), "Deployment shop",
                 "spec.template.spec.containers[app].readinessProbe.httpGet.path",
                 "/readyz", "/ready", id="probe path"),
    pytest.param(("data: {level: info}", "data: {level: debug}"), "Deployment shop",
                 "spec.template.spec.containers[app].env[LOG_LEVEL].value",
                 "debug", "info", id="env value from a ConfigMap"),
    pytest.param(('{name: LISTEN, value: ":8080"}', '{name: LISTEN, value: ":9000"}'),
                 "Deployment shop", "spec.template.spec.containers[app].env[LISTEN].value",
                 ":9000", ":8080", id="env value"),
    pytest.param(("{name: web, port: 80,", "{name: web, port: 8081,"), "Service shop",
                 "spec.ports[web].port", 8081, 80, id="service port"),
    pytest.param(("    store: /var/lib/shop\n", "    store: /srv/shop\n"), "Deployment shop",
                 'spec.template.spec.containers[app].volumeMounts["/etc/shop"]'
                 '.configMap["app.yaml"]', 'listen: ":8080"\nstore: /srv/shop\n', APP_YAML,
                 id="config file"),
    pytest.param(("  replicas: 1\n", "  replicas: 2\n"), "Deployment shop", "spec.replicas",
                 2, 1, id="replicas"),
    pytest.param(("storage: 5Gi", "storage: 8Gi"), "Deployment shop",
                 'spec.template.spec.containers[app].volumeMounts["/var/lib/shop"].claim.size',
                 "8Gi", "5Gi", id="claim size"),
    pytest.param(("periodSeconds: 5", "periodSeconds: 10"), "Deployment shop",
                 "spec.template.spec.containers[app].readinessProbe.periodSeconds", 10, 5,
                 id="probe timing"),
]


@pytest.mark.parametrize(("edit", "obj", "path", "old", "new"), CHANGES)
def test_one_change_in_the_original_is_exactly_one_difference(
        rendered: dict[str, str], edit: tuple[str, str], obj: str, path: str, old: Any,
        new: Any) -> None:
    result = parity(rendered, "dev", edit)
    assert fields(result) == [(obj, path, old, new)]
    assert result.material and result.missing == []


def test_an_object_pligos_cannot_express_is_missing_with_its_source(
        rendered: dict[str, str]) -> None:
    monitor = """
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: shop}
spec:
  selector: {matchLabels: {app: shop}}
  endpoints: [{port: metrics}]
"""
    stream = objects(DEV + monitor)
    where = {id(o): f"templates/{o['kind'].lower()}.yaml" for o in stream}
    result = compare(stream, objects(rendered["dev"]), where=where)
    assert fields(result) == []
    assert [(m.what, m.where) for m in result.missing] == [
        ("ServiceMonitor shop", "templates/servicemonitor.yaml")]
    assert result.missing[0].fragment["spec"]["endpoints"] == [{"port": "metrics"}]
    assert result.material
    assert result.to_json()["missing"][0]["what"] == "ServiceMonitor shop"


def test_an_autoscaled_workload_compares_the_autoscaler_not_its_replicas(
        rendered: dict[str, str]) -> None:
    assert parity(rendered, "prod", ("  replicas: 3\n", "  replicas: 5\n")).differs == []
    result = parity(rendered, "prod", ("maxReplicas: 10", "maxReplicas: 12"),
                    ("  maxUnavailable: 1\n", "  maxUnavailable: 2\n"))
    assert fields(result) == [
        ("PodDisruptionBudget shop-pdb", "spec.maxUnavailable", 2, 1),
        ("HorizontalPodAutoscaler shop-scaler", "spec.maxReplicas", 12, 10)]


def test_a_statefulset_compares_its_claims_and_its_headless_service(
        rendered: dict[str, str]) -> None:
    result = parity(rendered, "db", ("storage: 10Gi", "storage: 20Gi"),
                    ("name: shop-headless", "name: shop-peers"))
    assert fields(result) == [
        ("Service shop-peers", "metadata.name", "shop-peers", "shop-headless"),
        ("StatefulSet shop",
         'spec.template.spec.containers[db].volumeMounts["/var/lib/db"].claimTemplate.size',
         "20Gi", "10Gi")]
    assert "Service shop" in result.added  # Pligos' own ClusterIP Service beside the headless


def test_a_cronjob_compares_its_schedule(rendered: dict[str, str]) -> None:
    result = parity(rendered, "nightly", ('"0 3 * * *"', '"30 2 * * *"'))
    assert fields(result) == [("CronJob shop", "spec.schedule", "30 2 * * *", "0 3 * * *")]
    forbid = parity(rendered, "nightly", ("  concurrencyPolicy: Forbid\n", ""))
    assert fields(forbid) == [("CronJob shop", "spec.concurrencyPolicy", "Allow", "Forbid")]


def test_a_workload_and_service_without_counterpart_are_missing(
        rendered: dict[str, str]) -> None:
    worker = """
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop-worker}
spec:
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec:
      containers: [{name: worker, image: ghcr.io/acme/worker:2.0}]
---
apiVersion: v1
kind: Service
metadata: {name: shop-worker}
spec:
  selector: {app: worker}
  ports: [{port: 8080}]
"""
    result = parity(rendered, "dev", extra=worker)
    assert fields(result) == []  # the shop Deployment is still paired with Pligos' one
    assert sorted(m.what for m in result.missing) == ["Deployment shop-worker",
                                                      "Service shop-worker"]


def test_an_ingress_serving_another_host_is_paired_and_differs(rendered: dict[str, str]
                                                              ) -> None:
    result = parity(rendered, "dev", ("host: shop.example.com", "host: shop.example.org"))
    assert [(o, p, v) for o, p, v, _ in fields(result)] == [
        ("Ingress shop-public", 'spec.rules["shop.example.org"]',
         {"/": {"service": "shop", "port": 8080}})]
    assert 'Ingress shop-public: spec.rules["shop.example.com"]' in result.added


def test_a_gateway_route_compares_host_path_and_the_port_reached(rendered: dict[str, str]
                                                                 ) -> None:
    result = parity(rendered, "edge", ("value: /v1", "value: /v2"))
    assert fields(result) == [("HTTPRoute shop-api", 'spec.rules["api.example.com"]["/v2"]',
                               [{"service": "shop", "port": 8080}], MISSING)]


# --- what the pairing reads as the same, on objects written by hand -------------------------

def deployment(name: str, pod: str) -> str:
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
{textwrap.indent(textwrap.dedent(pod).strip(), "      ")}
"""


def test_what_runs_alike_reads_alike_however_it_is_written() -> None:
    original = deployment("api", """
        initContainers: [{name: migrate, image: "ghcr.io/acme/api:2"}]
        containers:
          - name: api
            image: nginx
            envFrom: [{configMapRef: {name: api-env}, prefix: APP_}]
            resources: {limits: {cpu: "1", memory: 1Gi}}
            ports: [{containerPort: 8080}]
          - {name: proxy, image: "envoyproxy/envoy:v1.31", args: [--log-level, info]}
    """) + """
---
{apiVersion: v1, kind: ConfigMap, metadata: {name: api-env}, data: {MODE: fast}}
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{port: 80, targetPort: 8080}]
"""
    new = deployment("api", """
        initContainers:
          - {name: migrate, image: "ghcr.io/acme/api:2"}
          - {name: proxy, image: "envoyproxy/envoy:v1.31", args: [--log-level, info],
             restartPolicy: Always}
        containers:
          - name: main
            image: docker.io/library/nginx:latest
            imagePullPolicy: Always
            env: [{name: APP_MODE, value: fast}]
            resources: {limits: {cpu: 1000m, memory: 1024Mi}}
            ports: [{name: http, containerPort: 8080, protocol: TCP}]
    """) + """
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  type: ClusterIP
  selector: {app: api}
  ports: [{name: http, port: 80, targetPort: http}]
"""
    result = compare(objects(original), objects(new))
    assert (fields(result), result.missing, result.added) == ([], [], [])
    assert result.matched > 20
    changed = compare(objects(original.replace("memory: 1Gi", "memory: 2Gi")), objects(new))
    assert fields(changed) == [
        ("Deployment api", "spec.template.spec.containers[api].resources.limits.memory",
         "2Gi", "1024Mi")]


def test_objects_of_one_side_that_share_a_host_are_compared_as_one() -> None:
    def ingress(name: str, *paths: str) -> str:
        backend = "{service: {name: api, port: {number: 80}}}"
        rules = ", ".join(f"{{path: {p}, pathType: Prefix, backend: {backend}}}" for p in paths)
        rule = f"{{host: api.example.com, http: {{paths: [{rules}]}}}}"
        return (f"---\n{{apiVersion: networking.k8s.io/v1, kind: Ingress, "
                f"metadata: {{name: {name}}}, spec: {{rules: [{rule}]}}}}\n")

    service = "---\n{apiVersion: v1, kind: Service, metadata: {name: api}, spec: {ports: " \
              "[{port: 80}]}}\n"
    original = objects(service + ingress("api-web", "/") + ingress("api-v1", "/v1"))
    new = objects(service + ingress("api", "/", "/v1"))
    assert (fields(compare(original, new)), compare(original, new).missing) == ([], [])
    fewer = compare(original, objects(service + ingress("api", "/")))
    assert fields(fewer) == [("Ingress api-web", 'spec.rules["api.example.com"]["/v1"]',
                              {"service": "api", "port": 80}, MISSING)]


def test_jobs_and_daemonsets_pair_by_kind_whatever_their_names() -> None:
    def job(name: str, limit: int) -> str:
        pod = "{restartPolicy: Never, containers: [{name: x, image: busybox:1.36}]}"
        return (f"---\n{{apiVersion: batch/v1, kind: Job, metadata: {{name: {name}}}, "
                f"spec: {{backoffLimit: {limit}, template: {{spec: {pod}}}}}}}\n")

    agent = deployment("agent", "containers: [{name: agent, image: 'acme/agent:1'}]").replace(
        "kind: Deployment", "kind: DaemonSet")
    new_agent = agent.replace("name: agent}", "name: node-agent}")
    original, new = objects(agent + job("migrate", 6)), objects(new_agent + job("db-migrate", 2))
    before = json.dumps([original, new], sort_keys=True)
    result = compare(original, new)
    assert fields(result) == [
        ("DaemonSet agent", "metadata.name", "agent", "node-agent"),
        ("Job migrate", "metadata.name", "migrate", "db-migrate"),
        ("Job migrate", "spec.backoffLimit", 6, 2)]
    assert json.dumps([original, new], sort_keys=True) == before  # the inputs are left alone
