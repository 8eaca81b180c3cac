"""`clearance serve`: the registry service (FastAPI on uvicorn).

Web and store modules are imported inside the command, so offline commands stay light.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.commands.catalog import DatabaseOpt


def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.")] = 8000,
    database: DatabaseOpt = None,
    max_staleness: Annotated[
        float, typer.Option(help="Seconds a snapshot may go unconfirmed before 503.")
    ] = 300.0,
    poll_interval: Annotated[
        float, typer.Option(help="Seconds between checks of the store for changes.")
    ] = 0.5,
    seed: Annotated[
        bool, typer.Option(help="On an empty store, import provider_catalog/ and policies/.")
    ] = True,
) -> None:
    """Run the registry service; SQLite by default, PostgreSQL by URL."""
    import uvicorn

    from registry.api.app import create_app
    from registry.api.settings import Settings

    catalog, policies = Path("provider_catalog"), Path("policies")
    settings = Settings.from_env(
        database,
        max_staleness=max_staleness,
        poll_interval=poll_interval,
        seed_catalog=catalog if seed and (catalog / "providers").is_dir() else None,
        seed_policies=policies if seed and policies.is_dir() else None,
    )
    app = create_app(settings)
    base = f"http://{host}:{port}"
    typer.echo(
        f"Clearance registry on {base}  (store: {settings.database_url})\n"
        f"  try: curl -s '{base}/v1/orgs/example/policies/eu-confidential/permitted"
        "?data_class=confidential'\n"
        f"  API: {base}/docs  health: {base}/readyz"
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
