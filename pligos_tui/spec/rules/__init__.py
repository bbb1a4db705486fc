"""The rules of pligos.yaml (format 1): one module of rule functions per subject, registered
in one table (:mod:`pligos_tui.spec.rules.registry`) and run by `check_service`."""

from pligos_tui.spec.rules.runner import all_rules, check_service

__all__ = ["all_rules", "check_service"]
