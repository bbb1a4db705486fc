"""Records that a repository can hold, the machine-local cache beside them, what a chart's hash
leaves out (secret data, fetched subcharts), and the subcharts `helm dependency build` fetched."""

from __future__ import annotations

import io
import json
import os
import tarfile
from pathlib import Path

import pytest

from pligos_tui.charts import chart, localcache, records, subcharts
from pligos_tui.spec.discover import stat_digest
from pligos_tui.spec.flavors import BUILTIN_DIR
from support import make_tree, run_cli

SERVICE = """
    pligos: 1
    name: api
    flavorPaths: [../flavors]
    secrets: {provider: file, path: secrets}
    images:
      - {name: main, repository: example/api, tag: "2.0"}
    mounts:
      - {name: config, path: /etc/api, files: [config/api.yaml]}
      - {name: keys, path: /etc/keys, secret: signing}
    contexts:
      - {name: dev, flavor: webservice, image: main, mounts: [config, keys]}
      - {name: prod, extends: dev, flavor: mine, replicas: 2}
"""
PASSWORD = "hunter2"  # short: a hash of it would be found by guessing


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: Path) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    make_tree(tmp_path / "flavors/mine", {})
    for path in (BUILTIN_DIR / "webservice").rglob("*"):
        if path.is_file():
            target = tmp_path / "flavors/mine" / path.relative_to(BUILTIN_DIR / "webservice")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    return make_tree(tmp_path / "api", {"pligos.yaml": SERVICE, "config/api.yaml": "a: 1\n",
                                        "secrets/signing/key.pem": PASSWORD})


def _env(cache: Path) -> dict[str, str]:
    return {"XDG_CACHE_HOME": str(cache)}


def test_the_record_holds_relative_paths_and_content_hashes_only(service: Path, cache: Path):
    assert run_cli("generate", str(service), env=_env(cache)).code == 0
    text = (service / "charts" / records.STATE).read_text()
    data = json.loads(text)
    assert data["format"] == 1
    (key, entry), = data["services"].items()
    assert json.loads(key) == ["..", []]
    assert sorted(entry["charts"]) == ["dev/api", "prod/api"]
    assert set(entry["charts"]["dev/api"]) == {"hash", "context", "flavor", "service"}
    assert "flavor:builtin/webservice" in entry["inputs"]
    assert "flavor:../flavors/mine" in entry["inputs"]
    assert "file:config/api.yaml" in entry["inputs"]
    assert str(service.parent) not in text and "\\\\" not in text  # no absolute path
    assert "stat" not in text and "secrets" not in text  # no stat data, nothing of secrets
    marker = (service / "charts/dev/api" / chart.MARKER).read_text()
    assert "secrets/" not in marker and str(service.parent) not in marker


def test_no_digest_of_a_secret_reaches_a_committed_file(service: Path, cache: Path):
    import hashlib

    assert run_cli("generate", str(service), env=_env(cache)).code == 0
    sha = hashlib.sha256(PASSWORD.encode()).hexdigest()
    committed = [p for p in (service / "charts").rglob("*")
                 if p.is_file() and "secrets" not in p.relative_to(service / "charts").parts]
    for path in committed:
        text = path.read_text(errors="replace")
        assert sha not in text and sha[:16] not in text, path
    assert (service / "charts/dev/api/secrets").stat().st_mode & 0o777 == 0o700
    for path in (service / "charts/dev/api/secrets").rglob("*"):
        assert path.stat().st_mode & 0o777 == (0o700 if path.is_dir() else 0o600), path
    # the machine-local cache has them, privately
    (file,) = (cache / "pligos/records").glob("*.json")
    assert file.stat().st_mode & 0o777 == 0o600
    assert (cache / "pligos/records").stat().st_mode & 0o777 == 0o700
    local = json.loads(file.read_text())
    assert local["record"] == str(service / "charts" / records.STATE)
    (entry,) = local["entries"].values()
    # keyed with this machine's private key, so not even the cache holds a plain hash
    key = (cache / "pligos" / "key").read_bytes()
    assert len(key) == 32 and (cache / "pligos" / "key").stat().st_mode & 0o777 == 0o600
    assert entry["secrets"]["secret:secrets/signing/key.pem"] == hashlib.blake2b(
        PASSWORD.encode(), key=key, digest_size=32).hexdigest()
    assert sha not in file.read_text()
    assert set(entry["stats"]) == {"dev/api", "prod/api"}


def test_a_changed_secret_rewrites_the_chart_but_nothing_committed(service: Path, cache: Path):
    assert run_cli("generate", str(service), env=_env(cache)).code == 0
    committed = {p: p.read_bytes() for p in (service / "charts").rglob("*")
                 if p.is_file() and "secrets" not in p.parts}
    data = service / "charts/dev/api/secrets/values.yaml"
    before = data.read_bytes()
    (service / "secrets/signing/key.pem").write_text("correct horse")
    result = run_cli("generate", str(service), env=_env(cache))
    assert "2 written" in result.out, result.out
    assert data.read_bytes() != before
    assert {p: p.read_bytes() for p in committed} == committed
    assert "0 written, 2 unchanged" in run_cli("generate", str(service), env=_env(cache)).out


@pytest.mark.parametrize("damage", ["missing", "corrupt", "other-record", "relative-xdg"])
def test_a_missing_or_corrupt_cache_only_costs_speed(service: Path, cache: Path, damage: str):
    assert run_cli("generate", str(service), env=_env(cache)).code == 0
    (file,) = (cache / "pligos/records").glob("*.json")
    env = _env(cache)
    if damage == "missing":
        file.unlink()
    elif damage == "corrupt":
        file.write_bytes(b"{\x00 not json")
    elif damage == "other-record":
        data = json.loads(file.read_text())
        data["record"] = "/elsewhere/charts/.pligos-inputs.json"
        file.write_text(json.dumps(data))
    else:
        env = {"XDG_CACHE_HOME": "relative/ignored", "HOME": str(service / "nowhere")}
    assert "0 written, 2 unchanged" in run_cli("generate", str(service), env=env).out
    # a hand edit is still found with no cache to tell it quickly
    file.unlink(missing_ok=True)
    values = service / "charts/prod/api/values.yaml"
    values.write_text(values.read_text() + "# mine\n")
    result = run_cli("generate", str(service), env=env)
    assert result.code == 2 and "charts/prod/api was changed by hand" in result.err


def test_a_cache_entry_for_another_committed_record_is_not_used(service: Path, cache: Path):
    """A record changed by a pull (same charts' stat, other inputs) never pairs with the cache
    entry written for the old one."""
    assert run_cli("generate", str(service), env=_env(cache)).code == 0
    state = service / "charts" / records.STATE
    data = json.loads(state.read_text())
    (entry,) = data["services"].values()
    entry["charts"]["dev/api"]["hash"] = "0" * 64
    state.write_text(json.dumps(data))
    rec = records.Records(None, None)
    assert rec.get(service) is not None and rec.get(service).local == {}
    assert rec.unchanged(service) is None


def test_flavors_are_named_by_builtin_name_or_path_from_the_service(tmp_path: Path):
    root = tmp_path / "svc"
    assert records.flavor_key(BUILTIN_DIR / "worker", root) == "flavor:builtin/worker"
    assert records.flavor_key(tmp_path / "flavors/x", root) == "flavor:../flavors/x"
    assert records.BUILTIN_FLAVORS == BUILTIN_DIR
    again = records.collect_again(root, {"flavor:builtin/worker": ""})
    assert again["flavor:builtin/worker"] == records.folder_digest(BUILTIN_DIR / "worker")


def test_an_older_record_is_replaced(service: Path, cache: Path):
    state = service / "charts" / records.STATE
    state.parent.mkdir()
    state.write_text(json.dumps({json.dumps([str(service), []]): {"inputs": {}, "charts": {}}}))
    assert run_cli("generate", str(service), env=_env(cache)).code == 0
    assert str(service) not in state.read_text()
    assert json.loads(state.read_text())["format"] == 1


def test_cache_root_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert localcache.cache_root() == tmp_path / "pligos"
    monkeypatch.setenv("XDG_CACHE_HOME", "not/absolute")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert localcache.cache_root() == tmp_path / "home/.cache/pligos"


# --------------------------------------------------------------------------- chart hashes

FILES = {"Chart.yaml": b"name: x\n", "values.yaml": b"a: 1\n"}


def test_secret_data_and_fetched_subcharts_do_not_count_in_the_hash():
    base = chart.content_hash(FILES)
    more = {**FILES, "secrets/values.yaml": b"secretData: {}\n", "Chart.lock": b"x",
            "charts/sub-0.1.0.tgz": b"x", "tmpcharts/sub.tgz": b"x"}
    assert chart.content_hash(more) == base
    assert set(chart.file_digests(more)) == set(FILES)
    assert chart.content_hash({**FILES, "charts/sub/Chart.yaml": b"x"}) != base  # generated


def test_hand_edits_of_secret_data_or_subcharts_are_not_edits(tmp_path: Path):
    dest = tmp_path / "c"
    files = {**FILES, "secrets/values.yaml": b"secretData: {}\n"}
    make_tree(dest, dict(files))
    marker = {"generator": "pligos", "version": chart.__version__,
              "hash": chart.content_hash(files), "files": chart.file_digests(files)}
    (dest / chart.MARKER).write_text(json.dumps(marker))
    (dest / "secrets/values.yaml").write_bytes(b"secretData: {a: b}\n")
    make_tree(dest, {"Chart.lock": "x", "charts/sub-0.1.0.tgz": b"x"})
    assert chart.edited_files(dest) == []
    assert chart.chart_state(dest, FILES).status == "current"
    # a marker of an earlier Pligos counted secret files: they are not taken for edits
    marker["files"]["secrets/x/0"] = "0123456789abcdef"
    marker["hash"] = "old"
    (dest / chart.MARKER).write_text(json.dumps(marker))
    assert chart.edited_files(dest) == []
    (dest / "values.yaml").write_bytes(b"a: 2\n")
    assert chart.edited_files(dest) == ["values.yaml"]


def test_the_stat_fingerprint_ignores_fetched_subcharts(tmp_path: Path):
    dest = make_tree(tmp_path / "c", {"Chart.yaml": "x\n"})
    before = stat_digest(dest)
    make_tree(dest, {"Chart.lock": "x", "charts/sub-0.1.0.tgz": b"x", "tmpcharts/a": "x"})
    assert stat_digest(dest) == before
    (dest / "Chart.yaml").write_text("y\n")
    assert stat_digest(dest) != before


# --------------------------------------------------------------------------- subcharts

DEPS = ("dependencies:\n- name: sub\n  version: 0.1.0\n  repository: file://../sub\n"
        "  alias: db\n")


def _tgz(files: dict[str, bytes], name: str = "sub") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for rel, data in files.items():
            info = tarfile.TarInfo(f"{name}/{rel}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


SUB = {"Chart.yaml": b"apiVersion: v2\nname: sub\nversion: 0.1.0\n",
       "templates/a.yaml": b"kind: A\n"}


@pytest.fixture
def fetched(tmp_path: Path) -> Path:
    """A chart with one file:// dependency, as `helm dependency build` leaves it."""
    make_tree(tmp_path / "sub", {k: v for k, v in SUB.items()})
    lock = "dependencies:\n- name: sub\n  repository: file://../sub\n  version: 0.1.0\n"
    return make_tree(tmp_path / "c", {"Chart.yaml": "apiVersion: v2\nname: c\n" + DEPS,
                                      "Chart.lock": lock,
                                      "charts/sub-0.1.0.tgz": _tgz(SUB)})


def test_subcharts_state(fetched: Path, tmp_path: Path):
    assert subcharts.state(fetched) == subcharts.CURRENT
    (tmp_path / "sub/templates/a.yaml").write_text("kind: B\n")  # the source changed
    assert subcharts.state(fetched) == subcharts.STALE
    (tmp_path / "sub/templates/a.yaml").write_bytes(SUB["templates/a.yaml"])
    (tmp_path / "sub/templates/b.yaml").write_text("kind: B\n")  # a file added
    assert subcharts.state(fetched) == subcharts.STALE
    (tmp_path / "sub/.helmignore").write_text("# ignored\nb.yaml\n")
    (fetched / "charts/sub-0.1.0.tgz").write_bytes(
        _tgz({**SUB, ".helmignore": b"# ignored\nb.yaml\n"}))
    assert subcharts.state(fetched) == subcharts.CURRENT
    (fetched / "charts/sub-0.1.0.tgz").unlink()
    assert subcharts.state(fetched) == subcharts.MISSING
    (fetched / "Chart.lock").unlink()
    assert subcharts.state(fetched) == subcharts.MISSING
    (fetched / "Chart.yaml").write_text("apiVersion: v2\nname: c\n")
    assert subcharts.state(fetched) == subcharts.NONE


def test_a_subchart_with_a_negated_helmignore_rule_is_current_as_helm_packaged_it(
        fetched: Path, tmp_path: Path):
    """helm's `!`: what a negated rule does not match is left out, so a folder whose
    .helmignore is `!*.yaml` packages only its top-level YAML files (Chart.yaml, values.yaml;
    not templates/, nor the .helmignore), which is what `helm dependency build` archives."""
    make_tree(tmp_path / "sub", {".helmignore": "!*.yaml\n", "values.yaml": "a: 1\n"})
    packed = {"Chart.yaml": SUB["Chart.yaml"], "values.yaml": b"a: 1\n"}
    (fetched / "charts/sub-0.1.0.tgz").write_bytes(_tgz(packed))
    assert subcharts.state(fetched) == subcharts.CURRENT
    (tmp_path / "sub/templates/a.yaml").write_text("kind: B\n")  # left out by helm
    (tmp_path / "sub/notes.txt").write_text("x\n")
    assert subcharts.state(fetched) == subcharts.CURRENT
    (tmp_path / "sub/values.yaml").write_text("a: 2\n")  # packaged: the archive is out of date
    assert subcharts.state(fetched) == subcharts.STALE
    (tmp_path / "sub/values.yaml").write_text("a: 1\n")
    (tmp_path / "sub/.helmignore").write_text("*.txt\n")  # no `!`: templates/ is packaged
    assert subcharts.state(fetched) == subcharts.STALE
    (tmp_path / "sub/.helmignore").write_text("**/x\n")  # helm cannot read it: build again
    assert subcharts.state(fetched) == subcharts.STALE


def test_a_lock_of_other_dependencies_is_stale_and_dropped_before_a_build(fetched: Path):
    chart_yaml = fetched / "Chart.yaml"
    chart_yaml.write_text(chart_yaml.read_text().replace("0.1.0", "0.2.0"))
    assert subcharts.state(fetched) == subcharts.STALE
    subcharts.drop_stale_lock(fetched)
    assert not (fetched / "Chart.lock").exists()


def test_subcharts_are_carried_only_for_the_same_dependencies(fetched: Path):
    same = (fetched / "Chart.yaml").read_bytes().replace(b"name: c", b"name: c\nversion: 2")
    assert subcharts.carried(fetched, same) == ["Chart.lock", "charts/sub-0.1.0.tgz"]
    other = same.replace(b"alias: db", b"alias: database")
    assert subcharts.carried(fetched, other) == []
    assert subcharts.carried(fetched, b"apiVersion: v2\nname: c\n") == []


def test_a_rewrite_keeps_fetched_subcharts_of_the_same_dependencies(fetched: Path):
    from pligos_tui.charts import writer

    files = {"Chart.yaml": (fetched / "Chart.yaml").read_bytes(), "values.yaml": b"a: 1\n"}
    os.remove(fetched / "Chart.yaml")
    lock, tgz = (fetched / "Chart.lock").read_bytes(), (fetched / "charts/sub-0.1.0.tgz")
    archive = tgz.read_bytes()
    for name in ("Chart.lock", "charts/sub-0.1.0.tgz"):
        (fetched / name).unlink()
    (fetched / "charts").rmdir()
    fetched.rmdir()
    assert writer.write_chart(fetched, files, meta={}) == "written"
    make_tree(fetched, {"Chart.lock": lock, "charts/sub-0.1.0.tgz": archive})
    assert writer.write_chart(fetched, {**files, "values.yaml": b"a: 2\n"}, meta={}) == "written"
    assert (fetched / "Chart.lock").read_bytes() == lock and tgz.read_bytes() == archive
    changed = files["Chart.yaml"].replace(b"0.1.0", b"0.2.0")
    assert writer.write_chart(fetched, {**files, "Chart.yaml": changed}, meta={}) == "written"
    assert not (fetched / "Chart.lock").exists() and not tgz.exists()


def test_the_cache_forgets_records_that_are_gone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    kept, gone = tmp_path / "a/.pligos-inputs.json", tmp_path / "b/.pligos-inputs.json"
    for record in (kept, gone):
        make_tree(record.parent, {record.name: "{}"})
        cache = localcache.LocalCache(record)
        cache.put("k", {}, secrets={}, stats={})
        cache.save()
    folder = tmp_path / "cache/pligos/records"
    assert len(list(folder.glob("*.json"))) == 2
    gone.unlink()
    localcache.prune(folder)  # (the second save pruned already today: once a day)
    assert len(list(folder.glob("*.json"))) == 2
    localcache.prune(folder, now=(folder / ".pruned").stat().st_mtime + 2 * 86400)
    assert [json.loads(p.read_text())["record"] for p in folder.glob("*.json")] == [str(kept)]
