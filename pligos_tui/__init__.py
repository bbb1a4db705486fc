"""Pligos: describe each service once, generate one Helm chart per context."""

__version__ = "0.1.0"
