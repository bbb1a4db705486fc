"""`pligos plan`: a flavor change seen across a git repository of services before it lands,
object by object, with the real helm; and `pligos diff` between two contexts."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from pligos_tui.spec.flavors import BUILTIN_DIR
from tests.support import make_tree, register_secret, run_cli

SERVICES = ("api", "billing", "catalog", "orders", "search")


def service_yaml(name: str, flavor: str = "web", paths: str = "[../../flavors]") -> str:
    return f"""\
        pligos: 1
        name: {name}
        flavorPaths: {paths}
        images:
          - name: app
            repository: registry.example.com/{name}
            tag: "1.0.0"
        routes:
          - name: http
            port: 8080
        contexts:
          - name: dev
            flavor: {flavor}
            image: app
            routes: [http]
          - name: prod
            extends: dev
            replicas: 2
        current-context: dev
        """


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture()
def fleet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository: five services on the repository's flavor `web` (a copy of the
    built-in webservice), one on the built-in webservice itself, all committed."""
    repo = tmp_path / "platform"
    files = {f"services/{n}/pligos.yaml": service_yaml(n) for n in SERVICES}
    files["services/legacy/pligos.yaml"] = service_yaml("legacy", "webservice")
    make_tree(repo, files)
    shutil.copytree(BUILTIN_DIR / "webservice", repo / "flavors" / "web")
    monkeypatch.setenv("PLIGOS_CACHE_DIR", str(tmp_path / "cache"))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "x")
    return repo


def change_template(repo: Path) -> None:
    deployment = repo / "flavors" / "web" / "templates" / "deployment.yaml"
    text = deployment.read_text()
    assert "\nspec:\n" in text
    deployment.write_text(text.replace("\nspec:\n", "\nspec:\n  minReadySeconds: 10\n", 1))


def test_a_flavor_change_lists_exactly_the_charts_and_fields_it_changes(fleet: Path,
                                                                         helm_bin):
    env = {"PLIGOS_CACHE_DIR": str(fleet.parent / "cache")}
    same = run_cli("plan", "--against", "HEAD", "--exit-code", cwd=fleet, env=env)
    assert same.code == 0, same.err
    assert "nothing changes: 12 charts of 6 services" in same.out

    change_template(fleet)
    changed = run_cli("plan", "services", "--against", "HEAD", "--exit-code", cwd=fleet,
                      env=env)
    assert changed.code == 1, changed.err
    assert "10 of 12 charts change in 5 of 6 services against HEAD" in changed.out
    assert "10 charts (5 services)  Deployment spec.minReadySeconds set" in changed.out
    for name in SERVICES:
        assert f"\n{name}  (" in changed.out
        for context in ("dev", "prod"):
            assert f"~ Deployment {context}/{name}\n" in changed.out
    assert changed.out.count("spec.minReadySeconds: set to 10") == 10
    assert "legacy" not in changed.out  # on the built-in flavor: not touched

    doc = json.loads(run_cli("plan", "--format", "json", cwd=fleet, env=env).out)
    assert doc["format"] == "pligos.plan/1" and doc["changed"] is True
    assert doc["summary"]["changedCharts"] == 10 and doc["summary"]["unchanged"] == 2
    assert sorted((c["service"], c["context"]) for c in doc["charts"]) == sorted(
        (n, c) for n in SERVICES for c in ("dev", "prod"))
    for chart in doc["charts"]:
        assert [(o["change"], o["kind"]) for o in chart["objects"]] == [("changed",
                                                                         "Deployment")]
        assert chart["objects"][0]["fields"] == [
            {"path": "spec.minReadySeconds", "pattern": "spec.minReadySeconds", "verb": "set",
             "new": 10}]

    markdown = run_cli("plan", "--format", "markdown", cwd=fleet, env=env).out
    assert "| `Deployment spec.minReadySeconds set` | 10 | 5 |" in markdown
    assert markdown.count("<details>") == 5

    (fleet / "flavors" / "web" / "templates" / "deployment.yaml").write_bytes(
        (BUILTIN_DIR / "webservice" / "templates" / "deployment.yaml").read_bytes())
    reverted = run_cli("plan", "--against", "HEAD", "--exit-code", cwd=fleet, env=env)
    assert reverted.code == 0, reverted.err
    assert reverted.out.startswith("nothing changes: 12 charts of 6 services render the same "
                                   "as HEAD")


def test_plan_names_added_removed_and_broken_services(fleet: Path, helm_bin):
    shutil.rmtree(fleet / "services" / "search")
    make_tree(fleet, {"services/new/pligos.yaml": service_yaml("new")})
    broken = fleet / "services" / "orders" / "pligos.yaml"
    broken.write_text(broken.read_text().replace("port: 8080", "port: eighty"))
    result = run_cli("plan", "--against", "HEAD", cwd=fleet)
    assert result.code == 2, result.out + result.err
    assert "services/orders does not validate:" in result.out
    assert "services/orders/pligos.yaml:" in result.out  # located
    assert "  dev: removed" in result.out and "- Deployment dev/search" in result.out
    assert "+ Deployment prod/new" in result.out
    assert "Traceback" not in result.err


def test_plan_without_git_compares_with_the_charts_on_disk(tmp_path: Path, helm_bin):
    svc = make_tree(tmp_path / "hello", {"pligos.yaml": service_yaml("hello", "webservice", "[]")})
    env = {"PLIGOS_CACHE_DIR": str(tmp_path / "cache")}
    assert run_cli("generate", str(svc)).code == 0
    same = run_cli("plan", str(svc), "--exit-code", env=env)
    assert same.code == 0, same.out + same.err
    assert "nothing changes: 2 charts of 1 service render the same as the charts on disk" \
        in same.out
    cfg = svc / "pligos.yaml"
    cfg.write_text(cfg.read_text().replace('tag: "1.0.0"', 'tag: "1.1.0"'))
    changed = run_cli("plan", str(svc), "--exit-code", env=env)
    assert changed.code == 1, changed.err
    assert ('spec.template.spec.containers[hello].image: "registry.example.com/hello:1.0.0" '
            '→ "registry.example.com/hello:1.1.0"') in changed.out
    against = run_cli("plan", str(svc), "--against", "main", env=env)
    assert against.code == 2 and "not in a git repository" in against.err


def test_diff_between_contexts_is_object_by_object(tmp_path: Path, helm_bin):
    svc = make_tree(tmp_path / "hello", {"pligos.yaml": service_yaml("hello", "webservice", "[]")})
    env = {"PLIGOS_CACHE_DIR": str(tmp_path / "cache")}
    result = run_cli("diff", str(svc), "dev", "prod", "--exit-code", env=env)
    assert result.code == 1, result.err
    assert "~ Deployment prod/hello" in result.out
    assert "spec.replicas: 1 → 2" in result.out
    same = run_cli("diff", str(svc), "dev", "dev", "--exit-code", env=env)
    assert same.code == 0 and "render the same objects" in same.out


# --------------------------------------------------------------------------- the plan cache
# The ref's side of a service is kept between runs while what it read at the ref is the same
# (jobs/plan_cache.py). Each test below plans against one ref (filling the cache), changes
# one kind of input at another ref (or, for secrets, in the work tree), and plans again: the
# plan must be the one an empty cache gives, and show only the work tree's own change.

CACHED_SERVICE = """\
    pligos: 1
    name: api
    flavorPaths: [../../flavors]
    secrets: {provider: file, path: secrets}
    images:
      - name: app
        repository: registry.example.com/api
        tag: "1.0.0"
    routes:
      - name: http
        port: 8080
    mounts:
      - name: config
        path: /etc/api
        files: [config/app.yaml]
      - name: creds
        path: /etc/creds
        secret: creds
    contexts:
      - name: dev
        flavor: web
        image: app
        routes: [http]
        mounts: [config, creds]
      - name: prod
        extends: dev
        replicas: 2
    current-context: dev
    """
CREDS_VALUE = "cache-test-user-7f3a9c"


def commit(repo: Path, *paths: str) -> None:
    """Commit `paths` only (the rest of the work tree's changes stay uncommitted)."""
    ident = ("-c", "user.name=t", "-c", "user.email=t@example.com")
    git(repo, *ident, "add", "-A", "--", *paths)
    git(repo, *ident, "commit", "-q", "-m", "change")


@pytest.fixture()
def one_service(tmp_path: Path) -> Path:
    """A repository of one service on flavor `web` (a copy of the built-in webservice, at
    version 1.0.0), with a mounted file and a secret of the file provider, and a second
    folder of flavor `web` at 2.0.0 that a pligos.lock could pick instead."""
    repo = tmp_path / "repo"
    make_tree(repo, {"services/api/pligos.yaml": CACHED_SERVICE,
                     "services/api/config/app.yaml": "level: info\n",
                     "services/api/.gitignore": "/secrets/\n"})
    creds = repo / "services" / "api" / "secrets" / "creds.yaml"
    creds.parent.mkdir(mode=0o700)
    creds.write_text(f"user: {CREDS_VALUE}\n")
    creds.chmod(0o600)
    register_secret(CREDS_VALUE)
    for name, head in (("web", "version: 1.0.0"), ("web-2", "name: web\nversion: 2.0.0")):
        shutil.copytree(BUILTIN_DIR / "webservice", repo / "flavors" / name)
        flavor = repo / "flavors" / name / "flavor.yaml"
        flavor.write_text(head + "\n" + "\n".join(
            line for line in flavor.read_text().splitlines() if not line.startswith("version:")))
    (repo / "flavors" / "web-2" / "templates" / "extra.yaml").write_text(EXTRA)
    make_tree(repo, {"pligos.lock": LOCK.format(version="1.0.0", source="flavors/web")})
    git(repo, "init", "-q", "-b", "main")
    commit(repo, ".")
    change_template(repo)  # the work tree's own change: both charts' Deployment
    return repo


EXTRA = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-extra
data:
  extra: "yes"
"""
LOCK = """\
    format: 1
    flavors:
      web:
        version: "{version}"
        source: {source}
        digest: sha256:0000000000000000000000000000000000000000000000000000000000000000
    """


def planned(repo: Path, cache: Path, against: str = "HEAD~0") -> dict:
    from pligos_tui.charts.rendercache import RenderCache
    from pligos_tui.jobs.plan import plan
    from pligos_tui.jobs.plan_formats import plan_json

    return plan_json(plan([repo / "services"], against=against,
                          cache=RenderCache(cache / "renders")))


def fields(doc: dict) -> list[tuple[str, str, str, str]]:
    return sorted((c["context"], o["kind"], f["path"], f["verb"]) for c in doc["charts"]
                  for o in c["objects"] for f in o["fields"])


ONLY_THE_WORK_TREES = [(c, "Deployment", "spec.minReadySeconds", "set") for c in ("dev", "prod")]


def change_at_ref(repo: Path, kind: str) -> None:
    """One input of the service changed and committed (secrets: changed in the work tree)."""
    api = repo / "services" / "api"
    if kind == "pligos.yaml":
        cfg = api / "pligos.yaml"
        cfg.write_text(cfg.read_text().replace("replicas: 2", "replicas: 3"))
        commit(repo, "services/api/pligos.yaml")
    elif kind == "mounted file":
        (api / "config" / "app.yaml").write_text("level: debug\n")
        commit(repo, "services/api/config/app.yaml")
    elif kind == "flavor folder":
        (repo / "flavors" / "web" / "templates" / "extra.yaml").write_text(EXTRA)
        commit(repo, "flavors/web/templates/extra.yaml")
    elif kind == "pligos.lock":  # web-2, which has one more object, with the same change
        make_tree(repo, {"pligos.lock": LOCK.format(version="2.0.0", source="flavors/web-2")})
        commit(repo, "pligos.lock")
        shutil.copy(repo / "flavors" / "web" / "templates" / "deployment.yaml",
                    repo / "flavors" / "web-2" / "templates" / "deployment.yaml")
    else:
        creds = api / "secrets" / "creds.yaml"
        creds.write_text(creds.read_text() + "token: another-key-value\n")


@pytest.mark.parametrize("kind", ["pligos.yaml", "mounted file", "flavor folder",
                                  "pligos.lock", "secrets"])
def test_a_kept_plan_of_the_ref_is_used_only_while_what_it_read_is_the_same(
        one_service: Path, tmp_path: Path, kind: str, helm_bin, monkeypatch):
    from pligos_tui.io import git as pligos_git

    cache = tmp_path / "cache"
    first = planned(one_service, cache)
    assert fields(first) == ONLY_THE_WORK_TREES
    extract = pligos_git.extract

    def refused(*args, **kwargs):
        raise AssertionError("the ref's files were read although its plan is kept")

    monkeypatch.setattr(pligos_git, "extract", refused)
    assert planned(one_service, cache) == first  # kept: the ref's files are not even read
    monkeypatch.setattr(pligos_git, "extract", extract)

    change_at_ref(one_service, kind)
    again = planned(one_service, cache)
    assert again == planned(one_service, tmp_path / f"fresh-{kind}")
    if kind == "pligos.lock":  # (the work tree's change is in web-2 now)
        assert [n for c in again["charts"] for n in c["notes"]] == []
    assert fields(again) == ONLY_THE_WORK_TREES


def test_a_corrupt_or_emptied_cache_gives_the_same_plan(one_service: Path, tmp_path: Path,
                                                         helm_bin):
    cache = tmp_path / "cache"
    first = planned(one_service, cache)
    kept = [p for part in ("plans", "objects") for p in (cache / part).rglob("*")
            if p.is_file()]
    assert kept, "nothing was kept"
    for i, path in enumerate(kept):  # cut short, garbage, or another valid-looking header
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2] if i % 3 == 0 else b"\0garbage" if i % 3 == 1
                         else data.split(b"\n", 1)[0] + b"\n[]")
    assert planned(one_service, cache) == first
    shutil.rmtree(cache / "renders")  # the kept plans name renders the cache no longer has
    assert planned(one_service, cache) == first


def test_plan_refuses_what_it_cannot_answer_and_never_calls_a_broken_file_a_removal(
        fleet: Path, tmp_path: Path, helm_bin):
    typo = run_cli("plan", "--context", "prdo", "--exit-code", cwd=fleet)
    assert typo.code == 2 and "no service below . has a context named 'prdo'" in typo.err
    elsewhere = make_tree(tmp_path / "elsewhere", {"x/pligos.yaml": service_yaml("x", paths="[]")})
    both = run_cli("plan", str(fleet / "services"), str(elsewhere), cwd=fleet)
    assert both.code == 2 and "different git repositories" in both.err, both.err
    config = fleet / "services" / "api" / "pligos.yaml"
    config.write_text(config.read_text() + "garbage: [\n")
    broken = run_cli("plan", cwd=fleet)
    assert broken.code == 2
    assert "removed" not in broken.out
    assert "  dev: fails after the change" in broken.out
    assert "services/api does not validate:" in broken.out


def test_plan_on_disk_charts_with_inline_secrets_sees_no_change(tmp_path: Path, helm_bin):
    from tests.support import shop_with_secrets

    shop = shop_with_secrets(tmp_path)
    assert run_cli("generate", str(shop)).code == 0
    result = run_cli("plan", str(shop), "--exit-code")
    assert result.code == 0, result.out + result.err
    assert result.out.startswith("nothing changes:") and "render the same as the charts on " \
        "disk" in result.out
