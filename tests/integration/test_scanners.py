"""The scanners the chart tests rely on, checked on objects whose verdict is known: strict
schema validation of custom resources (Gateway API, External Secrets, cert-manager, Argo CD,
Flux) beside Kubernetes's own kinds, and checkov's Kubernetes checks."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from support import (
    checkov_failures,
    checkov_report,
    kube_problems,
    kube_validate,
)

ROUTE = {
    "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
    "metadata": {"name": "web", "namespace": "shop", "labels": {"app.kubernetes.io/name": "web"}},
    "spec": {
        "parentRefs": [{"name": "public", "namespace": "gateways", "sectionName": "https"}],
        "hostnames": ["shop.example.com"],
        "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                   "backendRefs": [{"name": "web", "port": 80}]}],
    },
}
GRPC_ROUTE = {
    "apiVersion": "gateway.networking.k8s.io/v1", "kind": "GRPCRoute",
    "metadata": {"name": "cart", "namespace": "shop"},
    "spec": {"parentRefs": [{"name": "public", "namespace": "gateways"}],
             "hostnames": ["grpc.shop.example.com"],
             "rules": [{"matches": [{"method": {"service": "shop.Cart", "method": "Add"}}],
                        "backendRefs": [{"name": "cart", "port": 9090}]}]},
}
CERTIFICATE = {
    "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
    "metadata": {"name": "shop-tls", "namespace": "shop"},
    "spec": {"secretName": "shop-tls", "dnsNames": ["shop.example.com"],
             "issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer"}},
}
APPLICATION = {
    "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
    "metadata": {"name": "shop", "namespace": "argocd"},
    "spec": {"project": "default",
             "source": {"repoURL": "https://git.example.com/shop.git", "path": "charts/prod"},
             "destination": {"server": "https://kubernetes.default.svc", "namespace": "shop"}},
}


def _changed(obj: dict, change) -> dict:
    copied = copy.deepcopy(obj)
    change(copied)
    return copied


def test_valid_custom_resources_pass(tmp_path: Path) -> None:
    kube_validate([ROUTE, GRPC_ROUTE, CERTIFICATE, APPLICATION], tmp_path)


@pytest.mark.parametrize(("obj", "problem"), [
    # a typo of a field: unknown, as kubernetes-validate --strict refuses for its own kinds
    (_changed(ROUTE, lambda r: r["spec"].update(parentRef=r["spec"].pop("parentRefs"))),
     "HTTPRoute/web: spec.parentRef: unknown field"),
    (_changed(ROUTE, lambda r: r["spec"]["parentRefs"][0].update(sectionname="https")),
     "HTTPRoute/web: spec.parentRefs[0].sectionname: unknown field"),
    (_changed(ROUTE, lambda r: r["metadata"].update(label={"a": "b"})),
     "HTTPRoute/web: metadata.label: unknown field"),
    # a wrong type, a value out of its enum, a list too long
    (_changed(ROUTE, lambda r: r["spec"]["rules"][0]["backendRefs"][0].update(port="80")),
     "HTTPRoute/web: spec.rules[0].backendRefs[0].port: must be integer"),
    (_changed(ROUTE, lambda r: r["spec"]["rules"][0]["matches"][0]["path"].update(type="Glob")),
     "HTTPRoute/web: spec.rules[0].matches[0].path.type: must be equal to one of the allowed "
     "values"),
    (_changed(GRPC_ROUTE, lambda r: r["spec"].update(hostnames=["h.example.com"] * 17)),
     "GRPCRoute/cart: spec.hostnames: must NOT have more than 16 items"),
    (_changed(CERTIFICATE, lambda c: c["spec"].pop("issuerRef")),
     "Certificate/shop-tls: spec: must have required property issuerRef"),
    (_changed(APPLICATION, lambda a: a["spec"]["destination"].update(nameSpace="shop")),
     "Application/shop: spec.destination.nameSpace: unknown field"),
], ids=["typo", "nested-typo", "metadata-typo", "type", "enum", "max-items", "required",
        "argocd-typo"])
def test_invalid_custom_resources_fail_naming_the_field(tmp_path: Path, obj: dict,
                                                        problem: str) -> None:
    assert kube_problems([obj], tmp_path) == [problem]
    with pytest.raises(AssertionError, match="HTTPRoute|GRPCRoute|Certificate|Application"):
        kube_validate([obj], tmp_path)


def test_maps_and_free_form_fields_take_any_key(tmp_path: Path) -> None:
    labelled = _changed(ROUTE, lambda r: r["metadata"].update(
        labels={"any.example.com/key": "1"}, annotations={"x": "y"}))
    helm_values = {"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
                   "metadata": {"name": "shop", "namespace": "flux-system"},
                   "spec": {"interval": "10m", "chart": {"spec": {
                       "chart": "charts/prod/shop",
                       "sourceRef": {"kind": "GitRepository", "name": "shop"}}},
                       "values": {"anything": {"nested": [1, 2]}, "replicas": 3}}}
    assert kube_problems([labelled, helm_values], tmp_path) == []


def test_a_kind_without_a_schema_fails_rather_than_passing(tmp_path: Path) -> None:
    unknown_kind = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoutes",
                    "metadata": {"name": "x"}, "spec": {}}
    part_of_a_kind = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRouteSpec",
                      "metadata": {"name": "y"}}
    unknown_group = {"apiVersion": "widgets.example.com/v1", "kind": "Widget",
                     "metadata": {"name": "z"}}
    problems = kube_problems([unknown_kind, part_of_a_kind, unknown_group], tmp_path)
    assert problems[1:] == [
        "HTTPRoutes/x: no schema for kind HTTPRoutes of gateway.networking.k8s.io/v1 in "
        "@kubernetes-models/gateway-api",
        "HTTPRouteSpec/y: no schema for kind HTTPRouteSpec of gateway.networking.k8s.io/v1 "
        "in @kubernetes-models/gateway-api"]
    # kubernetes-validate only warns of a kind it has no schema for: a failure here too
    assert "Couldn't find schema for kind Widget" in problems[0]


def test_builtin_kinds_stay_strict_beside_custom_resources(tmp_path: Path) -> None:
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
               "spec": {"ports": [{"port": 80}], "selectr": {"app": "web"}}}
    problems = kube_problems([service, ROUTE], tmp_path)
    assert len(problems) == 1 and "selectr" in problems[0], problems


# ---------------------------------------------------------------------------------- checkov

def _deployment(pod: dict, container: dict) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {**pod, "containers": [{
                                      "name": "web", "image": "example/web:1.0", **container}]}}}}


HARDENED = [
    _deployment(
        {"automountServiceAccountToken": False,
         "securityContext": {"runAsNonRoot": True, "runAsUser": 10001,
                             "seccompProfile": {"type": "RuntimeDefault"}}},
        {"image": "example/web@sha256:" + "0" * 64, "imagePullPolicy": "Always",
         "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                             "runAsNonRoot": True, "runAsUser": 10001,
                             "capabilities": {"drop": ["ALL"]}},
         "resources": {"requests": {"cpu": "100m", "memory": "64Mi"},
                       "limits": {"cpu": "500m", "memory": "128Mi"}},
         "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
         "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}}}),
    {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
     "metadata": {"name": "web", "namespace": "shop"},
     "spec": {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress"]}},
]


def test_checkov_flags_a_deployment_without_security_context(tmp_path: Path,
                                                             checkov_bin: str) -> None:
    report = checkov_report([_deployment({}, {})], tmp_path)
    failures = {f.check_id: (f.title, f.resource) for f in report}
    assert failures["CKV_K8S_20"] == (
        "Containers should not run with allowPrivilegeEscalation", "Deployment.shop.web")
    assert failures["CKV_K8S_23"] == (
        "Minimize the admission of root containers", "Deployment.shop.web")
    assert "CKV_K8S_21" not in failures  # it has a namespace


def test_checkov_passes_a_hardened_deployment(tmp_path: Path, checkov_bin: str) -> None:
    assert checkov_failures(HARDENED, tmp_path) == {}


def test_checkov_scans_a_file_or_a_folder(tmp_path: Path, checkov_bin: str) -> None:
    folder = tmp_path / "rendered"
    folder.mkdir()
    api = _deployment({}, {})
    api["metadata"]["name"] = "api"
    (folder / "web.yaml").write_text(yaml.safe_dump_all([_deployment({}, {})]))
    (folder / "api.yaml").write_text(yaml.safe_dump_all([api]))
    assert checkov_failures(folder, tmp_path)["CKV_K8S_20"] == [
        "Deployment.shop.api", "Deployment.shop.web"]
    (folder / "empty.yaml").write_text("")
    with pytest.raises(AssertionError, match="no Kubernetes object"):
        checkov_failures(folder / "empty.yaml", tmp_path)
