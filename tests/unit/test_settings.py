"""Context settings (security, exposure, scaling, rollout, ...), sidecars and init containers:
read with located errors, merged along extends and over a flavor's defaults, checked by their
rules, and compiled into the values contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from pligos_tui.charts.contract import compile_context
from pligos_tui.errors import ConfigError, Problem
from pligos_tui.spec.load import load_service_text

HEAD = """\
pligos: 1
name: shop
images:
  - name: app
    repository: registry.example.com/shop
    tag: "1.0.0"
  - name: shipper
    repository: registry.example.com/shipper
    tag: "2.0"
    runAsUser: 20000
routes:
  - name: http
    port: 80
    containerPort: 8080
    fqdn: shop.example.com
  - name: grpc
    port: 9090
    appProtocol: grpc
probes:
  - name: grpc
    readiness: {grpc: {port: grpc}}
mounts:
  - name: cache
    path: /var/cache/shop
    volume: {size: 1Gi}
  - name: logs
    path: /var/log/shop
    emptyDir: {}
resources:
  - name: small
    requests: {cpu: 50m}
containers:
  - name: log-shipper
    image: shipper
    mounts: [logs]
    resources: small
contexts:
"""


def load(text: str, root: Path):
    return load_service_text(HEAD + text, root, "pligos.yaml")


def problems_of(text: str, root: Path) -> list[Problem]:
    with pytest.raises(ConfigError) as raised:
        load(text, root)
    return raised.value.problems


def only(problems: list[Problem], rule: str) -> Problem:
    found = [p for p in problems if p.rule == rule]
    assert len(found) == 1, "\n".join(p.format() for p in problems)
    return found[0]


def line_of(text: str, needle: str) -> int:
    full = HEAD + text
    return full[:full.index(needle)].count("\n") + 1


def test_a_setting_of_the_wrong_kind_is_located_at_its_key(tmp_path: Path) -> None:
    text = """\
  - name: prod
    flavor: webservice
    image: app
    autoscaling:
      maxReplicas: ten
"""
    p = only(problems_of(text, tmp_path), "E-TYPE")
    assert p.line == line_of(text, "maxReplicas: ten")
    assert "maxReplicas must be a whole number" in p.message


def test_an_unknown_setting_key_gets_the_closest_one(tmp_path: Path) -> None:
    text = """\
  - name: prod
    flavor: webservice
    image: app
    security: {runAsUsr: 12000}
"""
    p = only(problems_of(text, tmp_path), "E-KEY-UNKNOWN")
    assert "runAsUsr" in p.message and "runAsUser" in p.hint
    assert p.line == line_of(text, "security:")


def test_a_choice_names_the_choices(tmp_path: Path) -> None:
    text = """\
  - name: prod
    flavor: webservice
    image: app
    expose: {via: gatway}
"""
    p = only(problems_of(text, tmp_path), "E-TYPE")
    assert "via must be one of ingress, gateway, none" in p.message


def test_turning_off_a_secure_default_needs_a_reason_reported_once(tmp_path: Path) -> None:
    text = """\
  - name: prod
    flavor: webservice
    image: app
    security: {readOnlyRootFilesystem: false}
  - name: staging
    extends: prod
"""
    p = only(problems_of(text, tmp_path), "E-SECURITY-REASON")
    assert "contexts 'prod' and 'staging'" in p.message
    assert p.line == line_of(text, "security:")
    fixed = text.replace("{readOnlyRootFilesystem: false}",
                         '{readOnlyRootFilesystem: false, reason: "writes /var/run"}')
    svc = load(fixed, tmp_path)
    values = compile_context(svc, "staging", fetch_secrets=False).values
    assert values["security"]["readOnlyRootFilesystem"] is False
    assert "reason" not in values["security"]
    assert all(m["path"] != "/tmp" for m in values["mounts"])  # no writable /tmp needed


def test_gateway_exposure_needs_a_gateway(tmp_path: Path) -> None:
    text = """\
  - name: prod
    flavor: webservice
    image: app
    routes: [http]
    expose: {via: gateway}
"""
    p = only(problems_of(text, tmp_path), "E-GATEWAY-NAME")
    assert "no Gateway named" in p.message and "gateway: {name:" in p.hint


def test_autoscaling_below_its_minimum(tmp_path: Path) -> None:
    text = """\
  - name: prod
    flavor: webservice
    image: app
    replicas: 3
    autoscaling: {maxReplicas: 2}
"""
    p = only(problems_of(text, tmp_path), "E-AUTOSCALING-RANGE")
    assert p.line == line_of(text, "autoscaling:")


@pytest.mark.parametrize("change, ok", [
    ("replicas: 3", False),
    ("autoscaling: {maxReplicas: 4}", False),
    ("replicas: 1", True),
    ("replicas: 3\n    flavor: statefulset", True),
])
def test_a_readwriteonce_volume_on_many_deployment_pods(tmp_path: Path, change: str,
                                                        ok: bool) -> None:
    text = f"""\
  - name: prod
    flavor: webservice
    image: app
    mounts: [cache]
    {change}
"""
    if "statefulset" in change:
        text = text.replace("    flavor: webservice\n", "")
    if ok:
        load(text, tmp_path)
        return
    p = only(problems_of(text, tmp_path), "E-VOLUME-SHARED")
    assert "volume 'cache' is ReadWriteOnce" in p.message
    assert "statefulset" in p.hint and "ReadWriteMany" in p.hint
    many = (HEAD + text).replace("volume: {size: 1Gi}",
                                 "volume: {size: 1Gi, accessMode: ReadWriteMany}")
    load_service_text(many, tmp_path, "pligos.yaml")


def test_a_container_naming_an_unknown_image(tmp_path: Path) -> None:
    text = """\
  - name: prod
    flavor: webservice
    image: app
"""
    broken = (HEAD + text).replace("    image: shipper\n", "    image: shiper\n")
    with pytest.raises(ConfigError) as raised:
        load_service_text(broken, tmp_path, "pligos.yaml")
    p = only(raised.value.problems, "E-REF-UNKNOWN")
    assert "container 'log-shipper' names image 'shiper'" in p.message
    assert "shipper" in p.hint


def test_a_sidecar_named_like_the_service(tmp_path: Path) -> None:
    text = """\
  - name: prod
    flavor: webservice
    image: app
    sidecars: [{name: shop, image: shipper}]
"""
    p = only(problems_of(text, tmp_path), "E-CONTEXT-TWICE")
    assert "two containers named 'shop'" in p.message


def test_settings_merge_along_extends_and_null_goes_back(tmp_path: Path) -> None:
    text = """\
  - name: prod
    flavor: webservice
    image: app
    replicas: 3
    autoscaling: {maxReplicas: 10, cpu: 70}
    scheduling: {nodeSelector: {pool: web}}
  - name: staging
    extends: prod
    autoscaling: {maxReplicas: 4}
    scheduling: null
"""
    svc = load(text, tmp_path)
    prod = compile_context(svc, "prod", fetch_secrets=False).values
    staging = compile_context(svc, "staging", fetch_secrets=False).values
    assert prod["autoscaling"] == {"enabled": True, "minReplicas": 3, "maxReplicas": 10,
                                   "cpu": 70, "memory": 0}
    assert staging["autoscaling"]["maxReplicas"] == 4 and staging["autoscaling"]["cpu"] == 70
    assert prod["scheduling"]["nodeSelector"] == {"pool": "web"}
    assert staging["scheduling"]["nodeSelector"] == {}
    assert prod["disruption"]["enabled"] and prod["scheduling"]["spread"]


def test_what_a_context_compiles_to(tmp_path: Path) -> None:
    text = """\
  - name: prod
    flavor: webservice
    image: app
    probe: grpc
    routes: [http, grpc]
    sidecars: [log-shipper]
"""
    values = compile_context(load(text, tmp_path), "prod", fetch_secrets=False).values
    # a grpc probe's named port becomes the number; liveness is a TCP check of the first route
    assert values["probes"]["readiness"] == {"grpc": {"port": 9090}}
    assert values["probes"]["liveness"] == {"tcpSocket": {"port": "http"}}
    assert [r["appProtocol"] for r in values["routes"]] == ["", "grpc"]
    # the defaults fill what the entry leaves out
    assert values["resources"] == {"requests": {"cpu": "100m", "memory": "128Mi"},
                                   "limits": {"cpu": "1", "memory": "512Mi"}}
    sidecar = values["containers"]["sidecars"][0]
    assert sidecar["resources"]["requests"] == {"cpu": "50m", "memory": "128Mi"}
    assert sidecar["mounts"] == [{"name": "logs", "path": "/var/log/shop", "readOnly": False},
                                 {"name": "pligos-tmp", "path": "/tmp", "readOnly": False}]
    by_name = {m["name"]: m for m in values["mounts"]}
    assert by_name["logs"]["main"] is False and by_name["pligos-tmp"]["main"] is True
    assert values["security"]["runAsUser"] == 10001
    assert values["serviceAccount"] == {"create": True, "name": "", "automountToken": False,
                                        "annotations": {}}
    assert values["disruption"]["enabled"] is False  # one replica: a budget would block drains


def test_an_image_with_its_own_user(tmp_path: Path) -> None:
    text = """\
  - name: prod
    flavor: webservice
    image: shipper
  - name: dev
    extends: prod
    security: {runAsUser: 30000}
"""
    svc = load(text, tmp_path)
    assert compile_context(svc, "prod", fetch_secrets=False).values["security"]["runAsUser"] \
        == 20000
    assert compile_context(svc, "dev", fetch_secrets=False).values["security"]["runAsUser"] \
        == 30000


def test_a_flavor_on_a_builtin_base_with_fleet_defaults(tmp_path: Path) -> None:
    flavor = tmp_path / "flavors" / "webservice"
    flavor.mkdir(parents=True)
    (flavor / "flavor.yaml").write_text(
        "base: webservice\n"
        "defaults:\n"
        "  expose: {via: gateway, gateway: {name: public, namespace: gateways}}\n"
        "  resources: {limits: {cpu: 500m}}\n")
    text = """\
  - name: prod
    flavor: webservice
    image: app
    routes: [http]
"""
    svc = load_service_text(HEAD.replace("pligos: 1\n", "pligos: 1\nflavorPaths: [flavors]\n")
                            + text, tmp_path, "pligos.yaml")
    values = compile_context(svc, "prod", fetch_secrets=False).values
    assert values["expose"]["via"] == "gateway"
    assert values["expose"]["gateway"] == {"name": "public", "namespace": "gateways",
                                           "sectionName": ""}
    assert values["resources"]["limits"] == {"cpu": "500m", "memory": "512Mi"}
    assert "schedule" not in values and "cronjob" not in values  # only the flavor's keys


def test_a_flavor_defaults_of_the_wrong_kind_are_located_in_flavor_yaml(tmp_path: Path) -> None:
    flavor = tmp_path / "flavors" / "web"
    flavor.mkdir(parents=True)
    (flavor / "flavor.yaml").write_text("base: webservice\ndefaults:\n  expose: {via: mesh}\n"
                                        "templates: {templates/x.yaml: hpa}\n")
    text = """\
  - name: prod
    flavor: web
    image: app
"""
    with pytest.raises(ConfigError) as raised:
        load_service_text(HEAD.replace("pligos: 1\n", "pligos: 1\nflavorPaths: [flavors]\n")
                          + text, tmp_path, "pligos.yaml")
    found = {p.rule: p for p in raised.value.problems}
    assert found["E-TYPE"].file.endswith("flavor.yaml") and found["E-TYPE"].line == 3
    assert "unknown condition 'hpa'" in found["E-FLAVOR-TEMPLATE"].message


def test_a_key_written_null_goes_back_to_the_flavors_default(tmp_path: Path) -> None:
    flavor = tmp_path / "flavors" / "web"
    flavor.mkdir(parents=True)
    (flavor / "flavor.yaml").write_text("base: webservice\n"
                                        "defaults: {rollout: {revisionHistoryLimit: 10}}\n")
    text = """\
  - name: prod
    flavor: web
    image: app
    rollout: {revisionHistoryLimit: 1, preStop: {command: [/bin/drain]}}
  - name: staging
    extends: prod
    rollout: {revisionHistoryLimit: null, preStop: {sleep: 5}}
"""
    svc = load_service_text(HEAD.replace("pligos: 1\n", "pligos: 1\nflavorPaths: [flavors]\n")
                            + text, tmp_path, "pligos.yaml")
    prod = compile_context(svc, "prod", fetch_secrets=False).values["rollout"]
    staging = compile_context(svc, "staging", fetch_secrets=False).values["rollout"]
    assert prod["revisionHistoryLimit"] == 1 and staging["revisionHistoryLimit"] == 10
    assert prod["preStop"] == {"command": ["/bin/drain"]}
    assert staging["preStop"] == {"sleep": 5}  # (a hook is replaced whole, never merged)


def test_a_strategy_the_workload_does_not_have(tmp_path: Path) -> None:
    text = """\
  - name: prod
    flavor: statefulset
    image: app
    rollout: {strategy: Recreate}
"""
    p = only(problems_of(text, tmp_path), "E-ROLLOUT-STRATEGY")
    assert "a StatefulSet has no rollout strategy Recreate" in p.message
    assert "OnDelete" in p.hint


def test_what_a_sidecar_or_init_container_cannot_run(tmp_path: Path) -> None:
    text = """\
  - name: prod
    flavor: webservice
    image: app
    initContainers: [{name: warm, image: shipper, probe: grpc}]
"""
    p = only(problems_of(text, tmp_path), "E-CONTAINER-RUNS")
    assert "init container 'warm' has a probe" in p.message


def test_a_sidecar_image_running_as_root_needs_a_reason(tmp_path: Path) -> None:
    text = """\
  - name: prod
    flavor: webservice
    image: app
    sidecars: [log-shipper]
"""
    root = (HEAD + text).replace("    runAsUser: 20000\n", "    runAsUser: 0\n")
    with pytest.raises(ConfigError) as raised:
        load_service_text(root, tmp_path, "pligos.yaml")
    p = only(raised.value.problems, "E-SECURITY-REASON")
    assert "container 'log-shipper' runs image 'shipper' as root" in p.message
    fixed = root.replace("    sidecars: [log-shipper]\n",
                         '    sidecars: [log-shipper]\n    security: {reason: "the shipper '
                         'reads the node\'s logs"}\n')
    load_service_text(fixed, tmp_path, "pligos.yaml")


def test_a_broken_flavor_yaml_is_reported_once_for_all_its_contexts(tmp_path: Path) -> None:
    flavor = tmp_path / "flavors" / "web"
    flavor.mkdir(parents=True)
    (flavor / "flavor.yaml").write_text("base: webservce\n")  # (no Chart.yaml: it has a base)
    text = """\
  - name: prod
    flavor: web
    image: app
  - name: staging
    extends: prod
"""
    with pytest.raises(ConfigError) as raised:
        load_service_text(HEAD.replace("pligos: 1\n", "pligos: 1\nflavorPaths: [flavors]\n")
                          + text, tmp_path, "pligos.yaml")
    p = only(raised.value.problems, "E-FLAVOR-BASE")
    assert p.file.endswith("flavor.yaml") and p.line == 1
    assert "webservice" in p.hint
    assert not [x for x in raised.value.problems if x.rule == "E-FLAVOR-CHART"]


def test_tls_that_cert_manager_writes_needs_no_provider(tmp_path: Path) -> None:
    text = """\
  - name: prod
    flavor: webservice
    image: app
    routes: [http]
    expose: {certManager: {issuer: letsencrypt}}
  - name: staging
    extends: prod
"""
    tls = (HEAD + text).replace("    fqdn: shop.example.com\n",
                                "    fqdn: shop.example.com\n    tls: shop-tls\n")
    svc = load_service_text(tls, tmp_path, "pligos.yaml")  # (no secrets: block)
    values = compile_context(svc, "staging", fetch_secrets=False).values
    assert values["secrets"] == {}  # cert-manager writes the Secret, no provider holds it
    # without cert-manager the same route needs a provider
    plain = tls.replace("    expose: {certManager: {issuer: letsencrypt}}\n", "")
    p = only(_problems(plain, tmp_path), "E-SECRET-NO-PROVIDER")
    assert "shop-tls" in p.message


def _problems(full: str, root: Path) -> list[Problem]:
    with pytest.raises(ConfigError) as raised:
        load_service_text(full, root, "pligos.yaml")
    return raised.value.problems
