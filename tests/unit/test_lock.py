"""pligos.lock: where a service's lock is, its bytes, a broken one, and what a run puts in it."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import make_tree

from pligos_tui.errors import ConfigError, UsageError
from pligos_tui.spec.flavors import FlavorSet
from pligos_tui.spec.load import load_service
from pligos_tui.spec.lock import HEADER, LockEntry, read_lock, render_lock, write_lock
from pligos_tui.spec.lockpath import lock_path
from pligos_tui.spec.pins import lock_updates

ENTRY = LockEntry("2.0.0", "builtin", "sha256:" + "a" * 64)


def test_a_service_outside_git_keeps_its_lock_beside_pligos_yaml(tmp_path: Path):
    svc = make_tree(tmp_path / "svc", {"pligos.yaml": ""})
    assert lock_path(svc) == svc / "pligos.lock"


def test_a_service_in_git_uses_the_nearest_lock_up_to_the_top_of_the_repository(tmp_path: Path):
    make_tree(tmp_path, {"pligos.lock": "", "repo/.git/HEAD": "", "repo/team/api/pligos.yaml": ""})
    api = tmp_path / "repo" / "team" / "api"
    # the lock above the repository is not its: the top of the repository is
    assert lock_path(api) == tmp_path / "repo" / "pligos.lock"
    (tmp_path / "repo" / "team" / "pligos.lock").write_text("")
    assert lock_path(api) == tmp_path / "repo" / "team" / "pligos.lock"
    (api / "pligos.lock").write_text("")
    assert lock_path(api) == api / "pligos.lock"


def test_the_same_entries_always_give_the_same_bytes_and_read_back(tmp_path: Path):
    entries = {"web@2": ENTRY, "cronjob": LockEntry("1.0.0", "flavors/cron", "sha256:" + "b" * 64)}
    data = render_lock(entries)
    assert data == render_lock(dict(reversed(entries.items())))  # (sorted by pin)
    text = data.decode()
    assert text.startswith(HEADER) and "meant to be committed" in HEADER
    assert text.index("cronjob:") < text.index("web@2:") and "format: 1\n" in text
    path = tmp_path / "pligos.lock"
    path.write_bytes(data)
    assert read_lock(path).flavors == entries


def test_the_lock_is_written_only_when_its_bytes_change(tmp_path: Path):
    path = tmp_path / "pligos.lock"
    lock = read_lock(path)
    assert lock.raw is None and lock.flavors == {}
    assert write_lock(lock, {"web": ENTRY}) is True
    written = path.stat().st_mtime_ns
    assert write_lock(read_lock(path), {"web": ENTRY}) is False
    assert path.stat().st_mtime_ns == written and sorted(p.name for p in tmp_path.iterdir()) == [
        "pligos.lock"]


def test_an_empty_lock_file_is_a_lock_with_nothing_in_it(tmp_path: Path):
    (tmp_path / "pligos.lock").write_text("")
    assert read_lock(tmp_path / "pligos.lock").flavors == {}


@pytest.mark.parametrize(("text", "where", "message"), [
    ("format: 1\nflavors:\n  web:\n    version: 2.0.0\n    source: builtin\n", 4,
     "the entry of 'web' must hold version, source and digest"),
    ("format: 1\nflavors:\n  web: {version: '2.0', source: builtin, digest: x}\n", 3,
     "'2.0' is not a SemVer version"),
    ("format: 1\nflavor: {}\n", 2, "unknown key 'flavor'"),
    ("format: 2\nflavors: {}\n", 1, "has format 2, this Pligos reads format 1"),
])
def test_a_broken_lock_is_a_located_error(tmp_path: Path, text: str, where: int, message: str):
    (tmp_path / "pligos.lock").write_text(text)
    with pytest.raises(ConfigError) as caught:
        read_lock(tmp_path / "pligos.lock")
    [problem] = caught.value.problems
    assert problem.line == where and message in problem.message and problem.rule == "E-LOCK"
    assert problem.file.endswith("pligos.lock")


SERVICE = """
    pligos: 1
    name: {name}
    flavorPaths: [flavors]
    images: [{{name: i, repository: nginx, tag: "1"}}]
    contexts: [{{name: dev, flavor: {flavor}, image: i}}]
"""
WEB = "base: webservice\nversion: {version}\n"


def _service(root: Path, name: str, flavor: str, version: str = "1.0.0") -> Path:
    return make_tree(root / name, {"pligos.yaml": SERVICE.format(name=name, flavor=flavor),
                                   "flavors/web/flavor.yaml": WEB.format(version=version)})


def test_services_sharing_a_lock_that_mean_different_flavors_by_one_pin_are_refused(
        tmp_path: Path):
    (tmp_path / ".git").mkdir()
    a = load_service(_service(tmp_path, "a", "web", "1.0.0"))
    b = load_service(_service(tmp_path, "b", "web", "2.0.0"))
    with pytest.raises(UsageError) as caught:
        lock_updates([a, b], FlavorSet())
    assert caught.value.message.endswith("pligos.lock but mean different flavors by 'web' "
                                         "(a/flavors/web 1.0.0, b/flavors/web 2.0.0)")
    assert "a lock of its own" in caught.value.hint
    (tmp_path / "b" / "pligos.lock").write_text("")  # b's own lock: each has its version
    updates = lock_updates([a, load_service(tmp_path / "b")], FlavorSet())
    assert sorted((u.lock.path.relative_to(tmp_path).as_posix(), u.flavors["web"].version)
                  for u in updates) == [("b/pligos.lock", "2.0.0"), ("pligos.lock", "1.0.0")]


def test_a_run_keeps_what_services_it_did_not_load_recorded_and_a_full_one_drops_the_unused(
        tmp_path: Path):
    (tmp_path / ".git").mkdir()
    a = load_service(_service(tmp_path, "a", "webservice"))
    b = load_service(_service(tmp_path, "b", "worker"))
    [update] = lock_updates([a, b], FlavorSet())
    write_lock(update.lock, update.flavors)
    assert sorted(update.flavors) == ["webservice", "worker"]
    [partial] = lock_updates([a], FlavorSet())
    assert sorted(partial.flavors) == ["webservice", "worker"] and not partial.changed
    config = tmp_path / "b" / "pligos.yaml"
    config.write_text(config.read_text().replace("flavor: worker", "flavor: webservice@2"))
    [full] = lock_updates([a, load_service(tmp_path / "b")], FlavorSet())
    assert sorted(full.flavors) == ["webservice", "webservice@2"] and full.changed
