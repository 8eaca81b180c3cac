"""The store on a real SQLite file and a real PostgreSQL server: same tests, both stores."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import typer
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from cli.exitcodes import ExitCode
from registry.catalog.loader import load_catalog
from registry.errors import CatalogError, PreconditionFailedError, PreconditionRequiredError
from registry.policy.loader import load_policy, load_policy_text
from registry.store.documents import text_digest
from registry.store.repository import Store
from tests.conftest import ROOT

CATALOG = ROOT / "provider_catalog"
POLICY = ROOT / "policies" / "no-training.yaml"


def test_migrations_create_the_schema_and_are_idempotent(store: Store) -> None:
    store.migrate()
    tables = set(inspect(store.engine).get_table_names())
    assert {
        "catalog_revision",
        "catalog_provider",
        "policy",
        "policy_revision",
        "store_state",
        "api_key",
        "audit_log",
        "attestations",
        "attestations_revision",
        "alembic_version",
    } <= tables
    with store.engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar() == "0004"
    assert store.generation() == 0


def test_sqlite_is_configured_for_safe_concurrent_writes(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'x.db'}")
    with store.engine.connect() as conn:
        assert conn.execute(text("pragma journal_mode")).scalar() == "wal"
        assert conn.execute(text("pragma foreign_keys")).scalar() == 1
        assert conn.execute(text("pragma busy_timeout")).scalar() >= 5000
    store.close()


def test_catalog_import_round_trips_and_is_idempotent(store: Store, tmp_path: Path) -> None:
    first = store.import_catalog(CATALOG, actor="test")
    assert first.created
    assert first.providers == len(load_catalog(CATALOG).providers)
    assert not store.import_catalog(CATALOG, actor="test").created
    active = store.active_catalog()
    assert active is not None
    assert active.revision == first.revision == load_catalog(CATALOG).revision
    assert store.export_catalog(tmp_path / "out") == first.providers
    assert load_catalog(tmp_path / "out").revision == first.revision
    assert store.generation() == 1


def test_deployments_and_offerings_are_rows(store: Store) -> None:
    from registry.catalog.facts import targets

    store.import_catalog(CATALOG, actor="test")
    catalog = load_catalog(CATALOG)
    with store.engine.connect() as conn:
        rows = conn.execute(text("select target_id from catalog_deployment")).scalars().all()
        assert sorted(rows) == sorted(t.id for t in targets(catalog))
        assert "openai/eu" in rows
        offerings = conn.execute(text("select count(*) from catalog_offering")).scalar()
    expected = sum(
        len(targets(catalog, m.id.lower()))
        for m in {m.id: m for p in catalog.providers.values() for m in p.models}.values()
    )
    assert offerings == expected


def test_an_invalid_import_changes_nothing(store: Store, tmp_path: Path) -> None:
    good = store.import_catalog(CATALOG, actor="test")
    broken = tmp_path / "broken"
    shutil.copytree(CATALOG, broken)
    path = broken / "providers" / "openai.yaml"
    path.write_text(path.read_text().replace("headquarters: US", "headquarters: UK"))
    with pytest.raises(CatalogError) as caught:
        store.import_catalog(broken, actor="test")
    assert caught.value.problems[0].file.endswith("openai.yaml")
    assert [r.revision for r in store.catalog_revisions()] == [good.revision]
    active = store.active_catalog()
    assert active is not None
    assert active.revision == good.revision
    assert store.generation() == 1


def test_a_changed_catalog_is_a_new_revision(store: Store, tmp_path: Path) -> None:
    first = store.import_catalog(CATALOG, actor="test")
    changed = tmp_path / "changed"
    shutil.copytree(CATALOG, changed)
    path = changed / "providers" / "groq.yaml"
    path.write_text(path.read_text().replace("name: ", "name: Renamed ", 1))
    second = store.import_catalog(changed, actor="test")
    assert second.created
    assert second.revision != first.revision
    assert [r.revision for r in store.catalog_revisions()] == [first.revision, second.revision]
    active = store.active_catalog()
    assert active is not None
    assert active.providers["groq"].name.startswith("Renamed ")


def test_policy_writes_are_versioned_with_etags(store: Store) -> None:
    body = POLICY.read_text()
    policy = load_policy(POLICY)
    stored, created = store.put_policy(
        "example", "no-training", policy, body, "application/yaml", actor="test"
    )
    assert created
    assert stored.revision == 1
    assert stored.etag == f'"{text_digest(body, "application/yaml")}"'
    with pytest.raises(PreconditionRequiredError):
        store.put_policy("example", "no-training", policy, body, "application/yaml", actor="test")
    with pytest.raises(PreconditionFailedError):
        store.put_policy(
            "example", "no-training", policy, body, "application/yaml", if_none_match="*", actor="t"
        )
    changed_text = body.replace("description: Baseline", "description: Changed baseline")
    changed = load_policy_text(changed_text, "no-training.yaml")
    with pytest.raises(PreconditionFailedError):
        store.put_policy(
            "example",
            "no-training",
            changed,
            changed_text,
            "application/yaml",
            if_match='"stale"',
            actor="test",
        )
    again, created = store.put_policy(
        "example",
        "no-training",
        changed,
        changed_text,
        "application/yaml",
        if_match=stored.etag,
        actor="test",
    )
    assert not created
    assert again.revision == 2
    assert again.etag != stored.etag
    assert [r.revision for r in store.policy_revisions("example", "no-training")] == [1, 2]
    old = store.get_policy("example", "no-training", revision=1)
    assert old is not None
    assert old.body == body
    current = store.get_policy("example", "no-training")
    assert current is not None
    assert current.body == changed_text
    assert [p.name for p in store.list_policies("example")] == ["no-training"]
    assert store.list_policies("other-org") == []
    assert store.get_policy("other-org", "no-training") is None


def test_a_refused_write_leaves_the_policy_intact(store: Store) -> None:
    body = POLICY.read_text()
    policy = load_policy(POLICY)
    stored, _ = store.put_policy("example", "p", policy, body, "application/yaml", actor="test")
    generation = store.generation()
    with pytest.raises(PreconditionRequiredError):
        store.put_policy("example", "p", policy, "other", "application/yaml", actor="t")
    assert store.generation() == generation
    assert store.get_policy("example", "p") == stored
    assert len(store.policy_revisions("example", "p")) == 1


def test_cli_catalog_import_and_export(
    database_url: str, tmp_path: Path, app: typer.Typer, runner: CliRunner
) -> None:
    result = runner.invoke(app, ["catalog", "import", str(CATALOG), "--database", database_url])
    assert result.exit_code == ExitCode.OK, result.output
    assert "imported" in result.stdout
    broken = tmp_path / "broken" / "providers"
    broken.mkdir(parents=True)
    (broken / "x.yaml").write_text("id: x\nname: X\nheadquarters: NO\nbogus: 1\n")
    result = runner.invoke(
        app, ["catalog", "import", str(broken.parent), "--database", database_url]
    )
    assert result.exit_code == ExitCode.INVALID
    assert "x.yaml:4" in result.stderr
    assert "bogus" in result.stderr
    out = tmp_path / "exported"
    result = runner.invoke(app, ["catalog", "export", str(out), "--database", database_url])
    assert result.exit_code == ExitCode.OK, result.output
    assert load_catalog(out).revision == load_catalog(CATALOG).revision


def test_the_stored_catalog_decides_exactly_like_the_files(store: Store, tmp_path: Path) -> None:
    """Inheritance survives the round trip: an unset key inherits, an explicit null does not."""
    from datetime import date

    from registry.engine.engine import Engine

    store.import_catalog(CATALOG, actor="test")
    stored = store.active_catalog()
    assert stored is not None
    store.export_catalog(tmp_path / "out")
    exported = load_catalog(tmp_path / "out")
    files = load_catalog(CATALOG)
    for path in sorted((ROOT / "policies").glob("*.yaml")):
        if ".test." in path.name:
            continue
        policy = load_policy(path)
        for name in policy.classes:
            expected = Engine().evaluate(policy, files, name, None, date(2026, 11, 26))
            for other in (stored, exported):
                got = Engine().evaluate(policy, other, name, None, date(2026, 11, 26))
                assert got.to_json() == expected.to_json(), (path.name, name)
