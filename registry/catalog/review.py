"""Evidence review: coverage of the key facts per provider, and stale or unsourced facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from registry.catalog.facts import Target, targets
from registry.catalog.loader import Catalog

KEY_FACTS: tuple[str, ...] = (
    "headquarters",
    "inference_countries",
    "storage_countries",
    "decryption_countries",
    "retention.prompts_days",
    "retention.zero_data_retention",
    "training_on_customer_data",
    "gpu.ownership",
    "gpu.operators",
    "decryption.tls_termination",
    "certifications",
)
Status = Literal["known", "inferred", "unsourced", "unknown"]
COVERED: frozenset[Status] = frozenset({"known", "inferred"})


@dataclass(frozen=True)
class Coverage:
    provider: str
    facts: dict[str, Status]

    @property
    def covered(self) -> int:
        return sum(status in COVERED for status in self.facts.values())


def _status(found: list[Target], fact: str) -> Status:
    """The weakest over the provider's deployments: unknown, then a value no evidence names
    (unsourced: not counted as covered), then inferred, then known."""
    if not found or any(t.facts[fact] is None for t in found):
        return "unknown"
    levels = {t.trust.get(fact) for t in found}
    if None in levels:
        return "unsourced"
    return "inferred" if "inferred" in levels else "known"


def coverage(catalog: Catalog) -> list[Coverage]:
    """Per provider and key fact: known on every deployment, inferred, unsourced or unknown."""
    by_provider: dict[str, list[Target]] = {}
    for target in targets(catalog):
        by_provider.setdefault(target.provider, []).append(target)
    return [
        Coverage(pid, {fact: _status(found, fact) for fact in KEY_FACTS})
        for pid, found in sorted(by_provider.items())
    ]


@dataclass(frozen=True)
class StaleFact:
    target: str
    fact: str
    reason: str


def stale_facts(catalog: Catalog, days: int, as_of: date) -> list[StaleFact]:
    """Known key facts with no evidence, or whose newest evidence is older than `days`."""
    cutoff = as_of - timedelta(days=days)
    out: list[StaleFact] = []
    for target in targets(catalog):
        for fact in KEY_FACTS:
            if target.facts[fact] is None:
                continue
            dates = [
                e.as_of
                for e in target.evidence
                if any(fact == f or fact.startswith(f + ".") for f in e.facts)
            ]
            if not dates:
                out.append(StaleFact(target.id, fact, "unsourced: no evidence names this fact"))
            elif max(dates) < cutoff:
                out.append(
                    StaleFact(
                        target.id,
                        fact,
                        f"newest evidence is of {max(dates).isoformat()}, older than {days} days",
                    )
                )
    return out
