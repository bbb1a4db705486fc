"""The walk of docs/rollouts.md, run for real: a git repository of five services moves from
Ingress to Gateway API by a new version of one flavor, dev first, then prod, each step seen
with `pligos plan` before it lands. The plan summaries the document shows are asserted here,
so the document cannot drift from what Pligos prints."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.support import make_tree, run_cli

DOC = Path(__file__).resolve().parents[2] / "docs" / "rollouts.md"
SERVICES = ("api", "billing", "catalog", "orders", "search")

WEB_1 = """\
    name: web
    description: "Our web services (Ingress)"
    base: webservice
    version: 1.0.0
    changelog:
      1.0.0: first version, on the built-in webservice
    """
WEB_2 = """\
    name: web
    description: "Our web services (Gateway API)"
    base: webservice
    version: 2.0.0
    defaults:
      expose:
        via: gateway
        gateway: {name: public, namespace: gateway-system}
    changelog:
      2.0.0: routes through the shared Gateway `public` (HTTPRoute); no Ingress
      1.0.0: first version, on the built-in webservice
    """


def service(name: str) -> str:
    return f"""\
        pligos: 1
        name: {name}
        flavorPaths: [../../flavors]
        images:
          - name: app
            repository: registry.example.com/{name}
            tag: "1.4.0"
        routes:
          - name: http
            port: 80
            containerPort: 8080
            fqdn: {name}.example.com
        contexts:
          - name: dev
            flavor: web@1
            image: app
            routes: [http]
          - name: prod
            extends: dev
            replicas: 3
        current-context: dev
        """


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=Platform",
                           "-c", "user.email=platform@example.com", *args],
                          check=True, capture_output=True, text=True).stdout


def doc_block(title: str) -> str:
    """The text of the code block under the line `<!-- title -->` in docs/rollouts.md."""
    text = DOC.read_text()
    found = re.search(rf"<!-- {re.escape(title)} -->\n```[a-z]*\n(.*?)```", text, re.S)
    assert found, f"docs/rollouts.md has no block {title!r}"
    return found.group(1)


@pytest.fixture()
def platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo = tmp_path / "platform"
    files = {f"services/{n}/pligos.yaml": service(n) for n in SERVICES}
    files["flavors/web-1/flavor.yaml"] = WEB_1
    make_tree(repo, files)
    monkeypatch.setenv("PLIGOS_CACHE_DIR", str(tmp_path / "cache"))
    git(repo, "init", "-q", "-b", "main")
    assert run_cli("generate", "services", cwd=repo).code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "five services on web 1.0.0")
    return repo


def test_the_gateway_api_rollout_of_the_document(platform: Path, helm_bin):
    # 1. the platform team adds web 2.0.0 beside 1.0.0: no context moves by itself
    make_tree(platform, {"flavors/web/flavor.yaml": WEB_2})
    quiet = run_cli("plan", "services", "--exit-code", cwd=platform)
    assert quiet.code == 0, quiet.out + quiet.err
    assert quiet.out.splitlines()[0] == doc_block("plan after adding web 2.0.0").strip()
    outdated = run_cli("flavors", "--outdated", "services", cwd=platform)
    assert outdated.code == 0, outdated.err
    assert outdated.out.count("web@1") == 10

    # 2. the first wave: dev
    wave = run_cli("upgrade-flavor", "web", "--to", "2.0.0", "--context", "dev", "services",
                   cwd=platform)
    assert wave.code == 0, wave.err
    assert "5 context(s) of 5 service(s) upgraded" in wave.out
    assert run_cli("generate", "services", cwd=platform).code == 0
    plan = run_cli("plan", "services", "--against", "main", "--exit-code", cwd=platform)
    assert plan.code == 1, plan.err
    summary = doc_block("plan of the dev wave")
    head = plan.out.split("\n\n")[:2]
    assert "\n\n".join(head) + "\n" == summary
    assert "prod:" not in plan.out  # only dev's charts change
    for name in SERVICES:
        assert f"- Ingress dev/{name}\n" in plan.out
        assert f"+ HTTPRoute dev/{name}-http\n" in plan.out
    doc = json.loads(run_cli("plan", "services", "--against", "main", "--format", "json",
                             cwd=platform).out)
    assert {c["context"] for c in doc["charts"]} == {"dev"}
    assert doc["groups"][0]["label"] == "Ingress removed, HTTPRoute added"
    markdown = run_cli("plan", "services", "--against", "main", "--format", "markdown",
                       cwd=platform).out
    assert markdown.startswith(doc_block("markdown of the dev wave").split("\n\n")[0])
    git(platform, "add", "-A")
    git(platform, "commit", "-q", "-m", "dev on web 2.0.0")

    # 3. the second wave: prod
    prod = run_cli("upgrade-flavor", "web", "--to", "2.0.0", "--context", "prod", "services",
                   cwd=platform)
    assert prod.code == 0, prod.err
    assert run_cli("generate", "services", cwd=platform).code == 0
    second = run_cli("plan", "services", "--exit-code", cwd=platform)
    assert second.code == 1
    assert second.out.splitlines()[0] == doc_block("plan of the prod wave").strip()
    assert "dev:" not in second.out
    git(platform, "add", "-A")
    git(platform, "commit", "-q", "-m", "prod on web 2.0.0")
    done = run_cli("plan", "services", "--exit-code", cwd=platform)
    assert done.code == 0 and done.out.startswith("nothing changes: 10 charts of 5 services")
