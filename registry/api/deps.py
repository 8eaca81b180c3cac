"""Request dependencies: the per-app state objects, typed, without module-level globals."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import Depends, Request

from registry.api.holder import SnapshotHolder, Stale
from registry.api.metrics import Metrics
from registry.api.problems import ProblemError
from registry.api.settings import Settings
from registry.api.snapshot import PolicyEntry, Snapshot
from registry.api.writer import Writer
from registry.attestations.apply import with_attestations
from registry.catalog.loader import Catalog
from registry.codes import Code
from registry.engine.engine import Engine
from registry.security.keys import Principal
from registry.store.repository import Store


@dataclass
class AppState:
    settings: Settings
    store: Store
    holder: SnapshotHolder
    engine: Engine
    metrics: Metrics
    writer: Writer = field(default_factory=Writer)


async def app_state(request: Request) -> AppState:
    """Async on purpose: a sync dependency would hop to the thread pool on every request."""
    state: AppState = request.app.state.clearance
    return state


StateDep = Annotated[AppState, Depends(app_state)]


async def principal(request: Request) -> Principal:
    """The caller, as AccessMiddleware authenticated it (guarded routes only)."""
    found = getattr(request.state, "principal", None)
    if not isinstance(found, Principal):  # a guarded route always has one: fail closed
        raise ProblemError(
            401, Code.A401, "Unauthorized", "no authenticated key", "send a Bearer key"
        )
    return found


PrincipalDep = Annotated[Principal, Depends(principal)]


def fresh_snapshot(state: AppState, min_revision: int | None = None) -> Snapshot:
    """The snapshot to serve, or a 503 problem saying why none may be served."""
    try:
        return state.holder.current(min_revision)
    except Stale as stale:
        raise ProblemError(
            503,
            Code.A503,
            "Stale or unavailable",
            stale.reason,
            "retry shortly; if it persists, check the store and /readyz",
            reason="stale",
        ) from None


def today() -> date:
    """The evaluation date of every answer: today in UTC."""
    return datetime.now(UTC).date()


def policy_entry(snapshot: Snapshot, org: str, name: str) -> tuple[PolicyEntry, Catalog]:
    """The snapshot's policy and the catalog as its org sees it today, or a 404 / 503."""
    entry = snapshot.policies.get((org, name))
    if entry is None:
        raise ProblemError(
            404,
            Code.A404,
            "Not found",
            f"no policy {name!r} in org {org!r}",
            f"list policies at /v1/orgs/{org}/policies",
        )
    return entry, org_catalog(snapshot, org)


def org_catalog(snapshot: Snapshot, org: str) -> Catalog:
    """The catalog as `org` sees it today: its attestations laid over it (SPEC §9); the
    public catalog for an org without any. When the org's stored attestations are unusable,
    a 503 problem listing why: never a decision made without them (fail closed)."""
    catalog = catalog_of(snapshot)
    found = snapshot.attestations.get(org)
    if found is None:
        return catalog
    if found.problems:
        raise ProblemError(
            503,
            Code.A503,
            "Attestations unusable",
            f"the stored attestations of org {org!r} cannot be used with catalog "
            f"{catalog.revision}: {found.problems[0].render()}",
            "PUT a corrected attestations file (see problems); until then this org's "
            "decisions are refused rather than made without its attestations",
            reason="attestations",
            problems=[
                {"file": p.file, "line": p.line, "key": p.key, "code": p.code, "message": p.message}
                for p in found.problems
            ],
        )
    return with_attestations(catalog, found.aset, today())


def catalog_of(snapshot: Snapshot) -> Catalog:
    """The snapshot's catalog, or a 503 problem: no decision without a catalog."""
    if snapshot.catalog is None:
        raise ProblemError(
            503,
            Code.A504,
            "No catalog",
            "the store holds no catalog",
            "import one: clearance catalog import DIR --database URL",
        )
    return snapshot.catalog
