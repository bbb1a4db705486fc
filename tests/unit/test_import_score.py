"""`pligos import score`'s source side: Score workloads as the Kubernetes objects they mean,
their resources as friends or to-dos, and every bad input as a located error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support import EXAMPLES, kube_validate, make_tree, one

from pligos_tui.errors import ConfigError, UsageError
from pligos_tui.jobs.importing.original import SCORE, Leftover, Original
from pligos_tui.jobs.importing.score import read_score

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import_score"
FRIENDS = EXAMPLES / "shop" / "friends"  # postgres and redis
PROD = ("prod", [Path("prod.score-overrides.yaml")])


@pytest.fixture
def shop(monkeypatch: pytest.MonkeyPatch) -> Original:
    """The storefront in dev and prod, with the shop's friends library."""
    monkeypatch.chdir(FIXTURES)
    return read_score([Path("score.yaml")], contexts=[("dev", []), PROD],
                      friends_library=[FRIENDS])


def objects(original: Original, context: str) -> list[dict[str, Any]]:
    return next(c for c in original.contexts if c.name == context).objects


def container(deployment: dict[str, Any], name: str) -> dict[str, Any]:
    spec = deployment["spec"]["template"]["spec"]
    return next(c for c in spec["containers"] + spec.get("initContainers", [])
                if c["name"] == name)


def env(c: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in c.get("env", [])}


def leftover(original: Original, what: str) -> Leftover:
    found = [item for item in original.leftovers if item.what == what]
    assert len(found) == 1, [item.what for item in original.leftovers]
    return found[0]


def test_a_web_workload_becomes_the_objects_its_chart_has(shop: Original) -> None:
    assert (shop.kind, shop.source, shop.name) == (SCORE, "score.yaml", "shop-web")
    dev = objects(shop, "dev")
    assert [(o["kind"], o["metadata"]["name"]) for o in dev] == [
        ("Deployment", "shop-web"), ("Service", "shop-web"),
        ("ConfigMap", "shop-web-web-files"), ("ConfigMap", "shop-web-log-shipper-files"),
        ("PersistentVolumeClaim", "shop-web-data"), ("Ingress", "shop-web")]
    deployment = one(dev, "Deployment")
    assert deployment["spec"]["replicas"] == 1
    pod = deployment["spec"]["template"]
    assert pod["metadata"]["annotations"] == {"team.example.com/owner": "storefront"}
    assert [c["name"] for c in pod["spec"]["containers"]] == ["web", "log-shipper"]
    web = container(deployment, "web")
    assert web["image"] == "ghcr.io/example/shop-web:1.4.2"
    assert (web["command"], web["args"]) == (["/app/server"], ["--listen", ":8080"])
    assert web["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"},
                            {"name": "metrics", "containerPort": 9090, "protocol": "TCP"}]
    assert web["resources"] == {"requests": {"cpu": "100m", "memory": "128Mi"},
                                "limits": {"cpu": "500m", "memory": "256Mi"}}
    assert web["livenessProbe"] == {"httpGet": {
        "path": "/healthz", "port": 8080, "httpHeaders": [{"name": "X-Probe",
                                                           "value": "liveness"}]}}
    assert web["readinessProbe"] == {"httpGet": {"path": "/ready", "port": 8080,
                                                 "scheme": "HTTP"}}
    assert web["volumeMounts"] == [
        {"name": "web-files", "mountPath": "/etc/shop"},
        {"name": "data", "mountPath": "/var/lib/shop", "subPath": "uploads"}]
    shipper = container(deployment, "log-shipper")
    assert "ports" not in shipper  # the service's ports are the first container's
    assert shipper["readinessProbe"] == {"exec": {"command": ["/fluent-bit/bin/fluent-bit",
                                                              "--dry-run"]}}
    assert shipper["volumeMounts"][1] == {"name": "data", "mountPath": "/var/lib/shop",
                                          "readOnly": True}
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    assert volumes["data"] == {"name": "data",
                               "persistentVolumeClaim": {"claimName": "shop-web-data"}}
    assert volumes["web-files"]["configMap"] == {"name": "shop-web-web-files", "items": [
        {"key": "app.yaml", "path": "app.yaml"},
        {"key": "banner.txt", "path": "banner.txt", "mode": 0o644}]}
    files = one(dev, "ConfigMap", "shop-web-web-files")["data"]
    assert files == {"app.yaml": "name: shop-web\ncurrency: EUR\n",  # placeholder replaced
                     "banner.txt": "Welcome to the shop\n"}  # `source`, read beside it
    assert "Path /var/lib/shop/*.log" in one(dev, "ConfigMap", "shop-web-log-shipper-files")[
        "data"]["fluent-bit.conf"]
    service = one(dev, "Service")
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert service["spec"]["ports"] == [
        {"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"},
        {"name": "metrics", "port": 9090, "targetPort": 9090, "protocol": "TCP"}]
    assert one(dev, "PersistentVolumeClaim")["spec"] == {
        "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
    assert one(dev, "Ingress")["spec"]["rules"] == [{"http": {"paths": [{
        "path": "/", "pathType": "Prefix",
        "backend": {"service": {"name": "shop-web", "port": {"number": 80}}}}]}}]
    where = shop.contexts[0].where
    assert [where[id(o)] for o in dev] == ["score.yaml:4", "score.yaml:8", "score.yaml:31",
                                            "score.yaml:65", "score.yaml:92", "score.yaml:86"]


def test_variables_get_their_placeholders_replaced_or_kept_as_written(shop: Original) -> None:
    web = container(one(objects(shop, "dev"), "Deployment"), "web")
    assert env(web) == {
        "APP_NAME": "shop-web",
        "DB_URL": "postgres://${resources.db.host}:${resources.db.port}/${resources.db.name}",
        "PUBLIC_URL": "https://${resources.dns.host}",
        "QUEUE_URL": "${resources.queue.url}",
        "PRICE_NOTE": "$5 flat",  # $$ is a dollar
        "LOG_LEVEL": "info"}
    url = leftover(shop, "env DB_URL of container web")
    assert (url.where, url.kept) == ("score.yaml:24", "kept as written")
    assert url.why == ("${resources.db.host}, ${resources.db.port}, ${resources.db.name}: "
                       "resource db is replaced by the friend postgres, which sets "
                       "POSTGRES_HOST, POSTGRES_PORT, POSTGRES_DATABASE, "
                       "POSTGRES_PASSWORD_FILE instead")
    assert "dns provisioner" in leftover(shop, "env PUBLIC_URL of container web").why
    assert leftover(shop, "env QUEUE_URL of container web").fragment == {
        "QUEUE_URL": "${resources.queue.url}"}


def test_resources_a_friend_matches_become_friends_and_drop_their_variables(
        shop: Original) -> None:
    assert shop.friends == {"shop-web": ["postgres", "redis"]}
    for name, variable in [("DB_HOST", "POSTGRES_HOST"), ("DB_PORT", "POSTGRES_PORT"),
                           ("DB_NAME", "POSTGRES_DATABASE"), ("CACHE_HOST", "REDIS_HOST")]:
        item = leftover(shop, f"env {name} of container web")
        assert item.kept == f"dropped: the friend sets {variable}; have the program read that"
    assert leftover(shop, "env DB_HOST of container web").why == (
        "it reads ${resources.db.host}, which the friend postgres provides")
    todo = leftover(shop, "resource queue (type amqp)")
    assert (todo.where, todo.context) == ("score.yaml:82", "")
    assert todo.kept.startswith("add a friend amqp to the library, or ")


def test_without_a_matching_friend_each_resource_is_a_todo(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    original = read_score([Path("score.yaml")])
    assert original.friends == {}
    assert [c.name for c in original.contexts] == ["dev"]
    web = container(one(objects(original, "dev"), "Deployment"), "web")
    assert env(web)["DB_HOST"] == "${resources.db.host}"
    assert leftover(original, "env DB_HOST of container web").why == (
        "${resources.db.host}: resource db (type postgres) has no friend to replace it")
    assert leftover(original, "resource db (type postgres)").kept.startswith(
        "add a friend postgres to the library")
    assert leftover(original, "resource cache (type redis)").where == "score.yaml:80"


def test_prod_overrides_merge_over_the_workload(shop: Original) -> None:
    prod = objects(shop, "prod")
    deployment = one(prod, "Deployment")
    web = container(deployment, "web")
    assert web["image"] == "ghcr.io/example/shop-web:1.5.0"
    assert web["command"] == ["/app/server"]  # what the overrides leave alone stays
    assert web["resources"] == {"requests": {"cpu": "500m", "memory": "512Mi"},
                                "limits": {"cpu": "2", "memory": "1Gi"}}
    assert env(web)["LOG_LEVEL"] == "warn"
    assert env(web)["PUBLIC_URL"] == "https://shop.example.com"
    assert "readinessProbe" not in container(deployment, "log-shipper")  # null removes it
    assert one(prod, "PersistentVolumeClaim")["spec"] == {
        "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "20Gi"}},
        "storageClassName": "fast-ssd"}
    assert one(prod, "Ingress")["spec"]["rules"][0]["host"] == "shop.example.com"
    # a key the overrides do not change is still located in the Score file
    where = shop.contexts[1].where
    assert where[id(deployment)] == "score.yaml:4"


def test_a_leftover_of_one_context_names_it(shop: Original) -> None:
    assert leftover(shop, "host of route route").context == "dev"
    assert leftover(shop, "size of volume data").context == "dev"
    assert leftover(shop, "env PUBLIC_URL of container web").context == "dev"
    assert leftover(shop, "env DB_HOST of container web").context == ""  # in both: once


def test_several_workloads_a_built_image_an_init_container_and_a_service_port(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    original = read_score([Path("score.yaml"), Path("worker.score.yaml")],
                          contexts=[("dev", []), PROD], friends_library=[FRIENDS])
    assert original.name == ""
    assert original.friends == {"shop-web": ["postgres", "redis"], "shop-worker": ["postgres"]}
    for context in ("dev", "prod"):
        worker = one(objects(original, context), "Deployment", "shop-worker")
        pod = worker["spec"]["template"]["spec"]
        assert [c["name"] for c in pod["containers"]] == ["worker"]
        assert pod["initContainers"] == [{"name": "migrate", "image":
                                          "ghcr.io/example/shop-migrate:1.0.0",
                                          "command": ["/migrate", "up"]}]
        assert pod["containers"][0]["image"] == "shop-worker:latest"
        # the storefront's Service and port, read from the other workload
        assert env(pod["containers"][0]) == {"STOREFRONT_URL": "http://shop-web:80"}
    image = leftover(original, "image of container worker")
    assert (image.where, image.context) == ("worker.score.yaml:7", "")
    assert leftover(original, "env DATABASE_PASSWORD of container worker").kept == (
        "dropped: the friend sets POSTGRES_PASSWORD_FILE; have the program read that")
    # the prod overrides name shop-web: the worker is the same in both contexts
    assert objects(original, "prod")[-1] == objects(original, "dev")[-1]


def test_the_objects_are_valid_kubernetes(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    original = read_score([Path("score.yaml"), Path("worker.score.yaml")],
                          contexts=[("dev", []), PROD], friends_library=[FRIENDS])
    kube_validate(objects(original, "dev") + objects(original, "prod"), tmp_path)


SCORE_TEXT = """\
apiVersion: score.dev/v1b1
metadata:
  name: api
service:
  ports:
    web: {port: 8080}
containers:
  api:
    image: example/api:1
"""


def test_smaller_translations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = SCORE_TEXT.replace("  name: api\n", "  name: api\n  annotations: {team: core, "
                              "k8s.score.dev/kind: StatefulSet}\n") + """\
    variables:
      LITERAL: $${metadata.name}
      OWNER: ${metadata.annotations.team}
      OTHER: ${secrets.token}
    files:
      /etc/api/missing.conf: {source: missing.conf}
      /etc/api/logo.bin: {binaryContent: AAEC}
    volumes:
      /cache: {source: shared-cache}
    livenessProbe:
      httpGet: {path: /healthz}
      exec: {command: [/bin/true]}
    readinessProbe:
      httpGet: {path: /ready}
  helper:
    image: example/helper:1
    before:
      api: {ready: healthy}
"""
    monkeypatch.chdir(make_tree(tmp_path, {"score.yaml": text}))
    original = read_score([Path("score.yaml")])
    dev = objects(original, "dev")
    api = container(one(dev, "Deployment"), "api")
    assert env(api) == {"LITERAL": "${metadata.name}", "OWNER": "core",
                        "OTHER": "${secrets.token}"}
    assert "neither metadata nor a resource" in leftover(original, "env OTHER of container "
                                                                   "api").why
    assert api["ports"] == [{"name": "web", "containerPort": 8080, "protocol": "TCP"}]
    assert api["livenessProbe"] == {"exec": {"command": ["/bin/true"]}}  # exec preferred
    assert leftover(original, "livenessProbe.httpGet of container api").kept == "not expressed"
    assert api["readinessProbe"] == {"httpGet": {"path": "/ready", "port": 8080}}
    assert one(dev, "ConfigMap")["binaryData"] == {"logo.bin": "AAEC"}
    assert "missing.conf cannot be read" in leftover(
        original, "file /etc/api/missing.conf of container api").why
    assert {"name": "shared-cache", "mountPath": "/cache"} in api["volumeMounts"]
    assert leftover(original, "volume /cache of container api").kept == (
        "mounted as the existing claim shared-cache")
    assert "healthy" in leftover(original, "before api of container helper").why
    assert leftover(original, "annotation k8s.score.dev/kind of workload api").where == (
        "score.yaml:4")
    assert one(dev, "Deployment")["spec"]["template"]["metadata"]["annotations"] == {
        "team": "core"}


# -- bad input: exit 2, located -------------------------------------------------------------


BAD = {
    "not YAML": ({"score.yaml": "apiVersion: [score.dev/v1b1\n"}, [],
                 ("score.yaml", 2, "", "invalid YAML")),
    "a list": ({"score.yaml": "- apiVersion: score.dev/v1b1\n"}, [],
               ("score.yaml", 1, "E-IMPORT-SCORE-TYPE", "a Score file is a mapping")),
    "apiVersion": ({"score.yaml": SCORE_TEXT.replace("v1b1", "v1b2")}, [],
                   ("score.yaml", 1, "E-IMPORT-SCORE-VERSION", "'score.dev/v1b2' is not")),
    "no name": ({"score.yaml": SCORE_TEXT.replace("  name: api\n", "  team: core\n")}, [],
                ("score.yaml", 3, "E-IMPORT-SCORE-REQUIRED", "'name' is missing")),
    "no containers": ({"score.yaml": SCORE_TEXT.split("containers:")[0]}, [],
                      ("score.yaml", 1, "E-IMPORT-SCORE-REQUIRED", "'containers' is missing")),
    "no image": ({"score.yaml": SCORE_TEXT.replace("image: example/api:1",
                                                   "command: [/api]")}, [],
                 ("score.yaml", 9, "E-IMPORT-SCORE-REQUIRED", "'image' is missing")),
    "misspelt key": ({"score.yaml": SCORE_TEXT.replace("    image", "    imgae: x\n    image")},
                     [], ("score.yaml", 9, "E-IMPORT-SCORE-KEY", "unknown key 'imgae'")),
    "a number": ({"score.yaml": SCORE_TEXT + "    variables: {PORT: 8080}\n"}, [],
                 ("score.yaml", 10, "E-IMPORT-SCORE-TYPE", "must be text, not a number")),
    "a port": ({"score.yaml": SCORE_TEXT.replace("8080", "80800")}, [],
               ("score.yaml", 6, "E-IMPORT-SCORE-VALUE", "port 80800 is outside 1-65535")),
    "two contents": ({"score.yaml": SCORE_TEXT + "    files:\n      /etc/a.conf: "
                                                 "{content: a, source: a.conf}\n"}, [],
                     ("score.yaml", 11, "E-IMPORT-SCORE-VALUE", "gives content and source")),
    "overrides not YAML": ({"score.yaml": SCORE_TEXT, "prod.yaml": "containers: {api: [\n"},
                           ["prod.yaml"], ("prod.yaml", 2, "", "invalid YAML")),
    "overrides a list": ({"score.yaml": SCORE_TEXT, "prod.yaml": "- image: x\n"},
                         ["prod.yaml"], ("prod.yaml", 1, "E-IMPORT-SCORE-OVERRIDES",
                                         "an overrides file is a mapping")),
    "overrides type": ({"score.yaml": SCORE_TEXT,
                        "prod.yaml": "containers:\n  api:\n    args: --verbose\n"},
                       ["prod.yaml"], ("prod.yaml", 3, "E-IMPORT-SCORE-TYPE", "must be a list")),
    "overrides null": ({"score.yaml": SCORE_TEXT,
                        "prod.yaml": "containers:\n  api:\n    image: null\n"},
                       ["prod.yaml"], ("prod.yaml", 3, "E-IMPORT-SCORE-REQUIRED",
                                       "'image' is missing")),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_input_is_a_located_error(case: str, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    files, overrides, (file, line, rule, message) = BAD[case]
    monkeypatch.chdir(make_tree(tmp_path, files))
    with pytest.raises(ConfigError) as caught:
        read_score([Path("score.yaml")], contexts=[("prod", [Path(p) for p in overrides])])
    problem = caught.value.problems[0]
    assert (problem.file, problem.line, problem.rule) == (file, line, rule), problem.format()
    assert message in problem.message
    assert problem.hint or rule == ""  # every rule of this import says what to do
    assert caught.value.exit_code == 2


def test_several_files_each_problem_in_its_own_file(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(make_tree(tmp_path, {
        "a.yaml": SCORE_TEXT,
        "b.yaml": SCORE_TEXT.replace("image: example/api:1", "image: 5").replace(
            "name: api", "name: worker"),
        "c.yaml": SCORE_TEXT, "prod.yaml": "containers:\n  api:\n    image: x\n"}))
    with pytest.raises(ConfigError) as caught:
        read_score([Path("a.yaml"), Path("b.yaml"), Path("c.yaml")],
                   contexts=[("prod", [Path("prod.yaml")])])
    assert [(p.file, p.line, p.rule) for p in caught.value.problems] == [
        ("b.yaml", 9, "E-IMPORT-SCORE-TYPE"),
        ("c.yaml", 3, "E-IMPORT-SCORE-DUPLICATE"),
        ("prod.yaml", 1, "E-IMPORT-SCORE-OVERRIDES")]
    assert "also described by a.yaml" in caught.value.problems[1].message


def test_bad_contexts_and_libraries_are_usage_errors(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(make_tree(tmp_path, {"score.yaml": SCORE_TEXT}))
    for kwargs, message in [({"contexts": [("Prod", [])]}, "context name 'Prod' is not"),
                            ({"contexts": [("dev", []), ("dev", [])]}, "given twice"),
                            ({"friends_library": [Path("friends")]}, "does not exist")]:
        with pytest.raises(UsageError, match=message):
            read_score([Path("score.yaml")], **kwargs)
