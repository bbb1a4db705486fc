"""The cookiecutter template a new service is rendered from: finding, reading, rendering it.

cookiecutter is imported where it is used, so that reading answers stays quick.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pligos_tui.errors import PligosError, UsageError, display_path
from pligos_tui.jobs.scaffold.answers import Answers

PACKAGE = Path(__file__).resolve().parents[2]  # pligos_tui/
PACKAGED_TEMPLATE = PACKAGE / "_cookiecutters" / "service"
CHECKOUT_TEMPLATE = PACKAGE.parent / "cookiecutters" / "service"
# keys the built-in template knows; any other key of a template's cookiecutter.json is its own
TEMPLATE_KEYS = ("name", "description", "flavor", "image", "container_port", "start", "config",
                 "config_path", "contexts")

Variables = dict[str, object]


def builtin_template() -> Path:
    """The service template shipped with Pligos (in the wheel, or in a source checkout)."""
    for path in (PACKAGED_TEMPLATE, CHECKOUT_TEMPLATE):
        if (path / "cookiecutter.json").is_file():
            return path
    raise PligosError("the built-in service template is missing from this installation",
                      hint="reinstall pligos-tui, or give one with --template DIR_OR_GIT")


@dataclass
class Template:
    """A cookiecutter template, read: its folder and the variables of its cookiecutter.json."""

    source: str
    path: Path
    variables: Variables
    cleanup: Path | None = None

    @property
    def own_prompts(self) -> Variables:
        """Variables the template asks that the answers model does not: shown as extra
        questions (a list is a choice, its first item the default)."""
        return {k: v for k, v in self.variables.items()
                if not k.startswith("_") and k not in TEMPLATE_KEYS}

    def close(self) -> None:
        if self.cleanup is not None:
            shutil.rmtree(self.cleanup, ignore_errors=True)
            self.cleanup = None


def load_template(source: str | None) -> Template:
    """The built-in template (source None), a local folder, or a git/zip template."""
    if not source:
        path = builtin_template()
        return Template("built-in", path, _read_variables(path))
    local = Path(source).expanduser()
    if local.is_dir():
        if not (local / "cookiecutter.json").is_file():
            raise UsageError(f"template {source} has no cookiecutter.json",
                             hint="give a cookiecutter template folder or git URL")
        return Template(source, local, _read_variables(local))
    from cookiecutter.config import BUILTIN_ABBREVIATIONS
    from cookiecutter.exceptions import CookiecutterException
    from cookiecutter.repository import determine_repo_dir

    clone_to = Path(tempfile.mkdtemp(prefix="pligos-template-"))
    log = logging.getLogger("cookiecutter")
    level = log.level
    log.setLevel(logging.CRITICAL)  # its failures are reported here, once
    try:
        repo, _ = determine_repo_dir(source, BUILTIN_ABBREVIATIONS, clone_to, None, True)
    except (CookiecutterException, OSError, ValueError, subprocess.CalledProcessError) as exc:
        shutil.rmtree(clone_to, ignore_errors=True)
        detail = str(exc)
        if isinstance(exc, subprocess.CalledProcessError):
            output = exc.output.decode(errors="replace") if isinstance(exc.output, bytes) \
                else str(exc.output or "")
            lines = [ln for ln in output.splitlines() if ln.startswith("fatal:")]
            detail = lines[0] if lines else f"git clone failed ({output.strip() or exc})"
        raise UsageError(f"cannot fetch template {source}: {detail}",
                         hint="give a template folder, or a git URL that git can clone") from None
    finally:
        log.setLevel(level)
    return Template(source, Path(repo), _read_variables(Path(repo)), cleanup=clone_to)


def _read_variables(path: Path) -> Variables:
    file = path / "cookiecutter.json"
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{display_path(file)} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{display_path(file)} must hold a JSON object")
    return data


def template_context(answers: Answers, text: str, template: Template) -> Variables:
    """The cookiecutter context the answers give (only keys the template declares)."""
    ours: Variables = {
        "name": answers.name, "description": answers.description, "flavor": answers.flavor,
        "image": f"{answers.repository}:{answers.image_tag}", "container_port":
        str(answers.container_port), "start": answers.start,
        "config": "yes" if answers.config else "no", "config_path": answers.mount_path,
        "contexts": ", ".join(c.name for c in answers.contexts), "_pligos_yaml": text}
    context = {k: v for k, v in ours.items() if k in template.variables}
    for key, value in answers.extra.items():
        if key in template.variables:
            context[key] = value
    return context


def _answers_as_data(variables: Variables, supplied: Variables) -> Variables:
    """The template's variables with ours in place, such that ours are never Jinja source.

    cookiecutter renders every variable's value as a template; a description such as
    `{{ 7*7 }}` (or worse) must come out as written. So each supplied value is kept, as
    data, in a private variable, and the variable itself becomes an expression that reads
    it. The template's own defaults are still rendered as their author meant."""
    out: Variables = {"_pligos_answers": {k: v for k, v in supplied.items() if k in variables}}
    for key, raw in variables.items():
        if key in supplied and not key.startswith("_"):
            out[key] = "{{ cookiecutter._pligos_answers[" + json.dumps(key) + "] }}"
        elif key in supplied:
            out[key] = supplied[key]  # private: cookiecutter keeps it as it is
        else:
            out[key] = raw
    return out


def render_template(template: Template, context: Variables, out: Path) -> Path:
    """Render `template` with `context` into the folder `out`; the project folder made."""
    from cookiecutter.exceptions import CookiecutterException
    from cookiecutter.generate import generate_context, generate_files
    from cookiecutter.prompt import prompt_for_config

    try:
        ctx = generate_context(context_file=str(template.path / "cookiecutter.json"),
                               default_context={}, extra_context={})
        ctx["cookiecutter"] = _answers_as_data(ctx["cookiecutter"], context)
        ctx["cookiecutter"] = prompt_for_config(ctx, no_input=True)
        ctx["cookiecutter"]["_template"] = template.source
        ctx["cookiecutter"]["_output_dir"] = str(out)
        project = generate_files(repo_dir=str(template.path), context=ctx,
                                 overwrite_if_exists=False, output_dir=str(out),
                                 accept_hooks=True)
    except (CookiecutterException, OSError) as exc:
        raise PligosError(f"template {template.source} failed: {exc}",
                          hint="nothing was written; fix the template or its answers") from None
    return Path(project)
