"""Database engines: SQLite (embedded default) or PostgreSQL, configured for safe writes.

SQLite: WAL journal, foreign keys on, a busy timeout, and writes in `BEGIN IMMEDIATE`
transactions (so two writers queue instead of failing at commit). PostgreSQL: plain
`postgresql://` URLs are accepted and use the psycopg 3 driver.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event

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


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite files get their directory created."""
    url = normalize_url(url)
    if is_sqlite(url):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def writer(engine: Engine) -> Engine:
    """The same engine whose transactions take the write lock up front (SQLite)."""
    return engine.execution_options(immediate=True)
