"""v1 services end to end: detection in a tree, dependencies, located errors, --in-place,
migrate (with rendered manifests compared), and `helm pligos` through the real helm."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml
from support import ROOT, helm, make_tree, render, run_cli

HELPERS = """
{{- define "<CHARTNAME>.name" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
"""

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "<CHARTNAME>.name" . }}
  labels:
    helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
spec:
  replicas: {{ $.Values.replicas }}
  selector:
    matchLabels: {app: {{ include "<CHARTNAME>.name" . }}}
  template:
    metadata:
      labels: {app: {{ include "<CHARTNAME>.name" . }}}
    spec:
      containers:
        - name: main
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          {{- with .Values.routes }}
          ports:
            {{- range $name, $route := . }}
            - {name: {{ $name }}, containerPort: {{ $route.containerPort }}}
            {{- end }}
          {{- end }}
"""

WORLD = {
    "flavors/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    "flavors/web/schema.yaml": """
        image: {repository: string, tag: string}
        route: {port: numeric, containerPort: numeric}
        context:
          image: image
          routes: mapped route
          replicas: numeric
        """,
    "flavors/web/templates/_helpers.tpl": HELPERS,
    "flavors/web/templates/deployment.yaml": DEPLOYMENT,
    "flavors/web/templates/service.yaml": """
        {{- $root := . }}
        apiVersion: v1
        kind: Service
        metadata:
          name: {{ include "<CHARTNAME>.name" . }}
        spec:
          selector: {app: {{ include "<CHARTNAME>.name" . }}}
          ports:
            {{- range $name, $route := $root.Values.routes }}
            - {name: {{ $name }}, port: {{ $route.port }}, targetPort: {{ $route.containerPort }}}
            {{- end }}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: {{ include "<CHARTNAME>.name" . }}-config
        data:
          app.yaml: {{ .Files.Get "config/app.yaml" | quote }}
        """,
    "flavors/worker/Chart.yaml": "apiVersion: v2\nname: worker\nversion: 0.1.0\n",
    "flavors/worker/schema.yaml": """
        image: {repository: string, tag: string}
        context:
          image: image
          replicas: numeric
        """,
    "flavors/worker/templates/_helpers.tpl": HELPERS,
    "flavors/worker/templates/deployment.yaml": DEPLOYMENT,
    "hello/Chart.yaml": "apiVersion: v2\nname: hello\ndescription: says hello\n"
                        "version: 0.2.0\nappVersion: \"1.0\"\n",
    "hello/config/app.yaml": "greeting: hello\n",
    "hello/templates/extra.yaml": """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: {{ .Release.Name }}-extra
        data:
          replicas: {{ .Values.replicas | quote }}
        """,
    "hello/pligos.yaml": """
        pligos:
          version: '1'
        contexts:
          dev:
            flavor: ../flavors/web
            spec:
              image: dev
              routes: [http]
              replicas: 1
          prod:
            flavor: ../flavors/worker
            spec:
              image: {repository: hello, tag: "1.0"}
              replicas: 3
            dependencies:
              - {path: ../db, context: prod, alias: database}
        values:
          image:
            - {name: dev, repository: hello, tag: dev}
          route:
            - {name: http, port: 80, containerPort: 8080}
        """,
    "db/Chart.yaml": "apiVersion: v2\nname: db\nversion: 1.0.0\n",
    "db/pligos.yaml": """
        pligos: {version: '1'}
        contexts:
          prod:
            flavor: ../flavors/worker
            spec: {image: {repository: postgres, tag: "16"}, replicas: 1}
        """,
}


@pytest.fixture
def world(tmp_path: Path) -> Path:
    return make_tree(tmp_path / "world", WORLD)


def kinds(docs: list[dict]) -> list[tuple[str, str]]:
    return sorted((d["kind"], d["metadata"]["name"]) for d in docs)


# --------------------------------------------------------------------------- generate

def test_tree_with_v1_and_format_1_services(world: Path, tmp_path: Path) -> None:
    make_tree(world, {"fmt1/pligos.yaml": """
        pligos: 1
        name: fmt1
        images: [{name: app, repository: nginx, tag: "1.27"}]
        contexts: [{name: dev, flavor: worker, image: app}]
        """})
    out = tmp_path / "out"
    result = run_cli("generate", str(world), "--out", str(out))
    assert result.code == 0, result.err
    assert sorted(p.relative_to(out).as_posix() for p in out.glob("*/*")
                  if p.parent.name != "_pligos") == [
        "dev/fmt1", "dev/hello", "prod/db", "prod/hello"]
    # beside them, once for the whole root, the library chart of the helpers they include
    library = yaml.safe_load((out / "_pligos" / "Chart.yaml").read_text())
    assert (library["name"], library["type"]) == ("pligos-library", "library")
    assert (out / "dev/hello/templates/extra.yaml").is_file()  # the service's own template
    assert (out / "dev/hello/config/app.yaml").is_file()  # and its files


def test_default_destination_is_hidden_in_the_service(world: Path) -> None:
    result = run_cli("generate", str(world / "hello"), "--context", "dev")
    assert result.code == 0, result.err
    assert (world / "hello/.pligos/charts/dev/hello/values.yaml").is_file()
    assert not (world / "hello/charts").exists()


def test_dependency_becomes_a_subchart_with_its_values(world: Path, tmp_path: Path,
                                                       helm_bin: str) -> None:
    result = run_cli("generate", str(world / "hello"), "--context", "prod", "--out",
                     str(tmp_path / "out"))
    assert result.code == 0, result.err
    chart = tmp_path / "out/prod/hello"
    sub = yaml.safe_load((chart / "charts/database/Chart.yaml").read_text())
    assert sub["name"] == "database" and "pligosgenerated" in sub["keywords"]
    assert yaml.safe_load((chart / "charts/database/values.yaml").read_text()) == {
        "image": {"repository": "postgres", "tag": "16"}, "replicas": 1}
    docs = render(helm_bin, chart, "rel")
    images = {d["metadata"]["name"]: d["spec"]["template"]["spec"]["containers"][0]["image"]
              for d in docs if d["kind"] == "Deployment"}
    assert images == {"rel-hello": "hello:1.0", "rel-database": "postgres:16"}
    assert yaml.safe_load((chart / "Chart.yaml").read_text())["dependencies"] == [
        {"name": "database", "version": "1.0.0"}]
    checked = run_cli("check", str(world / "hello"), "--out", str(tmp_path / "out"))
    assert checked.code == 1  # dev was not generated; prod is current and lints
    assert "out/dev/hello: missing" in checked.out and "prod" not in checked.out


# --------------------------------------------------------------------------- errors

ERRORS = [
    ("hello/pligos.yaml", "image: dev\n", "image: dve\n",
     "hello/pligos.yaml:7:14: error: no image named 'dve'", "did you mean 'dev'?"),
    ("hello/pligos.yaml", "    flavor: ../flavors/web", "    flavour: ../flavors/web",
     "hello/pligos.yaml:5:5: error: unknown key 'flavour' in a context",
     "did you mean 'flavor'?"),
    ("flavors/web/schema.yaml", "routes: mapped route", "routes: mapped rout",
     "flavors/web/schema.yaml:5:11: error: no type named 'rout'", "did you mean 'route'?"),
    ("hello/pligos.yaml", "context: prod, alias", "context: prd, alias",
     "hello/pligos.yaml:16:32: error: db/pligos.yaml has no context 'prd'",
     "did you mean 'prod'?"),
    ("hello/pligos.yaml", "routes: [http]", "routes: http",
     "hello/pligos.yaml:8:15: error: routes takes a list of route instances",
     "write routes: [http]"),
    ("hello/pligos.yaml", "version: '1'", "version: '2'",
     "hello/pligos.yaml:2:12: error: unsupported version '2'", "version '1'"),
]


@pytest.mark.parametrize(("file", "old", "new", "message", "hint"), ERRORS,
                         ids=["instance", "context-key", "schema-type", "dependency-context",
                              "list-expected", "version"])
def test_mistakes_are_located_and_nothing_is_written(world: Path, tmp_path: Path, file: str,
                                                     old: str, new: str, message: str,
                                                     hint: str) -> None:
    path = world / file
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new, 1))
    result = run_cli("generate", "hello", "--out", str(tmp_path / "out"), cwd=world)
    assert result.code == 2
    assert message in result.err, result.err
    assert hint in result.err
    assert "Traceback" not in result.err
    assert not (tmp_path / "out").exists()


def test_missing_chart_yaml_is_explained(world: Path) -> None:
    (world / "hello/Chart.yaml").unlink()
    result = run_cli("generate", "hello", cwd=world)
    assert result.code == 2
    assert "hello/pligos.yaml:1:1: error: a service of the original Pligos is a Helm chart, " \
           "but there is no Chart.yaml beside pligos.yaml" in result.err
    assert "hint: add Chart.yaml" in result.err


# --------------------------------------------------------------------------- in place

def _tgz(name: str, keywords: list[str]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for rel, text in {"Chart.yaml": yaml.safe_dump({"apiVersion": "v2", "name": name,
                                                        "version": "0.1.0",
                                                        "keywords": keywords}),
                          "templates/cm.yaml": f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                                               f"  name: {name}\n"}.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{name}/{rel}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_in_place_switches_the_folder_and_keeps_the_users_files(world: Path,
                                                                helm_bin: str) -> None:
    hello = world / "hello"
    # what the original left: its templates, values.yaml and a generated subchart archive
    make_tree(hello, {"templates/deployment.yaml": "old\n", "values.yaml": "old: true\n",
                      "charts/old-dep-0.1.0.tgz": _tgz("old-dep", ["pligosgenerated"]),
                      "charts/mine-0.1.0.tgz": _tgz("mine", [])})
    extra = (hello / "templates/extra.yaml").read_bytes()
    result = run_cli("generate", "--in-place", "--context", "dev", str(hello))
    assert result.code == 0, result.err
    assert "hello switched to context dev" in result.out
    assert sorted(p.name for p in (hello / "templates").iterdir()) == [
        "_helpers.tpl", "deployment.yaml", "extra.yaml", "service.yaml"]
    assert (hello / "templates/extra.yaml").read_bytes() == extra
    assert sorted(p.name for p in (hello / "charts").iterdir()) == ["mine-0.1.0.tgz"]
    assert yaml.safe_load((hello / "values.yaml").read_text())["replicas"] == 1
    assert kinds(render(helm_bin, hello, "rel")) == [
        ("ConfigMap", "mine"), ("ConfigMap", "rel-extra"), ("ConfigMap", "rel-hello-config"),
        ("Deployment", "rel-hello"), ("Service", "rel-hello")]

    result = run_cli("generate", "--in-place", "--context", "prod", str(hello))
    assert result.code == 0, result.err
    assert not (hello / "templates/service.yaml").exists()  # the web flavor's, now stale
    assert (hello / "templates/extra.yaml").read_bytes() == extra
    assert kinds(render(helm_bin, hello, "rel")) == [
        ("ConfigMap", "mine"), ("ConfigMap", "rel-extra"), ("Deployment", "rel-database"),
        ("Deployment", "rel-hello")]
    assert (hello / "pligos.yaml").read_text() == WORLD_TEXT["hello/pligos.yaml"]

    result = run_cli("generate", "--in-place", "--context", "dev", str(hello))
    assert result.code == 0, result.err
    assert sorted(p.name for p in (hello / "charts").iterdir()) == ["mine-0.1.0.tgz"]


def test_in_place_refuses_a_users_file_in_the_way(world: Path) -> None:
    hello = world / "hello"
    assert run_cli("generate", "--in-place", "--context", "prod", str(hello)).code == 0
    before = (hello / "values.yaml").read_bytes()
    (hello / "templates/service.yaml").write_text("# mine\n")
    result = run_cli("generate", "--in-place", "--context", "dev", str(hello))
    assert result.code == 2
    assert "templates/service.yaml is in the way: it was not generated by Pligos" in result.err
    assert (hello / "templates/service.yaml").read_text() == "# mine\n"
    assert (hello / "values.yaml").read_bytes() == before


def test_in_place_needs_one_context_and_a_v1_service(world: Path) -> None:
    result = run_cli("generate", "--in-place", str(world / "hello"))
    assert result.code == 2 and "--in-place needs exactly one --context NAME" in result.err
    result = run_cli("generate", "--in-place", "--context", "qa", str(world / "hello"))
    assert result.code == 2 and "has no context 'qa'" in result.err


# --------------------------------------------------------------------------- migrate

def _manifests(helm_bin: str, chart: Path) -> list[dict]:
    return sorted(render(helm_bin, chart, "rel"), key=lambda d: (d["kind"],
                                                                 d["metadata"]["name"]))


def test_migrate_renders_the_same_manifests(world: Path, tmp_path: Path,
                                            helm_bin: str) -> None:
    before = tmp_path / "v1-charts"
    assert run_cli("generate", str(world / "hello"), "--out", str(before)).code == 0
    migrated = tmp_path / "migrated"
    result = run_cli("migrate", str(world / "hello"), "--out", str(migrated))
    assert result.code == 0, result.err
    assert "not converted: context prod: dependency database" in result.out
    assert yaml.safe_load((migrated / "pligos.yaml").read_text())["pligos"] == 1
    after = tmp_path / "format1-charts"
    result = run_cli("generate", str(migrated), "--out", str(after))
    assert result.code == 0, result.err
    assert _manifests(helm_bin, after / "dev/hello") == _manifests(helm_bin,
                                                                     before / "dev/hello")
    v1_prod = [d for d in _manifests(helm_bin, before / "prod/hello")
               if "database" not in d["metadata"]["name"]]
    assert _manifests(helm_bin, after / "prod/hello") == v1_prod
    assert run_cli("check", str(migrated), "--out", str(after), "--no-lint").code == 0


def test_migrate_in_place_keeps_the_v1_file(world: Path) -> None:
    hello = world / "hello"
    v1_text = (hello / "pligos.yaml").read_text()
    result = run_cli("migrate", str(hello))
    assert result.code == 0, result.err
    assert (hello / "pligos.v1.yaml").read_text() == v1_text
    assert run_cli("generate", str(hello), "--context", "dev").code == 0
    assert (hello / "charts/dev/hello/values.yaml").is_file()
    again = run_cli("migrate", str(hello))
    assert again.code == 2 and "migrated already" in again.err


# --------------------------------------------------------------------------- helm plugin

def test_helm_plugin_runs_pligos(tmp_path: Path, helm_bin: str, world: Path) -> None:
    env = dict(os.environ, HELM_PLUGINS=str(tmp_path / "plugins"),
               HELM_DATA_HOME=str(tmp_path / "data"), HELM_CONFIG_HOME=str(tmp_path / "config"),
               HELM_CACHE_HOME=str(tmp_path / "cache"))
    env.pop("PLIGOS_HELM", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([helm_bin, *args], capture_output=True, text=True, env=env,
                              check=False)

    installed = run("plugin", "install", str(ROOT))
    assert installed.returncode == 0, installed.stderr
    from pligos_tui import __version__

    listed = run("plugin", "list").stdout.splitlines()
    assert any(line.split()[:2] == ["pligos", __version__] for line in listed), listed
    version = run("pligos", "--version")
    assert version.returncode == 0 and version.stdout.startswith("pligos ")
    out = tmp_path / "out"
    generated = run("pligos", "generate", str(world / "hello"), "--out", str(out))
    assert generated.returncode == 0, generated.stderr
    assert (out / "dev/hello/values.yaml").is_file()
    switched = run("pligos", "generate", "--in-place", "--context", "dev", str(world / "hello"))
    assert switched.returncode == 0, switched.stderr
    assert (world / "hello/values.yaml").is_file()
    bad = run("pligos", "generate", "--in-place", str(world / "hello"))
    assert bad.returncode != 0 and "--in-place needs exactly one --context" in bad.stderr
    # the original plugin's own command line still works: helm pligos CONTEXT -c PATH
    original = run("pligos", "prod", "-c", str(world / "hello"))
    assert original.returncode == 0, original.stderr
    assert "hello switched to context prod" in original.stdout
    assert (world / "hello/charts/database/values.yaml").is_file()


WORLD_TEXT = {k: __import__("textwrap").dedent(v).lstrip("\n") for k, v in WORLD.items()}


# --------------------------------------------------------------------------- migrate onto built-ins

PLAIN = {
    "flavors/plain/Chart.yaml": "apiVersion: v2\nname: plain\nversion: 0.1.0\n",
    "flavors/plain/schema.yaml": """
        image: {repository: string, tag: string, pullPolicy: string}
        route: {port: numeric, containerPort: numeric, protocol: string}
        probe: {definition: embedded object}
        context:
          image: image
          routes: mapped route
          replicas: numeric
          livenessProbe: probe
          readinessProbe: probe
          env: object
          resources: object
        """,
    "flavors/plain/templates/deployment.yaml": """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {{ .Release.Name }}-{{ .Chart.Name }}
        spec:
          replicas: {{ .Values.replicas }}
          selector:
            matchLabels: {app: {{ .Release.Name }}}
          template:
            metadata:
              labels: {app: {{ .Release.Name }}}
            spec:
              containers:
                - name: main
                  image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
                  imagePullPolicy: {{ .Values.image.pullPolicy }}
                  ports:
                    {{- range $name, $r := .Values.routes }}
                    - {name: {{ $name }}, containerPort: {{ $r.containerPort }}, protocol: {{ $r.protocol }}}
                    {{- end }}
                  env:
                    {{- range $k, $v := .Values.env }}
                    - {name: {{ $k }}, value: {{ $v | quote }}}
                    {{- end }}
                  resources: {{ toJson .Values.resources }}
                  livenessProbe: {{ toJson .Values.livenessProbe }}
                  readinessProbe: {{ toJson .Values.readinessProbe }}
        """,
    "plain/Chart.yaml": "apiVersion: v2\nname: plain\nversion: 1.2.0\n",
    "plain/pligos.yaml": """
        pligos: {version: '1'}
        contexts:
          prod:
            flavor: ../flavors/plain
            spec:
              image: release
              routes: [http]
              replicas: 2
              livenessProbe: health
              readinessProbe: health
              env: {LOG_LEVEL: info}
              resources: {requests: {cpu: 100m, memory: 64Mi}}
        values:
          image: [{name: release, repository: nginx, tag: "1.27", pullPolicy: IfNotPresent}]
          route: [{name: http, port: 80, containerPort: 8080, protocol: TCP}]
          probe: [{name: health, definition: {httpGet: {path: /healthz, port: http}}}]
        """,
}


def _container(docs: list[dict]) -> tuple[int, dict]:
    (deployment,) = [d for d in docs if d["kind"] == "Deployment"]
    return deployment["spec"]["replicas"], deployment["spec"]["template"]["spec"][
        "containers"][0]


def test_migrate_maps_plain_values_onto_built_in_properties(tmp_path: Path,
                                                            helm_bin: str) -> None:
    world = make_tree(tmp_path / "world", PLAIN)
    before, migrated, after = tmp_path / "v1", tmp_path / "migrated", tmp_path / "format1"
    assert run_cli("generate", str(world / "plain"), "--out", str(before)).code == 0
    result = run_cli("migrate", str(world / "plain"), "--out", str(migrated))
    assert result.code == 0, result.err
    assert "the flavor maps onto built-in properties: contexts use webservice" in result.out
    doc = yaml.safe_load((migrated / "pligos.yaml").read_text())
    assert doc["contexts"] == [{"name": "prod", "flavor": "webservice", "image": "prod",
                                "probe": "prod", "routes": ["http"], "env": ["prod"],
                                "resources": "prod", "replicas": 2}]
    assert not (migrated / "flavors").exists()
    result = run_cli("generate", str(migrated), "--out", str(after))
    assert result.code == 0, result.err
    old_replicas, old = _container(render(helm_bin, before / "prod/plain", "rel"))
    new_docs = render(helm_bin, after / "prod/plain", "rel")
    new_replicas, new = _container(new_docs)
    assert new_replicas == old_replicas == 2
    for key in ("image", "imagePullPolicy", "livenessProbe", "readinessProbe"):
        assert new[key] == old[key], key
    # what the old chart set is kept; a limit it left out gets the flavors' default
    assert new["resources"]["requests"] == old["resources"]["requests"]
    assert new["resources"]["limits"] == {"cpu": "1", "memory": "512Mi",
                                          **old["resources"].get("limits", {})}
    assert {(p["name"], p["containerPort"], p["protocol"]) for p in new["ports"]} == \
        {(p["name"], p["containerPort"], p["protocol"]) for p in old["ports"]}
    assert {"name": "LOG_LEVEL", "value": "info"} in new["env"]
    (service,) = [d for d in new_docs if d["kind"] == "Service"]
    assert [p["port"] for p in service["spec"]["ports"]] == [80]


def test_migrate_keep_flavor_keeps_the_exact_manifests(tmp_path: Path, helm_bin: str) -> None:
    world = make_tree(tmp_path / "world", PLAIN)
    before, migrated, after = tmp_path / "v1", tmp_path / "migrated", tmp_path / "format1"
    assert run_cli("generate", str(world / "plain"), "--out", str(before)).code == 0
    result = run_cli("migrate", str(world / "plain"), "--out", str(migrated), "--keep-flavor")
    assert result.code == 0, result.err
    assert (migrated / "flavors/plain/flavor.yaml").is_file()
    assert run_cli("generate", str(migrated), "--out", str(after)).code == 0
    assert _manifests(helm_bin, after / "prod/plain") == _manifests(helm_bin,
                                                                      before / "prod/plain")


# --------------------------------------------------------------------------- a helm-created flavor

def test_a_flavor_made_by_helm_create_renders_like_the_plain_chart(tmp_path: Path,
                                                                   helm_bin: str) -> None:
    """The original's getting-started guide: a flavor is `helm create webservice` without its
    values.yaml and tests; a service is `helm create hello-world` without templates, whose
    values become a `configuration` instance. Switched in place, it renders what the plain
    helm-created chart renders."""
    for name in ("webservice", "hello-world", "plain"):
        created = helm(helm_bin, "create", str(tmp_path / name))
        assert created.returncode == 0, created.stderr
    flavor, service = tmp_path / "webservice", tmp_path / "hello-world"
    (flavor / "values.yaml").unlink()
    shutil.rmtree(flavor / "templates/tests")
    shutil.rmtree(tmp_path / "plain/templates/tests")
    (flavor / "schema.yaml").write_text("context: {values: embedded configuration}\n")
    (tmp_path / "types.yaml").write_text("configuration: {valuesyaml: embedded object}\n")
    created_values = yaml.safe_load((service / "values.yaml").read_text())
    (service / "values.yaml").unlink()
    shutil.rmtree(service / "templates")
    (service / "pligos.yaml").write_text(yaml.safe_dump({
        "pligos": {"version": "1", "types": ["../types.yaml"]},
        "contexts": {"default": {"flavor": "../webservice", "spec": {"values": "default"}}},
        "values": {"configuration": [{"name": "default", "valuesyaml": created_values}]},
    }))
    result = run_cli("generate", "--in-place", "--context", "default", str(service))
    assert result.code == 0, result.err
    (service / "Chart.yaml").write_text((service / "Chart.yaml").read_text())
    shutil.copy(service / "Chart.yaml", tmp_path / "plain/Chart.yaml")
    assert helm(helm_bin, "template", "rel", str(service)).stdout == \
        helm(helm_bin, "template", "rel", str(tmp_path / "plain")).stdout.replace(
            "plain/templates", "hello-world/templates")


# --------------------------------------------------------------------------- more mistakes

def test_instances_that_refer_to_each_other_in_a_cycle(tmp_path: Path) -> None:
    world = make_tree(tmp_path, {
        "f/Chart.yaml": "apiVersion: v2\nname: f\nversion: 0.1.0\n",
        "f/schema.yaml": "node: {next: node}\ncontext: {root: node}\n",
        "s/Chart.yaml": "apiVersion: v2\nname: s\nversion: 0.1.0\n",
        "s/pligos.yaml": """
            pligos: {version: '1'}
            contexts:
              dev: {flavor: ../f, spec: {root: a}}
            values:
              node:
                - {name: a, next: b}
                - {name: b, next: a}
            """})
    result = run_cli("generate", "s", "--out", "out", cwd=world)
    assert result.code == 2
    assert "s/pligos.yaml:6:7: error: instances refer to each other in a cycle: " \
           "node a -> node b -> node a" in result.err, result.err
    assert not (world / "out").exists()


def test_dependencies_in_a_cycle_and_a_types_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    world = make_tree(tmp_path, {
        "f/Chart.yaml": "apiVersion: v2\nname: f\nversion: 0.1.0\n",
        "f/schema.yaml": "context: {x: string}\n",
        "types.yaml": "- not a mapping\n",
        "a/Chart.yaml": "apiVersion: v2\nname: a\nversion: 0.1.0\n",
        "a/pligos.yaml": """
            pligos: {version: '1'}
            contexts:
              dev:
                flavor: ../f
                dependencies: [{path: ../b, context: dev}]
            """,
        "b/Chart.yaml": "apiVersion: v2\nname: b\nversion: 0.1.0\n",
        "b/pligos.yaml": """
            pligos: {version: '1', types: [../types.yaml]}
            contexts:
              dev:
                flavor: ../f
            """})
    result = run_cli("generate", "b", cwd=world)
    assert result.code == 2
    assert "types.yaml:1: error: a types file must be a mapping of type name to its fields" \
        in result.err
    (world / "types.yaml").write_text("other: {y: string}\n")
    (world / "b/pligos.yaml").write_text((world / "b/pligos.yaml").read_text().replace(
        "flavor: ../f", "flavor: ../f\n    dependencies: [{path: ../a, context: dev}]"))
    result = run_cli("generate", "a", cwd=world)
    assert result.code == 2
    assert "error: dependencies form a cycle" in result.err, result.err
    assert "Traceback" not in result.err


def test_preview_explains_what_to_do_with_a_v1_service(world: Path) -> None:
    result = run_cli("preview", str(world / "hello"))
    assert result.code == 2
    assert "is a service of the original Pligos; this command works on format 1" in result.err


def test_check_reports_a_stale_v1_chart(world: Path) -> None:
    assert run_cli("generate", str(world / "hello")).code == 0
    assert run_cli("check", str(world / "hello"), "--no-lint").code == 0
    values = world / "hello/pligos.yaml"
    values.write_text(values.read_text().replace("replicas: 3", "replicas: 4"))
    result = run_cli("check", str(world / "hello"), "--no-lint")
    assert result.code == 1
    assert "hello/.pligos/charts/prod/hello: stale" in result.out


def test_in_place_on_a_tree_switches_the_services_having_the_context(world: Path) -> None:
    result = run_cli("generate", "--in-place", "--context", "dev", "--json", str(world))
    assert result.code == 0, result.err
    (report,) = json.loads(result.out)["switched"]
    assert report["service"] == "hello" and report["context"] == "dev"
    assert "values.yaml" in report["written"]
    assert not (world / "db/values.yaml").exists()  # db has no context dev


def test_a_list_may_mix_instance_names_and_inline_instances(tmp_path: Path) -> None:
    world = make_tree(tmp_path, {
        "f/Chart.yaml": "apiVersion: v2\nname: f\nversion: 0.1.0\n",
        "f/schema.yaml": "port: {number: numeric}\ncontext: {ports: mapped port}\n",
        "s/Chart.yaml": "apiVersion: v2\nname: s\nversion: 0.1.0\n",
        "s/pligos.yaml": """
            pligos: {version: '1'}
            contexts:
              dev: {flavor: ../f, spec: {ports: [http, {name: admin, number: 9901}]}}
            values:
              port: [{name: http, number: 8080}]
            """})
    assert run_cli("generate", "s", "--out", "out", cwd=world).code == 0
    assert yaml.safe_load((world / "out/dev/s/values.yaml").read_text()) == {
        "ports": {"http": {"number": 8080}, "admin": {"number": 9901}}}


def test_merge_keys_are_read_as_the_original_read_them(tmp_path: Path) -> None:
    world = make_tree(tmp_path, {
        "f/Chart.yaml": "apiVersion: v2\nname: f\nversion: 0.1.0\n",
        "f/schema.yaml": """
            port: &port {number: numeric, protocol: string}
            named: {<<: *port, name: string}
            context: {ports: mapped named}
            """,
        "s/Chart.yaml": "apiVersion: v2\nname: s\nversion: 0.1.0\n",
        "s/pligos.yaml": """
            pligos: {version: '1'}
            contexts:
              dev: {flavor: ../f, spec: {ports: [http, alt]}}
            values:
              named:
                - &http {name: http, number: 8080, protocol: TCP}
                - <<: *http
                  name: alt
                  number: 8081
            """})
    result = run_cli("generate", "s", "--out", "out", cwd=world)
    assert result.code == 0, result.err
    assert yaml.safe_load((world / "out/dev/s/values.yaml").read_text()) == {"ports": {
        "http": {"name": "http", "number": 8080, "protocol": "TCP"},
        "alt": {"name": "alt", "number": 8081, "protocol": "TCP"}}}
    # a mistake inside merged data is still located, and a bad << is explained
    pligos = world / "s/pligos.yaml"
    pligos.write_text(pligos.read_text().replace("contexts:", "x: &x 1\ncontexts:").replace(
        "  - <<: *http", "  - <<: *x"))
    result = run_cli("generate", "s", "--out", "out2", cwd=world)
    assert result.code == 2
    assert "s/pligos.yaml:8:7: error: << must merge a mapping" in result.err, result.err
