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
    """One row. Every write updates it first, so writers queue on its lock; it also holds
    the audit log's head (newest seq and hash), so a deleted last entry is noticed."""

    __tablename__ = "store_state"

    id: int = Field(default=1, primary_key=True)
    generation: int = 0
    audit_seq: int = 0
    audit_head: str = Field(default="0" * 64, max_length=64)


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


class ApiKey(SQLModel, table=True):
    """An API key: only the SHA-256 digest of the raw key is stored."""

    __tablename__ = "api_key"

    id: str = Field(primary_key=True, max_length=12)
    org: str = Field(max_length=64, index=True)  # `*` for catalog-admin keys
    role: str = Field(max_length=32)
    digest: str = Field(max_length=64)
    name: str = Field(default="", max_length=100)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None


class AuditRecord(SQLModel, table=True):
    """One entry of the hash-chained audit log (see registry.security.audit)."""

    __tablename__ = "audit_log"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: str = Field(max_length=40)
    actor: str = Field(max_length=64)
    org: str = Field(max_length=64, index=True)
    action: str = Field(max_length=64)
    object: str = Field(max_length=300)
    old_digest: str = Field(max_length=128)
    new_digest: str = Field(max_length=128)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


class AttestationsRecord(SQLModel, table=True):
    """One attestations file of an org (SPEC §9); its texts are `AttestationsRevision`s."""

    __tablename__ = "attestations"
    __table_args__ = (UniqueConstraint("org", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    org: str = Field(max_length=64)
    name: str = Field(max_length=64)
    current_revision: int = 0
    content_hash: str = Field(max_length=64)
    updated_at: datetime = Field(default_factory=utcnow)


class AttestationsRevision(SQLModel, table=True):
    __tablename__ = "attestations_revision"
    __table_args__ = (UniqueConstraint("attestations_id", "revision"),)

    id: int | None = Field(default=None, primary_key=True)
    attestations_id: int = Field(foreign_key="attestations.id", index=True)
    revision: int
    content_hash: str = Field(max_length=64)
    media_type: str = Field(max_length=100)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
