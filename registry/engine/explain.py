"""Explain one provider or deployment: every requirement with its status, fact and evidence."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from registry.catalog.attested import Attested
from registry.catalog.facts import Target, targets
from registry.catalog.loader import Catalog
from registry.codes import Code
from registry.engine.compiled import CompiledClass, fact_value
from registry.engine.decisions import Decision, Source
from registry.engine.engine import Engine
from registry.engine.requirements import SPECS, TRUST_FACT, encode, expected
from registry.errors import PolicyError, Problem
from registry.policy.loader import LoadedPolicy

Status = Literal["pass", "failed", "unknown", "unknown-allowed", "waived", "error"]


@dataclass(frozen=True, kw_only=True)
class Check:
    rule: str
    status: Status
    fact: str | None
    value: Any
    expected: Any
    message: str
    source: Source
    trust: str | None
    evidence: tuple[dict[str, Any], ...]
    attested: Attested | None = None

    def to_json(self) -> dict[str, Any]:
        out = {
            "rule": self.rule,
            "status": self.status,
            "fact": self.fact,
            "value": self.value,
            "expected": self.expected,
            "message": self.message,
            "source": self.source.to_json(),
            "trust": self.trust,
            "evidence": list(self.evidence),
        }
        if self.attested is not None:
            out["attested"] = self.attested.to_json()
        return out

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Check:
        attested = doc.get("attested")
        return cls(
            rule=doc["rule"],
            status=doc["status"],
            fact=doc.get("fact"),
            value=doc.get("value"),
            expected=doc.get("expected"),
            message=doc.get("message", ""),
            source=Source.from_json(doc.get("source")),
            trust=doc.get("trust"),
            evidence=tuple(doc.get("evidence") or ()),
            attested=None if attested is None else Attested.from_json(attested),
        )


@dataclass(frozen=True)
class Explanation:
    target: str
    data_class: str
    model: str | None
    as_of: date
    decision: Decision
    checks: tuple[Check, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "data_class": self.data_class,
            "model": self.model,
            "as_of": self.as_of.isoformat(),
            "permitted": self.decision.permitted,
            "checks": [c.to_json() for c in self.checks],
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Explanation:
        """The explanation a registry answered, for the same outputs as a local one (its
        decision carries only `permitted`: the checks say why)."""
        return cls(
            doc["target"],
            doc["data_class"],
            doc.get("model"),
            date.fromisoformat(doc["as_of"]),
            Decision(bool(doc["permitted"])),
            tuple(Check.from_json(c) for c in doc.get("checks") or ()),
        )


def _evidence(target: Target, fact: str | None) -> tuple[dict[str, Any], ...]:
    if fact is None or fact == "verified_at":
        return ()
    attested = target.attested.get(fact)
    if attested is not None:  # the org's entry is the evidence of what it set
        return (
            {
                "url": attested.url,
                "trust": attested.trust,
                "as_of": attested.signed.isoformat(),
                "document": attested.document,
            },
        )
    return tuple(
        {"url": e.url, "trust": e.trust, "as_of": e.as_of.isoformat()}
        for e in target.evidence
        if any(fact == f or fact.startswith(f + ".") for f in e.facts)
    )


def _shown_expected(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _checks(compiled: CompiledClass, target: Target, decision: Decision) -> list[Check]:
    waived = {w.reason.rule for w in decision.waived}
    checks = [
        Check(
            rule=r.rule,
            status="failed",
            fact=None,
            value=r.value,
            expected=r.expected,
            message=r.message,
            source=r.source,
            trust=None,
            evidence=(),
        )
        for r in decision.reasons
        if r.rule.startswith("providers.")
    ]
    for index, req in enumerate(compiled.requirements):
        spec = SPECS[req.key]
        raw = fact_value(target, spec.fact, compiled.trust_facts)
        reason = compiled.reason(index, encode(raw))
        fact = None if spec.fact == TRUST_FACT else spec.fact
        shown = json.loads(encode(raw))
        source = Source(compiled.policy.file, req.line)
        trust = target.trust.get(fact) if fact else None
        attested = target.attested.get(fact) if fact else None
        note = f" ({attested.note()})" if attested is not None else ""
        if reason is None:
            status: Status = "unknown-allowed" if raw is None else "pass"
            message = (
                "unknown, allowed by on_unknown"
                if raw is None
                else f"holds ({_shown_expected(expected(req))})"
            )
            checks.append(
                Check(
                    rule=req.rule,
                    status=status,
                    fact=fact,
                    value=shown,
                    expected=expected(req),
                    message=message + note,
                    source=source,
                    trust=trust,
                    evidence=_evidence(target, fact),
                    attested=attested,
                )
            )
            continue
        status = "waived" if req.rule in waived else reason.outcome
        checks.append(
            Check(
                rule=req.rule,
                status=status,
                fact=fact,
                value=reason.value,
                expected=reason.expected,
                message=reason.message + note,
                source=source,
                trust=trust,
                evidence=_evidence(target, fact),
                attested=attested,
            )
        )
    return checks


def matching_targets(catalog: Catalog, wanted: str, model: str | None) -> list[Target]:
    """Targets named by a provider id or a provider/deployment id."""
    found = [
        t
        for t in targets(catalog, model.lower() if model else None)
        if wanted in (t.id, t.provider)
    ]
    if found:
        return found
    names = sorted({t.id for t in targets(catalog)} | set(catalog.providers))
    close = difflib.get_close_matches(wanted, names, n=3)
    hint = f"did you mean {', '.join(close)}?" if close else "list targets with `clearance allowed`"
    scope = f" offering model {model}" if model else ""
    raise PolicyError(
        [Problem(Code.X001, f"no target {wanted!r}{scope} in the catalog", hint, catalog.root)]
    )


def explain(
    engine: Engine,
    policy: LoadedPolicy,
    catalog: Catalog,
    wanted: str,
    data_class: str | None,
    model: str | None,
    as_of: date,
) -> list[Explanation]:
    cls = policy.data_class(data_class)
    chosen = matching_targets(catalog, wanted, model)
    result = engine.evaluate(policy, catalog, cls.name, model, as_of)
    compiled = engine.compiled(policy, cls.name, as_of, model is not None)
    out = []
    for target in chosen:
        decision = result.decisions[target.id]
        out.append(
            Explanation(
                target.id,
                cls.name,
                model,
                as_of,
                decision,
                tuple(_checks(compiled, target, decision)),
            )
        )
    return out
