"""Effective facts per target: provider facts, overridden by deployment, then by offering.

A *target* is a deployment (`provider/deployment`), or for a model query a model offering on a
deployment (its id is still the deployment id). Fact values are hashable and canonical:
`None` means unknown (enum value `unknown` included), lists become tuples.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel

from registry.catalog.attested import Attested
from registry.catalog.index import Kind
from registry.catalog.loader import Catalog
from registry.catalog.models import (
    FACT_PATHS,
    HIGH_STAKES,
    Certification,
    Deployment,
    Evidence,
    ModelOffering,
    Provider,
)
from registry.schema_types import TRUST_ORDER

NESTED = ("gpu", "retention", "decryption")
_NOT_FACTS = frozenset(
    {
        "evidence",
        "notes",
        "id",
        "hosts",
        "cloud_regions",
        "aliases",
        "name",
        "legal_entity",
        "deployments",
        "models",
        "verified_at",
        "headquarters",
    }
)
# The org-only fact of SPEC §9: contracts in force for the org (never set by the catalog).
SIGNED_CONTRACTS = "signed_contracts"
NOT_ATTESTED: Mapping[str, Attested] = MappingProxyType({})
_TRUST_RANK = {name: rank for rank, name in enumerate(TRUST_ORDER)}
_HIGH_STAKES = frozenset(HIGH_STAKES)


@dataclass(frozen=True)
class Target:
    id: str
    provider: str
    deployment: str
    model: str | None
    facts: Mapping[str, Any]
    trust: Mapping[str, str | None]
    verified_at: date | None
    evidence: tuple[Evidence, ...]
    attested: Mapping[str, Attested] = field(default_factory=lambda: NOT_ATTESTED)


def canonical(value: Any) -> Any:
    """Hashable canonical form of a fact value; `unknown` and null become None.

    A list with an item `unknown` (any case) is unknown as a whole: `subprocessors:
    [unknown, aws]` says the list is not fully known, and a requirement on it must not pass
    on the items that are named (fail closed; it used to become a None inside the list and
    crash the operator, an engine-error denial)."""
    if value is None or value == "unknown":
        return None
    if isinstance(value, list | tuple):
        if any(is_unknown_item(v) for v in value):
            return None
        return tuple(_item(v) for v in value)
    return _item(value)


def is_unknown_item(item: Any) -> bool:
    return isinstance(item, str) and item.strip().lower() == "unknown"


def _item(value: Any) -> Any:
    if isinstance(value, Certification):
        return (value.id, value.expires.isoformat() if value.expires else None)
    return value


def _apply(facts: dict[str, Any], block: BaseModel, every_field: bool) -> None:
    keys = type(block).model_fields if every_field else block.model_fields_set
    for key in keys:
        if key in _NOT_FACTS:
            continue
        value = getattr(block, key)
        if key in NESTED:
            sub_keys = type(value).model_fields if every_field else value.model_fields_set
            for sub in sub_keys:
                facts[f"{key}.{sub}"] = canonical(getattr(value, sub))
        else:
            facts[key] = canonical(value)


def written_facts(block: BaseModel) -> dict[str, Any]:
    """The canonical fact paths and values a block writes itself (field by field)."""
    facts: dict[str, Any] = {}
    _apply(facts, block, every_field=False)
    return facts


@cache
def _covered_paths(evidence_path: str) -> tuple[str, ...]:
    """The fact paths an evidence `facts` entry supports (itself, or everything below it)."""
    return tuple(p for p in FACT_PATHS if p == evidence_path or p.startswith(evidence_path + "."))


def trust_index(evidence: Iterable[Evidence]) -> dict[str, str]:
    """The highest trust of supporting evidence per fact path; absent = unverified. Only an
    entry with a quote supports a high-stakes fact (a bare URL says nothing checkable)."""
    best: dict[str, str] = {}
    for item in evidence:
        rank = _TRUST_RANK[item.trust]
        for entry in item.facts:
            for path in _covered_paths(entry):
                if not item.quote and path in _HIGH_STAKES:
                    continue
                current = best.get(path)
                if current is None or rank > _TRUST_RANK[current]:
                    best[path] = item.trust
    return best


def best_trust(path: str, evidence: Iterable[Evidence]) -> str | None:
    """The highest trust of evidence supporting `path` (exact or prefix); None = unverified."""
    return trust_index(evidence).get(path)


def _full_trust(evidence: Iterable[Evidence]) -> dict[str, str | None]:
    index = trust_index(evidence)
    return {path: index.get(path) for path in FACT_PATHS}


def _provider_base(provider: Provider) -> tuple[dict[str, Any], dict[str, str | None]]:
    facts: dict[str, Any] = dict.fromkeys(FACT_PATHS)
    _apply(facts, provider, every_field=True)
    facts["headquarters"] = provider.headquarters
    facts[SIGNED_CONTRACTS] = None  # known only from an org's attestations
    return facts, _full_trust(provider.evidence)


def _target(
    provider: Provider,
    base: tuple[dict[str, Any], dict[str, str | None]],
    dep: Deployment | None,
    offering: ModelOffering | None,
) -> Target:
    facts = dict(base[0])
    evidence = list(provider.evidence)
    if dep is not None:
        _apply(facts, dep, every_field=False)
        evidence.extend(dep.evidence)
    if offering is not None:
        _apply(facts, offering, every_field=False)
        facts["quantization"] = canonical(offering.quantization)
        facts["tool_call_accuracy"] = offering.tool_call_accuracy
        evidence.extend(offering.evidence)
    trust = base[1] if len(evidence) == len(provider.evidence) else _full_trust(evidence)
    dep_id = dep.id if dep is not None else "default"
    return Target(
        id=f"{provider.id}/{dep_id}",
        provider=provider.id,
        deployment=dep_id,
        model=offering.id if offering is not None else None,
        facts=facts,
        trust=trust,
        verified_at=provider.verified_at,
        evidence=tuple(evidence),
    )


def _provider_targets(provider: Provider, model: str | None) -> Iterable[Target]:
    deployments: list[Deployment | None] = list(provider.deployments) or [None]
    base = _provider_base(provider)
    if model is None:
        return [_target(provider, base, dep, None) for dep in deployments]
    out = []
    for offering in provider.models:
        if offering.id.lower() != model.lower():
            continue
        scope = set(offering.deployments) if offering.deployments is not None else None
        for dep in deployments:
            dep_id = dep.id if dep is not None else "default"
            if scope is None or dep_id in scope:
                out.append(_target(provider, base, dep, offering))
    return out


TARGETS: Kind[tuple[Target, ...]] = Kind("targets")


def targets(catalog: Catalog, model: str | None = None) -> tuple[Target, ...]:
    """All targets of the catalog (sorted by id), built once per catalog and model; for an
    org's view of a catalog, the base catalog's targets with the org's overlay applied."""
    wanted = model.lower() if model else None

    def build() -> tuple[Target, ...]:
        overlay = catalog.overlay
        if overlay is not None:
            return tuple(overlay.apply(t) for t in targets(overlay.base, model))
        found = [t for p in catalog.providers.values() for t in _provider_targets(p, model)]
        return tuple(sorted(found, key=lambda t: t.id))

    return catalog.index.get(TARGETS, wanted, build)
