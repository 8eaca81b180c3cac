"""Database engines: SQLite (embedded default) or PostgreSQL, configured for safe writes.

SQLite: WAL journal, foreign keys on, a busy timeout, and writes in `BEGIN IMMEDIATE`
transactions (so two writers queue instead of failing at commit). PostgreSQL: plain
`postgresql://` URLs are accepted and use the psycopg 3 driver.

`describe(url)` names a store for people (a SQLite file's absolute path, a PostgreSQL URL
with its password hidden); `make_engine(url, create=False)` opens a SQLite file only if it
exists (no file, no directory is made).

A SQLite store is *the file at its path* (issue 16): once the file has existed, a connection
is never opened by creating a new, empty one there. Every pooled connection remembers the
device and inode it opened; on checkout a connection whose file is no longer the one at the
path (deleted, renamed, replaced) is discarded and a new one opened to the file now there —
or none, when there is none. `confirm_file(connection)` is the same check at a write's
commit, so a write is never acknowledged into an unlinked inode.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError
from sqlalchemy.pool import QueuePool

from registry.codes import Code
from registry.errors import StoreError

SQLITE_BUSY_TIMEOUT_MS = 10_000
FILE_KEY = "clearance_sqlite_file"  # a pooled connection's info: (path, identity it opened)
FILE_GONE = Code.S006


def data_dir() -> Path:
    """Where the embedded store and the first-run key live: `CLEARANCE_DATA_DIR` or ./data."""
    return Path(os.environ.get("CLEARANCE_DATA_DIR") or "data")


def default_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'clearance.db'}"


def normalize_url(url: str) -> str:
    """Accept `postgresql://` and `postgres://` as PostgreSQL through psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_sqlite(url: str) -> bool:
    return normalize_url(url).startswith("sqlite")


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for an in-memory database (or a URL that is not one)."""
    try:
        database = make_url(normalize_url(url)).database
    except ArgumentError:
        return None
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def describe(url: str) -> str:
    """The store a URL names, for messages: never its password."""
    if is_sqlite(url):
        path = sqlite_file(url)
        return f"SQLite store {os.path.abspath(path)}" if path else "in-memory SQLite store"
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "store of an unparseable database URL"
    return f"PostgreSQL store {shown}" if shown.startswith("postgres") else f"store {shown}"


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    immediate = connection.get_execution_options().get("immediate", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


Identity = tuple[int, int]  # (st_dev, st_ino) of a file


def file_identity(path: str) -> Identity | None:
    """The device and inode of the file at `path` now; None when there is none."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return (found.st_dev, found.st_ino)


def gone_message(path: str) -> str:
    return (
        f"the SQLite file {path} is no longer the store's file (deleted, renamed or "
        "replaced under the running process)"
    )


class SqliteFile:
    """Connections to one SQLite file, and the checks that they still reach the file at the
    path. `create`: the first connection may make the file and its directory."""

    def __init__(self, path: Path, *, create: bool) -> None:
        self.path = os.path.abspath(path)
        self.existed = not create

    def connect(self) -> sqlite3.Connection:
        if not self.existed:
            try:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise sqlite3.OperationalError(
                    f"cannot make the directory of {self.path}: {err.strerror or err}"
                ) from None
        elif file_identity(self.path) is None:
            raise sqlite3.OperationalError(
                f"{gone_message(self.path)}: no file there; restore it at that path"
            )
        mode = "rw" if self.existed else "rwc"
        uri = f"file:{quote(self.path)}?mode={mode}"
        connection = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=30)
        self.existed = True
        return connection

    def on_connect(self, _dbapi_connection: Any, record: Any) -> None:
        record.info[FILE_KEY] = (self.path, file_identity(self.path))

    def on_checkout(self, _dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        """A pooled connection to a file that is no longer at the path is discarded (the
        pool then opens a new one, to the file there now, or fails)."""
        path, opened = record.info.get(FILE_KEY, (self.path, None))
        if opened is None or file_identity(path) != opened:
            raise DisconnectionError(gone_message(path))


def confirm_file(connection: Connection) -> Identity | None:
    """StoreError CLR-S006 unless the connection's SQLite file is still the file at its
    path (call it inside a write transaction, just before commit); returns that file's
    identity. None for PostgreSQL."""
    found = connection.connection.info.get(FILE_KEY)
    if found is None:
        return None
    path, opened = found
    identity: Identity | None = opened
    if identity is None or file_identity(path) != identity:
        raise StoreError(
            FILE_GONE,
            f"{gone_message(path)}; the write was rolled back",
            f"restore the store's file at {path}; the server picks it up by itself",
        )
    return identity


def make_engine(url: str, *, create: bool = True) -> Engine:
    """An engine for the URL. SQLite files get their directory created, unless `create` is
    False: then the file must already exist (connecting fails otherwise). Once a SQLite file
    has existed, it is never created again (see the module docstring)."""
    url = normalize_url(url)
    if is_sqlite(url):
        path = sqlite_file(url)
        if path is None:
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        else:
            guard = SqliteFile(path, create=create)
            engine = create_engine("sqlite://", creator=guard.connect, poolclass=QueuePool)
            event.listen(engine, "connect", guard.on_connect)
            event.listen(engine, "checkout", guard.on_checkout)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def writer(engine: Engine) -> Engine:
    """The same engine whose transactions take the write lock up front (SQLite)."""
    return engine.execution_options(immediate=True)
