"""Database engines: SQLite (embedded default) or PostgreSQL, configured for safe writes.

SQLite: WAL journal, foreign keys on, a busy timeout, and writes in `BEGIN IMMEDIATE`
transactions (so two writers queue instead of failing at commit). PostgreSQL: plain
`postgresql://` URLs are accepted and use the psycopg 3 driver.

`describe(url)` names a store for people (a SQLite file's absolute path, a PostgreSQL URL
with its password hidden); `make_engine(url, create=False)` opens a SQLite file only if it
exists (no file, no directory is made).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import QueuePool

SQLITE_BUSY_TIMEOUT_MS = 10_000


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


def _existing_sqlite(path: Path) -> Any:
    """Connections to a SQLite file that fail when it does not exist (SQLite's `mode=rw`)."""
    uri = f"file:{quote(os.path.abspath(path))}?mode=rw"
    return lambda: sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=30)


def make_engine(url: str, *, create: bool = True) -> Engine:
    """An engine for the URL. SQLite files get their directory created, unless `create` is
    False: then the file must already exist (connecting fails otherwise)."""
    url = normalize_url(url)
    if is_sqlite(url):
        path = sqlite_file(url)
        if path is not None and not create:
            engine = create_engine("sqlite://", creator=_existing_sqlite(path), poolclass=QueuePool)
        else:
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def writer(engine: Engine) -> Engine:
    """The same engine whose transactions take the write lock up front (SQLite)."""
    return engine.execution_options(immediate=True)
