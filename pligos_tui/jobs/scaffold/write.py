"""Writing a new service: all or nothing.

cookiecutter renders the template into a hidden folder beside the destination, the result is
loaded and its charts generated there, and only then is it moved into place.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pligos_tui.charts.records import STATE
from pligos_tui.errors import AnswersError, UsageError, display_path
from pligos_tui.jobs.generate import generate
from pligos_tui.jobs.scaffold.answers import Answers, missing_required
from pligos_tui.jobs.scaffold.dest import nonempty, refuse_reason
from pligos_tui.jobs.scaffold.document import check_answers, pligos_yaml
from pligos_tui.jobs.scaffold.template import (
    Template,
    load_template,
    render_template,
    template_context,
)
from pligos_tui.spec.load import load_service
from pligos_tui.spec.model import Service


@dataclass
class WriteReport:
    dest: Path
    files: list[str]  # written, relative to dest (charts included)
    charts: list[str]  # chart folders, relative to dest


def stage(answers: Answers, template: Template, parent: Path, *, root: Path,
          text: str) -> Path:
    """Render the template for `answers`, with `text` as its pligos.yaml, into a new hidden
    folder in `parent`; `root` is where the service will live."""
    parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{root.name}.pligos-new-", dir=parent))
    (scratch / WORK_MARKER).touch()
    try:
        project = render_template(template, template_context(answers, text, template), scratch)
        (project / WORK_MARKER).touch()
        staged = Path(tempfile.mkdtemp(prefix=f".{root.name}.pligos-stage-", dir=parent))
        os.rmdir(staged)
        os.rename(project, staged)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return staged


def preview_service(answers: Answers, template: Template, root: Path, *,
                    text: str | None = None) -> tuple[Service, Path]:
    """The service the answers would give, rendered in a temporary folder (for a review).

    `text` is their pligos.yaml with absolute folders (`Check.checked_text`), when already
    built. Returns (loaded service, the temporary folder to remove when done)."""
    if text is None:
        text = pligos_yaml(answers, root, absolute=True)
    scratch = Path(tempfile.mkdtemp(prefix="pligos-new-preview-"))
    try:
        staged = stage(answers, template, scratch, root=root, text=text)
        return load_service(staged), scratch
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise


def _is_cwd(path: Path) -> bool:
    try:
        return os.path.samefile(path, os.getcwd())
    except OSError:
        return False


# the file that marks a folder as `pligos new`'s own work in progress (a leftover to remove
# when a run was stopped); taken out of the service just before it is moved into place
WORK_MARKER = ".pligos-new-in-progress"


def _clean_leftovers(dest: Path) -> None:
    """Remove the hidden folders an interrupted `pligos new` of `dest` left beside it (only
    those carrying its marker: a folder of the same name without it is someone else's)."""
    if not dest.parent.is_dir():
        return
    for prefix in (f".{dest.name}.pligos-new-", f".{dest.name}.pligos-stage-"):
        for path in dest.parent.glob(prefix + "*"):
            if path.is_dir() and not path.is_symlink() and (path / WORK_MARKER).is_file():
                shutil.rmtree(path, ignore_errors=True)


def write_service(answers: Answers, dest: Path, *, template: Template | None = None,
                  force: bool = False) -> WriteReport:
    """Write a new service into `dest` through the template: all or nothing.

    A non-empty `dest` is refused unless `force`; with `force` the scaffold's files are
    written into it one by one and nothing else in it is touched."""
    dest = Path(os.path.abspath(dest))
    reason = refuse_reason(dest, force)
    if reason:
        raise UsageError(reason, hint="choose a new folder, or add --force to add the "
                         "scaffold's files to it (files it does not write are kept)")
    missing = missing_required(answers)
    if missing:
        raise UsageError(f"missing required answers: {', '.join(missing)}",
                         hint="give them with --set KEY=VALUE or in --answers FILE")
    check = check_answers(answers, dest)
    if not check.ok:
        raise AnswersError(check.fields)
    own = template or load_template(None)
    staged: Path | None = None
    _clean_leftovers(dest)
    try:
        staged = stage(answers, own, dest.parent, root=dest, text=check.text)
        load_service(staged)  # what the template wrote, with the loader's rules
        report = generate([staged])
        (staged / "charts" / STATE).unlink(missing_ok=True)
        (staged / WORK_MARKER).unlink()
        files = sorted(p.relative_to(staged).as_posix() for p in staged.rglob("*")
                       if p.is_file() or p.is_symlink())
        charts = sorted(r.dest.relative_to(staged).as_posix() for r in report.written)
        if not nonempty(dest) and not _is_cwd(dest):
            # one step: the whole service appears at once (replacing an empty folder)
            os.rename(staged, dest)
            staged = None
        elif not nonempty(dest):  # the empty folder we stand in: keep it, fill it
            for child in sorted(staged.iterdir()):
                os.rename(child, dest / child.name)
        else:
            _merge(staged, dest, files)
            generate([dest])  # charts: the chart writer never replaces a folder it did not write
            (dest / "charts" / STATE).unlink(missing_ok=True)
    finally:
        if staged is not None:
            shutil.rmtree(staged, ignore_errors=True)
        if template is None:
            own.close()
    return WriteReport(dest, files, charts)


def _merge(staged: Path, dest: Path, files: list[str]) -> None:
    """--force: put each scaffold file (charts aside) in place, each by one rename."""
    for rel in files:
        if rel.startswith("charts/"):
            continue
        target = dest / rel
        if target.is_dir():
            raise UsageError(f"{display_path(target)} is a folder where the scaffold writes a "
                             "file; nothing more was written", hint="move it away and run again")
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged / rel, target)
