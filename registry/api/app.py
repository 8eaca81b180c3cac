"""`create_app(settings)`: store, snapshot, poller, engine and routes, built explicitly."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from registry import __version__
from registry.api import problems
from registry.api.access import AccessMiddleware, check_routes
from registry.api.admission import Admission, AdmissionMiddleware
from registry.api.deps import AppState
from registry.api.docs import docs_router
from registry.api.holder import Poller, SnapshotHolder, first_line
from registry.api.metrics import Metrics
from registry.api.routes import (
    attestations,
    audit,
    catalog,
    decisions,
    explain,
    gate,
    health,
    keys,
    policies,
    providers,
)
from registry.api.settings import Settings
from registry.catalog.seal import load_verified
from registry.codes import Code
from registry.engine.engine import Engine
from registry.errors import ClearanceError, PreconditionFailedError
from registry.policy.loader import load_policy
from registry.store.repository import Store

log = logging.getLogger("clearance.api")
OPENAPI_URL = "/openapi.json"  # FastAPI's default, which the docs page loads
ROUTERS = (
    health.router,
    providers.router,
    catalog.router,
    policies.router,
    attestations.router,
    decisions.router,
    explain.router,
    gate.router,
    keys.router,
    audit.router,
)


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "code", "detail", "remedy"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string", "pattern": "^CLR-"},
        "detail": {"type": "string"},
        "remedy": {"type": "string"},
    },
}


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema, plus: the bearer scheme guarded operations name, and every error
    documented as what it is — an RFC 9457 problem (`default` covers the rest)."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
        components = schema.setdefault("components", {})
        components["securitySchemes"] = {
            "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "clr_<id>_<secret>"}
        }
        components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for operations in schema["paths"].values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                responses.setdefault("default", {"description": "an error (problem+json)"})
                for status, response in responses.items():
                    if status == "default" or int(status) >= 400:
                        response["content"] = problem
        app.openapi_schema = schema
    return app.openapi_schema


BOOTSTRAP = "bootstrap"  # the audit actor of first-run writes


def write_secret(path: Path, text: str) -> None:
    """Write a file only its owner can read (0600 from creation on), replacing any old one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(partial, path)


def bootstrap_key(store: Store, settings: Settings) -> Path | None:
    """First run (a store without keys): an admin key for the seed org, in a 0600 file."""
    path = settings.bootstrap_key_file
    if path is None or store.list_keys():
        return None
    info, raw = store.create_key(settings.seed_org, "admin", "first-run admin", actor=BOOTSTRAP)
    write_secret(path, raw + "\n")
    log.warning("created admin key %s for org %s in %s", info.id, info.org, path)
    return path


def seed(store: Store, settings: Settings) -> None:
    """On an empty store: import the shipped catalog and the example policies."""
    if settings.seed_catalog is not None and store.active_catalog_revision() is None:
        catalog = load_verified(settings.seed_catalog, settings.catalog_verify_key)
        result = store.import_catalog(catalog, actor=BOOTSTRAP)
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
                    actor=BOOTSTRAP,
                )
            except PreconditionFailedError:
                continue


def prepare(store: Store, settings: Settings) -> Path | None:
    """Migrate, seed an empty store and make the first-run key (one replica at a time);
    returns the key file when this call created the key. Idempotent."""
    with store.exclusive():
        store.migrate()
        seed(store, settings)
        return bootstrap_key(store, settings)


async def _store_unavailable(request: object, exc: Exception) -> object:
    detail = str(exc).splitlines()[0][:300]
    return problems.problem(
        503,
        Code.A503,
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
        try:
            prepare(store, settings)
        except Exception as err:  # unreachable at start: serve unready, retry with backoff
            holder.fail(f"store unavailable at start, retrying: {first_line(err)}")
            poller.start(lambda: prepare(store, settings))
        else:
            holder.refresh()
            poller.start()
        try:
            yield
        finally:
            poller.stop()
            state.writer.close()
            store.close()

    app = FastAPI(
        title="Clearance registry",
        version=__version__,
        lifespan=lifespan,
        openapi_url=OPENAPI_URL,
        docs_url=None,  # served by docs_router from local files, never a CDN
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.clearance = state
    routes = [route for router in ROUTERS for route in router.routes]
    check_routes(routes)  # before serving anything: every route declares its action
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(docs_router(app.title, OPENAPI_URL))
    app.add_middleware(AccessMiddleware, state=state, routes=routes)
    admission = Admission(settings.max_inflight)
    state.metrics.watch_admission(admission)
    app.add_middleware(AdmissionMiddleware, admission=admission)  # outermost: sheds first
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.add_exception_handler(problems.ProblemError, problems.on_problem)
    app.add_exception_handler(ClearanceError, problems.on_clearance_error)
    app.add_exception_handler(StarletteHTTPException, problems.on_http_error)
    app.add_exception_handler(RequestValidationError, problems.on_validation_error)
    app.add_exception_handler(SQLAlchemyError, _store_unavailable)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, problems.on_unexpected)
    return app
