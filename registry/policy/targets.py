"""A policy's targets against a catalog: every `providers.allow`/`deny` entry and every
exception must name a provider or deployment the catalog knows.

A typo fails open: `deny: [deepsek]` denies nothing and the provider it meant stays
permitted. So an unknown target is an error (CLR-P005, with the closest catalog id), unless
the caller allows unknown targets (a policy shared across catalogs that differ).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from registry.catalog.index import Kind
from registry.codes import Code
from registry.errors import PolicyError, Problem
from registry.policy.loader import LoadedPolicy

if TYPE_CHECKING:
    from registry.catalog.loader import Catalog

CODE = Code.P005


POLICY_IDS: Kind[frozenset[str]] = Kind("policy ids")


def catalog_ids(catalog: Catalog) -> frozenset[str]:
    """Every id a policy may name: providers, and `provider/deployment` (an implicit
    deployment is `provider/default`); built once per catalog."""

    def build() -> frozenset[str]:
        from registry.catalog.facts import targets  # the catalog models: once there is one

        return frozenset(name for t in targets(catalog) for name in (t.provider, t.id))

    return catalog.index.get(POLICY_IDS, None, build)


def _named(policy: LoadedPolicy) -> Iterable[tuple[str, str, int | None]]:
    """(target, key path, line) of every target the policy names."""
    for i, entry in enumerate(policy.allow):
        yield entry.target, f"providers.allow[{i}]", entry.line
    for i, entry in enumerate(policy.deny):
        yield entry.target, f"providers.deny[{i}]", entry.line
    for i, waiver in enumerate(policy.waivers):
        yield waiver.exception.target, f"exceptions[{i}].target", waiver.line


def named_providers(policy: LoadedPolicy) -> set[str]:
    """The provider of every target the policy names."""
    return {target.split("/", 1)[0] for target, _, _ in _named(policy)}


def closest_id_hint(target: str, known: frozenset[str]) -> str:
    """How to fix an id the catalog does not know: the closest id, or the provider's
    deployments."""
    close = difflib.get_close_matches(target, sorted(known), n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]}? Fix the id"
    provider = target.split("/", 1)[0]
    if provider in known:
        deployments = sorted(k for k in known if k.startswith(f"{provider}/"))
        return f"{provider} has the deployments {', '.join(deployments)}; use one of them"
    return "use a provider or provider/deployment id from `clearance allowed` or the catalog"


def unknown_targets(policy: LoadedPolicy, catalog: Catalog) -> list[Problem]:
    """One problem per target the catalog does not know (module doc)."""
    known = catalog_ids(catalog)
    return [
        Problem(
            CODE,
            f"{target!r} is not a provider or deployment in the catalog",
            closest_id_hint(target, known)
            + " (or pass --allow-unknown-targets for a policy shared across catalogs)",
            policy.file,
            line,
            key,
        )
        for target, key, line in _named(policy)
        if target not in known
    ]


def check_targets(policy: LoadedPolicy, catalog: Catalog) -> None:
    """Raise PolicyError naming every unknown target (module doc)."""
    problems = unknown_targets(policy, catalog)
    if problems:
        raise PolicyError(problems)
