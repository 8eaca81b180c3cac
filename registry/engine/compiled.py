"""A data class compiled for one evaluation date: Casbin rows, a decider and a pair cache.

Casbin decides each distinct (requirement, fact value) pair once; the resulting Reason (or
None when the requirement holds) is shared by every target with that value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from registry.catalog.facts import Target, targets
from registry.catalog.loader import Catalog
from registry.engine.casbin_model import CasbinDecider, Row
from registry.engine.decisions import Outcome, Reason
from registry.engine.requirements import (
    SPECS,
    TRUST_FACT,
    UNEVIDENCED_FACTS,
    encode,
    make_reason,
    parameter,
)
from registry.errors import EngineError
from registry.policy.loader import LoadedPolicy, Requirement, ResolvedClass
from registry.policy.models import MODEL_ONLY_KEYS


@dataclass
class CompiledClass:
    policy: LoadedPolicy
    data_class: ResolvedClass
    as_of: date
    model_query: bool
    requirements: tuple[Requirement, ...]
    trust_facts: tuple[str, ...]
    decider: CasbinDecider
    pairs: dict[tuple[int, str], Reason | None] = field(default_factory=dict)

    @property
    def rows(self) -> list[Row]:
        return rows_for(self.requirements, self.data_class, self.as_of)

    def reason(self, index: int, value_json: str) -> Reason | None:
        """The reason requirement `index` fails for this value, or None when it holds."""
        key = (index, value_json)
        if key in self.pairs:
            return self.pairs[key]
        req = self.requirements[index]
        value = json.loads(value_json)
        file = self.policy.file
        try:
            holds = self.decider.decide(req.rule, value_json)
        except EngineError as err:
            result: Reason | None = make_reason(req, file, value, "error", self.as_of, err.message)
        else:
            outcome: Outcome = "unknown" if value is None else "failed"
            result = None if holds else make_reason(req, file, value, outcome, self.as_of)
        self.pairs[key] = result
        return result


def applicable(cls: ResolvedClass, model_query: bool) -> tuple[Requirement, ...]:
    """Model-only requirements apply to model queries only."""
    return tuple(r for r in cls.requirements if model_query or r.key not in MODEL_ONLY_KEYS)


def trust_facts_of(requirements: tuple[Requirement, ...]) -> tuple[str, ...]:
    """The evidenced facts that a class's requirements read (for min_evidence_trust)."""
    facts = {SPECS[r.key].fact for r in requirements} - UNEVIDENCED_FACTS
    return tuple(sorted(facts))


def rows_for(requirements: tuple[Requirement, ...], cls: ResolvedClass, as_of: date) -> list[Row]:
    return [
        Row(r.rule, SPECS[r.key].op, encode(parameter(r, as_of)), cls.on_unknown)
        for r in requirements
    ]


def compile_class(
    policy: LoadedPolicy, cls: ResolvedClass, as_of: date, model_query: bool
) -> CompiledClass:
    requirements = applicable(cls, model_query)
    decider = CasbinDecider(rows_for(requirements, cls, as_of))
    return CompiledClass(
        policy, cls, as_of, model_query, requirements, trust_facts_of(requirements), decider
    )


def fact_value(target: Target, fact: str, trust_facts: tuple[str, ...]) -> Any:
    """The value a requirement reads from a target (evidence trust is derived)."""
    if fact == TRUST_FACT:
        return tuple((f, target.trust[f]) for f in trust_facts if target.facts[f] is not None)
    if fact == "verified_at":
        return target.verified_at
    return target.facts[fact]


def column(
    catalog: Catalog, model: str | None, fact: str, trust_facts: tuple[str, ...]
) -> Mapping[str, list[int]]:
    """Indexes into `targets(catalog, model)` grouped by the JSON of their value for `fact`,
    memoized on the catalog (a catalog revision never changes)."""
    key = ("column", model, fact, trust_facts if fact == TRUST_FACT else ())
    cached = catalog.memo.get(key)
    if cached is None:
        groups: dict[str, list[int]] = {}
        for i, target in enumerate(targets(catalog, model)):
            groups.setdefault(encode(fact_value(target, fact, trust_facts)), []).append(i)
        catalog.memo[key] = cached = groups
    result: Mapping[str, list[int]] = cached
    return result
