"""The requirement table: which fact each requirement reads, its operator, and its message.

Both the Casbin engine and the reference evaluator take facts and messages from here; only
the decision itself (operator vs. reference check) is made separately by each.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from registry.catalog.facts import SIGNED_CONTRACTS
from registry.countries import ANY
from registry.engine.decisions import Outcome, Reason, Source
from registry.policy.loader import COUNTRY_KEYS, Requirement
from registry.schema_types import TRUST_ORDER

TRUST_FACT = "@evidence_trust"
TRUST_RANK = {name: rank for rank, name in enumerate(TRUST_ORDER)}


@dataclass(frozen=True)
class Spec:
    fact: str
    op: str
    what: str


SPECS: Mapping[str, Spec] = {
    "inference_within": Spec("inference_countries", "within", "inference"),
    "storage_within": Spec("storage_countries", "within", "storage"),
    "decryption_within": Spec("decryption_countries", "within", "decryption"),
    "headquarters_in": Spec("headquarters", "member", "headquarters"),
    "headquarters_not_in": Spec("headquarters", "not_member", "headquarters"),
    "tls_termination": Spec("decryption.tls_termination", "one_of", "TLS termination"),
    "gpu_ownership": Spec("gpu.ownership", "one_of", "GPU ownership"),
    "confidential_computing": Spec(
        "decryption.confidential_computing", "is_true", "confidential computing"
    ),
    "max_prompt_retention_days": Spec("retention.prompts_days", "at_most", "prompt retention"),
    "max_output_retention_days": Spec("retention.outputs_days", "at_most", "output retention"),
    "max_abuse_monitoring_days": Spec(
        "retention.abuse_monitoring_days", "at_most", "abuse-monitoring retention"
    ),
    "zero_data_retention": Spec("retention.zero_data_retention", "zdr_ok", "zero data retention"),
    "training": Spec("training_on_customer_data", "training_ok", "training on customer data"),
    "certifications_all": Spec("certifications", "certs_all", "certifications"),
    "certifications_any": Spec("certifications", "certs_any", "certifications"),
    "contracts_all": Spec("contracts", "contains_all", "contracts"),
    "contracts_signed": Spec(SIGNED_CONTRACTS, "contains_all", "signed contracts"),
    "subprocessors_not_in": Spec("subprocessors", "excludes", "subprocessors"),
    "evidence_max_age_days": Spec("verified_at", "on_or_after", "catalog verification"),
    "min_evidence_trust": Spec(TRUST_FACT, "trust_at_least", "evidence trust"),
    "min_tool_call_accuracy": Spec("tool_call_accuracy", "at_least", "tool-call accuracy"),
    "quantizations": Spec("quantization", "one_of", "quantization"),
}
UNEVIDENCED_FACTS = frozenset({"verified_at", TRUST_FACT})


def encode(value: Any) -> str:
    """Canonical JSON text of a fact value or parameter (dates as ISO strings)."""
    if isinstance(value, frozenset | set):
        value = sorted(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_default)


def _default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def parameter(req: Requirement, as_of: date) -> Any:
    """The JSON-able parameter an operator compares the fact with."""
    if req.key in ("certifications_all", "certifications_any"):
        return {"ids": sorted(req.value), "as_of": as_of.isoformat()}
    if req.key == "evidence_max_age_days":
        return (as_of - timedelta(days=req.value)).isoformat()
    if isinstance(req.value, frozenset):
        return sorted(req.value)
    return req.value


def expected(req: Requirement) -> Any:
    """What the reason shows as expected: the list as written, or the scalar."""
    return list(req.labels) if req.labels is not None else req.value


def _listed(items: Any) -> str:
    return ", ".join(str(i) for i in items)


def _failed_message(req: Requirement, spec: Spec, value: Any) -> str:
    key, shown = req.key, expected(req)
    if key in COUNTRY_KEYS and key.endswith("_within") and ANY in value:
        return (
            f"{spec.what}: the provider makes no location commitment (ANY);"
            f" allowed: {_listed(shown)}"
        )
    if key in COUNTRY_KEYS and key.endswith("_within"):
        return f"{spec.what} in {_listed(value) or 'no country'}, outside {_listed(shown)}"
    if key == "headquarters_in":
        return f"headquarters in {value}, not in {_listed(shown)}"
    if key == "headquarters_not_in":
        return f"headquarters in {value}, which is excluded ({_listed(shown)})"
    if key in ("tls_termination", "gpu_ownership", "quantizations"):
        return f"{spec.what} is {value}, not one of {_listed(shown)}"
    if key.startswith("max_"):
        return f"{spec.what} is {value} days, more than {shown}"
    if key == "training":
        return f"training is {value}; {shown} needs {' or '.join(_training_ok(shown))}"
    if key == "certifications_all":
        return f"missing certifications among {_listed(shown)} (held: {_cert_ids(value)})"
    if key == "certifications_any":
        return f"none of {_listed(shown)} held (held: {_cert_ids(value)})"
    if key == "contracts_all":
        return f"contracts offered: {_listed(value) or 'none'}; required: {_listed(shown)}"
    if key == "contracts_signed":
        return (
            f"contracts signed for this org: {_listed(value) or 'none'}; required: {_listed(shown)}"
        )
    if key == "zero_data_retention":
        wanted = (
            "default (in effect for this org)" if shown == "in_effect" else "default or available"
        )
        return f"{spec.what} is {value}; {shown} needs {wanted}"
    if key == "subprocessors_not_in":
        return f"uses excluded subprocessors among {_listed(shown)}"
    if key == "evidence_max_age_days":
        return f"catalog entry last verified {value}, more than {shown} days ago"
    if key == "min_evidence_trust":
        weak = ", ".join(f"{fact} ({trust or 'unverified'})" for fact, trust in value)
        return f"evidence below {shown}: {weak}"
    if key == "min_tool_call_accuracy":
        return f"{spec.what} is {value}, below {shown}"
    if key == "confidential_computing":
        return "prompts are not decrypted only inside attested TEEs (confidential computing)"
    return f"{spec.what} is {value}; required: {shown}"


def _training_ok(mode: Any) -> tuple[str, ...]:
    return ("never", "opt-in") if mode == "forbidden" else ("never", "opt-in", "opt-out")


def _cert_ids(value: Any) -> str:
    return _listed(cert_id for cert_id, _ in value) or "none"


def shown_value(req: Requirement, value: Any) -> Any:
    """The fact value a reason reports (JSON-shaped); for evidence trust only the weak facts."""
    if req.key == "min_evidence_trust" and value is not None:
        floor = TRUST_RANK[req.value]
        return [[f, t] for f, t in value if t is None or TRUST_RANK[t] < floor]
    return value


def as_json_value(value: Any) -> Any:
    """A canonical fact value (tuples, dates) in the JSON shape reasons carry."""
    return json.loads(encode(value))


def make_reason(
    req: Requirement, file: str, value: Any, outcome: Outcome, detail: str = ""
) -> Reason:
    """The reason for a requirement that did not hold for a (JSON-shaped) fact value."""
    spec, source, wanted = _static(req, file)
    shown = shown_value(req, value)
    if outcome == "unknown" and spec.fact == SIGNED_CONTRACTS:
        message = "no attestation of this org records signed contracts: denied (fail closed)"
    elif outcome == "unknown":
        message = f"{spec.fact} is unknown: denied (fail closed)"
    elif outcome == "error":
        message = f"engine error, denied: {detail}"
    else:
        message = _failed_message(req, spec, shown)
    fact = None if spec.fact == TRUST_FACT else spec.fact
    return Reason(req.rule, message, fact, shown, wanted, source, outcome)


@lru_cache(maxsize=4096)
def _static(req: Requirement, file: str) -> tuple[Spec, Source, Any]:
    """What every reason of one requirement shares (built once, not per fact value)."""
    return SPECS[req.key], Source(file, req.line), expected(req)
