"""One org's attested facts laid over the public catalog (SPEC §9).

An overlay holds the attestation entries in effect on one evaluation date, by target (a
provider id or a `provider/deployment` id). Applied to a target, the provider's entries come
first and the deployment's last, each replacing only the fact paths it sets (field by field,
as a deployment overrides its provider); the entry becomes the evidence of what it sets: the
fact's trust is the entry's trust and `Target.attested` names the entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from registry.catalog.attested import Attested
from registry.catalog.facts import Target
from registry.catalog.loader import Catalog


@dataclass(frozen=True)
class OverlayEntry:
    """The canonical fact values one attestation entry sets, and the entry itself."""

    target: str
    facts: Mapping[str, Any]
    source: Attested


@dataclass(frozen=True)
class FactOverlay:
    """The entries of one org in effect on one date, over one catalog revision.

    `revision` names the attestations (what was written); `key` also names which of their
    entries are in effect, so two dates with the same entries share every cached result.
    """

    base: Catalog
    revision: str
    key: str
    entries: Mapping[str, tuple[OverlayEntry, ...]]
    warnings: tuple[str, ...] = ()

    def apply(self, target: Target) -> Target:
        """The target as this org sees it; the same object when no entry covers it."""
        layers = (*self.entries.get(target.provider, ()), *self.entries.get(target.id, ()))
        if not layers:
            return target
        facts = dict(target.facts)
        trust = dict(target.trust)
        attested = dict(target.attested)
        for layer in layers:
            for path, value in layer.facts.items():
                facts[path] = value
                trust[path] = layer.source.trust
                attested[path] = layer.source
        return replace(target, facts=facts, trust=trust, attested=attested)


def overlaid(overlay: FactOverlay) -> Catalog:
    """The base catalog as the overlay's org sees it: same providers and revision, its own
    index (targets and fact columns are built once per overlay)."""
    base = overlay.base
    return Catalog(base.root, base.providers, base.revision, base.files, overlay=overlay)
