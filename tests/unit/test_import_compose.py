"""`pligos import compose`'s source side: a compose file translated into the Kubernetes objects
it means (tests/fixtures/import_compose/: an API and its worker, a web front, an admin built
from source, postgres and redis), what the translation cannot express, and the files compose
itself would refuse, each located."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import kube_validate, make_tree, register_secret

from pligos_tui.errors import ConfigError, PligosError, UsageError
from pligos_tui.jobs.importing.compose import RULES, read_compose
from pligos_tui.jobs.importing.compose_syntax import (
    cpu_quantity,
    duration,
    interpolate,
    memory_quantity,
    parse_port,
    read_env_file,
    whole_seconds,
)
from pligos_tui.jobs.importing.original import COMPOSE, Original

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "import_compose"
COMPOSE_FILE = FIXTURE / "compose.yaml"
SHOWN = "tests/fixtures/import_compose/compose.yaml"  # as the tests run from the checkout
DB_PASSWORD = (FIXTURE / "secrets" / "db_password.txt").read_text().strip()
SESSION_SECRET = "s3ss10n-k3y-n0t-f0r-g1t"  # in api.env


@pytest.fixture(scope="module")
def shop() -> Original:
    return read_compose(COMPOSE_FILE)


def obj(original: Original, kind: str, name: str) -> dict[str, Any]:
    found = [o for o in original.contexts[0].objects
             if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, (kind, name, [(o["kind"], o["metadata"]["name"])
                                          for o in original.contexts[0].objects])
    return found[0]


def container(original: Original, name: str) -> dict[str, Any]:
    containers = obj(original, "Deployment", name)["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == [name]
    return containers[0]


def pod(original: Original, name: str) -> dict[str, Any]:
    return obj(original, "Deployment", name)["spec"]["template"]["spec"]


def env(c: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in c["env"]}


def mounts(original: Original, name: str) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """mountPath -> (the mount without its name, the pod volume it mounts without its name)."""
    volumes = {v["name"]: {k: x for k, x in v.items() if k != "name"}
               for v in pod(original, name).get("volumes", [])}
    return {m["mountPath"]: ({k: x for k, x in m.items() if k not in ("name", "mountPath")},
                             volumes[m["name"]])
            for m in container(original, name).get("volumeMounts", [])}


def probe(command: list[str], period: int, timeout: int, failures: int,
          delay: int | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"exec": {"command": command}, "periodSeconds": period,
                             "timeoutSeconds": timeout, "failureThreshold": failures}
    if delay is not None:
        found["initialDelaySeconds"] = delay
    return found


# ---------------------------------------------------------------------- the shop


def test_each_service_is_a_deployment_and_a_service_when_it_has_ports(shop: Original) -> None:
    assert shop.kind == COMPOSE and shop.source == SHOWN and len(shop.contexts) == 1
    context = shop.contexts[0]
    assert context.name == "dev" and context.namespace == "" and context.release == ""
    kinds = sorted((o["kind"], o["metadata"]["name"]) for o in context.objects)
    assert kinds == sorted([
        ("Deployment", "api"), ("Service", "api"), ("Deployment", "worker"),
        ("Deployment", "web"), ("Service", "web"), ("Deployment", "admin"),
        ("Service", "admin"), ("Deployment", "db"), ("Deployment", "cache"),
        ("Service", "cache"), ("PersistentVolumeClaim", "api-uploads"),  # as a chart names
        ("PersistentVolumeClaim", "db-db-data"), ("PersistentVolumeClaim", "cache-redis-data"),
        ("ConfigMap", "api-api-yaml"), ("ConfigMap", "web-static"),
        ("ConfigMap", "nginx-conf")])
    # each object says where it came from: the service's line, a volume's or config's line
    assert context.source_of(obj(shop, "Deployment", "api")) == f"{SHOWN}:13"
    assert context.source_of(obj(shop, "Service", "api")) == f"{SHOWN}:13"
    assert context.source_of(obj(shop, "Deployment", "cache")) == f"{SHOWN}:119"
    assert context.source_of(obj(shop, "PersistentVolumeClaim", "db-db-data")) == f"{SHOWN}:130"
    assert context.source_of(obj(shop, "ConfigMap", "nginx-conf")) == f"{SHOWN}:135"
    assert context.source_of(obj(shop, "ConfigMap", "api-api-yaml")) == f"{SHOWN}:42"
    deployment = obj(shop, "Deployment", "api")
    labels = {"app.kubernetes.io/name": "api"}
    assert deployment["apiVersion"] == "apps/v1" and deployment["spec"]["replicas"] == 3
    assert deployment["spec"]["selector"] == {"matchLabels": labels}
    assert deployment["spec"]["template"]["metadata"]["labels"] == labels
    assert obj(shop, "Service", "api")["spec"]["selector"] == labels
    assert obj(shop, "Deployment", "worker")["spec"]["replicas"] == 2
    assert obj(shop, "Deployment", "db")["spec"]["replicas"] == 1


def test_the_api_container(shop: Original) -> None:
    api = container(shop, "api")
    assert api["image"] == "ghcr.io/example/shop-api:1.4.2"  # from the x-api block (<<)
    assert api["command"] == ["/app/bin/api"]
    assert api["args"] == ["serve", "--listen", "0.0.0.0:80", "--banner", "shop api"]
    # env_file first, then environment over it; ${LOG_LEVEL:-info} takes its default
    assert env(api) == {
        "LOG_LEVEL": "info", "SMTP_HOST": "mail.internal", "SMTP_PORT": "2525",
        "SESSION_SECRET": {"secretKeyRef": {"name": "api-env", "key": "SESSION_SECRET"}},
        "GREETING": "Hello, $USER", "DATABASE_HOST": "db", "CACHE_URL": "redis://cache:6379/0",
        "FEATURE_FLAGS": "", "WORKERS": "4"}
    assert api["ports"] == [{"name": "http", "containerPort": 80, "protocol": "TCP"},
                            {"name": "p9090", "containerPort": 9090, "protocol": "TCP"}]
    # interval 1m30s, timeout 500ms (rounded up to 1), retries 5, start_period 20s
    expected = probe(["curl", "-fsS", "http://localhost/healthz"], 90, 1, 5, 20)
    assert api["readinessProbe"] == expected and api["livenessProbe"] == expected
    assert api["readinessProbe"] is not api["livenessProbe"]
    assert api["resources"] == {"limits": {"cpu": "500m", "memory": "512Mi"},
                                "requests": {"cpu": "250m", "memory": "128Mi"}}
    assert mounts(shop, "api") == {
        "/etc/shop/api.yaml": ({"subPath": "api.yaml", "readOnly": True},
                               {"configMap": {"name": "api-api-yaml"}}),
        "/var/lib/shop/uploads": ({}, {"persistentVolumeClaim": {"claimName": "api-uploads"}}),
        "/run/secrets/db_password": ({"subPath": "db_password", "readOnly": True},
                                     {"secret": {"secretName": "db-password"}})}
    assert obj(shop, "Service", "api")["spec"]["ports"] == [
        {"name": "http", "port": 80, "targetPort": 80, "protocol": "TCP"},  # as peers reach it
        {"name": "p9090", "port": 9090, "targetPort": 9090, "protocol": "TCP"}]


def test_the_worker_has_no_ports_and_no_service(shop: Original) -> None:
    worker = container(shop, "worker")
    assert worker["image"] == "ghcr.io/example/shop-api:1.4.2"
    assert "command" not in worker and worker["args"] == ["worker", "--queue", "default"]
    assert "ports" not in worker and "readinessProbe" not in worker
    assert env(worker)["LOG_LEVEL"] == "debug"  # api.env's, nothing overrides it here
    assert env(worker)["CONCURRENCY"] == "8"  # the list form
    assert mounts(shop, "worker") == {"/tmp": ({}, {"emptyDir": {"medium": "Memory"}})}


def test_the_web_front(shop: Original) -> None:
    web = container(shop, "web")
    assert web["ports"] == [{"name": "http", "containerPort": 80, "protocol": "TCP"},
                            {"name": "p8443", "containerPort": 8443, "protocol": "TCP"}]
    assert obj(shop, "Service", "web")["spec"]["ports"] == [
        {"name": "http", "port": 80, "targetPort": 80, "protocol": "TCP"},  # long syntax
        {"name": "p8443", "port": 8443, "targetPort": 8443, "protocol": "TCP"}]  # expose
    assert web["securityContext"] == {"readOnlyRootFilesystem": True, "capabilities": {
        "add": ["NET_BIND_SERVICE"], "drop": ["ALL"]}}
    assert pod(shop, "web")["terminationGracePeriodSeconds"] == 60
    assert mounts(shop, "web") == {
        "/usr/share/nginx/html": ({"readOnly": True}, {"configMap": {"name": "web-static"}}),
        "/var/cache/nginx": ({}, {"emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}}),
        "/etc/nginx/conf.d/default.conf": ({"subPath": "nginx.conf", "readOnly": True},
                                           {"configMap": {"name": "nginx-conf"}})}


def test_a_service_built_from_source_gets_the_image_compose_would_build(shop: Original) -> None:
    admin = container(shop, "admin")
    assert admin["image"] == "shop-admin:latest"  # the project is the file's name: shop
    assert admin["args"] == ["node", "server.js"] and "readinessProbe" not in admin  # disable
    assert obj(shop, "Service", "admin")["spec"]["ports"] == [
        {"name": "http", "port": 3000, "targetPort": 3000, "protocol": "TCP"}]


def test_postgres_and_redis(shop: Original) -> None:
    db = container(shop, "db")
    assert db["image"] == "postgres:16-alpine"
    assert env(db) == {"POSTGRES_USER": "shop", "POSTGRES_DB": "shop",
                       "POSTGRES_PASSWORD_FILE": "/run/secrets/db_password"}
    expected = probe(["/bin/sh", "-c", "pg_isready -U shop -d shop"], 10, 5, 5)
    assert db["readinessProbe"] == expected == db["livenessProbe"]
    assert mounts(shop, "db") == {
        "/var/lib/postgresql/data": ({}, {"persistentVolumeClaim": {"claimName": "db-db-data"}}),
        "/run/secrets/db_password": ({"subPath": "db_password", "readOnly": True},
                                     {"secret": {"secretName": "db-password",
                                                 "defaultMode": 0o440}})}
    cache = container(shop, "cache")
    assert cache["args"] == ["redis-server", "--appendonly", "yes"]
    assert cache["securityContext"] == {"runAsUser": 999, "runAsGroup": 999}
    assert obj(shop, "Service", "cache")["spec"]["ports"] == [
        {"name": "http", "port": 6379, "targetPort": 6379, "protocol": "TCP"}]
    claim = obj(shop, "PersistentVolumeClaim", "cache-redis-data")
    assert claim["spec"] == {"accessModes": ["ReadWriteOnce"],
                             "resources": {"requests": {"storage": "1Gi"}}}


def test_config_maps_hold_the_bytes_of_the_files_that_are_there(shop: Original) -> None:
    assert obj(shop, "ConfigMap", "api-api-yaml")["data"] == {
        "api.yaml": (FIXTURE / "config" / "api.yaml").read_text()}
    assert obj(shop, "ConfigMap", "nginx-conf")["data"] == {
        "nginx.conf": (FIXTURE / "config" / "nginx.conf").read_text()}
    # a folder: its direct files (img/ is a subfolder: a leftover)
    assert obj(shop, "ConfigMap", "web-static")["data"] == {
        name: (FIXTURE / "static" / name).read_text() for name in ("app.css", "index.html")}


def test_secret_bytes_are_never_read(shop: Original, tmp_path: Path) -> None:
    register_secret(DB_PASSWORD, SESSION_SECRET)  # the suite's scan fails on a leak to a file
    written = yaml.safe_dump_all(shop.contexts[0].objects) + yaml.safe_dump(
        [vars(leftover) for leftover in shop.leftovers])
    (tmp_path / "translated.yaml").write_text(written)
    assert DB_PASSWORD not in written and SESSION_SECRET not in written
    assert not [o for o in shop.contexts[0].objects if o["kind"] == "Secret"]


def test_what_cannot_be_expressed_is_a_leftover_with_where_and_what_to_do(
        shop: Original) -> None:
    found = {(left.what, left.where) for left in shop.leftovers}
    expected = {
        ("${FEATURE_FLAGS} in services.api.environment.FEATURE_FLAGS", f"{SHOWN}:24"),
        ("host address 127.0.0.1 of port 9090 of service api", f"{SHOWN}:19"),
        ("the host port 8080 of port 80 of service api", f"{SHOWN}:18"),
        ("the host port 8000 of port 80 of service web", f"{SHOWN}:72"),
        ("secret environment of service api: SESSION_SECRET", f"{SHOWN}:20"),
        ("bind mount ./certs of service api", f"{SHOWN}:44"),
        ("depends_on of service api: db, cache", f"{SHOWN}:47"),
        ("labels of service api", f"{SHOWN}:50"),
        ("networks of service api", f"{SHOWN}:52"),
        ("logging of service api", f"{SHOWN}:9"),  # from the x-api block
        ("logging of service worker", f"{SHOWN}:9"),
        ("img in bind mount ./static", f"{SHOWN}:81"),
        ("capability SYS_PTRACE of service web", f"{SHOWN}:87"),
        ("build of service admin", f"{SHOWN}:94"),
        ("secret db_password", f"{SHOWN}:139"),
        ("size of volume db-data", f"{SHOWN}:130"),
        ("volume uploads, mounted by api (3 replicas)", f"{SHOWN}:131"),
        ("the Service of db", f"{SHOWN}:101"),
        ("networks: front, back", f"{SHOWN}:142"),
        ("secret environment of service worker: SESSION_SECRET", f"{SHOWN}:57"),
        ("depends_on of service worker: db", f"{SHOWN}:64"),
        ("networks of service worker", f"{SHOWN}:67"),
        ("networks of service web", f"{SHOWN}:91"),
        ("networks of service db", f"{SHOWN}:117"),
        ("networks of service cache", f"{SHOWN}:127"),
        ("size of volume uploads", f"{SHOWN}:131"),
        ("size of volume redis-data", f"{SHOWN}:132"),
    }
    # nothing the fixture says is dropped without a word, and nothing else is reported
    assert found == expected, (sorted(expected - found), sorted(found - expected))
    assert all(left.why and left.kept for left in shop.leftovers)
    by_what = {left.what: left for left in shop.leftovers}
    assert "shop-admin:latest" in by_what["build of service admin"].why
    assert "api-env" in by_what["secret environment of service api: SESSION_SECRET"].kept
    assert "db-password" in by_what["secret db_password"].kept
    assert "expose" in by_what["the Service of db"].kept


def test_the_translated_objects_are_valid_kubernetes(shop: Original, tmp_path: Path) -> None:
    kube_validate(shop.contexts[0].objects, tmp_path)


# ---------------------------------------------------------------------- smaller files


def translate(tmp_path: Path, text: str, files: dict[str, str] | None = None) -> Original:
    make_tree(tmp_path, {"compose.yaml": text, **(files or {})})
    return read_compose(tmp_path / "compose.yaml", context="ci")


def test_unquoted_ports_ranges_udp_and_the_version_key(tmp_path: Path) -> None:
    original = translate(tmp_path, """
        version: "3.8"
        services:
          ssh:
            image: example/ssh:1
            ports:
              - 2222:22
              - "6000-6001:7000-7001/udp"
              - 53/udp
    """)
    assert original.contexts[0].name == "ci"
    assert obj(original, "Service", "ssh")["spec"]["ports"] == [
        {"name": "http", "port": 22, "targetPort": 22, "protocol": "TCP"},  # 2222:22, not 8542
        {"name": "p7000", "port": 7000, "targetPort": 7000, "protocol": "UDP"},
        {"name": "p7001", "port": 7001, "targetPort": 7001, "protocol": "UDP"},
        {"name": "p53", "port": 53, "targetPort": 53, "protocol": "UDP"}]


def test_host_paths_sockets_and_source_mounts_are_leftovers(tmp_path: Path) -> None:
    original = translate(tmp_path, """
        services:
          app:
            build: .
            volumes:
              - .:/app
              - /var/run/docker.sock:/var/run/docker.sock
              - ./conf:/etc/app
              - ./tls:/etc/tls:ro
            privileged: true
            network_mode: host
            restart: "no"
            container_name: my-app
    """, {"conf/app.ini": "x = 1\n", "tls/server.key": "not read\n", "tls/server.crt": "c\n"})
    whats = {left.what: left for left in original.leftovers}
    assert "source code" in whats["bind mount . of service app"].why
    assert "daemon" in whats["bind mount /var/run/docker.sock of service app"].why
    assert "write there" in whats["write access to ./conf of service app"].why
    assert "not read" in whats["server.key of bind mount ./tls"].why
    for key in ("privileged", "network_mode", "container_name"):
        assert f"{key} of service app" in whats
    assert "restart: no of service app" in whats
    tls = obj(original, "ConfigMap", "app-tls")["data"]
    assert tls == {"server.crt": "c\n"}  # the key's bytes stayed on disk
    assert container(original, "app")["image"] == f"{tmp_path.name.lower()}-app:latest"


def test_variables_without_a_default_are_leftovers_and_defaults_are_used(
        tmp_path: Path) -> None:
    original = translate(tmp_path, """
        services:
          app:
            image: "example/app:${TAG:-1.2.3}"
            environment:
              - PRICE=$$5
              - REGION=${REGION:-${ZONE:-eu}}
              - MODE=${MODE:?set MODE}
              - PLAIN
    """)
    app = container(original, "app")
    assert app["image"] == "example/app:1.2.3"
    assert env(app) == {"PRICE": "$5", "REGION": "eu", "MODE": ""}
    whats = {left.what for left in original.leftovers}
    assert "${MODE} in services.app.environment[2]" in whats
    assert "environment PLAIN of service app" in whats


def test_a_named_volume_of_two_services_and_an_external_one(tmp_path: Path) -> None:
    original = translate(tmp_path, """
        services:
          a: {image: "x:1", volumes: ["shared:/data", "ext:/ext"]}
          b: {image: "x:1", volumes: ["shared:/data:ro"]}
        volumes:
          shared: {}
          ext: {external: true, name: legacy_data}
    """)
    claims = [o for o in original.contexts[0].objects if o["kind"] == "PersistentVolumeClaim"]
    assert [c["metadata"]["name"] for c in claims] == ["shared"]
    assert mounts(original, "b")["/data"] == (
        {"readOnly": True}, {"persistentVolumeClaim": {"claimName": "shared"}})
    assert mounts(original, "a")["/ext"][1] == {
        "persistentVolumeClaim": {"claimName": "legacy-data"}}
    whats = {left.what for left in original.leftovers}
    assert {"volume shared, mounted by a, b", "external volume ext"} <= whats


def test_values_that_look_like_secrets_become_secret_references(tmp_path: Path) -> None:
    token = "ghp_" + "a1B2" * 9  # a GitHub token's shape
    register_secret(token, "pw-in-url-9Zq")
    # the input holds them: it sits where the suite's secret scan expects secrets
    original = translate(tmp_path / "secrets", f"""
        services:
          app:
            image: "x:1"
            build:
              context: .
              args: [NPM_TOKEN={token}, NODE_ENV=production]
            environment:
              DATABASE_URL: postgres://shop:pw-in-url-9Zq@db/shop
              API_KEY: ${{API_KEY:-dev-only-key}}
              NOTE: {token}
              EMPTY_PASSWORD: ""
              KEY_FILE: /run/secrets/key
    """)
    assert env(container(original, "app")) == {
        "DATABASE_URL": {"secretKeyRef": {"name": "app-env", "key": "DATABASE_URL"}},
        "API_KEY": {"secretKeyRef": {"name": "app-env", "key": "API_KEY"}},
        "NOTE": {"secretKeyRef": {"name": "app-env", "key": "NOTE"}},
        "EMPTY_PASSWORD": "", "KEY_FILE": "/run/secrets/key"}
    written = yaml.safe_dump_all(original.contexts[0].objects) + yaml.safe_dump(
        [vars(left) for left in original.leftovers])
    for value in (token, "pw-in-url-9Zq", "dev-only-key"):
        assert value not in written
    build = next(left for left in original.leftovers if left.what == "build of service app")
    assert build.fragment["args"][1] == "NODE_ENV=production"  # the rest is kept as written


def test_configs_secrets_names_and_probes_in_their_other_forms(tmp_path: Path) -> None:
    original = translate(tmp_path, """
        services:
          web_api:
            image: "x:1"
            configs: [motd, {source: ext_conf, target: etc/app.conf}]
            secrets: [{source: token, target: api-token}]
            healthcheck: {interval: 5s}
            cpus: 1.5
            mem_limit: 1g
            deploy: {mode: global}
          quiet:
            image: "x:1"
            healthcheck: {test: [NONE]}
            links: [web_api]
        configs:
          motd: {content: "hello\\n"}
          ext_conf: {external: true}
        secrets:
          token: {environment: API_TOKEN}
    """)
    assert mounts(original, "web-api") == {
        "/motd": ({"subPath": "motd", "readOnly": True}, {"configMap": {"name": "motd"}}),
        "/etc/app.conf": ({"subPath": "ext_conf", "readOnly": True},
                          {"configMap": {"name": "ext-conf"}}),
        "/run/secrets/api-token": ({"subPath": "token", "readOnly": True},
                                   {"secret": {"secretName": "token"}})}
    assert obj(original, "ConfigMap", "motd")["data"] == {"motd": "hello\n"}
    web = container(original, "web-api")
    assert web["resources"] == {"limits": {"cpu": "1500m", "memory": "1Gi"}}
    assert "readinessProbe" not in web and "readinessProbe" not in container(original, "quiet")
    whats = {left.what for left in original.leftovers}
    assert {"name of service web_api", "healthcheck of service web_api",
            "deploy.mode of service web_api", "external config ext_conf", "secret token",
            "links of service quiet"} <= whats


def test_links_in_a_mounted_folder_are_not_followed(tmp_path: Path) -> None:
    make_tree(tmp_path, {"outside.txt": "host file\n", "conf/app.ini": "a = 1\n"})
    (tmp_path / "conf" / "link.txt").symlink_to(tmp_path / "outside.txt")
    original = translate(tmp_path, """
        services:
          app: {image: "x:1", volumes: ["./conf:/etc/app:ro"]}
    """)
    assert obj(original, "ConfigMap", "app-conf")["data"] == {"app.ini": "a = 1\n"}
    assert "link.txt in bind mount ./conf" in {left.what for left in original.leftovers}


# ---------------------------------------------------------------------- bad input

BAD = [
    ("not-yaml", "services:\n  web: [image\n", 3, "invalid YAML", ""),
    ("version-1-format", "web:\n  image: nginx\n", 1, "version 1 format", "FORMAT"),
    ("version-1", 'version: "1"\nservices:\n  web: {image: nginx}\n', 1,
     "version '1' is not a compose format", "FORMAT"),
    ("services-list", "services:\n  - web\n", 2, "services: is a list", "FORMAT"),
    ("empty", "# nothing\n", None, "the file is empty", "FORMAT"),
    ("service-text", "services:\n  web: nginx\n", 2, "service web is text, not a mapping",
     "SERVICE"),
    ("no-image", "services:\n  web:\n    ports: ['80']\n", 2,
     "neither image: nor build:", "SERVICE"),
    ("port-text", "services:\n  web:\n    image: nginx\n    ports:\n      - '80:http'\n", 5,
     "not a port number", "PORT"),
    ("port-range", "services:\n  web:\n    image: nginx\n    ports: ['70000:80']\n", 4,
     "outside 1-65535", "PORT"),
    ("port-protocol", "services:\n  web:\n    image: nginx\n    ports: ['80/http']\n", 4,
     "not tcp, udp or sctp", "PORT"),
    ("duration", "services:\n  web:\n    image: nginx\n    healthcheck:\n      test: [CMD, "
     "true]\n      interval: 10x\n", 6, "'10x' is not a duration", "DURATION"),
    ("duration-unit", "services:\n  web:\n    image: nginx\n    healthcheck:\n      test: "
     "'true'\n      timeout: 30\n", 6, "'30' is not a duration", "DURATION"),
    ("memory", "services:\n  web:\n    image: nginx\n    deploy:\n      resources:\n"
     "        limits: {memory: lots}\n", 6, "'lots' is not a size", "QUANTITY"),
    ("variable", "services:\n  web:\n    image: 'nginx:${TAG'\n", 3, "without closing it",
     "VARIABLE"),
    ("undeclared-volume", "services:\n  web:\n    image: nginx\n    volumes: [data:/data]\n",
     4, "the top-level volumes: does not declare", "REFERENCE"),
    ("command-quote", "services:\n  web:\n    image: nginx\n    command: run --pw 'x\n", 4,
     "does not split into words", "TYPE"),
    ("command-mapping", "services:\n  web:\n    image: nginx\n    command: {run: x}\n", 4,
     "command: is a mapping, not text or a list of words", "TYPE"),
    ("test-list", "services:\n  web:\n    image: nginx\n    healthcheck:\n      test: [curl, "
     "x]\n", 5, "starts with CMD, CMD-SHELL or NONE", "TYPE"),
]


@pytest.mark.parametrize(("text", "line", "message", "rule"),
                         [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_bad_compose_files_are_located_errors(tmp_path: Path, text: str, line: int | None,
                                              message: str, rule: str) -> None:
    file = tmp_path / "compose.yaml"
    file.write_text(text)
    with pytest.raises(ConfigError) as caught:
        read_compose(file)
    assert caught.value.exit_code == 2
    problem = next((p for p in caught.value.problems if message in p.message),
                   caught.value.problems[0])
    assert message in problem.message
    assert problem.file == str(file) and problem.line == line and problem.hint
    assert "--pw" not in caught.value.format()  # a command line may hold a password
    assert problem.rule == (f"E-IMPORT-COMPOSE-{rule}" if rule else "")
    if line is not None:
        assert f"{file}:{line}:" in caught.value.format()


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    file = tmp_path / "compose.yaml"
    file.write_text(textwrap.dedent("""\
        services:
          web:
            image: nginx
            ports: ["80:x"]
          api:
            image: api
            healthcheck: {test: "true", interval: soon}
          worker: 42
    """))
    with pytest.raises(ConfigError) as caught:
        read_compose(file)
    assert [(p.line, p.rule) for p in caught.value.problems] == [
        (4, "E-IMPORT-COMPOSE-PORT"), (7, "E-IMPORT-COMPOSE-DURATION"),
        (8, "E-IMPORT-COMPOSE-SERVICE")]


def test_an_env_file_that_does_not_parse_names_its_line_never_its_text(tmp_path: Path) -> None:
    make_tree(tmp_path, {"compose.yaml": "services:\n  a:\n    image: x\n    env_file: a.env\n",
                         "a.env": "OK=1\nDB PASSWORD=hunter2-secret\n"})
    with pytest.raises(ConfigError) as caught:
        read_compose(tmp_path / "compose.yaml")
    (problem,) = caught.value.problems
    assert problem.rule == "E-IMPORT-COMPOSE-ENV-FILE" and problem.line == 4
    assert "line 2 is not NAME=value" in problem.message
    assert "hunter2" not in caught.value.format()


def test_a_context_name_must_be_a_dns_label(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        read_compose(COMPOSE_FILE, context="Prod_1")


def test_rule_ids_are_unique_and_documented() -> None:
    assert len({r.id for r in RULES}) == len(RULES)
    assert all(r.id.startswith("E-IMPORT-COMPOSE-") and r.summary for r in RULES)
    assert issubclass(ConfigError, PligosError)


# ---------------------------------------------------------------------- compose's small languages


@pytest.mark.parametrize(("text", "seconds"), [
    ("30s", 30), ("1m30s", 90), ("500ms", 0.5), ("1.5h", 5400), ("2h45m", 9900), ("0", 0)])
def test_durations(text: str, seconds: float) -> None:
    assert duration(text) == pytest.approx(seconds)


def test_whole_seconds_round_up_and_keep_a_minimum() -> None:
    assert whole_seconds(0.5, minimum=1) == 1 and whole_seconds(1.2, minimum=1) == 2
    assert whole_seconds(0, minimum=1) == 1 and whole_seconds(0, minimum=0) == 0


@pytest.mark.parametrize(("value", "cpu"), [
    ("0.5", "500m"), (2, "2"), ("1.25", "1250m"), (0.001, "1m"), ("0", None)])
def test_cpu_counts(value: object, cpu: str | None) -> None:
    assert cpu_quantity(value) == cpu


@pytest.mark.parametrize(("value", "memory"), [
    ("512M", "512Mi"), ("512m", "512Mi"), ("1g", "1Gi"), ("1.5g", "1536Mi"), ("64MB", "64Mi"),
    ("2k", "2Ki"), (1000, "1000"), ("1048576", "1Mi"), ("0", None)])
def test_byte_sizes_are_binary_and_exact(value: object, memory: str | None) -> None:
    assert memory_quantity(value) == memory


@pytest.mark.parametrize(("text", "ports"), [
    ("80", [(80, None, "TCP", "")]),
    ("8080:80", [(80, 8080, "TCP", "")]),
    ("127.0.0.1:8080:80/udp", [(80, 8080, "UDP", "127.0.0.1")]),
    ("[::1]:53:53/udp", [(53, 53, "UDP", "::1")]),
    ("127.0.0.1::80", [(80, None, "TCP", "127.0.0.1")]),
    ("9000-9001:8000-8001", [(8000, 9000, "TCP", ""), (8001, 9001, "TCP", "")]),
])
def test_port_mappings(text: str, ports: list[tuple[int, int | None, str, str]]) -> None:
    assert [(m.target, m.published, m.protocol, m.host_ip) for m in parse_port(text)] == ports


@pytest.mark.parametrize("text", ["", "http", "80:", "1:2:3:4", "0", "9000-9002:80-81",
                                  "8080:80/icmp"])
def test_ports_that_do_not_parse(text: str) -> None:
    with pytest.raises(ValueError):
        parse_port(text)


def test_interpolation() -> None:
    assert interpolate("a ${X:-b} ${Y-c} $$d ${Z} $W ${V:+e}") == ("a b c $d   ", ["Z", "W", "V"])
    assert interpolate("${A:-${B:-x}}") == ("x", [])
    with pytest.raises(ValueError):
        interpolate("${A")
    with pytest.raises(ValueError):
        interpolate("${1A}")


def test_env_files() -> None:
    lines = read_env_file(textwrap.dedent("""\
        # comment
        export A=1
        B="two\\nlines" # comment
        C='$literal'
        D=value # comment
        E
    """))
    assert [(e.name, e.value, e.line, e.expand) for e in lines] == [
        ("A", "1", 2, True), ("B", "two\nlines", 3, True), ("C", "$literal", 4, False),
        ("D", "value", 5, True), ("E", None, 6, True)]
