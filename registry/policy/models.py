"""Policy schema (SPEC §3): requirements per data class, lists, exceptions, routing."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from registry.countries import GROUP_NAME_PATTERN
from registry.schema_types import (
    Country,
    Days,
    GpuOwnership,
    IsoDate,
    Label,
    Quantization,
    Slug,
    StrictModel,
    Text,
    TlsTermination,
    Trust,
)

ClassName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,62}$")]
GroupName = Annotated[str, Field(pattern=GROUP_NAME_PATTERN)]
# A country code or a group name; checked against ISO 3166-1 and the policy's groups on load.
CountryRef = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{1,31}$")]
TargetId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}(/[a-z0-9][a-z0-9-]{0,62})?$")]
Token = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/:-]{0,127}$")]
CountryList = Annotated[list[CountryRef], Field(min_length=1)]


class DataClass(StrictModel):
    """Requirements of one data class; a key written as null clears an inherited one.

    Every field but `inherits` and `on_unknown` is a requirement, in evaluation order (rule
    ids are `<data_class>.<key>`); the engine's requirement table must have a row for each
    (registry/engine/requirements.py refuses to import otherwise)."""

    inherits: ClassName | None = None
    inference_within: CountryList | None = None
    storage_within: CountryList | None = None
    decryption_within: CountryList | None = None
    headquarters_in: CountryList | None = None
    headquarters_not_in: CountryList | None = None
    tls_termination: Annotated[list[TlsTermination], Field(min_length=1)] | None = None
    gpu_ownership: Annotated[list[GpuOwnership], Field(min_length=1)] | None = None
    confidential_computing: Literal["required"] | None = None
    max_prompt_retention_days: Days | None = None
    max_output_retention_days: Days | None = None
    max_abuse_monitoring_days: Days | None = None
    # required: default or available (a router requests it); in_effect: default after the
    # org's attestations (SPEC §9)
    zero_data_retention: Literal["required", "in_effect"] | None = None
    training: Literal["forbidden", "opt_out_ok"] | None = None
    certifications_all: Annotated[list[Slug], Field(min_length=1)] | None = None
    certifications_any: Annotated[list[Slug], Field(min_length=1)] | None = None
    contracts_all: Annotated[list[Slug], Field(min_length=1)] | None = None
    contracts_signed: Annotated[list[Slug], Field(min_length=1)] | None = None
    subprocessors_not_in: Annotated[list[Token], Field(min_length=1)] | None = None
    evidence_max_age_days: Days | None = None
    min_evidence_trust: Trust | None = None
    min_tool_call_accuracy: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    quantizations: Annotated[list[Quantization], Field(min_length=1)] | None = None
    on_unknown: Literal["deny", "allow"] | None = None


class ProviderLists(StrictModel):
    allow: list[TargetId] = []
    deny: list[TargetId] = []


class PolicyException(StrictModel):
    target: TargetId
    data_class: ClassName
    waive: Annotated[list[str], Field(min_length=1)]
    reason: Annotated[str, Field(min_length=3, max_length=1000)]
    approved_by: Label
    expires: IsoDate


class Routing(StrictModel):
    min_deployments_per_model: Annotated[int, Field(ge=1, le=100)] | None = None
    distinct_operators: bool = False


class Policy(StrictModel):
    policy: Slug
    org: Slug
    description: Text | None = None
    region_groups: dict[GroupName, Annotated[list[Country], Field(min_length=1)]] = {}
    default_data_class: ClassName | None = None
    data_classes: Annotated[dict[ClassName, DataClass], Field(min_length=1)]
    providers: ProviderLists = ProviderLists()
    exceptions: list[PolicyException] = []
    routing: Routing = Routing()


# Fields of a data class that are not requirements.
NOT_REQUIREMENTS: frozenset[str] = frozenset({"inherits", "on_unknown"})


def requirement_keys(model: type[DataClass]) -> tuple[str, ...]:
    """The requirement keys of a data-class model, in field (evaluation) order."""
    return tuple(key for key in model.model_fields if key not in NOT_REQUIREMENTS)


def country_keys(model: type[DataClass]) -> frozenset[str]:
    """The requirements whose value is a country list (codes or region groups)."""
    return frozenset(
        key for key, info in model.model_fields.items() if info.annotation == (CountryList | None)
    )


# Derived from the schema, so a field added to DataClass is a requirement everywhere.
REQUIREMENT_KEYS: tuple[str, ...] = requirement_keys(DataClass)
COUNTRY_KEYS: frozenset[str] = country_keys(DataClass)
