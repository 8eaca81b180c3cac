"""What to ask providers (SPEC §9): the unknown facts behind denials, as questions.

A *question* is one fact path about one provider or one deployment: asked at the level
where the fact is unknown. A deployment inherits its provider's facts unless it writes the
key itself, and an org's provider-level attestation replaces the fact for every deployment
of the provider; so a fact is asked of the provider when no deployment of it writes the
key (one answer covers them all), and of the deployment otherwise. `signed_contracts` is
never in the catalog: it is asked of the provider.

For each question:

- `targets` are the denied targets in scope that have this question among their unknown
  facts (`targets_needing` counts them);
- `unblocked` are the targets this answer alone would permit, given a satisfying value:
  targets denied only by unknown facts (every reason's outcome is `unknown`) whose only
  question is this one (`unblocks` counts them).

Questions are ordered by `unblocks` (descending), then by question target and fact path.
By default only targets denied only by unknown facts are considered; with `include_all`
every denied target is, and targets with a failed requirement never count as unblocked.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel

from registry.catalog.facts import NESTED, SIGNED_CONTRACTS, written_facts
from registry.catalog.loader import Catalog
from registry.catalog.models import Facts
from registry.engine.decisions import Decision, Evaluation, Reason
from registry.engine.operators import TRAINING_OK, ZDR_OK


def _listed(items: Any) -> str:
    return ", ".join(str(i) for i in items) if isinstance(items, list | tuple) else str(items)


def _either(values: Collection[str]) -> str:
    ordered = sorted(values)
    return ordered[0] if len(ordered) == 1 else f"{', '.join(ordered[:-1])} or {ordered[-1]}"


# Requirement key -> what a fact value must be to satisfy it, from the value the policy
# shows as `expected` (the list as written, or the scalar). `min_evidence_trust` has no
# fact (its reasons carry none), so nothing can be asked for it.
SATISFYING: Mapping[str, Callable[[Any], str]] = {
    "inference_within": lambda e: f"countries within {_listed(e)}",
    "storage_within": lambda e: f"countries within {_listed(e)}",
    "decryption_within": lambda e: f"countries within {_listed(e)}",
    "headquarters_in": lambda e: f"one of {_listed(e)}",
    "headquarters_not_in": lambda e: f"none of {_listed(e)}",
    "tls_termination": lambda e: f"one of {_listed(e)}",
    "gpu_ownership": lambda e: f"one of {_listed(e)}",
    "confidential_computing": lambda e: "true (prompts decrypted only inside attested TEEs)",
    "max_prompt_retention_days": lambda e: f"≤ {e} days",
    "max_output_retention_days": lambda e: f"≤ {e} days",
    "max_abuse_monitoring_days": lambda e: f"≤ {e} days",
    "zero_data_retention": lambda e: _either(ZDR_OK[e]),
    "training": lambda e: _either(TRAINING_OK[e]),
    "certifications_all": lambda e: f"holds all of {_listed(e)}, unexpired",
    "certifications_any": lambda e: f"holds one of {_listed(e)}, unexpired",
    "contracts_all": lambda e: f"offers: {_listed(e)}",
    "contracts_signed": lambda e: f"signed: {_listed(e)}",
    "subprocessors_not_in": lambda e: f"none of {_listed(e)}",
    "evidence_max_age_days": lambda e: f"verified within the last {e} days",
    "min_tool_call_accuracy": lambda e: f"≥ {e}",
    "quantizations": lambda e: f"one of {_listed(e)}",
}


def _attestable_paths() -> frozenset[str]:
    """Fact paths an attestation entry can set: the `Facts` fields, and signed contracts."""
    paths = {SIGNED_CONTRACTS}
    for key, info in Facts.model_fields.items():
        nested = info.annotation
        if key in NESTED and isinstance(nested, type) and issubclass(nested, BaseModel):
            paths.update(f"{key}.{sub}" for sub in nested.model_fields)
        else:
            paths.add(key)
    return frozenset(paths)


ATTESTABLE: frozenset[str] = _attestable_paths()


def satisfying(rule: str, expected: Any) -> str:
    """What satisfies the requirement of a rule id `<class>.<key>` showing `expected`."""
    key = rule.split(".", 1)[1]
    return SATISFYING[key](expected)


@dataclass(frozen=True)
class Need:
    """One requirement that needs a question answered, and where the policy writes it."""

    rule: str
    file: str
    line: int | None
    satisfy: str

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else self.file


@dataclass(frozen=True)
class Question:
    target: str  # a provider id, or provider/deployment
    fact: str  # a catalog fact path, or signed_contracts
    needs: tuple[Need, ...]
    targets: tuple[str, ...]
    unblocked: tuple[str, ...]

    @property
    def provider(self) -> str:
        return self.target.split("/", 1)[0]

    @property
    def unblocks(self) -> int:
        return len(self.unblocked)

    @property
    def targets_needing(self) -> int:
        return len(self.targets)

    @property
    def satisfy(self) -> str:
        """Every requirement's wording, joined (two requirements may read one fact)."""
        return " and ".join(dict.fromkeys(n.satisfy for n in self.needs))

    @property
    def attestable(self) -> bool:
        """An attestation can answer it (else only the catalog can: headquarters, age)."""
        return self.fact in ATTESTABLE


@dataclass(frozen=True)
class Questionnaire:
    policy: str
    org: str
    data_class: str
    as_of: date
    catalog_revision: str
    include_all: bool
    considered: tuple[str, ...]  # the denied targets in scope whose unknowns were asked
    questions: tuple[Question, ...]
    answerable: Mapping[str, tuple[str, ...]]  # target -> its question keys, if all-unknown

    def providers(self) -> list[str]:
        """Providers in the order of their first question."""
        return list(dict.fromkeys(q.provider for q in self.questions))

    def unblocked_by_provider(self, provider: str) -> tuple[str, ...]:
        """Targets denied only by unknown facts that answering every question of this
        provider would permit (every question of a target is about its own provider)."""
        return tuple(t for t in self.answerable if t.split("/", 1)[0] == provider)


def question_target(catalog: Catalog, target_id: str, fact: str) -> str:
    """Where a fact unknown for a target is asked: its provider, or its deployment when
    the deployment writes the key or a sibling does (a provider answer would replace it)."""
    provider_id = target_id.split("/", 1)[0]
    provider = catalog.providers[provider_id]
    if fact == SIGNED_CONTRACTS or not provider.deployments:
        return provider_id
    writers = {d.id for d in provider.deployments if fact in written_facts(d)}
    return target_id if writers else provider_id


def _in_scope(target_id: str, scope: Collection[str] | None) -> bool:
    return scope is None or target_id in scope or target_id.split("/", 1)[0] in scope


def _only_unknown(decision: Decision) -> bool:
    return all(r.outcome == "unknown" for r in decision.reasons)


def _askable(reason: Reason) -> bool:
    return reason.outcome == "unknown" and reason.fact is not None


def build_questionnaire(
    result: Evaluation,
    catalog: Catalog,
    scope: Collection[str] | None = None,
    include_all: bool = False,
) -> Questionnaire:
    """The questions behind the denials of one evaluation (module doc); `scope` restricts
    the targets to these provider and provider/deployment ids."""
    considered: list[str] = []
    needs: dict[tuple[str, str], dict[str, Need]] = {}
    needed_by: dict[tuple[str, str], list[str]] = {}
    answerable: dict[str, tuple[str, ...]] = {}
    for target_id, decision in sorted(result.decisions.items()):
        if decision.permitted or not _in_scope(target_id, scope):
            continue
        only_unknown = _only_unknown(decision)
        if not (include_all or only_unknown):
            continue
        considered.append(target_id)
        keys: dict[tuple[str, str], None] = {}
        for reason in decision.reasons:
            if not _askable(reason) or reason.fact is None:
                continue
            key = (question_target(catalog, target_id, reason.fact), reason.fact)
            keys[key] = None
            need = Need(
                reason.rule,
                reason.source.file,
                reason.source.line,
                satisfying(reason.rule, reason.expected),
            )
            needs.setdefault(key, {})[reason.rule] = need
        for key in keys:
            needed_by.setdefault(key, []).append(target_id)
        if only_unknown and keys and all(_askable(r) for r in decision.reasons):
            answerable[target_id] = tuple(f"{t} {f}" for t, f in keys)
    questions = []
    for key, by_rule in needs.items():
        targets = tuple(needed_by[key])
        label = f"{key[0]} {key[1]}"
        unblocked = tuple(t for t in targets if answerable.get(t) == (label,))
        ordered = tuple(by_rule[rule] for rule in sorted(by_rule))
        questions.append(Question(key[0], key[1], ordered, targets, unblocked))
    questions.sort(key=lambda q: (-q.unblocks, q.target, q.fact))
    return Questionnaire(
        result.policy,
        result.org,
        result.data_class,
        result.as_of,
        result.catalog_revision,
        include_all,
        tuple(considered),
        tuple(questions),
        answerable,
    )
