"""The router formats by name, and whether a document may be handed to a router at all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from registry.catalog.loader import Catalog
from registry.engine.decisions import Evaluation
from registry.policy.loader import ResolvedClass
from registry.routers.litellm import to_litellm
from registry.routers.openrouter import to_openrouter
from registry.routers.vercel import to_vercel

RouterFormat = Callable[[Evaluation, Catalog, ResolvedClass], dict[str, Any]]


def router_formats() -> dict[str, RouterFormat]:
    """Format name → pure function (Evaluation, Catalog, ResolvedClass) → JSON-able dict."""
    return {"openrouter": to_openrouter, "litellm": to_litellm, "vercel": to_vercel}


def restricts(fmt: str, document: dict[str, Any]) -> bool:
    """False when `document` would let the router reach anything: an empty `only` is no
    restriction for OpenRouter or the Vercel AI Gateway. A LiteLLM view always restricts:
    a deployment it does not list as permitted is denied."""
    if fmt == "openrouter":
        return bool(document["provider"]["only"])
    if fmt == "vercel":
        return bool(document["providerOptions"]["gateway"]["only"])
    return fmt == "litellm"
