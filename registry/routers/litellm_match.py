"""Decide whether one LiteLLM deployment is permitted, from a Clearance LiteLLM view.

Standard library only: a LiteLLM Router hook imports this module and the view it reads comes
from `clearance allowed --format litellm` or `GET …/permitted?format=litellm`. The CI gate
(`registry.gate.manifests`) resolves LiteLLM config entries with `resolve` too, so the gate
and a router can never disagree about which deployments an entry may reach.

Resolution of one deployment's `litellm_params`: its `model`, the host of `base_url` or else
`api_base` (LiteLLM's own order; "`api_base` host" below), and its region keys.

1. provider: the provider of a known `api_base` host (`view["hosts"]`, exact names first,
   then `*.suffix` patterns such as Azure's per-customer `*.openai.azure.com`: LiteLLM
   sends the prompt to that host whatever the prefix), else that of the `model` prefix
   (`bedrock/…`, `view["prefixes"]`) when there is no `api_base`. An `api_base` host the
   catalog does not know resolves to nothing (`openai/…` pointed at a self-hosted server is
   not OpenAI: where the prompt goes is unknown);
2. deployments: the one a regional `api_base` host pins; else, of those that list the
   `api_base` host (all of the provider's when none does), those whose `regions` hold the
   first region key that is set (`REGION_KEYS`), or all of them when no key is set.

An entry is permitted only if it resolves to at least one deployment and every one of them is
permitted in the view. Anything unknown, malformed or missing denies: fail closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

VIEW_FORMAT = "litellm"
VIEW_VERSION = 1
REGION_KEYS = ("aws_region_name", "vertex_location", "region_name")
NOT_EVALUATED = "gate.unresolved"  # the rule id of a deployment the view has no decision for


class ViewError(ValueError):
    """The view is not a Clearance LiteLLM view this module understands: deny everything."""


@dataclass(frozen=True)
class Resolution:
    """The deployments one LiteLLM deployment may reach, or why it reaches none."""

    provider: str | None
    candidates: tuple[str, ...]
    region: str | None
    host: str
    problem: str | None = None


@dataclass(frozen=True)
class Verdict:
    """Permitted or not, and why: the rule ids of every denied candidate deployment."""

    permitted: bool
    resolution: Resolution
    denied: Mapping[str, tuple[str, ...]]

    @property
    def reasons(self) -> tuple[str, ...]:
        """One human-readable reason per problem or denied deployment (empty if permitted)."""
        if self.resolution.problem is not None:
            return (self.resolution.problem,)
        if not self.permitted and not self.denied:
            return ("it resolves to no deployment",)
        return tuple(f"{t} denied by {', '.join(rules)}" for t, rules in self.denied.items())


def check_view(view: Any) -> None:
    """Raise ViewError unless `view` has the shape this module reads."""
    if not isinstance(view, Mapping) or view.get("format") != VIEW_FORMAT:
        raise ViewError("not a Clearance LiteLLM view (format must be 'litellm')")
    if view.get("version") != VIEW_VERSION:
        raise ViewError(f"view version {view.get('version')!r} is not {VIEW_VERSION}")
    for key in ("prefixes", "hosts", "providers"):
        if not isinstance(view.get(key), Mapping):
            raise ViewError(f"view[{key!r}] must be an object")


def _host(params: Mapping[str, Any]) -> str | None:
    """The lower-case host LiteLLM calls ("" without one, None when it is not a URL):
    `base_url`, which LiteLLM prefers, else `api_base`."""
    try:
        url = str(params.get("base_url") or params.get("api_base") or "")
        return (urlparse(url).hostname or "").lower()
    except ValueError:
        return None


def _known_host(view: Mapping[str, Any], host: str) -> Mapping[str, Any] | None:
    """The view's entry for a host: its exact name, else the longest `*.suffix` covering it."""
    hosts = view["hosts"]
    exact = hosts.get(host)
    if isinstance(exact, Mapping):
        return exact
    patterns = [k for k in hosts if isinstance(k, str) and k.startswith("*.")]
    covering = [k for k in patterns if host.endswith(k[1:]) and len(host) > len(k) - 1]
    found = hosts[max(covering, key=len)] if covering else None
    return found if isinstance(found, Mapping) else None


def _deployments(view: Mapping[str, Any], provider: str) -> list[Mapping[str, Any]]:
    entry = view["providers"].get(provider)
    found = entry.get("deployments") if isinstance(entry, Mapping) else None
    return [d for d in found if isinstance(d, Mapping)] if isinstance(found, list) else []


def _in_region(deployments: list[Mapping[str, Any]], region: str) -> tuple[str, ...]:
    wanted = region.lower()
    return tuple(
        str(d.get("id"))
        for d in deployments
        if isinstance(d.get("regions"), list) and wanted in d["regions"]
    )


def _provider(view: Mapping[str, Any], model: str, pinned: Mapping[str, Any] | None) -> Any:
    """The provider a known `api_base` host names (LiteLLM sends the prompt there, whatever
    the prefix says: `openai/…` with another provider's host reaches that provider), else
    the provider of the `model` prefix."""
    if pinned is not None:
        return pinned.get("provider")
    prefix = model.split("/", 1)[0].lower() if "/" in model else None
    return view["prefixes"].get(prefix) if prefix is not None else None


def resolve(view: Mapping[str, Any], params: Mapping[str, Any]) -> Resolution:
    """The provider and candidate deployments of one `litellm_params` (see module doc)."""
    check_view(view)
    model = params.get("model")
    region = next((str(params[k]) for k in REGION_KEYS if params.get(k)), None)
    host = _host(params)
    if host is None:
        url = params.get("base_url") or params.get("api_base")
        return Resolution(None, (), region, "", f"api_base {url!r} is not a URL")
    if not isinstance(model, str):
        return Resolution(None, (), region, host, "litellm_params.model is not a string")
    pinned = _known_host(view, host) if host else None
    if host and pinned is None:
        problem = f"api_base host {host!r} is not in the catalog: where the prompt goes is unknown"
        return Resolution(None, (), region, host, problem)
    provider = _provider(view, model, pinned)
    if not isinstance(provider, str):
        problem = (
            f"unknown provider for {model!r}: no catalog alias matches its prefix or api_base host"
        )
        return Resolution(None, (), region, host, problem)
    if pinned is not None and pinned.get("deployment"):
        return Resolution(provider, (str(pinned["deployment"]),), region, host)
    deployments = _deployments(view, provider)
    listing = [d for d in deployments if isinstance(d.get("hosts"), list) and host in d["hosts"]]
    deployments = listing or deployments
    if region is not None:
        matching = _in_region(deployments, region)
        missing = f"{provider} has no deployment in region {region!r} in the catalog"
        return Resolution(provider, matching, region, host, None if matching else missing)
    return Resolution(provider, tuple(sorted(str(d.get("id")) for d in deployments)), region, host)


def _rules(deployment: Mapping[str, Any] | None) -> tuple[str, ...]:
    """() when permitted, else the rule ids that deny it."""
    if deployment is None:
        return (NOT_EVALUATED,)
    if deployment.get("permitted") is True:
        return ()
    denied = deployment.get("denied")
    rules = tuple(str(r) for r in denied) if isinstance(denied, list) else ()
    return rules or (NOT_EVALUATED,)


def decide(view: Mapping[str, Any], params: Mapping[str, Any]) -> Verdict:
    """Permitted iff the deployment resolves to at least one deployment, all permitted."""
    found = resolve(view, params)
    by_id = {
        str(d.get("id")): d for d in _deployments(view, found.provider or "") if found.provider
    }
    denied = {t: rules for t in found.candidates if (rules := _rules(by_id.get(t)))}
    permitted = found.problem is None and bool(found.candidates) and not denied
    return Verdict(permitted, found, denied)
