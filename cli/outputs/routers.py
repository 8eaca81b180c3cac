"""Router formats of an Evaluation: the request options a router needs to stay on the
permitted deployments (OpenRouter now; LiteLLM and Vercel AI Gateway follow)."""

from __future__ import annotations

import json
from typing import Any

from registry.catalog.facts import targets
from registry.catalog.loader import Catalog
from registry.engine.decisions import Evaluation
from registry.policy.loader import ResolvedClass


def openrouter_only(evaluation: Evaluation, catalog: Catalog) -> tuple[list[str], list[str]]:
    """OpenRouter slugs for the permitted deployments, and the permitted deployments that
    have no slug (reported, never silently dropped).

    A provider's base slug lets OpenRouter use any of its deployments, so it is given only
    when every deployment of that provider is permitted; otherwise the regional slugs of the
    permitted deployments are given.
    """
    permitted = set(evaluation.permitted)
    by_provider: dict[str, list[str]] = {}
    for found in targets(catalog, evaluation.model.lower() if evaluation.model else None):
        by_provider.setdefault(found.provider, []).append(found.id)
    only: list[str] = []
    missing: list[str] = []
    for pid, ids in sorted(by_provider.items()):
        provider = catalog.providers[pid]
        chosen = [i for i in ids if i in permitted]
        base = [s for s in provider.aliases.openrouter if "/" not in s]
        if chosen and base and len(chosen) == len(ids):
            only.extend(base)
            continue
        for dep in provider.deployments:
            target = f"{pid}/{dep.id}"
            if target not in chosen:
                continue
            if dep.aliases.openrouter:
                only.extend(dep.aliases.openrouter)
            else:
                missing.append(target)
        if not provider.deployments and chosen:
            missing.extend(chosen)
    return sorted(set(only)), missing


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
