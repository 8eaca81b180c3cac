"""`clearance keys create|list|revoke` and `clearance audit verify`: direct database access
(whoever holds the database URL is trusted; writes are audited with actor `cli`).

`keys create` prints the raw key alone on stdout (so `KEY=$(clearance keys create …)`
works) and its details on stderr; the key is never shown again.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated

import typer

from cli.commands.catalog import CLI_ACTOR, DatabaseOpt, database_url
from cli.common import fail
from cli.exitcodes import ExitCode
from registry.security.roles import GLOBAL, ORG_ROLES, Role

if TYPE_CHECKING:
    from registry.store.repository import Store

ORG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


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
    store = _store(database)
    try:
        info, raw = store.create_key(org, role.value, name, actor=CLI_ACTOR)
    finally:
        store.close()
    typer.echo(raw)
    typer.echo(
        f"created key {info.id} (org {info.org}, role {info.role}); it is shown only once",
        err=True,
    )


def list_keys(
    org: Annotated[str | None, typer.Option("--org", help="Only this org's keys.")] = None,
    database: DatabaseOpt = None,
) -> None:
    """List keys (id, org, role, name, created, revoked); never the keys themselves."""
    store = _store(database)
    try:
        keys = store.list_keys(org)
    finally:
        store.close()
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
    store = _store(database)
    try:
        revoked = store.revoke_key(key_id, actor=CLI_ACTOR)
    finally:
        store.close()
    if revoked is None:
        fail(f"no active key {key_id!r}", ExitCode.FAILED)
    typer.echo(f"revoked key {key_id} (org {revoked.org}, role {revoked.role})")


def verify(database: DatabaseOpt = None) -> None:
    """Check the audit log's hash chain: exit 0 intact, 1 naming the first bad entry."""
    store = _store(database)
    try:
        count, head, broken = store.verify_audit()
    finally:
        store.close()
    if broken is not None:
        typer.echo(f"audit log broken at entry {broken.seq}: {broken.reason}", err=True)
        raise typer.Exit(int(ExitCode.FAILED))
    typer.echo(f"audit log intact: {count} entries, head {head}")


def _store(database: str | None) -> Store:
    from registry.store.repository import Store

    store = Store(database_url(database))
    store.migrate()
    return store


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
