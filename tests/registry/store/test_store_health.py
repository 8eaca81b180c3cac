"""The store as the file (or server) it is configured to be (issue 16 items 1 and 4).

Real `clearance serve` processes over loopback. A SQLite file deleted or renamed under a
live server must make it refuse writes at once (never a 200 for a write that is not in the
file at the configured path) and turn unready after `--max-staleness`; a file put back at
the path is picked up. A store that cannot be opened at start must leave the server
running unready (503 with the reason) and retrying, or with `--require-store` exit 2 with
one line; never a traceback.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.pgserver import PostgresServer, free_port
from tests.registry.api.test_e2e import (
    CONFIDENTIAL,
    DENY_OVHCLOUD,
    EU,
    NEW_POLICY,
    PERMITTED,
    SHIPPED,
    WITHOUT_OVHCLOUD,
    assert_problem,
    permitted,
    put_policy,
    replace_eu,
    wait_for,
)
from tests.serveproc import ServeProcess, run_cli

MAX_STALENESS = 2.0
NEW_PATH = "/v1/orgs/example/policies/e2e-eu"


def sqlite_files(db: Path) -> list[Path]:
    return [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]


def backup(db: Path, target: Path) -> None:
    """A consistent copy of a live SQLite store (SQLite's online backup)."""
    source, copy = sqlite3.connect(db), sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()


def policies_in(db: Path) -> set[str]:
    """The policy names the file at `db` holds, read with plain sqlite3."""
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {row[0] for row in connection.execute("SELECT name FROM policy")}
    finally:
        connection.close()


def readyz(server: ServeProcess) -> httpx.Response:
    return httpx.get(f"{server.base_url}/readyz", timeout=5.0)


def assert_unready_then_refusing(client: httpx.Client, server: ServeProcess, gone: float) -> None:
    """Unready and no decisions once `--max-staleness` has passed since the file went."""
    wait_for(lambda: readyz(server).status_code == 503, MAX_STALENESS + 8)
    assert time.monotonic() - gone >= MAX_STALENESS - 0.5
    body = assert_problem(readyz(server), 503)
    assert "SQLite file" in body["detail"], body
    assert_problem(client.get(PERMITTED, params=CONFIDENTIAL), 503)


def test_a_deleted_sqlite_file_refuses_writes_turns_unready_and_a_restore_is_picked_up(
    serve: Callable[..., ServeProcess], tmp_path: Path
) -> None:
    db = tmp_path / "registry.db"
    server = serve(f"sqlite:///{db}", max_staleness=MAX_STALENESS)
    client = server.client
    assert permitted(client).json()["permitted"] == SHIPPED
    backup(db, tmp_path / "backup.db")  # the state before the next write
    replace_eu(client, DENY_OVHCLOUD)
    assert permitted(client).json()["permitted"] == WITHOUT_OVHCLOUD

    for path in sqlite_files(db):
        path.unlink(missing_ok=True)
    gone = time.monotonic()
    # A write now has nowhere to go at the configured path: refused, never acknowledged.
    body = assert_problem(put_policy(client, NEW_PATH, NEW_POLICY), 503)
    assert "SQLite file" in body["detail"] and str(db) in body["detail"], body
    assert not db.exists(), "the server made a new file at the path"
    assert_problem(client.get(f"{EU}/revisions"), 503)  # a read that needs a connection
    assert client.get(EU).status_code == 200  # from the snapshot, until --max-staleness
    assert_unready_then_refusing(client, server, gone)
    assert_problem(client.get(EU), 503)
    assert not db.exists(), "the server made a new file at the path"
    assert_problem(put_policy(client, NEW_PATH, NEW_POLICY), 503)

    # The backup put back at the path (an older generation) is what the server serves now.
    shutil.copyfile(tmp_path / "backup.db", db)
    wait_for(lambda: readyz(server).status_code == 200, 10)
    assert permitted(client).json()["permitted"] == SHIPPED
    assert client.get(EU).status_code == 200
    created = put_policy(client, NEW_PATH, NEW_POLICY)
    assert created.status_code == 201, created.text
    assert "e2e-eu" in policies_in(db)  # the acknowledged write is in the file at the path
    assert "Traceback" not in server.output()


def test_a_renamed_sqlite_file_refuses_writes_until_it_is_back(
    serve: Callable[..., ServeProcess], tmp_path: Path
) -> None:
    db = tmp_path / "registry.db"
    moved = tmp_path / "moved"
    moved.mkdir()
    server = serve(f"sqlite:///{db}", max_staleness=MAX_STALENESS)
    client = server.client
    assert permitted(client).json()["permitted"] == SHIPPED

    for path in sqlite_files(db):
        if path.exists():
            path.rename(moved / path.name)
    gone = time.monotonic()
    assert_problem(put_policy(client, NEW_PATH, NEW_POLICY), 503)
    assert "e2e-eu" not in policies_in(moved / db.name)  # not written into the moved file
    assert_unready_then_refusing(client, server, gone)

    for path in moved.iterdir():
        path.rename(db.with_name(path.name))
    wait_for(lambda: readyz(server).status_code == 200, 10)
    assert permitted(client).json()["permitted"] == SHIPPED
    assert put_policy(client, NEW_PATH, NEW_POLICY).status_code == 201
    assert "e2e-eu" in policies_in(db)


def unready_reason(server: ServeProcess, timeout: float = 30) -> str:
    """The detail of /readyz's 503 once the server answers; fails if it is ever ready."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.process is not None and server.process.poll() is None, server.output()
        try:
            response = readyz(server)
        except httpx.TransportError:
            time.sleep(0.1)
            continue
        detail: str = assert_problem(response, 503)["detail"]
        return detail
    pytest.fail(f"no answer from /readyz in {timeout:g} s\n{server.output()}")


def assert_one_line_exit_2(url: str) -> None:
    done = run_cli("serve", "--port", str(free_port()), "--database", url, "--require-store")
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: CLR-S007"), done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_a_sqlite_path_under_a_file_starts_unready_and_recovers(
    serve: Callable[..., ServeProcess], tmp_path: Path
) -> None:
    parent = tmp_path / "store"
    parent.write_text("a file where the store's directory should be\n")
    url = f"sqlite:///{parent / 'registry.db'}"
    server = serve(url, wait_ready=False)
    reason = unready_reason(server)
    assert "store unavailable at start" in reason and str(parent) in reason, reason
    decision = httpx.get(f"{server.base_url}{PERMITTED}", params=CONFIDENTIAL, timeout=5.0)
    assert_problem(decision, 503)
    assert_one_line_exit_2(url)

    parent.unlink()
    parent.mkdir()  # the operator fixes the path: the retry picks it up
    wait_for(lambda: readyz(server).status_code == 200, 40)
    assert permitted(server.client).json()["permitted"] == SHIPPED
    assert "Traceback" not in server.output()


def test_postgresql_not_listening_at_start_starts_unready_and_recovers(
    serve: Callable[..., ServeProcess],
) -> None:
    with PostgresServer() as pg:
        url = pg.new_database("e2e_late")
        pg.stop()
        server = serve(url, wait_ready=False)
        reason = unready_reason(server)
        assert "store unavailable at start" in reason, reason
        decision = httpx.get(f"{server.base_url}{PERMITTED}", params=CONFIDENTIAL, timeout=5.0)
        assert_problem(decision, 503)
        assert_one_line_exit_2(url)

        pg.start()
        wait_for(lambda: readyz(server).status_code == 200, 40)
        assert permitted(server.client).json()["permitted"] == SHIPPED
        assert "Traceback" not in server.output()
