"""Compose Casbin's pair decisions into per-target decisions with every reason.

For each requirement, targets are grouped by fact value; Casbin decides each (requirement,
value) pair once and the failing groups get the shared Reason. Lists and exceptions are then
applied per target with set lookups.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from registry.catalog.facts import Target, targets
from registry.catalog.index import Kind
from registry.catalog.loader import Catalog
from registry.engine.compiled import CompiledClass, column
from registry.engine.decisions import Decision, Evaluation, Reason, Source, Waived
from registry.engine.requirements import SPECS
from registry.policy.expiry import exception_warnings
from registry.policy.loader import ListEntry, LoadedPolicy, Waiver
from registry.policy.targets import catalog_ids

PERMITTED = Decision(True)


def list_reasons(
    policy: LoadedPolicy, target: Target, deny: frozenset[str], allow: frozenset[str]
) -> list[Reason]:
    """Reasons from `providers.deny` / `providers.allow` for one target, in file order."""
    reasons: list[Reason] = []
    names = (target.id, target.provider)
    if names[0] in deny or names[1] in deny:
        reasons = [
            Reason(
                rule="providers.deny",
                message=f"{e.target} is on the deny list",
                fact=None,
                value=target.id,
                expected=None,
                source=Source(policy.file, e.line),
            )
            for e in policy.deny
            if e.target in names
        ]
    if allow and names[0] not in allow and names[1] not in allow:
        reasons.append(
            Reason(
                rule="providers.allow",
                message=f"{target.id} is not on the allow list",
                fact=None,
                value=target.id,
                expected=[e.target for e in policy.allow],
                source=Source(policy.file, policy.allow[0].line),
            )
        )
    return reasons


def active_waivers(policy: LoadedPolicy, data_class: str, as_of: date) -> tuple[Waiver, ...]:
    """Unexpired waivers of this class, in file order (the first that covers a rule wins)."""
    return tuple(
        w
        for w in policy.waivers
        if w.exception.data_class == data_class and w.exception.expires >= as_of
    )


def split_waived(
    reasons: Iterable[Reason], waivers: list[Waiver], file: str
) -> tuple[tuple[Reason, ...], tuple[Waived, ...]]:
    """Move reasons that a waiver covers into `waived`; list reasons and engine errors are
    never waived (an engine failure must not turn into a permit)."""
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
    policy: LoadedPolicy, catalog: Catalog, data_class: str, as_of: date, model: str | None
) -> tuple[str, ...]:
    """Expired exceptions and those expiring within 30 days, list or exception targets the
    catalog does not know, and a model that no deployment offers (an empty answer that is
    not a policy decision)."""
    warnings: list[str] = []
    if model is not None and not targets(catalog, model.lower()):
        warnings.append(f"no deployment in the catalog offers model {model}")
    expiring = exception_warnings(policy, as_of)
    warnings.extend(w.message for w in expiring if w.data_class == data_class)
    known = catalog_ids(catalog)
    for waiver in policy.waivers:
        ex = waiver.exception
        if ex.target not in known:
            where = f"{policy.file}:{waiver.line}"
            warnings.append(f"exception target {ex.target} ({where}) is not in the catalog")
    entries: list[ListEntry] = [*policy.allow, *policy.deny]
    for entry in entries:
        if entry.target not in known:
            warnings.append(f"{entry.target} ({policy.file}:{entry.line}) is not in the catalog")
    return tuple(warnings)


def requirement_failures(
    compiled: CompiledClass, catalog: Catalog, model: str | None, count: int
) -> list[list[Reason]]:
    """Failed requirements per target index, in requirement order (the hot loop)."""
    failures: list[list[Reason]] = [[] for _ in range(count)]
    for index, req in enumerate(compiled.requirements):
        fact = SPECS[req.key].fact
        groups = column(catalog, model, fact, compiled.trust_facts, compiled.trust_floor)
        for value_json, members in groups.items():
            reason = compiled.reason(index, value_json)
            if reason is not None:
                for member in members:
                    failures[member].append(reason)
    return failures


NAMES: Kind[Mapping[str, list[int]]] = Kind("target indexes by name")
ATTESTED: Kind[tuple[int, ...]] = Kind("attested target indexes")


def names_index(catalog: Catalog, model: str | None) -> Mapping[str, list[int]]:
    """Target indexes by target id and by provider id, built once per catalog."""

    def build() -> Mapping[str, list[int]]:
        index: dict[str, list[int]] = {}
        for i, target in enumerate(targets(catalog, model)):
            index.setdefault(target.id, []).append(i)
            index.setdefault(target.provider, []).append(i)
        return index

    return catalog.index.get(NAMES, model, build)


def attested_indexes(catalog: Catalog, model: str | None) -> tuple[int, ...]:
    """Indexes of the targets an org's attestations set facts of, built once per view."""
    found = targets(catalog, model)
    return catalog.index.get(
        ATTESTED, model, lambda: tuple(i for i, t in enumerate(found) if t.attested)
    )


def _name_attestations(failures: list[list[Reason]], found: tuple[Target, ...], at: int) -> None:
    """Reasons on attested facts of target `at` name the entry (shared reasons stay as
    they are for every target whose fact comes from the catalog)."""
    attested = found[at].attested
    failures[at] = [
        r.with_attestation(attested[r.fact]) if r.fact is not None and r.fact in attested else r
        for r in failures[at]
    ]


def _named(names: Mapping[str, list[int]], wanted: frozenset[str]) -> set[int]:
    return {i for name in wanted for i in names.get(name, ())}


def evaluate_compiled(compiled: CompiledClass, catalog: Catalog, model: str | None) -> Evaluation:
    """Every target's decision: shared reasons from the pair caches, then lists and waivers."""
    policy, name, as_of = compiled.policy, compiled.data_class.name, compiled.as_of
    model_key = model.lower() if model else None
    found = targets(catalog, model_key)
    failures = requirement_failures(compiled, catalog, model_key, len(found))
    for i in attested_indexes(catalog, model_key):
        _name_attestations(failures, found, i)
    names = names_index(catalog, model_key)
    deny = frozenset(e.target for e in policy.deny)
    allow = frozenset(e.target for e in policy.allow)
    listed = _named(names, deny)
    if allow:
        listed |= set(range(len(found))) - _named(names, allow)
    for i in listed:
        failures[i][:0] = list_reasons(policy, found[i], deny, allow)
    decisions = {
        target.id: Decision(False, tuple(failed)) if failed else PERMITTED
        for target, failed in zip(found, failures, strict=True)
    }
    waivers = active_waivers(policy, name, as_of)
    for i in _named(names, frozenset(w.exception.target for w in waivers)):
        target, failed = found[i], failures[i]
        applying = [w for w in waivers if w.exception.target in (target.id, target.provider)]
        kept, waived = split_waived(failed, applying, policy.file)
        decisions[target.id] = Decision(not kept, kept, waived)
    return evaluation_of(policy, name, as_of, catalog, model, decisions)


def evaluation_of(
    policy: LoadedPolicy,
    data_class: str,
    as_of: date,
    catalog: Catalog,
    model: str | None,
    decisions: Mapping[str, Decision],
) -> Evaluation:
    overlay = catalog.overlay
    extra = {} if overlay is None else {"attestations_revision": overlay.revision}
    warnings = policy_warnings(policy, catalog, data_class, as_of, model)
    return Evaluation(
        policy=policy.name,
        org=policy.policy.org,
        data_class=data_class,
        model=model,
        as_of=as_of,
        catalog_revision=catalog.revision,
        policy_revision=policy.revision,
        decisions=decisions,
        warnings=warnings + (overlay.warnings if overlay is not None else ()),
        extra=extra,
    )
