"""`pligos import helm`: hand-written charts of the common shapes (tests/fixtures/import_charts)
and the chart `helm create` makes, imported per context; the charts of the written pligos.yaml
must run what the original ran. That is checked here on both rendered streams directly, not
only through the import's own parity report."""

from __future__ import annotations

import copy
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import ROOT, Result, helm, make_tree, run_cli

CHARTS = ROOT / "tests" / "fixtures" / "import_charts"
WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job")
# the release each fixture chart is imported as (and the original rendered as)
RELEASES = {"web": "storefront", "stateful": "kv", "cron": "nightly", "configs": "pricing",
            "unexpressible": "hooks"}
FORMAT = "pligos.import/1"
# what the built-in flavors add to every pod with a read-only root file system
PLIGOS_MOUNTS = {"/tmp"}


def _docs(text: str) -> list[dict]:
    return [d for d in yaml.safe_load_all(text) if d]


# ----------------------------------------------------------------------------- projections
# What a container, a pod and its Services mean, from a rendered stream: names of ports
# resolved to numbers, ConfigMaps to their data, claims to their size, defaults filled in.

def _workloads(docs: list[dict]) -> list[dict]:
    return [d for d in docs if d.get("kind") in WORKLOADS]


def _workload(docs: list[dict]) -> dict:
    found = _workloads(docs)
    assert len(found) == 1, f"expected one workload, found {[d['kind'] for d in found]}"
    return found[0]


def _template(workload: dict) -> dict:
    spec = workload["spec"]
    if workload["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]


def _configmaps(docs: list[dict]) -> dict[str, dict[str, str]]:
    return {d["metadata"]["name"]: d.get("data") or {} for d in docs if d["kind"] == "ConfigMap"}


def _claim(spec: dict) -> dict[str, Any]:
    return {"size": str(spec["resources"]["requests"]["storage"]),
            "accessModes": sorted(spec.get("accessModes") or []),
            "storageClass": spec.get("storageClassName") or ""}


def _pull_policy(container: dict) -> str:
    tag = container["image"].rpartition(":")[2] if ":" in container["image"] else "latest"
    return container.get("imagePullPolicy") or ("Always" if tag == "latest" else "IfNotPresent")


def _env(container: dict, configmaps: dict[str, dict[str, str]]) -> dict[str, Any]:
    env: dict[str, Any] = {}
    for var in container.get("env") or []:
        ref = (var.get("valueFrom") or {}).get("configMapKeyRef")
        if "valueFrom" not in var:
            env[var["name"]] = str(var.get("value", ""))
        elif ref and ref["key"] in configmaps.get(ref["name"], {}):
            env[var["name"]] = configmaps[ref["name"]][ref["key"]]
        else:
            env[var["name"]] = var["valueFrom"]
    return env


def _probes(container: dict, ports: dict[str, int]) -> dict[str, dict]:
    probes = {}
    for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
        probe = copy.deepcopy(container.get(kind))
        if not probe:
            continue
        for handler in ("httpGet", "tcpSocket", "grpc"):
            port = (probe.get(handler) or {}).get("port")
            if isinstance(port, str) and port in ports:
                probe[handler]["port"] = ports[port]
        probes[kind] = probe
    return probes


def _mounts(workload: dict, docs: list[dict]) -> dict[str, dict[str, Any]]:
    """mountPath -> what is mounted there (a ConfigMap's data, a Secret's name, a claim)."""
    pod = _template(workload)["spec"]
    volumes = {v["name"]: v for v in pod.get("volumes") or []}
    templates = {t["metadata"]["name"]: t["spec"]
                 for t in workload["spec"].get("volumeClaimTemplates") or []}
    claims = {d["metadata"]["name"]: d["spec"] for d in docs
              if d["kind"] == "PersistentVolumeClaim"}
    configmaps = _configmaps(docs)
    mounts = {}
    for mount in pod["containers"][0].get("volumeMounts") or []:
        volume = volumes.get(mount["name"], {})
        what: dict[str, Any]
        if not volume and mount["name"] in templates:
            what = {"claim": _claim(templates[mount["name"]])}
        elif "configMap" in volume:
            data = configmaps.get(volume["configMap"]["name"], volume["configMap"]["name"])
            if isinstance(data, dict) and volume["configMap"].get("items"):
                data = {i["path"]: data[i["key"]] for i in volume["configMap"]["items"]}
            what = {"configMap": data}
        elif "secret" in volume:
            what = {"secret": volume["secret"]["secretName"]}
        elif "emptyDir" in volume:
            what = {"emptyDir": {k: str(v) for k, v in (volume["emptyDir"] or {}).items()}}
        elif "persistentVolumeClaim" in volume:
            name = volume["persistentVolumeClaim"]["claimName"]
            what = {"claim": _claim(claims[name]) if name in claims else name}
        elif "hostPath" in volume:
            what = {"hostPath": volume["hostPath"]["path"]}
        else:
            what = {"other": volume}
        # a ConfigMap or Secret volume is read-only whatever the mount says
        writable = not ({"configMap", "secret", "projected"} & set(volume))
        mounts[mount["mountPath"]] = {**what, "subPath": mount.get("subPath", ""),
                                      "readOnly": bool(mount.get("readOnly")) if writable
                                      else True}
    return mounts


def _container(workload: dict, docs: list[dict]) -> dict[str, Any]:
    """The service's own container (the first), as it runs."""
    container = _template(workload)["spec"]["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in container.get("ports") or [] if "name" in p}
    resources = {side: {k: str(v) for k, v in (container.get("resources") or {}).get(side,
                                                                                    {}).items()}
                 for side in ("requests", "limits")}
    return {
        "image": container["image"],
        "imagePullPolicy": _pull_policy(container),
        "command": container.get("command") or [],
        "args": [str(a) for a in container.get("args") or []],
        "env": _env(container, _configmaps(docs)),
        "ports": sorted((p["containerPort"], p.get("protocol", "TCP"))
                        for p in container.get("ports") or []),
        "resources": resources,
        "probes": _probes(container, ports),
        "mounts": _mounts(workload, docs),
    }


def _replicas(workload: dict, docs: list[dict]) -> int | None:
    """The replicas the workload sets: None when an HPA drives it, else 1 when not written."""
    if workload["kind"] in ("CronJob", "Job", "DaemonSet"):
        return None
    driven = any(d["kind"] == "HorizontalPodAutoscaler"
                 and d["spec"]["scaleTargetRef"]["name"] == workload["metadata"]["name"]
                 for d in docs)
    if driven:
        assert "replicas" not in workload["spec"], "replicas set beside an HPA"
        return None
    return int(workload["spec"].get("replicas", 1))


def _services(docs: list[dict], workload: dict) -> dict[str, dict[str, Any]]:
    """The Services selecting the workload's pods: name -> type and ports (targetPort as the
    container's port number)."""
    labels = _template(workload)["metadata"].get("labels") or {}
    container = _template(workload)["spec"]["containers"][0]
    numbers = {p["name"]: p["containerPort"] for p in container.get("ports") or [] if "name" in p}
    services = {}
    for svc in (d for d in docs if d["kind"] == "Service"):
        selector = svc["spec"].get("selector") or {}
        if not selector or any(labels.get(k) != v for k, v in selector.items()):
            continue
        ports = sorted((p["port"], numbers.get(p.get("targetPort"), p.get("targetPort", p["port"])),
                        p.get("protocol", "TCP")) for p in svc["spec"].get("ports") or [])
        kind = "headless" if svc["spec"].get("clusterIP") == "None" else svc["spec"].get(
            "type", "ClusterIP")
        services[svc["metadata"]["name"]] = {"type": kind, "ports": ports}
    return services


def _ingresses(docs: list[dict]) -> dict[str, Any]:
    """host -> path -> backend Service port number, and the TLS secrets with their hosts."""
    ports = {(s["metadata"]["name"], p.get("name")): p["port"] for s in docs
             if s["kind"] == "Service" for p in s["spec"].get("ports") or []}
    rules: dict[str, dict[str, int]] = {}
    tls: set[tuple[str, tuple[str, ...]]] = set()
    for ing in (d for d in docs if d["kind"] == "Ingress"):
        for rule in ing["spec"].get("rules") or []:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                port = backend["port"].get("number") or ports[(backend["name"],
                                                               backend["port"]["name"])]
                rules.setdefault(rule["host"], {})[path.get("path", "/")] = port
        tls |= {(t.get("secretName", ""), tuple(sorted(t.get("hosts") or [])))
                for t in ing["spec"].get("tls") or []}
    return {"rules": rules, "tls": sorted(tls)}


def _scaling(docs: list[dict]) -> dict[str, Any]:
    hpa = [{"min": d["spec"].get("minReplicas", 1), "max": d["spec"]["maxReplicas"],
            "metrics": sorted((m["resource"]["name"], m["resource"]["target"].get(
                "averageUtilization")) for m in d["spec"].get("metrics") or [])}
           for d in docs if d["kind"] == "HorizontalPodAutoscaler"]
    pdb = [{k: d["spec"][k] for k in ("minAvailable", "maxUnavailable") if k in d["spec"]}
           for d in docs if d["kind"] == "PodDisruptionBudget"]
    return {"hpa": hpa, "pdb": pdb}


def _covers(new: Any, original: Any, path: str = "") -> list[str]:
    """Where `new` lacks or changes what `original` sets (dicts: every key of the original)."""
    if isinstance(original, dict) and isinstance(new, dict):
        return [p for k, v in original.items()
                for p in (_covers(new[k], v, f"{path}.{k}") if k in new else [f"{path}.{k}"])]
    return [] if new == original else [f"{path}: {original!r} became {new!r}"]


def assert_runs_the_same(original: list[dict], new: list[dict]) -> None:
    """The new stream runs what the original ran: the workload's name, replicas, its service
    container, its Services (names, types, ports), Ingress rules, HPA and PDB, claim templates."""
    before, after = _workload(original), _workload(new)
    assert (after["kind"], after["metadata"]["name"]) == (before["kind"],
                                                          before["metadata"]["name"])
    assert _replicas(after, new) == _replicas(before, original)
    was, now = _container(before, original), _container(after, new)
    for key in ("image", "imagePullPolicy", "command", "args", "env", "ports", "resources"):
        assert now[key] == was[key], key
    # probes and mounts: what the original sets, as it sets it; the new may add (a probe the
    # flavor defaults, the writable /tmp), never change
    assert not _covers(now["probes"], was["probes"]), _covers(now["probes"], was["probes"])
    assert {p: now["mounts"].get(p) for p in was["mounts"]} == was["mounts"]
    assert set(now["mounts"]) - set(was["mounts"]) <= PLIGOS_MOUNTS
    if before["kind"] == "StatefulSet":  # renamed claims would orphan every pod's data
        claims = [(t["metadata"]["name"], _claim(t["spec"])) for t in
                  before["spec"].get("volumeClaimTemplates") or []]
        assert [(t["metadata"]["name"], _claim(t["spec"])) for t in
                after["spec"].get("volumeClaimTemplates") or []] == claims
        assert after["spec"]["serviceName"] == before["spec"]["serviceName"]
    if before["kind"] == "CronJob":
        for key in ("schedule", "concurrencyPolicy"):
            assert after["spec"].get(key) == before["spec"].get(key), key
        assert (after["spec"]["jobTemplate"]["spec"].get("backoffLimit") ==
                before["spec"]["jobTemplate"]["spec"].get("backoffLimit"))
    pulls = [s["name"] for s in _template(before)["spec"].get("imagePullSecrets") or []]
    assert [s["name"] for s in _template(after)["spec"].get("imagePullSecrets") or []] == pulls
    assert _services(new, after) == _services(original, before)
    assert _ingresses(new) == _ingresses(original)
    scaling, was_scaling = _scaling(new), _scaling(original)
    assert scaling["hpa"] == was_scaling["hpa"]
    if was_scaling["pdb"]:  # one the original lacks is the flavor's addition
        assert scaling["pdb"] == was_scaling["pdb"]


# ----------------------------------------------------------------------------- the imports

@dataclass
class Imported:
    chart: Path  # the chart imported (a copy of the fixture)
    out: Path  # --out
    result: Result
    contexts: dict[str, dict]  # `pligos contexts --json` of the written service, by name

    def report(self) -> dict:
        return json.loads(self.result.out)


def _context_args(chart: Path) -> list[str]:
    return ["--context", f"dev={chart / 'values-dev.yaml'}",
            "--context", f"prod={chart / 'values-prod.yaml'}"]


def _contexts(service: Path) -> dict[str, dict]:
    listed = run_cli("contexts", str(service), "--json")
    assert listed.code == 0, listed.err
    return {c["name"]: c for c in json.loads(listed.out)}


def _import(chart: Path, out: Path, *args: str) -> Imported:
    result = run_cli("import", "helm", str(chart), *args, "--out", str(out))
    assert result.code in (0, 1), result.out + result.err
    assert "Traceback" not in result.err
    return Imported(chart, out, result, _contexts(out))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("import-helm")


@pytest.fixture(scope="module")
def imported(workdir: Path, helm_bin: str) -> Callable[[str], Imported]:
    """Each fixture chart imported once (a copy of it, as dev and prod, under its release)."""
    done: dict[str, Imported] = {}

    def get(name: str) -> Imported:
        if name not in done:
            chart = shutil.copytree(CHARTS / name, workdir / "charts" / name,
                                    dirs_exist_ok=True)
            extra = ["--namespace", "shop", "--json"] if name == "web" else []
            done[name] = _import(chart, workdir / name, *_context_args(chart),
                                 "--release", RELEASES[name], *extra)
        return done[name]

    return get


def original_render(helm_bin: str, chart: Path, context: dict, *values: str) -> list[dict]:
    """helm template of the original chart, as the context's release in its namespace."""
    result = helm(helm_bin, "template", context["release"], str(chart), "--namespace",
                  context["namespace"], *values)
    assert result.returncode == 0, result.stderr
    return _docs(result.stdout)


def new_render(service: Path, context: str) -> list[dict]:
    result = run_cli("render", str(service), "--context", context)
    assert result.code == 0, result.err
    return _docs(result.out)


def _generate(service: Path) -> None:
    result = run_cli("generate", str(service))
    assert result.code == 0, result.out + result.err


def _parity(report: dict, context: str) -> dict:
    """The parity figures of one context in the JSON report (a list of contexts by name, or a
    mapping keyed by name)."""
    found: list[dict] = []

    def walk(node: Any, key: str = "") -> None:
        if isinstance(node, dict):
            if {"matched", "differs", "added", "missing"} <= set(node) and context in (
                    key, node.get("name"), node.get("context")):
                found.append(node)
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)

    walk(report)
    assert len(found) == 1, f"no single parity entry for context {context}: {report}"
    return found[0]


def _parity_lines(result: Result, contexts: list[str]) -> None:
    """The report has one parity line per context (`dev: ... 57 fields match ...`), in the
    order the contexts were given."""
    lines = result.out.splitlines()
    at = [next((i for i, line in enumerate(lines)
                if re.match(rf"\s*{context}:\s", line) and re.search(r"\d", line)), None)
          for context in contexts]
    assert None not in at and at == sorted(at), result.out


# ----------------------------------------------------------------------------- the tests

@pytest.mark.parametrize("name", ["web", "stateful", "cron", "configs"])
def test_imported_chart_runs_what_the_original_ran_in_each_context(
        name: str, imported: Callable[[str], Imported], helm_bin: str) -> None:
    imp = imported(name)
    assert imp.result.code == 0, imp.result.out + imp.result.err
    assert (imp.out / "pligos.yaml").is_file()
    assert not (imp.out / "import-leftovers.yaml").exists()
    assert set(imp.contexts) == {"dev", "prod"}
    _generate(imp.out)
    for context in ("dev", "prod"):
        assert imp.contexts[context]["release"] == RELEASES[name]
        original = original_render(helm_bin, imp.chart, imp.contexts[context],
                                   "-f", str(imp.chart / f"values-{context}.yaml"))
        assert_runs_the_same(original, new_render(imp.out, context))
    if name != "web":  # the web import prints JSON (test_json_report_...)
        _parity_lines(imp.result, ["dev", "prod"])


def test_json_report_counts_each_context_and_the_namespace_given_is_kept(
        imported: Callable[[str], Imported]) -> None:
    imp = imported("web")
    report = imp.report()
    assert report["format"] == FORMAT
    for context in ("dev", "prod"):
        parity = _parity(report, context)
        assert parity["matched"] > 10 and (parity["differs"], parity["missing"]) == ([], [])
        assert isinstance(parity["added"], list)
        assert imp.contexts[context]["namespace"] == "shop"


def test_config_files_are_written_beside_the_service_and_secrets_stay_references(
        imported: Callable[[str], Imported]) -> None:
    imp = imported("configs")
    for name in ("app.yaml", "logging.ini"):
        written = [p for p in imp.out.rglob(name) if "charts" not in p.relative_to(imp.out).parts]
        assert len(written) == 1, written
        assert written[0].read_bytes() == (CHARTS / "configs" / "files" / name).read_bytes()
    for context in ("dev", "prod"):
        kinds = {d["kind"] for d in new_render(imp.out, context)}
        assert not kinds & {"Secret", "ExternalSecret"}, kinds  # the cluster's own Secret


def _leftovers_of(report: dict, context: str) -> list[dict]:
    """What the JSON report lists as not expressed for a context: the context's `missing`, and
    every `leftovers` entry of that context (or of all contexts)."""
    items = list(_parity(report, context)["missing"])

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "leftovers" and isinstance(value, list):
                    items.extend(v for v in value if v.get("context") in (context, "", None))
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(report)
    return items


def test_what_cannot_be_expressed_is_listed_kept_and_exits_1(
        imported: Callable[[str], Imported], helm_bin: str) -> None:
    imp = imported("unexpressible")
    assert imp.result.code == 1, imp.result.out + imp.result.err
    # listed with where it came from, and kept with its original YAML
    assert re.search(r"Certificate .*templates/certificate\.yaml", imp.result.out), imp.result.out
    _parity_lines(imp.result, ["dev", "prod"])
    leftovers = (imp.out / "import-leftovers.yaml").read_text()
    assert "kind: Certificate" in leftovers and "issuerRef" in leftovers
    again = run_cli("import", "helm", str(imp.chart), *_context_args(imp.chart), "--release",
                    RELEASES["unexpressible"], "--out", str(imp.out), "--force", "--json")
    assert again.code == 1, again.out + again.err
    report = json.loads(again.out)
    for context in ("dev", "prod"):
        assert _parity(report, context)["differs"] == []
        listed = _leftovers_of(report, context)
        assert any("Certificate" in json.dumps(item) for item in listed), listed
    # what it could express still runs as the original does
    _generate(imp.out)
    for context in ("dev", "prod"):
        original = original_render(helm_bin, imp.chart, imp.contexts[context],
                                   "-f", str(imp.chart / f"values-{context}.yaml"))
        new = new_render(imp.out, context)
        assert_runs_the_same([d for d in original if d["kind"] != "Certificate"], new)
        # the pod annotation the chart computes (sha256sum of values) is kept or listed,
        # never silently dropped
        annotations = _template(_workload(new))["metadata"].get("annotations") or {}
        assert "checksum/settings" in annotations or "checksum/settings" in (
            imp.result.out + leftovers), imp.result.out


def test_an_existing_pligos_yaml_is_kept_unless_forced(
        imported: Callable[[str], Imported], workdir: Path) -> None:
    imp = imported("web")
    out = shutil.copytree(imp.out, workdir / "web-again")
    before = (out / "pligos.yaml").read_bytes()
    args = [*_context_args(imp.chart), "--release", RELEASES["web"], "--namespace", "shop",
            "--out", str(out)]
    refused = run_cli("import", "helm", str(imp.chart), *args)
    assert refused.code == 2 and "--force" in refused.err, refused.out + refused.err
    assert (out / "pligos.yaml").read_bytes() == before
    forced = run_cli("import", "helm", str(imp.chart), *args, "--force")
    assert forced.code == 0, forced.out + forced.err
    assert yaml.safe_load((out / "pligos.yaml").read_text()) == yaml.safe_load(before)
    _parity_lines(forced, ["dev", "prod"])


def test_a_packaged_chart_imports_as_its_folder_does(
        imported: Callable[[str], Imported], workdir: Path, helm_bin: str) -> None:
    imp = imported("web")
    packaged = helm(helm_bin, "package", str(imp.chart), "-d", str(workdir / "packages"))
    assert packaged.returncode == 0, packaged.stderr
    tgz = workdir / "packages" / "web-1.4.0.tgz"
    again = _import(tgz, workdir / "web-tgz", *_context_args(imp.chart), "--release",
                    RELEASES["web"], "--namespace", "shop")
    assert again.result.code == 0, again.result.out + again.result.err
    assert (yaml.safe_load((again.out / "pligos.yaml").read_text())
            == yaml.safe_load((imp.out / "pligos.yaml").read_text()))


def _helm_with(helm_bin: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([helm_bin, *args], capture_output=True, text=True, check=False,
                          env={**os.environ, **env})


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def chart_repository(tmp_path: Path, helm_bin: str) -> Iterator[dict[str, str]]:
    """A helm chart repository on loopback serving web-1.4.0, added as `fixtures` to a helm
    configuration of its own: yields the environment helm (and Pligos) need to pull from it."""
    served = tmp_path / "served"
    packaged = helm(helm_bin, "package", str(CHARTS / "web"), "-d", str(served))
    assert packaged.returncode == 0, packaged.stderr
    handler = functools.partial(_QuietHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    assert helm(helm_bin, "repo", "index", str(served), "--url", url).returncode == 0
    threading.Thread(target=server.serve_forever, daemon=True).start()
    home = tmp_path / "helm-home"
    env = {"HELM_CONFIG_HOME": str(home / "config"), "HELM_CACHE_HOME": str(home / "cache"),
           "HELM_DATA_HOME": str(home / "data"),
           "HELM_REPOSITORY_CONFIG": str(home / "config" / "repositories.yaml"),
           "HELM_REPOSITORY_CACHE": str(home / "cache" / "repository")}
    try:
        added = _helm_with(helm_bin, env, "repo", "add", "fixtures", url)
        assert added.returncode == 0, added.stderr
        yield env
    finally:
        server.shutdown()
        server.server_close()


def test_a_chart_reference_helm_can_pull_imports_as_its_folder_does(
        imported: Callable[[str], Imported], chart_repository: dict[str, str],
        tmp_path: Path) -> None:
    imp = imported("web")
    out = tmp_path / "out"
    result = run_cli("import", "helm", "fixtures/web", *_context_args(imp.chart), "--release",
                     RELEASES["web"], "--namespace", "shop", "--out", str(out),
                     cwd=tmp_path, env=chart_repository)
    assert result.code == 0, result.out + result.err
    assert (yaml.safe_load((out / "pligos.yaml").read_text())
            == yaml.safe_load((imp.out / "pligos.yaml").read_text()))


def test_without_contexts_one_default_context_from_the_charts_values(
        tmp_path: Path, helm_bin: str) -> None:
    chart = shutil.copytree(CHARTS / "cron", tmp_path / "cron")
    imp = _import(chart, tmp_path / "out", "--set", "image.tag=1.8.1", "--release", "nightly")
    assert imp.result.code == 0, imp.result.out + imp.result.err
    assert list(imp.contexts) == ["default"]
    _parity_lines(imp.result, ["default"])
    original = original_render(helm_bin, chart, imp.contexts["default"],
                               "--set", "image.tag=1.8.1")
    new = new_render(imp.out, "default")
    assert_runs_the_same(original, new)
    assert _container(_workload(new), new)["image"].endswith(":1.8.1")


def test_the_chart_helm_create_makes_imports_with_exit_0(tmp_path: Path, helm_bin: str) -> None:
    created = helm(helm_bin, "create", str(tmp_path / "demo"))
    assert created.returncode == 0, created.stderr
    chart = make_tree(tmp_path / "demo", {
        "values-dev.yaml": """
            replicaCount: 1
            image: {tag: "1.27.2"}
            resources:
              requests: {cpu: 50m, memory: 64Mi}
              limits: {cpu: 200m, memory: 128Mi}
            """,
        "values-prod.yaml": """
            replicaCount: 3
            image: {tag: "1.26.3"}
            resources:
              requests: {cpu: 250m, memory: 256Mi}
              limits: {cpu: "1", memory: 512Mi}
            """})
    imp = _import(chart, tmp_path / "out", *_context_args(chart))
    assert imp.result.code == 0, imp.result.out + imp.result.err
    _parity_lines(imp.result, ["dev", "prod"])
    _generate(imp.out)
    for context in ("dev", "prod"):
        original = original_render(helm_bin, chart, imp.contexts[context],
                                   "-f", str(chart / f"values-{context}.yaml"))
        assert_runs_the_same(original, new_render(imp.out, context))


WORKLOAD_TEMPLATE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: NAME
spec:
  replicas: {{ .Values.NAME.replicas }}
  selector:
    matchLabels: {app: NAME}
  template:
    metadata:
      labels: {app: NAME}
    spec:
      containers:
        - name: NAME
          image: "registry.example.com/orders/NAME:{{ .Values.tag }}"
          args: [NAME]
          resources:
            requests: {cpu: 50m, memory: 64Mi}
            limits: {cpu: 100m, memory: 128Mi}
"""
API_TEMPLATE = WORKLOAD_TEMPLATE.replace("NAME", "api") + """\
          ports:
            - {name: http, containerPort: 8080}
---
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  selector: {app: api}
  ports:
    - {name: http, port: 80, targetPort: http}
"""


def test_a_chart_of_two_workloads_becomes_two_services(tmp_path: Path, helm_bin: str) -> None:
    """One folder per workload; a context's values files apply in order (the last wins)."""
    chart = make_tree(tmp_path / "orders", {
        "Chart.yaml": "apiVersion: v2\nname: orders\nversion: 0.1.0\n",
        "values.yaml": "tag: '1.0'\napi: {replicas: 1}\nworker: {replicas: 1}\n",
        "templates/api.yaml": API_TEMPLATE,
        "templates/worker.yaml": WORKLOAD_TEMPLATE.replace("NAME", "worker"),
        "base.yaml": "tag: '1.1'\nworker: {replicas: 2}\n",
        "more.yaml": "tag: '1.2'\n"})
    out = tmp_path / "out"
    result = run_cli("import", "helm", str(chart), "--context",
                     f"dev={chart / 'base.yaml'},{chart / 'more.yaml'}", "--out", str(out))
    assert result.code == 0, result.out + result.err
    assert not (out / "pligos.yaml").exists()
    services = sorted(p.parent for p in out.glob("*/pligos.yaml"))
    assert len(services) == 2, services
    rendered = helm(helm_bin, "template", "orders", str(chart), "-f", str(chart / "base.yaml"),
                    "-f", str(chart / "more.yaml"))
    assert rendered.returncode == 0, rendered.stderr
    original = _docs(rendered.stdout)
    names = set()
    for service in services:
        new = new_render(service, "dev")
        name = _workload(new)["metadata"]["name"]
        names.add(name)
        assert_runs_the_same([d for d in original if d["metadata"]["name"] == name], new)
        assert _container(_workload(new), new)["image"].endswith(":1.2")
    assert names == {"api", "worker"}


# case -> (files made in tmp_path, the CHART argument, more arguments, what the error names);
# {tmp} is tmp_path, {web} the web fixture chart
BAD_INPUTS: dict[str, tuple[dict[str, str | bytes], str, list[str], str]] = {
    "not-a-chart": ({"notes/README.md": "not a chart\n"}, "{tmp}/notes", [], "notes"),
    "helm-fails": ({"broken/Chart.yaml": "apiVersion: v2\nname: broken\nversion: 0.1.0\n",
                    "broken/values.yaml": "greeting: {}\n",
                    "broken/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
                    "  name: {{ required \"set greeting.text\" .Values.greeting.text }}\n"},
                   "{tmp}/broken", [], "set greeting.text"),
    "values-do-not-parse": ({"bad.yaml": "image:\n  tag: [1.0\n"}, "{web}",
                            ["--context", "dev={tmp}/bad.yaml"], "bad.yaml"),
    "values-file-missing": ({}, "{web}", ["--context", "dev={tmp}/nope.yaml"], "nope.yaml"),
    "context-names-no-file": ({}, "{web}", ["--context", "dev="], "dev="),
    "context-name-not-a-label": ({}, "{web}", ["--context", "Dev_1={web}/values-dev.yaml"],
                                 "Dev_1"),
    "not-a-package": ({"junk.tgz": b"this is no gzip\n"}, "{tmp}/junk.tgz", [], "junk.tgz"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_exits_2_saying_why_and_writes_nothing(case: str, tmp_path: Path,
                                                         helm_bin: str) -> None:
    files, chart, args, said = BAD_INPUTS[case]
    make_tree(tmp_path, files)
    where = {"tmp": tmp_path, "web": CHARTS / "web"}
    out = tmp_path / "out"
    result = run_cli("import", "helm", chart.format(**where),
                     *(a.format(**where) for a in args), "--out", str(out))
    assert result.code == 2, result.out + result.err
    assert "Traceback" not in result.err
    assert said in result.err, result.err
    assert not out.exists() or not any(out.iterdir())
