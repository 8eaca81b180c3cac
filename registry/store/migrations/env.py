"""Alembic environment: migrations run on a connection handed in by registry.store.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text
from sqlmodel import SQLModel

import registry.store.models  # noqa: F401  (registers the tables on SQLModel.metadata)

MIGRATION_LOCK = 7_104_221  # pg advisory lock id: replicas starting together migrate once


def run() -> None:
    connection = context.config.attributes["connection"]
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK})
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run()
