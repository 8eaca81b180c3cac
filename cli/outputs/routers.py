"""Router formats of an Evaluation: the request options a router needs to stay on the
permitted deployments (OpenRouter now; LiteLLM and Vercel AI Gateway follow)."""

from __future__ import annotations

import json
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


def to_openrouter(evaluation: Evaluation, catalog: Catalog, cls: ResolvedClass) -> str:
    only, _ = openrouter_only(evaluation, catalog)
    keys = {r.key: r for r in cls.requirements}
    provider: dict[str, Any] = {"only": only, "allow_fallbacks": False}
    if "training" in keys:
        provider["data_collection"] = "deny"
    if "zero_data_retention" in keys:
        provider["zdr"] = True
    if "quantizations" in keys and evaluation.model is not None:
        provider["quantizations"] = sorted(keys["quantizations"].labels or ())
    return json.dumps({"provider": provider}, indent=2) + "\n"
