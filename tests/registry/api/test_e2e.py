"""End to end: `clearance serve` as a real process, over loopback, with a real httpx client.

Every test starts its own server on a fresh store (a SQLite file or a new PostgreSQL
database, see `database_url`); the empty store is seeded from the shipped provider_catalog/
and policies/.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
import yaml
from sqlalchemy import text
from typer.testing import CliRunner

from cli.exitcodes import ExitCode
from registry.catalog.loader import load_catalog
from registry.engine.engine import Engine
from registry.policy.loader import load_policy
from registry.store.db import make_engine
from registry.store.repository import Store
from tests.conftest import ROOT
from tests.pgserver import PostgresServer
from tests.serveproc import ServeProcess, run_cli

CATALOG = ROOT / "provider_catalog"
EU_FILE = ROOT / "policies" / "eu-confidential.yaml"
EU_TEXT = EU_FILE.read_text()
EU = "/v1/orgs/example/policies/eu-confidential"
PERMITTED = EU + "/permitted"
CONFIDENTIAL = {"data_class": "confidential"}
YAML = {"content-type": "application/yaml"}
EXAMPLES = {"agent-quality", "eu-confidential", "hipaa-phi", "no-training"}
COMPARED_KEYS = [
    "policy",
    "org",
    "data_class",
    "model",
    "as_of",
    "catalog_revision",
    "permitted",
    "providers",
    "waived",
    "warnings",
]
CONVERGE_S = 2.0

# A change that empties the permitted set of eu-confidential/confidential (OVHcloud is the
# only provider the shipped catalog permits for it) ...
DENY_OVHCLOUD = EU_TEXT.replace("  deny: []", "  deny: [ovhcloud]")
# What the shipped catalog permits for EU confidential data, with and without OVHcloud.
SHIPPED = (
    Engine()
    .evaluate(
        load_policy(EU_FILE),
        load_catalog(ROOT / "provider_catalog"),
        "confidential",
        None,
        datetime.now(UTC).date(),
    )
    .permitted
)
WITHOUT_OVHCLOUD = [t for t in SHIPPED if not t.startswith("ovhcloud/")]


def test_the_expected_sets_tell_the_changes_apart() -> None:
    assert "ovhcloud/default" in SHIPPED
    assert WITHOUT_OVHCLOUD != SHIPPED


# ... and one that leaves every decision as it is (same lines, other description).
NEW_DESCRIPTION = EU_TEXT.replace(
    "description: EU customer data under GDPR, by data class",
    "description: EU customer data under the GDPR, per data class (reworded)",
)

NEW_POLICY = """\
policy: e2e-eu
org: example
description: written by the end-to-end tests
default_data_class: internal
data_classes:
  internal:
    inference_within: [EEA, CH]
"""


# -- helpers ---------------------------------------------------------------------------------


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """A problem+json error with a code and a remedy, and no traceback anywhere."""
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "Traceback" not in response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] and body["remedy"], body
    return body


def wait_for(check: Callable[[], bool], timeout: float, interval: float = 0.05) -> float:
    """Seconds until `check()` held; fails after `timeout`."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            pytest.fail(f"condition not met within {timeout:g} s")
        time.sleep(interval)
    return time.monotonic() - started


def permitted(client: httpx.Client, **params: Any) -> httpx.Response:
    response = client.get(PERMITTED, params={**CONFIDENTIAL, **params})
    assert response.status_code == 200, response.text[:500]
    return response


def put_policy(
    client: httpx.Client, path: str, body: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    return client.put(path, content=body.encode(), headers={**YAML, **(headers or {})})


def replace_eu(client: httpx.Client, body: str) -> httpx.Response:
    etag = client.get(EU).headers["etag"]
    response = put_policy(client, EU, body, {"if-match": etag})
    assert response.status_code == 200, response.text[:500]
    return response


def decisions_by_target(doc: dict[str, Any]) -> dict[str, list[tuple[Any, ...]]]:
    """`denied` without the source file name (a path for the CLI, org/name for the API)."""
    return {
        target: [
            (
                r["rule"],
                r["message"],
                r["source"]["line"],
                r["fact"],
                json.dumps(r["value"]),
                json.dumps(r["expected"]),
                r["outcome"],
            )
            for r in reasons
        ]
        for target, reasons in doc["denied"].items()
    }


# -- one store at a time: SQLite file and PostgreSQL -----------------------------------------


def test_seeded_store_answers_like_the_cli(
    serve: Callable[..., ServeProcess], database_url: str, app: typer.Typer, runner: CliRunner
) -> None:
    client = serve(database_url).client
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    assert ready.json()["policies"] == len(EXAMPLES)

    listed = client.get("/v1/orgs/example/policies")
    assert listed.status_code == 200
    assert {p["name"] for p in listed.json()["policies"]} == EXAMPLES
    assert all(p["revision"] == 1 and p["etag"] for p in listed.json()["policies"])

    api = permitted(client).json()
    result = runner.invoke(
        app,
        [
            "allowed",
            "--policy",
            str(EU_FILE),
            "--catalog",
            str(CATALOG),
            "--data-class",
            "confidential",
            "--as-of",
            api["as_of"],
            "--format",
            "json",
        ],
    )
    assert result.exit_code == ExitCode.OK, result.output
    cli = json.loads(result.stdout)
    assert {k: api[k] for k in COMPARED_KEYS} == {k: cli[k] for k in COMPARED_KEYS}
    assert decisions_by_target(api) == decisions_by_target(cli)
    assert "ovhcloud/default" in api["permitted"]
    assert isinstance(api["store_revision"], int)

    explained = client.get(EU + "/explain/ovhcloud/default", params=CONFIDENTIAL)
    assert explained.status_code == 200
    assert explained.json()["permitted"] is True
    assert [t["target"] for t in explained.json()["targets"]] == ["ovhcloud/default"]


def test_permitted_etag_and_not_modified(
    serve: Callable[..., ServeProcess], database_url: str
) -> None:
    client = serve(database_url).client
    first = permitted(client)
    etag = first.headers["etag"]
    assert etag.startswith(('"', 'W/"')) and etag.endswith('"')
    assert first.headers["cache-control"]
    assert first.headers["content-type"].startswith("application/json")

    again = client.get(PERMITTED, params=CONFIDENTIAL, headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert permitted(client).content == first.content  # same answer, same bytes

    replace_eu(client, DENY_OVHCLOUD)
    changed = permitted(client)
    assert changed.json()["permitted"] == WITHOUT_OVHCLOUD
    assert changed.headers["etag"] != etag
    stale = client.get(PERMITTED, params=CONFIDENTIAL, headers={"if-none-match": etag})
    assert stale.status_code == 200
    assert stale.json()["permitted"] == WITHOUT_OVHCLOUD


def test_permitted_etag_stays_when_only_the_description_changes(
    serve: Callable[..., ServeProcess], database_url: str
) -> None:
    """SPEC §6: the permitted ETag changes iff the answer changes."""
    client = serve(database_url).client
    before = permitted(client)
    replace_eu(client, NEW_DESCRIPTION)
    after = permitted(client)
    assert decisions_by_target(after.json()) == decisions_by_target(before.json())
    assert after.json()["permitted"] == before.json()["permitted"]
    assert after.headers["etag"] == before.headers["etag"]


def test_permitted_etag_stays_after_a_write_to_another_policy(
    serve: Callable[..., ServeProcess], database_url: str
) -> None:
    """A write elsewhere in the store must not invalidate every client's cached answer."""
    client = serve(database_url).client
    before = permitted(client)
    created = put_policy(client, "/v1/orgs/example/policies/e2e-eu", NEW_POLICY)
    assert created.status_code == 201
    after = permitted(client)
    assert after.json()["permitted"] == before.json()["permitted"]
    assert after.headers["etag"] == before.headers["etag"]
    revalidated = client.get(
        PERMITTED, params=CONFIDENTIAL, headers={"if-none-match": before.headers["etag"]}
    )
    assert revalidated.status_code == 304


def test_put_create_read_replace_and_revisions(
    serve: Callable[..., ServeProcess], database_url: str
) -> None:
    client = serve(database_url).client
    path = "/v1/orgs/example/policies/e2e-eu"
    assert_problem(client.get(path), 404)

    created = put_policy(client, path, NEW_POLICY)
    assert created.status_code == 201, created.text
    etag1 = created.headers["etag"]
    assert created.json()["revision"] == 1 and created.json()["etag"] == etag1

    as_json = client.get(path)
    assert as_json.status_code == 200
    assert as_json.headers["content-type"].startswith("application/json")
    assert as_json.headers["etag"] == etag1
    assert as_json.json()["policy"] == "e2e-eu" and as_json.json()["org"] == "example"
    assert as_json.json()["data_classes"]["internal"]["inference_within"] == ["EEA", "CH"]
    as_yaml = client.get(path, headers={"accept": "application/yaml"})
    assert as_yaml.status_code == 200
    assert as_yaml.headers["content-type"].startswith("application/yaml")
    assert as_yaml.text == NEW_POLICY
    assert client.get(path, headers={"if-none-match": etag1}).status_code == 304
    assert client.get(path + "/permitted").status_code == 200

    changed = NEW_POLICY.replace("[EEA, CH]", "[EEA]")
    body = assert_problem(put_policy(client, path, changed), 428)
    assert "If-Match" in body["detail"] + body["remedy"]
    assert_problem(put_policy(client, path, changed, {"if-match": '"0123456789abcdef"'}), 412)
    assert_problem(put_policy(client, path, changed, {"if-none-match": "*"}), 412)
    assert client.get(path).headers["etag"] == etag1  # none of those wrote anything

    replaced = put_policy(client, path, changed, {"if-match": etag1})
    assert replaced.status_code == 200, replaced.text
    etag2 = replaced.headers["etag"]
    assert etag2 != etag1 and replaced.json()["revision"] == 2
    assert_problem(put_policy(client, path, NEW_POLICY, {"if-match": etag1}), 412)

    as_dict = yaml.safe_load(NEW_POLICY)
    as_dict["description"] = "now sent as JSON"
    third = client.put(
        path,
        content=json.dumps(as_dict).encode(),
        headers={"content-type": "application/json", "if-match": etag2},
    )
    assert third.status_code == 200, third.text
    assert third.json()["revision"] == 3
    assert client.get(path).json()["description"] == "now sent as JSON"
    reread = client.get(path, headers={"accept": "application/yaml"})
    assert yaml.safe_load(reread.text)["description"] == "now sent as JSON"

    revisions = client.get(path + "/revisions")
    assert revisions.status_code == 200
    listed = revisions.json()["revisions"]
    assert [r["revision"] for r in listed] == [1, 2, 3]
    assert [r["etag"] for r in listed[:2]] == [etag1, etag2]
    assert listed[2]["media_type"] == "application/json"


# Invalid bodies: (what is wrong, body, line of the problem, text in its key).
INVALID_BODIES = [
    ("typo key", EU_TEXT.replace("inference_within:", "inference_withn:"), 13, "inference_withn"),
    (
        "bad country",
        EU_TEXT.replace("storage_within: [EEA, CH]", "storage_within: [EEA, XX]"),
        14,
        "storage_within",
    ),
    # The unclosed list on line 13 is reported where the parser trips: line 14.
    (
        "YAML syntax",
        EU_TEXT.replace("inference_within: [EEA, CH]", "inference_within: [EEA, CH"),
        14,
        "",
    ),
]


def test_an_invalid_write_changes_nothing(
    serve: Callable[..., ServeProcess], database_url: str
) -> None:
    client = serve(database_url).client
    policy = client.get(EU)
    before = permitted(client)

    for what, body, line, key in INVALID_BODIES:
        response = put_policy(client, EU, body, {"if-match": policy.headers["etag"]})
        problem = assert_problem(response, 422)
        assert problem["problems"], (what, problem)
        first = problem["problems"][0]
        assert first["line"] == line, (what, first)
        assert key in first["key"], (what, first)
        assert f":{line}" in problem["detail"], (what, problem["detail"])

    for org, name in (("other", "eu-confidential"), ("example", "other-name")):
        doc = {**yaml.safe_load(EU_TEXT), "org": org, "policy": name}
        mismatch = client.put(
            EU,
            content=json.dumps(doc).encode(),
            headers={"content-type": "application/json", "if-match": policy.headers["etag"]},
        )
        assert "URL" in assert_problem(mismatch, 422)["detail"]

    after = client.get(EU)
    assert after.headers["etag"] == policy.headers["etag"]
    assert after.content == policy.content
    revisions = client.get(EU + "/revisions").json()["revisions"]
    assert [r["revision"] for r in revisions] == [1]
    unchanged = permitted(client)
    assert unchanged.headers["etag"] == before.headers["etag"]
    assert unchanged.content == before.content


def test_catalog_import_while_serving(
    serve: Callable[..., ServeProcess], database_url: str, tmp_path: Path
) -> None:
    client = serve(database_url).client
    before = permitted(client)
    old_revision = client.get("/readyz").json()["catalog_revision"]

    changed = tmp_path / "catalog"
    shutil.copytree(CATALOG, changed)
    (changed / "catalog.manifest.json").unlink()  # an edited copy: unsealed
    ovhcloud = changed / "providers" / "ovhcloud.yaml"
    text = ovhcloud.read_text()
    assert "  prompts_days: 0\n" in text
    ovhcloud.write_text(text.replace("  prompts_days: 0\n", "  prompts_days: 60\n"))

    result = run_cli("catalog", "import", str(changed), "--database", database_url)
    assert result.returncode == ExitCode.OK, result.stdout + result.stderr
    imported = time.monotonic()

    def converged() -> bool:
        return client.get(PERMITTED, params=CONFIDENTIAL).headers["etag"] != before.headers["etag"]

    wait_for(converged, timeout=5)
    assert time.monotonic() - imported < CONVERGE_S
    after = permitted(client)
    assert "ovhcloud/default" in before.json()["permitted"]
    assert "ovhcloud/default" not in after.json()["permitted"]
    assert after.json()["catalog_revision"] != old_revision
    assert "confidential.max_prompt_retention_days" in {
        r["rule"] for r in after.json()["denied"]["ovhcloud/default"]
    }
    new_revision = client.get("/readyz").json()["catalog_revision"]
    assert new_revision == after.json()["catalog_revision"]

    broken = tmp_path / "broken"
    shutil.copytree(changed, broken)
    openai = broken / "providers" / "openai.yaml"
    openai.write_text(openai.read_text().replace("headquarters: US", "headquarters: UK"))
    failed = run_cli("catalog", "import", str(broken), "--database", database_url)
    assert failed.returncode == ExitCode.INVALID, failed.stdout + failed.stderr
    assert "openai.yaml" in failed.stdout + failed.stderr
    assert "Traceback" not in failed.stdout + failed.stderr

    time.sleep(5 * 0.2)  # several poll intervals: nothing may have moved
    still = permitted(client)
    assert still.headers["etag"] == after.headers["etag"]
    assert still.content == after.content
    assert client.get("/readyz").json()["catalog_revision"] == new_revision


def test_min_revision_ahead_of_the_replica_is_stale_and_errors_are_problems(
    serve: Callable[..., ServeProcess], database_url: str
) -> None:
    client = serve(database_url).client
    current = permitted(client)
    revision = int(current.headers["x-clearance-revision"])
    assert permitted(client, min_revision=revision).content == current.content

    body = assert_problem(
        client.get(PERMITTED, params={**CONFIDENTIAL, "min_revision": revision + 1}), 503
    )
    assert "min_revision" in body["detail"]
    assert str(revision) in body["detail"]
    assert_problem(
        client.get(EU + "/explain/openai", params={**CONFIDENTIAL, "min_revision": revision + 1}),
        503,
    )

    written = replace_eu(client, DENY_OVHCLOUD)  # read-your-writes: the writer's replica moved
    new_revision = int(written.headers["x-clearance-revision"])
    assert new_revision > revision
    fresh = permitted(client, min_revision=new_revision)
    assert fresh.json()["permitted"] == WITHOUT_OVHCLOUD

    # Every other error is problem+json too, never a traceback.
    assert_problem(client.get("/v1/orgs/example/policies/nope/permitted"), 404)
    assert_problem(client.get(PERMITTED, params={"min_revision": "abc"}), 422)
    assert_problem(client.get(PERMITTED, params={"data_class": "no-such-class"}), 422)
    assert_problem(client.get("/v1/no/such/route"), 404)
    assert_problem(client.put(EU, content=b"policy: x", headers={"content-type": "text/csv"}), 415)
    assert_problem(client.post("/v1/evaluate", json={"policy": "policy: ["}), 422)


def test_readyz_503_is_a_problem_document(
    serve: Callable[..., ServeProcess], tmp_path: Path
) -> None:
    """Not ready (here: no catalog) must be problem+json with a code and a remedy."""
    server = serve(f"sqlite:///{tmp_path / 'empty.db'}", extra=("--no-seed",), wait_ready=False)
    client = server.client

    def answered() -> bool:
        try:
            return client.get("/readyz").status_code == 503
        except httpx.TransportError:
            return False

    wait_for(answered, timeout=20)
    response = client.get("/readyz")
    assert "catalog" in response.json()["detail"]
    assert_problem(response, 503)


def test_first_run_key_and_cli_revocation_on_a_real_process(
    serve: Callable[..., ServeProcess], database_url: str
) -> None:
    """The first run writes a private key file and prints where; a key revoked with the CLI
    on the database stops working on the running server within the poll interval; no raw
    key ever reaches the process's output."""
    server = serve(database_url)
    assert server.key_file.stat().st_mode & 0o777 == 0o600
    banner = server.stdout_path.read_text()
    assert f"first run: an admin key for org 'example' is in {server.key_file}" in banner
    assert f"$(cat {server.key_file})" in banner
    router = server.new_key("example", "router")
    headers = {"Authorization": f"Bearer {router}"}
    assert server.client.get(PERMITTED, params=CONFIDENTIAL, headers=headers).status_code == 200
    key_id = router.split("_")[1]
    revoked = run_cli("keys", "revoke", key_id, "--database", database_url)
    assert revoked.returncode == 0, revoked.stderr
    took = wait_for(
        lambda: (
            server.client.get(PERMITTED, params=CONFIDENTIAL, headers=headers).status_code == 401
        ),
        timeout=5,
    )
    assert took < 2.0
    verified = run_cli("audit", "verify", "--database", database_url)
    assert verified.returncode == 0 and "intact" in verified.stdout
    output = server.output()
    for raw in (router, server.api_key or ""):
        assert raw and raw.split("_", 2)[2] not in output


# -- PostgreSQL only -------------------------------------------------------------------------


def test_two_replicas_on_one_postgresql_converge(
    serve: Callable[..., ServeProcess], postgres: PostgresServer
) -> None:
    url = postgres.new_database(f"e2e_{uuid.uuid4().hex[:12]}")
    first = serve(url, name="replica-a")
    a = first.client
    b = serve(url, name="replica-b", api_key=first.api_key).client
    before = permitted(b)
    assert permitted(a).content == before.content

    written = replace_eu(a, DENY_OVHCLOUD)
    wrote = time.monotonic()
    target = int(written.headers["x-clearance-revision"])

    # With min_revision, B answers 503 until it has the write, and never the old set.
    seen_stale = False
    while True:
        response = b.get(PERMITTED, params={**CONFIDENTIAL, "min_revision": target})
        if response.status_code == 200:
            assert response.json()["permitted"] == WITHOUT_OVHCLOUD
            break
        assert_problem(response, 503)
        seen_stale = True
        assert time.monotonic() - wrote < CONVERGE_S, "replica B did not converge"
        time.sleep(0.02)
    elapsed = time.monotonic() - wrote
    assert elapsed < CONVERGE_S
    after = permitted(b)
    assert after.headers["etag"] != before.headers["etag"]
    assert after.content == permitted(a).content
    assert seen_stale or elapsed < 0.5  # B was caught behind, or was already there

    # And the other way round, without min_revision: B's write shows on A.
    replace_eu(b, EU_TEXT)
    wrote = time.monotonic()
    wait_for(lambda: a.get(PERMITTED, params=CONFIDENTIAL).json()["permitted"] == SHIPPED, 5)
    assert time.monotonic() - wrote < CONVERGE_S
    assert permitted(a).json()["permitted"] == SHIPPED


def test_store_down_fails_closed_after_max_staleness_then_recovers(
    serve: Callable[..., ServeProcess],
) -> None:
    max_staleness = 2.0
    with PostgresServer() as pg:
        url = pg.new_database("e2e_down")
        client = serve(url, max_staleness=max_staleness).client
        explain = EU + "/explain/openai/eu"
        assert client.get(explain, params=CONFIDENTIAL).status_code == 200

        stopping = time.monotonic()
        pg.stop()
        # Right after: still answered from the snapshot confirmed moments ago.
        assert permitted(client).json()["permitted"] == SHIPPED
        assert client.get(explain, params=CONFIDENTIAL).status_code == 200
        assert client.get("/readyz").status_code == 200
        assert time.monotonic() - stopping < max_staleness - 0.5, "pg.stop() took too long"

        wait_for(lambda: client.get(PERMITTED, params=CONFIDENTIAL).status_code == 503, 10)
        assert time.monotonic() - stopping >= max_staleness - 0.5
        for response in (
            client.get(PERMITTED, params=CONFIDENTIAL),
            client.get(explain, params=CONFIDENTIAL),
        ):
            detail = assert_problem(response, 503)["detail"]
            assert "store" in detail and "max" in detail, detail
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.headers["content-type"].startswith("application/problem+json")
        assert "store" in ready.json()["detail"] and "Traceback" not in ready.text
        # Reads and writes that go to the store fail closed too.
        assert_problem(client.get(EU), 503)
        assert_problem(put_policy(client, "/v1/orgs/example/policies/e2e-eu", NEW_POLICY), 503)

        restarting = time.monotonic()
        pg.start()
        wait_for(lambda: client.get(PERMITTED, params=CONFIDENTIAL).status_code == 200, 10)
        assert time.monotonic() - restarting < 5
        assert client.get("/readyz").status_code == 200
        assert client.get(explain, params=CONFIDENTIAL).status_code == 200
        assert permitted(client).json()["permitted"] == SHIPPED


def test_replicas_started_together_on_an_empty_store_all_come_up(
    serve: Callable[..., ServeProcess], postgres: PostgresServer
) -> None:
    """Replicas deployed at once on a store without policies race to seed the examples;
    none may crash. The race is made certain, not lucky: the test holds an EXCLUSIVE lock
    on the policy table (reads pass, inserts wait) until every replica is waiting to write.
    """
    url = postgres.new_database(f"e2e_{uuid.uuid4().hex[:12]}")
    store = Store(url)
    store.migrate()
    store.import_catalog(CATALOG, actor="test")
    store.close()
    engine = make_engine(url)

    def lock_waiters() -> int:
        with engine.connect() as conn:
            query = (
                "select count(*) from pg_stat_activity"
                " where datname = current_database() and wait_event_type = 'Lock'"
            )
            return int(conn.execute(text(query)).scalar_one())

    def settled(server: ServeProcess) -> bool:
        if server.process is None or server.process.poll() is not None:
            return True
        try:
            return server.client.get("/readyz").status_code == 200
        except httpx.TransportError:
            return False

    try:
        with engine.connect() as holder:
            holder.execute(text("LOCK TABLE policy IN EXCLUSIVE MODE"))
            replicas = [serve(url, name=f"racer{i}", wait_ready=False) for i in range(3)]
            deadline = time.monotonic() + 20
            while lock_waiters() < len(replicas) and time.monotonic() < deadline:
                time.sleep(0.05)
            holder.rollback()
        wait_for(lambda: all(settled(s) for s in replicas), timeout=30)
    finally:
        engine.dispose()
    crashed = [
        "\n".join(s.output().splitlines()[-6:])
        for s in replicas
        if s.process is None or s.process.poll() is not None
    ]
    assert not crashed, "a replica died while seeding:\n" + "\n".join(crashed)
    keys = [s.api_key for s in replicas if s.key_file.is_file()]
    assert len(keys) == 1, "exactly one replica makes the first-run key"
    for server in replicas:
        headers = {"Authorization": f"Bearer {keys[0]}"}
        listed = server.client.get("/v1/orgs/example/policies", headers=headers).json()
        listed = listed["policies"]
        assert {p["name"] for p in listed} == EXAMPLES
        assert all(p["revision"] == 1 for p in listed)
