"""Setting one value in place, and the editor's actions on property entries (`pligos_tui.jobs.edits`, `pligos_tui.io.yamltext`).

What is checked is what a user sees in the file: the lines that change, the comments and
quoting that stay, references that follow, and that the result still loads.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import EXAMPLES

from pligos_tui.jobs import edits
from pligos_tui.io import roundtrip, yamltext
from pligos_tui.spec import vocabulary
from pligos_tui.errors import ConfigError, PligosError
from pligos_tui.spec.load import load_service_text

EXAMPLE_FILES = sorted(EXAMPLES.glob("**/pligos.yaml"))
TOKEND = EXAMPLES / "tokend" / "pligos.yaml"
HELLO = EXAMPLES / "hello" / "pligos.yaml"

SERVICE = """\
# a service
pligos: 1
name: demo
appVersion: '1.0'
friends:
  - {name: postgres, chart: {name: postgresql, version: 15.5.0, repository: https://x.example}}
  - {name: redis, chart: {name: redis, version: 19.0.0, repository: https://x.example}}
  - {name: kafka, chart: {name: kafka, version: 1.0.0, repository: https://x.example}}

images:
  - name: app            # the main image
    repository: example.com/app
    tag: "2.0"
  - name: tools
    repository: example.com/tools
    tag: latest

routes:
  - {name: http, port: 80, containerPort: 8080}
  - name: admin
    port: 9000

probes:
  - name: web
    liveness:  {httpGet: {path: /healthz, port: http}}

env:
  - name: common
    variables: {LOG_LEVEL: info, MODE: fast}

# contexts follow
contexts:
  - name: dev
    flavor: webservice
    image: tools
    probe: web
    routes: [http, admin]
    env: [common]
    friends: [postgres]

  - name: prod
    extends: dev  # like dev
    image: app
    routes: [http]
    replicas: 3
    friends:
      - name: postgres   # bigger
        values: {size: large}
      - redis
current-context: dev
"""


def changed_lines(a: str, b: str) -> list[str]:
    """The lines removed (-) and added (+) from a to b, in diff order."""
    return [line for line in difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="",
                                                  n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def load(text: str, root: Path = Path("/nonexistent")) -> Any:
    return load_service_text(text, root, "pligos.yaml")


def no_round_trip(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the ruamel.yaml round trip fail, to show an edit took the fast path."""
    def refuse(text: str) -> None:
        raise AssertionError("the round trip was used")
    monkeypatch.setattr(roundtrip, "load", refuse)


# -- set_value_at: the fast path ---------------------------------------------------------------

APP, TOOLS = ("images", 0), ("images", 1)


@pytest.mark.parametrize("path, before, value, after", [
    (APP + ("repository",), "    repository: example.com/app", "example.com/app2",
     "    repository: example.com/app2"),
    (APP + ("tag",), '    tag: "2.0"', "2.1", '    tag: "2.1"'),
    (APP + ("tag",), '    tag: "2.0"', 'say "hi" \\ now', '    tag: "say \\"hi\\" \\\\ now"'),
    (("appVersion",), "appVersion: '1.0'", "1.1", "appVersion: '1.1'"),
    (("appVersion",), "appVersion: '1.0'", "it's", "appVersion: 'it''s'"),
    (TOOLS + ("tag",), "    tag: latest", "1.20", '    tag: "1.20"'),
    (TOOLS + ("tag",), "    tag: latest", "true", '    tag: "true"'),
    (TOOLS + ("tag",), "    tag: latest", "", '    tag: ""'),
    (TOOLS + ("tag",), "    tag: latest", "a#b", "    tag: a#b"),
    (TOOLS + ("tag",), "    tag: latest", "a #b", '    tag: "a #b"'),
    (TOOLS + ("tag",), "    tag: latest", "a: b", '    tag: "a: b"'),
    (TOOLS + ("tag",), "    tag: latest", " padded", '    tag: " padded"'),
    (TOOLS + ("tag",), "    tag: latest", "1e3", '    tag: "1e3"'),
    (TOOLS + ("tag",), "    tag: latest", "x, y", '    tag: "x, y"'),
    (TOOLS + ("tag",), "    tag: latest", "http://x:80/a", "    tag: http://x:80/a"),
    (TOOLS + ("tag",), "    tag: latest", "-v", '    tag: "-v"'),
    (TOOLS + ("tag",), "    tag: latest", "2024-01-01", '    tag: "2024-01-01"'),
])
def test_a_scalar_is_replaced_in_place_keeping_its_quotes(path, before, value, after,
                                                          monkeypatch):
    no_round_trip(monkeypatch)
    out = yamltext.set_value_at(SERVICE, path, value)
    assert changed_lines(SERVICE, out) == ["-" + before, "+" + after]
    node = yaml.safe_load(out)
    for part in path:
        node = node[part]
    assert node == value and type(node) is str


@pytest.mark.parametrize("path, value, line", [
    (("contexts", 1, "replicas"), 5, "    replicas: 5"),
    (("contexts", 1, "replicas"), 2.5, "    replicas: 2.5"),
    (("contexts", 1, "replicas"), True, "    replicas: true"),
    (("contexts", 1, "replicas"), "many", "    replicas: many"),
    (("contexts", 1, "replicas"), "3", '    replicas: "3"'),
])
def test_numbers_and_booleans_are_written_plain(path, value, line, monkeypatch):
    no_round_trip(monkeypatch)
    out = yamltext.set_value_at(SERVICE, path, value)
    assert changed_lines(SERVICE, out) == ["-    replicas: 3", "+" + line]
    assert yaml.safe_load(out)["contexts"][1]["replicas"] == value


def test_a_value_inside_a_flow_mapping_is_quoted_when_it_must_be(monkeypatch):
    no_round_trip(monkeypatch)
    path = ("env", 0, "variables", "LOG_LEVEL")
    for value, written in [("debug", "debug"), ("a, b", '"a, b"'), ("x}", '"x}"'),
                           ("a: b", '"a: b"'), ("#no", '"#no"'), ("[1]", '"[1]"')]:
        out = yamltext.set_value_at(SERVICE, path, value)
        assert changed_lines(SERVICE, out) == [
            "-    variables: {LOG_LEVEL: info, MODE: fast}",
            f"+    variables: {{LOG_LEVEL: {written}, MODE: fast}}"]
        assert yaml.safe_load(out)["env"][0]["variables"] == {"LOG_LEVEL": value, "MODE": "fast"}


def test_a_field_added_empty_then_typed_is_written_plain(monkeypatch):
    text = edits.set_entry_field(SERVICE, "routes", "admin", "fqdn", "")
    assert changed_lines(SERVICE, text) == ['+    fqdn: ""']
    no_round_trip(monkeypatch)
    out = text
    for typed in ("a", "ad", "admin.example.com"):
        out = edits.set_entry_field(out, "routes", "admin", "fqdn", typed)
    assert changed_lines(SERVICE, out) == ["+    fqdn: admin.example.com"]
    assert edits.set_entry_field(out, "routes", "admin", "fqdn", "") == text


def test_a_one_line_key_is_added_and_removed_without_a_round_trip(monkeypatch):
    no_round_trip(monkeypatch)
    removed = edits.set_context_field(SERVICE, "prod", "replicas", None)
    assert changed_lines(SERVICE, removed) == ["-    replicas: 3"]
    added = edits.set_context_field(SERVICE, "dev", "replicas", 4)  # after its last key
    assert changed_lines(SERVICE, added) == ["+    replicas: 4"]
    assert "    friends: [postgres]\n    replicas: 4\n\n  - name: prod" in added
    crlf = SERVICE.replace("\n", "\r\n")
    assert edits.set_context_field(crlf, "prod", "replicas", None) == removed.replace(
        "\n", "\r\n")
    assert edits.set_context_field(crlf, "dev", "replicas", 4) == added.replace("\n", "\r\n")


def test_a_key_sharing_its_line_with_a_dash_takes_the_round_trip():
    text = "pligos: 1\nname: x\ncontexts:\n  - name: dev\n    replicas: 2\n"
    out = edits.set_context_field(text, "dev", "replicas", None)
    assert out == "pligos: 1\nname: x\ncontexts:\n  - name: dev\n"
    out = edits.set_context_field("pligos: 1\nname: x\ncontexts:\n  - {name: dev}\n", "dev",
                                 "replicas", 2)
    assert yaml.safe_load(out)["contexts"][0] == {"name": "dev", "replicas": 2}


def test_an_unchanged_value_keeps_every_byte(monkeypatch):
    no_round_trip(monkeypatch)
    assert yamltext.set_value_at(SERVICE, ("images", 0, "tag"), "2.0") == SERVICE
    assert yamltext.set_value_at(SERVICE, ("contexts", 1, "replicas"), 3) == SERVICE


def test_crlf_and_bom_files_keep_their_bytes(monkeypatch):
    crlf = "\ufeff" + SERVICE.replace("\n", "\r\n")
    no_round_trip(monkeypatch)
    out = edits.set_context_field(crlf, "prod", "replicas", 12)
    assert out == crlf.replace("    replicas: 3\r\n", "    replicas: 12\r\n")
    out = edits.set_entry_field(crlf, "env", "common", ("variables", "MODE"), "a, b")
    assert out == crlf.replace("MODE: fast}", 'MODE: "a, b"}')


def test_crlf_files_keep_their_line_ends_through_the_round_trip():
    crlf = SERVICE.replace("\n", "\r\n")
    out = edits.set_context_field(crlf, "dev", "replicas", 2)
    assert out == crlf.replace("friends: [postgres]\r\n", "friends: [postgres]\r\n"
                               "    replicas: 2\r\n")
    out = edits.add_entry(crlf, "images", "extra")
    assert out == crlf.replace("tag: latest\r\n", "tag: latest\r\n  - name: extra\r\n"
                               "    repository:\r\n    tag: latest\r\n")


def test_context_and_entry_fields_are_found_by_name(monkeypatch):
    no_round_trip(monkeypatch)
    out = edits.set_context_field(SERVICE, "prod", "replicas", 4)
    assert changed_lines(SERVICE, out) == ["-    replicas: 3", "+    replicas: 4"]
    out = edits.set_entry_field(SERVICE, "probes", "web", ("liveness", "httpGet", "path"), "/live")
    assert changed_lines(SERVICE, out) == [
        "-    liveness:  {httpGet: {path: /healthz, port: http}}",
        "+    liveness:  {httpGet: {path: /live, port: http}}"]
    out = edits.set_entry_field(SERVICE, "routes", "http", "port", 81)
    assert changed_lines(SERVICE, out) == [
        "-  - {name: http, port: 80, containerPort: 8080}",
        "+  - {name: http, port: 81, containerPort: 8080}"]


def test_a_missing_key_is_created_by_the_round_trip():
    out = edits.set_context_field(SERVICE, "dev", "replicas", 2)
    assert changed_lines(SERVICE, out) == ["+    replicas: 2"]
    assert "    friends: [postgres]\n    replicas: 2\n\n  - name: prod" in out
    out = yamltext.set_value_at(SERVICE, ("images", 1, "pullPolicy"), "Always")
    assert changed_lines(SERVICE, out) == ["+    pullPolicy: Always"]


def test_missing_nested_mappings_are_created_in_flow_style():
    out = edits.set_entry_field(SERVICE, "probes", "web", ("readiness", "httpGet", "path"), "/r")
    assert changed_lines(SERVICE, out) == ["+    readiness: {httpGet: {path: /r}}"]
    out = edits.set_entry_field(SERVICE, "probes", "web", ("liveness", "periodSeconds"), 5)
    assert changed_lines(SERVICE, out) == [
        "-    liveness:  {httpGet: {path: /healthz, port: http}}",
        "+    liveness: {httpGet: {path: /healthz, port: http}, periodSeconds: 5}"]


def test_none_removes_and_a_missing_path_stays_missing():
    out = edits.set_context_field(SERVICE, "prod", "replicas", None)
    assert changed_lines(SERVICE, out) == ["-    replicas: 3"]
    assert edits.set_entry_field(SERVICE, "probes", "web", ("startup", "httpGet"), None) == SERVICE
    out = edits.set_entry_field(SERVICE, "images", "app", "tag", None)
    assert changed_lines(SERVICE, out) == ['-    tag: "2.0"']
    out = yamltext.set_value_at(SERVICE, ("contexts", 0, "routes", 1), None)
    assert changed_lines(SERVICE, out) == ["-    routes: [http, admin]", "+    routes: [http]"]


def test_removing_a_contexts_last_key_keeps_the_blank_line_after_it():
    out = edits.set_context_field(SERVICE, "dev", "friends", None)
    assert changed_lines(SERVICE, out) == ["-    friends: [postgres]"]
    assert "    env: [common]\n\n  - name: prod" in out


def test_lists_and_other_scalars_take_the_round_trip():
    out = edits.set_context_field(SERVICE, "prod", "routes", ["http", "admin"])
    assert changed_lines(SERVICE, out) == ["-    routes: [http]", "+    routes: [http, admin]"]
    block = "a: 1\nnote: |\n  line one\n  line two\nb: 2\n"
    out = yamltext.set_value_at(block, ("note",), "short")
    assert yaml.safe_load(out) == {"a": 1, "note": "short", "b": 2}
    anchored = "base: &b x\nother: *b\nc: 1\n"
    out = yamltext.set_value_at(anchored, ("c",), 2)
    assert yaml.safe_load(out) == {"base": "x", "other": "x", "c": 2}
    multiline = "a: one\n  two\nb: 1\n"
    out = yamltext.set_value_at(multiline, ("a",), "three")
    assert yaml.safe_load(out) == {"a": "three", "b": 1}


def test_a_newline_in_a_value_is_written_so_it_reads_back():
    out = yamltext.set_value_at(SERVICE, ("images", 0, "tag"), "a\nb")
    assert yaml.safe_load(out)["images"][0]["tag"] == "a\nb"
    assert changed_lines(SERVICE, out) == ['-    tag: "2.0"', '+    tag: "a\\nb"']


def test_refusals():
    with pytest.raises(PligosError, match="no context named 'qa'"):
        edits.set_context_field(SERVICE, "qa", "replicas", 1)
    with pytest.raises(PligosError, match="no probe named 'x'"):
        edits.set_entry_field(SERVICE, "probes", "x", "liveness", None)
    with pytest.raises(PligosError, match="no list of mounts"):
        edits.set_entry_field(SERVICE, "mounts", "x", "path", "/x")
    with pytest.raises(PligosError, match="no item 9"):
        yamltext.set_value_at(SERVICE, ("contexts", 9, "replicas"), 1)
    with pytest.raises(PligosError, match="not a mapping"):
        yamltext.set_value_at(SERVICE, ("name", "x"), 1)
    with pytest.raises(PligosError, match="not a path"):
        yamltext.set_value_at(SERVICE, (), 1)
    with pytest.raises(PligosError, match="duplicate key"):
        yamltext.set_value_at("a: 1\na: 2\nb: 3\n", ("b",), 4)
    with pytest.raises(PligosError, match="cannot be edited structurally"):
        yamltext.set_value_at("a: [1\n", ("a",), 4)


def test_set_top_level_scalar_takes_the_fast_path(monkeypatch):
    no_round_trip(monkeypatch)
    text = "name: demo  # the name\nappVersion: 1.0.0\n"
    assert yamltext.set_top_level_scalar(text, "appVersion", "1.5") == \
        'name: demo  # the name\nappVersion: "1.5"\n'
    assert yamltext.set_top_level_scalar(text, "name", "demo2") == \
        "name: demo2  # the name\nappVersion: 1.0.0\n"
    assert edits.set_current_context_text(SERVICE, "prod") == \
        SERVICE.replace("current-context: dev", "current-context: prod")


def scalar_paths(node: yaml.Node, path: tuple = ()) -> list[tuple[tuple, yaml.ScalarNode]]:
    """Every value scalar (not key) of a node tree, with its path."""
    if isinstance(node, yaml.ScalarNode):
        return [(path, node)]
    if isinstance(node, yaml.MappingNode):
        return [found for key, value in node.value
                for found in scalar_paths(value, path + (key.value,))]
    return [found for i, item in enumerate(node.value) for found in scalar_paths(item, path + (i,))]


def other_value(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    return f"{value}-x" if value else "x"


@pytest.mark.parametrize("file", EXAMPLE_FILES, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_setting_any_scalar_of_the_examples_changes_only_its_line(file, monkeypatch):
    text = file.read_text()
    root = yaml.compose(text)
    paths = scalar_paths(root)
    assert len(paths) > 15
    no_round_trip(monkeypatch)
    for path, node in paths:
        old = yaml.safe_load(text)
        for part in path[:-1]:
            old = old[part]
        value = other_value(old[path[-1]])
        out = yamltext.set_value_at(text, path, value)
        line = node.start_mark.line
        old_lines, new_lines = text.splitlines(), out.splitlines()
        assert len(new_lines) == len(old_lines)
        assert [i for i, (a, b) in enumerate(zip(old_lines, new_lines)) if a != b] == [line]
        start, end = node.start_mark.index, node.end_mark.index
        assert out.startswith(text[:start]) and out.endswith(text[end:])
        got = yaml.safe_load(out)
        for part in path:
            got = got[part]
        assert got == value and type(got) is type(value)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                     max_size=12))
def test_any_text_reads_back_as_itself(value):
    for path in [("images", 1, "tag"), ("images", 0, "tag"), ("appVersion",),
                 ("env", 0, "variables", "MODE"), ("contexts", 0, "routes", 0)]:
        out = yamltext.set_value_at(SERVICE, path, value)
        got = yaml.safe_load(out)
        for part in path:
            got = got[part]
        assert got == value
        assert len(changed_lines(SERVICE, out)) == 2
        if path[0] == "env":  # inside a flow mapping: the round trip still reads the file
            assert roundtrip.structurally_editable(out)


# -- entries -----------------------------------------------------------------------------------

def test_templates_cover_every_property():
    assert set(edits.ENTRY_TEMPLATES) == set(vocabulary.PROPERTY_LISTS)


def test_add_entry_appends_in_the_files_style():
    out = edits.add_entry(SERVICE, "images", "worker")
    assert out == SERVICE.replace("    tag: latest\n", "    tag: latest\n  - name: worker\n"
                                  "    repository:\n    tag: latest\n")
    out = edits.add_entry(SERVICE, "routes", "grpc", {"port": 9090})
    assert changed_lines(SERVICE, out) == ["+  - name: grpc", "+    port: 9090"]
    out = edits.add_entry(SERVICE, "probes", "tcp", {"readiness": {"tcpSocket": {"port": 80}}})
    assert changed_lines(SERVICE, out) == ["+  - name: tcp",
                                           "+    readiness: {tcpSocket: {port: 80}}"]


def test_a_new_image_shows_what_to_fill_in():
    out = edits.add_entry(SERVICE, "images", "worker")
    with pytest.raises(ConfigError) as caught:
        load(out)
    assert [p.message for p in caught.value.problems] == ["image needs 'repository'"]
    assert caught.value.problems[0].hint == "add repository: registry.example.com/team/app"


def test_a_missing_list_is_created_before_the_contexts():
    out = edits.add_entry(SERVICE, "mounts", "data")
    assert changed_lines(SERVICE, out) == ["+mounts:", "+  - name: data", "+    path: /data",
                                           "+    emptyDir: {}", "+"]
    assert ("    variables: {LOG_LEVEL: info, MODE: fast}\n\nmounts:\n  - name: data\n"
            "    path: /data\n    emptyDir: {}\n\n# contexts follow\ncontexts:") in out
    load(out)
    hello = HELLO.read_text()
    out = edits.add_entry(hello, "env", "common", {"variables": {"A": "1"}})
    assert "    readiness: {tcpSocket: {port: http}}\nenv:\n  - name: common\n" \
        "    variables: {A: '1'}\ncontexts:\n" in out
    assert changed_lines(hello, out) == ["+env:", "+  - name: common", "+    variables: {A: '1'}"]


def test_a_new_list_takes_the_files_indentation():
    zero = SERVICE.replace("\n  - ", "\n- ").replace("\n    ", "\n  ")
    out = edits.add_entry(zero, "commands", "run")
    assert "\ncommands:\n- name: run\n  type: executable\n  command: [/app]\n\n# contexts" in out
    out = edits.add_entry(zero, "images", "extra")
    assert out == zero.replace("  tag: latest\n", "  tag: latest\n- name: extra\n"
                               "  repository:\n  tag: latest\n")


@pytest.mark.parametrize("prop", vocabulary.PROPERTY_LISTS)
@pytest.mark.parametrize("file", EXAMPLE_FILES, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_adding_then_deleting_an_entry_gives_back_the_file(file, prop):
    text = file.read_text()
    out = edits.add_entry(text, prop, "extra")
    assert all(line.startswith("+") for line in changed_lines(text, out))
    if prop == "images":
        with pytest.raises(ConfigError) as caught:
            load(out, file.parent)
        assert [p.message for p in caught.value.problems] == ["image needs 'repository'"]
        out = edits.set_entry_field(out, prop, "extra", "repository", "example.com/extra")
    if prop == "containers":  # a new container shows that it needs an image
        with pytest.raises(ConfigError) as caught:
            load(out, file.parent)
        assert [p.message for p in caught.value.problems] == ["container needs 'image'"]
        image = yaml.safe_load(text)["images"][0]["name"]
        out = edits.set_entry_field(out, prop, "extra", "image", image)
    load(out, file.parent)
    out = edits.rename_entry(out, prop, "extra", "extra2")
    assert edits.entry_users(out, prop, "extra2") == []
    assert edits.delete_entry(out, prop, "extra2") == text


def test_add_entry_refusals():
    with pytest.raises(PligosError, match="already an image named 'app'"):
        edits.add_entry(SERVICE, "images", "app")
    with pytest.raises(PligosError, match="not a DNS label"):
        edits.add_entry(SERVICE, "images", "App_1")
    with pytest.raises(PligosError, match="longer than 15"):
        edits.add_entry(SERVICE, "routes", "a-very-long-route-name")
    with pytest.raises(PligosError, match="volume Pligos mounts scripts"):
        edits.add_entry(SERVICE, "mounts", "pligos-scripts")
    with pytest.raises(PligosError, match="not a property"):
        edits.add_entry(SERVICE, "friends", "x")


def test_clone_entry_goes_right_after_its_source_with_its_comments():
    out = edits.clone_entry(SERVICE, "images", "app", "app-debug")
    clone = ('  - name: app-debug      # the main image\n    repository: example.com/app\n'
             '    tag: "2.0"\n')
    assert out == SERVICE.replace("  - name: tools\n", clone + "  - name: tools\n")
    with pytest.raises(PligosError, match="already an image named 'tools'"):
        edits.clone_entry(SERVICE, "images", "app", "tools")
    with pytest.raises(PligosError, match="no image named 'nope'"):
        edits.clone_entry(SERVICE, "images", "nope", "x")


def test_rename_entry_follows_every_reference():
    out = edits.rename_entry(SERVICE, "routes", "http", "web")
    assert changed_lines(SERVICE, out) == [
        "-  - {name: http, port: 80, containerPort: 8080}",
        "+  - {name: web, port: 80, containerPort: 8080}",
        "-    liveness:  {httpGet: {path: /healthz, port: http}}",
        "+    liveness:  {httpGet: {path: /healthz, port: web}}",
        "-    routes: [http, admin]", "+    routes: [web, admin]",
        "-    routes: [http]", "+    routes: [web]"]
    load(out)
    out = edits.rename_entry(SERVICE, "images", "app", "main")
    assert changed_lines(SERVICE, out) == [
        "-  - name: app            # the main image", "+  - name: main            # the main image",
        "-    image: app", "+    image: main"]


def test_rename_entry_keeps_quotes_and_refuses_bad_names():
    text = SERVICE.replace("image: tools", "image: 'tools'")
    out = edits.rename_entry(text, "images", "tools", "tools2")
    assert "    image: 'tools2'\n" in out and "  - name: tools2\n" in out
    assert edits.rename_entry(SERVICE, "images", "app", "app") == SERVICE
    with pytest.raises(PligosError, match="already an image named 'tools'"):
        edits.rename_entry(SERVICE, "images", "app", "tools")
    with pytest.raises(PligosError, match="not a DNS label"):
        edits.rename_entry(SERVICE, "env", "common", "Common")
    with pytest.raises(PligosError, match="already a route named 'admin'"):
        edits.rename_entry(SERVICE, "routes", "http", "admin")
    with pytest.raises(PligosError, match="no image named 'x'"):
        edits.rename_entry(SERVICE, "images", "x", "y")


def test_rename_a_route_on_the_examples_stays_valid():
    text = TOKEND.read_text()
    out = edits.rename_entry(text, "routes", "http", "web")
    svc = load(out, TOKEND.parent)
    assert svc.probes[0].stages["liveness"]["httpGet"]["port"] == "web"
    assert len(changed_lines(text, out)) == 10


def test_entry_users():
    assert edits.entry_users(SERVICE, "routes", "http") == ["dev", "prod"]
    assert edits.entry_users(SERVICE, "routes", "admin") == ["dev"]
    assert edits.entry_users(SERVICE, "images", "app") == ["prod"]
    assert edits.entry_users(SERVICE, "env", "common") == ["dev"]
    assert edits.entry_users(SERVICE, "images", "nobody") == []


def test_delete_entry_removes_the_references():
    out = edits.delete_entry(SERVICE, "routes", "admin")
    assert changed_lines(SERVICE, out) == [
        "-  - name: admin", "-    port: 9000", "-    routes: [http, admin]", "+    routes: [http]"]
    assert "  - {name: http, port: 80, containerPort: 8080}\n\nprobes:" in out
    load(out)
    out = edits.delete_entry(SERVICE, "images", "tools")
    assert changed_lines(SERVICE, out) == [
        "-  - name: tools", "-    repository: example.com/tools", "-    tag: latest",
        "-    image: tools"]
    assert '    tag: "2.0"\n\nroutes:' in out


def test_deleting_the_last_entry_removes_the_list():
    out = edits.delete_entry(SERVICE, "env", "common")
    assert changed_lines(SERVICE, out) == [
        "-env:", "-  - name: common", "-    variables: {LOG_LEVEL: info, MODE: fast}", "-",
        "-    env: [common]"]
    assert "port: http}}\n\n# contexts follow\ncontexts:" in out
    load(out)


def test_a_context_that_extends_keeps_saying_none():
    text = SERVICE.replace("    routes: [http]\n", "    routes: [admin]\n")
    out = edits.delete_entry(text, "routes", "admin")
    assert changed_lines(text, out) == [
        "-  - name: admin", "-    port: 9000", "-    routes: [http, admin]", "+    routes: [http]",
        "-    routes: [admin]", "+    routes: []"]
    out = edits.delete_entry(SERVICE, "images", "app")
    assert changed_lines(SERVICE, out) == [
        "-  - name: app            # the main image", "-    repository: example.com/app",
        '-    tag: "2.0"', "-    image: app", "+    image:"]
    svc = load_service_text(out, Path("/nonexistent"), "pligos.yaml", check=False)
    assert svc.context("prod").unset == {"image"}
    with pytest.raises(ConfigError) as caught:  # not dev's image, silently
        load(out)
    assert [p.message for p in caught.value.problems] == [
        "flavor 'webservice' needs image, which context 'prod' does not set"]


def test_delete_entry_refusals():
    with pytest.raises(PligosError, match="no route named 'x'"):
        edits.delete_entry(SERVICE, "routes", "x")
    with pytest.raises(PligosError, match="no list of mounts"):
        edits.delete_entry(SERVICE, "mounts", "x")


def test_set_friends_keeps_overrides_and_order():
    out = edits.set_friends(SERVICE, "prod", ["redis", "postgres"])
    assert out.split("current-context")[0].endswith(
        "    friends:\n      - redis\n      - name: postgres   # bigger\n"
        "        values: {size: large}\n")
    out = edits.set_friends(SERVICE, "prod", ["postgres", "kafka"])
    assert changed_lines(SERVICE, out) == ["-      - redis", "+      - kafka"]
    out = edits.set_friends(SERVICE, "dev", ["postgres", "redis"])
    assert changed_lines(SERVICE, out) == ["-    friends: [postgres]",
                                           "+    friends: [postgres, redis]"]
    assert edits.set_friends(SERVICE, "prod", ["postgres", "redis"]) == SERVICE


def test_set_friends_empty_removes_and_new_lists_are_flow():
    out = edits.set_friends(SERVICE, "dev", [])
    assert changed_lines(SERVICE, out) == ["-    friends: [postgres]"]
    assert "    env: [common]\n\n  - name: prod" in out
    out = edits.set_friends(out, "dev", ["redis"])
    assert changed_lines(SERVICE, out) == ["-    friends: [postgres]", "+    friends: [redis]"]
    assert edits.assign_entries(SERVICE, "dev", "friends", ["redis"]) == out
    with pytest.raises(PligosError, match="listed twice"):
        edits.set_friends(SERVICE, "dev", ["redis", "redis"])


def test_the_examples_stay_valid_through_entry_actions():
    text = TOKEND.read_text()
    out = edits.delete_entry(text, "env", "debug")
    assert edits.entry_users(out, "env", "common") == ["dev", "prod", "staging", "janitor"]
    out = edits.delete_entry(out, "resources", "batch")
    out = edits.rename_entry(out, "mounts", "scratch", "tmp")
    out = edits.set_friends(out, "dev", [])
    out = edits.set_entry_field(out, "probes", "http", ("startup", "failureThreshold"), 20)
    load(out, TOKEND.parent)
    assert "    startup:   {httpGet: {path: /healthz, port: http}, failureThreshold: 20," in out
