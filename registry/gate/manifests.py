"""Deploy manifests, recognised by content (never by file name), read into gate entries.

- Clearance manifest: `kind: clearance/deployment` with `uses: [{provider, model,
  data_class}]`; `provider` is `provider` (any of its deployments) or `provider/deployment`.
- LiteLLM proxy config: `model_list:`; the provider from the `litellm_params.model` prefix or
  the `api_base` host (catalog aliases), the deployment from `aws_region_name`,
  `vertex_location`, `region_name` or a regional host.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlparse

from pydantic import Field, ValidationError

from registry.catalog.facts import targets
from registry.catalog.loader import Catalog
from registry.errors import InputError, Problem
from registry.gate.report import Entry
from registry.schema_types import StrictModel
from registry.validation import problems_from_validation
from registry.yamlload import Document, load_file, render_path

REGION_KEYS = ("aws_region_name", "vertex_location", "region_name")


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


def _alias_maps(catalog: Catalog) -> tuple[dict[str, str], dict[str, tuple[str, str | None]]]:
    prefixes: dict[str, str] = {}
    hosts: dict[str, tuple[str, str | None]] = {}
    for provider in catalog.providers.values():
        for prefix in provider.aliases.litellm:
            prefixes[prefix.lower()] = provider.id
        for host in provider.aliases.hosts:
            hosts[host.lower()] = (provider.id, None)
        for dep in provider.deployments:
            for host in [*dep.hosts, *dep.aliases.hosts]:
                hosts[host.lower()] = (provider.id, f"{provider.id}/{dep.id}")
    return prefixes, hosts


def _litellm_entry(
    doc: Document,
    i: int,
    item: Any,
    catalog: Catalog,
    maps: tuple[dict[str, str], dict[str, tuple[str, str | None]]],
) -> Entry:
    where = ("model_list", i)
    params = item.get("litellm_params") if isinstance(item, dict) else None
    if not isinstance(params, dict) or not isinstance(params.get("model"), str):
        raise _invalid(
            doc,
            where,
            "a model_list entry needs litellm_params.model (a string)",
            "write litellm_params: {model: provider/model-name}",
        )
    model: str = params["model"]
    prefixes, hosts = maps
    host = urlparse(str(params.get("api_base") or "")).hostname or ""
    provider = prefixes.get(model.split("/", 1)[0].lower()) if "/" in model else None
    pinned = hosts.get(host.lower())
    if provider is None and pinned is not None:
        provider = pinned[0]
    region = next((str(params[k]) for k in REGION_KEYS if params.get(k)), None)
    label = model + (f" ({region})" if region else "") + (f" @ {host}" if host else "")
    line = doc.line_of((*where, "litellm_params", "model"))
    group = str(item.get("model_name") or model)
    if provider is None:
        return Entry(
            doc.file,
            line,
            "litellm",
            label,
            None,
            (),
            None,
            None,
            f"unknown provider for {model!r}: no catalog alias matches its prefix or api_base host",
            group,
        )
    found = _provider_targets(catalog, provider, None)
    problem = None
    if pinned is not None and pinned[0] == provider and pinned[1] is not None:
        found = (pinned[1],)
    elif region is not None:
        matching = tuple(d for d in _deployments_in_region(catalog, provider, region))
        if not matching:
            problem = f"{provider} has no deployment in region {region!r} in the catalog"
        found = matching
    return Entry(doc.file, line, "litellm", label, provider, found, None, None, problem, group)


def _deployments_in_region(catalog: Catalog, provider: str, region: str) -> list[str]:
    deployments = catalog.providers[provider].deployments
    return [
        f"{provider}/{d.id}"
        for d in deployments
        if region.lower() in {r.lower() for r in d.cloud_regions} or region.lower() == d.id
    ]


def _litellm(doc: Document, catalog: Catalog) -> list[Entry]:
    items = doc.data.get("model_list")
    if not isinstance(items, list) or not items:
        raise _invalid(
            doc,
            ("model_list",),
            "model_list must be a non-empty list",
            "list the proxy's deployments under model_list:",
        )
    maps = _alias_maps(catalog)
    return [_litellm_entry(doc, i, item, catalog, maps) for i, item in enumerate(items)]
