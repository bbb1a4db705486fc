"""What pligos.yaml means: its words, its typed model, friends, flavors, resolution, rules."""
