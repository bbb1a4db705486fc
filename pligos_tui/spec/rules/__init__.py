"""The rules of pligos.yaml (format 1)."""

from pligos_tui.spec.rules.checker import check_service

__all__ = ["check_service"]
