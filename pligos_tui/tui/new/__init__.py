"""The `pligos new` wizard: one step per panel, checked live by the loader's own rules."""
