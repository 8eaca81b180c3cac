"""`POST /v1/catalog`: a catalog-admin uploads provider files; all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from registry.api.access import requires
from registry.api.deps import PrincipalDep, StateDep
from registry.api.records import Imported
from registry.catalog.loader import Catalog, catalog_from_texts
from registry.catalog.seal import check, public_key
from registry.security.roles import Action
from registry.store.repository import ImportResult

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
    # the bundle's seal (catalog.manifest.json and catalog.manifest.sig as text): checked
    # against the uploaded providers/ files when given, required with --catalog-verify-key
    manifest: Annotated[str | None, Field(max_length=1024 * 1024)] = None
    signature: Annotated[str | None, Field(max_length=1000)] = None


def check_seal(upload: CatalogUpload, catalog: Catalog, verify_key: Path | None) -> None:
    """The upload's seal, when it has one or the server requires a signed one (422)."""
    if upload.manifest is None and verify_key is None:
        return
    check(
        "upload",
        None if upload.manifest is None else upload.manifest.encode(),
        upload.signature,
        {f"providers/{f.name}": f.content.encode() for f in upload.providers},
        catalog,
        None if verify_key is None else public_key(verify_key),
        scope=("providers",),
    )


@router.post(
    "/v1/catalog",
    response_model=Imported,
    responses={409: {"description": "the import would remove providers or deployments"}},
    openapi_extra=requires(Action.catalog_import),
)
async def import_catalog(
    upload: CatalogUpload,
    state: StateDep,
    caller: PrincipalDep,
    allow_removals: Annotated[bool, Query()] = False,
) -> Imported:
    """Validate every file (422 listing each problem, nothing stored), then make the
    catalog the active revision; an unchanged catalog adds nothing. A `manifest` (and
    `signature`) is checked against the uploaded files (422 `CLR-C011`/`CLR-C012`); a server
    started with --catalog-verify-key refuses uploads without a matching signature. A
    catalog that drops providers or deployments of the active revision is refused (409
    `CLR-C010` listing them, nothing stored) unless `?allow_removals=true`."""
    files = {f.name: f.content for f in upload.providers}
    catalog = await run_in_threadpool(catalog_from_texts, "upload", files)
    await run_in_threadpool(check_seal, upload, catalog, state.settings.catalog_verify_key)

    def write() -> ImportResult:
        imported = state.store.import_catalog(
            catalog, actor=caller.key_id, allow_removals=allow_removals
        )
        state.holder.refresh()
        return imported

    result = await state.writer.run(write)
    return Imported(revision=result.revision, created=result.created, providers=result.providers)
