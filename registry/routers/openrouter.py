"""OpenRouter slugs: which deployments each reaches, which slugs reach exactly a permitted
set, and the `openrouter` format (the `provider` object of an OpenRouter request). The
gate (registry/gate/openrouter.py) and the LiteLLM view read the same slug table."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from registry.catalog.facts import targets
from registry.catalog.index import Kind
from registry.catalog.loader import Catalog
from registry.engine.decisions import Evaluation
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


SLUGS: Kind[dict[str, frozenset[str]]] = Kind("openrouter slugs")


def slug_targets(catalog: Catalog) -> dict[str, frozenset[str]]:
    """Every OpenRouter slug the catalog lists → the deployments it reaches: a base slug all
    of its provider's, a regional slug every deployment that carries it (built once per
    catalog: every OpenRouter entry and every LiteLLM view reads it)."""
    return catalog.index.get(SLUGS, None, lambda: _slug_targets(catalog))


def _slug_targets(catalog: Catalog) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    by_provider: dict[str, list[str]] = {}
    for target in targets(catalog):
        by_provider.setdefault(target.provider, []).append(target.id)
    for provider in catalog.providers.values():
        for slug in provider.aliases.openrouter:
            if "/" not in slug:
                found.setdefault(slug.lower(), set()).update(by_provider.get(provider.id, ()))
        for dep in provider.deployments:
            for slug in dep.aliases.openrouter:
                found.setdefault(slug.lower(), set()).add(f"{provider.id}/{dep.id}")
    return {slug: frozenset(ids) for slug, ids in found.items()}


def slugs_for(
    catalog: Catalog, candidates: Iterable[str], permitted: set[str]
) -> tuple[list[str], list[str]]:
    """OpenRouter slugs that reach exactly the permitted ones among `candidates`, and the
    permitted candidates that have no slug (to be reported, never silently dropped).

    A provider's base slug lets OpenRouter use any of its deployments, so it is given only
    when every candidate deployment of that provider is permitted; otherwise the regional
    slugs of its permitted deployments are given, each only if every deployment carrying
    that slug is permitted.
    """
    by_provider: dict[str, list[str]] = {}
    for target in candidates:
        by_provider.setdefault(target.split("/", 1)[0], []).append(target)
    only: set[str] = set()
    missing: list[str] = []
    for pid, ids in sorted(by_provider.items()):
        provider = catalog.providers[pid]
        chosen = [t for t in ids if t in permitted]
        base = [s for s in provider.aliases.openrouter if "/" not in s]
        if chosen and base and len(chosen) == len(ids):
            only.update(base)
            continue
        regional = {f"{pid}/{d.id}": d.aliases.openrouter for d in provider.deployments}
        carriers: dict[str, set[str]] = {}
        for target_id, slugs in regional.items():
            for slug in slugs:
                carriers.setdefault(slug.lower(), set()).add(target_id)
        chosen_set = set(chosen)
        for target in chosen:
            # a slug several deployments carry reaches all of them: only if all are chosen
            usable = [s for s in regional.get(target, []) if carriers[s.lower()] <= chosen_set]
            if usable:
                only.update(usable)
            else:
                missing.append(target)
    return sorted(only), missing
