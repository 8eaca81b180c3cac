"""An org's API keys (admin role): list, create (the raw key is in this answer only),
revoke. Keys of other orgs are never visible: the middleware answers 404 first."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from registry.api.access import requires
from registry.api.deps import PrincipalDep, StateDep
from registry.api.problems import ProblemError
from registry.api.records import KeyCreated, KeyList
from registry.codes import Code
from registry.security.roles import Action
from registry.store.access import KeyInfo

router = APIRouter(prefix="/v1/orgs/{org}/keys", tags=["keys"])


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Annotated[str, Field(pattern=r"^(admin|editor|viewer|router)$")]
    name: Annotated[str, Field(max_length=100)] = ""


@router.get("", response_model=KeyList, openapi_extra=requires(Action.key_read))
async def list_keys(org: str, state: StateDep) -> dict[str, Any]:
    keys = await run_in_threadpool(state.store.list_keys, org)
    return {"org": org, "keys": [k.to_json() for k in keys]}


@router.post(
    "", status_code=201, response_model=KeyCreated, openapi_extra=requires(Action.key_write)
)
async def create_key(
    org: str, body: KeyCreate, state: StateDep, caller: PrincipalDep
) -> dict[str, Any]:
    """A new key for this org; `key` is shown here once and stored only as a digest."""

    def write() -> tuple[KeyInfo, str]:
        created = state.store.create_key(org, body.role, body.name, actor=caller.key_id)
        state.holder.refresh()  # served at once: the key works on its first request
        return created

    info, raw = await state.writer.run(write)
    return {**info.to_json(), "key": raw}


@router.delete(
    "/{key_id}", status_code=204, response_class=Response, openapi_extra=requires(Action.key_write)
)
async def revoke_key(org: str, key_id: str, state: StateDep, caller: PrincipalDep) -> Response:
    """Revoke a key of this org at once (on other replicas within the poll interval)."""

    def write() -> KeyInfo | None:
        revoked = state.store.revoke_key(key_id, actor=caller.key_id, org=org)
        state.holder.refresh()  # refused from the next request on
        return revoked

    revoked = await state.writer.run(write)
    if revoked is None:
        raise ProblemError(
            404,
            Code.A404,
            "Not found",
            f"no active key {key_id!r} in org {org!r}",
            f"list keys at /v1/orgs/{org}/keys",
        )
    return Response(status_code=204)
