"""Attestations over the REST API, in-process, on a real SQLite file and a real PostgreSQL
server: writes (preconditions, roles, audit, refusals), decisions of the org that holds
them, and the proof that they never touch another org's answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from registry.api.deps import AppState
from tests.conftest import ROOT, seeded_client
from tests.registry.api.test_api import problem

ORG = "/v1/orgs/example"
URL = f"{ORG}/attestations/vendor-reviews"
PERMITTED = f"{ORG}/policies/eu-confidential/permitted"
CONFIDENTIAL = {"data_class": "confidential"}
YAML = {"content-type": "application/yaml"}


def entry(target: str, facts: str, document: str) -> str:
    return f"""  - target: {target}
    facts: {facts}
    document: {document}
    trust: contractual
    signed: 2026-01-01
    expires: 2030-01-01
    approved_by: alice@example.example
"""


def attestations(name: str, *entries: str, org: str = "example") -> str:
    return f"attestations: {name}\norg: {org}\nentries:\n" + "".join(entries)


STACKIT_DPA = entry("stackit", "{contracts: [dpa]}", "STACKIT DPA, ticket VR-1")
IONOS_90 = entry("ionos/de-txl", "{retention: {prompts_days: 90}}", "IONOS retention notice")
SCALEWAY_90 = entry("scaleway/fr-par", "{retention: {prompts_days: 90}}", "Scaleway notice")
# ovhcloud/default: the one deployment the shipped catalog permits for confidential
OVHCLOUD_90 = entry("ovhcloud/default", "{retention: {prompts_days: 90}}", "OVHcloud notice")
REVIEWS = attestations("vendor-reviews", STACKIT_DPA, IONOS_90)


@pytest.fixture
def client(database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    with seeded_client(database_url, tmp_path) as test_client:
        yield test_client


def state_of(client: TestClient) -> AppState:
    state: AppState = client.app.state.clearance  # type: ignore[attr-defined]
    return state


def key_of(client: TestClient, org: str, role: str) -> dict[str, str]:
    """A new key of `org` made in the app's real store, picked up by its snapshot."""
    state = state_of(client)
    _info, raw = state.store.create_key(org, role, f"test {role}", actor="test")
    state.holder.refresh()
    return {"Authorization": f"Bearer {raw}"}


def put(client: TestClient, body: str, url: str = URL, **headers: str) -> Any:
    return client.put(url, content=body.encode(), headers={**YAML, **headers})


def test_put_get_list_revisions_preconditions_and_audit(client: TestClient) -> None:
    assert client.get(f"{ORG}/attestations").json() == {"org": "example", "attestations": []}
    problem(client.get(URL), 404)
    created = put(client, REVIEWS)
    assert created.status_code == 201, created.text
    etag = created.headers["etag"]
    assert created.json()["revision"] == 1
    got = client.get(URL)
    assert got.headers["etag"] == etag
    assert got.json()["entries"][0]["target"] == "stackit"
    assert client.get(URL, headers={"accept": "application/yaml"}).text == REVIEWS
    assert client.get(URL, headers={"if-none-match": etag}).status_code == 304
    changed = REVIEWS.replace("VR-1", "VR-2")
    assert problem(put(client, changed), 428)["code"] == "CLR-S428"
    assert problem(put(client, changed, **{"if-match": '"stale"'}), 412)["code"] == "CLR-S412"
    assert client.get(URL).headers["etag"] == etag  # refused: nothing changed
    replaced = put(client, changed, **{"if-match": etag})
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["revision"] == 2
    listed = client.get(f"{ORG}/attestations").json()["attestations"]
    assert listed == [{"name": "vendor-reviews", "revision": 2, "etag": replaced.headers["etag"]}]
    revisions = client.get(f"{URL}/revisions").json()["revisions"]
    assert [(r["revision"], r["etag"]) for r in revisions] == [
        (1, etag),
        (2, replaced.headers["etag"]),
    ]
    audit = client.get(f"{ORG}/audit").json()["entries"]
    puts = [e for e in audit if e["action"] == "attestations.put"]
    assert [e["object"] for e in puts] == ["attestations/vendor-reviews"] * 2
    assert puts[1]["old_digest"] == etag.strip('"')


def test_only_editors_and_admins_write(client: TestClient) -> None:
    for role in ("viewer", "router"):
        refused = put(
            client, REVIEWS, Authorization=key_of(client, "example", role)["Authorization"]
        )
        assert problem(refused, 403)["status"] == 403
    assert client.get(f"{ORG}/attestations").json()["attestations"] == []
    editor = key_of(client, "example", "editor")
    assert put(client, REVIEWS, **editor).status_code == 201
    other = key_of(client, "other-org", "admin")  # another org's admin sees nothing here
    assert put(client, REVIEWS.replace("VR-1", "VR-9"), **other).status_code in (403, 404)
    assert "VR-9" not in client.get(URL).text


def test_invalid_writes_are_422_and_change_nothing(client: TestClient) -> None:
    created = put(client, REVIEWS)
    assert created.status_code == 201
    generation = state_of(client).store.generation()
    second = f"{ORG}/attestations/second"
    bad_yaml = problem(put(client, "attestations: [\n", second), 422)
    assert bad_yaml["problems"][0]["file"] == "example/attestations/second"
    hearsay = REVIEWS.replace("trust: contractual", "trust: hearsay")
    schema = problem(put(client, hearsay, URL, **{"If-Match": created.headers["etag"]}), 422)
    assert schema["problems"][0]["code"] == "CLR-O001"
    assert schema["problems"][0]["line"] is not None
    names = problem(put(client, REVIEWS, second), 422)
    assert names["code"] == "CLR-A422" and "second" in names["detail"]
    unknown = problem(
        put(client, attestations("second", entry("stackitt", "{contracts: [dpa]}", "DPA")), second),
        422,
    )
    assert unknown["problems"][0]["code"] == "CLR-O002"
    assert unknown["problems"][0]["key"] == "entries[0].target"
    assert "did you mean stackit?" in unknown["problems"][0]["remedy"]
    conflict = problem(
        put(client, attestations("second", entry("stackit", "{contracts: [baa]}", "BAA")), second),
        422,
    )
    assert conflict["problems"][0]["code"] == "CLR-O002"
    message = conflict["problems"][0]["file"] + " " + conflict["problems"][0]["message"]
    assert "example/attestations/second" in message  # both files, one of them with its line
    assert "example/attestations/vendor-reviews" in message
    assert conflict["problems"][0]["line"] is not None
    assert state_of(client).store.generation() == generation
    assert [a["name"] for a in client.get(f"{ORG}/attestations").json()["attestations"]] == [
        "vendor-reviews"
    ]
    assert client.get(f"{ORG}/attestations/second").status_code == 404


def test_permitted_explain_and_gate_use_the_orgs_attestations(client: TestClient) -> None:
    before = client.get(PERMITTED, params=CONFIDENTIAL)
    litellm_before = client.get(PERMITTED, params={**CONFIDENTIAL, "format": "litellm"})
    assert before.json()["attestations_revision"] is None
    assert "stackit/default" not in before.json()["permitted"]
    assert "ovhcloud/default" in before.json()["permitted"]
    assert (
        put(client, attestations("vendor-reviews", STACKIT_DPA, IONOS_90, OVHCLOUD_90)).status_code
        == 201
    )
    after = client.get(PERMITTED, params=CONFIDENTIAL)
    body = after.json()
    assert body["attestations_revision"]
    assert "stackit/default" in body["permitted"]  # attested DPA: more permitted
    assert "ovhcloud/default" not in body["permitted"]  # attested 90 days: less permitted
    (ovh_reason,) = [
        r
        for r in body["denied"]["ovhcloud/default"]
        if r["rule"].endswith("max_prompt_retention_days")
    ]
    assert ovh_reason["attested"]["document"] == "OVHcloud notice"
    assert after.headers["etag"] != before.headers["etag"]
    reason = next(
        r for r in body["denied"]["ionos/de-txl"] if r["rule"].endswith("max_prompt_retention_days")
    )
    assert {k: reason["attested"][k] for k in ("file", "line", "document", "expires")} == {
        "file": "example/attestations/vendor-reviews",
        "line": 11,
        "document": "IONOS retention notice",
        "expires": "2030-01-01",
    }
    again = client.get(
        PERMITTED, params=CONFIDENTIAL, headers={"if-none-match": after.headers["etag"]}
    )
    assert again.status_code == 304
    explained = client.get(
        f"{ORG}/policies/eu-confidential/explain/stackit/default", params=CONFIDENTIAL
    ).json()
    assert explained["permitted"] is True
    assert explained["attestations_revision"] == body["attestations_revision"]
    litellm_after = client.get(PERMITTED, params={**CONFIDENTIAL, "format": "litellm"})
    assert litellm_after.status_code == 200  # router formats use the org's view too
    assert litellm_after.content != litellm_before.content
    assert litellm_after.headers["etag"] != litellm_before.headers["etag"]


def test_an_answer_that_does_not_change_keeps_its_etag(client: TestClient) -> None:
    before = client.get(PERMITTED, params={"data_class": "public"})
    assert put(client, REVIEWS).status_code == 201  # public class has no contract rule
    after = client.get(PERMITTED, params={"data_class": "public"})
    assert after.json()["attestations_revision"] is not None
    assert after.json()["catalog_revision"] == before.json()["catalog_revision"]
    revisions = ("attestations_revision", "store_revision")
    assert {k: v for k, v in after.json().items() if k not in revisions} == {
        k: v for k, v in before.json().items() if k not in revisions
    }
    assert after.headers["etag"] == before.headers["etag"]


def test_unusable_stored_attestations_fail_closed(client: TestClient) -> None:
    """A file the current catalog no longer accepts (written under another catalog: here
    straight into the store, past the API's check) refuses that org's decisions."""
    state = state_of(client)
    stale = attestations("old", entry("gone-provider", "{contracts: [dpa]}", "old DPA"))
    state.store.put_attestations("example", "old", stale, "application/yaml", actor="test")
    state.holder.refresh()
    refused = problem(client.get(PERMITTED, params=CONFIDENTIAL), 503)
    assert refused["reason"] == "attestations"
    assert refused["problems"][0]["file"] == "example/attestations/old"
    problem(client.get(f"{ORG}/policies/eu-confidential/explain/stackit"), 503)
    manifest = (ROOT / "tests/manifests/litellm_multi_cloud.yaml").read_text()
    gate = {"policy": "eu-confidential", "manifests": [{"name": "m.yaml", "content": manifest}]}
    problem(client.post(f"{ORG}/gate", json=gate), 503)


def _strip_store_revision(raw: bytes) -> Any:
    body = json.loads(raw)
    if isinstance(body, dict):
        body.pop("store_revision", None)
    return body


def test_one_orgs_attestations_never_change_another_orgs_answers(client: TestClient) -> None:
    """Org `example` (A) and org `bee` (B) hold the same policy. Everything B can ask is
    recorded (raw bytes and ETags), A's attestations change A's answers, and B's answers
    are compared again: equal byte for byte once `store_revision` (the store generation,
    which every write moves) is removed from the JSON bodies that carry it."""
    policy = (
        (ROOT / "policies/eu-confidential.yaml").read_text().replace("org: example", "org: bee")
    )
    b_admin = key_of(client, "bee", "admin")
    b_policy = "/v1/orgs/bee/policies/eu-confidential"
    assert (
        client.put(b_policy, content=policy.encode(), headers={**YAML, **b_admin}).status_code
        == 201
    )
    manifest = (ROOT / "tests/manifests/litellm_multi_cloud.yaml").read_text()
    gate = {
        "policy": "eu-confidential",
        "data_class": "confidential",
        "manifests": [{"name": "m.yaml", "content": manifest}],
    }

    def b_answers() -> dict[str, tuple[int, Any, str | None]]:
        found: dict[str, tuple[int, Any, str | None]] = {}
        for fmt in ("json", "openrouter", "litellm", "vercel"):
            for cls in ("internal", "confidential"):
                got = client.get(
                    f"{b_policy}/permitted",
                    params={"data_class": cls, "format": fmt},
                    headers=b_admin,
                )
                found[f"permitted {fmt} {cls}"] = (
                    got.status_code,
                    _strip_store_revision(got.content),
                    got.headers.get("etag"),
                )
        for target in ("stackit", "stackit/default", "scaleway/fr-par", "ionos/de-txl"):
            got = client.get(f"{b_policy}/explain/{target}", params=CONFIDENTIAL, headers=b_admin)
            found[f"explain {target}"] = (got.status_code, _strip_store_revision(got.content), None)
        got = client.post("/v1/orgs/bee/gate", json=gate, headers=b_admin)
        found["gate"] = (got.status_code, _strip_store_revision(got.content), None)
        return found

    a_before = client.get(PERMITTED, params=CONFIDENTIAL)
    b_before = b_answers()
    assert b_before["permitted json confidential"][1]["attestations_revision"] is None
    assert put(client, attestations("vendor-reviews", STACKIT_DPA, SCALEWAY_90)).status_code == 201
    a_after = client.get(PERMITTED, params=CONFIDENTIAL)
    assert a_after.json()["permitted"] != a_before.json()["permitted"]  # A did change
    assert a_after.headers["etag"] != a_before.headers["etag"]
    b_after = b_answers()
    assert b_after == b_before
    assert all(status == 200 for status, _body, _etag in b_before.values() if status != 409)


def test_json_keeps_an_explicit_null_and_round_trips(client: TestClient) -> None:
    """`contracts: null` attests "unknown" (it overrides the catalog's value): the JSON form
    must keep it, and writing that JSON back means the same file."""
    unknown = attestations("vendor-reviews", entry("stackit", "{contracts: null}", "VR-9 review"))
    assert put(client, unknown).status_code == 201
    body = client.get(URL).json()
    assert body["entries"][0]["facts"] == {"contracts": None}
    assert "url" not in body["entries"][0]  # defaults the file did not write stay out
    etag = client.get(URL).headers["etag"]
    again = client.put(
        URL,
        content=json.dumps(body).encode(),
        headers={"content-type": "application/json", "if-match": etag},
    )
    assert again.status_code == 200, again.text
    answer = client.get(PERMITTED, params=CONFIDENTIAL).json()
    (reason,) = [
        r for r in answer["denied"]["stackit/default"] if r["rule"].endswith("contracts_all")
    ]
    assert reason["outcome"] == "unknown" and reason["attested"]["document"] == "VR-9 review"
