"""A service unlike the examples, using the property kinds the examples leave out."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import kube_validate, lint_strict, make_tree, one, render, run_cli

DIGEST = "sha256:" + "ab" * 32

PLIGOS = f"""
    pligos: 1
    name: ledger
    chartVersion: 1.2.3-rc.1
    flavorPaths: [flavors]
    images:
      - {{name: pinned, repository: registry.example.com:5000/team/ledger, digest: "{DIGEST}",
         pullPolicy: Always}}
    commands:
      - name: serve
        type: script
        fileName: bin/serve.py
        interpreter: [python3, -u]
        args: [--workers, "4"]
    probes:
      - name: mixed
        startup: {{exec: {{command: [cat, /tmp/started]}}, failureThreshold: 60}}
        liveness: {{grpc: {{port: 9000}}, periodSeconds: 20, timeoutSeconds: 3}}
        readiness: {{tcpSocket: {{port: grpc}}, initialDelaySeconds: 2}}
    routes:
      - {{name: grpc, port: 9000}}
      - {{name: gossip, port: 7946, containerPort: 7947, protocol: UDP}}
      - {{name: web, port: 443, containerPort: 8443, fqdn: ledger.example.org, path: /api}}
    mounts:
      - {{name: conf, path: /etc/ledger, files: [conf], readOnly: true}}
      - {{name: shm, path: /dev/shm, emptyDir: {{medium: Memory, sizeLimit: 64Mi}}}}
      - {{name: data, path: /var/lib/ledger,
         volume: {{size: 10Gi, storageClass: fast, accessMode: ReadWriteMany}}}}
    env:
      - name: base
        variables: {{MODE: base, TEMPLATE: "{{{{ .Release.Name }}}}", ENABLED: true}}
      - name: override
        variables: {{MODE: override, EXTRA: "1"}}
    resources:
      - {{name: big, requests: {{cpu: "2", memory: 4Gi, ephemeral-storage: 1Gi}},
         limits: {{cpu: 2500m, memory: 4Gi}}}}
    contexts:
      - name: prod
        flavor: webservice
        image: pinned
        command: serve
        probe: mixed
        routes: [grpc, gossip, web]
        mounts: [conf, shm, data]
        env: [base, override]
        resources: big
        replicas: 5
        expose: {{ingressClass: nginx, annotations: {{example.com/limit: "10"}}}}
        values:
          pod: {{annotations: {{example.com/team: payments}}}}
      - name: dev
        extends: prod
        replicas: 0
        routes: [grpc]
        resources: {{requests: {{cpu: 50m}}}}
        mounts: [conf]
      - name: stateful
        extends: prod
        flavor: stateful
"""

FLAVOR_CHART = """
    apiVersion: v2
    name: stateful
    version: 0.1.0
    kubeVersion: ">=1.25.0-0"
"""

STATEFULSET = """
    apiVersion: apps/v1
    kind: StatefulSet
    metadata:
      name: {{ include "pligos.fullname" . }}
      labels:
        {{- include "pligos.labels" . | nindent 4 }}
    spec:
      serviceName: {{ include "pligos.fullname" . }}
      replicas: {{ .Values.replicas }}
      selector:
        matchLabels:
          {{- include "pligos.selectorLabels" . | nindent 6 }}
      template:
        metadata:
          labels:
            {{- include "pligos.podLabels" . | nindent 8 }}
        spec:
          containers:
            {{- include "pligos.container" . | nindent 12 }}
          {{- with include "pligos.volumes" . | trim }}
          volumes:
            {{- . | nindent 12 }}
          {{- end }}
"""


@pytest.fixture(scope="module")
def charts(tmp_path_factory) -> Path:
    root = make_tree(tmp_path_factory.mktemp("ledger"), {
        "pligos.yaml": PLIGOS,
        "bin/serve.py": "import sys\nprint('serving', sys.argv)\n",
        "conf/ledger.toml": "[db]\nurl = \"postgres://db/ledger\"\n",
        "conf/ca.der": bytes(range(256)),
        "conf/bom.txt": "\ufeffstarts with a byte order mark\n".encode(),
        "conf/odd.txt": "del \x7f and a line separator \u2028\n".encode(),
        "flavors/stateful/flavor.yaml": "description: A StatefulSet\n"
                                        "accepts: [image, command, probe, routes, mounts, env,"
                                        " resources, replicas, expose, values]\n"
                                        "requires: [image]\n",
        "flavors/stateful/Chart.yaml": FLAVOR_CHART,
        "flavors/stateful/templates/statefulset.yaml": STATEFULSET,
        "flavors/stateful/templates/configmaps.yaml": '{{- include "pligos.configmaps" . }}\n',
        "flavors/stateful/templates/scripts.yaml": '{{- include "pligos.scripts" . }}\n',
        "flavors/stateful/templates/pvcs.yaml": '{{- include "pligos.pvcs" . }}\n',
    })
    result = run_cli("generate", str(root))
    assert result.code == 0, result.err
    return root / "charts"


@pytest.mark.parametrize("context", ["prod", "dev", "stateful"])
def test_charts_lint_render_and_validate(charts, helm_bin, tmp_path, context):
    chart = charts / context / "ledger"
    lint_strict(helm_bin, chart)
    kube_validate(render(helm_bin, chart), tmp_path)


def _container(manifests: list[dict], kind: str = "Deployment") -> dict:
    return one(manifests, kind)["spec"]["template"]["spec"]["containers"][0]


def test_prod_manifests(charts, helm_bin):
    manifests = render(helm_bin, charts / "prod" / "ledger")
    deploy = one(manifests, "Deployment")
    assert deploy["spec"]["replicas"] == 5
    pod = deploy["spec"]["template"]
    assert pod["metadata"]["annotations"]["example.com/team"] == "payments"
    c = pod["spec"]["containers"][0]
    assert c["image"] == f"registry.example.com:5000/team/ledger@{DIGEST}"
    assert c["imagePullPolicy"] == "Always"
    assert c["command"] == ["python3", "-u", "/pligos/scripts/serve.py"]
    assert c["args"] == ["--workers", "4"]
    assert c["startupProbe"] == {"exec": {"command": ["cat", "/tmp/started"]},
                                 "failureThreshold": 60}
    assert c["livenessProbe"] == {"grpc": {"port": 9000}, "periodSeconds": 20,
                                  "timeoutSeconds": 3}
    assert c["readinessProbe"]["tcpSocket"] == {"port": "grpc"}
    ports = {p["name"]: (p["containerPort"], p["protocol"]) for p in c["ports"]}
    assert ports == {"grpc": (9000, "TCP"), "gossip": (7947, "UDP"), "web": (8443, "TCP")}
    # a later env entry overrides an earlier one's variable; they render sorted by name
    env = [(e["name"], e["value"]) for e in c["env"]]
    assert env == [("ENABLED", "true"), ("EXTRA", "1"), ("MODE", "override"),
                   ("TEMPLATE", "{{ .Release.Name }}")]
    assert c["resources"]["requests"]["ephemeral-storage"] == "1Gi"
    assert c["resources"]["limits"]["cpu"] == "2500m"
    conf = next(m for m in c["volumeMounts"] if m["mountPath"] == "/etc/ledger")
    assert conf["readOnly"] is True

    service = one(manifests, "Service")
    assert {(p["port"], p["protocol"]) for p in service["spec"]["ports"]} == {
        (9000, "TCP"), (7946, "UDP"), (443, "TCP")}
    ingress = one(manifests, "Ingress")
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["metadata"]["annotations"] == {"example.com/limit": "10"}
    path = ingress["spec"]["rules"][0]["http"]["paths"][0]
    assert ingress["spec"]["rules"][0]["host"] == "ledger.example.org"
    assert path["path"] == "/api" and path["backend"]["service"]["port"] == {"name": "web"}

    pvc = one(manifests, "PersistentVolumeClaim")
    assert pvc["spec"]["storageClassName"] == "fast"
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]  # five pods share the claim
    assert pvc["spec"]["resources"]["requests"]["storage"] == "10Gi"
    volumes = {v["name"]: v for v in deploy["spec"]["template"]["spec"]["volumes"]}
    shm = next(v for v in volumes.values() if "emptyDir" in v)
    assert shm["emptyDir"] == {"medium": "Memory", "sizeLimit": "64Mi"}

    configmaps = {m["metadata"]["name"]: m for m in manifests if m["kind"] == "ConfigMap"}
    conf_map = next(m for m in configmaps.values() if "ledger.toml" in m.get("data", {}))
    assert conf_map["data"]["ledger.toml"] == '[db]\nurl = "postgres://db/ledger"\n'
    import base64
    assert base64.b64decode(conf_map["binaryData"]["ca.der"]) == bytes(range(256))
    # text a ConfigMap's data cannot carry exactly ships as binaryData, bytes intact
    assert base64.b64decode(conf_map["binaryData"]["bom.txt"]) == (
        "\ufeffstarts with a byte order mark\n".encode())
    assert base64.b64decode(conf_map["binaryData"]["odd.txt"]) == (
        "del \x7f and a line separator \u2028\n".encode())


def test_dev_overrides_what_it_sets_and_keeps_the_rest(charts, helm_bin):
    manifests = render(helm_bin, charts / "dev" / "ledger")
    deploy = one(manifests, "Deployment")
    assert deploy["spec"]["replicas"] == 0
    c = deploy["spec"]["template"]["spec"]["containers"][0]
    assert [p["name"] for p in c["ports"]] == ["grpc"]
    # its own cpu request; the defaults fill in what neither it nor its entry sets
    assert c["resources"] == {"requests": {"cpu": "50m", "memory": "128Mi"},
                              "limits": {"cpu": "1", "memory": "512Mi"}}
    # its mounts, the writable /tmp of a read-only root file system, then the script's
    assert [m["mountPath"] for m in c["volumeMounts"]] == ["/etc/ledger", "/tmp",
                                                          "/pligos/scripts"]
    assert not [m for m in manifests if m["kind"] in ("Ingress", "PersistentVolumeClaim")]
    assert c["image"].endswith(DIGEST)


def test_custom_flavor_from_flavor_paths(charts, helm_bin):
    manifests = render(helm_bin, charts / "stateful" / "ledger")
    c = _container(manifests, "StatefulSet")
    assert c["command"] == ["python3", "-u", "/pligos/scripts/serve.py"]
    assert one(manifests, "StatefulSet")["spec"]["replicas"] == 5
    assert one(manifests, "PersistentVolumeClaim")["spec"]["storageClassName"] == "fast"
    chart_yaml = (charts / "stateful" / "ledger" / "Chart.yaml").read_text()
    assert "kubeVersion: '>=1.25.0-0'" in chart_yaml and "version: \"1.2.3-rc.1\"" in chart_yaml
