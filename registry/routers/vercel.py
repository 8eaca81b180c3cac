"""The `vercel` format: `providerOptions.gateway` of a Vercel AI Gateway request.

The gateway routes by provider and cannot pin a region or deployment, so `only` names a
provider (its `aliases.vercel` slug) only when every deployment of it that may serve the
request is permitted. Permitted deployments left out that way, or of providers without a
slug, are returned by `vercel_only` so callers can warn: fail closed, never silently.
"""

from __future__ import annotations

from typing import Any

from registry.catalog.facts import targets
from registry.catalog.loader import Catalog
from registry.engine.decisions import Evaluation
from registry.policy.loader import ResolvedClass


def vercel_only(evaluation: Evaluation, catalog: Catalog) -> tuple[list[str], list[str]]:
    """Gateway slugs of the providers whose every candidate deployment is permitted, and the
    permitted deployments that cannot be expressed (denied sibling, or no slug)."""
    model = evaluation.model.lower() if evaluation.model else None
    permitted = set(evaluation.permitted)
    by_provider: dict[str, list[str]] = {}
    for target in targets(catalog, model):
        by_provider.setdefault(target.provider, []).append(target.id)
    only: set[str] = set()
    left_out: list[str] = []
    for pid, ids in sorted(by_provider.items()):
        chosen = [t for t in ids if t in permitted]
        slugs = catalog.providers[pid].aliases.vercel
        if chosen and slugs and len(chosen) == len(ids):
            only.update(slugs)
        else:
            left_out.extend(chosen)
    return sorted(only), left_out


def to_vercel(evaluation: Evaluation, catalog: Catalog, cls: ResolvedClass) -> dict[str, Any]:
    """`{"providerOptions": {"gateway": {...}}}`. An empty `only` does not restrict the
    gateway: callers must refuse to emit it (`registry.routers.formats.restricts`)."""
    only, _ = vercel_only(evaluation, catalog)
    keys = {r.key for r in cls.requirements}
    gateway: dict[str, Any] = {"only": only}
    if "zero_data_retention" in keys:
        gateway["zeroDataRetention"] = True
    if "training" in keys:
        gateway["disallowPromptTraining"] = True
    return {"providerOptions": {"gateway": gateway}}
