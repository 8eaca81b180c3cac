"""Catalog schema (SPEC §2): provider → deployment → model offering.

Facts set at a higher level are inherited below unless the lower level sets the key itself
(nested blocks such as `retention` merge field by field). An absent fact is *unknown*, never
"no": enums have an `unknown` value and numbers, booleans and lists use `null`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from registry.schema_types import (
    Country,
    CountryOrGroup,
    Days,
    GpuOwnership,
    IsoDate,
    Label,
    Quantization,
    Slug,
    StrictModel,
    Text,
    TlsTermination,
    Training,
    Trust,
    Zdr,
)

ModelId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._:-]*$")]
# A host name; `*.example.com` (provider aliases) stands for every host under example.com,
# e.g. Azure OpenAI's per-customer resource hosts.
Host = Annotated[
    str,
    Field(pattern=r"^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$"),
]
Token = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/:-]{0,127}$")]

# Canonical fact paths that requirements read; evidence `facts` must name one or a prefix.
FACT_PATHS: tuple[str, ...] = (
    "headquarters",
    "training_on_customer_data",
    "certifications",
    "contracts",
    "subprocessors",
    "gpu.ownership",
    "gpu.accelerators",
    "gpu.operators",
    "retention.prompts_days",
    "retention.outputs_days",
    "retention.abuse_monitoring_days",
    "retention.zero_data_retention",
    "decryption.tls_termination",
    "decryption.terminator",
    "decryption.confidential_computing",
    "inference_countries",
    "storage_countries",
    "decryption_countries",
    "quantization",
    "tool_call_accuracy",
)
# The facts a permit hangs on: each needs a quote speaking to it (registry/catalog/quotes.py),
# and only quoted evidence sets their trust.
HIGH_STAKES: tuple[str, ...] = (
    "inference_countries",
    "storage_countries",
    "decryption_countries",
    "training_on_customer_data",
    "retention.prompts_days",
    "retention.zero_data_retention",
    "decryption.tls_termination",
)
EXTRA_EVIDENCE_PATHS: frozenset[str] = frozenset(
    {"gpu", "retention", "decryption", "legal_entity", "hosts", "cloud_regions", "models"}
)


def _check_fact_path(value: str) -> str:
    if value not in FACT_PATHS and value not in EXTRA_EVIDENCE_PATHS:
        known = ", ".join((*FACT_PATHS, *sorted(EXTRA_EVIDENCE_PATHS)))
        raise ValueError(f"{value!r} is not a fact path; use one of: {known}")
    return value


FactPath = Annotated[str, AfterValidator(_check_fact_path)]


class DeploymentAliases(StrictModel):
    """Names routers use for one deployment: regional OpenRouter slugs and API hosts."""

    openrouter: list[Token] = []
    litellm: list[Token] = []
    hosts: list[Host] = []


class Aliases(DeploymentAliases):
    """Names routers use for a provider; `vercel` (Vercel AI Gateway provider slugs) exists
    only here: the gateway cannot pin a deployment, so a deployment has no such slug."""

    vercel: list[Slug] = []


class Certification(StrictModel):
    id: Slug
    expires: IsoDate | None = None


class Gpu(StrictModel):
    ownership: GpuOwnership = "unknown"
    accelerators: list[Token] | None = None
    operators: list[Token] | None = None


class Retention(StrictModel):
    prompts_days: Days | None = None
    outputs_days: Days | None = None
    abuse_monitoring_days: Days | None = None
    zero_data_retention: Zdr = "unknown"


class Decryption(StrictModel):
    tls_termination: TlsTermination = "unknown"
    terminator: Token | None = None
    confidential_computing: bool | None = None


class Evidence(StrictModel):
    url: Annotated[str, Field(pattern=r"^https?://[^\s]+$", max_length=2000)]
    as_of: IsoDate
    facts: list[FactPath] = Field(min_length=1)
    trust: Trust
    quote: Text | None = None


class Facts(StrictModel):
    """The facts any catalog level may set (and an org may attest, SPEC §9); a lower level
    overrides only the keys it writes."""

    training_on_customer_data: Training = "unknown"
    certifications: list[Certification] | None = None
    contracts: list[Slug] | None = None
    subprocessors: list[Token] | None = None
    gpu: Gpu = Gpu()
    retention: Retention = Retention()
    decryption: Decryption = Decryption()
    inference_countries: Annotated[list[CountryOrGroup], Field(min_length=1)] | None = None
    storage_countries: list[CountryOrGroup] | None = None
    decryption_countries: Annotated[list[CountryOrGroup], Field(min_length=1)] | None = None


class FactBlock(Facts):
    """Facts of a provider or deployment, with the evidence behind them."""

    evidence: list[Evidence] = []
    notes: Text | None = None


class Deployment(FactBlock):
    id: Slug
    hosts: list[Host] = []
    cloud_regions: list[Token] = []
    aliases: DeploymentAliases = DeploymentAliases()


class ModelOffering(FactBlock):
    """A model on some deployments. It may set any fact where the model's terms differ from
    its deployment's (a deployment-level fact must hold for every model it serves)."""

    id: ModelId
    deployments: list[Slug] | None = None
    quantization: Quantization = "unknown"
    tool_call_accuracy: Annotated[float, Field(ge=0.0, le=1.0)] | None = None


class Provider(FactBlock):
    id: Slug
    name: Label
    headquarters: Country | None = None
    legal_entity: Label | None = None
    aliases: Aliases = Aliases()
    deployments: list[Deployment] = []
    models: list[ModelOffering] = []
    verified_at: IsoDate | None = None
