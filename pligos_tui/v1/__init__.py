"""Services of the original Pligos (the "v1" format): reading, compiling, generating, migrating.

`pligos generate` finds v1 service folders beside format-1 ones and hands them to
:func:`plans`; `--in-place` uses :func:`switch_context`; `pligos migrate` uses
:func:`pligos_tui.v1.migrate.migrate`.
"""

from __future__ import annotations

from pligos_tui.v1.build import (
           DEFAULT_OUT,
           MANIFEST,
           build,
           chart_files,
           plans,
           switch_context,
)
from pligos_tui.v1.load import is_v1_config, is_v1_service, load_service

__all__ = ["DEFAULT_OUT", "MANIFEST", "build", "chart_files", "is_v1_config", "is_v1_service",
           "load_service", "plans", "switch_context"]
