"""Cheap writes (issue 16 item 3), in-process on a real SQLite file and a real PostgreSQL
server: a write rebuilds only what it changes and is served from memory at once; what the
writer builds equals a full rebuild from the store; preconditions are checked before the
body is parsed; policy reads come from the snapshot; the full collection runs only when a
catalog changes. (The speed itself is measured in bench/api_writes.py.)"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from registry.api.app import create_app
from registry.api.deps import AppState
from registry.api.holder import SnapshotHolder
from registry.api.settings import Settings
from registry.api.snapshot import Snapshot, build_snapshot
from registry.catalog.loader import load_catalog
from registry.policy.loader import load_policy_text
from registry.store.db import file_identity, sqlite_file
from registry.store.repository import Receipt, Store
from tests.conftest import ROOT
from tests.registry.api.test_api import problem
from tests.registry.api.test_attestations_api import IONOS_90, REVIEWS, STACKIT_DPA, attestations

ORG = "/v1/orgs/example"
EU = f"{ORG}/policies/eu-confidential"
PERMITTED = f"{EU}/permitted"
CONFIDENTIAL = {"data_class": "confidential"}
TEAM_X = "/v1/orgs/example/policies/team-x"
YAML = {"content-type": "application/yaml"}


def team_x(training: str) -> str:
    return (
        "policy: team-x\norg: example\ndefault_data_class: internal\n"
        f"data_classes:\n  internal:\n    training: {training}\n"
    )


@pytest.fixture
def client(database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """A seeded app whose poller stays out of the way (every refresh in these tests is one
    the code under test makes), and a client with the first-run admin key."""
    settings = Settings(
        database_url=database_url,
        poll_interval=60.0,
        max_staleness=300.0,
        seed_catalog=ROOT / "provider_catalog",
        seed_policies=ROOT / "policies",
        bootstrap_key_file=tmp_path / "admin.key",
    )
    with TestClient(create_app(settings)) as test_client:
        key = (tmp_path / "admin.key").read_text().strip()
        test_client.headers["Authorization"] = f"Bearer {key}"
        yield test_client


def state_of(client: TestClient) -> AppState:
    state: AppState = client.app.state.clearance  # type: ignore[attr-defined]
    return state


def snapshot_of(client: TestClient) -> Snapshot:
    snapshot = state_of(client).holder.snapshot
    assert snapshot is not None
    return snapshot


def put(client: TestClient, url: str, body: str, **headers: str) -> Any:
    return client.put(url, content=body.encode(), headers={**YAML, **headers})


def content(snapshot: Snapshot) -> tuple[Any, ...]:
    """What decisions and reads depend on, comparable across two snapshots."""
    assert snapshot.catalog is not None
    return (
        snapshot.generation,
        snapshot.catalog.revision,
        {key: (e.stored, e.loaded.revision) for key, e in snapshot.policies.items()},
        {
            org: (a.aset.key if a.aset else None, a.problems)
            for org, a in snapshot.attestations.items()
        },
        snapshot.keys,
    )


class Statements:
    """The SQL statements the store's engine runs, except the poller's."""

    def __init__(self, store: Store) -> None:
        self.seen: list[str] = []
        self.engine = store.engine
        event.listen(self.engine, "before_cursor_execute", self._record)

    def _record(self, _conn: object, _cursor: object, statement: str, *_: object) -> None:
        if threading.current_thread().name != "clearance-poller":
            self.seen.append(statement.split(None, 1)[0].upper())

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)


def test_a_policy_write_changes_only_that_policy_and_is_served_at_once(
    client: TestClient,
) -> None:
    state = state_of(client)
    before = snapshot_of(client)
    answer = client.get(PERMITTED, params=CONFIDENTIAL)
    assert answer.json()["store_revision"] == before.generation

    created = put(client, TEAM_X, team_x("forbidden"))
    assert created.status_code == 201, created.text
    after = snapshot_of(client)
    assert created.json()["store_revision"] == after.generation == state.store.generation()
    assert after.generation == before.generation + 1
    assert after.catalog is before.catalog  # not rebuilt: its memo and views stay warm
    assert after.authorizer is before.authorizer and after.principals is before.principals
    for key, entry in before.policies.items():
        assert after.policies[key] is entry  # other policies: not read, not parsed again
    assert after.policies[("example", "team-x")].stored.etag == created.headers["etag"]
    assert client.get(TEAM_X).json()["data_classes"]["internal"]["training"] == "forbidden"

    again = client.get(PERMITTED, params=CONFIDENTIAL)  # the same answer at the new revision
    assert again.headers["etag"] == answer.headers["etag"]
    assert again.json() == {**answer.json(), "store_revision": after.generation}
    assert again.headers["x-clearance-revision"] == str(after.generation)
    assert again.content.endswith(b',"store_revision":%d}' % after.generation)


def test_what_the_writer_builds_equals_a_full_rebuild_from_the_store(
    client: TestClient,
) -> None:
    state = state_of(client)
    steps: list[tuple[str, str, dict[str, str]]] = [
        (TEAM_X, team_x("forbidden"), {}),
        (TEAM_X, team_x("opt_out_ok"), {"If-Match": "*"}),
        (f"{ORG}/attestations/vendor-reviews", REVIEWS, {}),
        (
            f"{ORG}/attestations/vendor-reviews",
            attestations("vendor-reviews", STACKIT_DPA),
            {"If-Match": "*"},
        ),
        (f"{ORG}/attestations/second", attestations("second", IONOS_90), {}),
        (TEAM_X, team_x("opt_out_ok"), {"If-Match": "*"}),  # identical: no new revision
    ]
    for url, body, headers in steps:
        written = put(client, url, body, **headers)
        assert written.status_code in (200, 201), written.text
        assert content(snapshot_of(client)) == content(build_snapshot(state.store, None))
    assert client.get(PERMITTED, params=CONFIDENTIAL).json()["attestations_revision"]


def test_a_write_after_another_writers_falls_back_to_reading_the_store(
    client: TestClient,
) -> None:
    state = state_of(client)
    before = snapshot_of(client)
    text = team_x("forbidden")
    # another replica writes twice to the same store; this one's snapshot does not know
    other, _ = state.store.put_policy(
        "example", "team-x", load_policy_text(text, "team-x"), text, "application/yaml", actor="r2"
    )
    state.store.put_policy(
        "example",
        "replica-made",
        load_policy_text(text.replace("team-x", "replica-made"), "replica-made"),
        text.replace("team-x", "replica-made"),
        "application/yaml",
        actor="r2",
    )
    assert snapshot_of(client) is before
    # the snapshot has no team-x, the store has: the store's ETag is the one that counts
    replaced = put(client, TEAM_X, team_x("opt_out_ok"), **{"If-Match": other.etag})
    assert replaced.status_code == 200, replaced.text
    after = snapshot_of(client)
    assert after.generation == state.store.generation() == before.generation + 3
    assert ("example", "replica-made") in after.policies  # read back, not only the write
    assert client.get(f"{ORG}/policies/replica-made").status_code == 200
    assert content(after) == content(build_snapshot(state.store, None))


def test_a_stale_precondition_is_refused_before_the_body_is_parsed(client: TestClient) -> None:
    state = state_of(client)
    etag = client.get(EU).headers["etag"]
    generation = state.store.generation()
    statements = Statements(state.store)
    try:
        stale = problem(put(client, EU, "policy: [\n", **{"If-Match": '"0000"'}), 412)
        missing = problem(put(client, EU, "policy: [\n"), 428)
        exists = problem(put(client, EU, "policy: [\n", **{"If-None-Match": "*"}), 412)
    finally:
        statements.close()
    assert (stale["code"], missing["code"], exists["code"]) == ("CLR-S412", "CLR-S428", "CLR-S412")
    assert "INSERT" not in statements.seen and "UPDATE" not in statements.seen
    assert state.store.generation() == generation
    # with the right ETag the same body is parsed, and refused for what it is
    assert problem(put(client, EU, "policy: [\n", **{"If-Match": etag}), 422)["problems"]


def test_a_precondition_the_snapshot_passes_is_checked_again_by_the_store(
    client: TestClient,
) -> None:
    state = state_of(client)
    etag = client.get(EU).headers["etag"]
    text = (ROOT / "policies" / "eu-confidential.yaml").read_text() + "# replica 2\n"
    state.store.put_policy(
        "example",
        "eu-confidential",
        load_policy_text(text, "eu"),
        text,
        "application/yaml",
        etag,
        actor="r2",
    )
    body = (ROOT / "policies" / "eu-confidential.yaml").read_text() + "# this replica\n"
    assert problem(put(client, EU, body, **{"If-Match": etag}), 412)["code"] == "CLR-S412"


def test_policy_reads_are_served_from_the_snapshot(client: TestClient) -> None:
    state = state_of(client)
    client.get(EU)  # warm: renders once per text
    statements = Statements(state.store)
    try:
        as_json = client.get(EU)
        as_yaml = client.get(EU, headers={"Accept": "application/yaml"})
        not_modified = client.get(EU, headers={"If-None-Match": as_json.headers["etag"]})
        missing = client.get(f"{ORG}/policies/nope")
    finally:
        statements.close()
    assert statements.seen == []
    assert as_json.json()["policy"] == "eu-confidential"
    assert as_yaml.text == (ROOT / "policies" / "eu-confidential.yaml").read_text()
    assert not_modified.status_code == 304
    assert missing.status_code == 404


def test_a_receipt_names_the_committed_generation_and_file(store: Store) -> None:
    text = team_x("forbidden")
    receipt = Receipt()
    store.put_policy(
        "example",
        "team-x",
        load_policy_text(text, "x"),
        text,
        "application/yaml",
        actor="t",
        receipt=receipt,
    )
    assert receipt.generation == store.generation()
    path = sqlite_file(store.url)
    assert receipt.identity == (file_identity(path) if path else None)
    refused = Receipt()
    with pytest.raises(Exception, match="CLR-S428"):
        store.put_policy(
            "example",
            "team-x",
            load_policy_text(text, "x"),
            text,
            "application/yaml",
            actor="t",
            receipt=refused,
        )
    assert refused.generation == -1  # nothing committed, nothing claimed


def test_the_store_read_reuses_what_did_not_change(store: Store, tmp_path: Path) -> None:
    store.import_catalog(ROOT / "provider_catalog", actor="t")
    text = team_x("forbidden")
    for name in ("a", "b"):
        body = text.replace("team-x", name)
        store.put_policy(
            "example", name, load_policy_text(body, name), body, "application/yaml", actor="t"
        )
    first = store.read_state()
    body = text.replace("team-x", "b").replace("forbidden", "opt_out_ok")
    store.put_policy(
        "example", "b", load_policy_text(body, "b"), body, "application/yaml", "*", actor="t"
    )
    second = store.read_state(first)
    assert second.catalog is first.catalog
    assert second.policies[0] is first.policies[0]  # a: unchanged, not fetched
    assert second.policies[1].body == body and second.policies[1].revision == 2
    assert second == store.read_state()  # equal to a read from scratch

    smaller = tmp_path / "catalog"
    shutil.copytree(ROOT / "provider_catalog", smaller)
    next(iter(sorted((smaller / "providers").glob("*.yaml")))).unlink()
    store.import_catalog(load_catalog(smaller), actor="t", allow_removals=True)
    third = store.read_state(second)
    assert third.catalog is not second.catalog and third.catalog == store.read_state().catalog
    assert third.policies[0] is second.policies[0]


def test_only_a_new_catalog_asks_for_a_full_collection(store: Store, tmp_path: Path) -> None:
    store.import_catalog(ROOT / "provider_catalog", actor="t")
    holder = SnapshotHolder(store, max_staleness=60.0)
    holder.refresh()
    assert holder.settle_if_due()  # the first load
    text = team_x("forbidden")
    policy = load_policy_text(text, "example/team-x")
    for n in range(3):
        receipt = Receipt()
        if_match = "*" if n else None
        body = text if n % 2 == 0 else text.replace("forbidden", "opt_out_ok")
        stored, _ = store.put_policy(
            "example",
            "team-x",
            policy,
            body,
            "application/yaml",
            if_match,
            actor="t",
            receipt=receipt,
        )
        holder.wrote_policy(receipt, stored, load_policy_text(body, "example/team-x"))
    holder.refresh()
    assert not holder.settle_if_due()
    smaller = tmp_path / "catalog"
    shutil.copytree(ROOT / "provider_catalog", smaller)
    next(iter(sorted((smaller / "providers").glob("*.yaml")))).unlink()
    store.import_catalog(load_catalog(smaller), actor="t", allow_removals=True)
    holder.refresh()
    assert holder.settle_if_due()
    assert not holder.settle_if_due()


def test_a_stored_text_that_no_longer_loads_is_refused_as_it_was(client: TestClient) -> None:
    state = state_of(client)
    good = team_x("forbidden")
    state.store.put_policy(
        "example",
        "team-x",
        load_policy_text(good, "x"),
        "policy: [\n",
        "application/yaml",
        actor="t",
    )
    state.holder.refresh()
    assert ("example", "team-x") not in snapshot_of(client).policies
    refused = problem(client.get(TEAM_X), 422)
    assert refused["problems"][0]["file"] == "example/team-x"
    assert problem(client.get(f"{TEAM_X}/permitted"), 404)["code"] == "CLR-A404"
