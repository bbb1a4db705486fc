"""Which charts may share a helm process (charts.sharing), read from their files alone: the
template actions that could tell a subchart from a chart alone, those that read the release
(such a chart shares only with charts of its own release and namespace), and that the built-in
flavors and the helpers' library hold none of either (else no generated chart would ever batch
across releases). That batched and alone renders agree is
tests/integration/test_batch_render.py, with helm."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest
import yaml

from pligos_tui.charts.batch import ChartInput, why_alone, why_bound
from pligos_tui.charts.library import HELPERS_DIR, linked_files
from pligos_tui.charts.schema import SCHEMA_FILE
from pligos_tui.charts.sharing import nested
from pligos_tui.spec.flavors import BUILTIN_DIR
from pligos_tui.spec.vocabulary import RENDER_KEY

CHART_YAML = b"apiVersion: v2\nname: api\nversion: 1.0.0\n"


def chart(template: str = "", *, meta: bytes = CHART_YAML, values: str | None = None,
          **files: str) -> ChartInput:
    given = {"extra/values.yaml": values} if values is not None else {}
    return ChartInput("chart", {"Chart.yaml": meta, "templates/t.yaml": template.encode(),
                                **{k.replace("__", "/"): v.encode()
                                   for k, v in {**files, **given}.items()}},
                      "api", "prod", ("extra/values.yaml",) if values is not None else ())


@pytest.mark.parametrize("template", [
    "{{ .Values.image.tag }}",
    '{{ hasKey .Values "replicas" | ternary .Values.replicas 1 }}',
    '{{ index $root.Values "image" }}',
    '{{ include "x" . }}{{ include "pligos.metadata" (list $ "name") }}',
    "{{ with .Values.resources }}{{ toYaml . }}{{ end }}",
    "{{ range .Values.routes }}{{ . | quote }}{{ end }}",
    '{{ define "x" }}{{ toYaml . }}{{ end }}',  # a define's `.` is what it is given
    '{{ tpl (toString (index $f.config .key)) $ | quote }}',
    "{{/* .Chart.IsRoot, .Template.Name and toYaml .Values, in a comment */}}",
    '{{ $root := . }}{{ $root.Release.Name }}',
])
def test_templates_that_cannot_tell_may_share(template: str) -> None:
    assert why_alone(chart(template)) is None


@pytest.mark.parametrize(("template", "why"), [
    ("{{ .Chart.IsRoot }}", "it reads IsRoot"),
    ("{{ .Template.Name }}", "it reads Template"),
    ('{{ include (print $.Template.BasePath "/cm.yaml") . }}', "it reads Template"),
    ("{{ .Subcharts.db.Values.port }}", "it reads Subcharts"),
    ("{{ .Values.global.registry }}", "it reads global"),
    ('{{ index .Values "global" }}', "it reads global"),
    ("{{ toYaml .Values }}", "it reads .Values whole"),
    ("{{ range $k, $v := .Values }}{{ $k }}{{ end }}", "it reads .Values whole"),
    ("{{ with .Values }}{{ .image }}{{ end }}", "it reads .Values whole"),
    ('{{ include "x" .Values }}', "it reads .Values whole"),
    ('{{ hasKey .Values "a" | and (toJson $.Values) }}', "it reads .Values whole"),
    ('{{ index $ "Values" }}', "it reads Values"),
    ("{{ toJson . }}", "it may read its whole context"),
    ("{{ . | toYaml }}", "it may read its whole context"),
    ("{{ toYaml $ }}", "it may read its whole context"),
    ('{{ printf "%v" . }}', "it may read its whole context"),
    ("{{ if .Values.a }}{{ else }}{{ keys . }}{{ end }}", "it may read its whole context"),
    ("{{ with .Values.a }}{{ else }}{{ toJson . }}{{ end }}", "it may read its whole context"),
])
def test_templates_that_could_tell_render_alone(template: str, why: str) -> None:
    reason = why_alone(chart(template))
    assert reason is not None and reason.startswith(f"templates/t.yaml: {why}: {{{{"), reason


def test_what_tpl_could_render_is_read_too() -> None:
    assert why_alone(chart(**{"values.yaml": 'note: "{{ .Chart.IsRoot }}"\n'})) \
        == "values.yaml: it reads IsRoot: {{ .Chart.IsRoot }}"
    assert why_alone(chart(files__a="{{ toYaml .Values }}")) is not None


@pytest.mark.parametrize(("files", "why"), [
    ({"templates__a.tpl": '{{ define "x" }}a{{ end }}', "templates__b.tpl":
      '{{ define "x" }}b{{ end }}'}, "it defines \"x\" twice"),
    ({"values.yaml": "global: {registry: r}\n"}, "its values.yaml mentions global"),
    ({"values.schema.json": '{"type": "object", "additionalProperties": false}'},
     "its values schema takes no global"),
    ({"values.schema.json": '{"required": ["global"]}'}, "its values schema may judge global"),
    ({"values.schema.json": '{"minProperties": 3}'}, "its values schema may judge global"),
    ({"values.schema.json": '{"properties": {"global": {"type": "object", "required": ["a"]}}}'},
     "its values schema judges global"),
    ({"values.schema.json": "{"}, "its values.schema.json cannot be read"),
    ({".helmignore": "a/**/b\n"}, ".helmignore: pattern 'a/**/b' uses **"),
])
def test_files_that_could_tell_render_alone(files: dict[str, str], why: str) -> None:
    reason = why_alone(chart(**files))
    assert reason is not None and reason.startswith(why), reason


@pytest.mark.parametrize(("meta", "why"), [
    (b"apiVersion: v1\nname: api\nversion: 1\n", "its Chart.yaml is not apiVersion v2"),
    (CHART_YAML + b"type: library\n", "it is a chart of type library"),
    (b"apiVersion: v2\nname: yes\nversion: 1\n", "its Chart.yaml cannot be read"),
    (b"apiVersion: v2\nname: 'yes'\nversion: 1\n",
     "its name 'yes' may be read as other than text"),
    (CHART_YAML + b"dependencies: [{name: pligos-library, version: 2.1.0, repository: "
                  b"'file://../../_pligos'}]\n", "its dependency pligos-library is not in its "
                                                 "charts/"),
    (CHART_YAML + b"kubeVersion: 1\n", "its kubeVersion is not text"),
    (b"name: [", "its Chart.yaml cannot be read"),
])
def test_a_chart_yaml_read_otherwise_below_the_root_renders_alone(meta: bytes, why: str) -> None:
    assert why_alone(chart(meta=meta)) == why


def test_dependencies_dropped_for_rendering_are_no_reason() -> None:
    meta = CHART_YAML + (b"dependencies:\n- {name: postgres, version: 1.0.0, repository: "
                         b"oci://r.example/charts, condition: postgres.enabled}\n")
    assert why_alone(chart(meta=meta)) is None


@pytest.mark.parametrize(("values", "shares"), [
    ("replicas: 5\nimage:\n  tag: |\n    two\n     lines\n", True),
    ("secretData:\n  db: {password: <redacted>}\n", True),
    ("---\nreplicas: 4\n", False),  # a document marker: not nested by indenting
    ("[1, 2]\n", False),
    ("global: {a: 1}\n", False),
    ("a:\n\t- 1\n", False),
])
def test_values_files_share_when_they_nest_as_they_are(values: str, shares: bool) -> None:
    assert (why_alone(chart(values=values)) is None) == shares


def test_a_values_file_nests_under_its_wrapper_and_chart() -> None:
    assert nested("pligos-batch-3", "api", "a: 1\n\nb:\n  - x\n") \
        == 'pligos-batch-3:\n  "api":\n    a: 1\n\n    b:\n      - x\n\n'


def test_the_builtin_flavors_and_the_helpers_hold_nothing_that_tells() -> None:
    files = {f"templates/{p.parent.parent.name}-{p.name}": p.read_text()
             for p in BUILTIN_DIR.glob("*/templates/*")}
    files.update({f"templates/{p.name}": p.read_text() for p in HELPERS_DIR.glob("*.tpl")})
    assert len(files) > 60
    for rel, text in files.items():
        assert why_alone(chart(text)) is None, rel


# ----- the release

LIBRARY = {rel: data.decode() for rel, data in linked_files().items()}
HELPERS = LIBRARY["charts/pligos-library/templates/_pligos.tpl"]


@pytest.mark.parametrize("template", [
    '{{ include "pligos.releaseName" . }}/{{ include "pligos.releaseNamespace" $ }}',
    "{{ .Release.Service }}{{ .Release.IsInstall }}{{ $.Release.IsUpgrade }}"
    "{{ .Release.Revision }}",
    '{{ include "pligos.tpl" (list .Values.note $) }}',
    "{{/* .Release.Name, in a comment */}}",
    "kind: HelmRelease  # Release, outside an action",
    '{{ include "pligos.fullname" . }}',
])
def test_templates_reading_the_release_through_the_helpers_share_across_releases(
        template: str) -> None:
    assert why_bound(chart(template, **LIBRARY)) is None


@pytest.mark.parametrize("template", [
    "{{ .Release.Name }}",
    "{{ $.Release.Namespace | quote }}",
    "{{ $root.Release.Name }}",
    "{{ toJson .Release }}",
    '{{ index $ "Release" "Name" }}',
    '{{ with .Release }}{{ .Name }}{{ end }}',
    '{{ define "mine" }}{{ .Release.Name }}{{ end }}',
    "{{ .Values.pligosRender.release }}",
    '{{ hasKey .Values "pligosRender" }}',
])
def test_templates_reading_the_release_themselves_share_only_with_it(template: str) -> None:
    reason = why_bound(chart(template, **LIBRARY))
    assert reason is not None and reason.startswith("templates/t.yaml: it reads the release: {{"), \
        reason
    assert why_alone(chart(template, **LIBRARY)) is None  # (it may share with its release)


def test_text_tpl_may_evaluate_reads_the_release_unless_through_the_helpers() -> None:
    note = 'note: "{{ .Release.Name }}-db"\n'
    assert why_bound(chart('{{ include "pligos.tpl" (list .Values.note $) }}',
                           **LIBRARY, **{"values.yaml": note})) is None
    assert why_bound(chart("{{ .Values.note }}", **LIBRARY, **{"values.yaml": note})) is None
    assert why_bound(chart("{{ tpl .Values.note . }}", **LIBRARY, **{"values.yaml": note})) \
        == 'values.yaml: it reads the release: {{ .Release.Name }}, and a template calls tpl'
    reads = {"files__a": "{{ $.Release }}"}
    assert why_bound(chart('{{ .Files.Get "a" }}', **LIBRARY, **reads)) is None  # (no tpl)
    assert why_bound(chart('{{ tpl (.Files.Get "a") $ }}', **LIBRARY, **reads)) \
        == "files/a: it reads the release: {{ $.Release }}, and a template calls tpl"


def test_helpers_of_other_bodies_are_read_as_the_release() -> None:
    reads = "(.Values.pligosRender | default dict).release | default .Release.Name"
    assert HELPERS.count(reads) == 1
    other = {**LIBRARY, "charts/pligos-library/templates/_pligos.tpl":
             HELPERS.replace(reads, ".Release.Name")}
    assert why_bound(chart("", **other)) == ('charts/pligos-library/templates/_pligos.tpl: it '
                                              'defines "pligos.releaseName" otherwise than the '
                                              'helpers')
    assert why_bound(chart('{{ define "pligos.tpl" }}{{ tpl (index . 0) (index . 1) }}{{ end }}')
                     ) == 'templates/t.yaml: it defines "pligos.tpl" otherwise than the helpers'


@pytest.mark.parametrize(("release", "namespace", "why"), [
    ("api", "prod", None),
    ("api.v2", "prod-eu-1", None),
    ("a" * 53, "n" * 63, None),
    ("Api", "prod", "helm takes no release named 'Api'"),
    ("a" * 54, "prod", f"helm takes no release named {'a' * 54!r}"),
    ("api", "", "its namespace '' is not a DNS label"),
    ("api", "a.b", "its namespace 'a.b' is not a DNS label"),
])
def test_a_release_shared_across_must_be_one_helm_takes(release: str, namespace: str,
                                                         why: str | None) -> None:
    assert why_bound(replace(chart(), release=release, namespace=namespace)) == why


@pytest.mark.parametrize(("schema", "why"), [
    ('{"type": "object"}', None),
    ('{"properties": {"global": {}, "pligosRender": {"type": "object"}}, '
     '"additionalProperties": false}', None),
    ('{"properties": {"global": {}}, "additionalProperties": false}',
     "its values schema may refuse pligosRender"),
    ('{"required": ["pligosRender"]}', "its values schema may refuse pligosRender"),
])
def test_a_values_schema_must_take_the_reserved_key(schema: str, why: str | None) -> None:
    assert why_bound(chart(**{"values.schema.json": schema})) == why


def test_values_setting_the_reserved_key_render_alone() -> None:
    assert why_alone(chart(**{"values.yaml": "pligosRender: {release: a, namespace: b}\n"})) \
        == "its values.yaml mentions pligosRender, which is the renderer's"
    assert why_alone(chart(values="pligosRender: {release: a, namespace: b}\n")) \
        == "a values file mentions pligosRender, which is the renderer's"


def test_the_schema_takes_the_reserved_key_of_its_one_shape() -> None:
    schema = json.loads(SCHEMA_FILE.read_text())
    validator = jsonschema.Draft7Validator(schema)
    fixture = Path(__file__).resolve().parent.parent / "fixtures" / "contract2" / "webservice.yaml"
    values = yaml.safe_load(fixture.read_text())
    assert not list(validator.iter_errors(values))

    def errors(given: object) -> list[str]:
        return [e.message for e in validator.iter_errors({**values, RENDER_KEY: given})]

    assert errors({"release": "shop-api.v2", "namespace": "prod"}) == []
    assert errors({"release": "a" * 53, "namespace": "n" * 63}) == []
    for wrong in ({"release": "api"}, {"namespace": "prod"}, "api/prod",
                  {"release": "api", "namespace": "prod", "revision": 2},
                  {"release": "Api", "namespace": "prod"}, {"release": "a" * 54, "namespace": "p"},
                  {"release": "api", "namespace": "a.b"}, {"release": 1, "namespace": "prod"}):
        assert errors(wrong), wrong


def test_the_builtin_flavors_and_the_helpers_read_the_release_only_through_the_helpers() -> None:
    files = {f"templates/{p.parent.parent.name}-{p.name}": p.read_text()
             for p in BUILTIN_DIR.glob("*/templates/*")}
    assert sum(".Release" in text for text in files.values()) == 0
    assert sum("pligos.releaseNamespace" in text for text in files.values()) == 6
    for rel, text in files.items():
        assert why_bound(chart(text, **LIBRARY)) is None, rel
    assert why_bound(chart(**LIBRARY)) is None
    assert {f'"pligos.{name}"' for name in ("releaseName", "releaseNamespace", "tpl")} <= {
        line.split("define ", 1)[1].split(" ", 1)[0] for line in HELPERS.splitlines()
        if line.startswith("{{- define ")}
