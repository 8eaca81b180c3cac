"""The hash-chained audit log, as pure functions over plain records.

Each entry's `hash` is SHA-256 over the canonical JSON (sorted keys, no spaces, UTF-8) of
every other field, `prev_hash` included, so an entry commits to the whole log before it.
`seq` counts from 1 without gaps and the store keeps the newest (`seq`, `hash`) beside the
log: a changed byte, a deleted entry (also the last), an inserted or a reordered one each
break a check, and `verify` names the first entry that does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEvent:
    """What a write records: who did what to which object, old → new digest."""

    actor: str  # key id, `cli` (direct database access) or `bootstrap` (first run)
    org: str  # "" for the shared catalog
    action: str
    object: str
    old_digest: str = ""
    new_digest: str = ""


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str  # ISO 8601 UTC, stored as text so the hashed bytes never change
    actor: str
    org: str
    action: str
    object: str
    old_digest: str
    new_digest: str
    prev_hash: str
    hash: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ChainBreak:
    seq: int  # the first entry that fails (or the head's seq when the tail is gone)
    reason: str


def canonical(fields: dict[str, object]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry: AuditEntry | dict[str, object]) -> str:
    fields = entry.to_json() if isinstance(entry, AuditEntry) else dict(entry)
    fields.pop("hash", None)
    return hashlib.sha256(canonical(fields)).hexdigest()


def seal(event: AuditEvent, seq: int, at: str, prev_hash: str) -> AuditEntry:
    """The next entry of the chain for `event`."""
    fields: dict[str, object] = {**asdict(event), "seq": seq, "at": at, "prev_hash": prev_hash}
    return AuditEntry(**fields, hash=entry_hash(fields))  # type: ignore[arg-type]


def verify(entries: Iterable[AuditEntry], head_seq: int, head_hash: str) -> ChainBreak | None:
    """None when the entries (in `seq` order) form an intact chain ending at the head."""
    expected_seq, prev = 1, GENESIS
    for entry in entries:
        if entry.seq != expected_seq:
            return ChainBreak(entry.seq, f"expected entry {expected_seq} here (gap or reorder)")
        if entry.prev_hash != prev:
            return ChainBreak(entry.seq, "prev_hash does not match the previous entry")
        if entry_hash(entry) != entry.hash:
            return ChainBreak(entry.seq, "content does not match its hash (changed)")
        expected_seq, prev = expected_seq + 1, entry.hash
    if (expected_seq - 1, prev) != (head_seq, head_hash):
        return ChainBreak(
            head_seq, f"the log ends at entry {expected_seq - 1} but the head says {head_seq}"
        )
    return None
