"""Loading a service: parse pligos.yaml, read its structure, its friends, then every rule.

All three passes add to one list of problems, so a user sees every mistake of the file at once;
when there is any, nothing is returned but one ConfigError holding them all.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pligos_tui.errors import ConfigError, Problems, display_path
from pligos_tui.io.yamlread import Document, load_file, load_text
from pligos_tui.spec.flavors import FlavorSet
from pligos_tui.spec.friends import load_friends
from pligos_tui.spec.model import Service
from pligos_tui.spec.reader import Reader
from pligos_tui.spec.rules import check_service
from pligos_tui.spec.source_entries import read_sources
from pligos_tui.spec.structure import read_service
from pligos_tui.spec.vocabulary import CONFIG_NAME


def load_service(path: Path, *, check: bool = True, follow_symlinks: bool = False) -> Service:
    """Load and validate a service. `path` is a service folder or its pligos.yaml.

    Raises ConfigError with every problem of the file when anything is wrong.
    """
    file = path / CONFIG_NAME if path.is_dir() else path
    root = file.parent
    display = display_path(file)
    doc = load_file(file, display)
    return _finish(doc, root, check, follow_symlinks)


def load_service_text(text: str, root: Path, display: str, *, check: bool = True,
                      flavors: FlavorSet | None = None,
                      on_read: Callable[[Service], object] | None = None) -> Service:
    """Load a service from text (an editor's buffer), as if it were root/pligos.yaml (its
    rules reading the flavors through `flavors`, when given). `on_read` is called with the
    service once it is read without a problem, before its rules are checked."""
    return _finish(load_text(text, display), root, check, flavors=flavors, on_read=on_read)


def _finish(doc: Document, root: Path, check: bool, follow_symlinks: bool = False,
            flavors: FlavorSet | None = None,
            on_read: Callable[[Service], object] | None = None) -> Service:
    problems = Problems(doc.file)
    svc = read_service(doc, root, problems)
    if isinstance(doc.data, dict):
        svc.flavor_sources = read_sources(Reader(doc, problems), doc.data)
    svc.follow_symlinks = follow_symlinks
    svc.friends = load_friends(svc, problems)
    if on_read is not None and not problems.errors:
        on_read(svc)
    if check:
        check_service(svc, problems, flavors)
    if problems.errors:
        raise ConfigError(problems.errors)
    return svc
