"""`pligos gitops argocd|flux` on a tree of several services in a git repository: every
service × context deployed exactly once, in every mode, with names Kubernetes takes and the
fields each engine reads; the objects checked against the Argo CD and Flux API schemas."""

from __future__ import annotations

import fcntl
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from support import EXAMPLES, ROOT, make_tree, run_cli, shop_with_secrets

OCI = "oci://registry.example.com/charts"
REPO = "https://git.example.com/platform/services.git"
IN_CLUSTER = "https://kubernetes.default.svc"
DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")

BILLING = """\
pligos: 1
name: billing
chartVersion: 2.3.0
images:
  - {name: nginx, repository: nginx, tag: "1.27"}
routes:
  - {name: http, port: 80}
contexts:
  - name: dev
    flavor: webservice
    image: nginx
    routes: [http]
    release: bill
  - name: staging
    extends: dev
    namespace: billing-staging
    cluster: staging-east
  - name: prod
    extends: dev
    namespace: billing
    cluster: https://prod.k8s.example.com:6443
"""
# service, context -> (namespace, release, cluster, chart version)
EXPECTED = {
    ("billing", "dev"): ("dev", "bill", "", "2.3.0"),  # no namespace: the context's name
    ("billing", "staging"): ("billing-staging", "bill", "staging-east", "2.3.0"),
    ("billing", "prod"): ("billing", "bill", "https://prod.k8s.example.com:6443", "2.3.0"),
    ("catalog", "dev"): ("shop-dev", "catalog", "", "0.1.0"),
    ("catalog", "prod"): ("shop", "catalog", "", "0.1.0"),
    ("checkout", "dev"): ("shop-dev", "checkout", "", "1.0.0"),
    ("checkout", "prod"): ("shop", "checkout", "", "1.0.0"),
    ("hello", "dev"): ("hello-dev", "hello", "", "0.1.0"),
    ("hello", "prod"): ("hello", "hello", "", "0.1.0"),
}
FOLDERS = {"billing": "billing", "catalog": "shop/catalog", "checkout": "shop/checkout",
           "hello": "hello"}


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory, helm_bin: str) -> Path:
    """A git repository of four services (the shop's two, hello, billing), charts generated."""
    repo = tmp_path_factory.mktemp("gitops") / "platform"
    repo.mkdir()
    shop_with_secrets(repo)
    shutil.copytree(EXAMPLES / "hello", repo / "hello")
    make_tree(repo, {"billing/pligos.yaml": BILLING, ".gitignore": "hello/charts/prod/\n"})
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    generated = run_cli("generate", str(repo), env={"PLIGOS_HELM": helm_bin})
    assert generated.code == 0, generated.err
    return repo


def gitops(tree: Path, *args: str) -> tuple[list[dict], str]:
    result = run_cli("gitops", *args, str(tree))
    assert result.code == 0, result.err
    assert result.out.startswith("# pligos gitops ")
    return [d for d in yaml.safe_load_all(result.out) if d is not None], result.err


# --------------------------------------------------------------------------- schemas

KUBE_MODELS = ROOT / ".cache" / "kube-models"
PACKAGES = ("@kubernetes-models/argo-cd@4.0.0", "@kubernetes-models/flux-cd@4.0.0")
MODULES = {"argoproj.io/v1alpha1": "argo-cd/argoproj.io/v1alpha1",
           "helm.toolkit.fluxcd.io/v2": "flux-cd/helm.toolkit.fluxcd.io/v2",
           "source.toolkit.fluxcd.io/v1": "flux-cd/source.toolkit.fluxcd.io/v1"}
VALIDATE = """\
import { readFileSync } from "node:fs";
const modules = %s;
let bad = 0;
for (const obj of JSON.parse(readFileSync(0, "utf8"))) {
  const name = `${obj.kind}/${obj.metadata.name}`;
  const where = modules[obj.apiVersion];
  if (!where) { console.log(`${name}: no schema for ${obj.apiVersion}`); bad++; continue; }
  const Model = (await import(`@kubernetes-models/${where}/${obj.kind}`))[obj.kind];
  try { new Model(obj).validate(); } catch (e) { console.log(`${name}: ${e.message}`); bad++; }
}
process.exit(bad ? 1 : 0);
"""


@pytest.fixture(scope="session")
def crd_schemas() -> Path:
    """The Argo CD and Flux API schemas (the kubernetes-models packages, generated from the
    projects' Go API types), installed once from the npm registry into .cache/kube-models."""
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.skip("node and npm are needed for the Argo CD and Flux schemas")
    KUBE_MODELS.mkdir(parents=True, exist_ok=True)
    with open(KUBE_MODELS / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = KUBE_MODELS / "node_modules" / "@kubernetes-models" / "flux-cd" / "package.json"
        if not marker.is_file():
            subprocess.run(["npm", "install", "--prefix", str(KUBE_MODELS), "--no-audit",
                            "--no-fund", "--loglevel=error", *PACKAGES], check=True,
                           capture_output=True, timeout=300)
        (KUBE_MODELS / "validate.mjs").write_text(VALIDATE % json.dumps(MODULES))
    return KUBE_MODELS / "validate.mjs"


def schema_errors(script: Path, objects: list[dict]) -> str:
    result = subprocess.run(["node", str(script)], input=json.dumps(objects),
                            capture_output=True, text=True, timeout=120, check=False)
    return "" if result.returncode == 0 else result.stdout + result.stderr


def test_the_schemas_refuse_what_the_engines_refuse(crd_schemas: Path) -> None:
    wrong = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
             "metadata": {"name": "x"}, "spec": {"project": "default",
                                                 "destination": {"namespace": 3},
                                                 "source": {"path": "."}}}
    errors = schema_errors(crd_schemas, [wrong])
    assert "namespace must be string" in errors and "repoURL" in errors


# --------------------------------------------------------------------------- Argo CD

def applications(objects: list[dict]) -> list[dict]:
    """The Applications the objects make: themselves, or what an ApplicationSet's list
    generator makes of its template (Go template fields and the destination's templatePatch
    evaluated for each element)."""
    out = []
    for o in objects:
        if o["kind"] == "Application":
            out.append(o)
            continue
        assert o["kind"] == "ApplicationSet"
        spec = o["spec"]
        assert spec["goTemplate"] is True and spec["goTemplateOptions"] == ["missingkey=error"]
        template = json.dumps(spec["template"])
        for element in spec["generators"][0]["list"]["elements"]:
            app = json.loads(re.sub(r"\{\{\.(\w+)\}\}",
                                    lambda m, e=element: e[m.group(1)], template))
            if "templatePatch" in spec:
                patch = spec["templatePatch"]
                assert "{{- if .server }}" in patch and "{{- else }}" in patch
                app["spec"]["destination"] |= (
                    {"server": element["server"]} if element["server"]
                    else {"name": element["cluster"]})
            app["metadata"]["namespace"] = o["metadata"]["namespace"]  # the set's own
            out.append({"apiVersion": o["apiVersion"], "kind": "Application", **app})
    return out


def check_applications(apps: list[dict], tree: Path, source: str) -> None:
    names = [a["metadata"]["name"] for a in apps]
    assert len(names) == len(set(names)) and all(DNS_LABEL.fullmatch(n) for n in names)
    covered = [(a["metadata"]["labels"]["pligos.io/service"],
                a["metadata"]["labels"]["pligos.io/context"]) for a in apps]
    assert sorted(covered) == sorted(EXPECTED)  # every service × context, exactly once
    for app, (service, context) in zip(apps, covered):
        namespace, release, cluster, version = EXPECTED[(service, context)]
        assert app["metadata"]["name"] == f"{service}-{context}"
        assert app["metadata"]["namespace"] == "argocd"
        spec = app["spec"]
        where = ({"server": cluster} if "://" in cluster else {"name": cluster} if cluster
                 else {"server": IN_CLUSTER})
        assert spec["destination"] == where | {"namespace": namespace}
        assert spec["syncPolicy"] == {"syncOptions": ["CreateNamespace=true"]}
        src = spec["source"]
        if source == "oci":
            assert src == {"repoURL": f"{OCI}/{context}/{service}", "targetRevision": version,
                           "path": ".", "helm": {"releaseName": release}}
            continue
        assert (src["repoURL"], src["targetRevision"]) == (REPO, "HEAD")
        if source == "git":
            assert src["path"] == f"{FOLDERS[service]}/charts/{context}/{service}"
            assert (tree / src["path"] / "Chart.yaml").is_file()
            assert src["helm"] == {"releaseName": release}
        else:
            assert src["path"] == FOLDERS[service]
            assert (tree / src["path"] / "pligos.yaml").is_file()
            assert src["plugin"] == {"name": "pligos",
                                     "env": [{"name": "PLIGOS_CONTEXT", "value": context}]}


@pytest.mark.parametrize("source", ["git", "oci", "plugin"])
@pytest.mark.parametrize("applicationset", [False, True], ids=["applications", "set"])
def test_argocd_deploys_every_service_context_once(tree: Path, crd_schemas: Path, source: str,
                                                   applicationset: bool) -> None:
    args = ["argocd", "--source", source, *(["--oci", OCI] if source == "oci" else
                                            ["--repo", REPO])]
    objects, err = gitops(tree, *args, *(["--applicationset"] if applicationset else []))
    if applicationset:
        assert [o["kind"] for o in objects] == ["ApplicationSet"]
        assert objects[0]["metadata"] == {"name": "platform", "namespace": "argocd"}
        # billing's clusters: one by URL, one by name, so the destination is chosen per element
        assert "templatePatch" in objects[0]["spec"]
    else:
        assert {o["kind"] for o in objects} == {"Application"}
    apps = applications(objects)
    check_applications(apps, tree, source)
    assert schema_errors(crd_schemas, objects + apps) == ""
    assert "shop/catalog/pligos.yaml: contexts dev, prod deliver secret data inline" in err
    assert ("contexts dev, prod use shared dependencies (redis), which these objects do not "
            "deploy") in err
    ignored = "hello/charts/prod/hello is ignored by git, so the repository will not hold it"
    assert (ignored in err) == (source == "git")


def test_argocd_auto_sync_and_its_own_project_and_namespace(tree: Path) -> None:
    objects, _ = gitops(tree, "argocd", "--repo", REPO, "--revision", "v1.2", "--project",
                        "shop", "--namespace", "gitops", "--auto-sync")
    for app in objects:
        assert app["metadata"]["namespace"] == "gitops"
        assert app["spec"]["project"] == "shop"
        assert app["spec"]["source"]["targetRevision"] == "v1.2"
        assert app["spec"]["syncPolicy"] == {"automated": {"prune": True, "selfHeal": True},
                                             "syncOptions": ["CreateNamespace=true"]}


# --------------------------------------------------------------------------- Flux

@pytest.mark.parametrize("source", ["git", "oci"])
def test_flux_deploys_every_service_context_once(tree: Path, crd_schemas: Path,
                                                 source: str) -> None:
    args = ["--oci", OCI] if source == "oci" else ["--repo", REPO, "--branch", "release"]
    objects, _ = gitops(tree, "flux", *args)
    releases = [o for o in objects if o["kind"] == "HelmRelease"]
    sources = {(o["kind"], o["metadata"]["name"]): o for o in objects
               if o["kind"] != "HelmRelease"}
    assert len(objects) == len(releases) + len(sources)  # every source named once
    names = [r["metadata"]["name"] for r in releases]
    assert len(set(names)) == len(names) and all(DNS_LABEL.fullmatch(n) for n in names)
    covered = [(r["metadata"]["labels"]["pligos.io/service"],
                r["metadata"]["labels"]["pligos.io/context"]) for r in releases]
    assert sorted(covered) == sorted(EXPECTED)
    if source == "git":
        assert list(sources) == [("GitRepository", "platform")]
        assert sources["GitRepository", "platform"]["spec"] | {} == {
            "interval": "5m", "url": REPO, "ref": {"branch": "release"}}
    for release, (service, context) in zip(releases, covered):
        namespace, name, cluster, version = EXPECTED[(service, context)]
        spec = release["spec"]
        assert release["apiVersion"] == "helm.toolkit.fluxcd.io/v2"
        assert release["metadata"]["namespace"] == "flux-system"
        assert (spec["releaseName"], spec["targetNamespace"], spec["storageNamespace"]) == (
            name, namespace, namespace)
        assert spec["install"] == {"createNamespace": True}
        if source == "git":
            chart = spec["chart"]["spec"]
            assert chart["sourceRef"] == {"kind": "GitRepository", "name": "platform"}
            assert chart["chart"] == f"./{FOLDERS[service]}/charts/{context}/{service}"
            assert (tree / chart["chart"] / "Chart.yaml").is_file()
            assert chart["reconcileStrategy"] == "Revision"
        else:
            assert spec["chartRef"] == {"kind": "OCIRepository", "name": f"{service}-{context}"}
            oci = sources["OCIRepository", f"{service}-{context}"]["spec"]
            assert (oci["url"], oci["ref"]) == (f"{OCI}/{context}/{service}", {"tag": version})
            assert oci["layerSelector"]["mediaType"] == (
                "application/vnd.cncf.helm.chart.content.v1.tar+gzip")
        if cluster:
            assert spec["kubeConfig"]["secretRef"]["name"] in (
                "staging-east-kubeconfig", "prod-k8s-example-com-6443-kubeconfig")
        else:
            assert "kubeConfig" not in spec
    assert schema_errors(crd_schemas, objects) == ""


# --------------------------------------------------------------------------- output, errors

def test_the_output_is_the_same_each_time_and_goes_to_files(tree: Path, tmp_path: Path) -> None:
    first = run_cli("gitops", "flux", "--repo", REPO, str(tree))
    again = run_cli("gitops", "flux", "--repo", REPO, str(tree))
    assert first.out == again.out and first.code == 0
    stream = [d for d in yaml.safe_load_all(first.out) if d]

    into_file = run_cli("gitops", "flux", "--repo", REPO, str(tree), "--out",
                        str(tmp_path / "flux.yaml"))
    assert into_file.code == 0, into_file.err
    assert (tmp_path / "flux.yaml").read_text() == first.out
    assert into_file.out.startswith("wrote 10 objects (GitRepository, HelmRelease) for 9 "
                                    "service contexts to ")

    into_dir = run_cli("gitops", "flux", "--repo", REPO, str(tree), "--out",
                       str(tmp_path / "flux") + "/")
    assert into_dir.code == 0, into_dir.err
    files = sorted((tmp_path / "flux").iterdir())
    assert [f.name for f in files][:2] == ["gitrepository-platform.yaml",
                                           "helmrelease-billing-dev.yaml"]
    assert sorted(json.dumps(yaml.safe_load(f.read_text()), sort_keys=True) for f in files) \
        == sorted(json.dumps(d, sort_keys=True) for d in stream)


def test_a_long_name_is_cut_to_a_label_with_a_hash(tmp_path: Path) -> None:
    long = "a" * 50
    make_tree(tmp_path, {"svc/pligos.yaml": BILLING.replace("name: billing", f"name: {long}")
                         .replace("name: staging", "name: " + "s" * 20)})
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    objects, _ = gitops(tmp_path, "argocd", "--repo", REPO)
    names = [o["metadata"]["name"] for o in objects]
    assert len(set(names)) == 3 and all(DNS_LABEL.fullmatch(n) for n in names)
    cut = [n for n in names if len(n) == 63]
    assert len(cut) == 1 and re.fullmatch(long + "-s-[0-9a-f]{10}", cut[0])


def test_errors_exit_2_with_nothing_on_stdout(tree: Path, tmp_path: Path) -> None:
    nothing = run_cli("gitops", "argocd", "--repo", REPO, str(tmp_path))
    assert (nothing.code, nothing.out) == (2, "") and "no pligos.yaml found" in nothing.err

    broken = tmp_path / "broken"
    shutil.copytree(tree / "hello", broken / "hello", ignore=shutil.ignore_patterns("charts"))
    shutil.copytree(tree / "billing", broken / "billing", ignore=shutil.ignore_patterns("charts"))
    config = broken / "billing" / "pligos.yaml"
    config.write_text(config.read_text().replace("    image: nginx\n", "    image: ngnix\n"))
    subprocess.run(["git", "init", "-q", str(broken)], check=True)
    result = run_cli("gitops", "flux", "--repo", REPO, str(broken))
    assert (result.code, result.out) == (2, "")
    assert result.err.count("billing/pligos.yaml:11:12: error:") == 1, result.err
    assert "ngnix" in result.err

    (broken / ".git").rename(broken / "git")
    config.write_text(BILLING)
    no_git = run_cli("gitops", "argocd", "--repo", REPO, str(broken))
    assert (no_git.code, no_git.out) == (2, "")
    assert "is not in a git repository" in no_git.err
    assert run_cli("gitops", "argocd", "--oci", OCI, str(broken)).code == 0  # needs no git

    for args, said in ((["argocd", "--source", "oci", "--repo", REPO], "oci://HOST/PATH"),
                       (["argocd", "--source", "plugin"], "--repo URL is needed"),
                       (["flux", "--repo", REPO, "--oci", OCI], "--repo names a git"),
                       (["argocd", "--oci", "registry.example.com"], "oci://HOST/PATH")):
        refused = run_cli("gitops", *args, str(tree))
        assert (refused.code, refused.out) == (2, ""), args
        assert said in refused.err, (args, refused.err)
