"""Issue 12, hole 8: decisions cite the policy's file and lines, so cached decisions are keyed
on them too; a PUT that changes only comments stores the new text as a new revision."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from registry.catalog.loader import Catalog, load_catalog
from registry.engine.engine import Engine
from registry.policy.loader import load_policy_text
from tests.conftest import ROOT

TEXT = (ROOT / "policies" / "eu-confidential.yaml").read_text()
AS_OF = date(2026, 11, 26)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(ROOT / "provider_catalog")


def lines_of(result: dict[str, Any]) -> set[tuple[str, int | None]]:
    return {
        (r["source"]["file"], r["source"]["line"])
        for reasons in result["denied"].values()
        for r in reasons
    }


def test_a_layout_change_is_a_new_source_with_its_own_lines(catalog: Catalog) -> None:
    engine = Engine()
    first = load_policy_text(TEXT, "eu.yaml")
    moved = load_policy_text("# reviewed\n# by security\n" + TEXT, "eu.yaml")
    assert first.revision == moved.revision  # same meaning
    before = engine.evaluate(first, catalog, "confidential", None, AS_OF).to_json()
    after = engine.evaluate(moved, catalog, "confidential", None, AS_OF).to_json()
    assert ("eu.yaml", 13) in lines_of(before)
    assert ("eu.yaml", 15) in lines_of(after)
    assert ("eu.yaml", 13) not in lines_of(after)


def test_the_same_policy_under_another_name_cites_that_name(catalog: Catalog) -> None:
    engine = Engine()
    stored = engine.evaluate(load_policy_text(TEXT, "example/eu"), catalog, "confidential")
    inline = engine.evaluate(load_policy_text(TEXT, "<request>"), catalog, "confidential")
    assert {f for f, _ in lines_of(stored.to_json())} == {"example/eu"}
    assert {f for f, _ in lines_of(inline.to_json())} == {"<request>"}


@pytest.fixture
def client(sqlite_client: TestClient) -> TestClient:
    return sqlite_client


URL = "/v1/orgs/example/policies/eu-confidential"
YAML = {"Content-Type": "application/yaml"}


def _put(client: TestClient, text: str) -> Any:
    etag = client.get(URL).headers["etag"]
    response = client.put(URL, content=text, headers={**YAML, "If-Match": etag})
    assert response.status_code == 200, response.text
    return response.json()


def _permitted(client: TestClient) -> Any:
    return client.get(f"{URL}/permitted", params={"data_class": "confidential"})


def test_a_comment_only_put_stores_the_text_and_keeps_the_decisions_etag(
    client: TestClient,
) -> None:
    before = _permitted(client)
    first = _put(client, TEXT + "# reviewed 2026-12-01 by the security team\n")
    assert first["revision"] == 2
    shown = client.get(URL, headers={"Accept": "application/yaml"}).text
    assert shown.endswith("# reviewed 2026-12-01 by the security team\n")
    after = _permitted(client)
    assert after.headers["etag"] == before.headers["etag"]  # the answer did not change
    assert [r["revision"] for r in client.get(f"{URL}/revisions").json()["revisions"]] == [1, 2]


def test_a_put_that_moves_lines_changes_the_cited_lines(client: TestClient) -> None:
    before = _permitted(client).json()
    _put(client, "# moved down by two lines\n#\n" + TEXT)
    after = _permitted(client).json()
    moved = {line for _, line in lines_of(after) if line is not None}
    assert moved == {line + 2 for _, line in lines_of(before) if line is not None}
    assert moved


def test_evaluate_cites_the_request_not_a_stored_policy(client: TestClient) -> None:
    assert _permitted(client).status_code == 200  # warm the engine with the stored policy
    body = {"policy": TEXT, "data_class": "confidential"}
    answer = client.post("/v1/evaluate", json=body).json()
    assert answer["as_of"] == datetime.now(UTC).date().isoformat()
    assert {f for f, _ in lines_of(answer)} == {"<request>"}
