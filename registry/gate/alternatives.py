"""A compliant alternative for a gate entry that is not compliant.

Only a deployment of the entry's own provider that the same evaluations permitted is ever
named: permitted under every data class the entry is judged under, and offering the entry's
model when it names one (the evaluation then holds only the deployments whose model offerings
list it). Among those, one permitted without a policy exception comes first; then one the
manifest can name the way the entry names its own (a cloud region for an entry that asks for
a region, an endpoint host of its own for one that writes an endpoint); then, for a region,
the one whose region name shares the longest prefix with the one asked for; then the first
as the provider's catalog file lists them.
OpenRouter requests carry their own fix (the `provider` object to send) and failover
results have no single entry to change, so neither gets one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from registry.catalog.loader import Catalog
from registry.catalog.models import Deployment, Provider
from registry.engine.decisions import Evaluation
from registry.gate.report import Alternative, Entry

NO_ALTERNATIVE_KINDS = frozenset({"openrouter", "failover"})


def _host(deployment: Deployment | None) -> str | None:
    """The deployment's own endpoint host (a `*.suffix` pattern names no endpoint)."""
    hosts = [h for h in deployment.hosts if not h.startswith("*")] if deployment else []
    return hosts[0] if hosts else None


def _url(entry: Entry, host: str) -> str:
    """The entry's endpoint URL with the host replaced, so its path and port stay."""
    if entry.endpoint:
        parts = urlsplit(entry.endpoint)
        if parts.hostname:
            netloc = host if parts.port is None else f"{host}:{parts.port}"
            return parts._replace(netloc=netloc).geturl()
    return f"https://{host}"


def _use(entry: Entry, target: str, deployment: Deployment | None) -> str:
    """How the manifest names the deployment: a Clearance manifest by its id; a LiteLLM
    entry by its cloud region when the entry names a region, else by the endpoint URL of
    its host, else by its region."""
    if entry.kind != "litellm" or deployment is None:
        return target
    host = _host(deployment)
    if deployment.cloud_regions and (entry.region is not None or host is None):
        return f"region {_closest(entry.region, deployment.cloud_regions)}"
    if host is not None:
        return _url(entry, host)
    return target


def _shared_prefix(a: str, b: str) -> int:
    count = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        count += 1
    return count


def _closest(asked: str | None, regions: list[str]) -> str:
    """The region whose name shares the longest prefix with the one asked for (the first
    on a tie): `europe-west12` is closer to `europe-west1` than to `us-central1`."""
    if asked is None:
        return regions[0]
    return max(regions, key=lambda r: _shared_prefix(asked.lower(), r.lower()))


def _affinity(entry: Entry, deployment: Deployment | None) -> int:
    if entry.region is None or deployment is None or not deployment.cloud_regions:
        return 0
    return _shared_prefix(entry.region.lower(), _closest(entry.region, deployment.cloud_regions))


def _reached_alike(entry: Entry, deployment: Deployment | None) -> bool:
    """Whether the deployment can be named the way the entry names its own: by a region
    when it asks for one, by its own host when it writes an endpoint."""
    if entry.region is not None:
        return deployment is not None and bool(deployment.cloud_regions)
    if entry.endpoint is not None:
        return _host(deployment) is not None
    return True


@dataclass(frozen=True)
class _Permitted:
    """One evaluation's permitted deployments by provider, and those only waived through."""

    evaluation: Evaluation  # held so its id() stays this evaluation's while memoized
    by_provider: Mapping[str, frozenset[str]]
    waived: frozenset[str]


def _index(evaluation: Evaluation) -> _Permitted:
    by_provider: dict[str, set[str]] = {}
    waived: set[str] = set()
    for target, decision in evaluation.decisions.items():
        if decision.permitted:
            by_provider.setdefault(target.split("/", 1)[0], set()).add(target)
            if decision.waived:
                waived.add(target)
    frozen = {p: frozenset(ts) for p, ts in by_provider.items()}
    return _Permitted(evaluation, frozen, frozenset(waived))


class Alternatives:
    """Finds alternatives for the entries of one gate run; each evaluation's permitted set
    is indexed by provider once (a 6,000-entry manifest shares a handful of evaluations)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._indexes: dict[int, _Permitted] = {}

    def _permitted(self, evaluation: Evaluation) -> _Permitted:
        found = self._indexes.get(id(evaluation))
        if found is None:
            found = self._indexes[id(evaluation)] = _index(evaluation)
        return found

    def find(self, entry: Entry, evaluations: Iterable[Evaluation]) -> Alternative | None:
        """The best permitted deployment of the entry's provider, or None (module doc)."""
        if entry.provider is None or entry.kind in NO_ALTERNATIVE_KINDS:
            return None
        provider = self.catalog.providers.get(entry.provider)
        indexes = [self._permitted(e) for e in evaluations]
        if provider is None or not indexes:
            return None
        candidates = frozenset.intersection(
            *(i.by_provider.get(provider.id, frozenset()) for i in indexes)
        )
        if not candidates:
            return None
        waived = frozenset().union(*(i.waived for i in indexes))
        return _best(entry, provider, candidates, waived)


def _best(
    entry: Entry, provider: Provider, candidates: frozenset[str], waived: frozenset[str]
) -> Alternative:
    deployments = {f"{provider.id}/{d.id}": d for d in provider.deployments}
    order = {target: i for i, target in enumerate(deployments)}

    def rank(target: str) -> tuple[bool, bool, int, int, str]:
        deployment = deployments.get(target)
        return (
            target in waived,
            not _reached_alike(entry, deployment),
            -_affinity(entry, deployment),
            order.get(target, len(order)),
            target,
        )

    best = min(candidates, key=rank)
    return Alternative(
        deployment=best, use=_use(entry, best, deployments.get(best)), waived=best in waived
    )
