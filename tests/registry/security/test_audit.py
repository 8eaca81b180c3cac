"""The audit log's hash chain and the `clearance keys` / `clearance audit` commands, on a
real database: tampering of any kind is found and named; a failed audit write rolls the
change back."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from sqlalchemy import text
from typer.testing import CliRunner

from cli.exitcodes import ExitCode
from registry.policy.loader import load_policy, load_policy_text
from registry.security import keys
from registry.security.audit import GENESIS, AuditEvent, entry_hash, seal, verify
from registry.store.repository import Store
from tests.conftest import ROOT

POLICY = ROOT / "policies" / "no-training.yaml"


@pytest.fixture
def store(database_url: str) -> Store:
    """A store with seven audit entries: catalog import, policy writes, key create/revoke."""
    store = Store(database_url)
    store.migrate()
    store.import_catalog(ROOT / "provider_catalog", actor="test")
    policy = load_policy(POLICY)
    stored, _ = store.put_policy(
        "example", policy.name, policy, POLICY.read_text(), "application/yaml", actor="alice"
    )
    store.create_key("example", "viewer", "one", actor="alice")
    info, _ = store.create_key("acme", "admin", "two", actor="cli")
    store.revoke_key(info.id, actor="cli")
    store.create_key("example", "router", "three", actor="alice")
    changed = POLICY.read_text().replace("description:", "description: v2,", 1)
    store.put_policy(
        "example",
        policy.name,
        load_policy_text(changed, "changed.yaml"),
        changed,
        "application/yaml",
        if_match=stored.etag,
        actor="alice",
    )
    return store


def verify_cli(app: typer.Typer, runner: CliRunner, store: Store) -> tuple[int, str]:
    result = runner.invoke(app, ["audit", "verify", "--database", store.url])
    return result.exit_code, result.output


def test_seal_and_verify_are_pure_and_strict() -> None:
    first = seal(AuditEvent("k1", "example", "policy.put", "policy/p", "", "aa"), 1, "t", GENESIS)
    second = seal(AuditEvent("k1", "example", "key.create", "key/x"), 2, "t", first.hash)
    assert verify([first, second], 2, second.hash) is None
    assert entry_hash(first) == first.hash and len(first.hash) == 64
    broken = verify([second, first], 2, first.hash)
    assert broken is not None and broken.seq == 2
    assert verify([first], 2, second.hash) is not None  # the tail is gone


def test_every_write_is_chained_and_the_cli_says_intact(
    store: Store, app: typer.Typer, runner: CliRunner
) -> None:
    entries = store.audit_entries()
    assert [e.action for e in entries] == [
        "catalog.import",
        "policy.put",
        "key.create",
        "key.create",
        "key.revoke",
        "key.create",
        "policy.put",
    ]
    assert [e.actor for e in entries][:3] == ["test", "alice", "alice"]
    assert entries[1].old_digest == "" and entries[-1].old_digest == entries[1].new_digest
    assert [e.org for e in entries] == [
        "",
        "example",
        "example",
        "acme",
        "acme",
        "example",
        "example",
    ]
    assert [e.seq for e in store.audit_entries("acme")] == [4, 5]
    code, output = verify_cli(app, runner, store)
    assert code == ExitCode.OK, output
    assert "7 entries" in output and entries[-1].hash in output


TAMPERING = {
    "flip a byte": ("UPDATE audit_log SET object = 'policy/no-trainimg' WHERE seq = 2", 2),
    "change the actor": ("UPDATE audit_log SET actor = 'mallory' WHERE seq = 4", 4),
    "delete an entry": ("DELETE FROM audit_log WHERE seq = 3", 4),
    "delete the last entry": ("DELETE FROM audit_log WHERE seq = 7", 7),
    "rewrite a hash": ("UPDATE audit_log SET hash = prev_hash WHERE seq = 5", 5),
}


@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_tampering_is_found_and_named(
    store: Store, app: typer.Typer, runner: CliRunner, case: str
) -> None:
    statement, first_bad = TAMPERING[case]
    with store.engine.begin() as conn:
        conn.execute(text(statement))
    code, output = verify_cli(app, runner, store)
    assert code == ExitCode.FAILED, output
    assert f"broken at entry {first_bad}:" in output


def test_swapping_two_entries_is_found(store: Store, app: typer.Typer, runner: CliRunner) -> None:
    """Swap the contents of entries 3 and 4 (each keeps its seq): the chain breaks at 3."""
    columns = "at, actor, org, action, object, old_digest, new_digest, prev_hash, hash"
    with store.engine.begin() as conn:
        rows = {
            seq: conn.execute(
                text(f"SELECT {columns} FROM audit_log WHERE seq = :s"), {"s": seq}
            ).one()
            for seq in (3, 4)
        }
        for seq, other in ((3, 4), (4, 3)):
            values = dict(zip([c.strip() for c in columns.split(",")], rows[other], strict=True))
            sets = ", ".join(f"{c} = :{c}" for c in values)
            conn.execute(
                text(f"UPDATE audit_log SET {sets} WHERE seq = :seq"), {**values, "seq": seq}
            )
    code, output = verify_cli(app, runner, store)
    assert code == ExitCode.FAILED
    assert "broken at entry 3:" in output


def test_a_failed_audit_write_rolls_the_change_back(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'a.db'}")
    store.migrate()
    policy = load_policy(POLICY)
    store.put_policy(
        "example", policy.name, policy, POLICY.read_text(), "application/yaml", actor="a"
    )
    generation, entries = store.generation(), store.audit_entries()
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TRIGGER audit_down BEFORE INSERT ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit log unavailable'); END"
            )
        )
    with pytest.raises(Exception, match="audit log unavailable"):
        store.create_key("example", "admin", "", actor="a")
    with pytest.raises(Exception, match="audit log unavailable"):
        store.import_catalog(ROOT / "provider_catalog", actor="a")
    assert store.list_keys() == []
    assert store.active_catalog_revision() is None
    assert (store.generation(), store.audit_entries()) == (generation, entries)


def test_keys_cli_prints_the_key_alone_and_never_again(app: typer.Typer, tmp_path: Path) -> None:
    runner = CliRunner()
    database = f"sqlite:///{tmp_path / 'k.db'}"
    server_store = Store(database)  # as `clearance serve` makes it: keys never create a store
    server_store.migrate()
    server_store.close()
    made = runner.invoke(
        app, ["keys", "create", "--org", "example", "--role", "editor", "--database", database]
    )
    assert made.exit_code == 0, made.output
    raw = made.stdout.strip()
    assert keys.key_id_of(raw) is not None and "\n" not in raw
    assert "shown only once" in made.stderr and raw not in made.stderr
    listed = runner.invoke(app, ["keys", "list", "--database", database])
    key_id = keys.key_id_of(raw)
    assert key_id is not None and key_id in listed.stdout and raw not in listed.stdout
    catalog = runner.invoke(app, ["keys", "create", "--catalog-admin", "--database", database])
    assert catalog.exit_code == 0
    assert "catalog-admin" in runner.invoke(app, ["keys", "list", "--database", database]).stdout
    for bad in (
        ["--org", "example"],
        ["--org", "example", "--role", "catalog-admin"],
        ["--org", "Bad Org", "--role", "admin"],
        ["--catalog-admin", "--org", "example"],
    ):
        refused = runner.invoke(app, ["keys", "create", *bad, "--database", database])
        assert refused.exit_code == ExitCode.INVALID, bad
    revoked = runner.invoke(app, ["keys", "revoke", key_id, "--database", database])
    assert revoked.exit_code == 0 and "revoked" in revoked.stdout
    again = runner.invoke(app, ["keys", "revoke", key_id, "--database", database])
    assert again.exit_code == ExitCode.FAILED
    assert runner.invoke(app, ["audit", "verify", "--database", database]).exit_code == 0
    store = Store(database)
    assert [e.actor for e in store.audit_entries()] == ["cli", "cli", "cli"]
    assert raw.encode() not in (tmp_path / "k.db").read_bytes()
    store.close()
