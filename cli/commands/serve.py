"""`clearance serve`: the registry service (FastAPI on uvicorn).

Web and store modules are imported inside the command, so offline commands stay light.
On a first run (a store without keys, seeding on) an admin key for org `example` is
written to a 0600 file in the data directory, and its path is printed.
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
        bool,
        typer.Option(
            help="On an empty store, import the catalog (CLEARANCE_CATALOG, else "
            "./provider_catalog, else the packaged one) and ./policies/, and create a "
            "first-run admin key for org `example`."
        ),
    ] = True,
    admin_key_file: Annotated[
        Path | None,
        typer.Option(
            help="Where the first-run admin key goes (default: DATA_DIR/example-admin.key)."
        ),
    ] = None,
    rate_limit: Annotated[
        float, typer.Option(help="Requests per second per API key (0: no limit).")
    ] = 100.0,
    rate_burst: Annotated[
        float, typer.Option(help="Requests a key may send at once before the rate applies.")
    ] = 200.0,
    catalog_verify_key: Annotated[
        Path | None,
        typer.Option(
            help="Ed25519 public key (PEM): the seeded catalog and every POST /v1/catalog"
            " must carry a seal signed with its private key (`clearance catalog seal --key`)."
        ),
    ] = None,
) -> None:
    """Run the registry service; SQLite by default, PostgreSQL by URL."""
    import uvicorn

    from cli.common import catalog_dir, guarded
    from registry.api.app import create_app, prepare
    from registry.api.settings import Settings
    from registry.catalog.seal import public_key
    from registry.store.db import data_dir
    from registry.store.repository import Store

    catalog, policies = catalog_dir(None), Path("policies")
    key_file = admin_key_file or data_dir() / "example-admin.key"
    settings = Settings.from_env(
        database,
        max_staleness=max_staleness,
        poll_interval=poll_interval,
        seed_catalog=catalog if seed and (catalog / "providers").is_dir() else None,
        seed_policies=policies if seed and policies.is_dir() else None,
        bootstrap_key_file=key_file if seed else None,
        rate_limit=rate_limit,
        rate_burst=rate_burst,
        catalog_verify_key=catalog_verify_key,
    )
    if catalog_verify_key is not None:  # exit 2 on an unusable key, before any store work
        guarded(lambda: public_key(catalog_verify_key))
    store = Store(settings.database_url)
    created = guarded(lambda: prepare(store, settings))  # a refused seed catalog: exit 2
    app = create_app(settings, store)
    _banner(
        f"http://{host}:{port}",
        settings.database_url,
        key_file,
        created is not None,
        settings.seed_policies is not None,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def _banner(base: str, database: str, key_file: Path, created: bool, examples: bool) -> None:
    from registry.store.db import describe

    lines = [f"Clearance registry on {base}  ({describe(database)})"]
    if created:
        lines.append(f"  first run: an admin key for org 'example' is in {key_file} (mode 0600)")
    if key_file.is_file() and examples:
        lines.append(
            f'  try: curl -s -H "Authorization: Bearer $(cat {key_file})" '
            f"'{base}/v1/orgs/example/policies/eu-confidential/permitted?data_class=confidential'"
        )
    else:
        lines.append("  keys: clearance keys create --org ORG --role admin")
    lines.append(f"  API: {base}/docs  health: {base}/readyz")
    typer.echo("\n".join(lines))
