"""OpenRouter requests and presets (`model` + optional `provider` preferences).

The deployments OpenRouter may route to are the catalog providers with an OpenRouter slug,
narrowed by `only`, `ignore`, `order` without fallbacks, `zdr` and `data_collection`.
Narrowing only removes what the catalog *knows* to be excluded (ZDR known unavailable,
training known on): an unknown fact keeps a deployment in, so the check fails closed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, ValidationError

from registry.catalog.facts import Target, targets
from registry.catalog.loader import Catalog
from registry.errors import InputError
from registry.gate.report import Entry
from registry.schema_types import StrictModel
from registry.validation import problems_from_validation
from registry.yamlload import Document

Slugs = list[Annotated[str, Field(min_length=1, max_length=100)]]


class Preferences(StrictModel):
    """The provider-routing keys that decide where a prompt may go (others are ignored)."""

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)

    only: Slugs | None = None
    ignore: Slugs | None = None
    order: Slugs | None = None
    allow_fallbacks: bool = True
    zdr: bool = False
    data_collection: Literal["allow", "deny"] = "allow"
    # per model offering; checked for type only: deployments are judged without a model
    # here, so an offering's quantization cannot narrow the set (it stays in: fail closed)
    quantizations: Slugs | None = None


class Request(StrictModel):
    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)

    model: Annotated[str, Field(min_length=1, max_length=200)]
    provider: Preferences = Preferences()


def slug_map(catalog: Catalog) -> dict[str, str]:
    """OpenRouter provider slug → catalog provider id."""
    return {
        slug.lower(): p.id
        for p in catalog.providers.values()
        for slug in p.aliases.openrouter
        if "/" not in slug
    }


def _kept(target: Target, prefs: Preferences) -> bool:
    if prefs.zdr and target.facts["retention.zero_data_retention"] == "unavailable":
        return False
    training = target.facts["training_on_customer_data"]
    return not (prefs.data_collection == "deny" and training in ("opt-out", "always"))


def candidates(catalog: Catalog, prefs: Preferences) -> tuple[str, ...]:
    slugs = slug_map(catalog)
    providers = set(slugs.values())
    if prefs.only is not None:
        providers &= {slugs[s.lower()] for s in prefs.only if s.lower() in slugs}
    if prefs.order is not None and not prefs.allow_fallbacks:
        providers &= {slugs[s.lower()] for s in prefs.order if s.lower() in slugs}
    providers -= {slugs[s.lower()] for s in prefs.ignore or () if s.lower() in slugs}
    return tuple(t.id for t in targets(catalog) if t.provider in providers and _kept(t, prefs))


def openrouter_entries(doc: Document, catalog: Catalog) -> list[Entry]:
    try:
        request = Request.model_validate(doc.data)
    except ValidationError as err:
        raise InputError(problems_from_validation(err, doc, "CLR-G001", Request)) from None
    found = candidates(catalog, request.provider)
    pinned = request.provider.only is not None or (
        request.provider.order is not None and not request.provider.allow_fallbacks
    )
    label = f"OpenRouter {'pinned' if pinned else 'unpinned'} request for {request.model}"
    line = doc.line_of(("provider",)) if "provider" in doc.data else doc.line_of(("model",))
    problem = None if found else "the preferences leave no provider the catalog knows"
    return [
        Entry(doc.file, line, "openrouter", label, None, found, None, None, problem, request.model)
    ]


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


def compliant_preferences(catalog: Catalog, permitted: set[str], entry: Entry) -> str:
    """The `provider` object that keeps this request on permitted deployments only."""
    only, _ = slugs_for(catalog, entry.targets, permitted)
    return json.dumps({"provider": {"only": only, "allow_fallbacks": False}})
