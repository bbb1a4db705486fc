"""jobs.pane_diff: which lines of each preview pane differ, the differences in order, and how
the panes line up."""

from __future__ import annotations

from textwrap import dedent

from pligos_tui.jobs.pane_diff import compare, next_difference, read


def stream(namespace: str, replicas: int, image: str, *, config: bool = True,
           level: str = "info") -> str:
    text = dedent(f"""\
        ---
        # Source: web/templates/service.yaml
        apiVersion: v1
        kind: Service
        metadata:
          name: web
          namespace: {namespace}
        spec:
          ports:
            - name: http
              port: 80
        ---
        # Source: web/templates/deployment.yaml
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: {namespace}
        spec:
          replicas: {replicas}
          template:
            spec:
              containers:
                - name: app
                  image: {image}
                  env:
                    - name: LOG_LEVEL
                      value: {level}
                    - name: PORT
                      value: "80"
        """)
    if config:
        text += dedent(f"""\
            ---
            # Source: web/templates/configmap.yaml
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: web-config
              namespace: {namespace}
            data:
              app.conf: |
                listen 80
                workers 2
            """)
    return text


def line_of(text: str, needle: str, start: int = 0) -> int:
    """The 0-based line of the first line at or after `start` holding `needle`."""
    lines = text.splitlines()
    return next(i for i in range(start, len(lines)) if needle in lines[i])


DEV = stream("dev", 1, "web:1.0")
PROD = stream("prod", 3, "web:1.1", config=False)


def test_namespaces_alone_differ_in_nothing():
    diff = compare([stream("dev", 1, "web:1"), stream("prod", 1, "web:1")])
    assert diff.differences == ()
    assert diff.marked == (frozenset(), frozenset())


def test_fields_that_differ_are_marked_in_each_pane_on_their_own_lines():
    diff = compare([DEV, PROD])
    assert [d.label for d in diff.differences] == [
        "Deployment web spec.replicas",
        "Deployment web spec.template.spec.containers[app].image",
        "ConfigMap web-config",
    ]
    dev_cm = line_of(DEV, "kind: ConfigMap") - 2  # the object starts at its first key
    dev_cm = line_of(DEV, "apiVersion: v1", dev_cm)
    assert diff.marked[0] == frozenset({line_of(DEV, "replicas:"), line_of(DEV, "image:"),
                                        *range(dev_cm, len(DEV.splitlines()))})
    assert diff.marked[1] == frozenset({line_of(PROD, "replicas:"), line_of(PROD, "image:")})
    # what the panes lack is marked where it is, and found near where it would be
    config = diff.differences[2]
    assert config.lines == ((dev_cm, len(DEV.splitlines())), None)
    assert config.near == (dev_cm, None)


def test_a_field_two_panes_share_is_marked_in_all_when_a_third_differs():
    third = stream("staging", 1, "web:1.0", level="debug")
    diff = compare([DEV, DEV.replace("dev", "ci"), third])
    level = [d for d in diff.differences if "LOG_LEVEL" in d.label]
    assert [d.label for d in level] == [
        "Deployment web spec.template.spec.containers[app].env[LOG_LEVEL].value"]
    at = line_of(DEV, "value: info")
    assert level[0].lines == ((at, at + 1), (at, at + 1), (at, at + 1))
    assert all(at in marked for marked in diff.marked)


def test_a_named_list_item_spans_its_lines_and_a_block_scalar_ends_where_its_text_does():
    other = DEV.replace("            - name: PORT\n              value: \"80\"\n", "")
    other = other.replace("workers 2", "workers 4")
    diff = compare([DEV, other])
    port = next(d for d in diff.differences if d.label.endswith("env[PORT]"))
    start = line_of(DEV, "- name: PORT")
    assert port.lines == ((start, start + 2), None)
    conf = next(d for d in diff.differences if "app.conf" in d.field)
    begin = line_of(DEV, "app.conf: |")
    assert conf.lines[0] == (begin, begin + 3)  # the key and its two lines, no more
    assert conf.field == 'data["app.conf"]'


def test_align_maps_a_line_to_the_same_field_of_the_same_object():
    longer = PROD.replace("          ports:\n", "          type: ClusterIP\n          ports:\n")
    diff = compare([DEV, longer])
    dev_image = line_of(DEV, "image:")
    assert diff.align(0, dev_image, 1) == line_of(longer, "image:")
    # a `# Source:` comment between objects keeps its distance to the next object
    comment = line_of(DEV, "# Source: web/templates/deployment.yaml")
    assert diff.align(0, comment, 1) == line_of(longer, "# Source: web/templates/deployment")
    # an object the other pane lacks: nowhere to go
    assert diff.align(0, line_of(DEV, "workers 2"), 1) is None


def test_values_compare_key_by_key_and_give_the_key_path_of_a_line():
    dev = dedent("""\
        # generated
        image:
          repository: web
          tag: "1.0"
        replicaCount: 1
        routes:
          - name: http
            port: 80
        """)
    prod = dev.replace('"1.0"', '"1.1"').replace("port: 80", "port: 8080")
    diff = compare([dev, prod], "values")
    assert [d.label for d in diff.differences] == ["image.tag", "routes[http].port"]
    assert diff.marked[0] == frozenset({line_of(dev, "tag:"), line_of(dev, "port:")})
    assert diff.path_at(0, line_of(dev, "tag:")) == ("image", "tag")
    assert diff.path_at(1, line_of(prod, "port:")) == ("routes", 0, "port")  # as explain has it
    assert diff.path_at(0, 0) is None  # a comment


def test_files_compare_line_by_line():
    diff = compare(["Chart.yaml\nvalues.yaml\ntemplates/hpa.yaml\n",
                    "Chart.yaml\nvalues.yaml\n"], "files")
    assert diff.marked == (frozenset({2}), frozenset())
    assert [d.label for d in diff.differences] == ["templates/hpa.yaml"]
    assert diff.align(0, 1, 1) == 1


def test_a_pane_in_error_or_not_yaml_takes_no_part():
    diff = compare([DEV, None, PROD])
    assert diff.marked[1] == frozenset() and diff.marked[0] and diff.marked[2]
    broken = compare([DEV, "error: [unclosed", PROD])
    assert broken.marked[1] == frozenset()
    assert [d.label for d in broken.differences] == [d.label for d in diff.differences]
    assert read("just a message", "manifests") is None
    assert compare([DEV, None]).differences == ()


def test_next_difference_walks_from_the_cursor_and_wraps():
    diffs = compare([DEV, PROD]).differences
    first = diffs[0].near[0]
    assert first is not None
    assert next_difference(diffs, 0, 0, None, 1) == 0
    assert next_difference(diffs, 0, first, None, 1) == 1
    assert next_difference(diffs, 0, 0, None, -1) == len(diffs) - 1  # wraps to the last
    # from a difference the pane lacks, on by index
    assert next_difference(diffs, 1, 0, 2, 1) == 0
    assert next_difference(diffs, 1, 0, 2, -1) == 1
