"""Writing one versioned document of an org (a policy, an attestations file) inside the
store's write transaction: preconditions, the record's head, a new revision, the audit
event. Both kinds share this one path; `Kind` names their tables and words.

Plain SQL statements (SQLAlchemy Core), not the ORM's unit of work: a policy write is on
the path routers wait behind, and the ORM spent more than the database did (measured with
bench/api_writes.py: a write 3.1 -> 1.8 ms).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic

from sqlalchemy import Table, insert, update
from sqlalchemy import select as sql_select
from sqlmodel import Session

from registry.security.audit import AuditEvent
from registry.store.access import AuditLog
from registry.store.models import (
    AttestationsRecord,
    AttestationsRevision,
    PolicyRecord,
    PolicyRevision,
    utcnow,
)
from registry.store.preconditions import check_preconditions
from registry.store.state import StoredAttestations, StoredPolicy, Text


@dataclass(frozen=True)
class Kind(Generic[Text]):
    records: Table
    revisions: Table
    parent: str  # the revisions' column naming their record
    noun: str  # in precondition messages
    action: str  # of the audit event; its object is "<prefix>/<name>"
    prefix: str
    make: Callable[[str, str, int, str, str, str], Text]


POLICIES: Kind[StoredPolicy] = Kind(
    PolicyRecord.__table__,  # type: ignore[attr-defined]
    PolicyRevision.__table__,  # type: ignore[attr-defined]
    "policy_id",
    "policy",
    "policy.put",
    "policy",
    StoredPolicy,
)
ATTESTATIONS: Kind[StoredAttestations] = Kind(
    AttestationsRecord.__table__,  # type: ignore[attr-defined]
    AttestationsRevision.__table__,  # type: ignore[attr-defined]
    "attestations_id",
    "attestations file",
    "attestations.put",
    "attestations",
    StoredAttestations,
)

# Called once the preconditions passed and the text is new; raises to refuse the write
# (the transaction rolls back, nothing is written).
Check = Callable[[], None]


def text_digest(body: str, media_type: str) -> str:
    """The ETag of a stored text: a hash of exactly what GET returns."""
    return hashlib.sha256(f"{media_type}\n{body}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Put:
    """One write of one document, as the caller asked for it."""

    org: str
    name: str
    body: str
    media_type: str
    if_match: str | None
    if_none_match: str | None
    actor: str


def put_text(
    session: Session, log: AuditLog, kind: Kind[Text], put: Put, check: Check | None = None
) -> tuple[Text, bool]:
    """Create or replace `put`'s document in the caller's write transaction; returns the
    stored text and whether it was created. Replacing needs `If-Match` with the current
    ETag (412/428 errors otherwise); an identical text adds no revision and no event."""
    content = text_digest(put.body, put.media_type)
    records = kind.records
    connection = session.connection()
    head = connection.execute(
        sql_select(records.c.id, records.c.current_revision, records.c.content_hash).where(
            records.c.org == put.org, records.c.name == put.name
        )
    ).first()
    current = None if head is None else f'"{head.content_hash}"'
    check_preconditions(current, put.if_match, put.if_none_match, kind.noun)
    if head is not None and head.content_hash == content:
        return _text(kind, put, head.current_revision, content), False
    if check is not None:
        check()
    old = "" if head is None else head.content_hash
    log.record(
        AuditEvent(put.actor, put.org, kind.action, f"{kind.prefix}/{put.name}", old, content)
    )
    now = utcnow()
    if head is None:
        revision = 1
        record_id = connection.execute(
            insert(records)
            .values(org=put.org, name=put.name, current_revision=revision)
            .values(content_hash=content, updated_at=now)
            .returning(records.c.id)
        ).scalar_one()
    else:
        record_id, revision = head.id, head.current_revision + 1
        connection.execute(
            update(records)
            .where(records.c.id == record_id)
            .values(current_revision=revision, content_hash=content, updated_at=now)
        )
    connection.execute(
        insert(kind.revisions).values(
            {
                kind.parent: record_id,
                "revision": revision,
                "content_hash": content,
                "media_type": put.media_type,
                "body": put.body,
                "created_at": now,
            }
        )
    )
    return _text(kind, put, revision, content), head is None


def _text(kind: Kind[Text], put: Put, revision: int, content: str) -> Text:
    return kind.make(put.org, put.name, revision, content, put.media_type, put.body)
