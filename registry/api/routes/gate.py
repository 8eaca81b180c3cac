"""`POST /v1/orgs/{org}/gate`: manifests in, the gate report out (as `gate --format json`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from registry.api.access import requires
from registry.api.answers import GateAnswer
from registry.api.deps import StateDep, fresh_snapshot, org_catalog, today
from registry.api.problems import ProblemError
from registry.codes import Code
from registry.gate.check import check_entries
from registry.gate.manifests import manifest_entries
from registry.security.roles import Action
from registry.yamlload import load_text

router = APIRouter(tags=["decisions"])


class ManifestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=500, description="file name, for lines")]
    content: Annotated[str, Field(max_length=1024 * 1024, description="YAML or JSON text")]


class GateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
    data_class: str | None = None
    manifests: Annotated[list[ManifestIn], Field(min_length=1, max_length=100)]
    env: Annotated[
        dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")], str],
        Field(
            max_length=200,
            description="values of environment variables LiteLLM params name "
            "(os.environ/NAME, ${NAME}); send URLs and regions, never secrets",
        ),
    ] = {}


@router.post(
    "/v1/orgs/{org}/gate",
    response_model=GateAnswer,
    response_model_exclude_unset=True,
    openapi_extra=requires(Action.gate_run),
)
async def gate(org: str, request: GateRequest, state: StateDep) -> dict[str, Any]:
    """Check deploy manifests against one of the org's stored policies and the catalog as
    the org sees it (its attestations applied, SPEC §9)."""
    snapshot = fresh_snapshot(state)
    entry = snapshot.policies.get((org, request.policy))
    if entry is None:
        raise ProblemError(
            404,
            Code.A404,
            "Not found",
            f"no policy {request.policy!r} in org {org!r}",
            f"PUT it to /v1/orgs/{org}/policies/{request.policy} first",
        )
    catalog = org_catalog(snapshot, org)
    entries = [
        e
        for m in request.manifests
        for e in manifest_entries(load_text(m.content, m.name, manifest=True), catalog, request.env)
    ]
    report = check_entries(
        entry.loaded, catalog, entries, request.data_class, today(), state.engine
    )
    return {
        **report.to_json(),
        "store_revision": snapshot.generation,
        "policy_revision": entry.stored.content_hash,
        "policy_meaning_revision": entry.loaded.revision,  # as the CLI hashes a file
    }
