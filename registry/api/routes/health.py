"""Liveness, readiness (fresh snapshot with a catalog) and Prometheus metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from registry.api.access import requires
from registry.api.deps import StateDep
from registry.api.holder import Stale
from registry.api.problems import problem
from registry.api.records import Alive, Ready
from registry.codes import Code
from registry.security.roles import Action

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Alive, openapi_extra=requires(Action.public))
async def healthz() -> Alive:
    """The process is alive (says nothing about the store)."""
    return Alive(status="ok")


@router.get(
    "/readyz",
    response_model=Ready,
    responses={503: {"description": "not ready (problem+json)"}},
    openapi_extra=requires(Action.public),
)
async def readyz(state: StateDep) -> Any:
    """Ready when a snapshot with a catalog is loaded and recently confirmed."""
    try:
        snapshot = state.holder.current()
    except Stale as stale:
        return problem(
            503,
            Code.A503,
            "Not ready",
            stale.reason,
            "retry shortly; check that the store is reachable",
        )
    if snapshot.catalog is None:
        return problem(
            503,
            Code.A504,
            "Not ready",
            "the store holds no catalog",
            "import one: clearance catalog import DIR --database URL",
        )
    return Ready(
        status="ready",
        revision=snapshot.generation,
        catalog_revision=snapshot.catalog.revision,
        policies=len(snapshot.policies),
    )


@router.get("/metrics", response_class=Response, openapi_extra=requires(Action.public))
async def metrics(state: StateDep) -> Response:
    return Response(state.metrics.render(), media_type=CONTENT_TYPE_LATEST)
