"""Engine semantics, one requirement at a time (table-driven), plus lists, exceptions, model
queries, caching and failing closed. Every case runs through the Casbin engine and the
plain-Python reference, which must agree."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from registry.catalog.loader import Catalog, build_catalog
from registry.catalog.models import Provider
from registry.engine import casbin_model
from registry.engine.decisions import Evaluation
from registry.engine.engine import Engine
from registry.engine.reference import reference_evaluate
from registry.policy.loader import LoadedPolicy, policy_from_document
from registry.yamlload import Document

AS_OF = date(2026, 11, 26)


def catalog(*providers: dict[str, Any]) -> Catalog:
    parsed = {p["id"]: Provider.model_validate({"name": p["id"], **p}) for p in providers}
    return build_catalog("<test>", parsed, {pid: Document(pid, None) for pid in parsed})


def policy(requirements: dict[str, Any], **extra: Any) -> LoadedPolicy:
    data = {
        "policy": "t",
        "org": "o",
        "default_data_class": "c",
        "data_classes": {"c": requirements},
        **extra,
    }
    return policy_from_document(Document("t.yaml", data))


def evaluate(pol: LoadedPolicy, cat: Catalog, model: str | None = None) -> Evaluation:
    engine = Engine().evaluate(pol, cat, None, model, AS_OF)
    reference = reference_evaluate(pol, cat, None, model, AS_OF)
    assert engine.to_json() == reference.to_json()
    return engine


def outcome(requirement: dict[str, Any], facts: dict[str, Any]) -> str:
    """pass, failed or unknown for one requirement on one provider's default deployment."""
    result = evaluate(policy(requirement), catalog({"id": "p", **facts}))
    decision = result.decisions["p/default"]
    if decision.permitted:
        return "pass"
    (reason,) = decision.reasons
    assert reason.rule == f"c.{next(iter(requirement))}"
    return reason.outcome


EU_FACT = {"inference_countries": ["EU"]}
CERTS = {
    "certifications": [
        {"id": "soc2-type2", "expires": "2026-11-26"},
        {"id": "iso27001", "expires": "2026-11-25"},
    ]
}
TRUSTED = {
    "training_on_customer_data": "never",
    "evidence": [
        {
            "url": "https://x.example",
            "as_of": "2026-01-01",
            "facts": ["training_on_customer_data"],
            "trust": "self-declared",
            "quote": "We never train models on API data.",
        }
    ],
}

CASES = [
    ({"inference_within": ["EEA"]}, EU_FACT, "pass"),
    ({"inference_within": ["DE"]}, EU_FACT, "failed"),  # EU may mean FR
    ({"inference_within": ["DE", "FR"]}, {"inference_countries": ["DE"]}, "pass"),
    ({"inference_within": ["EEA"]}, {}, "unknown"),
    # ANY: the provider states no location commitment, a known fact that fails (not unknown)
    ({"inference_within": ["EEA"]}, {"inference_countries": ["ANY"]}, "failed"),
    ({"storage_within": ["US"]}, {"storage_countries": ["US", "ANY"]}, "failed"),
    ({"inference_within": ["ANY"]}, {"inference_countries": ["ANY"]}, "pass"),
    ({"storage_within": ["EEA"]}, {"storage_countries": []}, "pass"),  # nothing retained
    ({"storage_within": ["EEA"]}, {"storage_countries": ["US"]}, "failed"),
    ({"decryption_within": ["EEA", "CH"]}, {"decryption_countries": ["CH"]}, "pass"),
    ({"headquarters_in": ["US"]}, {"headquarters": "US"}, "pass"),
    ({"headquarters_not_in": ["CN"]}, {"headquarters": "CN"}, "failed"),
    ({"headquarters_not_in": ["CN"]}, {}, "unknown"),
    ({"tls_termination": ["provider"]}, {"decryption": {"tls_termination": "cdn"}}, "failed"),
    ({"tls_termination": ["provider"]}, {"decryption": {"tls_termination": "unknown"}}, "unknown"),
    ({"gpu_ownership": ["owned", "mixed"]}, {"gpu": {"ownership": "mixed"}}, "pass"),
    (
        {"confidential_computing": "required"},
        {"decryption": {"confidential_computing": False}},
        "failed",
    ),
    (
        {"confidential_computing": "required"},
        {"decryption": {"confidential_computing": True}},
        "pass",
    ),
    ({"max_prompt_retention_days": 30}, {"retention": {"prompts_days": 30}}, "pass"),
    ({"max_prompt_retention_days": 29}, {"retention": {"prompts_days": 30}}, "failed"),
    ({"max_output_retention_days": 0}, {"retention": {"prompts_days": 0}}, "unknown"),
    ({"max_abuse_monitoring_days": 30}, {"retention": {"abuse_monitoring_days": 0}}, "pass"),
    (
        {"zero_data_retention": "required"},
        {"retention": {"zero_data_retention": "available"}},
        "pass",
    ),
    (
        {"zero_data_retention": "required"},
        {"retention": {"zero_data_retention": "unavailable"}},
        "failed",
    ),
    ({"training": "forbidden"}, {"training_on_customer_data": "opt-in"}, "pass"),
    ({"training": "forbidden"}, {"training_on_customer_data": "opt-out"}, "failed"),
    ({"training": "opt_out_ok"}, {"training_on_customer_data": "opt-out"}, "pass"),
    ({"training": "opt_out_ok"}, {"training_on_customer_data": "always"}, "failed"),
    ({"certifications_all": ["soc2-type2"]}, CERTS, "pass"),  # expires on the date: counts
    ({"certifications_all": ["soc2-type2", "iso27001"]}, CERTS, "failed"),  # one expired
    ({"certifications_any": ["iso27001", "soc2-type2"]}, CERTS, "pass"),
    ({"certifications_any": ["iso27001"]}, CERTS, "failed"),
    ({"certifications_any": ["iso27001"]}, {}, "unknown"),
    ({"contracts_all": ["dpa", "baa"]}, {"contracts": ["dpa", "baa", "scc"]}, "pass"),
    ({"contracts_all": ["baa"]}, {"contracts": []}, "failed"),
    ({"subprocessors_not_in": ["some-vendor"]}, {"subprocessors": ["Some-Vendor"]}, "failed"),
    ({"subprocessors_not_in": ["some-vendor"]}, {"subprocessors": []}, "pass"),
    # a list with an item `unknown` is not fully known: unknown as a whole (fail closed); it
    # used to become None inside the list and crash the operator (outcome "error")
    ({"subprocessors_not_in": ["some-vendor"]}, {"subprocessors": ["unknown"]}, "unknown"),
    ({"subprocessors_not_in": ["unknown"]}, {"subprocessors": ["Unknown", "aws"]}, "unknown"),
    ({"contracts_all": ["dpa"]}, {"contracts": ["unknown", "dpa"]}, "unknown"),
    ({"contracts_all": ["dpa"]}, {"contracts": None}, "unknown"),
    ({"evidence_max_age_days": 365}, {"verified_at": "2025-11-26"}, "pass"),
    ({"evidence_max_age_days": 365}, {"verified_at": "2025-11-25"}, "failed"),
    ({"evidence_max_age_days": 365}, {}, "unknown"),
]


@pytest.mark.parametrize(("requirement", "facts", "expected"), CASES)
def test_requirement_outcome(
    requirement: dict[str, Any], facts: dict[str, Any], expected: str
) -> None:
    assert outcome(requirement, facts) == expected


def test_a_list_naming_an_unknown_item_is_unknown_and_denied() -> None:
    offered = catalog({"id": "p", "contracts": ["dpa", "unknown"]})
    result = evaluate(policy({"contracts_all": ["dpa"]}), offered)
    decision = result.decisions["p/default"]
    (reason,) = decision.reasons
    assert not decision.permitted
    assert (reason.outcome, reason.value) == ("unknown", None)


def test_min_evidence_trust_reads_the_facts_of_the_other_requirements() -> None:
    req = {"training": "forbidden", "min_evidence_trust": "self-declared"}
    assert outcome({"training": "forbidden"}, TRUSTED) == "pass"
    result = evaluate(policy(req), catalog({"id": "p", **TRUSTED}))
    assert result.permitted == ["p/default"]
    weak = {**TRUSTED, "evidence": [{**TRUSTED["evidence"][0], "trust": "secondary"}]}
    result = evaluate(policy(req), catalog({"id": "p", **weak}))
    (reason,) = result.decisions["p/default"].reasons
    assert reason.rule == "c.min_evidence_trust"
    assert reason.value == [["training_on_customer_data", "secondary"]]
    unverified = {"training_on_customer_data": "never"}
    result = evaluate(policy(req), catalog({"id": "p", **unverified}))
    (reason,) = result.decisions["p/default"].reasons
    assert reason.value == [["training_on_customer_data", None]]
    assert "unverified" in reason.message
    # a bare URL without a quote does not vouch for a high-stakes fact
    bare = {
        **TRUSTED,
        "evidence": [{k: v for k, v in TRUSTED["evidence"][0].items() if k != "quote"}],
    }
    (reason,) = evaluate(policy(req), catalog({"id": "p", **bare})).decisions["p/default"].reasons
    assert reason.value == [["training_on_customer_data", None]]


def test_every_failed_requirement_is_reported_not_just_the_first() -> None:
    pol = policy(
        {
            "inference_within": ["EEA"],
            "training": "forbidden",
            "max_prompt_retention_days": 0,
            "contracts_all": ["dpa"],
        }
    )
    cat = catalog(
        {
            "id": "p",
            "inference_countries": ["US"],
            "training_on_customer_data": "always",
            "retention": {"prompts_days": 30},
        }
    )
    reasons = evaluate(pol, cat).decisions["p/default"].reasons
    assert [(r.rule, r.outcome) for r in reasons] == [
        ("c.inference_within", "failed"),
        ("c.max_prompt_retention_days", "failed"),
        ("c.training", "failed"),
        ("c.contracts_all", "unknown"),
    ]
    assert reasons[0].message == "inference in US, outside EEA"
    assert reasons[0].value == ["US"] and reasons[0].expected == ["EEA"]


def test_on_unknown_allow_accepts_unknown_but_not_failures() -> None:
    pol = policy({"inference_within": ["EEA"], "training": "forbidden", "on_unknown": "allow"})
    cat = catalog({"id": "unknown"}, {"id": "bad", "training_on_customer_data": "always"})
    result = evaluate(pol, cat)
    assert result.permitted == ["unknown/default"]
    assert [r.rule for r in result.decisions["bad/default"].reasons] == ["c.training"]


def test_inherited_requirements_use_the_evaluated_class_in_rule_ids_and_null_clears() -> None:
    data = {
        "policy": "t",
        "org": "o",
        "data_classes": {
            "base": {"training": "forbidden", "headquarters_in": ["US"]},
            "child": {"inherits": "base", "headquarters_in": None, "contracts_all": ["dpa"]},
        },
    }
    pol = policy_from_document(Document("t.yaml", data))
    cat = catalog(
        {"id": "p", "headquarters": "DE", "training_on_customer_data": "always", "contracts": []}
    )
    result = Engine().evaluate(pol, cat, "child", None, AS_OF)
    assert [r.rule for r in result.decisions["p/default"].reasons] == [
        "child.training",
        "child.contracts_all",
    ]


def test_deny_and_allow_lists() -> None:
    cat = catalog(
        {"id": "a", "deployments": [{"id": "eu"}, {"id": "us"}]}, {"id": "b"}, {"id": "c"}
    )
    result = evaluate(policy({}, providers={"deny": ["a/us", "c"], "allow": ["a"]}), cat)
    assert result.permitted == ["a/eu"]
    assert [r.rule for r in result.decisions["a/us"].reasons] == ["providers.deny"]
    assert [r.rule for r in result.decisions["b/default"].reasons] == ["providers.allow"]
    assert [r.rule for r in result.decisions["c/default"].reasons] == [
        "providers.deny",
        "providers.allow",
    ]


def test_exceptions_waive_until_they_expire() -> None:
    exceptions = [
        {
            "target": "p",
            "data_class": "c",
            "waive": ["training"],
            "reason": "reviewed",
            "approved_by": "sec@example.test",
            "expires": "2026-11-26",
        },
        {
            "target": "p/default",
            "data_class": "c",
            "waive": ["inference_within"],
            "reason": "old",
            "approved_by": "sec@example.test",
            "expires": "2026-11-25",
        },
    ]
    pol = policy({"training": "forbidden", "inference_within": ["EEA"]}, exceptions=exceptions)
    cat = catalog({"id": "p", "training_on_customer_data": "always", "inference_countries": ["US"]})
    result = evaluate(pol, cat)
    decision = result.decisions["p/default"]
    assert not decision.permitted
    assert [r.rule for r in decision.reasons] == ["c.inference_within"]
    assert [w.reason.rule for w in decision.waived] == ["c.training"]
    assert decision.waived[0].approved_by == "sec@example.test"
    assert any("expired on 2026-11-25" in w for w in result.warnings)
    only_training = policy({"training": "forbidden"}, exceptions=exceptions[:1])
    waived = evaluate(only_training, cat)
    assert waived.permitted == ["p/default"]
    assert waived.to_json()["waived"]["p/default"][0]["waiver"]["reason"] == "reviewed"


def test_model_query_targets_only_deployments_offering_the_model() -> None:
    cat = catalog(
        {
            "id": "p",
            "deployments": [{"id": "eu"}, {"id": "us"}],
            "models": [
                {
                    "id": "lab/m",
                    "deployments": ["eu"],
                    "quantization": "int4",
                    "tool_call_accuracy": 0.95,
                }
            ],
        }
    )
    pol = policy({"quantizations": ["bf16"], "min_tool_call_accuracy": 0.9})
    result = evaluate(pol, cat, "lab/M")
    assert set(result.decisions) == {"p/eu"}
    assert [r.rule for r in result.decisions["p/eu"].reasons] == ["c.quantizations"]
    assert evaluate(pol, cat).permitted == ["p/eu", "p/us"]  # model-only keys skipped
    nobody = evaluate(pol, cat, "lab/unknown")
    assert nobody.decisions == {}
    assert nobody.warnings == ("no deployment in the catalog offers model lab/unknown",)


def test_any_says_the_provider_makes_no_location_commitment() -> None:
    result = evaluate(
        policy({"inference_within": ["EEA", "CH"]}),
        catalog({"id": "p", "inference_countries": ["ANY"]}),
    )
    (reason,) = result.decisions["p/default"].reasons
    assert reason.outcome == "failed"
    assert reason.value == ["ANY"]
    assert reason.message == (
        "inference: the provider makes no location commitment (ANY); allowed: EEA, CH"
    )


def test_an_offering_may_set_any_fact_and_overrides_its_deployment() -> None:
    """Terms that differ by model (a routed model's retention, regional processing only for
    some models) sit on the offering; deployment queries see the deployment's worst case."""
    cat = catalog(
        {
            "id": "p",
            "training_on_customer_data": "never",
            "deployments": [{"id": "eu", "inference_countries": ["ANY"]}],
            "models": [
                {"id": "lab/regional", "inference_countries": ["DE"]},
                {
                    "id": "lab/routed",
                    "training_on_customer_data": "opt-out",
                    "retention": {"prompts_days": 30},
                },
            ],
        }
    )
    pol = policy({"inference_within": ["EEA"], "training": "forbidden"})
    assert evaluate(pol, cat).permitted == []
    assert evaluate(pol, cat, "lab/regional").permitted == ["p/eu"]
    routed = evaluate(pol, cat, "lab/routed").decisions["p/eu"]
    assert [r.rule for r in routed.reasons] == ["c.inference_within", "c.training"]


def test_results_are_cached_by_revisions_and_date() -> None:
    engine = Engine()
    cat = catalog({"id": "p", "training_on_customer_data": "never"})
    pol = policy({"training": "forbidden"})
    first = engine.evaluate(pol, cat, None, None, AS_OF)
    assert engine.evaluate(pol, cat, None, None, AS_OF) is first
    assert engine.evaluate(pol, cat, None, None, date(2026, 11, 27)) is not first
    changed = catalog({"id": "p", "training_on_customer_data": "always"})
    assert engine.evaluate(pol, changed, None, None, AS_OF).permitted == []


def test_an_engine_failure_denies_everything_with_a_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Fault injection: an operator that raises must deny, never permit, never escape."""

    def broken(_value: object, _param: object) -> bool:
        raise ZeroDivisionError("injected")

    monkeypatch.setattr(
        casbin_model, "operator_table", lambda: {"training_ok": broken, "within": broken}
    )
    cat = catalog({"id": "p", "training_on_customer_data": "never"}, {"id": "q"})
    result = Engine().evaluate(policy({"training": "forbidden"}), cat, None, None, AS_OF)
    assert result.permitted == []
    reason = result.decisions["p/default"].reasons[0]
    assert reason.outcome == "error" and "injected" in reason.message
    missing = Engine().evaluate(policy({"headquarters_in": ["US"]}), cat, None, None, AS_OF)
    assert missing.permitted == []
    assert all(d.reasons[0].rule == "c.engine" for d in missing.decisions.values())


def test_the_reference_shares_only_models_and_result_types_with_the_engine() -> None:
    """Issue 17 item 2: agreement compares two readings of the SPEC, not the code with
    itself; the reference imports no fact extraction, table, operator or wording."""
    import ast

    from tests.conftest import ROOT

    tree = ast.parse((ROOT / "registry" / "engine" / "reference.py").read_text())
    imported = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("registry")
    }
    assert imported <= {
        "registry.attestations.loader",
        "registry.catalog.attested",
        "registry.catalog.loader",
        "registry.catalog.models",
        "registry.countries",
        "registry.engine.decisions",
        "registry.policy.loader",
        "registry.schema_types",
    }, imported
