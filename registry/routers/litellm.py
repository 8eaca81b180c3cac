"""The LiteLLM view: every deployment a LiteLLM proxy can name, with its permitted flag.

Shape (version 1; docs/routers.md has an example):

    {"format": "litellm", "version": 1, "policy", "org", "data_class", "model", "as_of",
     "tag": "clearance:<data_class>",
     "prefixes": {"<litellm model prefix>": "<catalog provider id>"},
     "hosts": {"<api_base host>": {"provider": "<id>", "deployment": "<id>/<dep>" | null}},
     "providers": {"<id>": {"prefixes": [...], "deployments": [
         {"id": "<id>/<dep>", "regions": [...], "hosts": [...], "permitted": bool,
          "denied": ["<rule id>", ...]}]}}}

Providers are those with a LiteLLM prefix, a host alias or an OpenRouter slug; `regions` are
the lower-case cloud regions and the deployment id (what region keys match); `denied` only
when not permitted. `openrouter_slugs` maps each OpenRouter slug to the deployments it reaches
(added to version 1: an entry sent to OpenRouter reaches the upstreams it pins; a matcher that
finds no table treats every slug as unknown).
`registry.routers.litellm_match` reads it; the gate reads `litellm_index` (the same without
decisions), so both resolve a config entry the same way.
"""

from __future__ import annotations

from typing import Any

from registry.catalog.loader import Catalog
from registry.catalog.models import Provider
from registry.engine.decisions import Evaluation
from registry.policy.loader import ResolvedClass
from registry.routers.litellm_match import NOT_EVALUATED, VIEW_FORMAT, VIEW_VERSION
from registry.routers.openrouter import slug_targets


def tag_for(data_class: str) -> str:
    """The LiteLLM tag a permitted deployment carries for a data class."""
    return f"clearance:{data_class}"


def _deployments(provider: Provider) -> list[dict[str, Any]]:
    if not provider.deployments:  # the catalog's implicit `default` deployment
        return [{"id": f"{provider.id}/default", "regions": [], "hosts": []}]
    return [
        {
            "id": f"{provider.id}/{d.id}",
            "regions": sorted({*(r.lower() for r in d.cloud_regions), d.id}),
            "hosts": sorted({h.lower() for h in [*d.hosts, *d.aliases.hosts]}),
        }
        for d in provider.deployments
    ]


def _hosts(provider: Provider) -> dict[str, dict[str, str | None]]:
    """Host → provider and pinned deployment; a deployment's own host wins over the
    provider's alias for the same name. A host several deployments name (one endpoint
    serving two modes, e.g. a regional and a global scope) pins none of them: the matcher
    then takes every deployment that lists the host."""
    owners: dict[str, set[str]] = {}
    for dep in provider.deployments:
        for host in [*dep.hosts, *dep.aliases.hosts]:
            owners.setdefault(host.lower(), set()).add(f"{provider.id}/{dep.id}")
    hosts: dict[str, dict[str, str | None]] = {
        h.lower(): {"provider": provider.id, "deployment": None} for h in provider.aliases.hosts
    }
    for host, deps in owners.items():
        only = next(iter(deps)) if len(deps) == 1 else None
        hosts[host] = {"provider": provider.id, "deployment": only}
    return hosts


def litellm_index(catalog: Catalog) -> dict[str, Any]:
    """The view without decisions: how LiteLLM names map to catalog deployments."""
    prefixes: dict[str, str] = {}
    hosts: dict[str, dict[str, str | None]] = {}
    providers: dict[str, Any] = {}
    slugs = slug_targets(catalog)
    forwarded = {t.split("/", 1)[0] for ids in slugs.values() for t in ids}
    for provider in catalog.providers.values():
        reachable = _hosts(provider)
        if not provider.aliases.litellm and not reachable and provider.id not in forwarded:
            continue
        prefixes.update({p.lower(): provider.id for p in provider.aliases.litellm})
        hosts.update(reachable)
        providers[provider.id] = {
            "prefixes": sorted(p.lower() for p in provider.aliases.litellm),
            "deployments": _deployments(provider),
        }
    return {
        "format": VIEW_FORMAT,
        "version": VIEW_VERSION,
        "prefixes": prefixes,
        "hosts": hosts,
        "providers": providers,
        "openrouter_slugs": {slug: sorted(ids) for slug, ids in sorted(slugs.items())},
    }


def _decide(deployment: dict[str, Any], evaluation: Evaluation) -> None:
    decision = evaluation.decisions.get(deployment["id"])
    deployment["permitted"] = decision is not None and decision.permitted
    if decision is None:
        deployment["denied"] = [NOT_EVALUATED]
    elif not decision.permitted:
        deployment["denied"] = sorted({r.rule for r in decision.reasons}) or [NOT_EVALUATED]


def to_litellm(evaluation: Evaluation, catalog: Catalog, cls: ResolvedClass) -> dict[str, Any]:
    """The LiteLLM view of one evaluation (module doc): all reachable deployments, flagged.
    `cls` is unused: the view carries decisions, not the requirements behind them."""
    index = litellm_index(catalog)
    for provider in index["providers"].values():
        for deployment in provider["deployments"]:
            _decide(deployment, evaluation)
    header = {
        "format": index.pop("format"),
        "version": index.pop("version"),
        "policy": evaluation.policy,
        "org": evaluation.org,
        "data_class": evaluation.data_class,
        "model": evaluation.model,
        "as_of": evaluation.as_of.isoformat(),
        "tag": tag_for(evaluation.data_class),
    }
    return {**header, **index}
