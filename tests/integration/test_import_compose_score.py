"""`pligos import compose` and `pligos import score` from the command line: a realistic
multi-service compose file and a Score workload with a prod overrides file become services
whose charts run what the originals describe; the report says what could not be said."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from tests.support import run_cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
COMPOSE = FIXTURES / "import_compose" / "compose.yaml"
SCORE = FIXTURES / "import_score"
FRIENDS = Path(__file__).resolve().parents[2] / "examples" / "shop" / "friends"


def rendered(folder: Path, context: str) -> list[dict]:
    result = run_cli("render", str(folder), "--context", context)
    assert result.code == 0, result.err
    return [d for d in yaml.safe_load_all(result.out) if d]


def workload(objects: list[dict]) -> dict:
    (found,) = [o for o in objects if o["kind"] == "Deployment"]
    return found


@pytest.fixture(scope="module")
def compose(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("compose") / "shop"
    result = run_cli("import", "compose", str(COMPOSE), "--out", str(out), "--json")
    # the file uses what a cluster cannot do the same way (a secret variable, single-file
    # mounts): exit 1, and the report says what
    assert result.code == 1, result.out + result.err
    return out, json.loads(result.out)


def test_each_compose_service_is_a_service_of_its_own(compose) -> None:
    out, report = compose
    names = [s["name"] for s in report["services"]]
    assert names == ["api", "worker", "web", "admin", "db", "cache"]
    for name in names:
        assert (out / name / "pligos.yaml").is_file()
        assert run_cli("generate", str(out / name)).code == 0


def test_the_api_runs_what_compose_runs(compose) -> None:
    out, _ = compose
    deploy = workload(rendered(out / "api", "dev"))
    assert deploy["spec"]["replicas"] == 3
    (api,) = deploy["spec"]["template"]["spec"]["containers"]
    assert api["image"] == "ghcr.io/example/shop-api:1.4.2"
    assert api["command"] == ["/app/bin/api"]
    assert api["args"] == ["serve", "--listen", "0.0.0.0:80", "--banner", "shop api"]
    env = {e["name"]: e.get("value") for e in api["env"]}
    assert env["LOG_LEVEL"] == "info" and env["WORKERS"] == "4"
    assert env["CACHE_URL"] == "redis://cache:6379/0"
    assert api["resources"]["limits"] == {"cpu": "500m", "memory": "512Mi"}
    assert api["resources"]["requests"] == {"cpu": "250m", "memory": "128Mi"}
    probe = api["livenessProbe"]
    assert probe["exec"]["command"] == ["curl", "-fsS", "http://localhost/healthz"]
    assert probe["periodSeconds"] == 90 and probe["failureThreshold"] == 5
    assert {p["containerPort"] for p in api["ports"]} == {80, 9090}


def test_what_compose_cannot_say_in_a_cluster_is_listed_with_its_line(compose) -> None:
    out, report = compose
    (api,) = [s for s in report["services"] if s["name"] == "api"]
    lines = {x["what"]: x for x in api["leftovers"]}
    depends = lines["depends_on of service api: db, cache"]
    assert depends["where"].endswith("compose.yaml:47") and depends["material"] is False
    assert any(what.startswith("the mount /etc/shop/api.yaml") for what in lines)
    leftovers = (out / "import-leftovers.yaml").read_text()
    assert "depends_on of service api" in leftovers


def test_the_secret_file_of_the_compose_project_is_never_read(compose) -> None:
    out, _ = compose
    secret = (COMPOSE.parent / "secrets" / "db_password.txt").read_text().strip()
    for path in out.rglob("*"):
        if path.is_file():
            assert secret not in path.read_text(errors="replace"), path


def test_the_text_report_ends_with_the_count(tmp_path: Path) -> None:
    result = run_cli("import", "compose", str(COMPOSE), "--out", str(tmp_path / "shop"))
    assert result.code == 1
    assert "api  Deployment api → " in result.out
    last = result.out.rstrip().splitlines()[-1]
    assert re.match(r"\d of 6 contexts of 6 services match the original; \d+ things not "
                    r"expressed$", last), last


def test_a_compose_file_of_version_1_exits_2_writing_nothing(tmp_path: Path) -> None:
    old = tmp_path / "docker-compose.yml"
    old.write_text("web:\n  image: nginx\n  ports: ['80:80']\n")
    result = run_cli("import", "compose", str(old), "--out", str(tmp_path / "out"))
    assert result.code == 2
    assert "docker-compose.yml:1" in result.err and "Traceback" not in result.err
    assert not (tmp_path / "out").exists()


@pytest.fixture(scope="module")
def score(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("score") / "web"
    result = run_cli("import", "score", str(SCORE / "score.yaml"), "--context", "dev",
                     "--context", f"prod={SCORE / 'prod.score-overrides.yaml'}",
                     "--friends-library", str(FRIENDS), "--out", str(out), "--json")
    assert result.code in (0, 1), result.out + result.err
    return out, json.loads(result.out)


def test_a_score_workload_with_overrides_becomes_two_contexts(score) -> None:
    out, report = score
    (svc,) = report["services"]
    assert svc["name"] == "shop-web" and set(svc["contexts"]) == {"dev", "prod"}
    doc = yaml.safe_load((out / "pligos.yaml").read_text())
    dev, prod = doc["contexts"]
    assert prod["extends"] == "dev"
    # the resources a friend of the library provides are that friend
    assert set(dev["friends"]) == {"postgres", "redis"}
    images = {i["name"]: i for i in doc["images"]}
    assert images[dev["image"]]["tag"] == "1.4.2" and images[prod["image"]]["tag"] == "1.5.0"


def test_the_score_containers_run_as_written(score) -> None:
    out, _ = score
    assert run_cli("generate", str(out)).code == 0
    deploy = workload(rendered(out, "prod"))
    containers = {c["name"]: c for c in deploy["spec"]["template"]["spec"]["containers"]}
    web = containers["shop-web"]
    assert web["image"] == "ghcr.io/example/shop-web:1.5.0"
    assert web["command"] == ["/app/server"]
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
    env = {e["name"]: e.get("value") for e in web["env"]}
    assert env["PUBLIC_URL"] == "https://shop.example.com"
    assert env["POSTGRES_HOST"]  # the friend's, in place of ${resources.db.host}
    assert "log-shipper" in {c["name"] for c in
                             deploy["spec"]["template"]["spec"].get("initContainers", [])} | \
        set(containers)


def test_a_score_resource_no_friend_provides_is_a_todo(score) -> None:
    _, report = score
    (svc,) = report["services"]
    todo = [x for x in svc["leftovers"] if x["what"].startswith("resource queue")]
    assert todo and "add a friend amqp" in todo[0]["kept"]
