"""An org's audit entries: every write with its actor, digests and chain hashes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from registry.api.access import requires
from registry.api.deps import StateDep
from registry.api.records import AuditLog
from registry.security.roles import Action

router = APIRouter(tags=["audit"])


@router.get(
    "/v1/orgs/{org}/audit", response_model=AuditLog, openapi_extra=requires(Action.audit_read)
)
async def audit(
    org: str,
    state: StateDep,
    after: Annotated[int, Query(ge=0, le=2**62, description="entries after this seq")] = 0,
) -> dict[str, Any]:
    """The org's entries in chain order. The chain spans all orgs, so verify it as a whole
    with `clearance audit verify` on the database."""
    entries = await run_in_threadpool(state.store.audit_entries, org, after)
    return {"org": org, "entries": [e.to_json() for e in entries]}


@router.get("/v1/audit", response_model=AuditLog, openapi_extra=requires(Action.audit_read))
async def catalog_audit(
    state: StateDep,
    after: Annotated[int, Query(ge=0, le=2**62, description="entries after this seq")] = 0,
) -> dict[str, Any]:
    """The shared catalog's entries (imports), which belong to no org: readable by every
    key whose role may read an audit log, catalog admins included."""
    entries = await run_in_threadpool(state.store.audit_entries, "", after)
    return {"org": None, "entries": [e.to_json() for e in entries]}
