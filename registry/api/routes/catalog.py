"""`POST /v1/catalog`: a catalog-admin uploads provider files; all or nothing."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from registry.api.access import requires
from registry.api.deps import PrincipalDep, StateDep
from registry.catalog.loader import catalog_from_texts
from registry.security.roles import Action

router = APIRouter(tags=["catalog"])


class ProviderFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}\.ya?ml$")]
    # maxLength in the schema, checked by the loader (CLR-Y002): pydantic's own max_length
    # refuses a string with lone surrogates (invalid UTF-8) as CLR-R422 before the loader
    # can name the file and line as the CLI does (CLR-Y010)
    content: Annotated[str, Field(json_schema_extra={"maxLength": 1024 * 1024})]


class CatalogUpload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    providers: Annotated[list[ProviderFile], Field(min_length=1, max_length=1000)]


@router.post("/v1/catalog", openapi_extra=requires(Action.catalog_import))
async def import_catalog(
    upload: CatalogUpload, state: StateDep, caller: PrincipalDep
) -> dict[str, Any]:
    """Validate every file (422 listing each problem, nothing stored), then make the
    catalog the active revision; an unchanged catalog adds nothing."""
    files = {f.name: f.content for f in upload.providers}
    catalog = await run_in_threadpool(catalog_from_texts, "upload", files)
    result = await run_in_threadpool(
        lambda: state.store.import_catalog(catalog, actor=caller.key_id)
    )
    await run_in_threadpool(state.holder.refresh)
    return {"revision": result.revision, "created": result.created, "providers": result.providers}
