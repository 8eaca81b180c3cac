"""`create_app(settings)`: store, snapshot, poller, engine and routes, built explicitly."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from registry import __version__
from registry.api import problems
from registry.api.deps import AppState
from registry.api.metrics import Metrics
from registry.api.routes import decisions, gate, health, policies, providers
from registry.api.settings import Settings
from registry.api.snapshot import Poller, SnapshotHolder
from registry.engine.engine import Engine
from registry.errors import ClearanceError, PreconditionFailedError
from registry.policy.loader import load_policy
from registry.store.repository import Store

log = logging.getLogger("clearance.api")


def seed(store: Store, settings: Settings) -> None:
    """On an empty store: import the shipped catalog and the example policies."""
    if settings.seed_catalog is not None and store.active_catalog_revision() is None:
        result = store.import_catalog(settings.seed_catalog)
        log.info("imported catalog %s (%d providers)", result.revision, result.providers)
    if settings.seed_policies is not None and store.policy_count() == 0:
        for path in sorted(Path(settings.seed_policies).glob("*.yaml")):
            if ".test." in path.name:
                continue
            policy = load_policy(path)
            org = settings.seed_org
            if policy.policy.org != org:
                continue
            try:  # create only: a replica that seeded first wins
                store.put_policy(
                    org,
                    policy.name,
                    policy,
                    path.read_text(),
                    "application/yaml",
                    if_none_match="*",
                )
            except PreconditionFailedError:
                continue


async def _store_unavailable(request: object, exc: Exception) -> object:
    detail = str(exc).splitlines()[0][:300]
    return problems.problem(
        503,
        "CLR-A503",
        "Store unavailable",
        detail,
        "retry shortly; check the database and /readyz",
    )


def create_app(settings: Settings, store: Store | None = None) -> FastAPI:
    store = store or Store(settings.database_url)
    holder = SnapshotHolder(store, settings.max_staleness)
    state = AppState(
        settings,
        store,
        holder,
        Engine(),
        Metrics(holder.age, lambda: holder.snapshot.generation if holder.snapshot else -1),
    )
    poller = Poller(holder, settings.poll_interval)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        with store.exclusive():
            store.migrate()
            seed(store, settings)
        holder.refresh()
        poller.start()
        try:
            yield
        finally:
            poller.stop()
            store.close()

    app = FastAPI(title="Clearance registry", version=__version__, lifespan=lifespan)
    app.state.clearance = state
    for router in (health.router, providers.router, policies.router, decisions.router, gate.router):
        app.include_router(router)
    app.add_exception_handler(problems.ProblemError, problems.on_problem)
    app.add_exception_handler(ClearanceError, problems.on_clearance_error)
    app.add_exception_handler(StarletteHTTPException, problems.on_http_error)
    app.add_exception_handler(RequestValidationError, problems.on_validation_error)
    app.add_exception_handler(SQLAlchemyError, _store_unavailable)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, problems.on_unexpected)
    return app
