"""The benchmark workload translated to Cedar, evaluated with cedarpy.

One `permit` plus one `forbid` per requirement (annotated `@id("<rule id>")`), one `forbid` per
deny-list entry and, when the policy has one, a `forbid` for the allow list. A requirement's
forbid fires unless the fact is known and holds (fail closed, or `on_unknown: allow`); an
unexpired exception adds an `unless` for its target. Each deployment is an entity whose
attributes are the facts the class reads (country groups expanded, dates as day ordinals,
certifications as id → expiry); its parent is its provider. The evaluation date is
`context.today`. Cedar's diagnostics name every forbid that fired, so each denied target's
failed rules can be compared with the engine's reasons.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from registry.catalog.facts import Target
from registry.countries import BUILTIN_GROUPS, expand
from registry.engine.compiled import CompiledClass, fact_value
from registry.engine.operators import TRAINING_OK, ZDR_OK
from registry.engine.requirements import SPECS, TRUST_FACT
from registry.policy.loader import LoadedPolicy, Requirement
from registry.schema_types import TRUST_ORDER

NO_EXPIRY = 99_999_999
PRINCIPAL = 'Org::"bench"'
ACTION = 'Action::"send"'

ATTRS: Mapping[str, str] = {
    "inference_countries": "inference",
    "storage_countries": "storage",
    "decryption_countries": "decryption",
    "headquarters": "hq",
    "decryption.tls_termination": "tls",
    "gpu.ownership": "gpu",
    "decryption.confidential_computing": "cc",
    "retention.prompts_days": "prompt_days",
    "retention.outputs_days": "output_days",
    "retention.abuse_monitoring_days": "abuse_days",
    "retention.zero_data_retention": "zdr",
    "training_on_customer_data": "training",
    "certifications": "certs",
    "contracts": "contracts",
    "subprocessors": "subprocessors",
    "verified_at": "verified",
    TRUST_FACT: "trust",
}


@dataclass(frozen=True)
class CedarWorkload:
    policies: str
    entities: list[dict[str, Any]]
    requests: list[dict[str, Any]]
    rules: frozenset[str]
    skipped: tuple[str, ...]


def _str(value: str) -> str:
    return json.dumps(value)


def _set(values: Any) -> str:
    return "[" + ", ".join(_str(v) for v in sorted(values)) + "]"


def _certs_test(attr: str, ids: Sequence[str], joiner: str) -> str:
    tests = [f"({attr} has {_str(c)} && {attr}[{_str(c)}] >= context.today)" for c in ids]
    return "(" + f" {joiner} ".join(tests) + ")"


def _trust_test(attr: str, floor: int, trust_facts: Sequence[str]) -> str:
    tests = [f"(!({attr} has {_str(f)}) || {attr}[{_str(f)}] >= {floor})" for f in trust_facts]
    return "(" + " && ".join(tests) + ")" if tests else "true"


def holds_expression(req: Requirement, attr: str, trust_facts: Sequence[str]) -> str | None:
    """A Cedar expression that is true iff the (known) fact satisfies the requirement."""
    key, want = req.key, req.value
    builders: dict[str, Callable[[], str]] = {
        "headquarters_in": lambda: f"{_set(want)}.contains({attr})",
        "headquarters_not_in": lambda: f"!{_set(want)}.contains({attr})",
        "tls_termination": lambda: f"{_set(want)}.contains({attr})",
        "gpu_ownership": lambda: f"{_set(want)}.contains({attr})",
        "confidential_computing": lambda: f"{attr} == true",
        "zero_data_retention": lambda: f"{_set(ZDR_OK[str(want)])}.contains({attr})",
        "training": lambda: f"{_set(TRAINING_OK[str(want)])}.contains({attr})",
        "certifications_all": lambda: _certs_test(attr, sorted(want), "&&"),
        "certifications_any": lambda: _certs_test(attr, sorted(want), "||"),
        "contracts_all": lambda: f"{attr}.containsAll({_set(want)})",
        "contracts_signed": lambda: f"{attr}.containsAll({_set(want)})",
        "subprocessors_not_in": lambda: f"!{attr}.containsAny({_set(want)})",
        "evidence_max_age_days": lambda: f"context.today - {attr} <= {int(want)}",
        "min_evidence_trust": lambda: _trust_test(attr, TRUST_ORDER.index(want), trust_facts),
    }
    if key.endswith("_within"):
        return f"{_set(want)}.containsAll({attr})"
    if key.startswith("max_"):
        return f"{attr} <= {int(want)}"
    build = builders.get(key)
    return build() if build is not None else None


def _uid(target: str) -> str:
    kind = "Deployment" if "/" in target else "Provider"
    return f"{kind}::{_str(target)}"


def _waiver_clauses(policy: LoadedPolicy, cls: str, key: str) -> list[str]:
    clauses = []
    for waiver in policy.waivers:
        ex = waiver.exception
        if ex.data_class == cls and key in ex.waive:
            clauses.append(
                f"unless {{ context.today <= {ex.expires.toordinal()} "
                f"&& resource in {_uid(ex.target)} }}"
            )
    return clauses


def requirement_policy(compiled: CompiledClass, req: Requirement, attr: str, holds: str) -> str:
    """The forbid of one requirement, with its unknown handling and waivers."""
    if compiled.data_class.on_unknown == "allow":
        passes = f"!(resource has {attr}) || ({holds})"
    else:
        passes = f"resource has {attr} && ({holds})"
    parts = [
        f"@id({_str(req.rule)})",
        "forbid (principal, action, resource)",
        f"unless {{ {passes} }}",
        *_waiver_clauses(compiled.policy, compiled.data_class.name, req.key),
    ]
    return "\n".join(parts) + ";"


def list_policies(policy: LoadedPolicy) -> list[str]:
    out = [
        f'@id("providers.deny")\nforbid (principal, action, resource in {_uid(e.target)});'
        for e in policy.deny
    ]
    if policy.allow:
        allowed = ", ".join(_uid(e.target) for e in policy.allow)
        out.append(
            '@id("providers.allow")\nforbid (principal, action, resource)\n'
            f"unless {{ resource in [{allowed}] }};"
        )
    return out


def policy_text(compiled: CompiledClass) -> tuple[str, frozenset[str], tuple[str, ...]]:
    """The Cedar policy set, the rule ids it encodes, and the requirements it cannot."""
    texts = [f'@id("permit")\npermit (principal, action == {ACTION}, resource);']
    texts.extend(list_policies(compiled.policy))
    rules: set[str] = {"providers.deny", "providers.allow"}
    skipped: list[str] = []
    for req in compiled.requirements:
        fact = SPECS[req.key].fact
        attr = f"resource.{ATTRS[fact]}" if fact in ATTRS else ""
        holds = holds_expression(req, attr, compiled.trust_facts) if attr else None
        if holds is None:
            skipped.append(req.rule)
            continue
        texts.append(requirement_policy(compiled, req, ATTRS[fact], holds))
        rules.add(req.rule)
    return "\n\n".join(texts), frozenset(rules), tuple(skipped)


def _certs_record(value: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for cert_id, expires in value:
        day = NO_EXPIRY if expires is None else date.fromisoformat(expires).toordinal()
        out[cert_id] = max(out.get(cert_id, 0), day)
    return out


def cedar_value(fact: str, value: Any) -> Any:
    """A canonical fact value as a Cedar JSON attribute value."""
    if fact.endswith("_countries"):
        return sorted(expand(value, BUILTIN_GROUPS))
    if fact == "certifications":
        return _certs_record(value)
    if fact == TRUST_FACT:
        return {f: -1 if t is None else TRUST_ORDER.index(t) for f, t in value}
    if fact == "verified_at":
        return value.toordinal()
    if fact == "headquarters":
        return value
    if isinstance(value, tuple):
        return [str(v).lower() for v in value]
    if isinstance(value, str):
        return value.lower()
    return value


def entity(target: Target, facts: Sequence[str], trust_facts: tuple[str, ...]) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    for fact in facts:
        value = fact_value(target, fact, trust_facts)
        if value is not None:
            attrs[ATTRS[fact]] = cedar_value(fact, value)
    return {
        "uid": {"type": "Deployment", "id": target.id},
        "attrs": attrs,
        "parents": [{"type": "Provider", "id": target.provider}],
    }


def workload(compiled: CompiledClass, found: Sequence[Target], as_of: date) -> CedarWorkload:
    """Policies, entities and one request per target for the compiled class."""
    text, rules, skipped = policy_text(compiled)
    facts = sorted({SPECS[r.key].fact for r in compiled.requirements} & set(ATTRS))
    entities = [entity(t, facts, compiled.trust_facts) for t in found]
    entities.extend(
        {"uid": {"type": "Provider", "id": pid}, "attrs": {}, "parents": []}
        for pid in sorted({t.provider for t in found})
    )
    context = {"today": as_of.toordinal()}
    requests = [
        {"principal": PRINCIPAL, "action": ACTION, "resource": _uid(t.id), "context": context}
        for t in found
    ]
    return CedarWorkload(text, entities, requests, rules, skipped)


def failed_rules(result: Any) -> frozenset[str]:
    """The rule ids of the forbids that fired for one AuthzResult."""
    names = result.diagnostics.id_annotations_by_reason
    return frozenset(names.get(pid, pid) for pid in result.diagnostics.reasons) - {"permit"}
