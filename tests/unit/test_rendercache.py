"""The render cache: where it lives, what its keys cover, entries written whole and read only
whole, and its size bounded by dropping what was used least recently. No helm here (the
cache in use by render_many is tests/integration/test_batch_render.py)."""

from __future__ import annotations

import os
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from pligos_tui.charts.batch import ChartInput, chart_digest, render_key
from pligos_tui.charts.rendercache import RenderCache

KEY_A, KEY_B, KEY_C = ("a" * 64), ("b" * 64), ("c" * 64)
TEXT = "---\n# Source: api/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\n"
CHART = ChartInput("context 'prod' of api/pligos.yaml",
                   {"Chart.yaml": b"apiVersion: v2\nname: api\nversion: 1.0.0\n",
                    "templates/cm.yaml": b"kind: ConfigMap\n",
                    "secrets/values.yaml": b"secretData: {}\n"},
                   "api", "prod", ("secrets/values.yaml",))


def entries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_a_render_put_is_got_back_and_others_are_not_there(tmp_path: Path) -> None:
    cache = RenderCache(tmp_path / "renders")
    assert cache.get(KEY_A) is None  # (no folder yet: no error)
    cache.put(KEY_A, TEXT)
    cache.put(KEY_B, "")
    assert cache.get(KEY_A) == TEXT
    assert cache.get(KEY_B) == ""
    assert cache.get(KEY_C) is None
    assert RenderCache(tmp_path / "renders").get(KEY_A) == TEXT  # another run reads it


def test_the_cache_folder_is_private_and_holds_no_half_written_file(tmp_path: Path) -> None:
    cache = RenderCache(tmp_path / "renders")
    cache.put(KEY_A, TEXT)
    cache.put(KEY_A, TEXT + "more\n")  # replaced in one rename
    assert stat.S_IMODE((tmp_path / "renders").stat().st_mode) == 0o700
    assert [p.name for p in entries(tmp_path / "renders")] == [KEY_A + ".render"]
    assert cache.get(KEY_A) == TEXT + "more\n"


def test_it_lives_in_the_pligos_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PLIGOS_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert RenderCache().folder == tmp_path / "xdg" / "pligos" / "renders"
    monkeypatch.setenv("PLIGOS_CACHE_DIR", str(tmp_path / "mine"))
    assert RenderCache().folder == tmp_path / "mine" / "renders"


@pytest.mark.parametrize("damage", ["cut short", "a byte changed", "another format", "empty",
                                    "not text"])
def test_a_damaged_entry_is_ignored_and_removed(tmp_path: Path, damage: str) -> None:
    cache = RenderCache(tmp_path)
    cache.put(KEY_A, TEXT)
    [path] = entries(tmp_path)
    data = path.read_bytes()
    path.write_bytes({"cut short": data[:-5],
                      "a byte changed": data[:-3] + b"X" + data[-2:],
                      "another format": data.replace(b"pligos-render 1", b"pligos-render 9"),
                      "empty": b"",
                      "not text": b"\xff\xfe" + data}[damage])
    assert cache.get(KEY_A) is None
    assert not path.exists()
    cache.put(KEY_A, TEXT)  # and it is written again
    assert cache.get(KEY_A) == TEXT


def test_a_cache_that_cannot_be_written_is_no_error(tmp_path: Path) -> None:
    (tmp_path / "renders").write_text("a file where the folder would be")
    cache = RenderCache(tmp_path / "renders")
    cache.put(KEY_A, TEXT)
    assert cache.get(KEY_A) is None
    cache.prune()


def test_keys_are_digests_never_paths(tmp_path: Path) -> None:
    cache = RenderCache(tmp_path)
    for bad in ("../../etc/passwd", "A" * 64, "a" * 63, ""):
        with pytest.raises(ValueError):
            cache.get(bad)
        with pytest.raises(ValueError):
            cache.put(bad, TEXT)


def test_past_its_size_the_least_recently_used_go(tmp_path: Path) -> None:
    text = "x" * 1000
    cache = RenderCache(tmp_path, max_bytes=2 * 1100)  # two entries and their headers
    for age, key in enumerate((KEY_A, KEY_B, KEY_C)):
        cache.put(key, text)
        [path] = [p for p in entries(tmp_path) if p.name.startswith(key)]
        os.utime(path, ns=(10**18 + age * 10**9,) * 2)  # A oldest, C newest
    assert cache.get(KEY_A) == text  # reading A makes it the newest
    cache.prune()
    assert cache.get(KEY_B) is None
    assert cache.get(KEY_A) == text
    assert cache.get(KEY_C) == text
    RenderCache(tmp_path, max_bytes=0).prune()
    assert entries(tmp_path) == []


def test_the_digest_covers_files_release_namespace_and_values() -> None:
    digest = chart_digest(CHART)
    changed = [
        replace(CHART, files={**CHART.files, "templates/cm.yaml": b"kind: Secret\n"}),
        replace(CHART, files={**CHART.files, "templates/other.yaml": b""}),
        replace(CHART, files={("templates/c" if k == "templates/cm.yaml" else k): v
                              for k, v in CHART.files.items()}),
        replace(CHART, release="api2"),
        replace(CHART, namespace="dev"),
        replace(CHART, values=()),
        replace(CHART, values=("secrets/values.yaml", "secrets/values.yaml")),
        # the boundaries between path and bytes are part of it
        replace(CHART, files={"Chart.yaml": CHART.files["Chart.yaml"],
                              "templates/cm.yamlkind: ConfigMap\n": b""}),
    ]
    assert len({digest, *(chart_digest(c) for c in changed)}) == len(changed) + 1
    # what it does not render from: the label, the order the files come in
    assert chart_digest(replace(CHART, label="another")) == digest
    assert chart_digest(replace(CHART, files=dict(reversed(CHART.files.items())))) == digest


def test_the_key_also_names_the_helm() -> None:
    assert render_key(CHART, "/usr/bin/helm\0(3, 17, 1)\0x") \
        != render_key(CHART, "/usr/bin/helm\0(4, 1, 4)\0x")
    assert render_key(CHART, "h") == render_key(replace(CHART, label="other"), "h")
