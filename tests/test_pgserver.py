"""The PostgreSQL test harness runs a real, unprivileged, loopback-only server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.pgserver import PostgresServer


@pytest.fixture(scope="module")
def pg() -> Iterator[PostgresServer]:
    with PostgresServer() as server:
        yield server


def _listening_addresses(port: int) -> set[str]:
    """Local addresses (hex, as in /proc/net/tcp*) with a TCP socket listening on ``port``."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].rsplit(":", 1)
            if int(port_hex, 16) == port and fields[3] == "0A":  # 0A = LISTEN
                found.add(address)
    return found


def test_select_one(pg: PostgresServer) -> None:
    assert pg.url == f"postgresql://clearance@127.0.0.1:{pg.port}/clearance"
    with psycopg.connect(pg.url) as conn:
        assert conn.execute("select 1").fetchone() == (1,)
        assert conn.execute("select current_database(), current_user").fetchone() == (
            "clearance",
            "clearance",
        )


def test_server_does_not_run_as_root(pg: PostgresServer) -> None:
    with psycopg.connect(pg.url) as conn:
        row = conn.execute("select current_setting('data_directory'), pg_backend_pid()").fetchone()
        assert row is not None
        data_dir, backend_pid = row
        assert Path(data_dir) == pg.data_dir
        assert Path(data_dir).stat().st_uid != 0
        # The backend serving us (alive while connected) runs as the postmaster's user.
        assert Path(f"/proc/{backend_pid}").stat().st_uid != 0
        if os.geteuid() != 0:
            assert Path(f"/proc/{backend_pid}").stat().st_uid == os.geteuid()


def test_listens_on_loopback_only(pg: PostgresServer) -> None:
    with psycopg.connect(pg.url) as conn:
        row = conn.execute(
            "select current_setting('listen_addresses'), host(inet_server_addr())"
        ).fetchone()
    assert row == ("127.0.0.1", "127.0.0.1")
    # 0100007F is 127.0.0.1 in /proc/net/tcp's byte order; no IPv6 or wildcard socket.
    assert _listening_addresses(pg.port) == {"0100007F"}


def test_new_database_is_empty_and_separate(pg: PostgresServer) -> None:
    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute("create table if not exists main_only (id int)")
    url = pg.new_database("fresh_one")
    assert url == f"postgresql://clearance@127.0.0.1:{pg.port}/fresh_one"
    with psycopg.connect(url) as conn:
        assert conn.execute("select current_database()").fetchone() == ("fresh_one",)
        tables = conn.execute(
            "select count(*) from information_schema.tables where table_schema = 'public'"
        ).fetchone()
    assert tables == (0,)
    with (
        psycopg.connect(pg.url, autocommit=True) as conn,
        pytest.raises(psycopg.errors.DuplicateDatabase),
    ):
        conn.execute("create database fresh_one")
    with pytest.raises(ValueError, match="database name"):
        pg.new_database("Bad-Name; drop")


def test_stop_start_close() -> None:
    server = PostgresServer()
    try:
        port, root = server.port, server.root
        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute("create table kept (v text)")
            conn.execute("insert into kept values ('survives restart')")

        server.stop()
        assert not server.running
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(server.url, connect_timeout=2)

        server.start()
        assert server.running
        assert server.port == port
        with psycopg.connect(server.url) as conn:
            assert conn.execute("select v from kept").fetchone() == ("survives restart",)
    finally:
        server.close()
    assert not root.exists()
    assert not server.running
    server.close()  # idempotent
