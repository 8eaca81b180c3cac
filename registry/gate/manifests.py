"""Deploy manifests, recognised by content (never by file name), read into gate entries.

- Clearance manifest: `kind: clearance/deployment` with `uses: [{provider, model,
  data_class}]`; `provider` is `provider` (any of its deployments) or `provider/deployment`.
- LiteLLM proxy config: `model_list:`; the provider from the `litellm_params.model` prefix or
  the `api_base` host (catalog aliases), the deployment from `aws_region_name`,
  `vertex_location`, `region_name` or a regional host — resolved by
  `registry.routers.litellm_match`, the module a LiteLLM hook uses, so both always agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError

from registry.catalog.facts import targets
from registry.catalog.loader import Catalog
from registry.codes import Code
from registry.errors import InputError, Problem
from registry.gate.includes import included_documents
from registry.gate.report import Entry
from registry.routers.litellm import litellm_index
from registry.routers.litellm_config import ConfigEntry, model_list_entries
from registry.routers.litellm_match import NO_ENV, resolve
from registry.routers.litellm_proxy import (
    ENDPOINT_KEYS,
    ProxySettings,
    from_config,
    merged_config,
)
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
        [Problem(Code.G001, message, remedy, doc.file, doc.line_of(path), render_path(path))]
    )


def read_manifest(path: Path, catalog: Catalog, env: Mapping[str, str] = NO_ENV) -> list[Entry]:
    """Entries of one manifest file (and the files it includes); InputError (exit 2) for
    anything that is not one. Anchors, aliases and merge keys are expanded (bounded)."""
    return manifest_entries(load_file(path, manifest=True), catalog, env, path)


def manifest_entries(
    doc: Document,
    catalog: Catalog,
    env: Mapping[str, str] = NO_ENV,
    location: Path | None = None,
) -> list[Entry]:
    """Entries of one loaded manifest (a file at `location`, or a body sent to the service,
    whose `include:` cannot be followed); `env` holds the values of environment variables
    that LiteLLM params name (`os.environ/NAME`)."""
    data = doc.data
    if isinstance(data, dict) and data.get("kind") == "clearance/deployment":
        return _clearance(doc, catalog)
    if isinstance(data, dict) and ("model_list" in data or "include" in data):
        return _litellm(doc, catalog, env, location)
    if isinstance(data, dict) and _looks_like_openrouter(data):
        from registry.gate.openrouter import openrouter_entries

        return openrouter_entries(doc, catalog)
    raise _invalid(
        doc,
        (),
        "not a deploy manifest Clearance recognises",
        "use a LiteLLM config (model_list:), an OpenRouter request or preset (model:, provider:) "
        "or a Clearance manifest (kind: clearance/deployment)",
    )


def _looks_like_openrouter(data: dict[str, Any]) -> bool:
    """A request or preset: a model, a list of fallback models, or provider preferences
    (OpenRouter's own `data_collection: deny` example has no model)."""
    return (
        isinstance(data.get("model"), str)
        or isinstance(data.get("models"), list)
        or isinstance(data.get("provider"), dict)
    )


def _provider_targets(catalog: Catalog, provider: str, model: str | None) -> tuple[str, ...]:
    return tuple(
        t.id for t in targets(catalog, model.lower() if model else None) if t.provider == provider
    )


def _clearance(doc: Document, catalog: Catalog) -> list[Entry]:
    try:
        manifest = ClearanceManifest.model_validate(doc.data)
    except ValidationError as err:
        raise InputError(problems_from_validation(err, doc, Code.G001, ClearanceManifest)) from None
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
                file=doc.file,
                line=doc.line_of(("uses", i)),
                kind="clearance",
                label=use.provider,
                provider=provider if provider in catalog.providers else None,
                targets=found,
                data_class=use.data_class,
                model=use.model,
                problem=problem,
                group=use.model,
            )
        )
    return entries


def _litellm_entry(
    entry: ConfigEntry, index: dict[str, Any], env: Mapping[str, str], settings: ProxySettings
) -> Entry:
    """One config entry resolved exactly as a LiteLLM hook resolves it (`litellm_match`)."""
    found = resolve(index, entry.params, env, settings)
    model = str(entry.params["model"])
    label = (
        model
        + (f" ({found.region})" if found.region else "")
        + (f" @ {found.host}" if found.host else "")
    )
    return Entry(
        file=entry.file,
        line=entry.line,
        kind="litellm",
        label=label,
        provider=found.provider,
        targets=found.candidates,
        data_class=None,
        problem=found.problem,
        group=entry.name,
        endpoint=_written_endpoint(entry.params, found.host),
        region=found.region,
    )


def _written_endpoint(params: Mapping[str, Any], host: str) -> str | None:
    """The endpoint URL as the entry writes it (not one read from the environment), so a
    compliant alternative can keep its path."""
    for key in ENDPOINT_KEYS:
        value = params.get(key)
        if host and isinstance(value, str) and host in value.lower():
            return value
    return None


def _litellm(
    doc: Document, catalog: Catalog, env: Mapping[str, str], location: Path | None
) -> list[Entry]:
    """Every entry of the config and of the files it includes (`includes`), with the
    proxy-wide settings of both (`litellm_proxy`); every bad entry of every file is
    reported, not only the first."""
    documents = [doc, *included_documents(doc, location)]
    entries: list[ConfigEntry] = []
    problems: list[Problem] = []
    for document in documents:
        found, bad = model_list_entries(document, Code.G001, required=False)
        entries.extend(found)
        problems.extend(bad)
    if not entries and not problems:
        problems.extend(model_list_entries(doc, Code.G001, required=True)[1])
    if problems:
        raise InputError(problems)
    settings, full_env = from_config(merged_config(d.data for d in documents), env)
    index = litellm_index(catalog)
    return [_litellm_entry(entry, index, full_env, settings) for entry in entries]
