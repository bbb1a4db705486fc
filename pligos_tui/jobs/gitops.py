"""`pligos gitops argocd|flux`: the objects that hand a whole tree of services to Argo CD or Flux.

Every service × context of the tree becomes one deployment: an Argo CD Application (or one
element of an ApplicationSet's list generator), or a Flux HelmRelease with its source. Each is
named `<service>-<context>` (shortened with a hash past 63 characters) and deploys:

- its release: the context's `release:`, else the service's name;
- into its namespace: the context's `namespace:`, else the context's name, so that two
  contexts of one service never share a namespace while the services of one context do
  (their shared dependencies live there);
- on its cluster: the context's `cluster:` (a URL is an Argo CD destination server, anything
  else a cluster name; for Flux the name of a Secret holding its kubeconfig), else the
  cluster the engine runs in.

The chart comes from the repository (the path of the committed chart, relative to the git root
found above the services), from the OCI registry `pligos push` fills
(`oci://HOST/PATH/<context>/<name>`, the service's chartVersion), or, for Argo CD, from the
Config Management Plugin of deploy/argocd/ rendering pligos.yaml itself.

The output is deterministic: services sorted by name and folder, contexts in their file's
order, keys in a fixed order.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from pligos_tui import helm
from pligos_tui.charts.library import LIBRARY_FOLDER, LINK
from pligos_tui.charts.plan import chart_dest
from pligos_tui.charts.umbrella import UMBRELLA
from pligos_tui.errors import PligosError, UsageError, display_path
from pligos_tui.io.files import atomic_write
from pligos_tui.io.yamlwrite import dump_yaml
from pligos_tui.jobs.generate import load_services
from pligos_tui.spec.discover import find_services, split_v1
from pligos_tui.spec.fields import dns_label
from pligos_tui.spec.model import Service
from pligos_tui.spec.resolve import ResolvedContext, namespace_of, release_name, resolve_context
from pligos_tui.spec.rules.secrets import secret_uses
from pligos_tui.spec.vocabulary import CONFIG_NAME, INLINE

GIT, OCI, PLUGIN = "git", "oci", "plugin"
ARGOCD_SOURCES = (GIT, OCI, PLUGIN)
ARGOCD_NAMESPACE, FLUX_NAMESPACE = "argocd", "flux-system"
IN_CLUSTER = "https://kubernetes.default.svc"
PLUGIN_NAME, CONTEXT_ENV = "pligos", "PLIGOS_CONTEXT"  # deploy/argocd/plugin.yaml
ARGO_API, HELM_API = "argoproj.io/v1alpha1", "helm.toolkit.fluxcd.io/v2"
SOURCE_API = "source.toolkit.fluxcd.io/v1"
HELM_CHART_LAYER = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
SOURCE_INTERVAL, RELEASE_INTERVAL = "5m", "10m"
DEPENDENCY = "dependency"  # a friend deployed once per context, not by its users' charts
NAME_MAX = 63  # Argo CD and Flux put object names in labels
SERVICE_LABEL, CONTEXT_LABEL = "pligos.io/service", "pligos.io/context"


@dataclass(frozen=True)
class Target:
    """One service × context to deploy."""

    service: str
    context: str
    file: str  # the service's pligos.yaml, as shown
    name: str  # of its Application / HelmRelease
    release: str
    namespace: str
    cluster: str  # "" for the engine's own cluster
    service_path: str  # the service folder, relative to the git root ("" without one)
    chart_path: str  # its generated chart, likewise
    chart_version: str


@dataclass
class GitOps:
    """The objects for a tree, in order, and what the user should know about them."""

    tool: str
    targets: list[Target]
    objects: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def text(self) -> str:
        """The objects as one YAML stream."""
        services = len({t.file for t in self.targets})
        head = (f"# pligos gitops {self.tool}: {len(self.targets)} deployments of {services} "
                f"service{'s' if services != 1 else ''}\n")
        return head + "".join("---\n" + dump_yaml(o) for o in self.objects)

    def files(self) -> dict[str, str]:
        """One file per object: `<kind>-<name>.yaml`."""
        return {f"{o['kind'].lower()}-{o['metadata']['name']}.yaml": dump_yaml(o)
                for o in self.objects}


# --------------------------------------------------------------------------- the tree

def collect(paths: list[Path], *, git: bool) -> tuple[list[Target], list[str], Path | None]:
    """Every service × context at or below `paths`, the warnings about them, and with `git`
    (the objects name paths in the repository) the git root above them all."""
    roots, v1_roots = split_v1(find_services(paths))
    if v1_roots:
        raise UsageError(f"{display_path(v1_roots[0] / CONFIG_NAME)} is a service of the "
                         "original Pligos, which has no namespaces or releases per context",
                         hint="convert it first: pligos migrate "
                         f"{display_path(v1_roots[0])}")
    services = sorted(load_services(roots), key=lambda s: (s.name, str(s.root)))
    top = _git_root(services) if git else None
    targets: list[Target] = []
    warnings: list[str] = []
    seen: dict[str, Target] = {}
    shared: dict[str, set[str]] = {}  # context -> its shared dependencies
    for svc in services:
        inline: list[str] = []
        for ctx in svc.contexts:
            resolved = resolve_context(svc, ctx.name)
            t = _target(svc, resolved, top)
            shared.setdefault(ctx.name, set()).update(
                use.name for use in resolved.friends
                if use.name in svc.friends and svc.friends[use.name].type == DEPENDENCY)
            if t.name in seen:
                other = seen[t.name]
                raise UsageError(f"{other.file} (context {other.context}) and {t.file} "
                                 f"(context {t.context}) would both be deployed as {t.name}",
                                 hint="give the services different names")
            seen[t.name] = t
            targets.append(t)
            if resolved.delivery.mode == INLINE and secret_uses(svc, ctx.name):
                inline.append(ctx.name)
        if inline:
            warnings.append(
                f"{svc.file}: context{'s' if len(inline) > 1 else ''} {', '.join(inline)} "
                "deliver secret data inline, which a GitOps engine's clone does not hold "
                "(secrets/ is git-ignored): their charts fail to render there unless the "
                "engine reads the secret store itself; choose delivery external-secrets or "
                "existing (docs/friends-and-secrets.md)")
    using = sorted(c for c, names in shared.items() if names)
    if using:
        names = sorted(set().union(*(shared[c] for c in using)))
        warnings.append(
            f"context{'s' if len(using) > 1 else ''} {', '.join(using)} use shared "
            f"dependencies ({', '.join(names)}), which these objects do not deploy: give the "
            f"chart `pligos generate` writes to charts/<context>/{UMBRELLA} its own "
            "Application or HelmRelease (docs/deploy.md)")
    return targets, warnings, top


def _target(svc: Service, resolved: ResolvedContext, top: Path | None) -> Target:
    def rel(path: Path) -> str:
        return Path(os.path.relpath(path.resolve(), top)).as_posix() if top else ""

    context = resolved.name
    return Target(svc.name, context, svc.file, object_name(f"{svc.name}-{context}"),
                  release_name(svc, resolved), namespace_of(resolved),
                  resolved.cluster or "", rel(svc.root), rel(chart_dest(svc, context, None)),
                  svc.chart_version)


def object_name(wanted: str) -> str:
    """`wanted` as an object name: a DNS label of at most 63 characters, a longer one cut
    and ended with a hash of the whole."""
    name = re.sub(r"[^a-z0-9-]+", "-", wanted.lower()).strip("-") or "pligos"
    if len(name) <= NAME_MAX:
        return name
    digest = hashlib.sha256(wanted.encode()).hexdigest()[:10]
    return f"{name[:NAME_MAX - 11].rstrip('-')}-{digest}"


def _git_root(services: list[Service]) -> Path:
    """The one git work tree holding every service."""
    roots: dict[Path, Service] = {}
    for svc in services:
        here = svc.root.resolve()
        top = next((p for p in (here, *here.parents) if (p / ".git").exists()), None)
        if top is None:
            raise UsageError(f"{display_path(svc.root)} is not in a git repository, and the "
                             "objects name paths in one",
                             hint="run it on a clone of the repository GitOps reads (or use "
                             "the OCI registry: --oci oci://HOST/PATH)")
        roots.setdefault(top, svc)
    if len(roots) > 1:
        (a, sa), (b, sb) = list(roots.items())[:2]
        raise UsageError(f"{display_path(sa.root)} and {display_path(sb.root)} are in two git "
                         f"repositories ({display_path(a)}, {display_path(b)})",
                         hint="run it once per repository")
    return next(iter(roots))


def _chart_warnings(targets: list[Target], top: Path) -> list[str]:
    """Charts the repository does not hold: not generated, or ignored by git; likewise the
    helpers' library each chart links to (`charts.library`), and the link."""
    missing = [t for t in targets if not (top / t.chart_path / "Chart.yaml").is_file()]
    out = [f"{t.chart_path} is not generated: run `pligos generate` and commit it"
           for t in missing]
    present = [t.chart_path for t in targets if t not in missing]
    libraries = sorted({(PurePosixPath(c).parent.parent / LIBRARY_FOLDER).as_posix()
                        for c in present})
    out += [f"{lib}, the helpers' library the charts beside it link to, is not generated: run "
            "`pligos generate` and commit it" for lib in libraries
            if not (top / lib / "Chart.yaml").is_file()]
    present += libraries + [f"{c}/{LINK}" for c in present if (top / c / LINK).is_symlink()]
    try:
        ignored = subprocess.run(["git", "-C", str(top), "check-ignore", "--stdin"],
                                 input="\n".join(present), capture_output=True, text=True,
                                 timeout=60, check=False).stdout.splitlines()
    except (OSError, subprocess.TimeoutExpired):
        ignored = []
    out += [f"{path} is ignored by git, so the repository will not hold it: remove it from "
            ".gitignore and commit it" for path in ignored]
    return out


# --------------------------------------------------------------------------- Argo CD

@dataclass(frozen=True)
class ArgoOptions:
    source: str = GIT
    repo: str = ""
    revision: str = "HEAD"
    oci: str = ""
    project: str = "default"
    namespace: str = ARGOCD_NAMESPACE
    name: str = ""  # of the ApplicationSet
    applicationset: bool = False
    auto_sync: bool = False


def argocd(paths: list[Path], options: ArgoOptions) -> GitOps:
    """One Application per service × context, or one ApplicationSet yielding them all."""
    o = options
    if o.source not in ARGOCD_SOURCES:
        raise UsageError(f"unknown source {o.source!r}", hint="git, oci or plugin")
    _check_names(o.namespace, ARGOCD_NAMESPACE, revision=o.revision, project=o.project)
    _check_source(o.source == OCI, o.repo, o.oci, "--source oci")
    targets, warnings, top = collect(paths, git=o.source != OCI)
    if o.source == GIT and top is not None:
        warnings += _chart_warnings(targets, top)
    g = GitOps("argocd", targets, warnings=warnings)
    if o.applicationset:
        g.objects = [_application_set(targets, o, _tree_name(o.name, paths))]
    else:
        g.objects = [_application(t, o) for t in targets]
    return g


def _sync_policy(o: ArgoOptions) -> dict[str, Any]:
    policy: dict[str, Any] = {}
    if o.auto_sync:
        policy["automated"] = {"prune": True, "selfHeal": True}
    policy["syncOptions"] = ["CreateNamespace=true"]
    return policy


def _argo_source(o: ArgoOptions, v: dict[str, str]) -> dict[str, Any]:
    """An Application's source, from the values of one target (or their template forms)."""
    if o.source == OCI:
        return {"repoURL": v["chart"], "targetRevision": v["version"], "path": ".",
                "helm": {"releaseName": v["release"]}}
    if o.source == PLUGIN:
        return {"repoURL": o.repo, "targetRevision": o.revision, "path": v["path"],
                "plugin": {"name": PLUGIN_NAME,
                           "env": [{"name": CONTEXT_ENV, "value": v["context"]}]}}
    return {"repoURL": o.repo, "targetRevision": o.revision, "path": v["path"],
            "helm": {"releaseName": v["release"]}}


def _values(t: Target, o: ArgoOptions) -> dict[str, str]:
    """What differs between the Applications of a tree, for one target."""
    url = "://" in t.cluster
    v = {"name": t.name, "service": t.service, "context": t.context, "release": t.release,
         "namespace": t.namespace, "server": t.cluster if url else "" if t.cluster else IN_CLUSTER,
         "cluster": "" if url else t.cluster}
    if o.source == OCI:
        v |= {"chart": f"{o.oci}/{t.context}/{t.service}", "version": t.chart_version}
    else:
        v["path"] = (t.service_path if o.source == PLUGIN else t.chart_path) or "."
    return v


def _destination(v: dict[str, str]) -> dict[str, str]:
    where = {"server": v["server"]} if v["server"] else {"name": v["cluster"]}
    return where | {"namespace": v["namespace"]}


def _application(t: Target, o: ArgoOptions) -> dict[str, Any]:
    v = _values(t, o)
    return {"apiVersion": ARGO_API, "kind": "Application",
            "metadata": {"name": t.name, "namespace": o.namespace,
                         "labels": {SERVICE_LABEL: t.service, CONTEXT_LABEL: t.context}},
            "spec": {"project": o.project, "source": _argo_source(o, v),
                     "destination": _destination(v), "syncPolicy": _sync_policy(o)}}


def _application_set(targets: list[Target], o: ArgoOptions, name: str) -> dict[str, Any]:
    elements = [_values(t, o) for t in targets]
    keys = elements[0].keys()
    field_of = {k: "{{." + k + "}}" for k in keys}
    spec: dict[str, Any] = {"goTemplate": True, "goTemplateOptions": ["missingkey=error"],
                            "generators": [{"list": {"elements": elements}}]}
    destination: dict[str, str] = {"namespace": field_of["namespace"]}
    servers = {bool(e["server"]) for e in elements}
    if servers == {True}:
        destination = {"server": field_of["server"]} | destination
    elif servers == {False}:
        destination = {"name": field_of["cluster"]} | destination
    spec["template"] = {
        "metadata": {"name": field_of["name"],
                     "labels": {SERVICE_LABEL: field_of["service"],
                                CONTEXT_LABEL: field_of["context"]}},
        "spec": {"project": o.project, "source": _argo_source(o, field_of),
                 "destination": destination, "syncPolicy": _sync_policy(o)}}
    if len(servers) > 1:  # some by URL, some by name: chosen per element
        spec["templatePatch"] = ("spec:\n  destination:\n"
                                 "  {{- if .server }}\n    server: '{{ .server }}'\n"
                                 "  {{- else }}\n    name: '{{ .cluster }}'\n  {{- end }}\n")
    return {"apiVersion": ARGO_API, "kind": "ApplicationSet",
            "metadata": {"name": name, "namespace": o.namespace}, "spec": spec}


# --------------------------------------------------------------------------- Flux

@dataclass(frozen=True)
class FluxOptions:
    repo: str = ""
    branch: str = "main"
    oci: str = ""
    namespace: str = FLUX_NAMESPACE
    name: str = ""  # of the GitRepository
    insecure: bool = False  # the registry speaks plain HTTP (pligos push --plain-http)


def flux(paths: list[Path], options: FluxOptions) -> GitOps:
    """A HelmRelease per service × context, with its source: one GitRepository for the tree,
    or one OCIRepository per chart."""
    o = options
    _check_names(o.namespace, FLUX_NAMESPACE, branch=o.branch)
    if o.oci and o.branch != FluxOptions.branch:
        raise UsageError("--branch names a git branch, which OCI charts do not use",
                         hint="leave out --branch, or --repo to deploy from git")
    if o.insecure and not o.oci:
        raise UsageError("--insecure is for the plain-HTTP registry of --oci; a git "
                         "repository does not use it", hint="leave out --insecure")
    _check_source(bool(o.oci), o.repo, o.oci, "--oci")
    targets, warnings, top = collect(paths, git=not o.oci)
    g = GitOps("flux", targets, warnings=warnings)
    if top is None:
        for t in targets:
            g.objects += [_oci_repository(t, o), _helm_release(t, o, None)]
        return g
    g.warnings += _chart_warnings(targets, top)
    repo_name = _tree_name(o.name, paths)
    g.objects.append({"apiVersion": SOURCE_API, "kind": "GitRepository",
                      "metadata": {"name": repo_name, "namespace": o.namespace},
                      "spec": {"interval": SOURCE_INTERVAL, "url": o.repo,
                               "ref": {"branch": o.branch}}})
    g.objects += [_helm_release(t, o, repo_name) for t in targets]
    return g


def _oci_repository(t: Target, o: FluxOptions) -> dict[str, Any]:
    return {"apiVersion": SOURCE_API, "kind": "OCIRepository",
            "metadata": {"name": t.name, "namespace": o.namespace, "labels": _labels(t)},
            "spec": {"interval": SOURCE_INTERVAL, "url": f"{o.oci}/{t.context}/{t.service}",
                     "ref": {"tag": t.chart_version},
                     "layerSelector": {"mediaType": HELM_CHART_LAYER, "operation": "copy"},
                     **({"insecure": True} if o.insecure else {})}}


def _helm_release(t: Target, o: FluxOptions, git_repo: str | None) -> dict[str, Any]:
    spec: dict[str, Any] = {"interval": RELEASE_INTERVAL, "releaseName": t.release,
                            "targetNamespace": t.namespace, "storageNamespace": t.namespace,
                            "install": {"createNamespace": True}}
    if git_repo is None:
        spec["chartRef"] = {"kind": "OCIRepository", "name": t.name}
    else:  # Revision: a chart changed without a new chartVersion is released too
        spec["chart"] = {"spec": {"chart": f"./{t.chart_path}", "reconcileStrategy": "Revision",
                                  "sourceRef": {"kind": "GitRepository", "name": git_repo}}}
    if t.cluster:
        spec["kubeConfig"] = {"secretRef": {"name": object_name(
            re.sub(r"^[a-z]+://", "", t.cluster) + "-kubeconfig")}}
    return {"apiVersion": HELM_API, "kind": "HelmRelease",
            "metadata": {"name": t.name, "namespace": o.namespace, "labels": _labels(t)},
            "spec": spec}


def _labels(t: Target) -> dict[str, str]:
    return {SERVICE_LABEL: t.service, CONTEXT_LABEL: t.context}


# --------------------------------------------------------------------------- options, output

_REPO = re.compile(r"(https?|ssh|git)://\S+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:\S+")


def _check_names(namespace: str, default: str, **names: str) -> None:
    """The flags that become names or fields of the objects, each what it must be."""
    problem = dns_label(namespace)
    if problem:
        raise UsageError(f"--namespace {problem}", hint=f"e.g. --namespace {default}")
    for flag, value in names.items():
        if not value or any(c.isspace() or not c.isprintable() for c in value):
            raise UsageError(f"--{flag} {value!r} must be a non-empty word without spaces",
                             hint=f"e.g. --{flag} main" if flag in ("revision", "branch")
                             else f"e.g. --{flag} default")


def _check_source(oci_mode: bool, repo: str, oci: str, flag: str) -> None:
    if repo and not _REPO.fullmatch(repo):
        raise UsageError(f"--repo {repo!r} is not a git repository URL",
                         hint="e.g. --repo https://git.example.com/platform/services.git or "
                         "git@git.example.com:platform/services.git")
    if oci_mode:
        if not helm.is_oci_repository(oci):
            raise UsageError(f"{flag} needs the registry pligos push wrote to, as --oci "
                             "oci://HOST/PATH", hint="e.g. --oci oci://registry.example.com/"
                             "charts (the --to of pligos push)")
        if repo:
            raise UsageError("--repo names a git repository, which OCI charts do not use",
                             hint="leave out --repo, or --oci to use the git repository")
    elif not repo:
        raise UsageError("--repo URL is needed: the git repository the engine reads",
                         hint="e.g. --repo https://git.example.com/platform/services.git "
                         "(or --oci oci://HOST/PATH for the charts pligos push wrote)")


def _tree_name(given: str, paths: list[Path]) -> str:
    """The name of the one object standing for the whole tree: `given`, else the name of the
    (first) folder given."""
    return object_name(given or Path(paths[0]).resolve().name)


@dataclass
class Written:
    files: list[Path]
    objects: int


def write_output(g: GitOps, out: str) -> Written:
    """The objects into `out`: one file per object when it is a folder (it exists as one, or
    ends with '/'), else the whole stream in that file. Each file is replaced atomically."""
    dest = Path(out)
    if out.endswith(("/", os.sep)) or dest.is_dir():
        if dest.exists() and not dest.is_dir():
            raise UsageError(f"--out {out}: {display_path(dest)} is a file, not a folder")
        written = []
        try:
            dest.mkdir(parents=True, exist_ok=True)
            for name, text in g.files().items():
                atomic_write(dest / name, text.encode())
                written.append(dest / name)
        except OSError as exc:
            raise PligosError(f"cannot write into {display_path(dest)}: {exc.strerror}",
                              hint="--out must be a folder you can write (or a new one)") \
                from None
        return Written(written, len(g.objects))
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(dest, g.text().encode())
    except OSError as exc:
        raise PligosError(f"cannot write {display_path(dest)}: {exc.strerror}") from None
    return Written([dest], len(g.objects))
