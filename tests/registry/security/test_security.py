"""Tenant isolation, roles, keys and limits of the REST API, in-process on both stores.

The route table is read from the app itself, so a new route is covered (or fails the
"every route declares an action" check) without editing this file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from registry.api.access import route_action
from registry.api.app import ROUTERS, create_app
from registry.api.settings import Settings
from registry.security.roles import ORG_ROLES, PERMISSIONS, Action, Role
from registry.store.repository import Store
from tests.conftest import ROOT

POLICY_YAML = (ROOT / "policies" / "no-training.yaml").read_text()
CONFIDENTIAL = {"data_class": "confidential"}
PUBLIC_PATHS = {
    "/healthz",
    "/readyz",
    "/metrics",
    "/v1/providers",
    "/v1/providers/{provider_id}",
}


class Harness:
    """A seeded app, its store, and keys: example's roles, acme's admin, a catalog admin."""

    def __init__(self, client: TestClient, store: Store) -> None:
        self.client = client
        self.store = store
        self.keys: dict[str, str] = {}
        self.ids: dict[str, str] = {}
        for label, org, role in [
            *((r.value, "example", r.value) for r in ORG_ROLES),
            ("acme", "acme", "admin"),
            ("catalog", "*", "catalog-admin"),
        ]:
            info, raw = store.create_key(org, role, label, actor="test")
            self.keys[label], self.ids[label] = raw, info.id
        client.app.state.clearance.holder.refresh()  # type: ignore[attr-defined]

    def auth(self, label: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[label]}"}


@pytest.fixture
def harness(database_url: str, tmp_path: Path) -> Iterator[Harness]:
    settings = Settings(
        database_url=database_url,
        seed_catalog=ROOT / "provider_catalog",
        seed_policies=ROOT / "policies",
        rate_limit=0,
    )
    store = Store(database_url)
    with TestClient(create_app(settings, store)) as client:
        # an attestations file named like the policy, so `{name}` routes find one of each
        store.put_attestations(
            "example", "eu-confidential", HARNESS_ATTESTATIONS, "application/yaml", actor="test"
        )
        yield Harness(client, store)


HARNESS_ATTESTATIONS = """attestations: eu-confidential
org: example
entries:
  - target: stackit
    facts: {contracts: [dpa]}
    document: STACKIT DPA
    trust: contractual
    signed: 2026-01-01
    expires: 2030-01-01
    approved_by: alice@example.example
"""


def database_digest(store: Store) -> str:
    """SHA-256 over every row of every table, in a stable order."""
    digest = hashlib.sha256()
    with store.engine.connect() as conn:
        for table in sorted(inspect(conn).get_table_names()):
            rows = conn.execute(text(f"SELECT * FROM {table}")).fetchall()
            for row in sorted(repr(tuple(r)) for r in rows):
                digest.update(f"{table}:{row}\n".encode())
    return digest.hexdigest()


def guarded_routes() -> list[tuple[str, str, str]]:
    """(method, path template, action) of every route of the app that needs a key."""
    found = []
    for router in ROUTERS:
        for route in router.routes:
            action = route_action(route)
            assert action is not None, route
            for method in sorted(getattr(route, "methods", ()) - {"HEAD"}):
                found.append((method, getattr(route, "path", ""), action))
    return found


def fill(path: str, harness: Harness, org: str = "example", exists: bool = True) -> str:
    values = {
        "org": org,
        "name": "eu-confidential" if exists else "no-such-policy",
        "provider": "openai",
        "deployment": "eu",
        "provider_id": "openai",
        "key_id": harness.ids["viewer"] if exists else "000000000000",
    }
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    return path


def body_for(method: str, path: str) -> dict[str, Any]:
    """A valid request body for the route (so only access control can refuse it)."""
    if path.endswith("/gate"):
        manifest = "kind: clearance/deployment\nuses:\n  - provider: openai\n"
        return {
            "json": {
                "policy": "eu-confidential",
                "manifests": [{"name": "m.yaml", "content": manifest}],
            }
        }
    if path.endswith("/keys"):
        return {"json": {"role": "viewer", "name": "intruder"}}
    if path.startswith("/v1/orgs/") and method == "PUT":
        return {"content": POLICY_YAML.encode(), "headers": {"content-type": "application/yaml"}}
    if path == "/v1/evaluate":
        return {"json": {"policy": POLICY_YAML}}
    if path == "/v1/catalog":
        text_ = (ROOT / "provider_catalog/providers/openai.yaml").read_text()
        return {"json": {"providers": [{"name": "openai.yaml", "content": text_}]}}
    return {}


def call(harness: Harness, method: str, path: str, label: str | None, **extra: Any) -> Any:
    kwargs = body_for(method, path)
    headers = {**kwargs.pop("headers", {}), **(harness.auth(label) if label else {})}
    return harness.client.request(method, path, headers=headers, **kwargs, **extra)


def test_every_route_declares_an_action_and_public_ones_are_few() -> None:
    routes = guarded_routes()
    assert len(routes) >= 17
    public = {path for _, path, action in routes if action == Action.public}
    assert public == PUBLIC_PATHS


def test_another_orgs_key_sees_nothing_and_changes_nothing(harness: Harness) -> None:
    """Every org route with acme's admin key on example's objects: 404, and the same 404
    whether the object exists or not; the database is byte-for-byte unchanged."""
    before = database_digest(harness.store)
    org_routes = [(m, p) for m, p, _ in guarded_routes() if "{org}" in p]
    assert len(org_routes) >= 11
    for method, template in org_routes:
        for exists in (True, False):
            path = fill(template, harness, exists=exists)
            response = call(harness, method, path, "acme", params=CONFIDENTIAL)
            assert response.status_code == 404, (method, path, response.text)
            assert response.json()["detail"] == f"nothing at {path} for this key"
        missing_org = fill(template, harness, org="no-such-org")
        assert call(harness, method, missing_org, "acme").status_code == 404
    assert database_digest(harness.store) == before


def test_without_a_key_only_public_routes_answer(harness: Harness) -> None:
    before = database_digest(harness.store)
    for method, template, action in guarded_routes():
        path = fill(template, harness)
        response = call(harness, method, path, None, params=CONFIDENTIAL)
        if action == Action.public:
            assert response.status_code == 200, (path, response.text)
            continue
        assert response.status_code == 401, (method, path)
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.headers["content-type"].startswith("application/problem+json")
    for bad in ("Bearer nope", "Basic abc", f"Bearer {harness.keys['admin']}x", "Bearer "):
        response = harness.client.get("/v1/orgs/example/policies", headers={"Authorization": bad})
        assert response.status_code == 401, bad
    assert database_digest(harness.store) == before


@pytest.mark.parametrize("role", [r.value for r in ORG_ROLES])
def test_each_role_may_do_exactly_its_actions(harness: Harness, role: str) -> None:
    allowed = {a.value for a in PERMISSIONS[Role(role)]}
    for method, template, action in guarded_routes():
        if "{org}" not in template or method in ("PUT", "POST", "DELETE"):
            continue  # writes are checked below, one by one
        response = call(harness, method, fill(template, harness), role, params=CONFIDENTIAL)
        if action in allowed:
            assert response.status_code == 200, (role, template, response.text)
        else:
            assert response.status_code == 403, (role, template, response.status_code)
            assert response.json()["code"] == "CLR-A403"


def test_writes_need_their_roles(harness: Harness) -> None:
    new_policy = "/v1/orgs/example/policies/no-training-copy"
    body = POLICY_YAML.replace("policy: no-training", "policy: no-training-copy")
    yaml = {"content-type": "application/yaml"}
    for role in ("viewer", "router"):
        refused = harness.client.put(
            new_policy, content=body, headers={**yaml, **harness.auth(role)}
        )
        assert refused.status_code == 403, role
    created = harness.client.put(
        new_policy, content=body, headers={**yaml, **harness.auth("editor")}
    )
    assert created.status_code == 201, created.text
    for role in ("editor", "viewer", "router"):
        keys = harness.client.post(
            "/v1/orgs/example/keys", json={"role": "admin"}, headers=harness.auth(role)
        )
        assert keys.status_code == 403, role
    upload = body_for("POST", "/v1/catalog")
    assert (
        harness.client.post("/v1/catalog", headers=harness.auth("admin"), **upload).status_code
        == 403
    )
    assert (
        harness.client.post(  # one provider file replaces the catalog: removals are meant
            "/v1/catalog",
            headers=harness.auth("catalog"),
            params={"allow_removals": "true"},
            **upload,
        ).status_code
        == 200
    )
    imports = harness.client.get("/v1/audit", headers=harness.auth("catalog")).json()["entries"]
    assert [e["action"] for e in imports] == ["catalog.import", "catalog.import"]
    assert imports[-1]["actor"] == harness.ids["catalog"] and imports[0]["actor"] == "bootstrap"
    assert harness.client.get("/v1/audit", headers=harness.auth("router")).status_code == 403
    # the catalog admin acts on the catalog only: no org is visible to it
    assert (
        harness.client.get("/v1/orgs/example/policies", headers=harness.auth("catalog")).status_code
        == 404
    )


def test_keys_over_the_api_shown_once_and_revoked_at_once(harness: Harness) -> None:
    admin = harness.auth("admin")
    made = harness.client.post(
        "/v1/orgs/example/keys", json={"role": "router", "name": "ci"}, headers=admin
    )
    assert made.status_code == 201
    raw, key_id = made.json()["key"], made.json()["id"]
    assert raw.startswith("clr_") and key_id in raw and len(raw) >= 4 + 12 + 1 + 43
    router = {"Authorization": f"Bearer {raw}"}
    permitted = "/v1/orgs/example/policies/eu-confidential/permitted"
    assert harness.client.get(permitted, headers=router).status_code == 200
    listed = harness.client.get("/v1/orgs/example/keys", headers=admin)
    assert raw not in listed.text and key_id in listed.text
    assert (
        harness.client.delete(f"/v1/orgs/example/keys/{key_id}", headers=admin).status_code == 204
    )
    assert harness.client.get(permitted, headers=router).status_code == 401
    again = harness.client.delete(f"/v1/orgs/example/keys/{key_id}", headers=admin)
    assert again.status_code == 404
    # an admin cannot revoke another org's key through its own org's URL
    acme_key = harness.ids["acme"]
    assert (
        harness.client.delete(f"/v1/orgs/example/keys/{acme_key}", headers=admin).status_code == 404
    )
    assert (
        harness.client.get("/v1/orgs/acme/policies", headers=harness.auth("acme")).status_code
        == 200
    )


def test_raw_keys_are_nowhere_after_creation(harness: Harness, tmp_path: Path) -> None:
    admin = harness.auth("admin")
    made = harness.client.post(
        "/v1/orgs/example/keys", json={"role": "viewer"}, headers=admin
    ).json()
    raws = [*harness.keys.values(), made["key"]]
    responses = [
        harness.client.get("/v1/orgs/example/keys", headers=admin).text,
        harness.client.get("/v1/orgs/example/audit", headers=admin).text,
        harness.client.get("/metrics").text,
    ]
    dump = "\n".join(
        repr(row)
        for table in ("api_key", "audit_log", "store_state")
        for row in harness.store.engine.connect().execute(text(f"SELECT * FROM {table}"))
    )
    for raw in raws:
        secret = raw.split("_", 2)[2]
        assert all(secret not in r for r in responses)
        assert secret not in dump
        assert hashlib.sha256(raw.encode()).hexdigest() in dump  # only its digest is kept
    url = harness.store.url
    if url.startswith("sqlite"):
        files = Path(url.split("///", 1)[1]).parent.glob("*.db*")
        content = b"".join(p.read_bytes() for p in files)
        assert all(raw.split("_", 2)[2].encode() not in content for raw in raws)


def test_audit_log_records_every_write_with_its_actor(harness: Harness) -> None:
    admin = harness.auth("admin")
    path = "/v1/orgs/example/policies/no-training"
    etag = harness.client.get(path, headers=admin).headers["etag"]
    changed = POLICY_YAML.replace("description:", "description: changed,", 1)
    headers = {**admin, "content-type": "application/yaml", "if-match": etag}
    assert harness.client.put(path, content=changed, headers=headers).status_code == 200
    entries = harness.client.get("/v1/orgs/example/audit", headers=admin).json()["entries"]
    last = entries[-1]
    assert (last["actor"], last["action"], last["object"]) == (
        harness.ids["admin"],
        "policy.put",
        "policy/no-training",
    )
    assert last["old_digest"] == etag.strip('"') and last["new_digest"] != last["old_digest"]
    assert all(e["org"] == "example" for e in entries)
    actions = {e["action"] for e in entries}
    assert {"policy.put", "key.create"} <= actions
    assert [e["seq"] for e in entries] == sorted(e["seq"] for e in entries)
    after = harness.client.get(
        "/v1/orgs/example/audit", params={"after": last["seq"] - 1}, headers=admin
    )
    assert [e["seq"] for e in after.json()["entries"]] == [last["seq"]]
    count, _, broken = harness.store.verify_audit()
    assert broken is None and count >= len(entries) + 2  # + the catalog import and acme's key


def test_limits_body_size_unknown_fields_and_strict_yaml(harness: Harness) -> None:
    admin = harness.auth("admin")
    before = database_digest(harness.store)
    path = "/v1/orgs/example/policies/big"
    huge = b"a: " + b"x" * (1024 * 1024)
    too_big = harness.client.put(
        path, content=huge, headers={**admin, "content-type": "application/yaml"}
    )
    assert too_big.status_code == 413 and too_big.json()["code"] == "CLR-A413"

    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b"x" * 65536

    streamed = harness.client.post(
        "/v1/evaluate", content=chunks(), headers={**admin, "content-type": "application/json"}
    )
    assert streamed.status_code == 413
    extra = harness.client.post(
        "/v1/evaluate", json={"policy": POLICY_YAML, "org": "acme"}, headers=admin
    )
    assert extra.status_code == 422
    key_extra = harness.client.post(
        "/v1/orgs/example/keys", json={"role": "admin", "org": "acme"}, headers=admin
    )
    assert key_extra.status_code == 422
    anchors = "policy: x\norg: example\nbase: &b {training: forbidden}\n"
    yaml_bad = harness.client.put(
        "/v1/orgs/example/policies/x",
        content=anchors,
        headers={**admin, "content-type": "application/yaml"},
    )
    assert yaml_bad.status_code == 422 and yaml_bad.json()["code"].startswith("CLR-Y")
    other_org = POLICY_YAML.replace("org: example", "org: acme")
    renamed = harness.client.put(
        "/v1/orgs/example/policies/no-training-2",
        content=other_org,
        headers={**admin, "content-type": "application/yaml"},
    )
    assert renamed.status_code == 422  # org and name come from the URL, never the body
    assert database_digest(harness.store) == before


def test_rate_limit_answers_429_with_retry_after(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'r.db'}",
        seed_catalog=ROOT / "provider_catalog",
        seed_policies=ROOT / "policies",
        bootstrap_key_file=tmp_path / "admin.key",
        rate_limit=0.05,  # one token per 20 s: a slow machine cannot refill it mid-test
        rate_burst=3,
    )
    with TestClient(create_app(settings)) as client:
        headers = {"Authorization": f"Bearer {(tmp_path / 'admin.key').read_text().strip()}"}
        statuses = [
            client.get("/v1/orgs/example/policies", headers=headers).status_code for _ in range(5)
        ]
        assert statuses == [200, 200, 200, 429, 429]
        limited = client.get("/v1/orgs/example/policies", headers=headers)
        assert limited.json()["code"] == "CLR-A429"
        assert 1 <= int(limited.headers["retry-after"]) <= 20
        assert client.get("/healthz").status_code == 200  # public routes are not counted


def test_first_run_key_file_is_private_and_made_once(tmp_path: Path) -> None:
    key_file = tmp_path / "data" / "example-admin.key"
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'f.db'}",
        seed_catalog=ROOT / "provider_catalog",
        seed_policies=ROOT / "policies",
        bootstrap_key_file=key_file,
    )
    with TestClient(create_app(settings)) as client:
        assert key_file.stat().st_mode & 0o777 == 0o600
        key = key_file.read_text().strip()
        headers = {"Authorization": f"Bearer {key}"}
        assert client.get("/v1/orgs/example/keys", headers=headers).status_code == 200
    key_file.unlink()
    with TestClient(create_app(settings)):
        assert not key_file.exists()  # the store has keys: no second first-run key
