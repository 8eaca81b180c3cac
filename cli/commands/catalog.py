"""`clearance catalog import|export`: sync catalog directories with the registry's store.

The store modules (SQLModel, Alembic) are imported inside the commands, so the offline
commands keep starting without them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from cli.common import guarded
from cli.exitcodes import ExitCode

DatabaseOpt = Annotated[
    str | None,
    typer.Option("--database", help="Database URL (env DATABASE_URL; default: SQLite in ./data)."),
]


def database_url(option: str | None) -> str:
    if option:
        return option
    from registry.store.db import default_url

    data_dir = Path(os.environ.get("CLEARANCE_DATA_DIR") or "data")
    return os.environ.get("DATABASE_URL") or default_url(data_dir)


def import_catalog(
    directory: Annotated[Path, typer.Argument(help="Catalog directory (holds providers/).")],
    database: DatabaseOpt = None,
) -> None:
    """Validate a catalog directory and make it the active revision (all or nothing)."""
    from registry.store.repository import Store

    store = Store(database_url(database))
    try:
        store.migrate()
        result = guarded(lambda: store.import_catalog(directory))
    finally:
        store.close()
    if result.created:
        typer.echo(f"imported {result.providers} providers as catalog revision {result.revision}")
    else:
        typer.echo(f"unchanged: catalog revision {result.revision} is already active")
    raise typer.Exit(int(ExitCode.OK))


def export_catalog(
    directory: Annotated[Path, typer.Argument(help="Directory to write providers/ into.")],
    database: DatabaseOpt = None,
) -> None:
    """Write the active catalog revision as one YAML file per provider."""
    from registry.store.repository import Store

    store = Store(database_url(database))
    try:
        store.migrate()
        count = guarded(lambda: store.export_catalog(directory))
    finally:
        store.close()
    typer.echo(f"exported {count} providers to {directory / 'providers'}")
    raise typer.Exit(int(ExitCode.OK))


def catalog_app() -> typer.Typer:
    app = typer.Typer(help="Catalog revisions in the registry's store.", no_args_is_help=True)
    app.command("import")(import_catalog)
    app.command("export")(export_catalog)
    return app
