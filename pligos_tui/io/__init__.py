"""The base layer: files, YAML reading and writing, format-preserving YAML edits."""
