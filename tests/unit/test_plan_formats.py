"""The plan as a pull request comment and as text: what a reviewer reads must survive any
value the manifests hold (markdown fences, backticks, pipes)."""

from __future__ import annotations

from pligos_tui.charts.changes import MISSING, FieldChange, Group, ObjectChange, ObjectKey
from pligos_tui.jobs.plan import CHANGED, ChartId, ChartResult, Plan
from pligos_tui.jobs.plan_formats import field_lines, headline, plan_markdown

KEY = ObjectKey("v1", "ConfigMap", "dev", "docs")


def one_change(*fields: FieldChange, folder: str = "svc/a|b") -> Plan:
    chart = ChartResult(ChartId(folder, "dev"), "docs", f"{folder}/pligos.yaml", CHANGED,
                        (ObjectChange(KEY, "changed", fields),))
    return Plan("main", "the work tree", [chart],
                [Group("ConfigMap data[*] changed | twice", (("docs", "dev"),))], {}, [])


def test_a_text_value_holding_a_fence_cannot_close_the_comments_block():
    old = "# Readme\n```sh\nmake\n```\nend\n"
    new = "# Readme\n```sh\nmake all\n```\nend\n"
    md = plan_markdown(one_change(FieldChange(("data", "README.md"), old, new)))
    # the fence is longer than every run of backticks inside it, and closes once
    lines = [line.strip() for line in md.splitlines()]
    assert lines.count("````diff") == 1 and lines.count("````") == 1
    assert md.index("````diff") < md.index("-make") < md.index("+make all") < md.index("</details>")
    assert md.rstrip().endswith("</details>")


def test_pipes_are_escaped_in_the_table_only_and_backticks_never_end_a_code_span():
    md = plan_markdown(one_change(FieldChange(("data", "cmd"), 'sh -c "a | b"', "``w``")))
    assert "| `ConfigMap data[*] changed \\| twice` | 1 | 1 |" in md
    assert '- ```data.cmd: "sh -c \\"a | b\\"" → "``w``"```' in md  # no \\| outside the table
    assert "(`svc/a|b/pligos.yaml`)" in md  # a path as written, not HTML-escaped


def test_long_structures_read_as_yaml_and_short_values_as_json():
    spread = [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
               "whenUnsatisfiable": "ScheduleAnyway",
               "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "docs"}}}]
    lines = field_lines(FieldChange(("spec", "topologySpreadConstraints"), MISSING, spread))
    assert lines[0] == "spec.topologySpreadConstraints: set to:"
    assert "  - maxSkew: 1" in lines
    assert field_lines(FieldChange(("spec", "replicas"), 1, 2)) == ["spec.replicas: 1 → 2"]
    assert field_lines(FieldChange(("spec", "paused"), True, MISSING)) == [
        "spec.paused: removed (was true)"]


def test_the_headline_counts_one_chart_in_the_singular():
    plan = one_change(FieldChange(("data", "x"), "1", "2"))
    assert headline(plan) == "1 of 1 chart changes in 1 of 1 service against main"
    same = Plan("HEAD", "the work tree", [ChartResult(ChartId("a", "dev"), "a", "a/pligos.yaml",
                                                      "unchanged")], [], {}, [])
    assert headline(same) == "nothing changes: 1 chart of 1 service renders the same as HEAD"
