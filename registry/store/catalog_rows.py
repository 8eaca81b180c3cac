"""Catalog revisions as rows: deployments and offerings per revision (queryable in SQL),
and the active revision rebuilt — and re-validated — from its provider documents."""

from __future__ import annotations

from sqlmodel import Session, SQLModel, col, select

from registry.catalog.facts import targets
from registry.catalog.loader import Catalog
from registry.store.models import (
    CatalogDeployment,
    CatalogOffering,
    CatalogRevision,
)
from registry.store.state import catalog_at, head_catalog_row


def target_rows(catalog: Catalog, revision_id: int) -> list[SQLModel]:
    rows: list[SQLModel] = [
        CatalogDeployment(
            catalog_revision_id=revision_id,
            provider_id=t.provider,
            deployment_id=t.deployment,
            target_id=t.id,
        )
        for t in targets(catalog)
    ]
    models = {m.id for p in catalog.providers.values() for m in p.models}
    for model in sorted(models):
        rows.extend(
            CatalogOffering(catalog_revision_id=revision_id, target_id=t.id, model_id=model)
            for t in targets(catalog, model.lower())
        )
    return rows


def removals(session: Session, catalog: Catalog) -> tuple[list[str], list[str]]:
    """What importing `catalog` would drop from the newest revision: provider ids, and the
    deployments (target ids) of providers that stay. Read in the caller's transaction."""
    query = select(CatalogRevision.id).order_by(col(CatalogRevision.id).desc()).limit(1)
    head = session.exec(query).first()
    if head is None:
        return [], []
    rows = session.exec(
        select(CatalogDeployment.provider_id, CatalogDeployment.target_id).where(
            CatalogDeployment.catalog_revision_id == head
        )
    ).all()
    kept = {t.id for t in targets(catalog)}
    providers = sorted({p for p, _ in rows} - set(catalog.providers))
    deployments = sorted(t for p, t in rows if t not in kept and p in catalog.providers)
    return providers, deployments


def active_catalog(session: Session) -> Catalog | None:
    """The newest revision, rebuilt and re-validated from its rows."""
    row = head_catalog_row(session)
    return None if row is None else catalog_at(session, row)
