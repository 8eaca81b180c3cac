"""Response models of the decision routes (SPEC §5 to §8, docs/api.md): `permitted`,
`explain`, `evaluate`, `gate`, and the router formats `permitted` also serves.

Each model is what OpenAPI documents and what serializes the answer, so the schema cannot
drift from the bytes: the routes hand FastAPI the engine's dicts (`Evaluation.to_json`,
`Explanation.to_json`, `GateReport.to_json`, which the CLI prints too) and FastAPI
validates and serializes them through these models; `permitted` renders its cached bytes
with `Permitted` once per answer (routes/decisions.py). Keys that appear only sometimes
(`attested`, the router switches) are optional and left out when absent: routes serialize
with `exclude_unset`. Keys may be added, never renamed or removed.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class SourceOut(BaseModel):
    """Where a rule, exception or manifest entry is written."""

    file: str
    line: int | None


class AttestedOut(BaseModel):
    """The org's attestation entry that set a fact (SPEC §9)."""

    file: str
    line: int | None
    document: str
    expires: str
    trust: str
    signed: str
    url: str | None


class ReasonOut(BaseModel):
    """One failed requirement of one target."""

    rule: str
    message: str
    fact: str | None
    value: Any
    expected: Any
    source: SourceOut
    outcome: Literal["failed", "unknown", "error"]
    attested: AttestedOut | None = Field(default=None, description="only for an attested fact")


class WaiverOut(BaseModel):
    reason: str
    approved_by: str
    expires: str
    source: SourceOut


class WaivedOut(ReasonOut):
    """A failed requirement set aside by an unexpired exception."""

    waiver: WaiverOut


class Evaluated(BaseModel):
    """The permitted set of one data class (and model): SPEC §5, `allowed --format json`."""

    model_config = ConfigDict(extra="allow")  # keys a registry answer carried (Evaluation.extra)

    policy: str
    org: str
    data_class: str
    model: str | None
    as_of: str
    catalog_revision: str
    policy_revision: str
    permitted: list[str]
    providers: list[str]
    denied: dict[str, list[ReasonOut]]
    waived: dict[str, list[WaivedOut]]
    warnings: list[str]


class Permitted(Evaluated):
    """`permitted` with format=json; `store_revision` is the serving snapshot's generation,
    the last key (spliced into the cached body per snapshot)."""

    policy_meaning_revision: str
    attestations_revision: str | None = Field(description="null: the org has no attestations")
    store_revision: int


class EvaluateAnswer(Evaluated):
    """`POST /v1/evaluate`: the evaluation of an inline policy."""

    store_revision: int


class CheckOut(BaseModel):
    """One requirement of one target, explained."""

    rule: str
    status: Literal["pass", "failed", "unknown", "unknown-allowed", "waived", "error"]
    fact: str | None
    value: Any
    expected: Any
    message: str
    source: SourceOut
    trust: str | None
    evidence: list[dict[str, Any]]
    attested: AttestedOut | None = Field(default=None, description="only for an attested fact")


class ExplanationOut(BaseModel):
    target: str
    data_class: str
    model: str | None
    as_of: str
    permitted: bool
    checks: list[CheckOut]


class ExplainAnswer(BaseModel):
    policy: str
    org: str
    store_revision: int
    policy_revision: str
    policy_meaning_revision: str
    catalog_revision: str
    attestations_revision: str | None
    permitted: bool
    targets: list[ExplanationOut]


class GateWarningOut(BaseModel):
    code: str
    message: str
    source: SourceOut


class AlternativeOut(BaseModel):
    deployment: str
    use: str
    waived: bool
    text: str


class GateResultOut(BaseModel):
    """One manifest entry, checked."""

    file: str
    line: int | None
    kind: str
    entry: str
    provider: str | None
    model: str | None
    data_class: str
    targets: list[str]
    compliant: bool
    message: str
    rules: list[str]
    problem: str | None
    problem_rule: str
    group: str | None
    denied: dict[str, list[ReasonOut]]
    waived: dict[str, list[WaivedOut]]
    alternative: AlternativeOut | None


class GateSummary(BaseModel):
    entries: int
    violations: int
    waived: int


class GateAnswer(BaseModel):
    """`POST /v1/orgs/{org}/gate`: the report of `gate --format json`, with revisions."""

    policy: str
    org: str
    as_of: str
    catalog_revision: str
    compliant: bool
    summary: GateSummary
    results: list[GateResultOut]
    warnings: list[GateWarningOut]
    store_revision: int
    policy_revision: str
    policy_meaning_revision: str
