"""Schemathesis against the OpenAPI document a real `clearance serve` process serves.

Every operation gets at least 100 generated requests (schema-valid ones and, in a second
pass, schema-violating ones), sent authenticated — as example's admin, or as a
catalog-admin for catalog imports — with path parameters both generated and pinned to the
real org. Checks: no server error, responses (errors included: problem+json) match the
documented schema, status and content type. Generated requests rarely succeed (a random
policy name is not found), so a second test sends one known-good request per JSON operation
and checks its success body against the documented response model (issue 17).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import hypothesis.strategies as st
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.serveproc import ServeProcess, run_cli

CASES_PER_OPERATION = 100
PERMITTED = "/v1/orgs/{org}/policies/{name}/permitted"
EXPLAIN = "/v1/orgs/{org}/policies/{name}/explain/{provider}"
FAIL_CLOSED = {"CLR-A503", "CLR-A504"}  # stale / behind min_revision / no catalog


def only_fail_closed_server_errors(ctx: Any, response: Any, case: Any) -> bool | None:
    """No 500 ever; a 503 only as the documented fail-closed problem (e.g. a min_revision
    this replica has not reached, which schemathesis happily generates)."""
    if response.status_code < 500:
        return None
    try:
        code = json.loads(response.content).get("code")
    except ValueError:
        code = None
    assert response.status_code == 503 and code in FAIL_CLOSED, (
        f"server error {response.status_code}: {response.content[:300]!r}"
    )
    return None


CHECKS = [
    only_fail_closed_server_errors,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    base = tmp_path_factory.mktemp("fuzz")
    database = f"sqlite:///{base / 'fuzz.db'}"
    with ServeProcess(database, base / "logs", extra=("--rate-limit", "0")) as process:
        yield process


def _catalog_admin_key(server: ServeProcess) -> str:
    made = run_cli("keys", "create", "--catalog-admin", "--database", server.database_url)
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


def _strategy(operation: Any, mode: GenerationMode) -> Any:
    generated = operation.as_strategy(generation_mode=mode)
    names = {p.name for p in operation.path_parameters}
    if "org" not in names:
        return generated
    real_org = operation.as_strategy(generation_mode=mode, path_parameters={"org": "example"})
    return st.one_of(generated, real_org)


def _run(operation: Any, mode: GenerationMode, headers: dict[str, str], seen: Counter[str]) -> None:
    @settings(
        max_examples=CASES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_strategy(operation, mode))
    def check(case: Any) -> None:
        seen[operation.label] += 1
        response = case.call(headers=headers, timeout=30)
        case.validate_response(response, checks=CHECKS)

    try:
        check()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise
        # every input the schema allows is valid (e.g. a free-form string id): no negatives
    except Exception as err:
        raise AssertionError(f"{operation.label} ({mode.value}): {err}") from err


@pytest.mark.timeout(600)
def test_every_operation_survives_generated_requests(server: ServeProcess) -> None:
    schema = schemathesis.openapi.from_url(f"{server.base_url}/openapi.json")
    schema.config.base_url = server.base_url  # type: ignore[attr-defined]
    admin = {"Authorization": f"Bearer {server.api_key}"}
    catalog = {"Authorization": f"Bearer {_catalog_admin_key(server)}"}
    seen: Counter[str] = Counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 17
    for operation in operations:
        headers = catalog if operation.path == "/v1/catalog" else admin
        modes = [GenerationMode.POSITIVE]
        if _has_inputs(operation):  # nothing to violate otherwise
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:
            _run(operation, mode, headers, seen)
    thin = {label: n for label, n in seen.items() if n < CASES_PER_OPERATION}
    # operations without inputs have a handful of distinct requests; all others get 100+
    assert all(not _has_inputs(op) for op in operations if op.label in thin), thin
    assert "Traceback" not in Path(server.stderr_path).read_text()


def _has_inputs(operation: Any) -> bool:
    return bool(list(operation.iter_parameters())) or len(operation.body) > 0


# One request per JSON operation that must succeed, so the schema check sees a success body
# of every route (generated requests mostly get 4xx: a random policy name is not found).
SUCCESSES: list[tuple[str, str, dict[str, str], dict[str, str]]] = [
    ("GET", "/healthz", {}, {}),
    ("GET", "/readyz", {}, {}),
    ("GET", "/v1/providers", {}, {}),
    ("GET", "/v1/providers/{provider_id}", {"provider_id": "ionos"}, {}),
    ("POST", "/v1/catalog", {}, {}),
    ("GET", "/v1/orgs/{org}/policies", {}, {}),
    ("GET", "/v1/orgs/{org}/policies/{name}", {"name": "eu-confidential"}, {}),
    ("PUT", "/v1/orgs/{org}/policies/{name}", {"name": "typed-check"}, {}),
    ("GET", "/v1/orgs/{org}/policies/{name}/revisions", {"name": "typed-check"}, {}),
    ("PUT", "/v1/orgs/{org}/attestations/{name}", {"name": "vendor-reviews"}, {}),
    ("GET", "/v1/orgs/{org}/attestations", {}, {}),
    ("GET", "/v1/orgs/{org}/attestations/{name}", {"name": "vendor-reviews"}, {}),
    ("GET", "/v1/orgs/{org}/attestations/{name}/revisions", {"name": "vendor-reviews"}, {}),
    *[
        ("GET", PERMITTED, {"name": "no-training"}, {"format": fmt})
        for fmt in ("json", "openrouter", "litellm", "vercel")
    ],
    ("GET", PERMITTED, {"name": "eu-confidential"}, {"data_class": "confidential"}),
    ("GET", EXPLAIN, {"name": "eu-confidential", "provider": "google-vertex"}, {}),
    (
        "GET",
        EXPLAIN + "/{deployment}",
        {"name": "eu-confidential", "provider": "ionos", "deployment": "de-txl"},
        {},
    ),
    ("POST", "/v1/evaluate", {}, {}),
    ("POST", "/v1/orgs/{org}/gate", {}, {}),
    ("GET", "/v1/orgs/{org}/keys", {}, {}),
    ("POST", "/v1/orgs/{org}/keys", {}, {}),
    ("GET", "/v1/orgs/{org}/audit", {}, {}),
    ("GET", "/v1/audit", {}, {}),
]
CREATE_YAML = {"Content-Type": "application/yaml", "If-None-Match": "*"}
NOT_JSON = {("GET", "/metrics"), ("DELETE", "/v1/orgs/{org}/keys/{key_id}")}


def _request_body(method: str, path: str) -> dict[str, Any]:
    """The body (and its Content-Type) of a request that succeeds, for the writes."""
    root = Path(__file__).resolve().parents[3]  # tests/registry/api/ -> the repository
    if path == "/v1/catalog":
        files = sorted((root / "provider_catalog" / "providers").glob("*.yaml"))
        return {"json": {"providers": [{"name": f.name, "content": f.read_text()} for f in files]}}
    if path == "/v1/evaluate":
        return {"json": {"policy": (root / "policies" / "no-training.yaml").read_text()}}
    if path == "/v1/orgs/{org}/gate":
        config = root / "examples" / "litellm_proxy" / "config.yaml"
        manifest = {"name": "config.yaml", "content": config.read_text()}
        return {"json": {"policy": "eu-confidential", "manifests": [manifest]}}
    if path == "/v1/orgs/{org}/keys" and method == "POST":
        return {"json": {"role": "viewer", "name": "typed-check"}}
    if path.endswith("/policies/{name}") and method == "PUT":
        text = (
            "policy: typed-check\norg: example\ndefault_data_class: internal\n"
            "data_classes:\n  internal:\n    training: forbidden\n"
        )
        return {"content": text, "headers": CREATE_YAML}
    if path.endswith("/attestations/{name}") and method == "PUT":
        text = (root / "examples" / "attestations" / "vendor-reviews.yaml").read_text()
        return {"content": text, "headers": CREATE_YAML}
    return {}


def test_every_success_body_matches_its_documented_schema(server: ServeProcess) -> None:
    """Issue 17: each JSON operation answered 2xx to a known-good request, and schemathesis
    validates that body against the operation's documented success schema (the response
    models); a model that stops matching what its route serves fails here."""
    schema = schemathesis.openapi.from_url(f"{server.base_url}/openapi.json")
    schema.config.base_url = server.base_url  # type: ignore[attr-defined]
    operations = {
        (op.method.upper(), op.path): op for op in (r.ok() for r in schema.get_all_operations())
    }
    assert set(operations) - NOT_JSON == {(m, p) for m, p, _, _ in SUCCESSES}
    keys = {"/v1/catalog": _catalog_admin_key(server)}
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        for method, path, params, query in SUCCESSES:
            path_parameters = {"org": "example", **params} if "{org}" in path else params
            request = _request_body(method, path)
            headers = {
                "Authorization": f"Bearer {keys.get(path, server.api_key)}",
                **request.pop("headers", {}),
            }
            response = client.request(
                method, path.format(**path_parameters), params=query, headers=headers, **request
            )
            assert 200 <= response.status_code < 300, (method, path, response.text[:300])
            case = operations[(method, path)].Case(path_parameters=path_parameters, query=query)
            case.validate_response(response, checks=CHECKS)
