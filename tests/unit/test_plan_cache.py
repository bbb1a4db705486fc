"""What `pligos plan` keeps between runs (jobs/plan_cache.py): the ids of what a service reads
at a commit, entries that are ignored when they are not what was written, parsed renders that
give the same objects and changes as reading the streams whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from pligos_tui.charts.changes import diff_objects, parse_objects
from pligos_tui.errors import ManifestError
from pligos_tui.jobs.plan_cache import FlavorReads, Parsed, RefPlans, Tree, _inside, _Store

BLOB = "100644:"


def tree(files: dict[str, str]) -> Tree:
    return Tree({path: BLOB + blob for path, blob in files.items()})


BEFORE = {"svc/pligos.yaml": "a", "svc/config/app.yaml": "b", "svc/charts/dev/x/Chart.yaml": "c",
          "flavors/web/flavor.yaml": "d", "flavors/web/templates/t.yaml": "e"}


def test_ids_change_exactly_with_what_they_name():
    before = tree(BEFORE)
    assert before.id("file:svc/absent.yaml") == "-"
    assert before.id("file:flavors/web/flavor.yaml") == BLOB + "d"
    # a service folder's tree leaves out the charts written there
    assert before.id("tree:svc") == tree({**BEFORE, "svc/charts/dev/x/Chart.yaml": "C"}
                                         ).id("tree:svc")
    assert before.id("tree:svc") != tree({**BEFORE, "svc/config/app.yaml": "B"}).id("tree:svc")
    template = tree({**BEFORE, "flavors/web/templates/t.yaml": "E"})
    assert before.id("tree:flavors/web") != template.id("tree:flavors/web")
    assert before.id("dir:flavors") == template.id("dir:flavors")  # names only
    added = tree({**BEFORE, "flavors/other/flavor.yaml": "f"})
    assert before.id("dir:flavors") != added.id("dir:flavors")
    assert before.id("tree:flavors/web") == added.id("tree:flavors/web")
    # a folder "flavors/web" is not "flavors/web-2"
    other = tree({**BEFORE, "flavors/web-2/flavor.yaml": "z"})
    assert other.id("tree:flavors/web") == before.id("tree:flavors/web")
    assert before.has_service("svc") and not before.has_service("flavors")


def test_a_folder_with_a_link_is_told():
    t = Tree({"f/a": BLOB + "1", "f/b": "120000:2", "svc/charts/l": "120000:3"})
    assert t.has_links("tree:f")
    assert not t.has_links("tree:svc")  # (the charts written there do not count)
    assert t.has_service("f") is False


def test_a_path_through_a_link_or_out_of_the_tree_is_not_kept():
    t = Tree({"svc/pligos.yaml": BLOB + "1", "shared": "120000:2", "svc/cfg": "120000:3"})
    base = Path("/ref")
    assert _inside(base / "svc" / "pligos.yaml", base, t) == "svc/pligos.yaml"
    assert _inside(base / "svc" / ".." / "svc" / "x", base, t) == "svc/x"
    assert _inside(base / "shared" / "web", base, t) is None  # (its content is elsewhere)
    assert _inside(base / "svc" / "cfg", base, t) is None
    assert _inside(base / ".." / "elsewhere", base, t) is None


def test_a_store_ignores_what_it_did_not_write(tmp_path: Path):
    store = _Store(tmp_path)
    store.put("ab" * 32, b"body")
    assert store.get("ab" * 32) == b"body"
    path = tmp_path / "ab" / ("ab" * 32)
    for bad in (path.read_bytes()[:-1], b"garbage", path.read_bytes() + b"x"):
        path.write_bytes(bad)
        assert store.get("ab" * 32) is None
        assert not path.exists()  # (removed)
        store.put("ab" * 32, b"body")


def test_kept_plans_that_do_not_read_as_written_are_none(tmp_path: Path):
    plans = RefPlans(tmp_path, tree({"a": "1"}), None, tmp_path / "plans")
    variant = {"inputs": {"file:a": BLOB + "1"}, "secrets": {}, "helm": "h", "charts": {}}
    plans.keep("svc", variant)
    assert plans.find("svc", "h") == variant
    assert plans.find("svc", "another helm") is None
    assert RefPlans(tmp_path, tree({"a": "2"}), None, tmp_path / "plans").find("svc", "h") \
        is None
    assert RefPlans(tmp_path, tree({"a": "1"}), ["dev"], tmp_path / "plans").find("svc", "h") \
        is None
    for path in (tmp_path / "plans").rglob("*"):
        if path.is_file():  # a valid header over a body of the wrong shape
            head = path.read_bytes().split(b"\n", 1)[0]
            path.write_bytes(head + b"\n{}")
    assert plans.find("svc", "h") is None


def test_flavor_reads_record_what_was_looked_up():
    shared = {Path("/a"): 1}
    reads = FlavorReads(shared)
    assert Path("/a") in reads and Path("/b") not in reads
    reads[Path("/b")] = 2
    assert reads[Path("/b")] == 2 and shared[Path("/b")] == 2
    assert list(reads.seen) == [Path("/a"), Path("/b")]


OLD = """\
---
# Source: x/templates/cm.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: one
data:
  a: "1"
---
# Source: x/templates/svc.yaml
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports: [{port: 80}]
"""


def test_parsed_streams_give_what_reading_them_whole_gives(tmp_path: Path):
    parsed = Parsed(tmp_path)
    first = parsed.objects(OLD, "old")
    assert first == parse_objects(OLD) and list(first) == list(parse_objects(OLD))
    assert Parsed(tmp_path).objects(OLD, "old") == first  # (kept)
    new = OLD.replace('a: "1"', 'a: "2"')
    assert parsed.changes(first, OLD, new, "new") == diff_objects(first, parse_objects(new))
    Parsed(tmp_path).objects(new, "new")  # now kept whole
    assert Parsed(tmp_path).changes(first, OLD, new, "new") == diff_objects(
        first, parse_objects(new))


def test_a_stream_that_cannot_be_read_says_what_parse_objects_says(tmp_path: Path):
    parsed = Parsed(tmp_path)
    before = parsed.objects(OLD, "old")
    assert isinstance(before, dict)
    # the changed document makes a second ConfigMap "one": only reading it finds that
    twice = OLD.replace("kind: Service\nmetadata:\n  name: web", "kind: ConfigMap\nmetadata:\n"
                        "  name: one")
    with pytest.raises(ManifestError) as exc:
        parse_objects(twice, label="context 'dev' of svc/pligos.yaml")
    assert parsed.changes(before, OLD, twice, "context 'dev' of svc/pligos.yaml") \
        == str(exc.value)
    assert parsed.objects("a: [", "x").startswith("the manifests of x")


def test_values_marshal_cannot_keep_are_read_each_time(tmp_path: Path):
    stream = OLD.replace('a: "1"', "a: 2024-01-01")  # a timestamp
    parsed = Parsed(tmp_path)
    assert parsed.objects(stream, "s") == parse_objects(stream)
    assert not any(p.is_file() for p in tmp_path.rglob("*"))
