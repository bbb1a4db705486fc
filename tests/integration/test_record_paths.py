"""The committed record of inputs does not depend on how its folder was reached, and forgets
services that are gone."""

from __future__ import annotations

import json
import shutil

from support import EXAMPLES, run_cli


def _keys(record) -> list[str]:
    return sorted(json.loads(record.read_text())["services"])


def test_an_out_folder_reached_through_a_link_records_the_same_paths(tmp_path):
    real = tmp_path / "real"
    shutil.copytree(EXAMPLES / "hello", real / "hello")
    (tmp_path / "link").symlink_to(real)
    assert run_cli("generate", str(real / "hello"), "--out", str(real / "out")).code == 0
    record = real / "out" / ".pligos-inputs.json"
    first = record.read_bytes()
    assert _keys(record) == ['["../hello", []]']
    # the same tree through the link: the same record, untouched
    again = run_cli("generate", str(tmp_path / "link" / "hello"), "--out",
                    str(tmp_path / "link" / "out"), "--force")
    assert again.code == 0, again.err
    assert record.read_bytes() == first
    assert "/link/" not in record.read_text() and str(tmp_path) not in record.read_text()


def test_a_removed_service_leaves_the_record(tmp_path):
    for name in ("hello", "tokend"):
        shutil.copytree(EXAMPLES / name, tmp_path / "tree" / name)
    out = tmp_path / "out"
    assert run_cli("generate", str(tmp_path / "tree"), "--out", str(out)).code == 0
    record = out / ".pligos-inputs.json"
    assert _keys(record) == ['["../tree/hello", []]', '["../tree/tokend", []]']
    shutil.rmtree(tmp_path / "tree" / "tokend")
    result = run_cli("generate", str(tmp_path / "tree"), "--out", str(out))
    assert result.code == 0, result.err
    assert _keys(record) == ['["../tree/hello", []]']
