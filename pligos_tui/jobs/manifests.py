"""`pligos render`: the manifest stream of one context, as `helm install` would apply it.

This is what a GitOps engine applies (the Argo CD plugin in deploy/argocd/ runs it), so it is
all or nothing: the chart is planned in memory, written to a temporary folder with its
requirement subcharts (file:// ones packaged from their folders, resolved as from where the
chart is generated; others fetched by `helm dependency build`), and rendered by helm with the
context's release name in the namespace asked for. Any failure is an error and no text at all;
a chart that renders no object is an error too, as an empty stream would make a GitOps engine
prune everything it deployed before.

Inline secret data is real here (it is what gets applied) unless `redact` is asked, which the
command line does when stdout is a terminal.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pligos_tui import helm
from pligos_tui.charts.library import fetched_dependencies
from pligos_tui.charts.packaging import absolute_repositories, local_repository
from pligos_tui.charts.plan import ChartPlan, plan_chart
from pligos_tui.errors import HelmError, PligosError, display_path
from pligos_tui.io.yamlwrite import dump_yaml
from pligos_tui.jobs.render import redact_secrets
from pligos_tui.spec.model import Service
from pligos_tui.spec.resolve import namespace_of, release_name, require_context, resolve_context
from pligos_tui.spec.vocabulary import SECRET_VALUES_FILE


@dataclass
class Rendered:
    """The manifests of one context and where they go."""

    service: str
    context: str
    release: str
    namespace: str
    text: str  # the YAML stream, as helm printed it (Secrets redacted if asked)
    objects: int  # the Kubernetes objects in it
    redacted: bool


def render_context(svc: Service, context: str, *, namespace: str | None = None,
                   redact: bool = False) -> Rendered:
    """The manifests of `context` rendered by helm, with its subcharts; raises on any failure,
    and when nothing renders."""
    require_context(svc, context)
    resolved = resolve_context(svc, context)
    release = release_name(svc, resolved)
    ns = namespace or namespace_of(resolved)
    planned = plan_chart(svc, context, redact=redact)
    with tempfile.TemporaryDirectory(prefix="pligos-render-") as tmp:
        chart = Path(tmp) / svc.name
        files = planned.chart_files()
        for rel, data in files.items():
            path = chart / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        _build_subcharts(planned, chart)
        values = (chart / SECRET_VALUES_FILE,) if SECRET_VALUES_FILE in files else ()
        try:
            text = helm.template_release(chart, release, namespace=ns, values=values)
        except HelmError as exc:
            raise HelmError(f"rendering context {context!r} of {svc.file} failed: "
                            + exc.message.split(": ", 1)[-1], hint=exc.hint) from None
    if redact:
        text = redact_secrets(text)
    objects = _count_objects(text, svc, context)
    if objects == 0:
        raise PligosError(f"context {context!r} of {svc.file} renders no Kubernetes object",
                          hint="an empty render would make a GitOps engine delete everything "
                          "it deployed before; check the context's flavor and values")
    return Rendered(svc.name, context, release, ns, text, objects, redact)


def _build_subcharts(planned: ChartPlan, chart: Path) -> None:
    """The requirement subcharts of the chart written at `chart`, in its charts/ folder.

    A file:// repository in Chart.yaml is relative to where the chart is generated
    (`planned.dest`); in the copy it is made absolute, so that helm finds it from anywhere.
    The helpers' library is in the copy already (`library.linked_files`): it is left out of
    the build, which would need the generated library folder and pack a second copy."""
    meta: Any = yaml.safe_load((chart / "Chart.yaml").read_bytes())
    deps = fetched_dependencies(meta.get("dependencies") or []) if isinstance(meta, dict) \
        else None
    if not deps:
        return
    remote: list[str] = []
    for dep in deps:
        repo = str(dep.get("repository") or "")
        target = local_repository(repo, planned.dest)
        if target is None:
            remote.append(f"{dep.get('name')} {dep.get('version')} from {repo}")
            continue
        if not (target / "Chart.yaml").is_file():
            raise PligosError(
                f"the subchart {dep.get('name')!r} of context {planned.context!r} of "
                f"{planned.origin.file} is not at {display_path(target)} ({repo} from "
                f"{display_path(planned.dest)})",
                hint="the friend's chart.repository is relative to the friend's file; check "
                "that the folder is there (and committed, for a GitOps engine)")
    chart_yaml = (chart / "Chart.yaml").read_bytes()
    built = absolute_repositories({**meta, "dependencies": deps}, planned.dest)
    (chart / "Chart.yaml").write_text(dump_yaml(built))
    try:
        helm.dependency_build(chart, f"context {planned.context!r} of {planned.origin.file}")
    except HelmError as exc:
        if not remote:
            raise
        raise HelmError(
            f"the subchart{'s' if len(remote) > 1 else ''} {'; '.join(remote)} of context "
            f"{planned.context!r} of {planned.origin.file} could not be fetched: "
            + exc.message.split(": ", 1)[-1],
            hint="rendering needs each requirement's chart repository reachable from this "
            "machine (for Argo CD: from the repo-server's pligos sidecar); for a private one "
            "log in first (helm registry login HOST, or helm repo add NAME URL with its "
            "credentials)") from None
    finally:
        (chart / "Chart.yaml").write_bytes(chart_yaml)  # (the library declared again)


def _count_objects(text: str, svc: Service, context: str) -> int:
    """The Kubernetes objects in a rendered stream; a stream that is not YAML is an error."""
    try:
        docs = list(yaml.load_all(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    except yaml.YAMLError as exc:
        raise PligosError(f"context {context!r} of {svc.file} renders text that is not YAML: "
                          f"{exc}".splitlines()[0],
                          hint="check the flavor's templates (helm template shows the text)"
                          ) from None
    return sum(1 for d in docs if isinstance(d, dict) and d.get("kind"))
