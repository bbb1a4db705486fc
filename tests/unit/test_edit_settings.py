"""A context's settings edited key by key (`edits.set_context_setting`), and what the editor
shows of them (`Buffer.context_settings`): the lines that change, the comments that stay, the
mapping that goes when its last key does, the defaults a context gets from what it extends,
its flavor and Pligos."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from support import make_tree

from pligos_tui.errors import PligosError
from pligos_tui.jobs import edits
from pligos_tui.jobs.editing import Buffer
from pligos_tui.spec.load import load_service_text

SERVICE = """\
# a service
pligos: 1
name: demo
images:
  - {name: app, repository: example.com/app, tag: "2.0"}
routes:
  - {name: http, port: 80, containerPort: 8080, fqdn: demo.example.com}

contexts:
  - name: dev          # the developer's
    flavor: webservice
    image: app
    routes: [http]

  - name: prod
    extends: dev       # like dev
    replicas: 3
    autoscaling:       # peaks at noon
      minReplicas: 3
      maxReplicas: 6   # the quota
current-context: dev
"""


def changed_lines(a: str, b: str) -> list[str]:
    return [line for line in difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="",
                                                  n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def load(text: str):
    return load_service_text(text, Path("/nonexistent"), "pligos.yaml")


def test_a_key_of_a_setting_not_written_yet_is_one_line():
    out = edits.set_context_setting(SERVICE, "dev", ("autoscaling", "maxReplicas"), 10)
    assert changed_lines(SERVICE, out) == ["+    autoscaling: {maxReplicas: 10}"]
    assert "    routes: [http]\n    autoscaling: {maxReplicas: 10}\n\n  - name: prod" in out
    load(out)
    again = edits.set_context_setting(out, "dev", ("autoscaling", "maxReplicas"), 12)
    assert changed_lines(out, again) == ["-    autoscaling: {maxReplicas: 10}",
                                         "+    autoscaling: {maxReplicas: 12}"]


def test_a_key_of_a_written_setting_changes_in_place_with_its_comment():
    out = edits.set_context_setting(SERVICE, "prod", ("autoscaling", "maxReplicas"), 8)
    assert changed_lines(SERVICE, out) == ["-      maxReplicas: 6   # the quota",
                                           "+      maxReplicas: 8   # the quota"]
    out = edits.set_context_setting(SERVICE, "prod", ("autoscaling", "cpu"), 70)
    assert changed_lines(SERVICE, out) == ["+      cpu: 70"]
    assert "      maxReplicas: 6   # the quota\n      cpu: 70\ncurrent-context" in out
    load(out)


def test_clearing_a_key_removes_its_line_and_the_last_one_the_setting():
    out = edits.set_context_setting(SERVICE, "prod", ("autoscaling", "minReplicas"), None)
    assert changed_lines(SERVICE, out) == ["-      minReplicas: 3"]
    out = edits.set_context_setting(out, "prod", ("autoscaling", "maxReplicas"), None)
    assert "autoscaling" not in out
    assert "    replicas: 3\ncurrent-context: dev\n" in out
    assert "# like dev" in out and "# the developer's" in out
    load(out)
    one = edits.set_context_setting(SERVICE, "dev", ("autoscaling", "maxReplicas"), 10)
    assert edits.set_context_setting(one, "dev", ("autoscaling", "maxReplicas"), None) \
        == SERVICE


def test_clearing_what_is_not_written_changes_nothing():
    for path in (("autoscaling", "cpu"), ("expose", "via"), ("expose", "gateway", "name")):
        assert edits.set_context_setting(SERVICE, "prod", path, None) == SERVICE


def test_a_key_of_fixed_keys_and_its_mappings_go_together():
    out = edits.set_context_setting(SERVICE, "prod", ("expose", "gateway", "name"), "public")
    assert changed_lines(SERVICE, out) == ["+    expose: {gateway: {name: public}}"]
    out = edits.set_context_setting(out, "prod", ("expose", "via"), "gateway")
    assert "    expose: {gateway: {name: public}, via: gateway}\n" in out
    assert load(out).context("prod").settings["expose"] == {"gateway": {"name": "public"},
                                                             "via": "gateway"}
    out = edits.set_context_setting(out, "prod", ("expose", "gateway", "name"), None)
    assert "    expose: {via: gateway}\n" in out
    out = edits.set_context_setting(out, "prod", ("expose", "via"), None)
    assert out == SERVICE


def test_values_of_every_kind_are_written_as_yaml_reads_them():
    out = SERVICE
    for path, value in ((("security", "readOnlyRootFilesystem"), False),
                        (("security", "reason"), "the image writes to /var/cache"),
                        (("scheduling", "nodeSelector"), {"disk": "ssd"}),
                        (("scheduling", "tolerations"), [{"key": "spot", "operator": "Exists"}]),
                        (("rollout", "maxSurge"), "50%"),
                        (("rollout", "preStop", "sleep"), 5)):
        out = edits.set_context_setting(out, "dev", path, value)
    svc = load(out)
    settings = svc.context("dev").settings
    assert settings["security"] == {"readOnlyRootFilesystem": False,
                                    "reason": "the image writes to /var/cache"}
    assert settings["scheduling"] == {"nodeSelector": {"disk": "ssd"},
                                      "tolerations": [{"key": "spot", "operator": "Exists"}]}
    assert settings["rollout"] == {"maxSurge": "50%", "preStop": {"sleep": 5}}
    assert "    scheduling: {nodeSelector: {disk: ssd}, tolerations: [{key: spot, operator: " \
        "Exists}]}\n" in out


def test_a_setting_that_is_not_one_is_refused():
    with pytest.raises(PligosError, match="not a key of a context setting"):
        edits.set_context_setting(SERVICE, "dev", ("replicas",), 2)
    with pytest.raises(PligosError, match="not a key of a context setting"):
        edits.set_context_setting(SERVICE, "dev", ("scaling", "max"), 2)
    with pytest.raises(PligosError, match="no context named 'qa'"):
        edits.set_context_setting(SERVICE, "qa", ("autoscaling", "maxReplicas"), 2)


# -- what the editor shows ---------------------------------------------------------------------

def buffer(tmp_path: Path, text: str = SERVICE, files: dict[str, str] | None = None) -> Buffer:
    root = make_tree(tmp_path / "demo", {"pligos.yaml": "", **(files or {})})
    (root / "pligos.yaml").write_text(text)
    return Buffer.open(root)


def test_the_settings_a_form_offers_are_those_of_the_flavor(tmp_path):
    text = SERVICE.replace("current-context: dev\n", "  - name: jobs\n    flavor: cronjob\n"
                           "    image: app\n    schedule: '0 3 * * *'\ncurrent-context: dev\n")
    buf = buffer(tmp_path, text)
    offered, _ = buf.context_settings("prod")  # the flavor of the context it extends
    assert "expose" in offered and "autoscaling" in offered and "cronjob" not in offered
    offered, _ = buf.context_settings("jobs")
    assert {"job", "cronjob", "security"} <= set(offered)
    assert not {"expose", "autoscaling", "rollout"} & set(offered)
    unknown = buffer(tmp_path / "x", SERVICE.replace("flavor: webservice", "flavor: nosuch"))
    assert len(unknown.context_settings("dev")[0]) == 12  # a flavor not found: all of them


def test_what_applies_comes_from_extends_the_flavor_and_the_defaults(tmp_path):
    flavor = ("description: fleet\nbase: webservice\naccepts: [image, routes, replicas, "
              "autoscaling, rollout, expose]\nrequires: [image]\n"
              "defaults: {expose: {via: gateway, gateway: {name: public}}}\n")
    text = SERVICE.replace("  - name: dev          # the developer's\n    flavor: webservice",
                           "  - name: dev          # the developer's\n    flavor: fleet")
    text = text.replace("pligos: 1\n", "pligos: 1\nflavorPaths: [flavors]\n")
    buf = buffer(tmp_path, text, {"flavors/fleet/flavor.yaml": flavor})
    assert buf.error is None, buf.error
    _, prod = buf.context_settings("prod")
    assert prod["autoscaling"]["maxReplicas"] == 6  # its own
    assert prod["expose"]["via"] == "gateway"  # the flavor's
    assert prod["expose"]["gateway"] == {"name": "public", "namespace": "", "sectionName": ""}
    assert prod["rollout"]["revisionHistoryLimit"] == 3  # Pligos's
    _, dev = buf.context_settings("dev")
    assert dev["autoscaling"]["maxReplicas"] == 0


def test_while_the_file_does_not_load_the_settings_come_from_its_data(tmp_path):
    broken = SERVICE.replace("    replicas: 3\n", "    replicas: many\n")
    buf = buffer(tmp_path, broken)
    assert buf.service is None and buf.data is not None
    offered, prod = buf.context_settings("prod")
    assert "autoscaling" in offered
    assert prod["autoscaling"] == {"minReplicas": 3, "maxReplicas": 6, "cpu": 0, "memory": 0}
    assert prod["security"]["runAsUser"] == 10001
