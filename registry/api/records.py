"""Response models of the resource routes (docs/api.md): health, providers, catalog import,
policies and attestations files (lists, writes, revisions), keys and audit entries.

OpenAPI documents each route's 200/201 body with its model, and FastAPI serializes the
route's answer through it (an answer that does not fit is a 500, never a silent change of
shape). Keys may be added, never renamed or removed.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from registry.catalog.models import Provider


class Alive(BaseModel):
    status: Literal["ok"]


class Ready(BaseModel):
    status: Literal["ready"]
    revision: int = Field(description="the store generation the snapshot serves")
    catalog_revision: str
    policies: int


class ProviderSummary(BaseModel):
    id: str
    name: str
    headquarters: str | None
    deployments: list[str]
    verified_at: date | None


class ProviderList(BaseModel):
    catalog_revision: str
    providers: list[ProviderSummary]


class ProviderAnswer(Provider):
    """One provider as the catalog holds it (SPEC §2), with the catalog revision."""

    catalog_revision: str


class Imported(BaseModel):
    """`POST /v1/catalog`: the active revision; `created` false for an unchanged catalog."""

    revision: str
    created: bool
    providers: int


class Stored(BaseModel):
    """One stored policy or attestations file, as lists name it."""

    name: str
    revision: int
    etag: str


class PolicyList(BaseModel):
    org: str
    policies: list[Stored]


class AttestationsList(BaseModel):
    org: str
    attestations: list[Stored]


class Written(BaseModel):
    """The answer to a stored PUT; `store_revision` is `min_revision` for reading it back."""

    org: str
    name: str
    revision: int
    etag: str
    store_revision: int


class RevisionOut(BaseModel):
    revision: int
    etag: str
    media_type: str
    created_at: str


class Revisions(BaseModel):
    org: str
    name: str
    revisions: list[RevisionOut]


class KeyOut(BaseModel):
    """An API key as listings show it: never the raw key, never its digest."""

    id: str
    org: str
    role: str
    name: str
    created_by: str
    created_at: str
    revoked_at: str | None


class KeyList(BaseModel):
    org: str
    keys: list[KeyOut]


class KeyCreated(KeyOut):
    key: str = Field(description="the raw key: shown in this answer only")


class AuditEntryOut(BaseModel):
    seq: int
    at: str
    actor: str
    org: str
    action: str
    object: str
    old_digest: str
    new_digest: str
    prev_hash: str
    hash: str


class AuditLog(BaseModel):
    org: str | None = Field(description="null: the shared catalog's entries")
    entries: list[AuditEntryOut]
