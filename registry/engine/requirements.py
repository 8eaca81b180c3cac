"""The requirement table: one row per policy requirement, and everything derived from it.

A row says which fact the requirement reads, the operator that decides it (by name, see
engine/operators.py), the parameter the operator compares the fact with, the message of a
failure, whether it applies to model queries only, and the part of the fact value its
decision depends on (its projection). The policy schema (`DataClass`) says which keys exist;
this module refuses to import unless every key has exactly one complete row, so a new
requirement cannot validate and then be ignored (fail open).

The reference evaluator (engine/reference.py) reads none of this: it decides and words its
reasons from the SPEC on its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from registry.catalog.facts import SIGNED_CONTRACTS
from registry.countries import ANY
from registry.engine.decisions import Outcome, Reason, Source
from registry.engine.operators import operator_table
from registry.policy.loader import Requirement
from registry.policy.models import REQUIREMENT_KEYS
from registry.schema_types import TRUST_ORDER

TRUST_FACT = "@evidence_trust"
TRUST_RANK = {name: rank for rank, name in enumerate(TRUST_ORDER)}

# (what the requirement is about, the fact value a reason shows, what it expects) -> message
Message = Callable[[str, Any, Any], str]
# (the requirement's resolved value, the evaluation date) -> the operator's parameter
Parameter = Callable[[Any, date], Any]
# (a JSON-decoded, non-null fact value, the evaluation date) -> what the decision depends on
Projection = Callable[[Any, date], Hashable]
# (a JSON-decoded fact value, the requirement's resolved value) -> the value a reason shows
Shown = Callable[[Any, Any], Any]


class RequirementTableError(RuntimeError):
    """The requirement table and the policy schema disagree (a programming error)."""


def _listed(items: Any) -> str:
    return ", ".join(str(i) for i in items)


# --- parameters -----------------------------------------------------------------------


def plain(value: Any, _: date) -> Any:
    """The requirement's value itself (sets as sorted lists)."""
    return sorted(value) if isinstance(value, frozenset) else value


def certificates_at(value: Any, as_of: date) -> Any:
    return {"ids": sorted(value), "as_of": as_of.isoformat()}


def cutoff(value: Any, as_of: date) -> Any:
    return (as_of - timedelta(days=value)).isoformat()


# --- projections ----------------------------------------------------------------------


def whole(value: Any, _: date) -> Hashable:
    """The decision depends on the whole value: it is decided once per distinct JSON text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def valid_certificates(value: Any, as_of: date) -> Hashable:
    """Certifications unexpired at the evaluation date (ids, sorted)."""
    today = as_of.isoformat()
    return tuple(sorted({c for c, exp in value if exp is None or exp >= today}))


def weakest_trust(value: Any, _: date) -> Hashable:
    """The lowest trust rank among the facts (unverified ranks lowest)."""
    return min((trust_rank(trust) for _, trust in value), default=len(TRUST_ORDER))


def trust_rank(trust: str | None) -> int:
    """The rank of a trust level (unverified, None, ranks lowest)."""
    return -1 if trust is None else TRUST_ORDER.index(trust)


# --- shown values ---------------------------------------------------------------------


def as_is(value: Any, _: Any) -> Any:
    return value


def weak_only(value: Any, floor: Any) -> Any:
    """For evidence trust, only the facts below the floor."""
    if value is None:
        return None
    rank = TRUST_RANK[floor]
    return [[f, t] for f, t in value if t is None or TRUST_RANK[t] < rank]


# --- messages -------------------------------------------------------------------------


def within_message(what: str, value: Any, shown: Any) -> str:
    if ANY in value:
        return f"{what}: the provider makes no location commitment (ANY); allowed: {_listed(shown)}"
    return f"{what} in {_listed(value) or 'no country'}, outside {_listed(shown)}"


def headquarters_in_message(_: str, value: Any, shown: Any) -> str:
    return f"headquarters in {value}, not in {_listed(shown)}"


def headquarters_not_in_message(_: str, value: Any, shown: Any) -> str:
    return f"headquarters in {value}, which is excluded ({_listed(shown)})"


def one_of_message(what: str, value: Any, shown: Any) -> str:
    return f"{what} is {value}, not one of {_listed(shown)}"


def confidential_message(*_: Any) -> str:
    return "prompts are not decrypted only inside attested TEEs (confidential computing)"


def days_message(what: str, value: Any, shown: Any) -> str:
    return f"{what} is {value} days, more than {shown}"


def zdr_message(what: str, value: Any, shown: Any) -> str:
    wanted = "default (in effect for this org)" if shown == "in_effect" else "default or available"
    return f"{what} is {value}; {shown} needs {wanted}"


def training_message(_: str, value: Any, shown: Any) -> str:
    ok = ("never", "opt-in") if shown == "forbidden" else ("never", "opt-in", "opt-out")
    return f"training is {value}; {shown} needs {' or '.join(ok)}"


def _cert_ids(value: Any) -> str:
    return _listed(cert_id for cert_id, _ in value) or "none"


def certs_all_message(_: str, value: Any, shown: Any) -> str:
    return f"missing certifications among {_listed(shown)} (held: {_cert_ids(value)})"


def certs_any_message(_: str, value: Any, shown: Any) -> str:
    return f"none of {_listed(shown)} held (held: {_cert_ids(value)})"


def contracts_message(_: str, value: Any, shown: Any) -> str:
    return f"contracts offered: {_listed(value) or 'none'}; required: {_listed(shown)}"


def signed_message(_: str, value: Any, shown: Any) -> str:
    return f"contracts signed for this org: {_listed(value) or 'none'}; required: {_listed(shown)}"


def subprocessors_message(_: str, __: Any, shown: Any) -> str:
    return f"uses excluded subprocessors among {_listed(shown)}"


def age_message(_: str, value: Any, shown: Any) -> str:
    return f"catalog entry last verified {value}, more than {shown} days ago"


def trust_message(_: str, value: Any, shown: Any) -> str:
    weak = ", ".join(f"{fact} ({trust or 'unverified'})" for fact, trust in value)
    return f"evidence below {shown}: {weak}"


def below_message(what: str, value: Any, shown: Any) -> str:
    return f"{what} is {value}, below {shown}"


# --- the table ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Spec:
    """One requirement, defined once."""

    key: str
    fact: str
    op: str
    what: str
    message: Message
    parameter: Parameter
    projection: Projection
    model_only: bool = False
    shown: Shown = as_is
    unknown: str = ""  # the message of an unknown fact; "" = "<fact> is unknown: ..."


def _within(key: str, fact: str, what: str) -> Spec:
    return Spec(
        key=key,
        fact=fact,
        op="within",
        what=what,
        message=within_message,
        parameter=plain,
        projection=whole,
    )


def _days(key: str, fact: str, what: str) -> Spec:
    return Spec(
        key=key,
        fact=fact,
        op="at_most",
        what=what,
        message=days_message,
        parameter=plain,
        projection=whole,
    )


def _one_of(key: str, fact: str, what: str, *, model_only: bool = False) -> Spec:
    return Spec(
        key=key,
        fact=fact,
        op="one_of",
        what=what,
        message=one_of_message,
        parameter=plain,
        projection=whole,
        model_only=model_only,
    )


def _certs(key: str, op: str, message: Message) -> Spec:
    return Spec(
        key=key,
        fact="certifications",
        op=op,
        what="certifications",
        message=message,
        parameter=certificates_at,
        projection=valid_certificates,
    )


# In evaluation order (the order of the DataClass fields).
TABLE: tuple[Spec, ...] = (
    _within("inference_within", "inference_countries", "inference"),
    _within("storage_within", "storage_countries", "storage"),
    _within("decryption_within", "decryption_countries", "decryption"),
    Spec(
        key="headquarters_in",
        fact="headquarters",
        op="member",
        what="headquarters",
        message=headquarters_in_message,
        parameter=plain,
        projection=whole,
    ),
    Spec(
        key="headquarters_not_in",
        fact="headquarters",
        op="not_member",
        what="headquarters",
        message=headquarters_not_in_message,
        parameter=plain,
        projection=whole,
    ),
    _one_of("tls_termination", "decryption.tls_termination", "TLS termination"),
    _one_of("gpu_ownership", "gpu.ownership", "GPU ownership"),
    Spec(
        key="confidential_computing",
        fact="decryption.confidential_computing",
        op="is_true",
        what="confidential computing",
        message=confidential_message,
        parameter=plain,
        projection=whole,
    ),
    _days("max_prompt_retention_days", "retention.prompts_days", "prompt retention"),
    _days("max_output_retention_days", "retention.outputs_days", "output retention"),
    _days(
        "max_abuse_monitoring_days",
        "retention.abuse_monitoring_days",
        "abuse-monitoring retention",
    ),
    Spec(
        key="zero_data_retention",
        fact="retention.zero_data_retention",
        op="zdr_ok",
        what="zero data retention",
        message=zdr_message,
        parameter=plain,
        projection=whole,
    ),
    Spec(
        key="training",
        fact="training_on_customer_data",
        op="training_ok",
        what="training on customer data",
        message=training_message,
        parameter=plain,
        projection=whole,
    ),
    _certs("certifications_all", "certs_all", certs_all_message),
    _certs("certifications_any", "certs_any", certs_any_message),
    Spec(
        key="contracts_all",
        fact="contracts",
        op="contains_all",
        what="contracts",
        message=contracts_message,
        parameter=plain,
        projection=whole,
    ),
    Spec(
        key="contracts_signed",
        fact=SIGNED_CONTRACTS,
        op="contains_all",
        what="signed contracts",
        message=signed_message,
        parameter=plain,
        projection=whole,
        unknown="no attestation of this org records signed contracts: denied (fail closed)",
    ),
    Spec(
        key="subprocessors_not_in",
        fact="subprocessors",
        op="excludes",
        what="subprocessors",
        message=subprocessors_message,
        parameter=plain,
        projection=whole,
    ),
    Spec(
        key="evidence_max_age_days",
        fact="verified_at",
        op="on_or_after",
        what="catalog verification",
        message=age_message,
        parameter=cutoff,
        projection=whole,
    ),
    Spec(
        key="min_evidence_trust",
        fact=TRUST_FACT,
        op="trust_at_least",
        what="evidence trust",
        message=trust_message,
        parameter=plain,
        projection=weakest_trust,
        shown=weak_only,
    ),
    Spec(
        key="min_tool_call_accuracy",
        fact="tool_call_accuracy",
        op="at_least",
        what="tool-call accuracy",
        message=below_message,
        parameter=plain,
        projection=whole,
        model_only=True,
    ),
    _one_of("quantizations", "quantization", "quantization", model_only=True),
)


def check_table(
    table: Iterable[Spec], keys: Iterable[str], operators: Iterable[str]
) -> Mapping[str, Spec]:
    """The table by key, or RequirementTableError naming every key of the schema without a
    row, every row without a key, every repeated row and every row that lacks a known
    operator, a message, a parameter or a projection."""
    rows = list(table)
    wanted, known_ops = list(keys), set(operators)
    problems: list[str] = []
    by_key: dict[str, Spec] = {}
    for row in rows:
        if row.key in by_key:
            problems.append(f"{row.key}: more than one row")
        by_key[row.key] = row
        if row.op not in known_ops:
            problems.append(f"{row.key}: operator {row.op!r} is not in engine/operators.py")
        for part in ("message", "parameter", "projection", "shown"):
            if not callable(getattr(row, part, None)):
                problems.append(f"{row.key}: no {part}")
        if not row.fact or not row.what:
            problems.append(f"{row.key}: no fact or no wording")
    problems += [f"{key}: a DataClass field with no row" for key in wanted if key not in by_key]
    problems += [f"{key}: a row with no DataClass field" for key in by_key if key not in wanted]
    if [r.key for r in rows if r.key in wanted] != [k for k in wanted if k in by_key]:
        problems.append("rows are not in DataClass field order")
    if problems:
        raise RequirementTableError("requirement table: " + "; ".join(problems))
    return by_key


# Checked on import: the engine does not start with a requirement it cannot decide.
SPECS: Mapping[str, Spec] = check_table(TABLE, REQUIREMENT_KEYS, operator_table())
MODEL_ONLY_KEYS: frozenset[str] = frozenset(s.key for s in TABLE if s.model_only)
PROJECTED: frozenset[str] = frozenset(s.key for s in TABLE if s.projection is not whole)
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
    return SPECS[req.key].parameter(req.value, as_of)


def expected(req: Requirement) -> Any:
    """What the reason shows as expected: the list as written, or the scalar."""
    return list(req.labels) if req.labels is not None else req.value


def shown_value(req: Requirement, value: Any) -> Any:
    """The fact value a reason reports (JSON-shaped); for evidence trust only the weak facts."""
    return SPECS[req.key].shown(value, req.value)


def as_json_value(value: Any) -> Any:
    """A canonical fact value (tuples, dates) in the JSON shape reasons carry."""
    return json.loads(encode(value))


def make_reason(
    req: Requirement, file: str, value: Any, outcome: Outcome, detail: str = ""
) -> Reason:
    """The reason for a requirement that did not hold for a (JSON-shaped) fact value."""
    spec, source, wanted = _static(req, file)
    shown = spec.shown(value, req.value)
    if outcome == "unknown":
        message = spec.unknown or f"{spec.fact} is unknown: denied (fail closed)"
    elif outcome == "error":
        message = f"engine error, denied: {detail}"
    else:
        message = spec.message(spec.what, shown, wanted)
    fact = None if spec.fact == TRUST_FACT else spec.fact
    return Reason(
        rule=req.rule,
        message=message,
        fact=fact,
        value=shown,
        expected=wanted,
        source=source,
        outcome=outcome,
    )


@lru_cache(maxsize=4096)
def _static(req: Requirement, file: str) -> tuple[Spec, Source, Any]:
    """What every reason of one requirement shares (built once, not per fact value)."""
    return SPECS[req.key], Source(file, req.line), expected(req)
