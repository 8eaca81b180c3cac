"""`clearance keys` and `clearance audit verify` never create a store (issue 15): pointed at
a missing SQLite file, an empty or missing PostgreSQL database, or something that is not a
database, they exit 2 with CLR-S004/CLR-S005 naming the store, what chose it and the fix,
and leave nothing behind. Every message of theirs names the store; a password never shows.
Real SQLite files and a real PostgreSQL server throughout."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest
import typer
from sqlalchemy import create_engine, inspect
from typer.testing import CliRunner, Result

from cli.exitcodes import ExitCode
from registry.store.db import normalize_url
from registry.store.repository import Store
from tests.pgserver import PostgresServer, free_port

COMMANDS = (
    ("keys", "create", "--org", "acme", "--role", "admin"),
    ("keys", "list"),
    ("keys", "revoke", "000000000000"),
    ("audit", "verify"),
)
UNSET = {"DATABASE_URL": None, "CLEARANCE_DATA_DIR": None}
PASSWORD = "hunter2-not-shown"


def run(app: typer.Typer, args: tuple[str, ...], env: dict[str, str | None]) -> Result:
    return CliRunner().invoke(app, list(args), env={**UNSET, **env})


def refused(result: Result, code: str, *named: str) -> str:
    """The command exited 2 with `code`, naming each of `named`, a fix and no traceback."""
    assert result.exit_code == ExitCode.INVALID, result.output
    assert result.stdout == ""
    message = result.stderr
    assert f"error: {code} " in message and "Fix: " in message, message
    assert "Traceback" not in message
    for text in named:
        assert text in message, (text, message)
    return message


def with_password(url: str) -> str:
    return url.replace("clearance@", f"clearance:{PASSWORD}@", 1)


def tables(url: str) -> list[str]:
    engine = create_engine(normalize_url(url))
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


def make_store(url: str) -> None:
    """What `clearance serve` does on its first start: the schema, migrated to head."""
    store = Store(url)
    store.migrate()
    store.close()


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_a_missing_sqlite_file_is_named_and_not_created(
    app: typer.Typer, tmp_path: Path, args: tuple[str, ...]
) -> None:
    path = tmp_path / "not-here" / "clearance.db"
    result = run(app, (*args, "--database", f"sqlite:///{path}"), {})
    message = refused(result, "CLR-S004", str(path), "chosen by --database", "--database URL")
    assert "does not exist" in message
    assert not path.exists() and not path.parent.exists()


def test_without_database_the_default_store_is_named_and_not_created(
    app: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The trap of issue 15: no --database beside a server whose store is elsewhere."""
    monkeypatch.chdir(tmp_path)
    default = tmp_path / "data" / "clearance.db"
    for args in COMMANDS:
        result = run(app, args, {})
        refused(result, "CLR-S004", str(default), "chosen by default", "CLEARANCE_DATA_DIR")
    assert not (tmp_path / "data").exists()


def test_the_environment_choosing_the_store_is_named(
    app: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    data_dir = tmp_path / "server-data"
    result = run(app, ("keys", "list"), {"CLEARANCE_DATA_DIR": str(data_dir)})
    refused(result, "CLR-S004", str(data_dir / "clearance.db"), "chosen by CLEARANCE_DATA_DIR")
    elsewhere = tmp_path / "elsewhere.db"
    env = {"DATABASE_URL": f"sqlite:///{elsewhere}", "CLEARANCE_DATA_DIR": str(data_dir)}
    result = run(app, ("keys", "list"), env)
    refused(result, "CLR-S004", str(elsewhere), "chosen by DATABASE_URL")
    assert not data_dir.exists() and not elsewhere.exists()
    make_store(f"sqlite:///{data_dir / 'clearance.db'}")  # the server's store: now it works
    listed = run(app, ("keys", "list"), {"CLEARANCE_DATA_DIR": str(data_dir)})
    assert listed.exit_code == 0, listed.output
    assert f"0 key(s) in the SQLite store {data_dir / 'clearance.db'}" in listed.stderr


def test_an_empty_sqlite_file_gets_no_schema(app: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()  # a valid, empty SQLite database
    for args in COMMANDS:
        result = run(app, (*args, "--database", f"sqlite:///{path}"), {})
        refused(result, "CLR-S004", str(path), "no Clearance schema")
    assert tables(f"sqlite:///{path}") == []


def test_a_file_that_is_not_a_database_is_refused_unchanged(
    app: typer.Typer, tmp_path: Path
) -> None:
    path = tmp_path / "notes.db"
    path.write_text("not a database\n" * 200)
    result = run(app, ("keys", "create", "--catalog-admin", "--database", f"sqlite:///{path}"), {})
    refused(result, "CLR-S005", str(path), "not a database")
    assert path.read_text() == "not a database\n" * 200


def test_a_url_that_is_not_a_database_url_is_refused(app: typer.Typer, tmp_path: Path) -> None:
    result = run(app, ("keys", "list"), {"DATABASE_URL": f"{tmp_path}/clearance.db"})
    refused(result, "CLR-S005", "unparseable database URL", "chosen by DATABASE_URL")
    assert list(tmp_path.iterdir()) == []


def test_an_empty_postgresql_database_gets_no_schema(
    app: typer.Typer, postgres: PostgresServer
) -> None:
    url = postgres.new_database(f"t_{uuid.uuid4().hex[:12]}")
    shown = url.replace("clearance@", "clearance:***@", 1)
    for args in COMMANDS:
        result = run(app, (*args, "--database", with_password(url)), {})
        message = refused(result, "CLR-S004", f"PostgreSQL store {shown}", "no Clearance schema")
        assert PASSWORD not in message
    assert tables(url) == []


def test_a_missing_or_unreachable_postgresql_database_is_named_without_password(
    app: typer.Typer, postgres: PostgresServer
) -> None:
    missing = with_password(postgres.database_url("no_such_database"))
    result = run(app, ("keys", "create", "--catalog-admin"), {"DATABASE_URL": missing})
    message = refused(result, "CLR-S005", "no_such_database", "does not exist", "DATABASE_URL")
    assert PASSWORD not in message and "clearance:***@" in message
    nobody = f"postgresql://clearance:{PASSWORD}@127.0.0.1:{free_port()}/clearance"
    result = run(app, ("audit", "verify", "--database", nobody), {})
    message = refused(result, "CLR-S005", "reachable", "chosen by --database")
    assert PASSWORD not in message


def test_every_message_names_the_store(app: typer.Typer, database_url: str) -> None:
    """Created, listed, revoked, not found, audit intact: each names the store it used."""
    make_store(database_url)
    if database_url.startswith("sqlite"):
        given, shown = database_url, f"SQLite store {database_url.removeprefix('sqlite:///')}"
    else:
        given = with_password(database_url)
        shown = "PostgreSQL store " + database_url.replace("clearance@", "clearance:***@", 1)
    db = ("--database", given)
    made = run(app, ("keys", "create", "--org", "acme", "--role", "viewer", *db), {})
    assert made.exit_code == 0, made.output
    assert f"in the {shown}; it is shown only once" in made.stderr
    key_id = made.stdout.strip().split("_")[1]
    listed = run(app, ("keys", "list", *db), {})
    assert f"1 key(s) in the {shown}" in listed.stderr and key_id in listed.stdout
    revoked = run(app, ("keys", "revoke", key_id, *db), {})
    assert f"revoked key {key_id} (org acme, role viewer) in the {shown}" in revoked.stdout
    again = run(app, ("keys", "revoke", key_id, *db), {})
    assert again.exit_code == ExitCode.FAILED
    assert f"no active key '{key_id}' in the {shown}" in again.stderr
    verified = run(app, ("audit", "verify", *db), {})
    assert verified.exit_code == 0 and f"({shown})" in verified.stdout
    for result in (made, listed, revoked, again, verified):
        assert PASSWORD not in result.output
