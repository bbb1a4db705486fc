"""`pligos import` on the shapes that trip importers: what differs in one context only, names
that collide, what Kubernetes takes but pligos.yaml has no word for, and input that only
looks like manifests. Each case is what a user sees: the files written, the report, the exit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.support import make_tree, run_cli

HEAD = """\
apiVersion: apps/v1
kind: {kind}
metadata: {{name: {name}}}
spec:
"""


def deployment(name: str = "api", *, pod: str = "", container: str = "", kind: str = "Deployment",
               labels: str = "app: api", image: str = "registry.example.com/api:1.0.0") -> str:
    spec = f"""\
  selector: {{matchLabels: {{{labels}}}}}
  template:
    metadata: {{labels: {{{labels}}}}}
    spec:
{pod}      containers:
        - name: {name}
          image: {image}
{container}"""
    return HEAD.format(kind=kind, name=name) + spec


def service(name: str = "api", labels: str = "app: api", port: int = 80) -> str:
    return f"""\
---
apiVersion: v1
kind: Service
metadata: {{name: {name}}}
spec:
  selector: {{{labels}}}
  ports: [{{name: http, port: {port}, targetPort: 8080}}]
"""


def imported(tmp_path: Path, files: dict[str, str], *args: str) -> tuple[int, dict, Path]:
    root = make_tree(tmp_path / "in", files)
    contexts = [a for name in files for a in ("--context", f"{Path(name).stem}={root / name}")]
    out = tmp_path / "out"
    result = run_cli("import", "manifests", *contexts, "--out", str(out), "--json", *args)
    assert "Traceback" not in result.err
    return result.code, json.loads(result.out), out  # with --json, errors too


def leftovers(report: dict) -> dict[str, dict]:
    return {x["what"]: x for s in report["services"] for x in s["leftovers"]}


def test_values_only_a_later_context_has_are_its_own(tmp_path: Path) -> None:
    code, report, out = imported(tmp_path, {
        "dev.yaml": deployment(),
        "prod.yaml": deployment(pod="      nodeSelector: {disk: ssd}\n").replace(
            "    metadata: {labels: {app: api}}",
            "    metadata:\n      labels: {app: api}\n      annotations: {team: shop}")})
    assert code == 0, report
    dev, prod = yaml.safe_load((out / "pligos.yaml").read_text())["contexts"]
    assert prod["extends"] == "dev"
    assert prod["values"] == {"pod": {"annotations": {"team": "shop"}}}
    assert prod["scheduling"] == {"nodeSelector": {"disk": "ssd"}} and "values" not in dev


def test_a_container_port_below_1024_keeps_binding_and_the_user_is_told(tmp_path: Path) -> None:
    code, report, out = imported(tmp_path, {"prod.yaml": deployment(
        container="          ports: [{name: http, containerPort: 80}]\n") + service().replace(
        "targetPort: 8080", "targetPort: 80")})
    assert code == 0, report
    (ctx,) = yaml.safe_load((out / "pligos.yaml").read_text())["contexts"]
    assert ctx["security"]["addCapabilities"] == ["NET_BIND_SERVICE"]
    note = leftovers(report)["the user container api runs as"]
    assert note["material"] is False and "10001" in note["why"] and "80" in note["why"]


def test_a_reference_to_a_later_variable_is_not_said_to_match(tmp_path: Path) -> None:
    env = ("          env:\n            - {name: Z_HOST, value: db}\n"
           "            - {name: A_URL, value: 'postgres://$(Z_HOST):5432'}\n")
    code, report, _ = imported(tmp_path, {"prod.yaml": deployment(container=env)})
    assert code == 1
    assert "$(Z_HOST)" in leftovers(report)["env A_URL of container api"]["why"]


def test_a_secret_looking_value_is_never_written(tmp_path: Path) -> None:
    env = ("          env:\n            - {name: DB_PASSWORD, value: hunter2-hunter2}\n"
           "            - {name: MODE, value: fast}\n"
           "          args: [--key, AKIAIOSFODNN7EXAMPLE]\n")
    code, report, out = imported(tmp_path, {
        "prod.yaml": deployment(container=env) + "---\napiVersion: example.com/v1\n"
        "kind: Token\nmetadata: {name: t}\nspec: {value: ghp_" + "a" * 36 + "}\n"})
    assert code == 1
    assert "env DB_PASSWORD of container api" in leftovers(report)
    for path in out.rglob("*"):
        text = path.read_text() if path.is_file() else ""
        assert "hunter2" not in text and "ghp_aaaa" not in text, path
    assert "MODE" in (out / "pligos.yaml").read_text()


def test_the_pods_fields_pligos_yaml_cannot_say_are_listed_and_a_pre_stop_is_kept(
        tmp_path: Path) -> None:
    container = ("          workingDir: /srv\n"
                 "          lifecycle: {preStop: {exec: {command: [/bin/drain]}}}\n")
    code, report, out = imported(tmp_path, {"prod.yaml": deployment(
        pod="      hostNetwork: true\n      dnsPolicy: ClusterFirst\n", container=container) +
        service()})
    assert code == 1
    found = leftovers(report)
    assert 'the pod\'s hostNetwork: true' in found
    assert 'workingDir of container api: "/srv"' in found
    assert not any("dnsPolicy" in what for what in found)  # Kubernetes' default says nothing
    (ctx,) = yaml.safe_load((out / "pligos.yaml").read_text())["contexts"]
    assert ctx["rollout"]["preStop"] == {"command": ["/bin/drain"]}


def test_a_daemonset_port_no_service_reaches_is_listed(tmp_path: Path) -> None:
    code, report, _ = imported(tmp_path, {"prod.yaml": deployment(
        kind="DaemonSet", container="          ports: [{containerPort: 9100, hostPort: 9100}]\n")})
    assert code == 1
    assert "the ports of container api" in leftovers(report)


def test_two_workloads_one_service_selects_get_one_route_owner(tmp_path: Path) -> None:
    stream = (deployment("api", labels="tier: web") + "---\n" +
              deployment("admin", labels="tier: web") + service("web", "tier: web") +
              "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}\n"
              "spec:\n  rules:\n    - host: shop.example.com\n      http:\n        paths:\n"
              "          - {path: /, pathType: Prefix, backend: {service: {name: web, port: "
              "{number: 80}}}}\n")
    code, report, out = imported(tmp_path, {"prod.yaml": stream})
    assert code == 1
    api = yaml.safe_load((out / "api" / "pligos.yaml").read_text())
    admin = yaml.safe_load((out / "admin" / "pligos.yaml").read_text())
    assert api["routes"][0]["fqdn"] == "shop.example.com"
    assert "routes" not in admin
    assert "Service web" in {x["what"] for s in report["services"] if s["name"] == "admin"
                             for x in s["leftovers"]}


def test_a_deployment_and_a_cronjob_of_one_name_get_folders_of_their_own(
        tmp_path: Path) -> None:
    cron = """\
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: api}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: api, image: registry.example.com/api:1.0.0, args: [purge]}]
"""
    code, report, out = imported(tmp_path, {"prod.yaml": deployment() + cron})
    assert [s["name"] for s in report["services"]] == ["api", "api-cronjob"]
    assert yaml.safe_load((out / "api" / "pligos.yaml").read_text())["contexts"][0][
        "flavor"] == "worker"
    assert yaml.safe_load((out / "api-cronjob" / "pligos.yaml").read_text())["contexts"][0][
        "schedule"] == "0 3 * * *"


def test_a_config_folder_that_differs_in_one_file_is_the_contexts_own(tmp_path: Path) -> None:
    def stream(level: str, extra: str = "") -> str:
        return deployment(
            pod="      volumes: [{name: conf, configMap: {name: conf}}]\n",
            container="          volumeMounts: [{name: conf, mountPath: /etc/app}]\n") + \
            f"---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: conf}}\ndata:\n" \
            f"  app.yaml: 'level: {level}'\n  shared.ini: 'x = 1'\n{extra}"
    code, report, out = imported(tmp_path, {"dev.yaml": stream("debug", "  dev.only: 'y'\n"),
                                            "prod.yaml": stream("info")})
    assert code == 0, report
    assert (out / "config/conf/dev.only").read_text() == "y"
    assert (out / "config/prod/conf/app.yaml").read_text() == "level: info"
    assert (out / "config/prod/conf/shared.ini").read_text() == "x = 1"
    assert not (out / "config/prod/conf/dev.only").exists()


def test_an_image_with_tag_and_digest_is_pinned_by_the_digest(tmp_path: Path) -> None:
    digest = "sha256:" + "a" * 64
    code, report, out = imported(tmp_path, {"prod.yaml": deployment(
        image=f"registry.example.com/api:1.0.0@{digest}")})
    assert code == 0, report
    (image,) = yaml.safe_load((out / "pligos.yaml").read_text())["images"]
    assert image == {"name": "api", "repository": "registry.example.com/api", "digest": digest}


def test_the_name_given_names_the_service(tmp_path: Path) -> None:
    code, _, out = imported(tmp_path, {"prod.yaml": deployment()}, "--name", "shop")
    assert code == 1  # its objects are named shop now: the report says so
    assert yaml.safe_load((out / "pligos.yaml").read_text())["name"] == "shop"


@pytest.mark.parametrize(("case", "text", "args", "said"), [
    ("bad name", deployment(), ["--name", "Shop_1"], "--name"),
    ("port not a number", deployment(container="          ports: [{containerPort: abc}]\n"),
     [], "is not a valid Deployment"),
    ("containers not a list", HEAD.format(kind="Deployment", name="api") +
     "  template: {spec: {containers: oops}}\n", [], "is not a valid Deployment"),
    ("no image", deployment(image="''"), [], "has no image"),
    ("alias bomb", "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n"
     "e: &e [*d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e]\n", [],
     "prod.yaml"),
])
def test_what_kubernetes_would_refuse_exits_2_writing_nothing(
        case: str, text: str, args: list[str], said: str, tmp_path: Path) -> None:
    code, err, out = imported(tmp_path, {"prod.yaml": text}, *args)
    assert code == 2, (case, err)
    assert said in json.dumps(err), err
    assert not out.exists()


def test_a_kustomization_in_a_folder_is_not_one_of_its_manifests(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "in", {"base/app.yaml": deployment(),
                                       "base/kustomization.yaml": "resources: [app.yaml]\n"})
    result = run_cli("import", "manifests", str(root / "base"), "--out", str(tmp_path / "o"))
    assert result.code == 0, result.out + result.err


def test_force_takes_away_the_leftovers_of_an_earlier_import(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "in", {
        "a.yaml": deployment() + "---\napiVersion: v1\nkind: Role\nmetadata: {name: r}\n",
        "b.yaml": deployment()})
    out = tmp_path / "out"
    assert run_cli("import", "manifests", str(root / "a.yaml"), "--out", str(out)).code == 1
    assert (out / "import-leftovers.yaml").exists()
    again = run_cli("import", "manifests", str(root / "b.yaml"), "--out", str(out), "--force")
    assert again.code == 0, again.out + again.err
    assert not (out / "import-leftovers.yaml").exists()


def test_a_chart_url_with_credentials_is_never_shown_with_them(tmp_path: Path) -> None:
    result = run_cli("import", "helm", "https://robot:s3cr3t-pass@127.0.0.1:9/charts/web.tgz",
                     "--out", str(tmp_path / "o"))
    assert result.code == 2
    assert "s3cr3t-pass" not in result.out + result.err
    assert "127.0.0.1:9/charts/web.tgz" in result.err


def test_an_import_into_the_chart_itself_is_refused(tmp_path: Path, helm_bin: str) -> None:
    import subprocess

    subprocess.run([helm_bin, "create", str(tmp_path / "demo")], check=True,
                   capture_output=True)
    result = run_cli("import", "helm", str(tmp_path / "demo"), "--out",
                     str(tmp_path / "demo" / "pligos"))
    assert result.code == 2 and "inside the chart" in result.err
    assert not (tmp_path / "demo" / "pligos").exists()


def test_a_field_written_with_kubernetes_default_is_no_difference(tmp_path: Path) -> None:
    code, report, _ = imported(tmp_path, {"prod.yaml": deployment(
        pod="      hostNetwork: false\n      enableServiceLinks: true\n") + service()})
    assert code == 0, report
