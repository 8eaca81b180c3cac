"""Check manifest entries against a policy: every deployment an entry may use must be
permitted for its data class; an entry that resolves to nothing is a violation, never a pass."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

from registry.catalog.facts import targets
from registry.catalog.loader import Catalog
from registry.engine.decisions import Reason, Source
from registry.engine.engine import Engine
from registry.engine.evaluate import names_index
from registry.gate.manifests import read_manifest
from registry.gate.openrouter import compliant_preferences
from registry.gate.report import Entry, GateReport, Result
from registry.policy.loader import LoadedPolicy


def _check(
    entry: Entry,
    policy: LoadedPolicy,
    catalog: Catalog,
    engine: Engine,
    data_class: str,
    as_of: date,
) -> Result:
    if entry.problem is not None or not entry.targets:
        return Result(entry, data_class, {}, entry.problem or "nothing to check")
    result = engine.evaluate(policy, catalog, data_class, entry.model, as_of)
    denied: dict[str, tuple[Reason, ...]] = {}
    for target in entry.targets:
        decision = result.decisions.get(target)
        if decision is None:
            denied[target] = (
                Reason(
                    "gate.unresolved",
                    f"{target} was not evaluated",
                    None,
                    target,
                    None,
                    Source(policy.file, None),
                ),
            )
        elif not decision.permitted:
            denied[target] = decision.reasons
    if not denied:
        return Result(entry, data_class, {}, f"{len(entry.targets)} deployment(s) permitted")
    message = (
        f"{len(denied)} of {len(entry.targets)} deployment(s) it may use are denied "
        f"for {data_class}"
    )
    if entry.kind == "openrouter":
        permitted = {t for t in entry.targets if t not in denied}
        message += f"; to comply, send {compliant_preferences(catalog, permitted, entry)}"
    return Result(entry, data_class, denied, message)


def run_gate(
    policy: LoadedPolicy,
    catalog: Catalog,
    manifests: Iterable[Path],
    data_class: str | None,
    as_of: date,
    engine: Engine | None = None,
) -> GateReport:
    """Read every manifest file (InputError on a bad one) and check it."""
    entries = [e for path in manifests for e in read_manifest(path, catalog)]
    return check_entries(policy, catalog, entries, data_class, as_of, engine)


def check_entries(
    policy: LoadedPolicy,
    catalog: Catalog,
    entries: list[Entry],
    data_class: str | None,
    as_of: date,
    engine: Engine | None = None,
) -> GateReport:
    """Check every entry, then that each model can fail over as `routing` asks."""
    engine = engine or Engine()
    results = []
    for entry in entries:
        cls = policy.data_class(entry.data_class or data_class).name
        results.append(_check(entry, policy, catalog, engine, cls, as_of))
    results.extend(failover_results(policy, catalog, results))
    return GateReport(
        policy.name, policy.policy.org, as_of.isoformat(), catalog.revision, tuple(results)
    )


def operators_of(catalog: Catalog, target: str) -> frozenset[str] | None:
    """Who runs a deployment's hardware (gpu.operators), None when unknown."""
    indexes = names_index(catalog, None).get(target, [])
    value = targets(catalog)[indexes[0]].facts.get("gpu.operators") if indexes else None
    return None if not value else frozenset(str(v).lower() for v in value)


def failover_results(policy: LoadedPolicy, catalog: Catalog, results: list[Result]) -> list[Result]:
    """`routing.min_deployments_per_model` and `distinct_operators` per model group: the
    permitted deployments a router may fail over to, across every entry of that model."""
    routing = policy.policy.routing
    if routing.min_deployments_per_model is None and not routing.distinct_operators:
        return []
    groups: dict[str, list[Result]] = {}
    for result in results:
        if result.entry.group is not None:
            groups.setdefault(result.entry.group, []).append(result)
    out = []
    for group, members in groups.items():
        usable = sorted(
            {
                t
                for r in members
                for t in r.entry.targets
                if t not in r.denied and r.entry.problem is None
            }
        )
        problem, rule = _failover_problem(
            routing.min_deployments_per_model, routing.distinct_operators, usable, catalog
        )
        if problem is None:
            continue
        first = members[0].entry
        entry = Entry(
            first.file,
            first.line,
            "failover",
            f"model {group}",
            None,
            tuple(usable),
            first.data_class,
            first.model,
            f"cannot fail over: {problem}",
            group,
            rule,
        )
        out.append(Result(entry, members[0].data_class, {}, entry.problem or ""))
    return out


def _failover_problem(
    minimum: int | None, distinct: bool, usable: list[str], catalog: Catalog
) -> tuple[str | None, str]:
    if minimum is not None and len(usable) < minimum:
        return (
            f"{len(usable)} permitted deployment(s), the policy needs {minimum}",
            "routing.min_deployments_per_model",
        )
    if not distinct or not usable:
        return None, ""
    known = [operators_of(catalog, t) for t in usable]
    sets = [o for o in known if o is not None]
    if len(sets) < len(known):
        return (
            "the operator of a permitted deployment is unknown, so distinct operators "
            "cannot be shown",
            "routing.distinct_operators",
        )
    if not any(a.isdisjoint(b) for i, a in enumerate(sets) for b in sets[i + 1 :]):
        return "no two permitted deployments are run by different operators", (
            "routing.distinct_operators"
        )
    return None, ""
