"""The gate report: one result per manifest entry, with the exit code it implies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from registry.engine.decisions import Reason, Source, Waived


@dataclass(frozen=True)
class GateWarning:
    """Something CI should show without failing: an exception that expired (ignored) or
    expires soon (the build turns red that day)."""

    message: str
    source: Source  # the exception in the policy file
    code: str  # policy.exception_expired | policy.exception_expiring

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "source": self.source.to_json()}


@dataclass(frozen=True, kw_only=True)
class Entry:
    """One thing a manifest asks to use, located in its file."""

    file: str
    line: int | None
    kind: str  # clearance | litellm
    label: str  # how the manifest names it, e.g. "bedrock/anthropic.claude (eu-central-1)"
    provider: str | None  # catalog provider id, None when no alias matches
    targets: tuple[str, ...]  # deployments it may use (all of the provider's if unpinned)
    data_class: str | None
    model: str | None = None
    problem: str | None = None  # why it could not be resolved (unknown provider, region, …)
    group: str | None = None  # the model name routers fail over within (LiteLLM model_name)
    problem_rule: str = "gate.unresolved"
    endpoint: str | None = None  # the endpoint URL as the manifest writes it (LiteLLM api_base)
    region: str | None = None  # the cloud region the manifest asks for (LiteLLM region keys)


@dataclass(frozen=True, kw_only=True)
class Alternative:
    """A deployment of the entry's provider that the same evaluation permits, and how the
    manifest would name it (`registry.gate.alternatives`)."""

    deployment: str  # provider/deployment
    use: str  # what to write: an endpoint URL, a region, or the deployment id
    waived: bool = False  # permitted only through a policy exception

    @property
    def text(self) -> str:
        how = self.use if self.use == self.deployment else f"{self.use} ({self.deployment})"
        through = " only through a policy exception" if self.waived else ""
        return f"use {how}, permitted{through}"

    def to_json(self) -> dict[str, Any]:
        return {
            "deployment": self.deployment,
            "use": self.use,
            "waived": self.waived,
            "text": self.text,
        }


@dataclass(frozen=True)
class Result:
    entry: Entry
    data_class: str
    denied: dict[str, tuple[Reason, ...]] = field(default_factory=dict)
    message: str = ""
    # requirements set aside by an unexpired exception, per permitted deployment
    waived: dict[str, tuple[Waived, ...]] = field(default_factory=dict)
    # a compliant deployment of the same provider, for an entry that is not compliant
    alternative: Alternative | None = None

    @property
    def compliant(self) -> bool:
        return not self.denied and self.entry.problem is None and bool(self.entry.targets)

    @property
    def waivers(self) -> list[tuple[str, Waived]]:
        """(deployment, waiver) pairs, sorted: what this entry relies on exceptions for."""
        return [(t, w) for t, ws in sorted(self.waived.items()) for w in ws]

    @property
    def rules(self) -> list[str]:
        found = {r.rule for reasons in self.denied.values() for r in reasons}
        if self.entry.problem is not None or not self.entry.targets:
            found.add(self.entry.problem_rule)
        return sorted(found)

    def to_json(self) -> dict[str, Any]:
        e = self.entry
        return {
            "file": e.file,
            "line": e.line,
            "kind": e.kind,
            "entry": e.label,
            "provider": e.provider,
            "model": e.model,
            "data_class": self.data_class,
            "targets": list(e.targets),
            "compliant": self.compliant,
            "message": self.message,
            "rules": self.rules,
            "problem": e.problem,
            "problem_rule": e.problem_rule,
            "group": e.group,
            "denied": {t: [r.to_json() for r in rs] for t, rs in sorted(self.denied.items())},
            "waived": {t: [w.to_json() for w in ws] for t, ws in sorted(self.waived.items())},
            "alternative": None if self.alternative is None else self.alternative.to_json(),
        }


@dataclass(frozen=True)
class GateReport:
    policy: str
    org: str
    as_of: str
    catalog_revision: str
    results: tuple[Result, ...]
    warnings: tuple[GateWarning, ...] = ()

    @property
    def violations(self) -> list[Result]:
        return [r for r in self.results if not r.compliant]

    @property
    def exit_code(self) -> int:
        """0 compliant, 1 violations (the report computes its own exit code)."""
        return 1 if self.violations else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "org": self.org,
            "as_of": self.as_of,
            "catalog_revision": self.catalog_revision,
            "compliant": not self.violations,
            "summary": {
                "entries": len(self.results),
                "violations": len(self.violations),
                "waived": sum(1 for r in self.results if r.compliant and r.waived),
            },
            "results": [r.to_json() for r in self.results],
            "warnings": [w.to_json() for w in self.warnings],
        }


def _reason(doc: dict[str, Any]) -> Reason:
    source = doc.get("source") or {}
    return Reason(
        rule=doc["rule"],
        message=doc["message"],
        fact=doc.get("fact"),
        value=doc.get("value"),
        expected=doc.get("expected"),
        source=Source(source.get("file", ""), source.get("line")),
        outcome=doc.get("outcome", "failed"),
    )


def _waived(doc: dict[str, Any]) -> Waived:
    waiver = doc["waiver"]
    source = waiver.get("source") or {}
    return Waived(
        _reason(doc),
        waiver["reason"],
        waiver["approved_by"],
        date.fromisoformat(waiver["expires"]),
        Source(source.get("file", ""), source.get("line")),
    )


def _result(doc: dict[str, Any]) -> Result:
    entry = Entry(
        file=doc["file"],
        line=doc.get("line"),
        kind=doc["kind"],
        label=doc["entry"],
        provider=doc.get("provider"),
        targets=tuple(doc.get("targets", ())),
        data_class=doc.get("data_class"),
        model=doc.get("model"),
        problem=doc.get("problem"),
        group=doc.get("group"),
        problem_rule=doc.get("problem_rule") or "gate.unresolved",
    )
    denied = {t: tuple(_reason(r) for r in rs) for t, rs in doc.get("denied", {}).items()}
    waived = {t: tuple(_waived(w) for w in ws) for t, ws in doc.get("waived", {}).items()}
    alt = doc.get("alternative")
    alternative = (
        None
        if not alt
        else Alternative(deployment=alt["deployment"], use=alt["use"], waived=alt["waived"])
    )
    return Result(entry, doc["data_class"], denied, doc.get("message", ""), waived, alternative)


def _warning(doc: dict[str, Any]) -> GateWarning:
    source = doc.get("source") or {}
    return GateWarning(
        doc["message"], Source(source.get("file", ""), source.get("line")), doc["code"]
    )


def report_from_json(doc: dict[str, Any]) -> GateReport:
    """The report a registry service answered (`POST /v1/orgs/{org}/gate`), for the same
    output formats as a local run."""
    return GateReport(
        doc["policy"],
        doc["org"],
        doc["as_of"],
        doc["catalog_revision"],
        tuple(_result(r) for r in doc["results"]),
        tuple(_warning(w) for w in doc.get("warnings", ())),
    )
