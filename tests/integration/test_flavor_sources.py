"""Flavors from `flavorSources:`: a real local git repository (as a folder and as a file://
URL) and a real OCI registry on 127.0.0.1 (Debian's docker-registry, flavors pushed with helm),
no other network. What a source offers, what is fetched, what works with the repository gone,
and the located errors of a badly written source."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from pligos_tui.errors import FlavorSourceError, HelmNotFound
from pligos_tui.spec import sources
from pligos_tui.spec.sources import GIT, OCI, Candidate, FlavorSource, candidates
from support import docker_registry, helm, make_tree, run_cli

GIT_CONFIG = ["-c", "user.name=Platform", "-c", "user.email=platform@example.com",
              "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"]


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's own cache of fetched flavors."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("PLIGOS_CACHE_DIR", str(folder))
    sources.forget()
    return folder


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", *GIT_CONFIG, "-C", str(repo), *args], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def commit_flavor(repo: Path, version: str, *, message: str) -> str:
    """Write flavors/web at `version` (a flavor on top of the built-in webservice), commit it;
    the commit."""
    make_tree(repo, {"flavors/web/flavor.yaml": f"""
        version: {version}
        description: "web {version}"
        base: webservice
        """, "README.md": f"flavors, {message}\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository of flavors: tag v1 holds web 1.0.0, annotated tag v2 web 2.0.0 (main)."""
    path = tmp_path / "platform-flavors"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    commit_flavor(path, "1.0.0", message="web 1")
    git(path, "tag", "v1")
    commit_flavor(path, "2.0.0", message="web 2")
    git(path, "tag", "-a", "v2", "-m", "web 2")
    return path


def service_root(tmp_path: Path) -> Path:
    root = tmp_path / "svc"
    root.mkdir(exist_ok=True)
    return root


def listed(found: list[Candidate]) -> list[tuple[str, str, str]]:
    return [(c.name, c.version, c.identity) for c in found]


def version_of(folder: Path) -> str:
    return str(yaml.safe_load((folder / "flavor.yaml").read_text())["version"])


# --------------------------------------------------------------------------- git

def test_two_refs_of_one_repository_offer_both_versions(repo: Path, tmp_path: Path) -> None:
    root = service_root(tmp_path)
    v1, v2 = git(repo, "rev-parse", "v1^{commit}"), git(repo, "rev-parse", "v2^{commit}")
    head_before, status_before = git(repo, "rev-parse", "HEAD"), git(repo, "status", "--short")
    by_folder = FlavorSource(GIT, "../platform-flavors", ref="v1", path="flavors")
    by_url = FlavorSource(GIT, repo.as_uri(), ref="v2", path="flavors")
    first, second = candidates(by_folder, root), candidates(by_url, root)
    assert listed(first) == [("web", "1.0.0", v1)]
    assert listed(second) == [("web", "2.0.0", v2)]
    assert first[0].source == "git ../platform-flavors@v1:flavors"
    assert second[0].source == f"git {repo.as_uri()}@v2:flavors"
    assert version_of(first[0].fetch()) == "1.0.0"
    assert version_of(second[0].fetch()) == "2.0.0"
    # only committed files are read; the user's repository is left exactly as it was
    assert first[0].fetch() != second[0].fetch()
    assert git(repo, "rev-parse", "HEAD") == head_before
    assert git(repo, "status", "--short") == status_before


def test_a_moving_branch_resolves_to_its_current_commit(repo: Path, tmp_path: Path) -> None:
    root = service_root(tmp_path)
    branch = FlavorSource(GIT, "../platform-flavors", ref="main", path="flavors")
    assert [c.version for c in candidates(branch, root)] == ["2.0.0"]
    moved = commit_flavor(repo, "2.1.0", message="web 2.1")
    sources.forget()  # (a run asks once a minute at most)
    (now,) = candidates(branch, root)
    assert (now.version, now.identity) == ("2.1.0", moved)
    assert version_of(now.fetch()) == "2.1.0"
    # the default ref is HEAD: the branch checked out in the repository
    (head,) = candidates(FlavorSource(GIT, str(repo), path="flavors"), root)
    assert head.identity == moved


def test_a_locked_commit_needs_neither_the_repository_nor_git(repo: Path, tmp_path: Path,
                                                             monkeypatch) -> None:
    root = service_root(tmp_path)
    source = FlavorSource(GIT, "../platform-flavors", ref="v1", path="flavors",
                          where="svc/pligos.yaml:7")
    (first,) = candidates(source, root)
    repo.rename(tmp_path / "moved-away")
    empty = tmp_path / "no-tools"
    empty.mkdir()
    path = os.environ["PATH"]
    monkeypatch.setenv("PATH", str(empty))  # git itself is gone: nothing may call it
    (again,) = candidates(source, root, locked={"1.0.0": first.identity})
    assert listed([again]) == listed([first])
    assert version_of(again.fetch()) == "1.0.0"
    monkeypatch.setenv("PATH", path)
    sources.forget()
    with pytest.raises(FlavorSourceError) as caught:
        candidates(source, root)  # (not locked: the ref must be asked, and cannot be)
    assert "cannot read the git repository of the flavor source git ../platform-flavors@v1" \
           ":flavors (svc/pligos.yaml:7)" in caught.value.message
    assert "a folder is relative to the service's folder" in caught.value.hint


def test_a_locked_commit_not_yet_in_the_cache_is_fetched(repo: Path, tmp_path: Path) -> None:
    root = service_root(tmp_path)
    v1 = git(repo, "rev-parse", "v1")
    source = FlavorSource(GIT, repo.as_uri(), ref="main", path="flavors")
    (found,) = candidates(source, root, locked={"1.0.0": v1})
    assert (found.version, found.identity) == ("1.0.0", v1)
    # a commit the repository does not have is left out: the caller lists the ref instead
    assert candidates(source, root, locked={"9.9.9": "0" * 40}) == []


@pytest.mark.parametrize(("change", "message", "hint"), [
    ({"ref": "mian"}, "has no ref 'mian'", "did you mean 'main'?"),
    ({"ref": "release"}, "has no ref 'release'", "its branches and tags: main, v1, v2"),
    ({"path": "charts"}, "has no folder 'charts' at commit", "correct path:"),
    ({"path": ""}, "holds no flavor at commit", "a flavor is a folder holding flavor.yaml"),
    ({"url": "../nowhere"}, "does not appear to be a git repository",
     "make it a git repository"),
])
def test_a_source_that_cannot_be_read_says_why(repo: Path, tmp_path: Path, change, message,
                                               hint) -> None:
    fields = {"url": "../platform-flavors", "ref": "v1", "path": "flavors", **change}
    source = FlavorSource(GIT, fields["url"], ref=fields["ref"], path=fields["path"],
                          at=("flavorSources", 0), where="svc/pligos.yaml:5")
    with pytest.raises(FlavorSourceError) as caught:
        candidates(source, service_root(tmp_path))
    assert message in caught.value.message and "(svc/pligos.yaml:5)" in caught.value.message
    assert hint in caught.value.hint
    assert caught.value.at == ("flavorSources", 0)


def test_generate_uses_a_git_flavor_and_stays_on_it_without_the_repository(
        repo: Path, tmp_path: Path) -> None:
    v1 = git(repo, "rev-parse", "v1")
    svc = make_tree(tmp_path / "svc", {"pligos.yaml": """
        pligos: 1
        name: hello
        images:
          - {name: web, repository: nginx, tag: "1.27"}
        flavorSources:
          - git: ../platform-flavors
            ref: v1
            path: flavors
        contexts:
          - {name: dev, flavor: web, image: web}
        """})
    first = run_cli("generate", str(svc))
    assert first.code == 0, first.err
    chart = svc / "charts" / "dev" / "hello"
    assert "kind: Deployment" in (chart / "templates" / "deployment.yaml").read_text()
    record = json.loads((svc / "charts" / ".pligos-inputs.json").read_text())
    (inputs,) = [entry["inputs"] for entry in record["services"].values()]
    # the record names the flavor by the commit it is, never by a path of this machine
    assert f"fetched:git/trees/{v1}/_flavors/web" in inputs
    assert not any(str(tmp_path) in key for key in inputs)
    again = run_cli("generate", str(svc))
    assert again.code == 0 and "0 written, 1 unchanged" in again.out
    repo.rename(tmp_path / "moved-away")
    (svc / "charts" / ".pligos-inputs.json").unlink()  # (the full run, from the lock and cache)
    offline = run_cli("generate", str(svc))
    assert offline.code == 0, offline.err
    assert "0 written, 1 unchanged" in offline.out


# --------------------------------------------------------------------------- pligos.yaml

def test_badly_written_sources_are_located_errors_and_nothing_is_read(tmp_path: Path) -> None:
    svc = make_tree(tmp_path / "svc", {"pligos.yaml": """
        pligos: 1
        name: hello
        images:
          - {name: web, repository: nginx, tag: "1.27"}
        flavorSources:
          - git: ../no-such-repository
            branch: main
          - oci: registry.example.com/flavors/web
          - oci: oci://registry.example.com/flavors/web:1.0.0
          - {git: ../flavors, oci: oci://registry.example.com/flavors/web}
          - ../flavors
          - {git: ../flavors, path: ../outside}
          - {oci: oci://robot:hunter2-pw@registry.example.com/flavors/web}
        contexts:
          - {name: dev, flavor: webservice, image: web}
        """})
    for command in ("check", "generate"):
        result = run_cli(command, "svc", cwd=tmp_path)
        assert result.code == 2 and "Traceback" not in result.err, result.err
        lines = [line for line in result.err.splitlines() if ": error: " in line]
        assert lines == [
            "svc/pligos.yaml:7:5: error: unknown key 'branch' in git flavor source "
            "[flavorSources[0].branch] (E-KEY-UNKNOWN)",
            "svc/pligos.yaml:8:10: error: oci 'registry.example.com/flavors/web' is not an "
            "oci:// reference [flavorSources[1].oci] (E-FLAVOR-SOURCE)",
            "svc/pligos.yaml:9:10: error: oci 'oci://registry.example.com/flavors/web:1.0.0' "
            "names a tag or digest, not the flavor's repository [flavorSources[2].oci] "
            "(E-FLAVOR-SOURCE)",
            "svc/pligos.yaml:10:5: error: a flavor source needs exactly one of git and oci "
            "(found both) [flavorSources[3]] (E-FLAVOR-SOURCE)",
            "svc/pligos.yaml:11:5: error: a flavor source must be a mapping, not text "
            "[flavorSources[4]] (E-TYPE)",
            "svc/pligos.yaml:12:29: error: path '../outside' is not a folder inside the "
            "repository [flavorSources[5].path] (E-FLAVOR-SOURCE)",
            "svc/pligos.yaml:13:11: error: an oci reference must not hold a user or password "
            "[flavorSources[6].oci] (E-FLAVOR-SOURCE)",
        ], result.err
        assert "hint: write - git: ../flavors" in result.err
        assert "helm registry login registry.example.com" in result.err
        assert "hunter2-pw" not in result.err + result.out
        assert not (svc / "charts").exists()


def test_an_unreadable_source_stops_generate_naming_its_line(tmp_path: Path) -> None:
    svc = make_tree(tmp_path / "svc", {"pligos.yaml": """
        pligos: 1
        name: hello
        images:
          - {name: web, repository: nginx, tag: "1.27"}
        flavorSources:
          - git: ../no-such-repository
        contexts:
          - {name: dev, flavor: web, image: web}
        """})
    result = run_cli("generate", "svc", cwd=tmp_path)
    assert result.code == 2 and "Traceback" not in result.err
    assert "git ../no-such-repository@HEAD (svc/pligos.yaml:6)" in result.err
    assert not (svc / "charts").exists()


# --------------------------------------------------------------------------- OCI

@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """oci://127.0.0.1:PORT of a plain-HTTP registry living as long as this module's tests."""
    with docker_registry(tmp_path_factory.mktemp("registry")) as url:
        yield url


def publish(helm_bin: str, registry: str, work: Path, name: str, version: str, *,
            flavor: bool = True) -> str:
    """Package a flavor folder (Chart.yaml and flavor.yaml) and push it to REGISTRY/flavors
    as a platform team would; the digest the registry gave it."""
    folder = work / f"{name}-{version}" / name
    files = {"Chart.yaml": f"apiVersion: v2\nname: {name}\nversion: {version}\n"}
    if flavor:
        files["flavor.yaml"] = f"version: {version}\nbase: webservice\n"
    make_tree(folder, files)
    packaged = helm(helm_bin, "package", str(folder), "--destination", str(folder.parent))
    assert packaged.returncode == 0, packaged.stderr
    pushed = helm(helm_bin, "push", str(folder.parent / f"{name}-{version}.tgz"),
                  f"{registry}/flavors", "--plain-http")
    assert pushed.returncode == 0, pushed.stderr
    return next(line.split(":", 1)[1].strip() for line in
                (pushed.stdout + pushed.stderr).splitlines() if line.startswith("Digest:"))


def test_an_oci_flavor_offers_every_pushed_version(helm_bin: str, each_helm: str,
                                                   registry: str, tmp_path: Path, cache: Path,
                                                   monkeypatch) -> None:
    name = f"web{'4' if each_helm != helm_bin else '3'}"  # (a repository per helm)
    old = publish(helm_bin, registry, tmp_path, name, "1.0.0")
    new = publish(helm_bin, registry, tmp_path, name, "1.1.0")
    monkeypatch.setenv("PLIGOS_HELM", each_helm)
    source = FlavorSource(OCI, f"{registry}/flavors/{name}", plain_http=True)
    found = candidates(source, service_root(tmp_path))
    assert listed(found) == [(name, "1.1.0", new), (name, "1.0.0", old)]
    assert {c.source for c in found} == {source.url}
    for c in found:
        folder = c.fetch()
        assert version_of(folder) == c.version and (folder / "Chart.yaml").is_file()
    # a locked digest is pulled by its digest when the cache lacks it ...
    shutil.rmtree(cache / "flavors" / "oci")
    (pulled,) = candidates(source, service_root(tmp_path), locked={"1.0.0": old})
    assert version_of(pulled.fetch()) == "1.0.0"
    # ... and once fetched needs no registry, and not even helm
    monkeypatch.setenv("PLIGOS_HELM", str(tmp_path / "no-helm"))
    (locked,) = candidates(source, service_root(tmp_path), locked={"1.0.0": old})
    assert (locked.version, locked.identity) == ("1.0.0", old)
    assert version_of(locked.fetch()) == "1.0.0"


def test_an_oci_package_without_flavor_yaml_is_refused(helm_bin: str, registry: str,
                                                      tmp_path: Path) -> None:
    publish(helm_bin, registry, tmp_path, "plainchart", "0.1.0", flavor=False)
    source = FlavorSource(OCI, f"{registry}/flavors/plainchart", plain_http=True,
                          where="svc/pligos.yaml:9")
    (found,) = candidates(source, service_root(tmp_path))
    with pytest.raises(FlavorSourceError) as caught:
        found.fetch()
    assert caught.value.message == (f"{registry}/flavors/plainchart:0.1.0 (svc/pligos.yaml:9) "
                                    "is a chart without flavor.yaml, not a flavor")
    assert "package the flavor's folder itself, flavor.yaml inside" in caught.value.hint


def test_an_oci_source_that_cannot_be_read_says_why(helm_bin: str, registry: str,
                                                   tmp_path: Path) -> None:
    root = service_root(tmp_path)
    missing = FlavorSource(OCI, f"{registry}/flavors/nothing-here", plain_http=True)
    with pytest.raises(FlavorSourceError) as caught:
        candidates(missing, root)
    assert "has no version: the registry has no such repository" in caught.value.message
    assert f"helm push nothing-here-VERSION.tgz {registry}/flavors --plain-http" \
        in caught.value.hint
    publish(helm_bin, registry, tmp_path, "tlsless", "1.0.0")
    https = FlavorSource(OCI, f"{registry}/flavors/tlsless")  # (no plainHttp: true)
    with pytest.raises(FlavorSourceError) as caught:
        candidates(https, root)
    assert "server gave HTTP response to HTTPS client" in caught.value.message
    assert "write plainHttp: true in this flavorSources entry" in caught.value.hint


def test_an_oci_source_needs_helm(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PLIGOS_HELM", str(tmp_path / "no-helm"))
    source = FlavorSource(OCI, "oci://127.0.0.1:9/flavors/web", plain_http=True)
    with pytest.raises(HelmNotFound) as caught:
        candidates(source, service_root(tmp_path))
    assert caught.value.message.startswith("reading an OCI flavor source (PLIGOS_HELM=")
    assert "needs the helm binary" in caught.value.message


def test_a_warm_cache_generates_offline_asking_no_source_the_lock_answers_for(
        repo: Path, tmp_path: Path) -> None:
    make_tree(tmp_path, {"local/own/flavor.yaml": "base: worker\nversion: 1.0.0\n"})
    svc = make_tree(tmp_path / "svc", {"pligos.yaml": """
        pligos: 1
        name: hello
        flavorPaths: [../local]
        images:
          - {name: web, repository: nginx, tag: "1.27"}
        flavorSources:
          - {git: ../platform-flavors, ref: main, path: flavors}
          - {git: ../platform-flavors, ref: v1, path: flavors}
        contexts:
          - {name: dev, flavor: web@1.0, image: web}
          - {name: jobs, flavor: own, image: web}
          - {name: plain, flavor: webservice, image: web}
        """})
    first = run_cli("generate", str(svc))
    assert first.code == 0, first.err
    lock = (svc / "pligos.lock").read_text()
    assert "  web@1.0:\n    version: \"1.0.0\"\n    source: git ../platform-flavors@v1:flavors\n" \
        in lock
    assert "  webservice:\n    version: \"2.0.0\"\n    source: builtin\n" in lock
    assert "  own:\n    version: \"1.0.0\"\n    source: ../local/own\n" in lock
    repo.rename(tmp_path / "moved-away")  # (offline: neither ref can be asked)
    sources.forget()
    config = svc / "pligos.yaml"
    config.write_text(config.read_text() + "# edited\n")  # (the full run)
    offline = run_cli("generate", str(svc))
    assert offline.code == 0, offline.err
    assert "0 written, 3 unchanged" in offline.out
    assert (svc / "pligos.lock").read_text() == lock
    assert run_cli("check", str(svc), "--no-lint").code == 0
    # a pin the lock does not answer asks the sources, and says which one it cannot read
    config.write_text(config.read_text().replace("flavor: web@1.0,", "flavor: web@2,"))
    needs = run_cli("generate", str(svc))
    assert needs.code == 2 and "cannot read the git repository" in needs.err


def test_a_broken_flavor_yaml_in_a_git_source_is_named_by_the_source_and_its_path(
        repo: Path, tmp_path: Path) -> None:
    make_tree(repo, {"flavors/web/flavor.yaml": "version: 3.0.0\nbase: webservice\n"
                                                "accepts: [nosuch]\n"})
    git(repo, "commit", "-qam", "broken")
    svc = make_tree(tmp_path / "svc", {"pligos.yaml": """
        pligos: 1
        name: hello
        images:
          - {name: web, repository: nginx, tag: "1.27"}
        flavorSources:
          - {git: ../platform-flavors, ref: main, path: flavors}
        contexts:
          - {name: dev, flavor: web, image: web}
        """})
    result = run_cli("generate", str(svc))
    assert result.code == 2
    assert result.err.splitlines()[0] == (
        "../platform-flavors@main:flavors/web/flavor.yaml:3:11: error: unknown property "
        "'nosuch' in accepts [accepts[0]] (E-FLAVOR-PROPERTY)")
    assert str(tmp_path / "cache") not in result.err
