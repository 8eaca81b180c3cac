"""`clearance questionnaire` (SPEC §9): questions behind denials, on the shipped catalog."""

from __future__ import annotations

from datetime import date
from functools import cache

import pytest

from registry.attestations.apply import with_attestations
from registry.attestations.loader import attestation_set, load_attestations_text
from registry.attestations.questionnaire import (
    SATISFYING,
    Questionnaire,
    build_questionnaire,
    satisfying,
)
from registry.catalog.facts import written_facts
from registry.catalog.loader import Catalog, load_catalog
from registry.engine.engine import Engine
from registry.engine.requirements import SPECS, TRUST_FACT
from registry.policy.loader import LoadedPolicy, load_policy
from registry.policy.models import REQUIREMENT_KEYS
from tests.conftest import ROOT

AS_OF = date(2026, 11, 26)
EU = ("policies/eu-confidential.yaml", "confidential")
PHI = ("policies/hipaa-phi.yaml", "phi")


@cache
def catalog() -> Catalog:
    return load_catalog(ROOT / "provider_catalog")


@cache
def policy(path: str) -> LoadedPolicy:
    return load_policy(ROOT / path, path)


def policy_line(path: str, key: str) -> int:
    """The 1-based line of `key:` in a policy file, read from the text itself."""
    lines = (ROOT / path).read_text().splitlines()
    (found,) = [i + 1 for i, line in enumerate(lines) if line.strip().startswith(f"{key}:")]
    return found


def questionnaire(
    which: tuple[str, str],
    cat: Catalog | None = None,
    scope: frozenset[str] | None = None,
    include_all: bool = False,
) -> Questionnaire:
    cat = cat or catalog()
    result = Engine().evaluate(policy(which[0]), cat, which[1], None, AS_OF)
    return build_questionnaire(result, cat, scope, include_all)


def attested(text: str) -> Catalog:
    aset = attestation_set([load_attestations_text(text)])
    return with_attestations(catalog(), aset, AS_OF)


def answer(target: str, facts: str) -> str:
    return (
        "attestations: answers\norg: example\nentries:\n"
        f"  - target: {target}\n    facts: {facts}\n    document: vendor answers Q-1\n"
        "    trust: self-declared\n    signed: 2026-01-01\n    expires: 2027-12-31\n"
        "    approved_by: alice@example.com\n"
    )


def test_every_requirement_with_a_fact_has_a_satisfying_wording() -> None:
    with_fact = {k for k in REQUIREMENT_KEYS if SPECS[k].fact != TRUST_FACT}
    assert set(SATISFYING) == with_fact
    assert "min_evidence_trust" not in SATISFYING


@pytest.mark.parametrize(
    ("rule", "expected", "wording"),
    [
        ("c.inference_within", ["EEA", "CH"], "countries within EEA, CH"),
        ("c.max_prompt_retention_days", 30, "≤ 30 days"),
        ("c.contracts_all", ["dpa"], "offers: dpa"),
        ("c.contracts_signed", ["dpa", "baa"], "signed: dpa, baa"),
        ("c.training", "forbidden", "never or opt-in"),
        ("c.training", "opt_out_ok", "never, opt-in or opt-out"),
        ("c.zero_data_retention", "required", "available or default"),
        ("c.zero_data_retention", "in_effect", "default"),
        ("c.tls_termination", ["provider", "customer"], "one of provider, customer"),
        ("c.certifications_any", ["soc2-type2"], "holds one of soc2-type2, unexpired"),
    ],
)
def test_satisfying_wording(rule: str, expected: object, wording: str) -> None:
    assert satisfying(rule, expected) == wording


def test_google_vertex_is_asked_its_prompt_retention_at_the_policy_line() -> None:
    qn = questionnaire(EU)
    (q,) = [
        q
        for q in qn.questions
        if q.target == "google-vertex" and q.fact == "retention.prompts_days"
    ]
    (need,) = q.needs
    assert need.rule == "confidential.max_prompt_retention_days"
    assert need.file == EU[0]
    assert need.line == policy_line(EU[0], "max_prompt_retention_days")
    assert q.satisfy == "≤ 30 days"
    assert "google-vertex/eu" in q.unblocked and q.unblocks <= q.targets_needing
    assert set(q.unblocked) <= set(q.targets)


@pytest.mark.parametrize("which", [EU, PHI])
def test_questions_are_ordered_by_unblocks_then_target(which: tuple[str, str]) -> None:
    qn = questionnaire(which)
    keys = [(-q.unblocks, q.target, q.fact) for q in qn.questions]
    assert qn.questions and keys == sorted(keys)
    assert len(set(keys)) == len(keys), "one question per (target, fact)"


@pytest.mark.parametrize("which", [EU, PHI])
def test_a_fact_is_asked_where_it_is_unknown(which: tuple[str, str]) -> None:
    cat = catalog()
    for q in questionnaire(which).questions:
        provider = cat.providers[q.provider]
        writers = {d.id for d in provider.deployments if q.fact in written_facts(d)}
        if "/" in q.target:
            assert writers, (q.target, q.fact)  # a deployment writes it: ask per deployment
        else:
            assert not writers, (q.target, q.fact)  # one provider answer covers them all
            assert all(t.startswith(f"{q.provider}/") for t in q.targets)


@pytest.mark.parametrize("which", [EU, PHI])
def test_only_targets_denied_only_by_unknown_facts_by_default(which: tuple[str, str]) -> None:
    result = Engine().evaluate(policy(which[0]), catalog(), which[1], None, AS_OF)
    default = questionnaire(which)
    every = questionnaire(which, include_all=True)
    for target in default.considered:
        assert {r.outcome for r in result.decisions[target].reasons} == {"unknown"}
    mixed = set(every.considered) - set(default.considered)
    assert mixed, "--all adds targets that also fail a requirement"
    for target in mixed:
        assert "failed" in {r.outcome for r in result.decisions[target].reasons}
    assert not mixed & {t for q in every.questions for t in q.unblocked}
    assert len(every.questions) > len(default.questions)


def test_unblocks_counts_exactly_the_targets_one_answer_permits() -> None:
    qn = questionnaire(EU)
    (q,) = [
        q
        for q in qn.questions
        if q.target == "google-vertex" and q.fact == "retention.prompts_days"
    ]
    before = Engine().evaluate(policy(EU[0]), catalog(), EU[1], None, AS_OF)
    view = attested(answer("google-vertex", "{retention: {prompts_days: 0}}"))
    after = Engine().evaluate(policy(EU[0]), view, EU[1], None, AS_OF)
    newly = set(after.permitted) - set(before.permitted)
    assert newly == set(q.unblocked) == {"google-vertex/eu", "google-vertex/eu-rep"}
    # and the answered question is gone; google-vertex/global still needs its countries
    again = questionnaire(EU, view)
    assert ("google-vertex", "retention.prompts_days") not in {
        (x.target, x.fact) for x in again.questions
    }
    assert {x.fact for x in again.questions if x.target == "google-vertex/global"} == {
        "inference_countries",
        "storage_countries",
    }


def test_targets_restrict_the_questions() -> None:
    qn = questionnaire(PHI, scope=frozenset({"google-vertex", "cohere/vault-us"}))
    assert qn.questions
    assert {q.provider for q in qn.questions} == {"google-vertex", "cohere"}
    assert set(qn.considered) <= {t for t in qn.considered if t.startswith("google-vertex/")} | {
        "cohere/vault-us"
    }
    assert "cohere/vault-encrypted" not in {t for q in qn.questions for t in q.targets}
