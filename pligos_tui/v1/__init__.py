"""Services of the original Pligos (the "v1" format): reading, compiling, generating, migrating.

`pligos generate` finds v1 service folders beside format-1 ones and hands them to
:func:`plans`; :func:`pligos_tui.v1.build.build` compiles one; `--in-place` uses
:func:`switch_in_place`; `pligos migrate` uses :func:`pligos_tui.v1.migrate.migrate`.
"""

from __future__ import annotations

from pligos_tui.v1.build import (
    DEFAULT_OUT,
    MANIFEST,
    chart_files,
    plans,
    switch_context,
    switch_in_place,
)
from pligos_tui.v1.load import load_service

__all__ = [
    "DEFAULT_OUT",
    "MANIFEST",
    "chart_files",
    "load_service",
    "plans",
    "switch_context",
    "switch_in_place",
]
