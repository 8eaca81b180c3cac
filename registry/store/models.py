"""Tables (SQLModel). Catalog imports and policy writes only ever add rows: every catalog
revision and every policy revision is kept; `store_state.generation` counts writes so that
replicas can notice a change with one cheap query."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class StoreState(SQLModel, table=True):
    __tablename__ = "store_state"

    id: int = Field(default=1, primary_key=True)
    generation: int = 0


class CatalogRevision(SQLModel, table=True):
    __tablename__ = "catalog_revision"

    id: int | None = Field(default=None, primary_key=True)
    revision: str = Field(index=True, max_length=64)
    source: str = Field(max_length=1000)
    provider_count: int
    created_at: datetime = Field(default_factory=utcnow)


class CatalogProvider(SQLModel, table=True):
    __tablename__ = "catalog_provider"
    __table_args__ = (UniqueConstraint("catalog_revision_id", "provider_id"),)

    id: int | None = Field(default=None, primary_key=True)
    catalog_revision_id: int = Field(foreign_key="catalog_revision.id", index=True)
    provider_id: str = Field(max_length=64)
    document: str = Field(sa_column=Column(Text, nullable=False))


class CatalogDeployment(SQLModel, table=True):
    """One row per deployment of a catalog revision (the implicit `default` included)."""

    __tablename__ = "catalog_deployment"
    __table_args__ = (UniqueConstraint("catalog_revision_id", "target_id"),)

    id: int | None = Field(default=None, primary_key=True)
    catalog_revision_id: int = Field(foreign_key="catalog_revision.id", index=True)
    provider_id: str = Field(max_length=64)
    deployment_id: str = Field(max_length=64)
    target_id: str = Field(max_length=130)


class CatalogOffering(SQLModel, table=True):
    """One row per model offering on a deployment of a catalog revision."""

    __tablename__ = "catalog_offering"
    __table_args__ = (UniqueConstraint("catalog_revision_id", "target_id", "model_id"),)

    id: int | None = Field(default=None, primary_key=True)
    catalog_revision_id: int = Field(foreign_key="catalog_revision.id", index=True)
    target_id: str = Field(max_length=130)
    model_id: str = Field(max_length=200)


class PolicyRecord(SQLModel, table=True):
    __tablename__ = "policy"
    __table_args__ = (UniqueConstraint("org", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    org: str = Field(max_length=64)
    name: str = Field(max_length=64)
    current_revision: int = 0
    content_hash: str = Field(max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)


class PolicyRevision(SQLModel, table=True):
    __tablename__ = "policy_revision"
    __table_args__ = (UniqueConstraint("policy_id", "revision"),)

    id: int | None = Field(default=None, primary_key=True)
    policy_id: int = Field(foreign_key="policy.id", index=True)
    revision: int
    content_hash: str = Field(max_length=64)
    media_type: str = Field(max_length=100)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
