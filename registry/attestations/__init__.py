"""Org attestations (SPEC §9): what one org knows about a provider, with its document."""
