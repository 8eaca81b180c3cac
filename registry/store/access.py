"""Keys and the audit log inside a store transaction (used by `Store`, one session each).

`AuditLog` collects the events of one write and appends them, chained, just before the
transaction commits: the change and its audit entries commit together or not at all.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Table, insert, update
from sqlmodel import Session, col, select

from registry.security import keys
from registry.security.audit import AuditEntry, AuditEvent, seal
from registry.store.models import ApiKey, AuditRecord, StoreState, utcnow

STATE: Table = StoreState.__table__  # type: ignore[attr-defined]
AUDIT: Table = AuditRecord.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class KeyInfo:
    """A key as listings and the authorizer see it (never the raw key)."""

    id: str
    org: str
    role: str
    name: str
    digest: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "org": self.org,
            "role": self.role,
            "name": self.name,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


def digest_of(data: object) -> str:
    """SHA-256 of canonical JSON: the old → new digests of audit entries."""
    raw = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(raw).hexdigest()


class AuditLog:
    """The events of one write transaction; `seq` and `head` are the chain's head as the
    transaction read it (with the generation bump, which locks that row first)."""

    def __init__(self, session: Session, seq: int, head: str) -> None:
        self.session = session
        self.seq, self.head = seq, head
        self.events: list[AuditEvent] = []

    def record(self, event: AuditEvent) -> None:
        self.events.append(event)

    def flush(self) -> None:
        """Append the recorded events to the chain (plain SQL statements: this runs in
        every write, on the path a policy write's latency is made of)."""
        if not self.events:
            return
        connection = self.session.connection()
        seq, head = self.seq, self.head
        at = datetime.now(UTC).isoformat(timespec="microseconds")
        rows = []
        for event in self.events:
            entry = seal(event, seq + 1, at, head)
            rows.append(entry.to_json())
            seq, head = entry.seq, entry.hash
        connection.execute(insert(AUDIT), rows)
        connection.execute(update(STATE).values(audit_seq=seq, audit_head=head))
        self.seq, self.head = seq, head
        self.events.clear()


def _info(row: ApiKey) -> KeyInfo:
    return KeyInfo(
        row.id,
        row.org,
        row.role,
        row.name,
        row.digest,
        row.created_by,
        row.created_at,
        row.revoked_at,
    )


def _key_digest(row: ApiKey) -> str:
    return digest_of(_info(row).to_json())


def create_key(
    session: Session, log: AuditLog, org: str, role: str, name: str, actor: str
) -> tuple[KeyInfo, str]:
    """A new key row; returns it and the raw key (to be shown once)."""
    new = keys.generate()
    row = ApiKey(id=new.id, org=org, role=role, digest=new.digest, name=name, created_by=actor)
    session.add(row)
    session.flush()
    log.record(AuditEvent(actor, org, "key.create", f"key/{new.id}", "", _key_digest(row)))
    return _info(row), new.raw


def revoke_key(
    session: Session, log: AuditLog, key_id: str, actor: str, org: str | None
) -> KeyInfo | None:
    """Revoke an active key (of `org`, when given); None when there is no such key."""
    row = session.get(ApiKey, key_id)
    if row is None or row.revoked_at is not None or (org is not None and row.org != org):
        return None
    old = _key_digest(row)
    row.revoked_at = utcnow()
    session.add(row)
    session.flush()
    log.record(AuditEvent(actor, row.org, "key.revoke", f"key/{key_id}", old, _key_digest(row)))
    return _info(row)


def list_keys(session: Session, org: str | None) -> list[KeyInfo]:
    query = select(ApiKey).order_by(col(ApiKey.created_at), col(ApiKey.id))
    if org is not None:
        query = query.where(ApiKey.org == org)
    return [_info(row) for row in session.exec(query)]


def active_keys(session: Session) -> tuple[KeyInfo, ...]:
    rows = session.exec(select(ApiKey).where(col(ApiKey.revoked_at).is_(None)))
    return tuple(_info(row) for row in rows)


def audit_entries(session: Session, org: str | None, after: int = 0) -> list[AuditEntry]:
    query = select(AuditRecord).where(AuditRecord.seq > after).order_by(col(AuditRecord.seq))
    if org is not None:
        query = query.where(AuditRecord.org == org)
    return [AuditEntry(**row.model_dump()) for row in session.exec(query)]
