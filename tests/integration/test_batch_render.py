"""render_many gives each chart what `helm template` of it alone prints, byte for byte, under
helm 3 and helm 4: every example context (each of its own release and namespace, all in one
helm process; also all under one release and namespace), charts built to tell a subchart from
a chart alone, which render alone, as a failing batch's charts do, and charts that read
`.Release` themselves, which share only with charts of their own release and namespace. Each
such chart is also shown to come out otherwise when batched anyway, so that none of these
tests passes by luck."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from support import EXAMPLES, make_tree, shop_with_secrets

from pligos_tui.charts.batch import (
    ChartInput,
    Outcome,
    render_alone,
    render_many,
    render_together,
    why_alone,
    why_bound,
)
from pligos_tui.charts.plan import ChartPlan, plan_chart
from pligos_tui.charts.rendercache import RenderCache
from pligos_tui.errors import HelmError
from pligos_tui.jobs.render import Rendering, _deployed, redact_secrets
from pligos_tui.spec.discover import find_services
from pligos_tui.spec.flavors import BUILTIN_DIR
from pligos_tui.spec.load import load_service
from pligos_tui.spec.vocabulary import SECRET_VALUES_FILE


def planned(root: Path) -> list[tuple[ChartPlan, ChartInput]]:
    """Every context of every service below `root`, planned in memory (redacted) as the jobs
    plan them."""
    found = []
    for folder in find_services([root]):
        svc = load_service(folder)
        for ctx in svc.contexts:
            p = plan_chart(svc, ctx.name, redact=True)
            files = p.chart_files()
            release, namespace = _deployed(p)
            given = (SECRET_VALUES_FILE,) if SECRET_VALUES_FILE in files else ()
            found.append((p, ChartInput(f"context {ctx.name!r} of {svc.file}", files, release,
                                        namespace, given)))
    return found


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[ChartPlan, ChartInput]]:
    """Every context of every example."""
    root = tmp_path_factory.mktemp("examples")
    for name in ("hello", "tokend"):
        shutil.copytree(EXAMPLES / name, root / name, ignore=shutil.ignore_patterns("charts"))
    shop_with_secrets(root)
    found = planned(root)
    assert len(found) == 11
    return found


def alone(chart: ChartInput) -> str | HelmError:
    try:
        return render_alone(chart)
    except HelmError as exc:
        return exc


def result(outcome: Outcome) -> str | HelmError:
    assert (outcome.text is None) != (outcome.error is None)
    return outcome.error if outcome.error is not None else outcome.text or ""


def same(a: str | HelmError, b: str | HelmError) -> bool:
    if isinstance(a, HelmError) or isinstance(b, HelmError):
        return isinstance(a, HelmError) and isinstance(b, HelmError) and a.message == b.message
    return a == b


def test_every_example_context_renders_as_its_preview_does(
        examples: list[tuple[ChartPlan, ChartInput]], helm_bin: str) -> None:
    outcomes = render_many([c for _, c in examples], jobs=2)
    for (p, chart), outcome in zip(examples, outcomes, strict=True):
        assert outcome.error is None, outcome.error
        assert outcome.batched  # (though each context has a release or namespace of its own)
        assert redact_secrets(outcome.text or "") == Rendering(p).result(), chart.label


def test_example_contexts_of_every_release_share_one_helm_process_as_they_render_alone(
        examples: list[tuple[ChartPlan, ChartInput]], each_helm: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLIGOS_HELM", each_helm)
    charts = [c for _, c in examples]
    assert len({(c.release, c.namespace) for c in charts}) == len(charts)
    assert len({c.release for c in charts}) == 4 and len({c.namespace for c in charts}) == 9
    assert [why_bound(c) for c in charts] == [None] * len(charts)
    expected = [render_alone(c) for c in charts]
    assert render_together(charts) == expected  # one helm process for all
    outcomes = render_many(charts, jobs=1)
    assert [o.text for o in outcomes] == expected
    assert [o.batched for o in outcomes] == [True] * len(charts)
    # each its own: names, namespaces and a friend's config evaluated with its release
    checkout = next(t for c, t in zip(charts, expected, strict=True)
                    if c.release == "checkout" and c.namespace == "shop")
    assert '  namespace: "shop"\n' in checkout and '  name: "checkout"\n' in checkout
    assert 'value: "checkout-postgres"' in checkout


def test_example_contexts_sharing_a_release_are_batched_as_they_render_alone(
        examples: list[tuple[ChartPlan, ChartInput]], each_helm: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLIGOS_HELM", each_helm)
    charts = [replace(c, release="fleet", namespace="fleet") for _, c in examples]
    assert [why_alone(c) for c in charts] == [None] * len(charts)
    outcomes = render_many(charts, jobs=2)
    assert [o.batched for o in outcomes] == [True] * len(charts)
    for chart, outcome in zip(charts, outcomes, strict=True):
        assert outcome.text == render_alone(chart), chart.label
    assert any("\n# Source: checkout/templates/" in (o.text or "") for o in outcomes)


# ----- charts built to tell

PROBE = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Chart.Name }}-probe
data:
  seen: {{ %s | quote }}
"""
HOOKS = """\
{{- range $i, $weight := list 5 -5 0 }}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ $.Chart.Name }}-hook-{{ $i }}
  annotations:
    helm.sh/hook: pre-install,post-install
    helm.sh/hook-weight: "{{ $weight }}"
spec: {}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ $.Chart.Name }}-test-{{ $i }}
  annotations:
    helm.sh/hook: test
{{- end }}
---
apiVersion: example.com/v1
kind: Zebra
metadata:
  name: {{ .Chart.Name }}
"""
GREETING = '{{- define "synthetic.greeting" -}}%s{{- end -}}\n'
# each of these could see that it is a subchart: batched, it would render otherwise
TELLING = {
    "is-root": {"templates/probe.yaml": PROBE % ".Chart.IsRoot"},
    "template-name": {"templates/probe.yaml": PROBE % ".Template.Name"},
    "base-path": {"templates/probe.yaml": PROBE % "print $.Template.BasePath"},
    "values-whole": {"templates/probe.yaml": PROBE % "toJson .Values | sha256sum"},
    "values-keys": {"templates/probe.yaml": PROBE % 'keys .Values | sortAlpha | join ","'},
    "values-global": {"templates/probe.yaml": PROBE % ".Values.global | toJson"},
    "whole-context": {"templates/probe.yaml": PROBE % "toJson $ | sha256sum"},
    "overrides-library": {"templates/_mine.tpl":
                          '{{- define "pligos.fullname" -}}mine{{- end -}}\n'},
}


@pytest.fixture(scope="module")
def base(examples: list[tuple[ChartPlan, ChartInput]]) -> ChartInput:
    """The hello example's prod chart, as the charts below start."""
    [chart] = [c for _, c in examples if c.label.startswith("context 'prod' of") and
               c.release == "hello"]
    return replace(chart, release="fleet", namespace="fleet")


def variant(base: ChartInput, name: str, files: dict[str, str], *, meta: str = "",
            values: tuple[str, ...] = ()) -> ChartInput:
    chart_yaml = base.files["Chart.yaml"].decode().replace("name: hello\n", f"name: {name}\n")
    return replace(base, label=f"chart {name!r}", values=values, files={
        **base.files, "Chart.yaml": (chart_yaml + meta).encode(),
        **{rel: text.encode() for rel, text in files.items()}})


def strict_schema(base: ChartInput) -> str:
    schema = json.loads(base.files["values.schema.json"])
    del schema["properties"]["global"]
    schema["additionalProperties"] = False
    return json.dumps(schema)


def fleet(base: ChartInput) -> dict[str, ChartInput]:
    """Charts of one release and namespace: plain ones, ones that may share a helm process
    though they look as if they could not, and ones that must render alone."""
    charts = {name: variant(base, name, files) for name, files in TELLING.items()}
    greet = {"templates/greet.yaml": PROBE % 'include "synthetic.greeting" .'}
    charts.update({
        "plain-one": variant(base, "plain-one", {}),
        "plain-two": variant(base, "plain-two", {}),
        "hooks": variant(base, "hooks", {"templates/hooks.yaml": HOOKS}),
        "ignored-file": variant(base, "ignored-file", {
            ".helmignore": base.files[".helmignore"].decode() + "/private.txt\n",
            "private.txt": "left out by the chart's .helmignore\n",
            "templates/probe.yaml": PROBE.replace(
                "{{ %s | quote }}", '"{{ range $path, $_ := .Files.Glob "*" }}{{ $path }} '
                '{{ end }}"')}),
        "values-file": variant(base, "values-file", {"extra/values.yaml": "replicas: 5\n"},
                               values=("extra/values.yaml",)),
        "greets-a": variant(base, "greets-a", {**greet, "templates/_g.tpl": GREETING % "a"}),
        "greets-b": variant(base, "greets-b", {**greet, "templates/_g.tpl": GREETING % "b"}),
        # alone for what they are, not for their templates
        "values-document": variant(base, "values-document",
                                   {"extra/values.yaml": "---\nreplicas: 4\n"},
                                   values=("extra/values.yaml",)),
        "strict-schema": variant(base, "strict-schema",
                                 {"values.schema.json": strict_schema(base)}),
        "old-kubernetes": variant(base, "old-kubernetes", {},
                                  meta="kubeVersion: <1.20.0-0\n"),
    })
    return charts


SHARING = {"plain-one", "plain-two", "hooks", "ignored-file", "values-file", "greets-a"}


def test_charts_that_could_tell_render_alone_and_all_come_out_as_alone(
        base: ChartInput, each_helm: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLIGOS_HELM", each_helm)
    charts = fleet(base)
    expected = {name: alone(chart) for name, chart in charts.items()}
    outcomes = dict(zip(charts, render_many(list(charts.values()), jobs=2), strict=True))
    for name, chart in charts.items():
        assert same(result(outcomes[name]), expected[name]), name
        assert outcomes[name].batched == (name in SHARING), (name, why_alone(chart))
    error = outcomes["old-kubernetes"].error
    assert error is not None
    assert error.message.startswith("rendering chart 'old-kubernetes' failed: chart requires "
                                    "kubeVersion: <1.20.0-0"), error.message
    assert "replicas: 5" in (outcomes["values-file"].text or "")
    assert "kind: Zebra" in (outcomes["hooks"].text or "")
    assert 'seen: ".helmignore "' in (outcomes["ignored-file"].text or "")  # (no private.txt)

    # batched anyway, each of those that renders alone would come out otherwise
    plain = charts["plain-one"]
    for name in [*TELLING, "values-document", "strict-schema", "old-kubernetes"]:
        # (a kubeVersion is the umbrella's: a chart shares only with charts of the same)
        assert (why_alone(charts[name]) is None) == (name == "old-kubernetes"), name
        try:
            batched: list[str | HelmError] = list(render_together([charts[name], plain]))
        except HelmError as exc:
            batched = [exc, exc]
        assert not all(map(same, batched, [expected[name], expected["plain-one"]])), \
            f"{name} batches well after all"
    # and so would two mates whose defines disagree: helm keeps one body per name
    pair = ["greets-a", "greets-b"]
    assert all(why_alone(charts[name]) is None for name in pair)
    assert render_together([charts[name] for name in pair]) != [expected[n] for n in pair]


# ----- charts that read the release: they share only with charts of their own release

def deployed(chart: ChartInput, release: str, namespace: str = "one") -> ChartInput:
    return replace(chart, label=f"{chart.label} as {release} in {namespace}", release=release,
                   namespace=namespace)


def library_reading_release(base: ChartInput) -> dict[str, str]:
    rel = "charts/pligos-library/templates/_pligos.tpl"
    text = base.files[rel].decode()
    reads = "(.Values.pligosRender | default dict).release | default .Release.Name"
    assert text.count(reads) == 1
    return {rel: text.replace(reads, ".Release.Name")}


def release_readers(base: ChartInput) -> dict[str, ChartInput]:
    """Charts that read the release other than through the helpers: each must render with
    its own release and namespace."""
    note = base.files["values.yaml"].decode() + 'note: "{{ .Release.Name }}"\n'
    return {name: variant(base, name, files) for name, files in {
        "release-name": {"templates/probe.yaml": PROBE % ".Release.Name"},
        "release-namespace": {"templates/probe.yaml": PROBE % "$.Release.Namespace"},
        "release-whole": {"templates/probe.yaml": PROBE % "toJson .Release | sha256sum"},
        "own-define": {"templates/_mine.tpl": '{{- define "mine.release" -}}'
                       '{{ .Release.Name }}{{- end -}}\n',
                       "templates/probe.yaml": PROBE % 'include "mine.release" .'},
        "own-tpl": {"values.yaml": note, "templates/probe.yaml": PROBE % "tpl .Values.note $"},
        "other-helpers": library_reading_release(base),
    }.items()}


def test_charts_reading_the_release_share_only_with_their_own_release(
        base: ChartInput, each_helm: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLIGOS_HELM", each_helm)
    readers = release_readers(base)
    note = base.files["values.yaml"].decode() + 'note: "{{ .Release.Name }}"\n'
    charts = {
        "name-a": deployed(readers["release-name"], "a"),
        "namespace-a": deployed(readers["release-namespace"], "a"),
        "name-b": deployed(readers["release-name"], "b"),
        "plain-c": deployed(variant(base, "plain", {}), "c"),
        "plain-d": deployed(variant(base, "plain", {}), "d", "two"),
        "alike-e": deployed(variant(base, "alike", {"templates/probe.yaml": PROBE % (
            "print .Release.Service .Release.IsInstall .Release.IsUpgrade .Release.Revision")}),
            "e"),
        "helpers-tpl-f": deployed(variant(base, "helpers-tpl", {
            "values.yaml": note,
            "templates/probe.yaml": PROBE % 'include "pligos.tpl" (list .Values.note $)'}), "f"),
    }
    free = {"plain-c", "plain-d", "alike-e", "helpers-tpl-f"}
    assert {n for n, c in charts.items() if why_bound(c) is None} == free
    assert all(why_alone(c) is None for c in charts.values())
    outcomes = dict(zip(charts, render_many(list(charts.values()), jobs=2), strict=True))
    for name, chart in charts.items():
        assert outcomes[name].text == render_alone(chart), name
    # a and a together, b alone, the rest all in one process
    assert {n for n, o in outcomes.items() if o.batched} == {*free, "name-a", "namespace-a"}
    assert 'seen: "b"' in (outcomes["name-b"].text or "")
    assert 'seen: "f"' in (outcomes["helpers-tpl-f"].text or "")
    assert 'seen: "Helmtrue false 1"' in (outcomes["alike-e"].text or "")

    # forced into a process of another release and namespace, each would come out otherwise
    for name, chart in readers.items():
        reason = why_bound(chart)
        assert reason is not None, name
        mates = [deployed(chart, "c"), deployed(chart, "b", "two")]
        assert render_together(mates)[1] != render_alone(mates[1]), \
            f"{name} batches across releases after all ({reason})"


SETTINGS = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-settings
  namespace: {{ .Release.Namespace }}
data:
  service: {{ include "pligos.fullname" . }}
"""


def test_a_flavor_reading_the_release_itself_renders_as_alone_beside_the_built_in_ones(
        tmp_path: Path, each_helm: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLIGOS_HELM", each_helm)
    shutil.copytree(BUILTIN_DIR / "worker", tmp_path / "flavors/own")
    (tmp_path / "flavors/own/templates/settings.yaml").write_text(SETTINGS)
    service = """
        pligos: 1
        name: {name}
        flavorPaths: [../flavors]
        images: [{{name: i, repository: example/{name}, tag: "1"}}]
        contexts:
          - {{name: dev, flavor: {flavor}, image: i, namespace: apps}}
          - {{name: prod, flavor: {flavor}, image: i, namespace: apps, replicas: 2}}
          - {{name: staging, flavor: {flavor}, image: i}}
    """
    make_tree(tmp_path, {"own/pligos.yaml": service.format(name="own", flavor="own"),
                         "built/pligos.yaml": service.format(name="built", flavor="worker")})
    charts = {f"{c.release}/{p.context}": c for p, c in planned(tmp_path)}
    assert sorted(charts) == ["built/dev", "built/prod", "built/staging", "own/dev", "own/prod",
                              "own/staging"]
    reason = why_bound(charts["own/dev"])
    assert reason == ("templates/settings.yaml: it reads the release: "
                      "{{ .Release.Name }}"), reason
    outcomes = dict(zip(charts, render_many(list(charts.values()), jobs=2), strict=True))
    for name, chart in charts.items():
        assert outcomes[name].text == render_alone(chart), name
    # the built-in flavor's three together, own's dev and prod (one release and namespace)
    assert {n for n, o in outcomes.items() if o.batched} == {
        "built/dev", "built/prod", "built/staging", "own/dev", "own/prod"}
    assert "name: own-settings\n  namespace: staging\n" in (outcomes["own/staging"].text or "")
    batched = render_together([charts["built/dev"], charts["own/staging"]])
    assert batched[0] == outcomes["built/dev"].text
    assert batched[1] != outcomes["own/staging"].text  # (forced in, it would read apps)
    assert "name: built-settings\n  namespace: apps\n" in batched[1]


def test_a_chart_setting_the_reserved_key_renders_alone(
        base: ChartInput, helm_bin: str) -> None:
    values = base.files["values.yaml"].decode() + (
        "pligosRender: {release: elsewhere, namespace: other}\n")
    chart = deployed(variant(base, "reserved", {"values.yaml": values}), "b", "two")
    assert why_alone(chart) == ("its values.yaml mentions pligosRender, which is the "
                                "renderer's")
    plain = deployed(variant(base, "plain", {}), "c")
    outcomes = render_many([chart, plain, deployed(plain, "d")], jobs=1)
    assert [o.batched for o in outcomes] == [False, True, True]
    text = outcomes[0].text or ""
    assert text == render_alone(chart)
    assert '  namespace: "other"\n' in text and "instance: \"elsewhere\"" in text
    assert "-b-" not in text.replace("hello-probe", "")  # (its release is not b)
    assert render_together([plain, chart])[1] != text


def test_a_failing_batch_renders_each_chart_alone_with_its_own_error(
        base: ChartInput, helm_bin: str) -> None:
    charts = fleet(base)
    failing = variant(base, "fails", {"templates/probe.yaml": PROBE % 'fail "it cannot"'})
    twin = replace(failing, label="the twin of chart 'fails'")
    given = [charts["plain-one"], failing, charts["hooks"], twin, charts["plain-two"]]
    outcomes = render_many(given, jobs=2)
    for chart, outcome in zip(given, outcomes, strict=True):
        assert not outcome.batched
        if chart.files is failing.files:
            assert outcome.error is not None and outcome.text is None
            assert outcome.error.message.startswith(f"rendering {chart.label} failed: ")
            assert "it cannot" in outcome.error.message
        else:
            assert outcome.text == render_alone(chart)


def test_renders_are_cached_by_chart_and_helm(
        examples: list[tuple[ChartPlan, ChartInput]], helm_bin: str, helm4_bin: str,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = RenderCache(tmp_path / "renders")
    charts = [c for _, c in examples[:3]]
    first = render_many(charts, cache=cache)
    again = render_many(charts, cache=cache)
    assert [o.cached for o in first] == [False] * 3
    assert [o.cached for o in again] == [True] * 3
    assert [o.text for o in again] == [o.text for o in first]
    monkeypatch.setenv("PLIGOS_HELM", helm4_bin)
    assert [o.cached for o in render_many(charts, cache=cache)] == [False] * 3
