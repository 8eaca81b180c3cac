"""The router formats, one entry each: how a permitted set becomes the document a router
needs (SPEC §8), the model that documents it, whether a document may be handed to the
router at all, and what to say when it may not. The CLI's `allowed --format`, the API's
`permitted?format=` and its OpenAPI schema all read this table."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from registry.catalog.loader import Catalog
from registry.engine.decisions import Evaluation
from registry.policy.loader import ResolvedClass
from registry.routers.documents import LiteLLMView, OpenRouterDocument, VercelDocument
from registry.routers.litellm import to_litellm
from registry.routers.openrouter import to_openrouter
from registry.routers.vercel import to_vercel

Render = Callable[[Evaluation, Catalog, ResolvedClass], dict[str, Any]]


@dataclass(frozen=True, kw_only=True)
class RouterFormat:
    name: str
    render: Render  # pure: (Evaluation, Catalog, ResolvedClass) -> a JSON-able document
    model: type[BaseModel]  # the document's schema (OpenAPI, and the served bytes)
    # False when the document would let the router reach anything (an empty `only`)
    restricts: Callable[[dict[str, Any]], bool]
    refusal: str  # why such a document is never printed or served


ROUTER_FORMATS: Mapping[str, RouterFormat] = {
    f.name: f
    for f in (
        RouterFormat(
            name="openrouter",
            render=to_openrouter,
            model=OpenRouterDocument,
            restricts=lambda document: bool(document["provider"]["only"]),
            refusal="no permitted deployment has an OpenRouter slug; refusing to print a "
            "provider object that would not restrict routing",
        ),
        RouterFormat(
            name="litellm",
            render=to_litellm,
            model=LiteLLMView,
            # a view always restricts: a deployment it does not list as permitted is denied
            restricts=lambda document: True,
            refusal="",
        ),
        RouterFormat(
            name="vercel",
            render=to_vercel,
            model=VercelDocument,
            restricts=lambda document: bool(document["providerOptions"]["gateway"]["only"]),
            refusal="no provider with a Vercel AI Gateway slug has every deployment permitted; "
            "refusing to print gateway options that would not restrict routing",
        ),
    )
}


def restricts(fmt: str, document: dict[str, Any]) -> bool:
    """False when `document` would let the router reach anything: an empty `only` is no
    restriction for OpenRouter or the Vercel AI Gateway. A LiteLLM view always restricts."""
    return ROUTER_FORMATS[fmt].restricts(document)


def router_body(fmt: str, document: object) -> bytes:
    """The router document as compact JSON, through its model (keys it left out stay out)."""
    model = ROUTER_FORMATS[fmt].model
    return model.model_validate(document).model_dump_json(exclude_unset=True).encode()
