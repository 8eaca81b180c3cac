"""Check manifest entries against a policy: every deployment an entry may use must be
permitted for its data class; an entry that resolves to nothing is a violation, never a pass."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

from registry.catalog.loader import Catalog
from registry.engine.decisions import Reason, Source
from registry.engine.engine import Engine
from registry.gate.manifests import read_manifest
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
    return Result(entry, data_class, denied, message)


def run_gate(
    policy: LoadedPolicy,
    catalog: Catalog,
    manifests: Iterable[Path],
    data_class: str | None,
    as_of: date,
    engine: Engine | None = None,
) -> GateReport:
    """Read every manifest (InputError on a bad one), check every entry."""
    engine = engine or Engine()
    entries = [e for path in manifests for e in read_manifest(path, catalog)]
    results = []
    for entry in entries:
        cls = policy.data_class(entry.data_class or data_class).name
        results.append(_check(entry, policy, catalog, engine, cls, as_of))
    return GateReport(
        policy.name, policy.policy.org, as_of.isoformat(), catalog.revision, tuple(results)
    )
