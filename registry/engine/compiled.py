"""A data class compiled for one evaluation date: Casbin rows, a decider and pair caches.

Casbin decides each distinct (requirement, fact value) pair once; the resulting Reason (or
None when the requirement holds) is shared by every target with that value.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from registry.catalog.facts import Target, targets
from registry.catalog.index import Kind
from registry.catalog.loader import Catalog
from registry.engine.casbin_model import CasbinDecider, Row
from registry.engine.decisions import Outcome, Reason
from registry.engine.requirements import (
    MODEL_ONLY_KEYS,
    SPECS,
    TRUST_FACT,
    UNEVIDENCED_FACTS,
    encode,
    make_reason,
    parameter,
    trust_rank,
    whole,
)
from registry.errors import EngineError
from registry.policy.loader import LoadedPolicy, Requirement, ResolvedClass
from registry.schema_types import TRUST_ORDER

MISSING = object()


@dataclass
class CompiledClass:
    """One data class, compiled: Casbin decides each distinct decision key once.

    `outcomes` caches decisions by (requirement, decision key); `reasons` caches the Reason
    built for each raw fact value (None when the requirement holds).
    """

    policy: LoadedPolicy
    data_class: ResolvedClass
    as_of: date
    model_query: bool
    requirements: tuple[Requirement, ...]
    trust_facts: tuple[str, ...]
    trust_floor: str | None
    decider: CasbinDecider
    outcomes: dict[tuple[int, Hashable], tuple[Outcome, str] | None] = field(default_factory=dict)
    reasons: dict[tuple[int, str], Reason | None] = field(default_factory=dict)

    @property
    def rows(self) -> list[Row]:
        return rows_for(self.requirements, self.data_class, self.as_of)

    def reason(self, index: int, value_json: str) -> Reason | None:
        """The reason requirement `index` fails for this value, or None when it holds."""
        key = (index, value_json)
        found = self.reasons.get(key, MISSING)
        if found is not MISSING:
            return found  # type: ignore[return-value]
        req = self.requirements[index]
        projected = SPECS[req.key].projection is not whole
        value = json.loads(value_json) if projected else MISSING
        decision_key = (
            index,
            decision_projection(req.key, value, self.as_of) if projected else value_json,
        )
        if decision_key in self.outcomes:
            outcome = self.outcomes[decision_key]
        else:
            outcome = self.outcomes[decision_key] = self._decide(req, value_json)
        result = None
        if outcome is not None:
            if value is MISSING:
                value = json.loads(value_json)
            result = make_reason(req, self.policy.file, value, outcome[0], outcome[1])
        self.reasons[key] = result
        return result

    def _decide(self, req: Requirement, value_json: str) -> tuple[Outcome, str] | None:
        try:
            holds = self.decider.decide(req.rule, value_json)
        except EngineError as err:
            return ("error", err.message)
        if holds:
            return None
        return ("unknown", "") if value_json == "null" else ("failed", "")


def decision_projection(key: str, value: Any, as_of: date) -> Hashable:
    """The part of a fact value a requirement's decision depends on (exactly, its table
    row's projection), so that Casbin decides each distinct part once: certifications valid
    at `as_of`, the weakest evidence trust; every other fact is decided on its whole value
    (its JSON text)."""
    if value is None:
        return None
    return SPECS[key].projection(value, as_of)


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
        policy,
        cls,
        as_of,
        model_query,
        requirements,
        trust_facts_of(requirements),
        next((r.value for r in requirements if r.key == "min_evidence_trust"), None),
        decider,
    )


def fact_value(target: Target, fact: str, trust_facts: tuple[str, ...]) -> Any:
    """The value a requirement reads from a target (evidence trust is derived)."""
    if fact == TRUST_FACT:
        return tuple((f, target.trust.get(f)) for f in trust_facts if target.facts[f] is not None)
    if fact == "verified_at":
        return target.verified_at
    return target.facts[fact]


# target indexes grouped by a fact's encoded value, by (model, fact, trust scope)
COLUMNS: Kind[Mapping[str, list[int]]] = Kind("fact columns")


def column(
    catalog: Catalog,
    model: str | None,
    fact: str,
    trust_facts: tuple[str, ...],
    trust_floor: str | None = None,
) -> Mapping[str, list[int]]:
    """Indexes into `targets(catalog, model)` grouped by the JSON of their value for `fact`,
    built once per catalog (a catalog revision never changes).

    For evidence trust the value keeps only the facts below `trust_floor`: the decision and
    the reason depend on those alone, and far fewer distinct values remain to decide.
    """
    scope = (trust_facts, trust_floor) if fact == TRUST_FACT else ()

    def build() -> Mapping[str, list[int]]:
        found = targets(catalog, model)
        values: list[Any]
        if fact == TRUST_FACT:
            floor = TRUST_ORDER.index(trust_floor) if trust_floor else -1
            values = [weak_facts(fact_value(t, fact, trust_facts), floor) for t in found]
        elif fact == "verified_at":
            values = [t.verified_at for t in found]
        else:
            values = [t.facts[fact] for t in found]
        by_value: dict[Any, list[int]] = {}
        for i, value in enumerate(values):
            members = by_value.get(value)
            if members is None:
                by_value[value] = [i]
            else:
                members.append(i)
        groups: dict[str, list[int]] = {}
        for value, members in by_value.items():
            groups.setdefault(encode(value), []).extend(members)
        return groups

    return catalog.index.get(COLUMNS, (model, fact, scope), build)


def weak_facts(
    value: tuple[tuple[str, str | None], ...], floor: int
) -> tuple[tuple[str, str | None], ...]:
    """The (fact, trust) pairs whose trust ranks below `floor` (unverified ranks lowest)."""
    return tuple(pair for pair in value if trust_rank(pair[1]) < floor)
