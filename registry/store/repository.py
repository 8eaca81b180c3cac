"""Store operations: all-or-nothing catalog imports, versioned policy and attestations
writes with ETags.

Every write runs in one transaction that also bumps `store_state.generation`; a failed write
leaves the previous state fully intact.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import Engine, func, text, update
from sqlmodel import Session, col, select

from registry.catalog.loader import Catalog, canonical_document, load_catalog
from registry.codes import Code
from registry.errors import CatalogRemovalError, StoreError
from registry.policy.loader import LoadedPolicy
from registry.security.audit import AuditEntry, AuditEvent, ChainBreak, verify
from registry.store import access
from registry.store.access import STATE, AuditLog, KeyInfo
from registry.store.catalog_rows import active_catalog, removals, target_rows
from registry.store.db import (
    Identity,
    SqliteFile,
    confirm_file,
    file_identity,
    make_engine,
    sqlite_file,
    writer,
)
from registry.store.documents import ATTESTATIONS, POLICIES, Put, put_text
from registry.store.migrate import upgrade
from registry.store.models import (
    AttestationsRecord,
    AttestationsRevision,
    CatalogProvider,
    CatalogRevision,
    PolicyRecord,
    PolicyRevision,
    StoreState,
)
from registry.store.state import (
    StoredAttestations,
    StoredPolicy,
    StoreSnapshot,
    attestations_heads,
    attestations_text,
    read_state,
)

SETUP_LOCK = 7_104_222  # pg advisory lock: replicas starting together seed the store once


@dataclass
class Receipt:
    """What a write transaction committed: the store generation it made, and the SQLite
    file it committed to (None for PostgreSQL). The server uses it to serve the write
    from memory at once when nothing else was written in between (api/holder.py)."""

    generation: int = -1
    identity: Identity | None = None


@dataclass(frozen=True)
class ImportResult:
    revision: str
    created: bool
    providers: int


# Called inside the write transaction with the org's other current attestations files:
# raises (an InputError) to refuse the write, so two concurrent writers cannot each pass a
# check the pair of them would fail (writers queue on the generation row).
AttestationsCheck = Callable[[Sequence[StoredAttestations]], None]


class Store:
    """One database: migrations, catalog revisions and policies."""

    def __init__(self, url: str, *, create: bool = True) -> None:
        """`create=False`: a SQLite file is opened only if it exists (see `existing`)."""
        self.url = url
        self.engine: Engine = make_engine(url, create=create)
        # Writers of this process queue here, woken the moment the previous one commits.
        # Left to SQLite, a writer that finds the file locked polls it with sleeps growing
        # to 100 ms (its busy handler), so a waiter slept on after the lock was free.
        self._writing = threading.Lock()

    def migrate(self) -> None:
        upgrade(self.engine)

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """One process at a time across replicas (PostgreSQL advisory lock; SQLite's
        immediate write transactions already serialize writers)."""
        if self.engine.dialect.name != "postgresql":
            yield
            return
        with self.engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": SETUP_LOCK})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": SETUP_LOCK})
                conn.commit()

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _write(self, receipt: Receipt | None = None) -> Iterator[tuple[Session, AuditLog]]:
        """One write transaction: bump the generation first (writers queue on that row's
        lock), let the caller change rows and record audit events, then append the events
        to the chained log in the same transaction. Any failure rolls everything back.
        `receipt`, when given, is filled in once the transaction has committed."""
        state = STATE.c
        bump = update(STATE).values(generation=state.generation + 1)
        bump = bump.returning(state.generation, state.audit_seq, state.audit_head)
        with self._writing, Session(writer(self.engine)) as session:
            with session.begin():
                generation, seq, head = session.connection().execute(bump).one()
                log = AuditLog(session, seq, head)
                yield session, log
                log.flush()
                identity = confirm_file(session.connection())  # never into a file gone
            if receipt is not None:
                receipt.generation, receipt.identity = int(generation), identity

    def generation(self) -> int:
        with Session(self.engine) as session:
            return int(session.exec(select(StoreState.generation)).one())

    def check(self) -> tuple[int, Identity | None]:
        """The generation, read through a new connection, and the identity (device, inode)
        of the SQLite file it was read from (None for PostgreSQL). A SQLite file that was
        deleted, renamed or made unreadable fails here, as a new connection would."""
        path = sqlite_file(self.url) if self.engine.dialect.name == "sqlite" else None
        if path is None:
            return self.generation(), None
        connection = SqliteFile(path, create=False).connect()
        try:
            identity = file_identity(os.path.abspath(path))
            row = connection.execute("SELECT generation FROM store_state").fetchone()
        finally:
            connection.close()
        if row is None:
            raise StoreError(
                Code.S006,
                f"the SQLite file {path} holds no store state",
                "restore the store's file",
            )
        return int(row[0]), identity

    # -- catalog ---------------------------------------------------------------------------

    def import_catalog(
        self, source: Path | Catalog, *, actor: str, allow_removals: bool = False
    ) -> ImportResult:
        """Validate first (raises CatalogError, store untouched), then add one revision.
        A catalog that drops providers or deployments of the active revision raises
        CatalogRemovalError (store untouched) unless `allow_removals`."""
        catalog = source if isinstance(source, Catalog) else load_catalog(source)
        active = self.active_catalog_revision()
        if active is not None and active.revision == catalog.revision:
            return ImportResult(catalog.revision, False, len(catalog.providers))
        with self._write() as (session, log):
            dropped = removals(session, catalog)
            if not allow_removals and any(dropped):
                raise CatalogRemovalError(*dropped)
            old = "" if active is None else active.revision
            log.record(AuditEvent(actor, "", "catalog.import", "catalog", old, catalog.revision))
            row = CatalogRevision(
                revision=catalog.revision,
                source=catalog.root[:1000],
                provider_count=len(catalog.providers),
            )
            session.add(row)
            session.flush()
            revision_id = _id(row.id)
            session.add_all(target_rows(catalog, revision_id))
            for pid, provider in sorted(catalog.providers.items()):
                document = json.dumps(canonical_document(provider), sort_keys=True)
                session.add(
                    CatalogProvider(
                        catalog_revision_id=_id(row.id), provider_id=pid, document=document
                    )
                )
        return ImportResult(catalog.revision, True, len(catalog.providers))

    def active_catalog_revision(self) -> CatalogRevision | None:
        with Session(self.engine) as session:
            query = select(CatalogRevision).order_by(col(CatalogRevision.id).desc()).limit(1)
            return session.exec(query).first()

    def catalog_revisions(self) -> list[CatalogRevision]:
        with Session(self.engine) as session:
            return list(session.exec(select(CatalogRevision).order_by(col(CatalogRevision.id))))

    def active_catalog(self) -> Catalog | None:
        """The newest catalog revision, rebuilt and re-validated from its rows."""
        with Session(self.engine) as session:
            return active_catalog(session)

    def read_state(self, previous: StoreSnapshot | None = None) -> StoreSnapshot:
        """Generation, active catalog, every current policy and attestations file and the
        active keys, read in one transaction; what is unchanged since `previous` is reused
        from it, not read again (registry/store/state.py)."""
        with Session(self.engine) as session, session.begin():
            return read_state(session, previous)

    def export_catalog(self, destination: Path) -> int:
        """Write the active revision as one YAML file per provider; returns the count."""
        catalog = self.active_catalog()
        if catalog is None:
            raise StoreError(
                Code.S001,
                "the store holds no catalog",
                "import one first: clearance catalog import DIR",
            )
        target = destination / "providers"
        target.mkdir(parents=True, exist_ok=True)
        for pid, provider in catalog.providers.items():
            data = canonical_document(provider)
            text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
            (target / f"{pid}.yaml").write_text(
                f"# Exported from catalog revision {catalog.revision}\n{text}"
            )
        return len(catalog.providers)

    # -- policies --------------------------------------------------------------------------

    def put_policy(
        self,
        org: str,
        name: str,
        policy: LoadedPolicy,
        body: str,
        media_type: str,
        if_match: str | None = None,
        if_none_match: str | None = None,
        *,
        actor: str,
        receipt: Receipt | None = None,
    ) -> tuple[StoredPolicy, bool]:
        """Create or replace; returns the stored policy and whether it was created.

        Replacing requires `If-Match` with the current ETag; `If-None-Match: *` refuses to
        replace. The ETag hashes the stored text: a body that changes only comments is a
        new revision (what GET returns is that text); an identical body adds none.
        """
        put = Put(org, name, body, media_type, if_match, if_none_match, actor)
        with self._write(receipt) as (session, log):
            return put_text(session, log, POLICIES, put)

    def get_policy(self, org: str, name: str, revision: int | None = None) -> StoredPolicy | None:
        with Session(self.engine) as session:
            record = session.exec(
                select(PolicyRecord).where(PolicyRecord.org == org, PolicyRecord.name == name)
            ).first()
            if record is None:
                return None
            return self._stored(session, record, revision)

    def policy_etag(self, org: str, name: str) -> str | None:
        """The current ETag of a policy (None when there is none), without its text."""
        with Session(self.engine) as session:
            query = select(PolicyRecord.content_hash).where(
                PolicyRecord.org == org, PolicyRecord.name == name
            )
            found = session.exec(query).first()
        return None if found is None else f'"{found}"'

    def list_policies(self, org: str) -> list[StoredPolicy]:
        with Session(self.engine) as session:
            records = session.exec(
                select(PolicyRecord).where(PolicyRecord.org == org).order_by(col(PolicyRecord.name))
            )
            return [_current(session, r) for r in records]

    def policy_revisions(self, org: str, name: str) -> list[PolicyRevision]:
        with Session(self.engine) as session:
            query = (
                select(PolicyRevision)
                .join(PolicyRecord)
                .where(PolicyRecord.org == org, PolicyRecord.name == name)
                .order_by(col(PolicyRevision.revision))
            )
            return list(session.exec(query))

    def policy_count(self) -> int:
        with Session(self.engine) as session:
            return int(session.exec(select(func.count()).select_from(PolicyRecord)).one())

    # -- attestations ------------------------------------------------------------------------

    def put_attestations(
        self,
        org: str,
        name: str,
        body: str,
        media_type: str,
        if_match: str | None = None,
        if_none_match: str | None = None,
        *,
        actor: str,
        check: AttestationsCheck | None = None,
        receipt: Receipt | None = None,
    ) -> tuple[StoredAttestations, bool]:
        """Create or replace one attestations file; returns it and whether it was created.

        Preconditions as for policies (If-Match to replace). `check` sees the org's other
        current files inside the transaction and may refuse the write by raising; nothing is
        written then. An identical body adds no revision (and no audit entry).
        """
        put = Put(org, name, body, media_type, if_match, if_none_match, actor)
        with self._write(receipt) as (session, log):

            def with_others() -> None:  # the org's other current files, in this transaction
                if check is not None:
                    check([a for a in _current_attestations(session, org) if a.name != name])

            return put_text(session, log, ATTESTATIONS, put, with_others)

    def get_attestations(
        self, org: str, name: str, revision: int | None = None
    ) -> StoredAttestations | None:
        with Session(self.engine) as session:
            record = _attestations_record(session, org, name)
            if record is None:
                return None
            return _stored_attestation(session, record, revision)

    def attestations_etag(self, org: str, name: str) -> str | None:
        """The current ETag of an attestations file (None when there is none)."""
        with Session(self.engine) as session:
            query = select(AttestationsRecord.content_hash).where(
                AttestationsRecord.org == org, AttestationsRecord.name == name
            )
            found = session.exec(query).first()
        return None if found is None else f'"{found}"'

    def list_attestations(self, org: str) -> list[StoredAttestations]:
        with Session(self.engine) as session:
            return _current_attestations(session, org)

    def attestations_revisions(self, org: str, name: str) -> list[AttestationsRevision]:
        with Session(self.engine) as session:
            query = (
                select(AttestationsRevision)
                .join(AttestationsRecord)
                .where(AttestationsRecord.org == org, AttestationsRecord.name == name)
                .order_by(col(AttestationsRevision.revision))
            )
            return list(session.exec(query))

    # -- keys and audit log -----------------------------------------------------------------

    def create_key(self, org: str, role: str, name: str, *, actor: str) -> tuple[KeyInfo, str]:
        """A new API key; the raw key is returned once and only its digest is stored."""
        with self._write() as (session, log):
            return access.create_key(session, log, org, role, name, actor)

    def revoke_key(self, key_id: str, *, actor: str, org: str | None = None) -> KeyInfo | None:
        with self._write() as (session, log):
            return access.revoke_key(session, log, key_id, actor, org)

    def list_keys(self, org: str | None = None) -> list[KeyInfo]:
        with Session(self.engine) as session:
            return access.list_keys(session, org)

    def audit_entries(self, org: str | None = None, after: int = 0) -> list[AuditEntry]:
        with Session(self.engine) as session:
            return access.audit_entries(session, org, after)

    def verify_audit(self) -> tuple[int, str, ChainBreak | None]:
        """(entries checked, the head hash, the first break or None), in one transaction.
        Record the head elsewhere to detect a rewrite of the whole log later."""
        with Session(self.engine) as session, session.begin():
            state = session.exec(select(StoreState)).one()
            entries = access.audit_entries(session, None)
            broken = verify(entries, state.audit_seq, state.audit_head)
            return len(entries), state.audit_head, broken

    @staticmethod
    def _stored(
        session: Session, record: PolicyRecord, revision: int | None = None
    ) -> StoredPolicy | None:
        wanted = revision or record.current_revision
        row = session.exec(
            select(PolicyRevision).where(
                PolicyRevision.policy_id == record.id, PolicyRevision.revision == wanted
            )
        ).first()
        if row is None:
            return None
        return StoredPolicy(
            record.org, record.name, row.revision, row.content_hash, row.media_type, row.body
        )


def _id(value: int | None) -> int:
    if value is None:
        raise StoreError(Code.S002, "a row has no id after flush", "report this bug")
    return value


def _current(session: Session, record: PolicyRecord) -> StoredPolicy:
    stored = Store._stored(session, record)
    if stored is None:
        raise StoreError(
            Code.S003,
            f"policy {record.org}/{record.name} has no current revision",
            "restore the database from a backup; report this bug",
        )
    return stored


def _attestations_record(session: Session, org: str, name: str) -> AttestationsRecord | None:
    query = select(AttestationsRecord).where(
        AttestationsRecord.org == org, AttestationsRecord.name == name
    )
    return session.exec(query).first()


def _stored_attestation(
    session: Session, record: AttestationsRecord, revision: int | None = None
) -> StoredAttestations | None:
    wanted = revision or record.current_revision
    row = session.exec(
        select(AttestationsRevision).where(
            AttestationsRevision.attestations_id == record.id,
            AttestationsRevision.revision == wanted,
        )
    ).first()
    if row is None:
        return None
    return StoredAttestations(
        record.org, record.name, row.revision, row.content_hash, row.media_type, row.body
    )


def _current_attestations(session: Session, org: str | None) -> list[StoredAttestations]:
    """Every current attestations file (of `org`, when given), by org and name."""
    return [attestations_text(session, head) for head in attestations_heads(session, org)]
