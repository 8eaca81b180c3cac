"""The gate report: one result per manifest entry, with the exit code it implies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from registry.engine.decisions import Reason, Source


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Result:
    entry: Entry
    data_class: str
    denied: dict[str, tuple[Reason, ...]] = field(default_factory=dict)
    message: str = ""

    @property
    def compliant(self) -> bool:
        return not self.denied and self.entry.problem is None and bool(self.entry.targets)

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
        }


@dataclass(frozen=True)
class GateReport:
    policy: str
    org: str
    as_of: str
    catalog_revision: str
    results: tuple[Result, ...]

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
            "summary": {"entries": len(self.results), "violations": len(self.violations)},
            "results": [r.to_json() for r in self.results],
        }


def _reason(doc: dict[str, Any]) -> Reason:
    source = doc.get("source") or {}
    return Reason(
        doc["rule"],
        doc["message"],
        doc.get("fact"),
        doc.get("value"),
        doc.get("expected"),
        Source(source.get("file", ""), source.get("line")),
        doc.get("outcome", "failed"),
    )


def _result(doc: dict[str, Any]) -> Result:
    entry = Entry(
        doc["file"],
        doc.get("line"),
        doc["kind"],
        doc["entry"],
        doc.get("provider"),
        tuple(doc.get("targets", ())),
        doc.get("data_class"),
        doc.get("model"),
        doc.get("problem"),
        doc.get("group"),
        doc.get("problem_rule") or "gate.unresolved",
    )
    denied = {t: tuple(_reason(r) for r in rs) for t, rs in doc.get("denied", {}).items()}
    return Result(entry, doc["data_class"], denied, doc.get("message", ""))


def report_from_json(doc: dict[str, Any]) -> GateReport:
    """The report a registry service answered (`POST /v1/orgs/{org}/gate`), for the same
    output formats as a local run."""
    return GateReport(
        doc["policy"],
        doc["org"],
        doc["as_of"],
        doc["catalog_revision"],
        tuple(_result(r) for r in doc["results"]),
    )
