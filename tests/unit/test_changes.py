"""The object-aware diff of rendered manifests: objects by identity, fields by path, and the
groups a fleet's changes fold into."""

from __future__ import annotations

import json
import re
import textwrap

import pytest

from pligos_tui.charts.changes import (
    INSTALL_ORDER,
    MISSING,
    ChartChanges,
    FieldChange,
    Item,
    ObjectChange,
    ObjectKey,
    diff_objects,
    diff_streams,
    fleet_groups,
    parse_objects,
)
from pligos_tui.errors import ManifestError, PligosError

LABELS = """\
app.kubernetes.io/name: "checkout"
app.kubernetes.io/instance: "checkout"
app.kubernetes.io/managed-by: "Helm"
helm.sh/chart: "checkout-{chart}"
"""


def doc(source: str, body: str, *, chart: str = "0.3.0", **blocks: str) -> str:
    """One document as `helm template` prints it: the separator, the template it comes
    from, then the object. A line `<<name>>` in `body` is replaced by the block `name`,
    indented as that line is; `<<labels>>` is the chart's usual metadata.labels."""
    blocks["labels"] = LABELS.format(chart=chart)

    def fill(m: re.Match[str]) -> str:
        return textwrap.indent(textwrap.dedent(blocks[m.group(2)]).strip("\n"), m.group(1))

    text = re.sub(r"(?m)^( *)<<(\w+)>>$", fill, textwrap.dedent(body).strip("\n"))
    return f"---\n# Source: checkout/templates/{source}\n{text}\n"


def service(namespace: str = "shop", port: int = 80) -> str:
    return doc("service.yaml", f"""
        apiVersion: v1
        kind: Service
        metadata:
          name: "checkout"
          namespace: "{namespace}"
          labels:
            <<labels>>
        spec:
          type: ClusterIP
          ports:
            - name: "http"
              port: {port}
              targetPort: "http"
              protocol: TCP
        """)


def configmap(namespace: str = "shop", ttl: int = 3600) -> str:
    return doc("configmaps.yaml", f"""
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: "checkout-config"
          namespace: "{namespace}"
          labels:
            <<labels>>
        data:
          app.yaml: |
            listen: ":8080"
            ttl: {ttl}
        """)


ZONES = ["topology.kubernetes.io/zone", "kubernetes.io/hostname"]


def deployment(*, namespace: str = "shop", containers: str = "", log_level: str = "info",
               args: str = '["--listen", ":8080"]', checksum: str = "1a5fffb4",
               chart: str = "0.3.0", spread: int = 1, read_only: bool | None = None) -> str:
    """A Deployment as the webservice flavor renders it; `containers` replaces its one
    container `app` (a block of list items)."""
    read_only_line = "" if read_only is None else \
        f"\n    readOnlyRootFilesystem: {str(read_only).lower()}"
    app = f"""
        - name: "app"
          image: "registry.example.com/checkout:1.4.2"
          args: {args}
          env:
            - name: "LOG_FORMAT"
              value: "json"
            - name: "LOG_LEVEL"
              value: "{log_level}"
          securityContext:
            allowPrivilegeEscalation: false"""
    app = textwrap.dedent(app) + read_only_line
    zones = "".join(f"""
- maxSkew: 1
  topologyKey: {key}
  whenUnsatisfiable: ScheduleAnyway""" for key in ZONES[:spread])
    return doc("deployment.yaml", f"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: "checkout"
          namespace: "{namespace}"
          labels:
            <<labels>>
        spec:
          replicas: 2
          template:
            metadata:
              annotations:
                checksum/config: {checksum}
            spec:
              topologySpreadConstraints:
                <<zones>>
              containers:
                <<containers>>
        """, chart=chart, zones=zones, containers=containers or app)


def ingress(namespace: str = "shop") -> str:
    return doc("ingress.yaml", f"""
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: "checkout"
          namespace: "{namespace}"
          labels:
            <<labels>>
        spec:
          ingressClassName: nginx
          rules:
            - host: "checkout.example.com"
              http:
                paths:
                  - path: /
                    pathType: Prefix
                    backend:
                      service:
                        name: "checkout"
                        port:
                          name: "http"
        """)


def http_route(namespace: str = "shop") -> str:
    return doc("httproute.yaml", f"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: "checkout"
          namespace: "{namespace}"
          labels:
            <<labels>>
        spec:
          parentRefs:
            - name: "public"
              namespace: "gateways"
          hostnames:
            - "checkout.example.com"
          rules:
            - backendRefs:
                - name: "checkout"
                  port: 80
        """)


def pvc(name: str = "checkout-config") -> str:
    return doc("pvcs.yaml", f"""
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata:
          name: "{name}"
          namespace: "shop"
          labels:
            <<labels>>
        spec:
          accessModes:
            - ReadWriteOnce
          resources:
            requests:
              storage: "1Gi"
        """)


def secret() -> str:
    return doc("secrets.yaml", """
        apiVersion: v1
        kind: Secret
        metadata:
          name: "checkout-env"
          namespace: "shop"
          labels:
            <<labels>>
        type: Opaque
        stringData:
          DATABASE_PASSWORD: "<redacted>"
        """)


def changes_of(old: str, new: str, **kw: bool) -> list[ObjectChange]:
    return diff_objects(parse_objects(old), parse_objects(new), **kw)


def shown(changes: list[ObjectChange]) -> list[str]:
    """What a user reads of each change: the object, then each field with its verb."""
    out = []
    for c in changes:
        out.append(f"{c.key.label()} {c.change}")
        out += [f"  {f.shown} {f.verb}" for f in c.fields]
    return out


# --- reading streams ----------------------------------------------------------------------

def test_parse_objects_keys_a_helm_stream_by_identity():
    stream = (service() + "---\n# Source: checkout/templates/empty.yaml\n" + configmap()
              + "---\n# Source: checkout/templates/notes.yaml\nnote: no kind here\n"
              + doc("clusterrole.yaml", """
                  apiVersion: rbac.authorization.k8s.io/v1
                  kind: ClusterRole
                  metadata:
                    name: checkout-reader
                  rules: []
                  """))
    objects = parse_objects(stream)
    assert list(objects) == [
        ObjectKey("v1", "Service", "shop", "checkout"),
        ObjectKey("v1", "ConfigMap", "shop", "checkout-config"),
        ObjectKey("rbac.authorization.k8s.io/v1", "ClusterRole", "", "checkout-reader"),
    ]
    assert [k.label() for k in objects] == [
        "Service shop/checkout", "ConfigMap shop/checkout-config", "ClusterRole checkout-reader"]
    assert objects[ObjectKey("v1", "Service", "shop", "checkout")]["spec"]["ports"][0]["port"] \
        == 80
    assert parse_objects("") == {}
    assert parse_objects("---\n# Source: checkout/templates/empty.yaml\n") == {}


def test_a_list_documents_items_are_objects():
    stream = doc("roles.yaml", """
        apiVersion: v1
        kind: List
        items:
          - apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata:
              name: reader
              namespace: shop
          - apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata:
              name: reader
              namespace: shop
          - {}
        """)
    assert [k.label() for k in parse_objects(stream)] == ["Role shop/reader",
                                                          "RoleBinding shop/reader"]


def test_the_same_object_twice_is_an_error_naming_it_and_both_templates():
    extra = deployment().replace("templates/deployment.yaml", "templates/extra.yaml")
    stream = service() + deployment() + extra
    with pytest.raises(ManifestError) as caught:
        parse_objects(stream, label="context 'prod' of shop/checkout/pligos.yaml")
    err = caught.value
    assert isinstance(err, PligosError)
    lines = stream.splitlines()
    first = lines.index("# Source: checkout/templates/deployment.yaml") + 2
    second = lines.index("# Source: checkout/templates/extra.yaml") + 2
    assert err.message == (
        "the manifests of context 'prod' of shop/checkout/pligos.yaml hold Deployment "
        f"shop/checkout (apps/v1) twice (line {first}, from checkout/templates/deployment.yaml;"
        f" line {second}, from checkout/templates/extra.yaml)")
    assert "give one another name" in err.hint


BROKEN = doc("configmaps.yaml", """
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: "checkout-config"
    data:
      app.yaml: listen: ":8080"
    """)


def test_a_stream_that_is_not_yaml_is_an_error_with_its_line_and_template():
    stream = service() + BROKEN
    with pytest.raises(ManifestError) as caught:
        parse_objects(stream)
    line = stream.splitlines().index('  app.yaml: listen: ":8080"') + 1
    # (the words of the problem are the YAML parser's)
    assert re.fullmatch(r"the rendered manifests are not YAML: mapping values are not allowed "
                        rf"(here|in this context) at line {line}, "
                        r"from checkout/templates/configmaps.yaml", caught.value.message)
    assert "| quote" in caught.value.hint


# --- objects ------------------------------------------------------------------------------

def test_a_configmap_never_turns_into_a_pvc_of_the_same_name():
    changes = changes_of(service() + configmap(), service() + pvc())
    assert shown(changes) == ["ConfigMap shop/checkout-config removed",
                              "PersistentVolumeClaim shop/checkout-config added"]
    assert all(c.fields == () for c in changes)


def test_objects_come_in_helm_install_order_then_unknown_kinds_by_kind():
    old = ""
    new = (http_route() + ingress() + deployment() + service() + configmap() + secret()
           + doc("monitor.yaml", """
               apiVersion: monitoring.coreos.com/v1
               kind: ServiceMonitor
               metadata:
                 name: checkout
                 namespace: shop
               """))
    assert shown(changes_of(old, new)) == [
        "Secret shop/checkout-env added", "ConfigMap shop/checkout-config added",
        "Service shop/checkout added", "Deployment shop/checkout added",
        "Ingress shop/checkout added", "HTTPRoute shop/checkout added",
        "ServiceMonitor shop/checkout added"]
    claims = changes_of("", pvc("data-b") + pvc("data-a"))
    assert shown(claims) == ["PersistentVolumeClaim shop/data-a added",
                             "PersistentVolumeClaim shop/data-b added"]
    assert INSTALL_ORDER.index("Secret") < INSTALL_ORDER.index("ConfigMap")
    assert len(set(INSTALL_ORDER)) == len(INSTALL_ORDER) == 35


def test_an_api_version_change_is_another_object():
    old = ingress().replace("networking.k8s.io/v1", "networking.k8s.io/v1beta1")
    assert shown(changes_of(old, ingress())) == ["Ingress shop/checkout removed",
                                                 "Ingress shop/checkout added"]


def test_equal_streams_have_no_changes():
    stream = service() + configmap() + deployment() + ingress()
    assert changes_of(stream, stream) == []


# --- fields -------------------------------------------------------------------------------

def test_containers_match_by_name_so_an_inserted_sidecar_is_one_change():
    sidecar = """
            - name: "proxy"
              image: "envoyproxy/envoy:v1.31"
            - name: "app"
              image: "registry.example.com/checkout:1.4.2"
              args: ["--listen", ":8080"]
              env:
                - name: "LOG_FORMAT"
                  value: "json"
                - name: "LOG_LEVEL"
                  value: "debug"
              securityContext:
                allowPrivilegeEscalation: false"""
    [change] = changes_of(deployment(), deployment(containers=sidecar))
    assert change.change == "changed"
    assert [(f.shown, f.verb) for f in change.fields] == [
        ("spec.template.spec.containers[app].env[LOG_LEVEL].value", "changed"),
        ("spec.template.spec.containers[proxy]", "set"),
    ]
    level, proxy = change.fields
    assert (level.old, level.new) == ("info", "debug")
    assert level.pattern == "spec.template.spec.containers[*].env[*].value"
    assert proxy.old is MISSING
    assert proxy.new == {"name": "proxy", "image": "envoyproxy/envoy:v1.31"}
    assert proxy.path == ("spec", "template", "spec", "containers", Item("proxy"))


def test_env_by_name_set_and_removed():
    one_var = deployment().replace(
        '            - name: "LOG_FORMAT"\n              value: "json"\n', "")
    assert one_var != deployment()
    [change] = changes_of(deployment(), one_var)
    [removed] = change.fields
    assert (removed.shown, removed.verb) == (
        "spec.template.spec.containers[app].env[LOG_FORMAT]", "removed")
    assert removed.old == {"name": "LOG_FORMAT", "value": "json"} and removed.new is MISSING
    [back] = changes_of(one_var, deployment())[0].fields
    assert (back.shown, back.verb) == ("spec.template.spec.containers[app].env[LOG_FORMAT]",
                                       "set")


def test_keys_that_are_not_identifiers_are_quoted():
    old = configmap() + deployment()
    new = configmap(ttl=60).replace("0.3.0", "0.4.0") + deployment(checksum="9e3c1d20",
                                                                   chart="0.4.0")
    assert shown(changes_of(old, new)) == [
        "ConfigMap shop/checkout-config changed",
        '  metadata.labels["helm.sh/chart"] changed',
        '  data["app.yaml"] changed',
        "Deployment shop/checkout changed",
        '  metadata.labels["helm.sh/chart"] changed',
        '  spec.template.metadata.annotations["checksum/config"] changed',
    ]
    chart = changes_of(old, new)[0].fields[0]
    assert (chart.old, chart.new) == ("checkout-0.3.0", "checkout-0.4.0")


def test_a_list_of_scalars_changes_as_one_value():
    [change] = changes_of(deployment(), deployment(args='["--listen", ":9090", "--debug"]'))
    [args] = change.fields
    assert (args.shown, args.verb) == ("spec.template.spec.containers[app].args", "changed")
    assert (args.old, args.new) == (["--listen", ":8080"], ["--listen", ":9090", "--debug"])


def test_unnamed_items_compare_by_position():
    [change] = changes_of(deployment(spread=1), deployment(spread=2))
    [extra] = change.fields
    assert (extra.shown, extra.pattern, extra.verb) == (
        "spec.template.spec.topologySpreadConstraints[1]",
        "spec.template.spec.topologySpreadConstraints[*]", "set")
    assert extra.new["topologyKey"] == "kubernetes.io/hostname"
    host = ingress().replace("checkout.example.com", "shop.example.com")
    [change] = changes_of(ingress(), host)
    assert [f.shown for f in change.fields] == ["spec.rules[0].host"]


def test_items_whose_names_repeat_compare_by_position():
    twice = deployment().replace('"LOG_FORMAT"', '"LOG_LEVEL"')
    both = twice.replace('value: "info"', 'value: "warn"')
    [change] = changes_of(twice, both)
    assert [f.shown for f in change.fields] == ["spec.template.spec.containers[app].env[1].value"]


def test_named_items_in_another_order_change_the_whole_list():
    swapped = deployment().replace('"LOG_FORMAT"', '"X"').replace('"LOG_LEVEL"', '"LOG_FORMAT"') \
        .replace('"X"', '"LOG_LEVEL"')
    [change] = changes_of(deployment(), swapped)
    [env] = change.fields
    assert (env.shown, env.verb) == ("spec.template.spec.containers[app].env", "changed")
    assert [e["name"] for e in env.new] == ["LOG_LEVEL", "LOG_FORMAT"]


def test_ports_change_is_a_field_of_the_named_port():
    [change] = changes_of(service(port=80), service(port=8080))
    [port] = change.fields
    assert (port.shown, port.old, port.new) == ("spec.ports[http].port", 80, 8080)


def test_the_shown_path_of_odd_names_and_keys():
    assert FieldChange(("spec", "containers", Item("my app"), "image"), 1, 2).shown == \
        'spec.containers["my app"].image'
    assert FieldChange(("data", "nginx-conf"), 1, 2).shown == 'data["nginx-conf"]'
    assert FieldChange(("env", Item("a.b"), "value"), 1, MISSING).shown == "env[a.b].value"
    assert FieldChange(("ports", Item("8080")), MISSING, 1).shown == 'ports["8080"]'
    assert FieldChange(("spec", "containers", 0, "ports", Item("http")), 1, 2).pattern == \
        "spec.containers[*].ports[*]"
    assert [FieldChange((), MISSING, 1).verb, FieldChange((), 1, MISSING).verb,
            FieldChange((), 1, 2).verb] == ["set", "removed", "changed"]


def test_matching_across_namespaces():
    prod = service(namespace="prod") + deployment(namespace="prod")
    staging = service(namespace="staging", port=8080) + deployment(namespace="staging")
    assert shown(changes_of(prod, staging, match_namespace=False)) == [
        "Service staging/checkout changed", "  spec.ports[http].port changed"]
    assert shown(changes_of(prod, staging)) == [
        "Service prod/checkout removed", "Service staging/checkout added",
        "Deployment prod/checkout removed", "Deployment staging/checkout added"]
    assert changes_of(prod, service(namespace="staging") + deployment(namespace="staging"),
                      match_namespace=False) == []


# --- streams ------------------------------------------------------------------------------

EMBEDDED = doc("configmaps.yaml", """
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: "checkout-rules"
      namespace: "shop"
    data:
      rules.yaml: |
        ---
        kind: Rule
        ---
        kind: Other
    """)


@pytest.mark.parametrize("old,new", [
    (service() + configmap(), service() + pvc()),
    (deployment() + EMBEDDED + ingress(), deployment(log_level="debug") + EMBEDDED + http_route()),
    (EMBEDDED + deployment(), EMBEDDED.replace("kind: Other", "kind: Another") + deployment()),
    (service() + service(), service()),  # (a document twice is read as a duplicate)
    ("", service()),
    (service(), service(port=81) + BROKEN),  # (the line is counted in the whole stream)
    ("---\n" + service() + "...\n", service(port=81)),  # an end marker: read whole
])
def test_diff_streams_agrees_with_diffing_parsed_objects(old, new):
    try:
        expected = changes_of(old, new)
    except ManifestError as exc:
        with pytest.raises(ManifestError, match=re.escape(exc.message)):
            diff_streams(old, new)
    else:
        assert diff_streams(old, new) == expected
        assert diff_streams(new, old) == changes_of(new, old)


def test_diff_streams_finds_a_changed_template_rendering_an_object_left_as_it_was():
    extra = deployment(log_level="debug").replace("templates/deployment.yaml",
                                                   "templates/extra.yaml")
    old, new = service() + deployment(), service() + deployment() + extra
    with pytest.raises(ManifestError) as caught:
        diff_streams(old, new, label="context 'prod' of shop/checkout/pligos.yaml")
    lines = new.splitlines()
    first = lines.index("# Source: checkout/templates/deployment.yaml") + 2
    second = lines.index("# Source: checkout/templates/extra.yaml") + 2
    assert caught.value.message == (
        "the manifests of context 'prod' of shop/checkout/pligos.yaml hold Deployment "
        f"shop/checkout (apps/v1) twice (line {first}, from checkout/templates/deployment.yaml;"
        f" line {second}, from checkout/templates/extra.yaml)")


def test_diff_streams_across_namespaces():
    prod = service(namespace="prod") + deployment(namespace="prod")
    staging = service(namespace="staging", port=8080) + deployment(namespace="staging")
    assert shown(diff_streams(prod, staging, match_namespace=False)) == [
        "Service staging/checkout changed", "  spec.ports[http].port changed"]


# --- JSON ---------------------------------------------------------------------------------

def test_to_json_is_plain_data_without_missing_values():
    sidecar = deployment(containers="""
            - name: "app"
              image: "registry.example.com/checkout:1.5.0"
              args: ["--listen", ":8080"]
              env:
                - name: "LOG_FORMAT"
                  value: "json"
              securityContext:
                allowPrivilegeEscalation: false""")
    [change] = changes_of(deployment(), sidecar)
    data = json.loads(json.dumps(change.to_json()))
    assert data == {
        "apiVersion": "apps/v1", "kind": "Deployment", "namespace": "shop", "name": "checkout",
        "change": "changed",
        "fields": [
            {"path": "spec.template.spec.containers[app].image",
             "pattern": "spec.template.spec.containers[*].image", "verb": "changed",
             "old": "registry.example.com/checkout:1.4.2",
             "new": "registry.example.com/checkout:1.5.0"},
            {"path": "spec.template.spec.containers[app].env[LOG_LEVEL]",
             "pattern": "spec.template.spec.containers[*].env[*]", "verb": "removed",
             "old": {"name": "LOG_LEVEL", "value": "info"}},
        ]}
    stamped = doc("job.yaml", """
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: migrate
          annotations:
            built: 2024-05-01
        """)
    [added] = changes_of("", stamped)
    assert added.to_json()["fields"] == []
    [when] = changes_of(stamped, stamped.replace("2024-05-01", "2024-06-01"))[0].fields
    assert when.to_json()["new"] == "2024-06-01"


# --- fleets -------------------------------------------------------------------------------

def test_fleet_groups_fold_charts_that_change_alike():
    base = service() + deployment() + ingress()
    gateway = service() + deployment(read_only=True) + http_route()
    hardened = service() + deployment(read_only=True) + ingress()
    two = """
            - name: "app"
              image: "registry.example.com/checkout:1.4.2"
              securityContext:
                allowPrivilegeEscalation: false{extra}
            - name: "worker"
              image: "registry.example.com/checkout:1.4.2"
              securityContext:
                allowPrivilegeEscalation: false{extra}"""
    cart_old = deployment(containers=two.format(extra=""))
    cart_new = deployment(containers=two.format(
        extra="\n                readOnlyRootFilesystem: true")).replace("replicas: 2",
                                                                        "replicas: 3")
    charts = [
        ChartChanges("shop/checkout", "prod", tuple(changes_of(base, gateway))),
        ChartChanges("shop/checkout", "dev", tuple(changes_of(base, gateway))),
        ChartChanges("shop/catalog", "prod", tuple(changes_of(base, hardened))),
        ChartChanges("shop/cart", "prod", tuple(changes_of(cart_old, cart_new))),
        ChartChanges("shop/search", "prod", tuple(changes_of(ingress(), ""))),
        ChartChanges("shop/web", "prod", tuple(changes_of(configmap() + ingress(),
                                                          http_route()))),
        ChartChanges("shop/static", "prod", ()),
    ]
    assert [(g.label, g.charts, g.services) for g in fleet_groups(charts)] == [
        ("Deployment spec.template.spec.containers[*].securityContext.readOnlyRootFilesystem "
         "set", (("shop/cart", "prod"), ("shop/catalog", "prod"), ("shop/checkout", "dev"),
                 ("shop/checkout", "prod")), 3),
        ("Ingress removed, HTTPRoute added",
         (("shop/checkout", "dev"), ("shop/checkout", "prod")), 1),
        ("ConfigMap removed, Ingress removed, HTTPRoute added", (("shop/web", "prod"),), 1),
        ("Deployment spec.replicas changed", (("shop/cart", "prod"),), 1),
        ("Ingress removed", (("shop/search", "prod"),), 1),
    ]
    assert fleet_groups([]) == []
    group = fleet_groups(charts[:2])[0]
    assert group.to_json() == {
        "label": group.label, "services": 1,
        "charts": [{"service": "shop/checkout", "context": "dev"},
                   {"service": "shop/checkout", "context": "prod"}]}
