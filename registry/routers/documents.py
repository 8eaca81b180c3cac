"""The documents of the router formats (SPEC §8, docs/routers.md) as models: what each
router needs to stay on the permitted set. The registry of formats (formats.py) names each
format's model; `permitted?format=…` serializes the document through it once per cached
answer (api/routes/decisions.py), and OpenAPI documents the route's 200 as one of these or
`Permitted` (format=json)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class OpenRouterProvider(BaseModel):
    only: list[str] = Field(min_length=1, description="OpenRouter slugs of permitted deployments")
    allow_fallbacks: Literal[False]
    data_collection: Literal["deny"] | None = Field(
        default=None, description="only when the class forbids training"
    )
    zdr: Literal[True] | None = Field(
        default=None, description="only when zero data retention is required"
    )
    quantizations: list[str] | None = Field(
        default=None, description="only with a model, when quantizations are restricted"
    )


class OpenRouterDocument(BaseModel):
    """format=openrouter: the `provider` object of an OpenRouter request."""

    provider: OpenRouterProvider


class VercelGateway(BaseModel):
    only: list[str] = Field(min_length=1, description="gateway provider slugs")
    zeroDataRetention: Literal[True] | None = Field(  # noqa: N815 (the gateway's key)
        default=None, description="only when zero data retention is required"
    )
    disallowPromptTraining: Literal[True] | None = Field(  # noqa: N815
        default=None, description="only when the class forbids training"
    )


class VercelOptions(BaseModel):
    gateway: VercelGateway


class VercelDocument(BaseModel):
    """format=vercel: `providerOptions` of a Vercel AI Gateway request."""

    providerOptions: VercelOptions  # noqa: N815 (the AI SDK's key)


class LiteLLMHost(BaseModel):
    provider: str
    deployment: str | None


class LiteLLMDeployment(BaseModel):
    id: str
    regions: list[str]
    hosts: list[str]
    permitted: bool
    denied: list[str] | None = Field(default=None, description="rule ids; only when denied")


class LiteLLMProvider(BaseModel):
    prefixes: list[str]
    deployments: list[LiteLLMDeployment]


class LiteLLMView(BaseModel):
    """format=litellm: every deployment a LiteLLM proxy can reach, flagged permitted or not
    (docs/routers.md, the `clearance_litellm` hook reads it)."""

    format: Literal["litellm"]
    version: int
    policy: str
    org: str
    data_class: str
    model: str | None
    as_of: str
    tag: str
    prefixes: dict[str, str]
    hosts: dict[str, LiteLLMHost]
    providers: dict[str, LiteLLMProvider]
    openrouter_slugs: dict[str, list[str]]
