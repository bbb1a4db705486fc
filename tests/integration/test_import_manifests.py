"""`pligos import manifests`: what `kubectl get -o yaml` printed, or a rendered stream, turned
into pligos.yaml whose charts run the same containers; bad input exits 2 writing nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.support import make_tree, run_cli

SECRET_BYTES = "c3VwZXItc2VjcmV0LXRva2Vu"  # base64 of the token below
TOKEN = "super-secret-token"


def live(tag: str, replicas: int, level: str) -> str:
    """A namespace's objects as `kubectl get deploy,svc,cm,secret,rs,pod -o yaml` prints them:
    a List, with status, managed fields, and what controllers made (ReplicaSet, Pod)."""
    return f"""\
apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: quotes
    namespace: shop
    uid: 0b5e
    resourceVersion: "4711"
    generation: 3
    creationTimestamp: "2026-01-01T00:00:00Z"
    annotations:
      deployment.kubernetes.io/revision: "3"
      kubectl.kubernetes.io/last-applied-configuration: '{{"kind":"Deployment"}}'
    managedFields: [{{manager: kubectl, operation: Apply}}]
  spec:
    replicas: {replicas}
    selector: {{matchLabels: {{app: quotes}}}}
    template:
      metadata:
        labels: {{app: quotes}}
        annotations: {{prometheus.io/scrape: "true"}}
      spec:
        containers:
        - name: quotes
          image: registry.example.com/shop/quotes:{tag}
          args: [--listen=:9000]
          ports: [{{name: api, containerPort: 9000}}]
          env:
          - {{name: LOG_LEVEL, value: {level}}}
          - name: REGION
            valueFrom: {{configMapKeyRef: {{name: quotes-settings, key: region}}}}
          readinessProbe:
            httpGet: {{path: /healthz, port: api}}
            periodSeconds: 5
          livenessProbe:
            httpGet: {{path: /healthz, port: api}}
          resources:
            requests: {{cpu: 250m, memory: 256Mi}}
            limits: {{cpu: "1", memory: 512Mi}}
          volumeMounts:
          - {{name: token, mountPath: /var/run/quotes, readOnly: true}}
        volumes:
        - name: token
          secret: {{secretName: quotes-token}}
  status: {{availableReplicas: {replicas}, readyReplicas: {replicas}}}
- apiVersion: v1
  kind: Service
  metadata: {{name: quotes, namespace: shop, uid: 77a1}}
  spec:
    clusterIP: 10.96.12.7
    selector: {{app: quotes}}
    ports: [{{name: http, port: 80, targetPort: api, protocol: TCP}}]
- apiVersion: v1
  kind: ConfigMap
  metadata: {{name: quotes-settings, namespace: shop}}
  data: {{region: eu-central}}
- apiVersion: v1
  kind: ConfigMap
  metadata: {{name: kube-root-ca.crt, namespace: shop}}
  data: {{ca.crt: "-----BEGIN CERTIFICATE-----"}}
- apiVersion: v1
  kind: Secret
  metadata: {{name: quotes-token, namespace: shop}}
  type: Opaque
  data: {{token: {SECRET_BYTES}}}
- apiVersion: apps/v1
  kind: ReplicaSet
  metadata:
    name: quotes-5d4f
    namespace: shop
    ownerReferences: [{{apiVersion: apps/v1, kind: Deployment, name: quotes, uid: 0b5e}}]
  spec: {{selector: {{matchLabels: {{app: quotes}}}}}}
- apiVersion: v1
  kind: Pod
  metadata:
    name: quotes-5d4f-abcde
    namespace: shop
    ownerReferences: [{{apiVersion: apps/v1, kind: ReplicaSet, name: quotes-5d4f, uid: 1}}]
  spec:
    containers: [{{name: quotes, image: registry.example.com/shop/quotes:{tag}}}]
"""


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object, str]:
    root = make_tree(tmp_path_factory.mktemp("manifests"), {
        "dev/live.yaml": live("2.3.0", 1, "debug"),
        "prod/all.yaml": live("2.2.9", 3, "info"),
    })
    out = root / "quotes"
    result = run_cli("import", "manifests", "--context", f"dev={root / 'dev'}",
                     "--context", f"prod={root / 'prod' / 'all.yaml'}", "--out", str(out),
                     "--json")
    return out, result, result.out


def test_live_objects_become_one_service_whose_charts_match(imported) -> None:
    out, result, stdout = imported
    assert result.code == 0, stdout + result.err
    report = json.loads(stdout)
    assert report["format"] == "pligos.import/1"
    assert report["material"] is False
    (svc,) = report["services"]
    assert svc["name"] == "quotes" and svc["workload"] == "Deployment quotes"
    assert set(svc["contexts"]) == {"dev", "prod"}
    doc = yaml.safe_load((out / "pligos.yaml").read_text())
    dev, prod = doc["contexts"]
    assert dev["namespace"] == "shop" and dev["flavor"] == "webservice"
    assert prod["extends"] == "dev" and prod["replicas"] == 3
    images = {i["name"]: i for i in doc["images"]}
    assert images[dev["image"]]["tag"] == "2.3.0"
    assert images[prod["image"]]["tag"] == "2.2.9"
    assert doc["routes"] == [{"name": "api", "port": 80, "containerPort": 9000}]
    # the value read from a ConfigMap of the namespace is written out
    env = {k: v for e in doc["env"] for k, v in e["variables"].items()}
    assert env["REGION"] == "eu-central"
    # what the cluster made (ReplicaSet, Pod, the root CA) is not imported, nor listed
    assert "ReplicaSet" not in stdout and "kube-root-ca" not in stdout


def test_the_secret_is_a_reference_and_its_bytes_are_nowhere(imported) -> None:
    out, _, stdout = imported
    doc = yaml.safe_load((out / "pligos.yaml").read_text())
    assert doc["secrets"] == {"delivery": "existing"}
    assert {"name": "token", "path": "/var/run/quotes", "secret": "quotes-token",
            "readOnly": True} in doc["mounts"]
    for path in out.rglob("*"):
        if path.is_file():
            text = path.read_text()
            assert SECRET_BYTES not in text and TOKEN not in text, path
    assert SECRET_BYTES not in stdout
    # the Secret the namespace holds is named, with what to do before the first upgrade
    (svc,) = json.loads(stdout)["services"]
    (secret,) = [x for x in svc["leftovers"] if x["what"] == "Secret quotes-token"]
    assert secret["material"] is False
    assert "helm.sh/resource-policy=keep" in secret["kept"]
    assert "token" in secret["kept"]  # its keys, never its data


def test_the_imported_service_generates_and_renders(imported) -> None:
    out, _, _ = imported
    assert run_cli("generate", str(out)).code == 0
    rendered = run_cli("render", str(out), "--context", "prod")
    assert rendered.code == 0, rendered.err
    objects = [d for d in yaml.safe_load_all(rendered.out) if d]
    (deploy,) = [o for o in objects if o["kind"] == "Deployment"]
    assert deploy["metadata"]["name"] == "quotes"
    assert deploy["metadata"]["namespace"] == "shop"
    (container,) = deploy["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "registry.example.com/shop/quotes:2.2.9"
    assert container["args"] == ["--listen=:9000"]
    assert deploy["spec"]["template"]["metadata"]["annotations"]["prometheus.io/scrape"] == \
        "true"


def test_one_context_from_paths(tmp_path: Path) -> None:
    root = make_tree(tmp_path, {"live.yaml": live("2.3.0", 2, "info")})
    result = run_cli("import", "manifests", str(root / "live.yaml"), "--context", "prod",
                     "--out", str(tmp_path / "out"))
    assert result.code == 0, result.out + result.err
    doc = yaml.safe_load((tmp_path / "out" / "pligos.yaml").read_text())
    assert [c["name"] for c in doc["contexts"]] == ["prod"]
    assert "prod: matches" in result.out


@pytest.mark.parametrize("case", ["not-yaml", "not-objects", "missing", "no-workload",
                                  "bad-context"])
def test_bad_input_exits_2_and_writes_nothing(case: str, tmp_path: Path) -> None:
    files = {
        "not-yaml": ("m.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: a\n"),
        "not-objects": ("m.yaml", "- just\n- a list\n"),
        "missing": ("other.yaml", "x: 1\n"),
        "no-workload": ("m.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"),
        "bad-context": ("m.yaml", live("1.0.0", 1, "info")),
    }
    name, text = files[case]
    make_tree(tmp_path, {name: text})
    target = tmp_path / ("m.yaml" if case != "missing" else "nope.yaml")
    context = ["--context", "Prod_X"] if case == "bad-context" else []
    result = run_cli("import", "manifests", str(target), *context, "--out",
                     str(tmp_path / "out"))
    assert result.code == 2, result.out + result.err
    assert "Traceback" not in result.err
    assert not (tmp_path / "out").exists()
    expected = {"not-yaml": "invalid YAML", "not-objects": "not a Kubernetes object",
                "missing": "does not exist", "no-workload": "holds no workload",
                "bad-context": "is not a context name"}[case]
    assert expected in result.err, result.err
