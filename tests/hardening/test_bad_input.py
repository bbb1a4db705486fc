"""Bad input: random and mutated configs, YAML hazards, paths leaving the service, template
injection. Always either charts that lint or a located error with exit 2: never a traceback,
never a partial write."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pligos_tui.charts.schema import SCHEMA_FILE
from pligos_tui.errors import ConfigError, PligosError
from pligos_tui.charts.plan import plan_chart
from pligos_tui.spec.load import load_service_text
from support import lint_strict, make_tree, one, render, run_cli

# CI-sized by default; raise PLIGOS_FUZZ_EXAMPLES for a long run (benchmarks/fuzz_long.sh)
EXAMPLES = int(os.environ.get("PLIGOS_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=list(HealthCheck))
SCHEMA = jsonschema.Draft7Validator(yaml.safe_load(SCHEMA_FILE.read_text()))

# text as people write it: anything but control characters (which charts cannot carry)
printable = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=20)
labels = st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True)
ports = st.integers(min_value=1, max_value=65535)
junk = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
    | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=3),
    max_leaves=12)


@st.composite
def services(draw: Any) -> dict[str, Any]:
    """A valid pligos.yaml document: entries, and contexts that refer to them."""
    images = draw(st.lists(labels, min_size=1, max_size=3, unique=True))
    routes = draw(st.lists(labels, max_size=3, unique=True))
    envs = draw(st.lists(labels, max_size=2, unique=True))
    doc: dict[str, Any] = {
        "pligos": 1, "name": draw(labels),
        "images": [{"name": n, "repository": f"example/{n}",
                    "tag": draw(st.from_regex(r"[a-z0-9][a-z0-9.]{0,5}", fullmatch=True))}
                   for n in images],
        "routes": [{"name": f"r{n}"[:15], "port": 1000 + i, "containerPort": draw(ports)}
                   for i, n in enumerate(routes)],
        "env": [{"name": n, "variables": draw(st.dictionaries(
            st.from_regex(r"[A-Z][A-Z0-9_]{0,8}", fullmatch=True),
            printable | st.integers(), max_size=3))} for n in envs],
        "resources": [{"name": "small", "requests": {"cpu": "100m", "memory": "64Mi"}}],
        "contexts": [],
    }
    names = draw(st.lists(labels, min_size=1, max_size=4, unique=True))
    for i, name in enumerate(names):
        flavor = draw(st.sampled_from(["webservice", "worker", "cronjob"]))
        ctx: dict[str, Any] = {"name": name, "flavor": flavor, "image": draw(st.sampled_from(images)),
                               "env": draw(st.lists(st.sampled_from(envs), unique=True))
                               if envs else [], "resources": "small"}
        if flavor == "webservice" and routes:
            ctx["routes"] = [f"r{n}"[:15] for n in draw(st.lists(st.sampled_from(routes),
                                                                  unique=True))]
        if flavor != "cronjob":
            ctx["replicas"] = draw(st.integers(min_value=0, max_value=50))
        else:
            ctx["schedule"] = draw(st.sampled_from(["0 3 * * *", "*/5 * * * *", "@daily"]))
        if i and draw(st.booleans()):
            ctx = {"name": name, "extends": names[0], "replicas": draw(st.integers(0, 9))}
            if doc["contexts"][0]["flavor"] == "cronjob":
                ctx.pop("replicas")
        doc["contexts"].append(ctx)
    return doc


def _dump(doc: dict[str, Any]) -> str:
    return yaml.dump(doc, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False)


def _paths(node: Any, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, path + (i,))
    return out


@st.composite
def mutated(draw: Any) -> str:
    doc = draw(services())
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p]
        path = draw(st.sampled_from(paths))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "delete", "unknown-key", "deep", "huge"]))
        if action == "replace":
            parent[path[-1]] = draw(junk)
        elif action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif action == "unknown-key" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=10))] = draw(junk)
        elif action == "deep":
            value: Any = "x"
            for _ in range(draw(st.integers(10, 80))):
                value = [value]
            parent[path[-1]] = value
        elif action == "huge":
            parent[path[-1]] = draw(st.sampled_from([10**30, -1, 2**63, "é" * 300, "\u202e"]))
    return _dump(doc)


def _compile_everything(text: str, root: Path) -> list[dict[str, Any]]:
    """Load and plan every context; the values of each chart."""
    svc = load_service_text(text, root, "pligos.yaml")
    return [yaml.load(plan_chart(svc, c.name).files["values.yaml"], Loader=yaml.CSafeLoader)
            for c in svc.contexts]


def _located(err: ConfigError) -> None:
    assert err.problems
    for problem in err.problems:
        assert problem.file and problem.message
        assert problem.line is not None, problem.format()


@FUZZ
@given(text=services().map(_dump))
def test_valid_documents_compile_to_values_the_schema_accepts(text):
    with tempfile.TemporaryDirectory() as tmp:
        for values in _compile_everything(text, Path(tmp)):
            SCHEMA.validate(values)


@FUZZ
@given(text=mutated())
def test_mutated_documents_compile_or_give_located_errors(text):
    with tempfile.TemporaryDirectory() as tmp:
        try:
            for values in _compile_everything(text, Path(tmp)):
                SCHEMA.validate(values)
        except ConfigError as err:
            _located(err)
        except PligosError:
            pass  # a one-line error about something outside the file (none expected here)


@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(doc=services())
def test_generated_charts_of_random_services_lint(doc, helm_bin):
    with tempfile.TemporaryDirectory() as tmp:
        svc = make_tree(Path(tmp) / "svc", {"pligos.yaml": yaml.safe_dump(doc)})
        result = run_cli("generate", str(svc))
        assert result.code == 0, result.err
        charts = [c.parent for c in (svc / "charts").glob("*/*/Chart.yaml")
                  if c.parent.parent.name != "_pligos"]  # (not the helpers' library)
        assert charts
        for chart in charts:
            lint_strict(helm_bin, chart)


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(text=mutated())
def test_cli_never_shows_a_traceback_nor_writes_half(text):
    with tempfile.TemporaryDirectory() as tmp:
        svc = make_tree(Path(tmp) / "svc", {"pligos.yaml": text})
        result = run_cli("generate", str(svc))
        assert result.code in (0, 2), result.err
        assert "Traceback" not in result.err and "internal error" not in result.err
        if result.code == 2:
            assert not (svc / "charts").exists()


# --------------------------------------------------------------------------- YAML hazards

def _laughs(levels: int = 9) -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


HAZARDS = {
    "billion-laughs": (_laughs().encode(), "expands to more than"),
    "deep-nesting": (b"pligos: 1\nname: " + b"[" * 5000 + b"]" * 5000 + b"\n",
                     "nests too deeply"),
    "too-large": (b"pligos: 1\nname: x\n" + b"# padding\n" * 120_000, "larger than 1048576 bytes"),
    "duplicate-key": (b"pligos: 1\nname: a\nname: b\n", "duplicate key 'name'"),
    "not-utf8": (b"pligos: 1\nname: caf\xe9\n", "not valid UTF-8"),
    "tabs": (b"pligos: 1\ncontexts:\n\t- name: dev\n", "does not allow tabs"),
}


@pytest.mark.parametrize("hazard", list(HAZARDS))
def test_yaml_hazards_are_quick_clear_errors_with_bounded_memory(tmp_path, hazard):
    data, message = HAZARDS[hazard]
    svc = tmp_path / "svc"
    svc.mkdir()
    (svc / "pligos.yaml").write_bytes(data)

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (512 * 2**20, 512 * 2**20))

    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "pligos_tui", "generate", str(svc)],
                          capture_output=True, text=True, preexec_fn=limit_memory, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr
    assert "pligos.yaml:" in proc.stderr and "Traceback" not in proc.stderr
    assert time.monotonic() - started < 20
    assert not (svc / "charts").exists()


def test_a_byte_order_mark_is_accepted(tmp_path):
    svc = tmp_path / "svc"
    svc.mkdir()
    (svc / "pligos.yaml").write_bytes(
        b"\xef\xbb\xbfpligos: 1\nname: bom\nimages: [{name: i, repository: x/y, tag: '1'}]\n"
        b"contexts: [{name: dev, flavor: worker, image: i}]\n")
    assert run_cli("generate", str(svc)).code == 0


# --------------------------------------------------------------------------- paths

BASE = """
    pligos: 1
    name: svc
    flavorPaths: [{flavor_path}]
    images: [{{name: i, repository: example/svc, tag: "1"}}]
    commands: [{{name: run, type: script, fileName: {script}}}]
    mounts: [{{name: conf, path: /etc/svc, files: [{file}]}}]
    contexts: [{{name: dev, flavor: worker, image: i, command: run, mounts: [conf]}}]
"""


@pytest.mark.parametrize(("script", "file", "flavor_path", "message"), [
    ("../outside.sh", "conf.yaml", "flavors", "'../outside.sh' leaves the service folder"),
    ("/etc/passwd", "conf.yaml", "flavors", "'/etc/passwd' is absolute"),
    ("run.sh", "../../etc/hosts", "flavors", "'../../etc/hosts' leaves the service folder"),
    ("run.sh", "link.yaml", "flavors", "is a symbolic link to"),
    ("run.sh", "conf.yaml", "conf.yaml", "flavor folder 'conf.yaml' is a file, not a folder"),
])
def test_paths_leaving_the_service_are_refused(tmp_path, script, file, flavor_path, message):
    outside = tmp_path / "outside.yaml"
    outside.write_text("secret: outside\n")
    svc = make_tree(tmp_path / "svc", {
        "pligos.yaml": BASE.format(script=script, file=file, flavor_path=flavor_path),
        "run.sh": "echo run\n", "conf.yaml": "a: 1\n", "flavors/.keep": ""})
    (svc / "link.yaml").symlink_to(outside)
    result = run_cli("generate", str(svc))
    assert result.code == 2
    assert message in result.err and "pligos.yaml:" in result.err
    assert not (svc / "charts").exists()


def test_follow_symlinks_allows_a_link_that_leaves(tmp_path):
    outside = tmp_path / "shared.yaml"
    outside.write_text("shared: true\n")
    svc = make_tree(tmp_path / "svc", {
        "pligos.yaml": BASE.format(script="run.sh", file="link.yaml", flavor_path="flavors"),
        "run.sh": "echo run\n", "flavors/.keep": ""})
    (svc / "link.yaml").symlink_to(outside)
    result = run_cli("generate", str(svc), "--follow-symlinks")
    assert result.code == 0, result.err
    assert (svc / "charts/dev/svc/files/mounts/conf/link.yaml").read_text() == "shared: true\n"


# --------------------------------------------------------------------------- injection

def test_template_expressions_in_values_render_literally(tmp_path, helm_bin):
    svc = make_tree(tmp_path / "svc", {"pligos.yaml": """
        pligos: 1
        name: svc
        description: '{{ fail "description evaluated" }}'
        images: [{name: i, repository: example/svc, tag: "1"}]
        commands: [{name: c, command: ['{{ .Release.Name }}'], args: ['{{ fail "x" }}']}]
        mounts: [{name: data, path: '/data/{{ .Chart.Name }}', emptyDir: {}}]
        env: [{name: e, variables: {A: '{{ .Release.Namespace }}', B: '{{ fail "env" }}'}}]
        contexts:
          - name: dev
            flavor: worker
            image: i
            command: c
            env: [e]
            mounts: [data]
            values: {pod: {annotations: {note: '{{ fail "annotation" }}'}}}
    """, "conf.yaml": "{{ fail \"file\" }}\n"})
    assert run_cli("generate", str(svc)).code == 0
    chart = svc / "charts/dev/svc"
    lint_strict(helm_bin, chart)
    deploy = one(render(helm_bin, chart), "Deployment")
    pod = deploy["spec"]["template"]
    c = pod["spec"]["containers"][0]
    assert c["command"] == ["{{ .Release.Name }}"] and c["args"] == ['{{ fail "x" }}']
    assert {e["name"]: e["value"] for e in c["env"]} == {"A": "{{ .Release.Namespace }}",
                                                         "B": '{{ fail "env" }}'}
    assert c["volumeMounts"][0]["mountPath"] == "/data/{{ .Chart.Name }}"
    assert pod["metadata"]["annotations"]["note"] == '{{ fail "annotation" }}'


def test_a_secrets_folder_outside_the_service_is_refused(tmp_path):
    svc = make_tree(tmp_path / "svc", {"pligos.yaml": """
        pligos: 1
        name: svc
        secrets: {provider: file, path: ../shared-secrets}
        images: [{name: i, repository: example/svc, tag: "1"}]
        contexts: [{name: dev, flavor: worker, image: i}]
    """})
    result = run_cli("generate", str(svc))
    assert result.code == 2
    assert "pligos.yaml:3:" in result.err
    assert "secrets path '../shared-secrets' leaves the service folder" in result.err
