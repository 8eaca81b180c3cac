"""Open a store that already exists, for commands that must never create one.

`clearance keys` and `clearance audit verify` act on the store a server uses. Pointed at
the wrong place (no `--database`, a server started with another URL or data directory),
they must not make a new, empty store there, where a key would be created that no server
ever reads: they fail with one of these, naming the store they looked at.

    CLR-S004  no store there: the SQLite file does not exist, or the database holds no
              Clearance schema
    CLR-S005  the store cannot be opened: not a database, unreachable, a schema this
              version cannot migrate
"""

from __future__ import annotations

from alembic.util.exc import CommandError
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from registry.codes import Code
from registry.errors import StoreError
from registry.store.db import describe, is_sqlite, sqlite_file
from registry.store.repository import Store

MISSING = Code.S004
UNUSABLE = Code.S005
SCHEMA_TABLES = ("alembic_version", "store_state")


def _first_line(err: Exception) -> str:
    text = str(err).strip().splitlines()
    return text[0][:300] if text else type(err).__name__


def _check_file(url: str, name: str, remedy: str) -> None:
    path = sqlite_file(url)
    if path is None:
        raise StoreError(MISSING, f"{name} is never an existing store", remedy)
    if not path.is_file():
        raise StoreError(MISSING, f"no store: the {name} does not exist", remedy)


def _unusable(name: str, err: Exception, remedy: str) -> StoreError:
    return StoreError(
        UNUSABLE,
        f"cannot open the {name}: {_first_line(err)}",
        f"check the URL, that the database is reachable and its credentials; or {remedy}",
    )


def _connect(url: str, name: str, remedy: str) -> Store:
    try:
        return Store(url, create=False)
    except SQLAlchemyError as err:  # ArgumentError: not a URL; NoSuchModuleError: a driver
        raise _unusable(name, err, remedy) from None


def _has_schema(store: Store, name: str, remedy: str) -> bool:
    try:
        tables = set(inspect(store.engine).get_table_names())
    except SQLAlchemyError as err:
        raise _unusable(name, err, remedy) from None
    return all(table in tables for table in SCHEMA_TABLES)


def _migrate(store: Store, name: str) -> None:
    try:
        store.migrate()
    except (SQLAlchemyError, CommandError) as err:
        raise StoreError(
            UNUSABLE,
            f"cannot bring the {name} to this version's schema: {_first_line(err)}",
            "run the `clearance serve` of the version that made this store, or upgrade "
            "this one to it",
        ) from None


def open_existing(url: str, remedy: str) -> Store:
    """The store at `url` if it exists and holds a Clearance schema (migrated to head);
    StoreError CLR-S004/CLR-S005 naming it otherwise, with `remedy`. Creates nothing:
    no SQLite file, no directory, no table."""
    name = describe(url)
    if is_sqlite(url):
        _check_file(url, name, remedy)
    store = _connect(url, name, remedy)
    try:
        if not _has_schema(store, name, remedy):
            raise StoreError(
                MISSING, f"the {name} has no Clearance schema: no store was made there", remedy
            )
        _migrate(store, name)
    except StoreError:
        store.close()
        raise
    return store
