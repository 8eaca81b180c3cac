"""Attestations files in the store, on a real SQLite file and a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from registry.errors import (
    AttestationError,
    PreconditionFailedError,
    PreconditionRequiredError,
    Problem,
)
from registry.store.repository import Store
from registry.store.state import StoredAttestations

YAML = "application/yaml"
BODY = """attestations: vendor-reviews
org: acme
entries:
  - target: stackit
    facts: {contracts: [dpa]}
    document: STACKIT DPA, ticket VR-1
    trust: contractual
    signed: 2026-01-01
    expires: 2030-01-01
    approved_by: alice@acme.example
"""


def test_attestations_writes_are_versioned_audited_and_bump_the_generation(store: Store) -> None:
    before = store.generation()
    first, created = store.put_attestations("acme", "vendor-reviews", BODY, YAML, actor="k1")
    assert created and first.revision == 1
    assert store.generation() == before + 1
    with pytest.raises(PreconditionRequiredError):
        store.put_attestations("acme", "vendor-reviews", BODY + "#x\n", YAML, actor="k1")
    with pytest.raises(PreconditionFailedError):
        store.put_attestations(
            "acme", "vendor-reviews", BODY + "#x\n", YAML, if_match='"stale"', actor="k1"
        )
    second, created = store.put_attestations(
        "acme", "vendor-reviews", BODY + "#x\n", YAML, if_match=first.etag, actor="k2"
    )
    assert not created and second.revision == 2 and second.etag != first.etag
    same, created = store.put_attestations(
        "acme", "vendor-reviews", BODY + "#x\n", YAML, if_match=second.etag, actor="k2"
    )
    assert (same, created) == (second, False)  # an identical body adds no revision
    assert store.get_attestations("acme", "vendor-reviews") == second
    assert store.get_attestations("acme", "vendor-reviews", 1) == first
    assert store.get_attestations("other", "vendor-reviews") is None
    assert [a.name for a in store.list_attestations("acme")] == ["vendor-reviews"]
    assert store.list_attestations("other") == []
    assert [r.revision for r in store.attestations_revisions("acme", "vendor-reviews")] == [1, 2]
    entries = [e for e in store.audit_entries("acme") if e.action == "attestations.put"]
    assert [(e.actor, e.object) for e in entries] == [
        ("k1", "attestations/vendor-reviews"),
        ("k2", "attestations/vendor-reviews"),
    ]
    assert entries[1].old_digest == first.content_hash
    assert store.verify_audit()[2] is None
    assert store.read_state().attestations == (second,)


def test_a_refusing_check_writes_nothing_and_sees_the_other_files(store: Store) -> None:
    store.put_attestations("acme", "one", BODY, YAML, actor="k1")
    store.put_attestations("zeta", "two", BODY, YAML, actor="k1")
    generation, audit = store.generation(), len(store.audit_entries())
    seen: list[list[str]] = []

    def refuse(others: Sequence[StoredAttestations]) -> None:
        seen.append([f"{a.org}/{a.name}" for a in others])
        raise AttestationError([Problem("CLR-O002", "conflict", "remove one", "acme/two")])

    with pytest.raises(AttestationError):
        store.put_attestations("acme", "two", BODY, YAML, actor="k1", check=refuse)
    assert seen == [["acme/one"]]  # the org's other files only, never another org's
    assert store.get_attestations("acme", "two") is None
    assert (store.generation(), len(store.audit_entries())) == (generation, audit)
