"""Deploy manifests, recognised by content (never by file name), read into gate entries.

- Clearance manifest: `kind: clearance/deployment` with `uses: [{provider, model,
  data_class}]`; `provider` is `provider` (any of its deployments) or `provider/deployment`.
- LiteLLM proxy config: `model_list:`; the provider from the `litellm_params.model` prefix or
  the `api_base` host (catalog aliases), the deployment from `aws_region_name`,
  `vertex_location`, `region_name` or a regional host — resolved by
  `registry.routers.litellm_match`, the module a LiteLLM hook uses, so both always agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError

from registry.catalog.facts import targets
from registry.catalog.loader import Catalog
from registry.errors import InputError, Problem
from registry.gate.report import Entry
from registry.routers.litellm import litellm_index
from registry.routers.litellm_config import ConfigEntry, config_entries
from registry.routers.litellm_match import resolve
from registry.schema_types import StrictModel
from registry.validation import problems_from_validation
from registry.yamlload import Document, load_file, render_path


class Use(StrictModel):
    provider: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)?$")]
    model: str | None = None
    data_class: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$")] | None = None


class ClearanceManifest(StrictModel):
    kind: str
    name: str | None = None
    uses: Annotated[list[Use], Field(min_length=1)]


def _invalid(doc: Document, path: tuple[str | int, ...], message: str, remedy: str) -> InputError:
    return InputError(
        [Problem("CLR-G001", message, remedy, doc.file, doc.line_of(path), render_path(path))]
    )


def read_manifest(path: Path, catalog: Catalog) -> list[Entry]:
    """Entries of one manifest file; InputError (exit 2) for anything that is not one."""
    return manifest_entries(load_file(path), catalog)


def manifest_entries(doc: Document, catalog: Catalog) -> list[Entry]:
    """Entries of one loaded manifest (a file, or a body sent to the service)."""
    data = doc.data
    if isinstance(data, dict) and data.get("kind") == "clearance/deployment":
        return _clearance(doc, catalog)
    if isinstance(data, dict) and "model_list" in data:
        return _litellm(doc, catalog)
    if isinstance(data, dict) and isinstance(data.get("model"), str):
        from registry.gate.openrouter import openrouter_entries

        return openrouter_entries(doc, catalog)
    raise _invalid(
        doc,
        (),
        "not a deploy manifest Clearance recognises",
        "use a LiteLLM config (model_list:), an OpenRouter request or preset (model:, provider:) "
        "or a Clearance manifest (kind: clearance/deployment)",
    )


def _provider_targets(catalog: Catalog, provider: str, model: str | None) -> tuple[str, ...]:
    return tuple(
        t.id for t in targets(catalog, model.lower() if model else None) if t.provider == provider
    )


def _clearance(doc: Document, catalog: Catalog) -> list[Entry]:
    try:
        manifest = ClearanceManifest.model_validate(doc.data)
    except ValidationError as err:
        raise InputError(
            problems_from_validation(err, doc, "CLR-G001", ClearanceManifest)
        ) from None
    entries = []
    for i, use in enumerate(manifest.uses):
        provider, _, deployment = use.provider.partition("/")
        found = _provider_targets(catalog, provider, use.model)
        problem = None
        if provider not in catalog.providers:
            problem = f"unknown provider {provider!r}: not in the catalog"
            found = ()
        elif deployment:
            wanted = f"{provider}/{deployment}"
            if wanted not in {t.id for t in targets(catalog) if t.provider == provider}:
                problem = f"unknown deployment {wanted!r}"
            found = tuple(t for t in found if t == wanted)
        if problem is None and not found:
            problem = f"no deployment of {use.provider} offers model {use.model}"
        entries.append(
            Entry(
                doc.file,
                doc.line_of(("uses", i)),
                "clearance",
                use.provider,
                provider if provider in catalog.providers else None,
                found,
                use.data_class,
                use.model,
                problem,
                group=use.model,
            )
        )
    return entries


def _litellm_entry(doc: Document, entry: ConfigEntry, index: dict[str, Any]) -> Entry:
    """One config entry resolved exactly as a LiteLLM hook resolves it (`litellm_match`)."""
    found = resolve(index, entry.params)
    model = str(entry.params["model"])
    label = (
        model
        + (f" ({found.region})" if found.region else "")
        + (f" @ {found.host}" if found.host else "")
    )
    return Entry(
        doc.file,
        entry.line,
        "litellm",
        label,
        found.provider,
        found.candidates,
        None,
        None,
        found.problem,
        entry.name,
    )


def _litellm(doc: Document, catalog: Catalog) -> list[Entry]:
    index = litellm_index(catalog)
    return [_litellm_entry(doc, entry, index) for entry in config_entries(doc, "CLR-G001")]
