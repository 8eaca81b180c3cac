"""A plain-Python reference evaluator, written from SPEC §2 to §4 and §9 on its own.

One loop per target, one check per requirement. It reads the loaded models (the policy's
resolved requirements, the catalog's providers, the org's attestation entries) and builds the
result types (engine/decisions.py); it takes nothing from the engine's side: not the
catalog's fact extraction (catalog/facts.py), not the requirement table, its operators or
messages, not the engine's warnings. So property tests comparing the two compare two
readings of the SPEC, and catch a mistake in either.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

from pydantic import BaseModel

from registry.attestations.loader import AttestationSet, EntryAt
from registry.catalog.attested import Attested
from registry.catalog.loader import Catalog
from registry.catalog.models import HIGH_STAKES, Certification, Deployment, ModelOffering, Provider
from registry.countries import BUILTIN_GROUPS
from registry.engine.decisions import Decision, Evaluation, Outcome, Reason, Source, Waived
from registry.policy.loader import LoadedPolicy, Requirement
from registry.schema_types import TRUST_ORDER

# SPEC §3: the fact each requirement reads ("trust" and "verified_at" are not catalog facts).
TRUST = "evidence trust"
READS: dict[str, str] = {
    "inference_within": "inference_countries",
    "storage_within": "storage_countries",
    "decryption_within": "decryption_countries",
    "headquarters_in": "headquarters",
    "headquarters_not_in": "headquarters",
    "tls_termination": "decryption.tls_termination",
    "gpu_ownership": "gpu.ownership",
    "confidential_computing": "decryption.confidential_computing",
    "max_prompt_retention_days": "retention.prompts_days",
    "max_output_retention_days": "retention.outputs_days",
    "max_abuse_monitoring_days": "retention.abuse_monitoring_days",
    "zero_data_retention": "retention.zero_data_retention",
    "training": "training_on_customer_data",
    "certifications_all": "certifications",
    "certifications_any": "certifications",
    "contracts_all": "contracts",
    "contracts_signed": "signed_contracts",
    "subprocessors_not_in": "subprocessors",
    "evidence_max_age_days": "verified_at",
    "min_evidence_trust": TRUST,
    "min_tool_call_accuracy": "tool_call_accuracy",
    "quantizations": "quantization",
}
MODEL_QUERIES_ONLY = frozenset({"min_tool_call_accuracy", "quantizations"})
WARN_WITHIN_DAYS = 30


@dataclass
class Seen:
    """One target as this evaluator sees it: fact path -> (value, trust, attestation)."""

    id: str
    provider: str
    verified_at: date | None
    facts: dict[str, Any] = field(default_factory=dict)
    trust: dict[str, str | None] = field(default_factory=dict)
    attested: dict[str, Attested] = field(default_factory=dict)


# --- facts (SPEC §2): provider, overridden by deployment, then by the model offering -------


def _plain(value: Any) -> Any:
    """A fact value as reasons show it: unknown is None, lists are lists; a list naming an
    item `unknown` (any case) is not fully known, so unknown as a whole (fail closed)."""
    if value is None or value == "unknown":
        return None
    if isinstance(value, list | tuple):
        if any(isinstance(v, str) and v.strip().lower() == "unknown" for v in value):
            return None
        return [_name(v) for v in value]
    return value


def _name(item: Any) -> Any:
    """An item of a list fact: a name, or a certification as [id, expires]."""
    if isinstance(item, Certification):
        return [item.id, item.expires.isoformat() if item.expires else None]
    return item


PATHS = tuple(sorted(set(READS.values()) - {TRUST, "verified_at"}))


def _provider_facts(provider: Provider) -> dict[str, Any]:
    """Every fact a provider states (a provider states each: a default is `unknown`)."""
    facts: dict[str, Any] = {}
    for path in PATHS:
        head, _, sub = path.partition(".")
        value = getattr(provider, head, None)
        facts[path] = _plain(getattr(value, sub) if sub else value)
    facts["signed_contracts"] = None  # SPEC §9: only an org's attestation knows it
    return facts


@cache
def _covered(entry: str) -> tuple[str, ...]:
    """The fact paths an evidence `facts` entry names: itself, or every path below it."""
    return tuple(p for p in PATHS if p == entry or p.startswith(entry + "."))


def _trusts(levels: list[BaseModel]) -> dict[str, str | None]:
    """Per fact path, the highest trust of evidence at any level naming it or a prefix of
    it; a high-stakes fact counts only evidence with a quote. None: unverified."""
    best: dict[str, str | None] = dict.fromkeys(PATHS)
    for block in levels:
        for item in getattr(block, "evidence", ()):
            rank = TRUST_ORDER.index(item.trust)
            for entry in item.facts:
                for path in _covered(entry):
                    if path in HIGH_STAKES and not item.quote:
                        continue
                    held = best[path]
                    if held is None or rank > TRUST_ORDER.index(held):
                        best[path] = item.trust
    return best


def _seen(
    provider: Provider,
    facts: dict[str, Any],
    dep: Deployment | None,
    offer: ModelOffering | None,
) -> Seen:
    """A deployment (or an offering on it): the provider's facts, then those the deployment
    writes itself, then those the offering writes (nested blocks field by field)."""
    levels: list[BaseModel] = [provider]
    levels += [b for b in (dep, offer) if b is not None]
    seen = Seen(f"{provider.id}/{dep.id if dep else 'default'}", provider.id, provider.verified_at)
    seen.facts = dict(facts)
    for block in levels[1:]:
        seen.facts.update((path, v) for path, v in _written(block) if path in seen.facts)
    if offer is not None:
        seen.facts["quantization"] = _plain(offer.quantization)
        seen.facts["tool_call_accuracy"] = offer.tool_call_accuracy
    seen.trust = _trusts(levels)
    return seen


def _targets(catalog: Catalog, model: str | None) -> Iterator[Seen]:
    """Deployments (an implicit `default` when none), or for a model query the offerings of
    that model on the deployments they name (all when they name none)."""
    for provider in catalog.providers.values():
        deployments: list[Deployment | None] = [*provider.deployments] or [None]
        facts = _provider_facts(provider)
        if model is None:
            yield from (_seen(provider, facts, dep, None) for dep in deployments)
            continue
        for offer in provider.models:
            if offer.id.lower() != model.lower():
                continue
            for dep in deployments:
                name = dep.id if dep is not None else "default"
                if offer.deployments is None or name in offer.deployments:
                    yield _seen(provider, facts, dep, offer)


# --- attestations (SPEC §9) ----------------------------------------------------------------


def _written(block: BaseModel, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Fact path and value of every key an attestation entry writes, nested blocks by field."""
    for key in block.model_fields_set:
        value = getattr(block, key)
        if isinstance(value, BaseModel):
            yield from _written(value, f"{prefix}{key}.")
        else:
            yield prefix + key, _plain(value)


def _in_effect(at: EntryAt, day: date) -> bool:
    return at.entry.signed <= day <= at.entry.expires


def _attest(seen: Seen, entries: list[EntryAt], day: date) -> Seen:
    """The target as the org sees it: provider entries first, then the deployment's; each
    replaces the facts it writes and is their evidence, at its trust."""
    live = [e for e in entries if e.entry.target == seen.provider and _in_effect(e, day)]
    live += [e for e in entries if e.entry.target == seen.id and _in_effect(e, day)]
    for at in live:
        e = at.entry
        written = dict(_written(e.facts)) if e.facts is not None else {}
        if e.signed_contracts is not None:
            written["signed_contracts"] = list(e.signed_contracts)
        source = Attested(at.file, at.line, e.document, e.trust, e.signed, e.expires, e.url)
        for path, value in written.items():
            seen.facts[path], seen.trust[path], seen.attested[path] = value, e.trust, source
    return seen


# --- requirements (SPEC §3) ----------------------------------------------------------------


def _countries(value: Iterable[str]) -> set[str]:
    return {c for item in value for c in BUILTIN_GROUPS.get(item, {item})}


def _valid(certs: list[list[Any]], day: date) -> set[str]:
    return {c for c, exp in certs if exp is None or date.fromisoformat(exp) >= day}


def _weak(value: list[list[Any]], floor: str) -> list[list[Any]]:
    rank = TRUST_ORDER.index(floor)
    return [[f, t] for f, t in value if t is None or TRUST_ORDER.index(t) < rank]


def holds(req: Requirement, value: Any, day: date) -> bool:
    """Whether a known fact value satisfies the requirement."""
    key, want = req.key, req.value
    if key.endswith("_within"):
        return _countries(value) <= set(want)
    if key in ("tls_termination", "gpu_ownership", "quantizations"):
        return str(value).lower() in want
    if key.startswith("max_"):
        return bool(value <= want)
    lowered = {v.lower() for v in value if isinstance(v, str)} if isinstance(value, list) else set()
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
        "certifications_all": lambda: all(c in _valid(value, day) for c in want),
        "certifications_any": lambda: any(c in _valid(value, day) for c in want),
        "contracts_all": lambda: all(c in lowered for c in want),
        "contracts_signed": lambda: all(c in lowered for c in want),
        "subprocessors_not_in": lambda: not lowered & want,
        "evidence_max_age_days": lambda: day - date.fromisoformat(value) <= timedelta(days=want),
        "min_evidence_trust": lambda: not _weak(value, want),
        "min_tool_call_accuracy": lambda: value >= want,
    }
    return bool(checks[key]())


def _joined(items: Iterable[Any]) -> str:
    return ", ".join(str(i) for i in items)


def _failure(key: str, value: Any, want: Any) -> str:
    """How a failed requirement is worded (`value` as shown, `want` as written)."""
    if key.endswith("_within"):
        where = key.removesuffix("_within")
        if "ANY" in value:
            return f"{where}: the provider makes no location commitment (ANY); allowed: " + (
                _joined(want)
            )
        return f"{where} in {_joined(value) or 'no country'}, outside {_joined(want)}"
    named = {
        "tls_termination": "TLS termination",
        "gpu_ownership": "GPU ownership",
        "quantizations": "quantization",
    }
    if key in named:
        return f"{named[key]} is {value}, not one of {_joined(want)}"
    retention = {
        "max_prompt_retention_days": "prompt",
        "max_output_retention_days": "output",
        "max_abuse_monitoring_days": "abuse-monitoring",
    }
    if key in retention:
        return f"{retention[key]} retention is {value} days, more than {want}"
    held = _joined(c for c, _ in value) if key.startswith("certifications") else ""
    words: dict[str, Callable[[], str]] = {
        "headquarters_in": lambda: f"headquarters in {value}, not in {_joined(want)}",
        "headquarters_not_in": lambda: (
            f"headquarters in {value}, which is excluded ({_joined(want)})"
        ),
        "confidential_computing": lambda: (
            "prompts are not decrypted only inside attested TEEs (confidential computing)"
        ),
        "zero_data_retention": lambda: (
            f"zero data retention is {value}; {want} needs "
            + (
                "default (in effect for this org)"
                if want == "in_effect"
                else "default or available"
            )
        ),
        "training": lambda: (
            f"training is {value}; {want} needs "
            + ("never or opt-in" if want == "forbidden" else "never or opt-in or opt-out")
        ),
        "certifications_all": lambda: (
            f"missing certifications among {_joined(want)} (held: {held or 'none'})"
        ),
        "certifications_any": lambda: f"none of {_joined(want)} held (held: {held or 'none'})",
        "contracts_all": lambda: (
            f"contracts offered: {_joined(value) or 'none'}; required: {_joined(want)}"
        ),
        "contracts_signed": lambda: (
            f"contracts signed for this org: {_joined(value) or 'none'}; required: " + _joined(want)
        ),
        "subprocessors_not_in": lambda: f"uses excluded subprocessors among {_joined(want)}",
        "evidence_max_age_days": lambda: (
            f"catalog entry last verified {value}, more than {want} days ago"
        ),
        "min_evidence_trust": lambda: (
            f"evidence below {want}: " + ", ".join(f"{f} ({t or 'unverified'})" for f, t in value)
        ),
        "min_tool_call_accuracy": lambda: f"tool-call accuracy is {value}, below {want}",
    }
    return words[key]()


def _note(message: str, source: Attested | None) -> str:
    if source is None:
        return message
    where = f"{source.file}:{source.line}, {source.trust}, expires {source.expires.isoformat()}"
    return f'{message} (attested by "{source.document}" ({where}))'


def _reason(req: Requirement, file: str, seen: Seen, value: Any, unknown: bool) -> Reason:
    """The reason a requirement did not hold (SPEC §4: rule, message, fact, value, expected,
    source); a reason on an attested fact names the attestation (SPEC §9)."""
    fact: str | None = READS[req.key]
    want = list(req.labels) if req.labels is not None else req.value
    if fact == TRUST:
        fact = None
        value = None if value is None else _weak(value, req.value)
    if unknown and fact == "signed_contracts":
        message = "no attestation of this org records signed contracts: denied (fail closed)"
    elif unknown:
        message = f"{fact} is unknown: denied (fail closed)"
    else:
        message = _failure(req.key, value, want)
    source = seen.attested.get(fact) if fact is not None else None
    outcome: Outcome = "unknown" if unknown else "failed"
    return Reason(
        rule=req.rule,
        message=_note(message, source),
        fact=fact,
        value=value,
        expected=want,
        source=Source(file, req.line),
        outcome=outcome,
        attested=source,
    )


def _value(req: Requirement, seen: Seen, reqs: list[Requirement]) -> Any:
    """The fact value a requirement reads; for evidence trust, (fact, trust) of every known
    fact the class's other requirements read, by fact path."""
    fact = READS[req.key]
    if fact == "verified_at":
        return seen.verified_at.isoformat() if seen.verified_at is not None else None
    if fact != TRUST:
        return seen.facts[fact]
    read = sorted({READS[r.key] for r in reqs} - {TRUST, "verified_at"})
    return [[f, seen.trust.get(f)] for f in read if seen.facts[f] is not None]


# --- lists, exceptions and warnings (SPEC §3) --------------------------------------------------


def _list_reasons(policy: LoadedPolicy, seen: Seen) -> list[Reason]:
    names = {seen.id, seen.provider}
    out = [
        Reason(
            rule="providers.deny",
            message=f"{e.target} is on the deny list",
            fact=None,
            value=seen.id,
            expected=None,
            source=Source(policy.file, e.line),
        )
        for e in policy.deny
        if e.target in names
    ]
    allowed = [e.target for e in policy.allow]
    if allowed and not names & set(allowed):
        out.append(
            Reason(
                rule="providers.allow",
                message=f"{seen.id} is not on the allow list",
                fact=None,
                value=seen.id,
                expected=allowed,
                source=Source(policy.file, policy.allow[0].line),
            )
        )
    return out


def _waive(
    policy: LoadedPolicy, seen: Seen, cls: str, day: date, reasons: list[Reason]
) -> tuple[list[Reason], list[Waived]]:
    """Failures an unexpired exception for this target (or its provider) and class covers
    are waived by the first such exception in the file; list reasons and errors never are."""
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
                    if w.exception.target in (seen.id, seen.provider)
                    and w.exception.data_class == cls
                    and w.exception.expires >= day
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


def _days(left: int) -> str:
    return f"{left} day" if left == 1 else f"{left} days"


def _warnings(
    policy: LoadedPolicy, catalog: Catalog, cls: str, day: date, model: str | None, found: int
) -> list[str]:
    """A model no deployment offers; this class's exceptions expired or expiring within 30
    days; list and exception targets the catalog does not know."""
    out: list[str] = []
    if model is not None and not found:
        out.append(f"no deployment in the catalog offers model {model}")
    for w in policy.waivers:
        ex, where = w.exception, f"{policy.file}:{w.line}"
        left = (ex.expires - day).days
        if ex.data_class != cls or left > WARN_WITHIN_DAYS:
            continue
        if left < 0:
            out.append(
                f"exception for {ex.target} ({where}) expired on {ex.expires} and is ignored"
            )
        else:
            out.append(
                f"exception for {ex.target} ({where}), waiving {', '.join(ex.waive)} for "
                f"{ex.data_class}, expires on {ex.expires} (in {_days(left)}): "
                "renew it or meet the requirement before then"
            )
    known = {name for p in catalog.providers.values() for name in _names(p)}
    for w in policy.waivers:
        if w.exception.target not in known:
            where = f"{policy.file}:{w.line}"
            out.append(f"exception target {w.exception.target} ({where}) is not in the catalog")
    for entry in (*policy.allow, *policy.deny):
        if entry.target not in known:
            out.append(f"{entry.target} ({policy.file}:{entry.line}) is not in the catalog")
    return out


def _names(provider: Provider) -> list[str]:
    """The ids a policy may name for a provider: itself and each deployment (SPEC §2)."""
    deployments = [d.id for d in provider.deployments] or ["default"]
    return [provider.id, *(f"{provider.id}/{d}" for d in deployments)]


def _entry_warnings(attestations: AttestationSet, day: date) -> list[str]:
    """SPEC §9: expired entries are ignored and warned about, entries expiring within 30
    days warn, and so do entries signed after the evaluation date (not in effect yet)."""
    out: list[str] = []
    for at in attestations.entries:
        e = at.entry
        where = f"{e.target} ({at.file}:{at.line}, {e.document!r})"
        left = (e.expires - day).days
        if left < 0:
            out.append(
                f"attestation for {where} expired on {e.expires} and is ignored: "
                "the catalog's facts apply"
            )
        elif e.signed > day:
            out.append(
                f"attestation for {where} is signed {e.signed}, after {day}: "
                "not in effect yet, the catalog's facts apply"
            )
        elif left <= WARN_WITHIN_DAYS:
            out.append(
                f"attestation for {where} expires on {e.expires} (in {_days(left)}): renew it "
                "before then, or the catalog's facts apply again"
            )
    return out


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
    reqs = [r for r in cls.requirements if model is not None or r.key not in MODEL_QUERIES_ONLY]
    decisions: dict[str, Decision] = {}
    for public in sorted(_targets(catalog, model), key=lambda s: s.id):
        seen = _attest(public, entries, day)
        reasons = _list_reasons(policy, seen)
        for req in reqs:
            value = _value(req, seen, reqs)
            if value is None:
                if cls.on_unknown == "deny":
                    reasons.append(_reason(req, policy.file, seen, None, unknown=True))
            elif not holds(req, value, day):
                reasons.append(_reason(req, policy.file, seen, value, unknown=False))
        kept, waived = _waive(policy, seen, cls.name, day, reasons)
        decisions[seen.id] = Decision(not kept, tuple(kept), tuple(waived))
    warnings = _warnings(policy, catalog, cls.name, day, model, len(decisions))
    if attestations is not None:
        warnings += _entry_warnings(attestations, day)
    return Evaluation(
        policy.name,
        policy.policy.org,
        cls.name,
        model,
        day,
        catalog.revision,
        policy.revision,
        decisions,
        tuple(warnings),
        {} if attestations is None else {"attestations_revision": attestations.revision},
    )
