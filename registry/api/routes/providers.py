"""The catalog as JSON: providers with their deployments, offerings and evidence."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from registry.api.access import requires
from registry.api.deps import StateDep, catalog_of, fresh_snapshot
from registry.api.problems import ProblemError
from registry.api.records import ProviderAnswer, ProviderList, ProviderSummary
from registry.catalog.loader import Catalog
from registry.catalog.models import Provider
from registry.codes import Code
from registry.countries import BUILTIN_GROUPS
from registry.security.roles import Action

router = APIRouter(prefix="/v1/providers", tags=["catalog"])


def _catalog(state: StateDep) -> Catalog:
    return catalog_of(fresh_snapshot(state))


def _countries(provider: Provider) -> set[str]:
    found: set[str] = set()
    for block in (provider, *provider.deployments):
        for name in ("inference_countries", "storage_countries", "decryption_countries"):
            for item in getattr(block, name) or ():
                found |= BUILTIN_GROUPS.get(item, {item})
    return found


def _summary(provider: Provider) -> ProviderSummary:
    deployments = [f"{provider.id}/{d.id}" for d in provider.deployments]
    return ProviderSummary(
        id=provider.id,
        name=provider.name,
        headquarters=provider.headquarters,
        deployments=deployments or [f"{provider.id}/default"],
        verified_at=provider.verified_at,
    )


@router.get("", response_model=ProviderList, openapi_extra=requires(Action.public))
async def list_providers(
    state: StateDep, country: str | None = None, certification: str | None = None
) -> ProviderList:
    """Providers, optionally only those that may process or store data in `country` or
    that hold `certification`."""
    catalog = _catalog(state)
    chosen = []
    for provider in sorted(catalog.providers.values(), key=lambda p: p.id):
        if country and country.upper() not in _countries(provider):
            continue
        if certification and certification not in {c.id for c in provider.certifications or ()}:
            continue
        chosen.append(_summary(provider))
    return ProviderList(catalog_revision=catalog.revision, providers=chosen)


@router.get("/{provider_id}", response_model=ProviderAnswer, openapi_extra=requires(Action.public))
async def get_provider(provider_id: str, state: StateDep) -> dict[str, Any]:
    catalog = _catalog(state)
    provider = catalog.providers.get(provider_id)
    if provider is None:
        raise ProblemError(
            404,
            Code.A404,
            "Not found",
            f"no provider {provider_id!r}",
            "list providers at /v1/providers",
        )
    return {"catalog_revision": catalog.revision, **provider.model_dump(mode="json")}
