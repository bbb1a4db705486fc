"""Round-trip edits of pligos.yaml (`pligos_tui.jobs.edits`): only what is edited changes."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
import yaml
from support import EXAMPLES

from pligos_tui.jobs import edits
from pligos_tui.io import roundtrip, yamltext
from pligos_tui.errors import PligosError
from pligos_tui.spec.load import load_service_text

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted((ROOT / "fixtures" / "broken").glob("*.yaml"))
EXAMPLE_FILES = sorted(EXAMPLES.glob("**/pligos.yaml"))

COMMENTED = """\
# top comment
pligos: 1
name: demo   # the name

images:
  - name: app
    repository: "example.com/app"
    tag: '2.0'     # quoted on purpose

routes:
  - {name: http, port: 8080}

contexts:
  # first
  - name: dev
    flavor: webservice
    image: app
    routes: [http]

  - name: prod
    extends: dev   # prod is dev, bigger
    replicas: 3
current-context: dev
"""


def changed_lines(a: str, b: str) -> list[str]:
    return [line for line in difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="",
                                                  n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def plain_yaml_files() -> list[Path]:
    out = []
    for f in FIXTURES + EXAMPLE_FILES:
        try:
            data = yaml.safe_load(f.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError):
            continue
        if isinstance(data, dict) and isinstance(data.get("contexts"), list) and any(
                isinstance(c, dict) and isinstance(c.get("name"), str) for c in data["contexts"]):
            out.append(f)
    return out


@pytest.mark.parametrize("file", plain_yaml_files(), ids=lambda p: p.name if p.parent.name ==
                         "broken" else str(p.relative_to(EXAMPLES)))
def test_a_no_op_edit_keeps_every_byte(file):
    text = file.read_text()
    if file.name.startswith("duplicate-") and "key" in file.name:
        with pytest.raises(PligosError, match="duplicate key"):
            edits.set_context_field(text, "dev", "name", "dev")
        return
    ctx = next(c for c in yaml.safe_load(text)["contexts"]
               if isinstance(c, dict) and isinstance(c.get("name"), str))
    same = edits.set_context_field(text, ctx["name"], "name", ctx["name"])
    assert same == text


@pytest.mark.parametrize("text, expected", [
    ("a:\n  - x: 1\n    y: 2\nb:\n  c: 1\n", (2, 4, 2)),
    ("a:\n- x: 1\n  y: 2\nb:\n  c: 1\n", (2, 2, 0)),
    ("a:\n    - x: 1\n      y: 2\nb:\n    c: 1\n", (4, 6, 4)),
    ("a: 1\n", (2, 4, 2)),
])
def test_detect_indent(text, expected):
    assert roundtrip.detect_indent(text) == expected


def test_set_context_field_changes_one_line():
    out = edits.set_context_field(COMMENTED, "prod", "replicas", 5)
    assert changed_lines(COMMENTED, out) == ["-    replicas: 3", "+    replicas: 5"]


def test_set_entry_field_keeps_quote_style_and_comment():
    out = edits.set_entry_field(COMMENTED, "images", "app", "tag", "2.1")
    assert changed_lines(COMMENTED, out) == ["-    tag: '2.0'     # quoted on purpose",
                                             "+    tag: '2.1'     # quoted on purpose"]


def test_rename_follows_extends_and_current_context():
    out = edits.rename_context(COMMENTED, "dev", "develop")
    assert changed_lines(COMMENTED, out) == [
        "-  - name: dev", "-    extends: dev   # prod is dev, bigger", "-current-context: dev",
        "+  - name: develop", "+    extends: develop # prod is dev, bigger",
        "+current-context: develop"] or changed_lines(COMMENTED, out) == [
        "-  - name: dev", "+  - name: develop",
        "-    extends: dev   # prod is dev, bigger", "+    extends: develop # prod is dev, bigger",
        "-current-context: dev", "+current-context: develop"]
    svc = load_service_text(out, Path("/nonexistent"), "pligos.yaml")
    assert [c.name for c in svc.contexts] == ["develop", "prod"]
    assert svc.current_context == "develop"


def test_rename_refuses_a_taken_or_invalid_name():
    with pytest.raises(PligosError, match="already a context named 'prod'"):
        edits.rename_context(COMMENTED, "dev", "prod")
    with pytest.raises(PligosError, match="not a DNS label"):
        edits.rename_context(COMMENTED, "dev", "Dev_1")
    with pytest.raises(PligosError, match="no context named 'qa'"):
        edits.rename_context(COMMENTED, "qa", "qa2")


def test_clone_goes_right_after_its_source_with_its_comments():
    out = edits.clone_context(COMMENTED, "dev", "dev-eu")
    data = yaml.safe_load(out)
    assert [c["name"] for c in data["contexts"]] == ["dev", "dev-eu", "prod"]
    assert data["contexts"][1] == {**data["contexts"][0], "name": "dev-eu"}
    assert out.startswith(COMMENTED.split("  - name: prod")[0].rstrip("\n"))
    load_service_text(out, Path("/nonexistent"), "pligos.yaml")


def test_add_context_uses_the_files_indentation():
    zero = COMMENTED.replace("\n  - ", "\n- ").replace("\n    ", "\n  ")
    assert roundtrip.detect_indent(zero)[1:] == (2, 0)
    out = edits.add_context(zero, "qa", extends="dev")
    assert out.endswith("current-context: dev\n")
    assert "\n- name: qa\n  extends: dev\n" in out
    assert changed_lines(zero, out) == ["+- name: qa", "+  extends: dev"]


def test_delete_refuses_an_extended_context_and_moves_current():
    with pytest.raises(PligosError, match="extended by prod"):
        edits.delete_context(COMMENTED, "dev")
    out = edits.delete_context(edits.set_current_context_text(COMMENTED, "prod"), "prod")
    assert "prod" not in out.split("contexts:")[1]
    assert out.endswith("current-context: dev\n")
    lone = edits.delete_context(COMMENTED, "prod")
    with pytest.raises(PligosError, match="only context"):
        edits.delete_context(lone, "dev")


def test_set_extends_refuses_a_cycle_and_removes_with_none():
    with pytest.raises(PligosError, match="cycle"):
        edits.set_extends(COMMENTED, "dev", "prod")
    out = edits.set_extends(COMMENTED, "prod", None)
    assert "extends" not in out


def test_assign_entries():
    out = edits.assign_entries(COMMENTED, "dev", "routes", [])
    assert "routes: [http]" not in out
    out = edits.assign_entries(out, "dev", "routes", ["http"])
    assert "    routes: [http]\n" in out
    out = edits.assign_entries(COMMENTED, "dev", "image", [])
    assert "image: app" not in out
    with pytest.raises(PligosError, match="one image"):
        edits.assign_entries(COMMENTED, "dev", "image", ["a", "b"])
    with pytest.raises(PligosError, match="not an assignable"):
        edits.assign_entries(COMMENTED, "dev", "flavor", ["x"])


def test_parse_scalar_keeps_the_old_type():
    assert yamltext.parse_scalar("1.30", "1.29") == "1.30"
    assert yamltext.parse_scalar("8081", 8080) == 8081
    assert yamltext.parse_scalar("true", False) is True
    assert yamltext.parse_scalar("abc", 1) == "abc"  # the loader then says what is wrong
    assert yamltext.parse_scalar("3", None) == 3


def test_unparsable_text_is_a_clear_error():
    with pytest.raises(PligosError, match="cannot be edited structurally.*line"):
        edits.set_context_field("contexts: [oops\n", "dev", "replicas", 2)


def test_set_top_level_scalar_keeps_quoting_when_unchanged():
    text = 'appVersion: "1.4.2"  # app\nname: x\n'
    assert yamltext.set_top_level_scalar(text, "appVersion", "1.4.2") == text
    assert yamltext.set_top_level_scalar(text, "appVersion", "1.5") == \
        'appVersion: "1.5"  # app\nname: x\n'


@pytest.mark.parametrize("file", EXAMPLE_FILES, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_every_action_on_the_examples_stays_valid(file):
    text = file.read_text()
    first = yaml.safe_load(text)["contexts"][0]["name"]
    out = edits.clone_context(text, first, "copy")
    out = edits.rename_context(out, "copy", "copy2")
    out = edits.set_context_field(out, "copy2", "replicas", 4)
    out = edits.delete_context(out, "copy2")
    assert out == text


def test_emptying_a_block_mapping_with_a_comment_writes_valid_yaml() -> None:
    text = ("pligos: 1\nname: a\ncontexts:\n  - name: dev\n    flavor: webservice\n"
            "    values:   # kept\n      a: 1\n    replicas: 2\n")
    out = edits.set_context_field(text, "dev", "values", {})
    assert yaml.safe_load(out)["contexts"][0] == {"name": "dev", "flavor": "webservice",
                                                  "values": {}, "replicas": 2}
    assert "# kept" in out
