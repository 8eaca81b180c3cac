"""Shared fixtures: repository paths and an in-process CLI runner."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import typer
from typer.testing import CliRunner

from cli.main import build_app
from tests.pgserver import PostgresServer

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from registry.store.repository import Store
    from tests.serveproc import ServeProcess

ROOT = Path(__file__).resolve().parent.parent
RESEARCH = ROOT / "tests" / "data" / "provider-facts.yaml"  # what the first catalog was built from
SARIF_SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"  # OASIS, see its NOTICE.md


@pytest.fixture
def app() -> typer.Typer:
    return build_app()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run with the repository root as working directory (default paths resolve there)."""
    monkeypatch.chdir(ROOT)
    return ROOT


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One real PostgreSQL server per test worker, as a non-root user on a free port."""
    with PostgresServer() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database on each store: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'clearance.db'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.new_database(f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A fresh, migrated store on each database kind (a module may define its own `store`)."""
    from registry.store.repository import Store

    store = Store(database_url)
    store.migrate()
    yield store
    store.close()


@contextmanager
def seeded_client(database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """An in-process app on a fresh store seeded with the shipped catalog and example
    policies, and a client holding its first-run admin key for org `example`."""
    from fastapi.testclient import TestClient

    from registry.api.app import create_app
    from registry.api.settings import Settings

    settings = Settings(
        database_url=database_url,
        poll_interval=0.2,
        seed_catalog=ROOT / "provider_catalog",
        seed_policies=ROOT / "policies",
        bootstrap_key_file=tmp_path / "admin.key",
    )
    with TestClient(create_app(settings)) as client:
        key = (tmp_path / "admin.key").read_text().strip()
        client.headers["Authorization"] = f"Bearer {key}"
        yield client


@pytest.fixture
def sqlite_client(tmp_path: Path) -> Iterator[TestClient]:
    """`seeded_client` on a SQLite file."""
    with seeded_client(f"sqlite:///{tmp_path / 'clearance.db'}", tmp_path) as client:
        yield client


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., ServeProcess]]:
    """Start `clearance serve` processes; all of them are stopped at teardown (a module may
    define its own `serve`, as tests/clearance_client/test_client.py does)."""
    from tests.serveproc import ServeProcess

    started: list[ServeProcess] = []

    def start(database_url: str, **options: Any) -> ServeProcess:
        name = options.pop("name", f"serve{len(started)}")
        server = ServeProcess(database_url, tmp_path / "logs", name=name, **options)
        started.append(server)
        server.start()
        return server

    yield start
    for server in reversed(started):
        server.stop()
