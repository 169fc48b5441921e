"""Policy: layered YAML files merged so that lower layers can only tighten."""
