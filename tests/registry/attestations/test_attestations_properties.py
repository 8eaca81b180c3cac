"""Engine and reference agree under random org attestations (SPEC §9), including expired,
future and conflicting entries; a conflicting set never reaches an evaluation."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.attestations.apply import with_attestations
from registry.attestations.loader import (
    AttestationSet,
    attestation_set,
    attestations_from_document,
    check_attestations,
)
from registry.catalog.facts import written_facts
from registry.engine.engine import Engine
from registry.engine.reference import reference_evaluate
from registry.errors import AttestationError
from tests.strategies import AS_OF, MODELS, attestation_documents, catalogs, dates, policies


def _conflicts(aset: AttestationSet, as_of: date) -> bool:
    """Two entries unexpired on `as_of` setting one fact path of one target, decided here
    from the entries' raw models (not from the loader's fact table)."""
    seen: set[tuple[str, str]] = set()
    for at in aset.entries:
        entry = at.entry
        if entry.expires < as_of:
            continue
        paths = set(written_facts(entry.facts)) if entry.facts is not None else set()
        if entry.signed_contracts is not None:
            paths.add("signed_contracts")
        for path in paths:
            if (entry.target, path) in seen:
                return True
            seen.add((entry.target, path))
    return False


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_engine_and_reference_agree_with_attestations(data: st.DataObject) -> None:
    catalog = data.draw(catalogs())
    policy = data.draw(policies(catalog))
    docs = [attestations_from_document(d) for d in data.draw(attestation_documents(catalog))]
    aset = attestation_set(docs)
    assert aset is not None
    data_class = data.draw(st.sampled_from(["base", "child"]))
    model = data.draw(st.none() | st.sampled_from(MODELS))
    as_of = data.draw(st.just(AS_OF) | dates)
    if _conflicts(aset, as_of):
        with pytest.raises(AttestationError, match="also attested"):
            check_attestations(aset, catalog, as_of, policy.policy.org)
        return
    check_attestations(aset, catalog, as_of, policy.policy.org)
    view = with_attestations(catalog, aset, as_of)
    engine = Engine().evaluate(policy, view, data_class, model, as_of)
    reference = reference_evaluate(policy, catalog, data_class, model, as_of, aset)
    assert engine.to_json() == reference.to_json()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_one_engine_never_serves_one_orgs_answer_to_another(data: st.DataObject) -> None:
    """A shared engine (as in the server) evaluating the public catalog and two orgs' views
    answers each exactly as a fresh engine does: caches key on the attestations."""
    catalog = data.draw(catalogs())
    policy = data.draw(policies(catalog))
    views = [catalog]
    for name in ("a", "b"):
        docs = [attestations_from_document(d) for d in data.draw(attestation_documents(catalog))]
        aset = attestation_set(docs)
        assert aset is not None
        if _conflicts(aset, AS_OF):
            continue
        views.append(with_attestations(catalog, aset, AS_OF))
        del name
    shared = Engine()
    for view in [*views, *reversed(views)]:
        cached = shared.evaluate(policy, view, "child", None, AS_OF)
        fresh = Engine().evaluate(policy, view, "child", None, AS_OF)
        assert cached.to_json() == fresh.to_json()
