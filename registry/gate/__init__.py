"""The CI gate: deploy manifests in, one report out (every output format reads it)."""
