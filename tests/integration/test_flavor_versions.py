"""Versioned flavors at the command line: pins, pligos.lock, `flavors --outdated`,
`upgrade-flavor`.

The tree: a flavors folder holding `web/` (flavor web 2.0.0) and `web-1/` (`name: web`,
1.0.0), each a flavor on the built-in webservice with a marker.txt naming its version, so a chart
shows which one it was made from.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from support import make_tree, run_cli

WEB_2 = """
    base: webservice
    version: 2.0.0
    changelog:
      2.0.0: |
        Routes through Gateway API.
        The Ingress is gone.
      1.1.0: a preStop hook.
      1.0.0: first version.
"""
WEB_1 = """
    name: web
    base: webservice
    version: 1.0.0
"""
SERVICE = """
    pligos: 1
    name: api
    flavorPaths: [../flavors]  # the team's flavors
    images:
      - {name: app, repository: registry.example.com/api, tag: "1.0"}
    contexts:
      # dev takes the new version first
      - name: dev
        flavor: web@1   # held back until 2 is tried
        image: app
      - name: staging
        flavor: web@2
        image: app
      - name: prod
        flavor: web
        image: app
"""


def _tree(root: Path, service: str = SERVICE, name: str = "api") -> Path:
    make_tree(root, {
        "flavors/web/flavor.yaml": WEB_2,
        "flavors/web/marker.txt": "web 2.0.0\n",
        "flavors/web-1/flavor.yaml": WEB_1,
        "flavors/web-1/marker.txt": "web 1.0.0\n",
        f"{name}/pligos.yaml": service,
    })
    return root / name


def _notes(svc: Path, context: str) -> str:
    return (svc / "charts" / context / svc.name / "marker.txt").read_text()


def test_a_pin_chooses_among_the_folders_of_one_flavor_and_the_lock_records_it(tmp_path: Path):
    svc = _tree(tmp_path)
    first = run_cli("generate", str(svc))
    assert first.code == 0, first.err
    assert _notes(svc, "dev") == "web 1.0.0\n"
    assert _notes(svc, "staging") == _notes(svc, "prod") == "web 2.0.0\n"
    chart = (svc / "charts/dev/api/Chart.yaml").read_text()
    assert "pligos.io/flavor: web\n" in chart and "@" not in chart  # (the name, not the pin)
    lock = (svc / "pligos.lock").read_text()
    assert lock.startswith("# pligos.lock: ") and "meant to be committed" in lock
    assert "  web@1:\n    version: \"1.0.0\"\n    source: ../flavors/web-1\n" in lock
    assert "  web@2:\n    version: \"2.0.0\"\n    source: ../flavors/web\n" in lock
    assert "  web:\n    version: \"2.0.0\"\n" in lock
    written = (svc / "pligos.lock").stat().st_mtime_ns
    again = run_cli("generate", str(svc))  # nothing changed: the quick path, the lock as it was
    assert "0 written, 3 unchanged" in again.out
    (svc / "charts/.pligos-inputs.json").unlink()  # the full run: the same lock, not rewritten
    full = run_cli("generate", str(svc))
    assert full.code == 0 and "0 written, 3 unchanged" in full.out
    assert (svc / "pligos.lock").read_text() == lock
    assert (svc / "pligos.lock").stat().st_mtime_ns == written


def test_a_pin_nothing_matches_is_reported_once_at_its_line_with_the_versions_there_are(
        tmp_path: Path):
    svc = _tree(tmp_path, SERVICE.replace("flavor: web@2\n", "flavor: web@3\n") + """
      - name: qa
        extends: staging
      - name: bad
        flavor: web@x.y
        image: app
    """)
    result = run_cli("generate", str(svc))
    assert result.code == 2
    lines = result.err.splitlines()
    assert lines.count(f"{svc / 'pligos.yaml'}:12:13: error: flavor 'web' has no version 3.x.y, "
                       "which 'web@3' asks for (contexts 'staging' and 'qa') "
                       "[contexts[staging].flavor] (E-FLAVOR-VERSION)") == 1
    assert "  hint: versions there are: 1.0.0, 2.0.0" in lines
    assert (f"{svc / 'pligos.yaml'}:21:13: error: 'x.y' in 'web@x.y' is not a version to pin "
            "(context 'bad') [contexts[bad].flavor] (E-FLAVOR-PIN)") in lines
    assert sorted(p.name for p in svc.iterdir()) == ["pligos.yaml"]  # no charts, no lock


def test_two_folders_of_one_flavor_and_version_are_a_located_error(tmp_path: Path):
    svc = _tree(tmp_path)
    make_tree(tmp_path, {"flavors/web-copy/flavor.yaml": "name: web\nbase: webservice\n"
                                                         "version: 2.0.0\n"})
    result = run_cli("check", str(svc), "--no-lint")
    assert result.code == 2
    assert result.err.splitlines() == [
        f"{tmp_path / 'flavors/web-copy/flavor.yaml'}:3: error: flavor 'web' 2.0.0 is also in "
        f"{tmp_path / 'flavors/web'} (E-FLAVOR-DUPLICATE)",
        "  hint: give one of them another version: (or name:) in its flavor.yaml, or remove it"]


def test_a_flavor_paths_flavor_shadows_the_built_in_for_pins_outdated_and_upgrades_too(
        tmp_path: Path):
    make_tree(tmp_path, {
        "flavors/webservice/flavor.yaml": "base: webservice\n",  # (no version: 0.0.0)
        "flavors/webservice/marker.txt": "the team's own\n",
        "svc/pligos.yaml": """
            pligos: 1
            name: svc
            flavorPaths: [../flavors]
            images: [{name: app, repository: nginx, tag: "1.27"}]
            contexts:
              - {name: dev, flavor: webservice, image: app}
              - {name: prod, flavor: webservice, image: app}
        """})
    svc = tmp_path / "svc"
    assert run_cli("generate", str(svc)).code == 0
    assert _notes(svc, "dev") == _notes(svc, "prod") == "the team's own\n"
    lock = (svc / "pligos.lock").read_text()
    assert "  webservice:\n    version: \"0.0.0\"\n    source: ../flavors/webservice\n" in lock
    # the built-in webservice 2.0.0 is not newer: it is not offered to this service at all
    outdated = run_cli("flavors", "--outdated", str(svc))
    assert outdated.out == "every context's flavor is at the newest version offered\n"
    assert run_cli("upgrade-flavor", "webservice", "--context", "prod", str(svc)).code == 0
    assert "flavor: webservice@0.0.0, image: app}" in (svc / "pligos.yaml").read_text()
    assert "1 written" not in run_cli("generate", str(svc)).out  # (the same flavor still)
    assert _notes(svc, "prod") == "the team's own\n"
    refused = run_cli("upgrade-flavor", "webservice", "--to", "2", str(svc))
    assert refused.code == 2 and "hint: versions there are: 0.0.0" in refused.err
    # a pin does not reach the shadowed built-in: it says so, and how to offer it
    config = svc / "pligos.yaml"
    config.write_text(config.read_text().replace("webservice@0.0.0", "webservice@2"))
    pinned = run_cli("generate", str(svc))
    assert pinned.code == 2
    assert ("  hint: versions there are: 0.0.0; the built-in webservice 2.0.0 is shadowed by "
            "the service's own webservice: to offer it too, add a flavor folder whose "
            "flavor.yaml says name: webservice, version: 2.0.0, base: webservice"
            ) in pinned.err.splitlines()
    make_tree(tmp_path, {"flavors/webservice-builtin/flavor.yaml": """
        name: webservice
        version: 2.0.0
        base: webservice
    """})
    assert run_cli("generate", str(svc)).code == 0
    assert not (svc / "charts/prod/svc/marker.txt").exists()  # the built-in's files alone
    assert _notes(svc, "dev") == "the team's own\n"
    assert "  webservice@2:\n    version: \"2.0.0\"\n    source: ../flavors/webservice-builtin" \
        in (svc / "pligos.lock").read_text()


def test_the_lock_holds_a_version_while_it_is_offered_and_a_new_one_is_taken_when_it_is_not(
        tmp_path: Path):
    svc = _tree(tmp_path)
    assert run_cli("generate", str(svc)).code == 0
    lock = svc / "pligos.lock"
    # the lock says the unpinned `web` is 1.0.0: it is offered, so prod gets it
    text = lock.read_text()
    one = text.split("  web@1:\n", 1)[1].split("  web@2:", 1)[0]
    lock.write_text(text.replace(text.split("  web:\n", 1)[1].split("  web@1:", 1)[0], one))
    assert run_cli("generate", str(svc)).code == 0  # (not taken for unchanged: the lock changed)
    assert _notes(svc, "prod") == "web 1.0.0\n"
    # web-1 moves on to 1.1.0: the locked 1.0.0 is gone; dev follows the folder, prod takes
    # the newest of its source
    flavor = tmp_path / "flavors/web-1/flavor.yaml"
    flavor.write_text(flavor.read_text().replace("1.0.0", "1.1.0"))
    stale = run_cli("check", str(svc), "--no-lint")
    assert stale.code == 1
    assert (f"{svc / 'pligos.lock'}: stale: web is now 2.0.0 (../flavors/web); web@1 is now "
            "1.1.0 (../flavors/web-1)") in stale.out.splitlines()
    assert "1 written, 2 unchanged" in run_cli("generate", str(svc)).out  # (dev's bytes stay)
    assert _notes(svc, "prod") == "web 2.0.0\n"  # (the newest of its source: nothing pins it)
    assert "  web@1:\n    version: \"1.1.0\"\n" in lock.read_text()
    assert run_cli("check", str(svc), "--no-lint").code == 0


def test_a_tree_in_git_shares_one_lock_at_its_top(tmp_path: Path):
    _tree(tmp_path)
    _tree(tmp_path, SERVICE.replace("name: api", "name: billing"), name="billing")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True,
                   env={**os.environ, "GIT_CONFIG_GLOBAL": os.devnull})
    result = run_cli("generate", str(tmp_path))
    assert result.code == 0, result.err
    assert (tmp_path / "pligos.lock").is_file()
    assert not (tmp_path / "api/pligos.lock").exists()
    assert not (tmp_path / "billing/pligos.lock").exists()
    assert "source: flavors/web-1\n" in (tmp_path / "pligos.lock").read_text()
    assert run_cli("check", str(tmp_path / "api"), "--no-lint").code == 0  # (one of the two)


def test_outdated_lists_the_contexts_behind_the_newest_version_with_the_changelog_between(
        tmp_path: Path):
    svc = _tree(tmp_path)
    text = run_cli("flavors", "--outdated", str(tmp_path))
    assert text.code == 0, text.err
    width = len(str(svc / "pligos.yaml"))
    assert text.out.splitlines()[:5] == [
        f"{'SERVICE':<{width}}  CONTEXT  FLAVOR  PIN    RESOLVED  NEWEST",
        f"{svc / 'pligos.yaml'}  dev      web     web@1  1.0.0     2.0.0",
        "    2.0.0: Routes through Gateway API.",
        "           The Ingress is gone.",
        "    1.1.0: a preStop hook.",
    ]
    assert "1 context of 1 service behind the newest flavor version" in text.out
    doc = json.loads(run_cli("flavors", "--outdated", str(tmp_path), "--json").out)
    assert doc["format"] == 1
    [row] = doc["outdated"]
    assert (row["context"], row["pin"], row["resolved"], row["newest"]) == (
        "dev", "web@1", "1.0.0", "2.0.0")
    assert [c["version"] for c in row["changelog"]] == ["2.0.0", "1.1.0"]
    assert row["source"] == "../flavors/web"
    config = svc / "pligos.yaml"
    config.write_text(config.read_text().replace("web@1", "web@2"))
    none = run_cli("flavors", str(svc), "--outdated")
    assert none.out == "every context's flavor is at the newest version offered\n"
    assert json.loads(run_cli("flavors", "--outdated", "--json", str(svc)).out)["outdated"] == []


def test_upgrade_flavor_moves_only_the_named_contexts_pin_keeping_the_file_as_written(
        tmp_path: Path):
    svc = _tree(tmp_path, SERVICE + """
      - name: dev-eu
        extends: dev
    """)
    assert run_cli("generate", str(svc)).code == 0
    config = svc / "pligos.yaml"
    before = config.read_text()
    result = run_cli("upgrade-flavor", "web", "--to", "2.0.0", "--context", "dev", str(tmp_path))
    assert result.code == 0, result.err
    # dev's line alone changes (its comment kept); dev-eu, which took dev's flavor, keeps web@1
    assert config.read_text() == before.replace(
        "flavor: web@1   # held back", "flavor: web@2.0.0   # held back").replace(
        "    extends: dev\n", "    extends: dev\n    flavor: web@1\n")
    assert f"{config}: context dev: flavor: web@1 -> web@2.0.0 (2.0.0)" in result.out
    assert f"{config}: context dev-eu: keeps flavor: web@1 (1.0.0)" in result.out
    assert f"updated {svc / 'pligos.lock'}" in result.out
    assert "  web@2.0.0:\n    version: \"2.0.0\"\n" in (svc / "pligos.lock").read_text()
    assert "1 written, 3 unchanged" in run_cli("generate", str(svc)).out
    assert _notes(svc, "dev") == "web 2.0.0\n" and _notes(svc, "dev-eu") == "web 1.0.0\n"
    assert run_cli("upgrade-flavor", "web", "--to", "2.0.0", "--context", "dev",
                   str(svc)).out.startswith("nothing to change")


def test_upgrade_flavor_refuses_an_unknown_flavor_or_version_and_writes_nothing(tmp_path: Path):
    svc = _tree(tmp_path)
    assert run_cli("generate", str(svc)).code == 0
    files = {p: p.read_bytes() for p in (svc / "pligos.yaml", svc / "pligos.lock")}
    wrong = run_cli("upgrade-flavor", "wbe", str(svc))
    assert wrong.code == 2
    assert wrong.err == "error: no context uses flavor 'wbe'\n  hint: did you mean 'web'?\n"
    version = run_cli("upgrade-flavor", "web", "--to", "3.1.0", str(svc))
    assert version.code == 2
    assert version.err.splitlines() == [
        f"error: flavor 'web' has no version 3.1.0 for {svc / 'pligos.yaml'}",
        "  hint: versions there are: 1.0.0, 2.0.0"]
    syntax = run_cli("upgrade-flavor", "web", "--to", "two", str(svc), "--json")
    assert syntax.code == 2 and "is not a version to pin" in json.loads(syntax.out)["error"]
    assert {p: p.read_bytes() for p in files} == files


GIT_ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}


def _commit(repo: Path, version: str, changelog: str) -> None:
    make_tree(repo, {"flavors/web/flavor.yaml": f"base: webservice\nversion: {version}\n"
                                                f"changelog:\n{changelog}",
                     "flavors/web/marker.txt": f"web {version}\n"})
    for args in (["add", "-A"], ["commit", "-qm", version]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                       env=GIT_ENV)


def test_a_git_source_stays_at_the_locked_commit_until_a_pin_moves(tmp_path: Path):
    platform = tmp_path / "platform"
    platform.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main", str(platform)], check=True, env=GIT_ENV)
    _commit(platform, "1.0.0", "  1.0.0: first version.\n")
    svc = make_tree(tmp_path / "svc", {"pligos.yaml": """
        pligos: 1
        name: svc
        flavorSources:
          - {git: ../platform, ref: main, path: flavors}
        images: [{name: app, repository: nginx, tag: "1.27"}]
        contexts:
          - {name: dev, flavor: web, image: app}
          - {name: prod, flavor: web, image: app}
    """})
    assert run_cli("generate", str(svc)).code == 0
    assert "    source: git ../platform@main:flavors\n" in (svc / "pligos.lock").read_text()
    # main moves on to 1.1.0
    _commit(platform, "1.1.0", "  1.1.0: a preStop hook.\n  1.0.0: first version.\n")
    (svc / "charts/.pligos-inputs.json").unlink()  # (the full run)
    assert "0 written, 2 unchanged" in run_cli("generate", str(svc)).out
    assert _notes(svc, "dev") == _notes(svc, "prod") == "web 1.0.0\n"  # the locked commit
    doc = json.loads(run_cli("flavors", "--outdated", str(svc), "--json").out)
    assert [(r["context"], r["resolved"], r["newest"], r["changelog"]) for r in doc["outdated"]] \
        == [(c, "1.0.0", "1.1.0", [{"version": "1.1.0", "text": "a preStop hook."}])
            for c in ("dev", "prod")]
    moved = run_cli("upgrade-flavor", "web", "--context", "dev", str(svc))
    assert moved.code == 0, moved.err
    assert "context dev: flavor: web -> web@1.1.0 (1.1.0)" in moved.out
    assert "1 written, 1 unchanged" in run_cli("generate", str(svc)).out
    assert _notes(svc, "dev") == "web 1.1.0\n" and _notes(svc, "prod") == "web 1.0.0\n"
    assert run_cli("check", str(svc), "--no-lint").code == 0


def test_upgrade_flavor_returns_its_edits_and_the_bytes_before_them(tmp_path: Path):
    from pligos_tui.jobs.flavors import upgrade_flavor

    svc = _tree(tmp_path)
    assert run_cli("generate", str(svc)).code == 0
    files = [svc / "pligos.yaml", svc / "pligos.lock"]
    old = {p: p.read_bytes() for p in files}
    result = upgrade_flavor("web", [tmp_path], to="2")
    assert [(e.context, e.old, e.new, e.version) for e in result.edits] == [
        ("dev", "web@1", "web@2", "2.0.0"), ("prod", "web", "web@2", "2.0.0")]
    assert result.before == old and all(p.read_bytes() != old[p] for p in files)
    # every service of the lock was loaded: the pins no context writes any more are dropped
    assert result.locks == [svc / "pligos.lock"]
    assert "  web@2:\n" in files[1].read_text() and "web@1" not in files[1].read_text()


def _two_teams(root: Path) -> tuple[Path, Path]:
    """One git repository holding services a/ and b/, each with a flavor `web` 1.0.0 of its
    own (different templates) in its own flavors/ folder: one pin, two flavors."""
    for team in ("a", "b"):
        make_tree(root / team, {
            "flavors/web/flavor.yaml": "base: webservice\nversion: 1.0.0\n",
            "flavors/web/marker.txt": f"team {team}\n",
            "pligos.yaml": f"""
                pligos: 1
                name: {team}
                flavorPaths: [flavors]
                images: [{{name: app, repository: nginx, tag: "1.27"}}]
                contexts:
                  - {{name: dev, flavor: web, image: app}}
            """})
    subprocess.run(["git", "init", "-q", str(root)], check=True,
                   env={**os.environ, "GIT_CONFIG_GLOBAL": os.devnull})
    return root / "a", root / "b"


def test_services_meaning_different_flavors_by_one_pin_are_refused_one_at_a_time_too(
        tmp_path: Path):
    a, b = _two_teams(tmp_path)
    lock = tmp_path / "pligos.lock"
    assert run_cli("generate", str(a)).code == 0
    written = lock.read_bytes()
    assert b"source: a/flavors/web\n" in written
    refused = run_cli("generate", str(b))
    assert refused.code == 2
    assert refused.err.splitlines() == [
        f"error: {a / 'pligos.yaml'} and {b / 'pligos.yaml'} share {lock} but mean different "
        "flavors by 'web' (a/flavors/web 1.0.0, b/flavors/web 1.0.0)",
        "  hint: give one of them a lock of its own (an empty pligos.lock beside its "
        "pligos.yaml), or let them take flavors from the same folders"]
    assert lock.read_bytes() == written and not (b / "charts").exists()
    assert run_cli("check", str(a), "--no-lint").code == 0
    # the fix the hint gives: b's own lock, noticed by the next generate (no quick path)
    (b / "pligos.lock").write_text("")
    assert run_cli("generate", str(b)).code == 0
    assert b"source: flavors/web\n" in (b / "pligos.lock").read_bytes()
    assert _notes(b, "dev") == "team b\n" and lock.read_bytes() == written
    assert run_cli("generate", str(tmp_path)).code == 0
    assert run_cli("check", str(tmp_path), "--no-lint").code == 0


def test_an_empty_lock_added_beside_a_generated_service_is_taken_at_once(tmp_path: Path):
    svc = _tree(tmp_path)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True,
                   env={**os.environ, "GIT_CONFIG_GLOBAL": os.devnull})
    assert run_cli("generate", str(svc)).code == 0
    top = (tmp_path / "pligos.lock").read_bytes()
    (svc / "pligos.lock").write_text("")  # a lock of its own
    stale = run_cli("check", str(svc), "--no-lint")
    assert stale.code == 1 and f"{svc / 'pligos.lock'}: stale" in stale.out
    again = run_cli("generate", str(svc))
    assert again.code == 0 and "0 written, 3 unchanged" in again.out
    assert b"source: ../flavors/web-1\n" in (svc / "pligos.lock").read_bytes()
    assert (tmp_path / "pligos.lock").read_bytes() == top
    assert run_cli("check", str(svc), "--no-lint").code == 0
    (svc / "pligos.lock").unlink()  # back to the shared one: noticed as well
    assert run_cli("generate", str(svc)).code == 0
    assert run_cli("check", str(svc), "--no-lint").code == 0


def test_a_flavor_yaml_of_the_flavor_paths_that_does_not_parse_is_a_located_error(
        tmp_path: Path):
    svc = _tree(tmp_path)
    assert run_cli("generate", str(svc)).code == 0
    broken = tmp_path / "flavors/web-1/flavor.yaml"
    broken.write_text("name: web\nversion: [1.0.0\n")  # (which flavor it is cannot be read)
    for command in (("generate", str(svc)), ("check", str(svc), "--no-lint")):
        result = run_cli(*command)
        assert result.code == 2, result.out
        assert result.err.splitlines()[0].startswith(f"{broken}:3:1: error: ")
    broken.write_text("name: web\nbase: webservice\nversion: 1.0.0\n")
    assert run_cli("generate", str(svc)).code == 0
