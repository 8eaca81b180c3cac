"""The gate report: one result per manifest entry, with the exit code it implies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from registry.engine.decisions import Reason


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
