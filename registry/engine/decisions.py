"""Decision types shared by the engine, the reference evaluator and every output format."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, NamedTuple

from registry.catalog.attested import Attested
from registry.gcpause import gc_paused

Outcome = Literal["failed", "unknown", "error"]


@dataclass(frozen=True)
class Source:
    file: str
    line: int | None

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line}

    @classmethod
    def from_json(cls, doc: dict[str, Any] | None) -> Source:
        doc = doc or {}
        return cls(doc.get("file", ""), doc.get("line"))


@dataclass(frozen=True, slots=True, kw_only=True)
class Reason:
    """One failed requirement of one target (or a list that excludes it)."""

    rule: str
    message: str
    fact: str | None
    value: Any
    expected: Any
    source: Source
    outcome: Outcome = "failed"
    # the org's attestation entry that set the fact (SPEC §9); the message then names it
    attested: Attested | None = None

    def to_json(self) -> dict[str, Any]:
        out = {
            "rule": self.rule,
            "message": self.message,
            "fact": self.fact,
            "value": self.value,
            "expected": self.expected,
            "source": self.source.to_json(),
            "outcome": self.outcome,
        }
        if self.attested is not None:
            out["attested"] = self.attested.to_json()
        return out

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Reason:
        """The reason `to_json` wrote (a registry's answer, read back by the CLI)."""
        attested = doc.get("attested")
        return cls(
            rule=doc["rule"],
            message=doc["message"],
            fact=doc.get("fact"),
            value=doc.get("value"),
            expected=doc.get("expected"),
            source=Source.from_json(doc.get("source")),
            outcome=doc.get("outcome", "failed"),
            attested=None if attested is None else Attested.from_json(attested),
        )

    def with_attestation(self, attested: Attested) -> Reason:
        """This reason about a fact the org attested: the message names the document."""
        message = f"{self.message} ({attested.note()})"
        return Reason(
            rule=self.rule,
            message=message,
            fact=self.fact,
            value=self.value,
            expected=self.expected,
            source=self.source,
            outcome=self.outcome,
            attested=attested,
        )


@dataclass(frozen=True)
class Waived:
    """A failed requirement set aside by an unexpired exception."""

    reason: Reason
    justification: str
    approved_by: str
    expires: date
    source: Source

    def to_json(self) -> dict[str, Any]:
        return {
            **self.reason.to_json(),
            "waiver": {
                "reason": self.justification,
                "approved_by": self.approved_by,
                "expires": self.expires.isoformat(),
                "source": self.source.to_json(),
            },
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Waived:
        waiver = doc["waiver"]
        return cls(
            Reason.from_json(doc),
            waiver["reason"],
            waiver["approved_by"],
            date.fromisoformat(waiver["expires"]),
            Source.from_json(waiver.get("source")),
        )


class Decision(NamedTuple):
    """The decision for one target; targets with equal decisions may share one instance.

    A NamedTuple rather than a dataclass: one is built per denied target on the hot path.
    """

    permitted: bool
    reasons: tuple[Reason, ...] = ()
    waived: tuple[Waived, ...] = ()


@dataclass(frozen=True)
class Evaluation:
    """The permitted set of one policy data class (and model) against one catalog revision."""

    policy: str
    org: str
    data_class: str
    model: str | None
    as_of: date
    catalog_revision: str
    policy_revision: str
    decisions: Mapping[str, Decision]
    warnings: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def permitted(self) -> list[str]:
        return sorted(t for t, d in self.decisions.items() if d.permitted)

    @property
    def providers(self) -> list[str]:
        return sorted({t.split("/", 1)[0] for t in self.permitted})

    def to_json(self) -> dict[str, Any]:
        """Exactly the SPEC §5 shape of `allowed --format json` (keys may be added)."""
        with gc_paused():  # a dict per reason, tens of thousands for a large catalog
            return self._json()

    def _json(self) -> dict[str, Any]:
        ordered = sorted(self.decisions.items())
        return {
            "policy": self.policy,
            "org": self.org,
            "data_class": self.data_class,
            "model": self.model,
            "as_of": self.as_of.isoformat(),
            "catalog_revision": self.catalog_revision,
            "policy_revision": self.policy_revision,
            "permitted": self.permitted,
            "providers": self.providers,
            "denied": {t: [r.to_json() for r in d.reasons] for t, d in ordered if not d.permitted},
            "waived": {t: [w.to_json() for w in d.waived] for t, d in ordered if d.waived},
            "warnings": list(self.warnings),
            **self.extra,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Evaluation:
        """The evaluation a registry answered (`permitted`, format json) for the same
        outputs as a local one: every target it names, permitted or denied with its
        reasons and waivers; keys beyond the SPEC shape are kept in `extra`."""
        permitted = set(doc["permitted"])
        denied: dict[str, list[dict[str, Any]]] = doc.get("denied") or {}
        waived: dict[str, list[dict[str, Any]]] = doc.get("waived") or {}
        decisions = {
            target: Decision(
                target in permitted,
                tuple(Reason.from_json(r) for r in denied.get(target, ())),
                tuple(Waived.from_json(w) for w in waived.get(target, ())),
            )
            for target in sorted(permitted | set(denied) | set(waived))
        }
        return cls(
            policy=doc["policy"],
            org=doc["org"],
            data_class=doc["data_class"],
            model=doc.get("model"),
            as_of=date.fromisoformat(doc["as_of"]),
            catalog_revision=doc["catalog_revision"],
            policy_revision=doc["policy_revision"],
            decisions=decisions,
            warnings=tuple(doc.get("warnings") or ()),
            extra={k: v for k, v in doc.items() if k not in _SPEC_KEYS},
        )


_SPEC_KEYS = frozenset(
    (
        "policy",
        "org",
        "data_class",
        "model",
        "as_of",
        "catalog_revision",
        "policy_revision",
        "permitted",
        "providers",
        "denied",
        "waived",
        "warnings",
    )
)
