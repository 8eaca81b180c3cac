"""The `openrouter` format: the `provider` object of an OpenRouter request."""

from __future__ import annotations

from typing import Any

from registry.catalog.facts import targets
from registry.catalog.loader import Catalog
from registry.engine.decisions import Evaluation
from registry.gate.openrouter import slugs_for
from registry.policy.loader import ResolvedClass


def openrouter_only(evaluation: Evaluation, catalog: Catalog) -> tuple[list[str], list[str]]:
    """OpenRouter slugs for the permitted deployments, and the permitted ones without one."""
    model = evaluation.model.lower() if evaluation.model else None
    candidates = [t.id for t in targets(catalog, model)]
    return slugs_for(catalog, candidates, set(evaluation.permitted))


def to_openrouter(evaluation: Evaluation, catalog: Catalog, cls: ResolvedClass) -> dict[str, Any]:
    """`{"provider": {...}}`: `only` the permitted slugs, no fallbacks, and the data-handling
    switches the class requires. An empty `only` does not restrict OpenRouter: callers must
    refuse to emit it (`registry.routers.formats.restricts`)."""
    only, _ = openrouter_only(evaluation, catalog)
    keys = {r.key: r for r in cls.requirements}
    provider: dict[str, Any] = {"only": only, "allow_fallbacks": False}
    if "training" in keys:
        provider["data_collection"] = "deny"
    if "zero_data_retention" in keys:
        provider["zdr"] = True
    if "quantizations" in keys and evaluation.model is not None:
        provider["quantizations"] = sorted(keys["quantizations"].labels or ())
    return {"provider": provider}
