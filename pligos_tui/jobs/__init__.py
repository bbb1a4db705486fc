"""The jobs both shells share: generate, check, render, edits of pligos.yaml, scaffolding."""
