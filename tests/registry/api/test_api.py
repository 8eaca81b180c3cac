"""The REST API in-process (FastAPI TestClient over httpx) on both stores: same suite."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from registry.api.app import create_app
from registry.api.holder import SnapshotHolder, Stale
from registry.api.settings import Settings
from registry.store.repository import Store
from tests.conftest import ROOT, seeded_client

POLICY_URL = "/v1/orgs/example/policies/eu-confidential"
NEW_POLICY = """policy: team-x
org: example
default_data_class: internal
data_classes:
  internal:
    training: forbidden
"""


@pytest.fixture
def client(database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """A seeded app and a client holding its first-run admin key for org `example`."""
    with seeded_client(database_url, tmp_path) as test_client:
        yield test_client


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"].startswith("CLR-")
    assert body["remedy"]
    assert "Traceback" not in response.text
    return body


def test_health_ready_and_metrics(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready"
    assert ready["policies"] == 4
    client.get(f"{POLICY_URL}/permitted")
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert 'clearance_decision_requests_total{endpoint="permitted",outcome="ok"} 1.0' in (
        metrics.text
    )
    assert "clearance_snapshot_age_seconds" in metrics.text


def test_openapi_lists_every_spec_endpoint(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/v1/providers",
        "/v1/providers/{provider_id}",
        "/v1/orgs/{org}/policies",
        "/v1/orgs/{org}/policies/{name}",
        "/v1/orgs/{org}/policies/{name}/revisions",
        "/v1/orgs/{org}/policies/{name}/permitted",
        "/v1/orgs/{org}/policies/{name}/explain/{provider}",
        "/v1/orgs/{org}/policies/{name}/explain/{provider}/{deployment}",
        "/v1/orgs/{org}/gate",
        "/v1/evaluate",
        "/healthz",
        "/readyz",
        "/metrics",
    ):
        assert path in paths, path


# Operations whose success answer is not a JSON document, so it has no schema to declare.
NOT_JSON = {
    ("get", "/metrics"),  # Prometheus text
    ("delete", "/v1/orgs/{org}/keys/{key_id}"),  # 204, no body
}


def _resolved(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    found: dict[str, Any] = components[ref.rsplit("/", 1)[-1]] if ref else schema
    return found


def test_every_json_route_documents_its_success_body(client: TestClient) -> None:
    """Issue 17: every JSON route declares a 2xx schema with named properties (a response
    model, not `dict[str, Any]`), so schemathesis checks the body (test_fuzz.py)."""
    document = client.get("/openapi.json").json()
    components = document["components"]["schemas"]
    seen = set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            seen.add((method, path))
            success = {s: r for s, r in operation["responses"].items() if s.startswith("2")}
            assert success, (method, path)
            if (method, path) in NOT_JSON:
                assert all("application/json" not in r.get("content", {}) for r in success.values())
                continue
            for status, response in success.items():
                schema = response["content"]["application/json"]["schema"]
                variants = schema.get("anyOf", [schema])
                for variant in variants:
                    assert _resolved(variant, components).get("properties"), (method, path, status)
    assert seen >= NOT_JSON  # the exceptions name real operations
    permitted = document["paths"]["/v1/orgs/{org}/policies/{name}/permitted"]["get"]
    answers = permitted["responses"]["200"]["content"]["application/json"]["schema"]["anyOf"]
    assert {a["$ref"].rsplit("/", 1)[-1] for a in answers} == {
        "Permitted",
        "OpenRouterDocument",
        "LiteLLMView",
        "VercelDocument",
    }


def test_providers_list_filter_and_detail(client: TestClient) -> None:
    listed = client.get("/v1/providers").json()
    assert len(listed["providers"]) >= 24
    in_ireland = {p["id"] for p in client.get("/v1/providers?country=IE").json()["providers"]}
    assert "amazon-bedrock" in in_ireland
    assert "deepseek" not in in_ireland
    soc2 = client.get("/v1/providers?certification=soc2-type2").json()["providers"]
    assert soc2
    assert len(soc2) < len(listed["providers"])
    openai = client.get("/v1/providers/openai").json()
    assert openai["id"] == "openai"
    assert any(d["id"] == "eu" for d in openai["deployments"])
    assert openai["evidence"]
    problem(client.get("/v1/providers/nope"), 404)


def test_permitted_matches_the_cli_and_revalidates(client: TestClient) -> None:
    from datetime import UTC, datetime

    from registry.catalog.loader import load_catalog
    from registry.engine.engine import Engine
    from registry.policy.loader import load_policy

    response = client.get(f"{POLICY_URL}/permitted", params={"data_class": "confidential"})
    assert response.status_code == 200
    body = response.json()
    local = (
        Engine()
        .evaluate(
            load_policy(ROOT / "policies/eu-confidential.yaml"),
            load_catalog(ROOT / "provider_catalog"),
            "confidential",
            None,
            datetime.now(UTC).date(),
        )
        .to_json()
    )
    for key in (
        "policy",
        "org",
        "data_class",
        "model",
        "as_of",
        "catalog_revision",
        "permitted",
        "providers",
        "warnings",
    ):
        assert body[key] == local[key], key
    assert {
        t: [(r["rule"], r["message"], r["source"]["line"]) for r in rs]
        for t, rs in body["denied"].items()
    } == {
        t: [(r["rule"], r["message"], r["source"]["line"]) for r in rs]
        for t, rs in local["denied"].items()
    }
    etag = response.headers["etag"]
    assert response.headers["cache-control"]
    again = client.get(
        f"{POLICY_URL}/permitted",
        params={"data_class": "confidential"},
        headers={"If-None-Match": etag},
    )
    assert again.status_code == 304
    assert again.content == b""
    other = client.get(f"{POLICY_URL}/permitted", params={"data_class": "public"})
    assert other.headers["etag"] != etag


def test_permitted_errors_are_problems(client: TestClient) -> None:
    body = problem(client.get(f"{POLICY_URL}/permitted", params={"data_class": "nope"}), 422)
    assert "nope" in body["detail"]
    problem(client.get("/v1/orgs/example/policies/missing/permitted"), 404)
    problem(client.get("/v1/orgs/other/policies/eu-confidential/permitted"), 404)
    problem(client.get(f"{POLICY_URL}/permitted", params={"format": "xml"}), 422)
    body = problem(client.get(f"{POLICY_URL}/permitted", params={"min_revision": 10**6}), 503)
    assert "behind" in body["detail"]
    assert body["reason"] == "stale"
    problem(client.get(f"{POLICY_URL}/permitted", params={"min_revision": "x"}), 422)


def test_explain_deployment_and_provider(client: TestClient) -> None:
    # ovhcloud/default is the one deployment the shipped catalog permits for confidential
    one = client.get(
        f"{POLICY_URL}/explain/ovhcloud/default", params={"data_class": "confidential"}
    )
    assert one.status_code == 200
    assert one.json()["permitted"] is True
    (target,) = one.json()["targets"]
    assert target["target"] == "ovhcloud/default"
    assert {c["status"] for c in target["checks"]} == {"pass"}
    many = client.get(f"{POLICY_URL}/explain/openai", params={"data_class": "confidential"})
    assert many.json()["permitted"] is False
    assert len(many.json()["targets"]) > 1
    # a provider is permitted only when every deployment is: cohere/vault-encrypted is
    # permitted for internal, its other deployments are not
    mixed = client.get(f"{POLICY_URL}/explain/cohere", params={"data_class": "internal"}).json()
    assert mixed["permitted"] is False
    assert {t["target"]: t["permitted"] for t in mixed["targets"]}["cohere/vault-encrypted"]
    assert not all(t["permitted"] for t in mixed["targets"])
    problem(client.get(f"{POLICY_URL}/explain/nobody"), 422)


def test_policy_get_as_json_and_yaml_with_etag(client: TestClient) -> None:
    listed = client.get("/v1/orgs/example/policies").json()["policies"]
    assert {p["name"] for p in listed} == {
        "eu-confidential",
        "hipaa-phi",
        "no-training",
        "agent-quality",
    }
    as_json = client.get(POLICY_URL)
    assert as_json.json()["policy"] == "eu-confidential"
    etag = as_json.headers["etag"]
    as_yaml = client.get(POLICY_URL, headers={"Accept": "application/yaml"})
    assert as_yaml.headers["content-type"].startswith("application/yaml")
    assert as_yaml.text == (ROOT / "policies/eu-confidential.yaml").read_text()
    assert client.get(POLICY_URL, headers={"If-None-Match": etag}).status_code == 304
    assert (
        client.get("/v1/orgs/example/policies/eu-confidential/revisions").json()["revisions"][0][
            "revision"
        ]
        == 1
    )


def test_put_create_replace_and_preconditions(client: TestClient) -> None:
    url = "/v1/orgs/example/policies/team-x"
    yaml_type = {"Content-Type": "application/yaml"}
    created = client.put(url, content=NEW_POLICY, headers=yaml_type)
    assert created.status_code == 201, created.text
    etag = created.headers["etag"]
    problem(client.put(url, content=NEW_POLICY, headers=yaml_type), 428)
    problem(client.put(url, content=NEW_POLICY, headers={**yaml_type, "If-Match": '"x"'}), 412)
    problem(client.put(url, content=NEW_POLICY, headers={**yaml_type, "If-None-Match": "*"}), 412)
    changed = NEW_POLICY.replace("training: forbidden", "training: opt_out_ok")
    as_json = json.dumps(yaml.safe_load(changed))
    replaced = client.put(
        url, content=as_json, headers={"Content-Type": "application/json", "If-Match": etag}
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.headers["etag"] != etag
    assert client.get(url).json()["data_classes"]["internal"]["training"] == "opt_out_ok"
    revisions = client.get(f"{url}/revisions").json()["revisions"]
    assert [r["revision"] for r in revisions] == [1, 2]
    permitted = client.get(
        f"{url}/permitted", params={"min_revision": int(replaced.headers["x-clearance-revision"])}
    )
    assert permitted.status_code == 200


def test_an_invalid_write_changes_nothing(client: TestClient) -> None:
    before = client.get(POLICY_URL)
    answer = client.get(f"{POLICY_URL}/permitted", params={"data_class": "confidential"})
    text = (ROOT / "policies/eu-confidential.yaml").read_text()
    headers = {"Content-Type": "application/yaml", "If-Match": before.headers["etag"]}
    for bad, line, key in (
        (
            text.replace("inference_within: [EEA, CH]", "inference_within: [EEA, XX]"),
            13,
            "data_classes.confidential.inference_within[1]",
        ),
        (
            text.replace("    training: forbidden", "    trainig: forbidden"),
            10,
            "data_classes.internal.trainig",
        ),
        (text.replace("policy: eu-confidential", "policy: [eu-confidential"), None, ""),
    ):
        body = problem(client.put(POLICY_URL, content=bad, headers=headers), 422)
        first = body["problems"][0]
        if line is not None:
            assert first["line"] == line
            assert first["key"] == key
    mismatch = text.replace("org: example", "org: someone-else")
    problem(client.put(POLICY_URL, content=mismatch, headers=headers), 422)
    problem(
        client.put(POLICY_URL, content=text, headers={**headers, "Content-Type": "text/plain"}), 415
    )
    after = client.get(POLICY_URL)
    assert after.headers["etag"] == before.headers["etag"]
    assert after.json() == before.json()
    again = client.get(f"{POLICY_URL}/permitted", params={"data_class": "confidential"})
    assert again.headers["etag"] == answer.headers["etag"]


def test_evaluate_inline_and_gate_not_yet(client: TestClient) -> None:
    result = client.post("/v1/evaluate", json={"policy": NEW_POLICY, "data_class": "internal"})
    assert result.status_code == 200, result.text
    assert result.json()["policy"] == "team-x"
    assert result.json()["permitted"]
    body = problem(client.post("/v1/evaluate", json={"policy": "policy: [", "x": 1}), 422)
    assert body["code"] == "CLR-R422"
    problem(client.post("/v1/evaluate", json={"policy": "policy: x\norg: y\n"}), 422)
    problem(client.post("/v1/orgs/example/gate", json={}), 422)


def test_gate_endpoint_answers_like_the_cli(client: TestClient) -> None:
    manifest = (ROOT / "tests/manifests/litellm_multi_cloud.yaml").read_text()
    sovereign = (ROOT / "tests/manifests/litellm_eu_sovereign.yaml").read_text()
    body = {
        "policy": "eu-confidential",
        "data_class": "confidential",
        "manifests": [
            {"name": "litellm.yaml", "content": manifest},
            {"name": "eu.yaml", "content": sovereign},
        ],
    }
    report = client.post("/v1/orgs/example/gate", json=body)
    assert report.status_code == 200, report.text
    doc = report.json()
    # as `clearance gate` says of the two files: only the OVHcloud entry is compliant
    assert doc["summary"] == {"entries": 16, "violations": 15, "waived": 0}
    lines: dict[str, set[int]] = {}
    for r in doc["results"]:
        lines.setdefault(r["file"], set()).add(r["line"])
    assert lines == {
        "litellm.yaml": {5, 9, 13, 17, 22, 26},
        "eu.yaml": {7, 12, 16, 22, 29, 34, 38, 44, 48, 52},
    }
    assert [(r["file"], r["line"], r["targets"]) for r in doc["results"] if r["compliant"]] == [
        ("eu.yaml", 29, ["ovhcloud/default"])
    ]
    bad = {**body, "manifests": [{"name": "bad.yaml", "content": "model_list: [\n"}]}
    assert (
        problem(client.post("/v1/orgs/example/gate", json=bad), 422)["problems"][0]["file"]
        == "bad.yaml"
    )
    problem(client.post("/v1/orgs/other/gate", json=body), 404)


def test_the_gate_endpoint_reads_env_values_and_refuses_includes(client: TestClient) -> None:
    config = (
        "model_list:\n  - model_name: m\n    litellm_params:\n"
        "      model: openai/Meta-Llama-3_3-70B-Instruct\n      api_base: os.environ/BASE\n"
    )
    body: dict[str, Any] = {
        "policy": "eu-confidential",
        "data_class": "confidential",
        "manifests": [{"name": "litellm.yaml", "content": config}],
    }
    unresolved = client.post("/v1/orgs/example/gate", json=body).json()
    assert "environment variable BASE" in unresolved["results"][0]["problem"]
    # the value decides the deployment: OVHcloud's endpoint is permitted for confidential,
    # OpenAI's EU endpoint is not
    body["env"] = {"BASE": "https://eu.api.openai.com/v1"}
    denied = client.post("/v1/orgs/example/gate", json=body).json()
    assert denied["compliant"] is False
    assert denied["results"][0]["targets"] == ["openai/eu"]
    body["env"] = {"BASE": "https://oai.endpoints.kepler.ai.cloud.ovh.net/v1"}
    allowed = client.post("/v1/orgs/example/gate", json=body).json()
    assert allowed["compliant"] is True
    assert allowed["results"][0]["targets"] == ["ovhcloud/default"]
    body["manifests"] = [{"name": "p.yaml", "content": "include: [models.yaml]\n" + config}]
    refused = problem(client.post("/v1/orgs/example/gate", json=body), 422)
    assert refused["code"] == "CLR-G002"


def test_snapshot_staleness_and_min_revision(tmp_path: Path) -> None:
    """Fail closed: unconfirmed for longer than max_staleness, or behind min_revision."""
    now = [100.0]
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    store.migrate()
    holder = SnapshotHolder(store, max_staleness=5, clock=lambda: now[0])
    with pytest.raises(Stale):
        holder.current()
    holder.refresh()
    assert holder.current().generation == 0
    now[0] += 4.9
    holder.current()
    now[0] += 0.2
    with pytest.raises(Stale, match="not confirmed"):
        holder.current()
    holder.refresh()
    holder.current()
    with pytest.raises(Stale, match="behind"):
        holder.current(min_generation=1)
    store.close()
    broken = SnapshotHolder(
        Store(f"sqlite:///{tmp_path / 'missing' / 'x.db'}"), 5, clock=lambda: now[0]
    )
    broken.refresh()  # no schema: the check fails, nothing is confirmed
    with pytest.raises(Stale):
        broken.current()
    assert broken.last_error


def test_without_a_catalog_nothing_is_decided(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}", poll_interval=0.2)
    store = Store(settings.database_url)
    store.migrate()
    _, key = store.create_key("example", "viewer", "", actor="test")
    with TestClient(create_app(settings, store)) as empty:
        empty.headers["Authorization"] = f"Bearer {key}"
        assert problem(empty.get("/readyz"), 503)["code"] == "CLR-A504"
        assert problem(empty.get("/v1/providers"), 503)["code"] == "CLR-A504"
        body = problem(empty.post("/v1/evaluate", json={"policy": NEW_POLICY}), 503)
        assert body["code"] == "CLR-A504"
