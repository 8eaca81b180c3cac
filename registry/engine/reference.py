"""A plain-Python reference evaluator: one loop per target, one check per requirement.

It shares only the fact table (which fact a requirement reads) and the message wording with
the Casbin engine; every decision is made here independently, so property tests comparing
the two catch mistakes in either.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel

from registry.attestations.apply import entry_warnings
from registry.attestations.loader import AttestationSet, EntryAt
from registry.catalog.attested import Attested
from registry.catalog.facts import Target, targets
from registry.catalog.loader import Catalog
from registry.catalog.models import Certification
from registry.countries import BUILTIN_GROUPS
from registry.engine.compiled import fact_value
from registry.engine.decisions import Decision, Evaluation, Reason, Source, Waived
from registry.engine.evaluate import policy_warnings
from registry.engine.requirements import (
    MODEL_ONLY_KEYS,
    SPECS,
    UNEVIDENCED_FACTS,
    as_json_value,
    make_reason,
)
from registry.policy.loader import LoadedPolicy, Requirement
from registry.schema_types import TRUST_ORDER


def _countries(value: tuple[str, ...]) -> set[str]:
    out: set[str] = set()
    for item in value:
        out.update(BUILTIN_GROUPS.get(item, {item}))
    return out


def _certs(value: tuple[tuple[str, str | None], ...], as_of: date) -> set[str]:
    return {c for c, exp in value if exp is None or date.fromisoformat(exp) >= as_of}


def holds(req: Requirement, value: Any, as_of: date) -> bool:
    """Whether a known fact value satisfies the requirement."""
    key, want = req.key, req.value
    checks: dict[str, Any] = {
        "headquarters_in": lambda: value in want,
        "headquarters_not_in": lambda: value not in want,
        "confidential_computing": lambda: value is True,
        "zero_data_retention": lambda: (
            value == "default" or (want == "required" and value == "available")
        ),
        "training": lambda: (
            value in ("never", "opt-in") or (want == "opt_out_ok" and value == "opt-out")
        ),
        "certifications_all": lambda: all(c in _certs(value, as_of) for c in want),
        "certifications_any": lambda: any(c in _certs(value, as_of) for c in want),
        "contracts_all": lambda: all(c in [v.lower() for v in value] for c in want),
        "contracts_signed": lambda: all(c in [v.lower() for v in value] for c in want),
        "subprocessors_not_in": lambda: all(v.lower() not in want for v in value),
        "evidence_max_age_days": lambda: (as_of - value) <= timedelta(days=want),
        "min_evidence_trust": lambda: all(
            t is not None and TRUST_ORDER.index(t) >= TRUST_ORDER.index(want) for _, t in value
        ),
        "min_tool_call_accuracy": lambda: value >= want,
    }
    if key.endswith("_within"):
        return all(c in want for c in _countries(value))
    if key in ("tls_termination", "gpu_ownership", "quantizations"):
        return str(value).lower() in want
    if key.startswith("max_"):
        return bool(value <= want)
    return bool(checks[key]())


def _list_reasons(policy: LoadedPolicy, target: Target) -> list[Reason]:
    names = {target.id, target.provider}
    out = [
        Reason(
            "providers.deny",
            f"{e.target} is on the deny list",
            None,
            target.id,
            None,
            Source(policy.file, e.line),
        )
        for e in policy.deny
        if e.target in names
    ]
    allowed = [e.target for e in policy.allow]
    if allowed and not names & set(allowed):
        out.append(
            Reason(
                "providers.allow",
                f"{target.id} is not on the allow list",
                None,
                target.id,
                allowed,
                Source(policy.file, policy.allow[0].line),
            )
        )
    return out


def _waive(
    policy: LoadedPolicy, target: Target, cls: str, as_of: date, reasons: list[Reason]
) -> tuple[list[Reason], list[Waived]]:
    kept: list[Reason] = []
    waived: list[Waived] = []
    for reason in reasons:
        key = reason.rule.split(".", 1)[1]
        match = None
        if not reason.rule.startswith("providers.") and reason.outcome != "error":
            match = next(
                (
                    w
                    for w in policy.waivers
                    if w.exception.target in (target.id, target.provider)
                    and w.exception.data_class == cls
                    and w.exception.expires >= as_of
                    and key in w.exception.waive
                ),
                None,
            )
        if match is None:
            kept.append(reason)
        else:
            ex = match.exception
            waived.append(
                Waived(
                    reason, ex.reason, ex.approved_by, ex.expires, Source(policy.file, match.line)
                )
            )
    return kept, waived


def _written(block: BaseModel, prefix: str = "") -> dict[str, Any]:
    """Fact path -> value of every key an attestation entry writes, nested blocks by field."""
    out: dict[str, Any] = {}
    for key in block.model_fields_set:
        value = getattr(block, key)
        if isinstance(value, BaseModel):
            out.update(_written(value, f"{prefix}{key}."))
        elif isinstance(value, list):
            out[prefix + key] = tuple(
                (v.id, v.expires.isoformat() if v.expires else None)
                if isinstance(v, Certification)
                else v
                for v in value
            )
        else:
            out[prefix + key] = None if value == "unknown" else value
    return out


def _attest(target: Target, entries: list[EntryAt], day: Any) -> Target:
    """The target as the org sees it: provider entries first, then the deployment's."""
    ordered = [e for e in entries if e.entry.target == target.provider] + [
        e for e in entries if e.entry.target == target.id
    ]
    live = [e for e in ordered if e.entry.signed <= day and not e.entry.expires < day]
    if not live:
        return target
    facts, trust, attested = dict(target.facts), dict(target.trust), dict(target.attested)
    for at in live:
        e = at.entry
        written = _written(e.facts) if e.facts is not None else {}
        if e.signed_contracts is not None:
            written["signed_contracts"] = tuple(e.signed_contracts)
        source = Attested(at.file, at.line, e.document, e.trust, e.signed, e.expires, e.url)
        for path, value in written.items():
            facts[path], trust[path], attested[path] = value, e.trust, source
    return replace(target, facts=facts, trust=trust, attested=attested)


def _note(reason: Reason, target: Target) -> Reason:
    source = target.attested.get(reason.fact) if reason.fact else None
    return reason if source is None else reason.with_attestation(source)


def reference_evaluate(
    policy: LoadedPolicy,
    catalog: Catalog,
    data_class: str | None = None,
    model: str | None = None,
    as_of: date | None = None,
    attestations: AttestationSet | None = None,
) -> Evaluation:
    """The permitted set, decided one target and one requirement at a time; an org's
    attestations (SPEC §9) are applied here by this module's own reading of the entries."""
    day = as_of or date.today()
    entries = list(attestations.entries) if attestations is not None else []
    cls = policy.data_class(data_class)
    reqs = [r for r in cls.requirements if model is not None or r.key not in MODEL_ONLY_KEYS]
    trust_facts = tuple(sorted({SPECS[r.key].fact for r in reqs} - UNEVIDENCED_FACTS))
    decisions: dict[str, Decision] = {}
    for public in targets(catalog, model.lower() if model else None):
        target = _attest(public, entries, day)
        reasons = _list_reasons(policy, target)
        for req in reqs:
            value = fact_value(target, SPECS[req.key].fact, trust_facts)
            if value is None:
                if cls.on_unknown == "deny":
                    reasons.append(make_reason(req, policy.file, None, "unknown"))
            elif not holds(req, value, day):
                reasons.append(make_reason(req, policy.file, as_json_value(value), "failed"))
        reasons = [_note(r, target) for r in reasons]
        kept, waived = _waive(policy, target, cls.name, day, reasons)
        decisions[target.id] = Decision(not kept, tuple(kept), tuple(waived))
    return Evaluation(
        policy.name,
        policy.policy.org,
        cls.name,
        model,
        day,
        catalog.revision,
        policy.revision,
        decisions,
        policy_warnings(policy, catalog, cls.name, day, model)
        + (entry_warnings(attestations, day) if attestations is not None else ()),
        {} if attestations is None else {"attestations_revision": attestations.revision},
    )
