"""The store's current state as one read: what the server's in-memory snapshot is built
from, read again after every write and on every generation change the poller sees.

The read is incremental (issue 16 item 3). First the heads — the active catalog revision
row and, for every policy and attestations file, its current revision and content hash —
in one transaction; then only what differs from the `previous` read: a catalog revision
that is not the one already loaded is rebuilt (and re-validated) from its rows, a document
whose head moved is fetched. Everything else is the previous read's object, unchanged:
revisions are append-only, so a (revision, content hash) pair names one text for good.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from registry.catalog.loader import Catalog, build_catalog
from registry.catalog.models import Provider
from registry.codes import Code
from registry.errors import StoreError
from registry.store import access
from registry.store.access import KeyInfo
from registry.store.models import (
    AttestationsRecord,
    AttestationsRevision,
    CatalogProvider,
    CatalogRevision,
    PolicyRecord,
    PolicyRevision,
    StoreState,
)
from registry.yamlload import Document


@dataclass(frozen=True)
class StoredText:
    """The current (or a given) text of one versioned document of an org; its ETag."""

    org: str
    name: str
    revision: int
    content_hash: str
    media_type: str
    body: str

    @property
    def etag(self) -> str:
        return f'"{self.content_hash}"'


@dataclass(frozen=True)
class StoredPolicy(StoredText):
    """A policy's text."""


@dataclass(frozen=True)
class StoredAttestations(StoredText):
    """An attestations file's text."""


@dataclass(frozen=True)
class StoreSnapshot:
    generation: int
    catalog: Catalog | None
    policies: tuple[StoredPolicy, ...]
    keys: tuple[KeyInfo, ...] = ()
    attestations: tuple[StoredAttestations, ...] = ()
    # the catalog_revision row (id, revision) `catalog` was built from
    catalog_row: tuple[int, str] | None = None


@dataclass(frozen=True)
class Head:
    """Where one document's current text is: its record id and current revision."""

    record_id: int
    org: str
    name: str
    revision: int
    content_hash: str


Text = TypeVar("Text", bound=StoredText)  # a policy's or an attestations file's text
Fetch = Callable[[Session, Head], Text]


def read_state(session: Session, previous: StoreSnapshot | None) -> StoreSnapshot:
    """The whole current state, reusing `previous`'s objects for what did not change. Run
    in one transaction (the caller's), so heads and texts belong to one generation."""
    generation = int(session.exec(select(StoreState.generation)).one())
    catalog_row, catalog = _catalog(session, previous)
    policies = _current(session, policy_heads(session), previous_policies(previous), policy_text)
    attestations = _current(
        session, attestations_heads(session), previous_attestations(previous), attestations_text
    )
    keys = access.active_keys(session)
    return StoreSnapshot(
        generation, catalog, tuple(policies), keys, tuple(attestations), catalog_row
    )


def previous_policies(previous: StoreSnapshot | None) -> Mapping[tuple[str, str], StoredPolicy]:
    return {} if previous is None else {(p.org, p.name): p for p in previous.policies}


def previous_attestations(
    previous: StoreSnapshot | None,
) -> Mapping[tuple[str, str], StoredAttestations]:
    return {} if previous is None else {(a.org, a.name): a for a in previous.attestations}


def _current(
    session: Session,
    heads: Iterable[Head],
    known: Mapping[tuple[str, str], Text],
    fetch: Fetch[Text],
) -> list[Text]:
    found: list[Text] = []
    for head in heads:
        old = known.get((head.org, head.name))
        same = old is not None and (old.revision, old.content_hash) == (
            head.revision,
            head.content_hash,
        )
        found.append(old if same and old is not None else fetch(session, head))
    return found


# -- the catalog ------------------------------------------------------------------------------


def head_catalog_row(session: Session) -> tuple[int, str] | None:
    query = select(CatalogRevision.id, CatalogRevision.revision)
    row = session.exec(query.order_by(col(CatalogRevision.id).desc()).limit(1)).first()
    return None if row is None or row[0] is None else (int(row[0]), str(row[1]))


def _catalog(
    session: Session, previous: StoreSnapshot | None
) -> tuple[tuple[int, str] | None, Catalog | None]:
    row = head_catalog_row(session)
    if row is None:
        return None, None
    if previous is not None and previous.catalog_row == row and previous.catalog is not None:
        return row, previous.catalog
    return row, catalog_at(session, row)


def catalog_at(session: Session, row: tuple[int, str]) -> Catalog:
    """One catalog revision rebuilt — and re-validated — from its provider documents."""
    revision_id, revision = row
    rows = session.exec(
        select(CatalogProvider).where(CatalogProvider.catalog_revision_id == revision_id)
    )
    providers = {r.provider_id: Provider.model_validate(json.loads(r.document)) for r in rows}
    docs = {pid: Document(f"catalog revision {revision}", None) for pid in providers}
    return build_catalog(f"store:{revision}", providers, docs)


# -- policies and attestations files ----------------------------------------------------------


def select_heads(
    record: type[PolicyRecord] | type[AttestationsRecord], org: str | None, by_id: bool
) -> Select[Any]:
    """The heads of one kind of document as plain columns (no ORM objects are built), by
    record id or by org and name."""
    columns: list[Any] = [record.id, record.org, record.name]
    columns += [record.current_revision, record.content_hash]
    order: list[Any] = [record.id] if by_id else [record.org, record.name]
    query: Select[Any] = sql_select(*columns).order_by(*order)
    if org is not None:
        query = query.where(col(record.org) == org)
    return query


def policy_heads(session: Session, org: str | None = None) -> list[Head]:
    """Every policy's head (of `org`, when given), in creation order."""
    return [Head(*row) for row in session.execute(select_heads(PolicyRecord, org, True))]


def attestations_heads(session: Session, org: str | None = None) -> list[Head]:
    """Every attestations file's head (of `org`, when given), by org and name."""
    query = select_heads(AttestationsRecord, org, False)
    return [Head(*row) for row in session.execute(query)]


def _missing(kind: str, head: Head) -> StoreError:
    return StoreError(
        Code.S003,
        f"{kind} {head.org}/{head.name} has no revision {head.revision}",
        "restore the database from a backup; report this bug",
    )


def policy_text(session: Session, head: Head) -> StoredPolicy:
    row = session.exec(
        select(PolicyRevision).where(
            PolicyRevision.policy_id == head.record_id, PolicyRevision.revision == head.revision
        )
    ).first()
    if row is None:
        raise _missing("policy", head)
    return StoredPolicy(
        head.org, head.name, row.revision, row.content_hash, row.media_type, row.body
    )


def attestations_text(session: Session, head: Head) -> StoredAttestations:
    row = session.exec(
        select(AttestationsRevision).where(
            AttestationsRevision.attestations_id == head.record_id,
            AttestationsRevision.revision == head.revision,
        )
    ).first()
    if row is None:
        raise _missing("attestations", head)
    return StoredAttestations(
        head.org, head.name, row.revision, row.content_hash, row.media_type, row.body
    )
