"""Decide whether one LiteLLM deployment is permitted, from a Clearance LiteLLM view.

Standard library only: a LiteLLM Router hook imports this module and the view it reads comes
from `clearance allowed --format litellm` or `GET …/permitted?format=litellm`. The CI gate
(`registry.gate.manifests`) resolves LiteLLM config entries with `resolve` too, so the gate
and a router can never disagree about which deployments an entry may reach.

Resolution of one deployment's `litellm_params`, read by `litellm_params.read_params` (the
provider prefix, the endpoint's host, the region and a Bedrock inference profile, with the
environment the caller knows):

1. provider: the provider of a known endpoint host (`view["hosts"]`, exact names first,
   then `*.suffix` patterns such as Azure's per-customer `*.openai.azure.com`: LiteLLM
   sends the prompt to that host whatever the prefix), else that of the provider prefix
   (`bedrock/…`, `view["prefixes"]`) when there is no endpoint. An endpoint host the
   catalog does not know resolves to nothing (`openai/…` pointed at a self-hosted server is
   not OpenAI: where the prompt goes is unknown);
2. deployments: the one a regional host pins; else, of those that list the host (all of
   the provider's when none does), those whose `regions` hold the region asked for, or all
   of them when none is asked for;
3. a Bedrock cross-region inference profile (`us.…`) adds the deployment of that geography
   (`regions` holds `us`): the request enters in its source Region and is then routed
   across the geography's Regions. A geography the catalog does not model resolves to
   nothing;
4. an entry sent to OpenRouter (the provider of the `openrouter` prefix, by prefix or host)
   adds the upstream deployments its `extra_body.provider` preferences pin
   (`litellm_openrouter`); unpinned, it resolves to nothing.

A field that cannot be read (an environment variable without a value, a URL without a host)
resolves to nothing. An entry is permitted only if it resolves to at least one deployment
and every one of them is permitted in the view. Anything unknown, malformed or missing
denies: fail closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from registry.routers.litellm_openrouter import upstream
from registry.routers.litellm_params import BEDROCK, Read, read_params
from registry.routers.litellm_proxy import NO_SETTINGS, ProxySettings

VIEW_FORMAT = "litellm"
VIEW_VERSION = 1
NO_ENV: Mapping[str, str] = {}
OPENROUTER = "openrouter"  # LiteLLM's prefix for OpenRouter, an aggregator (step 4)
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


def _deployments(view: Mapping[str, Any], provider: str) -> list[dict[str, Any]]:
    """A provider's deployments in the view (JSON objects: plain dicts, checked as such —
    the abstract Mapping check costs a third of a decision on the hook's hot path)."""
    entry = view["providers"].get(provider)
    found = entry.get("deployments") if isinstance(entry, dict) else None
    return [d for d in found if isinstance(d, dict)] if isinstance(found, list) else []


def _in_region(deployments: list[dict[str, Any]], region: str) -> tuple[str, ...]:
    wanted = region.lower()
    return tuple(
        str(d.get("id"))
        for d in deployments
        if isinstance(d.get("regions"), list) and wanted in d["regions"]
    )


def _provider(view: Mapping[str, Any], read: Read, pinned: Mapping[str, Any] | None) -> Any:
    """The provider a known endpoint host names (LiteLLM sends the prompt there, whatever
    the prefix says: `openai/…` with another provider's host reaches that provider), else
    the provider of the prefix."""
    if pinned is not None:
        return pinned.get("provider")
    return view["prefixes"].get(read.prefix) if read.prefix is not None else None


def _regional(
    view: Mapping[str, Any], provider: str, read: Read, pinned: Mapping[str, Any] | None
) -> tuple[tuple[str, ...], str | None]:
    """Steps 2 and 3 of the module doc: (candidates, problem)."""
    if pinned is not None and pinned.get("deployment"):
        found: tuple[str, ...] = (str(pinned["deployment"]),)
    else:
        deployments = _deployments(view, provider)
        listing = [
            d for d in deployments if isinstance(d.get("hosts"), list) and read.host in d["hosts"]
        ]
        deployments = listing or deployments
        if read.region is not None:
            found = _in_region(deployments, read.region)
            if not found:
                return (), f"{provider} has no deployment in region {read.region!r} in the catalog"
        else:
            found = tuple(sorted(str(d.get("id")) for d in deployments))
    if read.profile is None or view["prefixes"].get(BEDROCK) != provider:
        return found, None
    profile = _in_region(_deployments(view, provider), read.profile)
    if not profile:
        return (), (
            f"Bedrock cross-region inference profile {read.profile!r} routes across Regions "
            "the catalog does not model"
        )
    return tuple(sorted({*found, *profile})), None


def resolve(
    view: Mapping[str, Any],
    params: Mapping[str, Any],
    env: Mapping[str, str] = NO_ENV,
    settings: ProxySettings = NO_SETTINGS,
) -> Resolution:
    """The provider and candidate deployments of one `litellm_params` (see module doc);
    `env` is the environment `os.environ/NAME` and `${NAME}` values are read from, `settings`
    the proxy-wide settings that move prompts (`litellm_proxy`)."""
    check_view(view)
    read = read_params(params, env, settings)
    if read.problem is not None:
        return Resolution(None, (), read.region, read.host, read.problem)
    pinned = _known_host(view, read.host) if read.host else None
    if read.host and pinned is None:
        problem = (
            f"endpoint host {read.host!r} is not in the catalog: where the prompt goes is unknown"
        )
        return Resolution(None, (), read.region, read.host, problem)
    provider = _provider(view, read, pinned)
    if not isinstance(provider, str):
        problem = (
            f"unknown provider for {read.model!r}: no catalog alias matches its prefix or "
            "endpoint host"
        )
        return Resolution(None, (), read.region, read.host, problem)
    found, missing = _regional(view, provider, read, pinned)
    if missing is None and view["prefixes"].get(OPENROUTER) == provider:
        forwarded, missing = upstream(view, params, read.model)
        found = () if missing else tuple(sorted({*found, *forwarded}))
    return Resolution(provider, found, read.region, read.host, missing)


def _rules(deployment: Mapping[str, Any] | None) -> tuple[str, ...]:
    """() when permitted, else the rule ids that deny it."""
    if deployment is None:
        return (NOT_EVALUATED,)
    if deployment.get("permitted") is True:
        return ()
    denied = deployment.get("denied")
    rules = tuple(str(r) for r in denied) if isinstance(denied, list) else ()
    return rules or (NOT_EVALUATED,)


def decide(
    view: Mapping[str, Any],
    params: Mapping[str, Any],
    env: Mapping[str, str] = NO_ENV,
    settings: ProxySettings = NO_SETTINGS,
) -> Verdict:
    """Permitted iff the deployment resolves to at least one deployment, all permitted."""
    found = resolve(view, params, env, settings)
    owners = {t.split("/", 1)[0] for t in found.candidates}  # OpenRouter upstreams: others
    by_id = {str(d.get("id")): d for owner in owners for d in _deployments(view, owner)}
    denied = {t: rules for t in found.candidates if (rules := _rules(by_id.get(t)))}
    permitted = found.problem is None and bool(found.candidates) and not denied
    return Verdict(permitted, found, denied)
