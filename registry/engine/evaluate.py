"""Compose Casbin's pair decisions into per-target decisions with every reason.

For each requirement, targets are grouped by fact value; Casbin decides each (requirement,
value) pair once and the failing groups get the shared Reason. Lists and exceptions are then
applied per target with set lookups.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from registry.catalog.facts import Target, targets
from registry.catalog.loader import Catalog
from registry.engine.compiled import CompiledClass, column
from registry.engine.decisions import Decision, Evaluation, Reason, Source, Waived
from registry.engine.requirements import SPECS
from registry.policy.loader import ListEntry, LoadedPolicy, Waiver


def list_reasons(policy: LoadedPolicy, target: Target) -> list[Reason]:
    """Reasons from `providers.deny` / `providers.allow` for one target."""
    reasons = []
    for entry in policy.deny:
        if entry.target in (target.id, target.provider):
            reasons.append(
                Reason(
                    "providers.deny",
                    f"{entry.target} is on the deny list",
                    None,
                    target.id,
                    None,
                    Source(policy.file, entry.line),
                )
            )
    if policy.allow and not any(e.target in (target.id, target.provider) for e in policy.allow):
        first = policy.allow[0]
        reasons.append(
            Reason(
                "providers.allow",
                f"{target.id} is not on the allow list",
                None,
                target.id,
                [e.target for e in policy.allow],
                Source(policy.file, first.line),
            )
        )
    return reasons


def active_waivers(
    policy: LoadedPolicy, data_class: str, as_of: date
) -> Mapping[str, list[Waiver]]:
    """Unexpired waivers of this class, by target id (provider or deployment)."""
    out: dict[str, list[Waiver]] = {}
    for waiver in policy.waivers:
        ex = waiver.exception
        if ex.data_class == data_class and ex.expires >= as_of:
            out.setdefault(ex.target, []).append(waiver)
    return out


def split_waived(
    reasons: Iterable[Reason],
    waivers: list[Waiver],
    file: str,
) -> tuple[tuple[Reason, ...], tuple[Waived, ...]]:
    """Move reasons that a waiver covers into `waived` (list reasons are never waived)."""
    kept: list[Reason] = []
    waived: list[Waived] = []
    for reason in reasons:
        key = reason.rule.split(".", 1)[1]
        waiver = next((w for w in waivers if key in w.exception.waive), None)
        if waiver is None or reason.rule.startswith("providers.") or reason.outcome == "error":
            kept.append(reason)
            continue
        ex = waiver.exception
        waived.append(
            Waived(reason, ex.reason, ex.approved_by, ex.expires, Source(file, waiver.line))
        )
    return tuple(kept), tuple(waived)


def policy_warnings(
    policy: LoadedPolicy, catalog: Catalog, data_class: str, as_of: date
) -> tuple[str, ...]:
    """Expired exceptions and list or exception targets the catalog does not know."""
    warnings: list[str] = []
    known = {t.id for t in targets(catalog)} | set(catalog.providers)
    for waiver in policy.waivers:
        ex = waiver.exception
        where = f"{policy.file}:{waiver.line}"
        if ex.data_class == data_class and ex.expires < as_of:
            warnings.append(
                f"exception for {ex.target} ({where}) expired on "
                f"{ex.expires.isoformat()} and is ignored"
            )
        if ex.target not in known:
            warnings.append(f"exception target {ex.target} ({where}) is not in the catalog")
    entries: list[ListEntry] = [*policy.allow, *policy.deny]
    for entry in entries:
        if entry.target not in known:
            warnings.append(f"{entry.target} ({policy.file}:{entry.line}) is not in the catalog")
    return tuple(warnings)


def requirement_failures(
    compiled: CompiledClass, catalog: Catalog, model: str | None
) -> dict[int, list[Reason]]:
    """Failed requirements per target index, in requirement order."""
    failures: dict[int, list[Reason]] = {}
    for index, req in enumerate(compiled.requirements):
        groups = column(catalog, model, SPECS[req.key].fact, compiled.trust_facts)
        for value_json, members in groups.items():
            reason = compiled.reason(index, value_json)
            if reason is None:
                continue
            for member in members:
                failures.setdefault(member, []).append(reason)
    return failures


def evaluate_compiled(compiled: CompiledClass, catalog: Catalog, model: str | None) -> Evaluation:
    policy, name, as_of = compiled.policy, compiled.data_class.name, compiled.as_of
    model_key = model.lower() if model else None
    failures = requirement_failures(compiled, catalog, model_key)
    waivers = active_waivers(policy, name, as_of)
    decisions: dict[str, Decision] = {}
    for index, target in enumerate(targets(catalog, model_key)):
        reasons = [*list_reasons(policy, target), *failures.get(index, ())]
        applying = [*waivers.get(target.id, ()), *waivers.get(target.provider, ())]
        kept, waived = split_waived(reasons, applying, policy.file)
        decisions[target.id] = Decision(target.id, not kept, kept, waived)
    return evaluation_of(policy, name, as_of, catalog, model, decisions)


def evaluation_of(
    policy: LoadedPolicy,
    data_class: str,
    as_of: date,
    catalog: Catalog,
    model: str | None,
    decisions: Mapping[str, Decision],
) -> Evaluation:
    return Evaluation(
        policy=policy.name,
        org=policy.policy.org,
        data_class=data_class,
        model=model,
        as_of=as_of,
        catalog_revision=catalog.revision,
        policy_revision=policy.revision,
        decisions=decisions,
        warnings=policy_warnings(policy, catalog, data_class, as_of),
    )
