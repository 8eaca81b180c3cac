"""Org attestations (SPEC §9): loader rules, the overlay's precedence and expiry, the new
requirements, attested reasons, and cache isolation — each on real YAML files."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest

from registry.attestations.apply import with_attestations
from registry.attestations.loader import (
    AttestationSet,
    check_attestations,
    load_attestation_paths,
)
from registry.catalog.loader import Catalog, load_catalog
from registry.engine.decisions import Evaluation
from registry.engine.engine import Engine
from registry.engine.reference import reference_evaluate
from registry.errors import AttestationError, InputError
from registry.policy.loader import LoadedPolicy, load_policy
from tests.catalogs import write_synthetic

AS_OF = date(2026, 11, 26)

PROVIDER = """\
headquarters: DE
training_on_customer_data: never
contracts: [dpa]
retention: {prompts_days: 30, zero_data_retention: available}
deployments:
  - id: eu
    inference_countries: [DE]
    storage_countries: [DE]
    decryption_countries: [DE]
  - id: us
    inference_countries: [US]
    storage_countries: [US]
    decryption_countries: [US]
"""
POLICY = """\
policy: acme-eu
org: acme
default_data_class: internal
data_classes:
  internal:
    training: forbidden
    max_prompt_retention_days: 0
  confidential:
    inherits: internal
    inference_within: [EEA]
    contracts_signed: [dpa]
  zdr:
    zero_data_retention: in_effect
"""


def _entry(
    target: str, body: str, *, signed: str = "2026-01-01", expires: str = "2027-01-01"
) -> str:
    lines = textwrap.indent(textwrap.dedent(body).strip(), "    ")
    return (
        f"  - target: {target}\n{lines}\n"
        f'    document: "Fictional approval for {target}"\n'
        "    trust: contractual\n"
        f"    signed: {signed}\n"
        f"    expires: {expires}\n"
        "    approved_by: alice@acme.example\n"
    )


def _write_set(root: Path, *entries: str, name: str = "reviews", org: str = "acme") -> Path:
    path = root / "attestations" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"attestations: {name}\norg: {org}\nentries:\n" + "".join(entries))
    return path


Setup = tuple[LoadedPolicy, Catalog]


def _load(paths: list[Path]) -> AttestationSet:
    found = load_attestation_paths(paths)
    assert found is not None
    return found


@pytest.fixture
def setup(tmp_path: Path) -> tuple[LoadedPolicy, Catalog]:
    policy_path, catalog_dir = write_synthetic(tmp_path, {"acme-ai": PROVIDER}, POLICY)
    return load_policy(policy_path), load_catalog(catalog_dir)


def _evaluate(
    setup: tuple[LoadedPolicy, Catalog], aset: AttestationSet | None, cls: str, day: date = AS_OF
) -> Evaluation:
    policy, catalog = setup
    if aset is not None:
        check_attestations(aset, catalog, day, policy.policy.org)
    engine = Engine().evaluate(policy, with_attestations(catalog, aset, day), cls, None, day)
    reference = reference_evaluate(policy, catalog, cls, None, day, aset)
    assert engine.to_json() == reference.to_json()
    return engine


def _rules(result: Evaluation, target: str) -> list[str]:
    return [r.rule for r in result.decisions[target].reasons]


def test_without_attestations_retention_and_signed_contracts_deny(setup: Setup) -> None:
    result = _evaluate(setup, None, "confidential")
    assert _rules(result, "acme-ai/eu") == [
        "confidential.max_prompt_retention_days",
        "confidential.contracts_signed",
    ]
    reason = result.decisions["acme-ai/eu"].reasons[1]
    assert reason.outcome == "unknown" and "no attestation" in reason.message


def test_a_provider_entry_permits_every_deployment_it_satisfies(
    setup: Setup, tmp_path: Path
) -> None:
    path = _write_set(
        tmp_path,
        _entry("acme-ai", "facts: {retention: {prompts_days: 0}}\nsigned_contracts: [dpa]"),
    )
    result = _evaluate(setup, _load([path]), "confidential")
    assert result.permitted == ["acme-ai/eu"]
    assert _rules(result, "acme-ai/us") == ["confidential.inference_within"]
    assert result.extra["attestations_revision"]


def test_deployment_entry_wins_over_provider_entry_field_by_field(
    setup: Setup, tmp_path: Path
) -> None:
    path = _write_set(
        tmp_path,
        _entry("acme-ai", "facts: {retention: {prompts_days: 0, zero_data_retention: default}}"),
        _entry("acme-ai/eu", "facts: {retention: {prompts_days: 14}}"),
    )
    result = _evaluate(setup, _load([path]), "internal")
    # eu: its own entry's 14 days win over the provider entry's 0 ...
    assert _rules(result, "acme-ai/eu") == ["internal.max_prompt_retention_days"]
    eu = result.decisions["acme-ai/eu"].reasons[0]
    assert eu.value == 14
    assert eu.attested is not None and eu.attested.line == 11
    # ... us keeps the provider entry's 0
    assert "acme-ai/us" in result.permitted
    # field by field: the provider entry's ZDR still holds on eu
    zdr = _evaluate(setup, _load([path]), "zdr")
    assert zdr.permitted == ["acme-ai/eu", "acme-ai/us"]


def test_entry_file_order_does_not_beat_precedence(setup: Setup, tmp_path: Path) -> None:
    """The deployment entry written first still wins over a later provider entry."""
    path = _write_set(
        tmp_path,
        _entry("acme-ai/eu", "facts: {retention: {prompts_days: 14}}"),
        _entry("acme-ai", "facts: {retention: {prompts_days: 0}}"),
    )
    result = _evaluate(setup, _load([path]), "internal")
    assert _rules(result, "acme-ai/eu") == ["internal.max_prompt_retention_days"]
    assert "acme-ai/us" in result.permitted


@pytest.mark.parametrize(
    ("day", "in_effect"),
    [(date(2026, 12, 31), True), (date(2027, 1, 1), True), (date(2027, 1, 2), False)],
)
def test_expiry_boundary_falls_back_to_the_catalog(
    setup: Setup, tmp_path: Path, day: date, in_effect: bool
) -> None:
    path = _write_set(tmp_path, _entry("acme-ai", "facts: {retention: {prompts_days: 0}}"))
    result = _evaluate(setup, _load([path]), "internal", day)
    assert ("acme-ai/eu" in result.permitted) is in_effect
    if in_effect:
        assert any("expires on 2027-01-01" in w for w in result.warnings)
    else:
        assert _rules(result, "acme-ai/eu") == ["internal.max_prompt_retention_days"]
        assert result.decisions["acme-ai/eu"].reasons[0].attested is None  # catalog's 30 days
        assert any("expired on 2027-01-01 and is ignored" in w for w in result.warnings)


def test_expiry_warning_starts_30_days_ahead(setup: Setup, tmp_path: Path) -> None:
    path = _write_set(tmp_path, _entry("acme-ai", "facts: {retention: {prompts_days: 0}}"))
    aset = _load([path])
    assert not _evaluate(setup, aset, "internal", date(2026, 12, 1)).warnings
    warned = _evaluate(setup, aset, "internal", date(2026, 12, 2)).warnings
    assert warned and "in 30 days" in warned[0]


def test_an_entry_signed_after_the_evaluation_date_is_not_in_effect(
    setup: Setup, tmp_path: Path
) -> None:
    path = _write_set(
        tmp_path, _entry("acme-ai", "facts: {retention: {prompts_days: 0}}", signed="2026-12-01")
    )
    result = _evaluate(setup, _load([path]), "internal")
    assert "acme-ai/eu" not in result.permitted
    assert any("not in effect yet" in w for w in result.warnings)


def test_an_attestation_can_make_a_target_less_compliant(setup: Setup, tmp_path: Path) -> None:
    ok = _write_set(tmp_path, _entry("acme-ai", "facts: {retention: {prompts_days: 0}}"))
    assert "acme-ai/us" in _evaluate(setup, _load([ok]), "internal").permitted
    worse = _write_set(
        tmp_path,
        _entry("acme-ai", "facts: {retention: {prompts_days: 0}}"),
        _entry("acme-ai/us", "facts: {training_on_customer_data: opt-out}"),
        name="review-2",
    )
    result = _evaluate(setup, _load([worse]), "internal")
    assert _rules(result, "acme-ai/us") == ["internal.training"]
    reason = result.decisions["acme-ai/us"].reasons[0]
    assert reason.attested is not None
    assert 'attested by "Fictional approval for acme-ai/us"' in reason.message
    shown = reason.to_json()["attested"]
    assert shown["document"] == "Fictional approval for acme-ai/us"
    assert shown["expires"] == "2027-01-01" and shown["line"] == 11
    assert shown["file"].endswith("review-2.yaml")


def test_contracts_signed_is_inherited_and_needs_every_contract(
    setup: Setup, tmp_path: Path
) -> None:
    policy = setup[0]
    assert [r.key for r in policy.classes["confidential"].requirements].count("contracts_signed")
    partial = _write_set(
        tmp_path,
        _entry("acme-ai", "facts: {retention: {prompts_days: 0}}\nsigned_contracts: [scc]"),
    )
    result = _evaluate(setup, _load([partial]), "confidential")
    reason = result.decisions["acme-ai/eu"].reasons[0]
    assert reason.rule == "confidential.contracts_signed" and reason.outcome == "failed"
    assert reason.value == ["scc"] and "required: dpa" in reason.message


def test_zero_data_retention_in_effect_needs_default_required_accepts_available(
    setup: Setup, tmp_path: Path
) -> None:
    result = _evaluate(setup, None, "zdr")
    assert _rules(result, "acme-ai/eu") == ["zdr.zero_data_retention"]
    assert "in_effect needs default" in result.decisions["acme-ai/eu"].reasons[0].message


def test_min_evidence_trust_reads_the_entrys_trust(tmp_path: Path) -> None:
    policy_path, catalog_dir = write_synthetic(
        tmp_path,
        {"acme-ai": "retention: {prompts_days: 30}\n"},
        "policy: p\norg: acme\ndata_classes:\n  c:\n    max_prompt_retention_days: 0\n"
        "    min_evidence_trust: contractual\n",
    )
    setup = (load_policy(policy_path), load_catalog(catalog_dir))
    assert _rules(_evaluate(setup, None, "c"), "acme-ai/default") == [
        "c.max_prompt_retention_days",
        "c.min_evidence_trust",
    ]
    path = _write_set(tmp_path, _entry("acme-ai", "facts: {retention: {prompts_days: 0}}"))
    assert _evaluate(setup, _load([path]), "c").permitted == ["acme-ai/default"]


def test_unknown_target_suggests_the_closest_id(setup: Setup, tmp_path: Path) -> None:
    path = _write_set(tmp_path, _entry("acme-al/eu", "signed_contracts: [dpa]"))
    with pytest.raises(AttestationError) as err:
        check_attestations(_load([path]), setup[1], AS_OF)
    problem = err.value.problems[0]
    assert problem.code == "CLR-O002" and problem.line == 4
    assert "did you mean acme-ai/eu" in problem.remedy


def test_conflicting_unexpired_entries_name_both_lines(setup: Setup, tmp_path: Path) -> None:
    path = _write_set(
        tmp_path,
        _entry("acme-ai", "facts: {retention: {prompts_days: 0}}"),
        _entry("acme-ai", "facts: {retention: {prompts_days: 7, outputs_days: 0}}"),
    )
    with pytest.raises(AttestationError) as err:
        check_attestations(_load([path]), setup[1], AS_OF)
    (problem,) = err.value.problems
    assert problem.line == 12 and problem.key == "retention.prompts_days"
    assert f"{path}:5 " in problem.message


def test_an_expired_entry_does_not_conflict(setup: Setup, tmp_path: Path) -> None:
    path = _write_set(
        tmp_path,
        _entry("acme-ai", "facts: {retention: {prompts_days: 0}}", expires="2026-06-01"),
        _entry("acme-ai", "facts: {retention: {prompts_days: 7}}"),
    )
    check_attestations(_load([path]), setup[1], AS_OF)
    with pytest.raises(AttestationError):
        check_attestations(_load([path]), setup[1], date(2026, 5, 1))


def test_placeholders_never_validate(tmp_path: Path) -> None:
    path = _write_set(
        tmp_path,
        '  - target: acme-ai\n    facts: {retention: {prompts_days: "FILL IN: days"}}\n'
        '    document: "FILL IN: the document"\n    trust: contractual\n'
        "    signed: 2026-01-01\n    expires: 2027-01-01\n    approved_by: a@b.example\n",
    )
    with pytest.raises(AttestationError) as err:
        load_attestation_paths([path])
    assert [(p.code, p.line) for p in err.value.problems] == [("CLR-O003", 5), ("CLR-O003", 6)]


@pytest.mark.parametrize(
    ("body", "key", "needle"),
    [
        ("  - target: acme-ai\n    documnt: x\n", "entries[0].documnt", "unknown key"),
        (
            _entry("acme-ai", "signed_contracts: [dpa]").replace(
                "trust: contractual", "trust: secondary"
            ),
            "entries[0].trust",
            "contractual",
        ),
        (
            _entry("acme-ai", "signed_contracts: [dpa]", signed="2027-02-01"),
            "entries[0]",
            "before signed",
        ),
        (
            _entry("acme-ai", "approved: true").replace("    approved: true\n", ""),
            "entries[0]",
            "sets nothing",
        ),
    ],
)
def test_schema_errors_name_file_line_key_and_remedy(
    tmp_path: Path, body: str, key: str, needle: str
) -> None:
    path = _write_set(tmp_path, body)
    with pytest.raises(AttestationError) as err:
        load_attestation_paths([path])
    found = [p for p in err.value.problems if p.key == key]
    assert found, err.value.render()
    assert found[0].code == "CLR-O001" and found[0].line is not None and found[0].remedy
    assert needle in found[0].render()


def test_another_orgs_attestations_are_refused(setup: Setup, tmp_path: Path) -> None:
    path = _write_set(tmp_path, _entry("acme-ai", "signed_contracts: [dpa]"), org="other")
    with pytest.raises(AttestationError, match="belong to org 'other'"):
        check_attestations(_load([path]), setup[1], AS_OF, "acme")


def test_a_set_is_one_org_with_distinct_names(tmp_path: Path) -> None:
    first = _write_set(tmp_path, _entry("acme-ai", "signed_contracts: [dpa]"), name="a")
    (tmp_path / "b").mkdir()
    second = _write_set(tmp_path / "b", _entry("acme-ai", "signed_contracts: [dpa]"), name="a")
    with pytest.raises(InputError, match="also used by"):
        load_attestation_paths([first, second])


def test_cached_decisions_never_cross_attestations(setup: Setup, tmp_path: Path) -> None:
    """One engine (as in the server) for the public catalog and two orgs' views."""
    policy, catalog = setup
    path = _write_set(
        tmp_path,
        _entry("acme-ai", "facts: {retention: {prompts_days: 0}}\nsigned_contracts: [dpa]"),
    )
    view = with_attestations(catalog, _load([path]), AS_OF)
    shared = Engine()
    public = shared.evaluate(policy, catalog, "confidential", None, AS_OF).to_json()
    attested = shared.evaluate(policy, view, "confidential", None, AS_OF).to_json()
    again = shared.evaluate(policy, catalog, "confidential", None, AS_OF).to_json()
    assert public["permitted"] == [] and attested["permitted"] == ["acme-ai/eu"]
    assert again == public and "attestations_revision" not in public
