"""`clearance serve`: the registry service (FastAPI on uvicorn).

Web and store modules are imported inside the command, so offline commands stay light.
On a first run (a store without keys, seeding on) an admin key for org `example` is
written to a 0600 file in the data directory, and its path is printed.

A store that cannot be opened at start (PostgreSQL not listening, a SQLite path under a
file) does not stop the service: it starts unready (`/readyz` 503 with the reason,
decisions 503) and retries with backoff. With `--require-store` it exits 2 with one line.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from cli.commands.catalog import DatabaseOpt
from cli.common import fail
from registry.api.admission import MAX_INFLIGHT


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
    max_inflight: Annotated[
        int,
        typer.Option(
            min=0,
            help="Requests handled at once; more get 503 with Retry-After at once "
            "(0: no bound). Health endpoints are never refused.",
        ),
    ] = MAX_INFLIGHT,
    require_store: Annotated[
        bool,
        typer.Option(
            "--require-store",
            help="Exit 2 when the store cannot be opened at start, instead of starting "
            "unready and retrying.",
        ),
    ] = False,
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
        max_inflight=max_inflight,
        catalog_verify_key=catalog_verify_key,
    )
    if catalog_verify_key is not None:  # exit 2 on an unusable key, before any store work
        guarded(lambda: public_key(catalog_verify_key))
    store = _open(lambda: Store(settings.database_url), settings.database_url, True)
    if store is None:  # unreachable: a required step fails with exit 2
        raise typer.Exit(2)
    created = guarded(  # a refused seed catalog (schema, seal) exits 2 with its problems
        lambda: _open(lambda: prepare(store, settings), settings.database_url, require_store)
    )
    app = create_app(settings, store)
    _banner(
        f"http://{host}:{port}",
        settings.database_url,
        key_file,
        created is not None,
        settings.seed_policies is not None,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


T = TypeVar("T")


def _open(action: Callable[[], T], database: str, required: bool) -> T | None:
    """Run a start-up step on the store; on failure one line (never a traceback): exit 2
    when the store is required, else a warning (the service starts unready and retries)."""
    from registry.api.holder import first_line
    from registry.codes import Code
    from registry.errors import InputError
    from registry.store.db import describe

    try:
        return action()
    except InputError:
        raise  # bad input, not an unreachable store: retrying cannot help
    except Exception as err:
        reason = f"cannot open the {describe(database)}: {first_line(err)}"
        if required:
            fail(f"{Code.S007} {reason}. Fix: check --database / DATABASE_URL and the store")
        typer.echo(f"warning: {reason}; starting unready, retrying in the background", err=True)
        return None


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
