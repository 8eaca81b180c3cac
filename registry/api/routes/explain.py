"""`explain` (every requirement of one provider or deployment, with facts and evidence)
and `evaluate` (an inline policy, nothing stored), from the in-memory snapshot."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from registry.api.access import requires
from registry.api.answers import EvaluateAnswer, ExplainAnswer
from registry.api.deps import AppState, StateDep, catalog_of, fresh_snapshot, policy_entry, today
from registry.engine.explain import explain as explain_targets
from registry.policy.loader import load_policy_text
from registry.security.roles import Action

router = APIRouter(tags=["decisions"])
POLICY = "/v1/orgs/{org}/policies/{name}"


async def _explain(
    org: str,
    name: str,
    target: str,
    state: AppState,
    data_class: str | None,
    model: str | None,
    min_revision: int | None,
) -> dict[str, Any]:
    snapshot = fresh_snapshot(state, min_revision)
    entry, catalog = policy_entry(snapshot, org, name)
    items = explain_targets(state.engine, entry.loaded, catalog, target, data_class, model, today())
    state.metrics.decisions.labels("explain", "ok").inc()
    return {
        "policy": name,
        "org": org,
        "store_revision": snapshot.generation,
        "policy_revision": entry.stored.content_hash,
        "policy_meaning_revision": entry.loaded.revision,
        "catalog_revision": catalog.revision,
        "attestations_revision": catalog.attestations_revision,
        "permitted": all(i.decision.permitted for i in items),
        "targets": [i.to_json() for i in items],
    }


@router.get(
    POLICY + "/explain/{provider}",
    response_model=ExplainAnswer,
    response_model_exclude_unset=True,
    openapi_extra=requires(Action.decision_read),
)
async def explain_provider(
    org: str,
    name: str,
    provider: str,
    state: StateDep,
    data_class: str | None = None,
    model: str | None = None,
    min_revision: int | None = None,
) -> dict[str, Any]:
    """Every requirement for every deployment of a provider."""
    return await _explain(org, name, provider, state, data_class, model, min_revision)


@router.get(
    POLICY + "/explain/{provider}/{deployment}",
    response_model=ExplainAnswer,
    response_model_exclude_unset=True,
    openapi_extra=requires(Action.decision_read),
)
async def explain_deployment(
    org: str,
    name: str,
    provider: str,
    deployment: str,
    state: StateDep,
    data_class: str | None = None,
    model: str | None = None,
    min_revision: int | None = None,
) -> dict[str, Any]:
    """Every requirement for one deployment: pass/fail/waived with facts and evidence."""
    return await _explain(
        org, name, f"{provider}/{deployment}", state, data_class, model, min_revision
    )


class EvaluateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy: str = Field(
        description="the policy document, YAML or JSON text", max_length=1024 * 1024
    )
    data_class: str | None = None
    model: str | None = None


@router.post(
    "/v1/evaluate",
    response_model=EvaluateAnswer,
    response_model_exclude_unset=True,
    openapi_extra=requires(Action.evaluate),
)
async def evaluate(request: EvaluateRequest, state: StateDep) -> dict[str, Any]:
    """Evaluate an inline policy against the current catalog (nothing is stored)."""
    snapshot = fresh_snapshot(state)
    catalog = catalog_of(snapshot)
    policy = load_policy_text(request.policy, "<request>")
    result = state.engine.evaluate(policy, catalog, request.data_class, request.model, today())
    return {**result.to_json(), "store_revision": snapshot.generation}
