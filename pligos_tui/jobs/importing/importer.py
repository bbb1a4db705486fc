"""The import job: drafts, validation, renders, parity and the files written.

Every source is read into the Kubernetes objects of each context (`original`); `kube` drafts
one service per workload, `emit` writes its pligos.yaml, and `parity` compares the charts
Pligos generates from it with the original's objects. Nothing is written until every service
is drafted, validated by Pligos' own loader and rendered; then the files land atomically.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pligos_tui.charts.changes import parse_objects
from pligos_tui.errors import ConfigError, PligosError, UsageError, display_path
from pligos_tui.io.files import atomic_write
from pligos_tui.io.yamlwrite import dump_for_people
from pligos_tui.jobs.importing.draft import ContextDraft, Drafted, ServiceDraft
from pligos_tui.jobs.importing.emit import pligos_yaml
from pligos_tui.jobs.importing.kube import draft_context
from pligos_tui.jobs.importing.original import (
    HELM,
    LEFTOVERS_FILE,
    Context,
    Leftover,
    Original,
)
from pligos_tui.jobs.importing.parity import ContextParity, compare
from pligos_tui.jobs.manifests import render_context
from pligos_tui.secrets.scan import REDACTED, redacted
from pligos_tui.spec.fields import dns_label, semver, suggest_label
from pligos_tui.spec.load import load_service
from pligos_tui.spec.vocabulary import CONFIG_NAME, SERVICE_NAME_MAX

LEFTOVERS_HEAD = ("# What pligos import could not express in pligos.yaml, with where it came "
                  "from.\n# Secret data is never copied here.\n")
REPORT_FORMAT = "pligos.import/1"


@dataclass
class ImportedService:
    """One service an import wrote: where, and how each context compares with the original."""

    name: str
    workload: str  # "Deployment web"
    folder: Path
    contexts: list[str]
    parity: dict[str, ContextParity] = field(default_factory=dict)  # context -> its parity
    leftovers: list[Leftover] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # defaults turned off to match the original
    dropped: list[str] = field(default_factory=list)  # left out on purpose, and why
    turned_off: list[str] = field(default_factory=list)  # the settings of `notes`
    # what Pligos' own rules find in the pligos.yaml written (then nothing was compared)
    problems: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    kind: str
    source: str
    out: Path
    services: list[ImportedService]
    leftovers: list[Leftover]  # objects of the original that belong to no service
    written: list[Path]

    @property
    def material(self) -> bool:
        """Whether anything the original says is not said the same way by the import."""
        return any(x.material for x in self.leftovers) or any(
            x.material for s in self.services for x in s.leftovers) or any(
            s.problems for s in self.services) or any(
            p.material for s in self.services for p in s.parity.values())


def import_original(original: Original, out: Path, *, force: bool = False,
                    name: str = "", chart_name: str = "", chart: dict[str, Any] | None = None,
                    friends_library: list[Path] | None = None) -> ImportResult:
    """Turn `original` into pligos.yaml files under `out`, render them and compare.

    `chart` is the original's Chart.yaml (its description and versions carry over);
    `friends_library` the folders friends were matched against."""
    if not original.contexts:
        raise UsageError("nothing to import: no context was read")
    if name and (problem := dns_label(name, max_len=SERVICE_NAME_MAX)):
        raise UsageError(f"--name: the service's name {problem}",
                         hint="a service's name is a DNS label of at most 53 characters")
    _check_out(out, original)
    per_context: list[tuple[Context, list[Drafted]]] = []
    loose: list[Leftover] = list(original.leftovers)
    rest: list[Leftover] = []
    for ctx in original.contexts:
        drafted, unused = draft_context(ctx)
        per_context.append((ctx, drafted))
        rest.extend(unused)
    loose.extend(_merge_leftovers(rest, len(original.contexts)))
    services = _services(original, per_context, name=name, chart_name=chart_name)
    by_workload = {svc.workload.split(" ", 1)[1]: svc for svc, _ in services}
    for item in list(loose):
        if item.workload in by_workload:
            by_workload[item.workload].leftovers.append(item)
            loose.remove(item)
    if not services:
        kinds = sorted({str(o.get("kind")) for c in original.contexts for o in c.objects})
        raise PligosError(
            f"{original.source} holds no workload to import (it renders "
            f"{', '.join(kinds) or 'no object'})",
            hint="pligos import reads Deployments, StatefulSets, DaemonSets, CronJobs and Jobs")
    single = len(services) == 1
    for svc, _ in services:
        _describe(svc, chart or {})
        folder = out if single else out / svc.name
        svc.friends_library = [os.path.relpath(p.resolve(), folder.resolve())
                               for p in friends_library or [] if any(
                                   c.friends for c in svc.contexts)]
    staged: dict[Path, bytes] = {}
    stale: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="pligos-import-") as tmp:
        results = []
        for svc, by_context in services:
            folder = out if single else out / svc.name
            text = pligos_yaml(svc, _header(original, svc))
            stage = Path(tmp) / svc.name
            for rel, data in {CONFIG_NAME: text.encode(), **svc.files}.items():
                staged[folder / rel] = data
                (stage / rel).parent.mkdir(parents=True, exist_ok=True)
                (stage / rel).write_bytes(data)
            if svc.friends_library:  # the staged copy reads the library where it is
                libraries = svc.friends_library
                svc.friends_library = [str((folder / p).resolve()) for p in libraries]
                (stage / CONFIG_NAME).write_text(pligos_yaml(svc, []))
                svc.friends_library = libraries
            imported = ImportedService(svc.name, svc.workload, folder,
                                       [c.name for c in svc.contexts],
                                       leftovers=svc.leftovers, notes=_notes(svc),
                                       dropped=_notes(svc, dropped=True),
                                       turned_off=list(dict.fromkeys(
                                           n.setting for c in svc.contexts for n in c.notes)))
            _parity(stage, imported, by_context, original)
            results.append(imported)
        kept = [x for x in [*loose, *(x for s in results for x in s.leftovers)]
                if x.material or x.fragment is not None]
        if kept:
            staged[out / LEFTOVERS_FILE] = _leftovers_text(kept)
        elif force and _ours(out / LEFTOVERS_FILE):  # an earlier import's, now untrue
            stale.append(out / LEFTOVERS_FILE)
        written = _write(staged, force)
        for path in stale:
            path.unlink()
    return ImportResult(original.kind, original.source, out, results, loose, written)


# ----- services from the drafts of every context

def _services(original: Original, per_context: list[tuple[Context, list[Drafted]]], *,
              name: str, chart_name: str) -> list[tuple[ServiceDraft, dict[str, Drafted]]]:
    keys: list[tuple[str, str]] = []
    for _, drafted in per_context:
        for d in drafted:
            if (d.kind, d.name) not in keys:
                keys.append((d.kind, d.name))
    out: list[tuple[ServiceDraft, dict[str, Drafted]]] = []
    for kind, workload in keys:
        drafts = {ctx.name: d for ctx, ds in per_context for d in ds
                  if (d.kind, d.name) == (kind, workload)}
        missing = [ctx.name for ctx, _ in per_context if ctx.name not in drafts]
        svc_name, release = _naming(workload, name if len(keys) == 1 else "", chart_name,
                                    [ctx.release for ctx, _ in per_context])
        contexts: list[ContextDraft] = []
        files: dict[str, bytes] = {}
        leftovers: list[Leftover] = []
        for ctx, _ in per_context:
            if ctx.name not in drafts:
                continue
            d = drafts[ctx.name]
            d.context.release = release
            contexts.append(d.context)
            _take_files(d, files, ctx.name)
            leftovers.extend(d.leftovers)
            d.context.friends = list(original.friends.get(workload, []))
        taken = {s.name for s, _ in out}
        if svc_name in taken:  # a CronJob named like a Deployment: each its own folder
            svc_name = suggest_label(f"{svc_name}-{kind.lower()}", SERVICE_NAME_MAX)
            n = 2
            while svc_name in taken:
                svc_name, n = f"{svc_name[:50]}-{n}", n + 1
        svc = ServiceDraft(svc_name, f"{kind} {workload}", contexts, files,
                           _merge_leftovers(leftovers, len(contexts)))
        mains = {d.main for d in drafts.values()} - {svc_name}
        if mains:
            svc.leftovers.append(Leftover(
                f"the container {', '.join(sorted(mains))} of {kind} {workload}",
                original.source, f"Pligos names the service's own container {svc_name}",
                "`kubectl logs -c`, alerts and dashboards that name the container follow the "
                "new name", material=False, workload=workload))
        if missing:
            svc.leftovers.append(Leftover(
                f"{kind} {workload} in {', '.join(missing)}", original.source,
                "the workload is not rendered in every context", "the service has only the "
                "contexts that render it"))
        out.append((svc, drafts))
    return out


def _describe(svc: ServiceDraft, chart: dict[str, Any]) -> None:
    svc.description = str(chart.get("description") or "")
    if chart.get("appVersion") is not None:
        svc.app_version = str(chart["appVersion"])
    version = str(chart.get("version") or "")
    if version and semver(version) is None:
        svc.chart_version = version


def _naming(workload: str, name: str, chart: str, releases: list[str]) -> tuple[str, str]:
    """The service's name and its release, such that Pligos names its objects as the
    original named the workload (`<release>-<name>`, or the release when it holds the name):
    the name asked for, else the chart's, with a release the original rendered as; failing
    that the workload's own name, as name and release."""
    if name:
        return name, _release_for(workload, name, releases) or ""
    if chart:
        release = _release_for(workload, chart, releases)
        if release is not None:
            return chart, release
    return suggest_label(workload, SERVICE_NAME_MAX), ""


def _release_for(workload: str, name: str, releases: list[str]) -> str | None:
    """The release among `releases` under which a service `name` names its objects
    `workload` ("" when that is the service's own name), or None."""
    for release in dict.fromkeys(r for r in releases if r):
        full = release if name in release else f"{release}-{name}"
        if full[:63].rstrip("-") == workload:
            return release
    return "" if name == workload else None


def _take_files(d: Drafted, files: dict[str, bytes], context: str) -> None:
    """The files a context's mounts ship; a folder another context holds otherwise (a file
    changed, added or gone) is the context's own, `config/<context>/<folder>`, and so is
    its mount's."""
    def folder_of(rel: str) -> str:
        return "/".join(rel.split("/", 2)[:2])

    mine: dict[str, dict[str, bytes]] = {}
    for rel, data in d.files.items():
        mine.setdefault(folder_of(rel), {})[rel] = data
    moved: dict[str, str] = {}
    for folder, held in mine.items():
        there = {rel: data for rel, data in files.items() if folder_of(rel) == folder}
        if there and there != held:
            top, name = folder.split("/", 1)
            moved[folder] = f"{top}/{context}/{name}"
            held = {f"{moved[folder]}/{rel.split('/', 2)[2]}": data for rel, data in held.items()}
        files.update(held)
    for mount in d.context.mounts:
        if "files" in mount:
            mount["files"] = [moved.get(f, f) for f in mount["files"]]


def _merge_leftovers(items: list[Leftover], contexts: int) -> list[Leftover]:
    """One leftover for what every context leaves over alike (the same fragment)."""
    seen: dict[tuple[str, str], list[Leftover]] = {}
    for item in items:
        seen.setdefault((item.what, item.why), []).append(item)
    out = []
    for group in seen.values():
        if len(group) == contexts > 1 and all(g.fragment == group[0].fragment for g in group):
            first = group[0]
            out.append(Leftover(first.what, first.where, first.why, first.kept, "",
                                first.fragment, first.material))
        else:
            out.extend(group)
    return out


def _notes(svc: ServiceDraft, *, dropped: bool = False) -> list[str]:
    """The notes of the service's contexts, each once with the contexts it is true of."""
    notes: dict[str, list[str]] = {}
    for ctx in svc.contexts:
        for note in ctx.dropped if dropped else ctx.notes:
            notes.setdefault(str(note), []).append(ctx.name)
    return [f"{', '.join(names)}: {note}" for note, names in notes.items()]


def _header(original: Original, svc: ServiceDraft) -> list[str]:
    lines = [f"{svc.name}: imported from {original.source} ({original.kind}, {svc.workload}) "
             "with `pligos import`.", "Reference: docs/pligos-yaml.md; the import: "
             "docs/import.md"]
    notes = _notes(svc)
    if notes:
        lines += ["", "To match the original, these contexts turn off what the flavor would "
                  "add (delete the", "setting to take the flavor's default):"]
        lines += [f"  {n}" for n in notes]
    return lines


# ----- parity

def _parity(stage: Path, imported: ImportedService, drafted: dict[str, Drafted],
            original: Original) -> None:
    try:
        svc = load_service(stage)
    except ConfigError as exc:
        # written all the same, for a person to finish: the lines to look at are named
        shown = display_path(imported.folder / CONFIG_NAME)
        imported.problems = [replace(p, file=shown).format() for p in exc.problems]
        return
    by_name = {c.name: c for c in original.contexts}
    for context in imported.contexts:
        rendered = render_context(svc, context, redact=True)
        new = list(parse_objects(rendered.text, label=f"context {context}").values())
        ctx = by_name[context]
        used = drafted[context].used
        objects = [o for o in ctx.objects if id(o) in used]
        imported.parity[context] = compare(objects, new, where=ctx.where)


# ----- writing

def _check_out(out: Path, original: Original) -> None:
    """The import must not land inside the chart it reads (helm would package it)."""
    source = Path(original.source)
    if original.kind == HELM and source.is_dir():
        inside = out.resolve() == source.resolve() or source.resolve() in out.resolve().parents
        if inside:
            raise UsageError(f"--out {display_path(out)} is inside the chart {original.source}",
                             hint="import into a folder of its own, e.g. --out services/"
                             f"{source.resolve().name}")


def _ours(path: Path) -> bool:
    try:
        return path.read_text(encoding="utf-8").startswith(LEFTOVERS_HEAD)
    except (OSError, UnicodeDecodeError):
        return False


def _leftovers_text(kept: list[Leftover]) -> bytes:
    items: list[dict[str, Any]] = []
    for item in kept:
        entry = item.to_json()
        if item.fragment is not None:
            entry["original"] = _without_secret_data(item.fragment)
        items.append(entry)
    return (LEFTOVERS_HEAD + dump_for_people({"leftovers": items})).encode()


def _without_secret_data(fragment: Any) -> Any:
    """A fragment with no secret in it: a Secret's data by key only, and every value that
    looks like a secret (by its name or its content) taken out."""
    if isinstance(fragment, dict) and fragment.get("kind") == "Secret":
        fragment = {**fragment, **{k: {key: REDACTED for key in fragment[k]}
                                   for k in ("data", "stringData")
                                   if isinstance(fragment.get(k), dict)}}
    return redacted(fragment)


def _write(staged: dict[Path, bytes], force: bool) -> list[Path]:
    if not force:
        clash = [p for p, data in staged.items()
                 if p.name in (CONFIG_NAME, LEFTOVERS_FILE) and p.exists()
                 or p.exists() and p.read_bytes() != data]
        if clash:
            raise UsageError(
                f"{display_path(clash[0])} exists already"
                + (f" (and {len(clash) - 1} more)" if len(clash) > 1 else ""),
                hint="import into another folder (--out DIR), or give --force to overwrite")
    for path in staged:
        for parent in path.parents:
            if parent.exists() and not parent.is_dir():
                raise UsageError(f"{display_path(parent)} is a file, not a folder",
                                 hint="import into another folder (--out DIR)")
    for path, data in staged.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, data)
    return list(staged)
