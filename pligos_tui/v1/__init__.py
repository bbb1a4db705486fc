"""Services of the original Pligos (the "v1" format): reading, compiling, generating, migrating.

`pligos generate` finds v1 service folders beside format-1 ones and hands them to
:func:`plans`; `pligos_tui.v1.build.build` compiles one; `--in-place` uses :func:`switch_context`; `pligos migrate` uses
:func:`pligos_tui.v1.migrate.migrate`.
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "DEFAULT_OUT": "build", "MANIFEST": "build", "chart_files": "build",
    "plans": "build", "switch_context": "build", "load_service": "load",
}


def __getattr__(name: str) -> Any:
    """The package's names, imported on first use: finding out whether a folder is a v1
    service (every `pligos generate` does) must not import the v1 compiler."""
    if name not in _EXPORTS:
        raise AttributeError(name)
    import importlib

    return getattr(importlib.import_module(f"pligos_tui.v1.{_EXPORTS[name]}"), name)


__all__ = sorted(_EXPORTS)
