"""`clearance keys create|list|revoke` and `clearance audit verify`: direct database access
(whoever holds the database URL is trusted; writes are audited with actor `cli`).

`keys create` prints the raw key alone on stdout (so `KEY=$(clearance keys create …)`
works) and its details on stderr; the key is never shown again.

These commands act on the store a server uses, so they never create one: a missing SQLite
file or a database without the schema is an error (exit 2, CLR-S004/CLR-S005) that names
the store and what chose it (`--database`, `DATABASE_URL`, `CLEARANCE_DATA_DIR` or the
default). Every message names the store (a PostgreSQL password is never shown).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from cli.commands.catalog import CLI_ACTOR, DatabaseOpt, database_choice
from cli.common import fail
from cli.exitcodes import ExitCode
from registry.security.roles import GLOBAL, ORG_ROLES, Role

if TYPE_CHECKING:
    from registry.store.repository import Store

ORG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
NO_STORE_REMEDY = (
    "point at the store the server uses: --database URL, or DATABASE_URL / "
    "CLEARANCE_DATA_DIR as `clearance serve` has them (key commands never create a store; "
    "`clearance serve` makes one on its first start)"
)


def create(
    org: Annotated[str | None, typer.Option("--org", help="Organization the key acts in.")] = None,
    role: Annotated[
        Role | None, typer.Option("--role", help="admin | editor | viewer | router.")
    ] = None,
    catalog_admin: Annotated[
        bool, typer.Option("--catalog-admin", help="A key that may import catalogs.")
    ] = False,
    name: Annotated[str, typer.Option("--name", help="A label for listings.")] = "",
    database: DatabaseOpt = None,
) -> None:
    """Create an API key: the key alone on stdout, details on stderr (shown once)."""
    if catalog_admin:
        if org is not None or role is not None:
            fail("--catalog-admin takes neither --org nor --role")
        org, role = GLOBAL, Role.catalog_admin
    elif org is None or role is None or role not in ORG_ROLES:
        fail("give --org ORG and --role admin|editor|viewer|router, or --catalog-admin")
    if org != GLOBAL and not ORG.match(org):
        fail(f"--org {org!r} is not an org name (lowercase letters, digits, '-')")
    if len(name) > 100:
        fail("--name is longer than 100 characters")
    with _opened(database) as (store, where):
        info, raw = store.create_key(org, role.value, name, actor=CLI_ACTOR)
    typer.echo(raw)
    typer.echo(
        f"created key {info.id} (org {info.org}, role {info.role}) in the {where}; "
        "it is shown only once",
        err=True,
    )


def list_keys(
    org: Annotated[str | None, typer.Option("--org", help="Only this org's keys.")] = None,
    database: DatabaseOpt = None,
) -> None:
    """List keys (id, org, role, name, created, revoked); never the keys themselves."""
    with _opened(database) as (store, where):
        keys = store.list_keys(org)
    typer.echo(f"{len(keys)} key(s) in the {where}", err=True)
    for key in keys:
        revoked = key.revoked_at.isoformat(timespec="seconds") if key.revoked_at else "-"
        created = key.created_at.isoformat(timespec="seconds")
        typer.echo(
            f"{key.id}  {key.org:<20} {key.role:<13} {created}  revoked={revoked}  {key.name}"
        )


def revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (from `keys list`).")],
    database: DatabaseOpt = None,
) -> None:
    """Revoke a key; servers stop accepting it within their poll interval."""
    with _opened(database) as (store, where):
        revoked = store.revoke_key(key_id, actor=CLI_ACTOR)
    if revoked is None:
        fail(f"no active key {key_id!r} in the {where}", ExitCode.FAILED)
    typer.echo(f"revoked key {key_id} (org {revoked.org}, role {revoked.role}) in the {where}")


def verify(database: DatabaseOpt = None) -> None:
    """Check the audit log's hash chain: exit 0 intact, 1 naming the first bad entry."""
    with _opened(database) as (store, where):
        count, head, broken = store.verify_audit()
    if broken is not None:
        typer.echo(
            f"audit log of the {where} broken at entry {broken.seq}: {broken.reason}", err=True
        )
        raise typer.Exit(int(ExitCode.FAILED))
    typer.echo(f"audit log intact: {count} entries, head {head} ({where})")


@contextmanager
def _opened(database: str | None) -> Iterator[tuple[Store, str]]:
    """The existing store the options name, and its name for messages; closed on leaving.
    Exit 2 naming it (and what chose it) when there is none, it cannot be opened, or it
    fails midway — never a traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    from registry.errors import StoreError
    from registry.store.db import describe
    from registry.store.existing import UNUSABLE, open_existing

    url, origin = database_choice(database)
    try:
        store = open_existing(url, NO_STORE_REMEDY)
    except StoreError as err:
        fail(f"{err.code} {err.message}; chosen by {origin}. Fix: {err.remedy}")
    where = describe(url)
    try:
        yield store, where
    except SQLAlchemyError as err:
        reason = (str(err).strip().splitlines() or [type(err).__name__])[0][:300]
        fail(f"{UNUSABLE} the {where} failed: {reason}. Fix: check the database and retry")
    finally:
        store.close()


def keys_app() -> typer.Typer:
    app = typer.Typer(help="API keys of the registry service.", no_args_is_help=True)
    app.command("create")(create)
    app.command("list")(list_keys)
    app.command("revoke")(revoke)
    return app


def audit_app() -> typer.Typer:
    app = typer.Typer(help="The registry's hash-chained audit log.", no_args_is_help=True)
    app.command("verify")(verify)
    return app
