"""Policy unit tests (`*.test.yaml`): a catalog fixture, a policy, expected decisions.

policy: eu-confidential.yaml          # relative to the test file
as_of: 2026-11-26
attestations: [attestations/]         # optional: the org's attestations (files or dirs)
catalog: ../provider_catalog          # a catalog directory, or inline:
# catalog: {providers: [{id: ..., name: ...}, ...]}
cases:
  - name: EU deployment permitted
    data_class: confidential          # optional (policy default)
    model: null                       # optional
    permitted: [example-ai/eu]        # optional: the exact permitted set
    denied:                           # optional: target -> exactly these failed rules
      example-ai/global: [confidential.inference_within]
    waived: {}                        # optional: target -> exactly these waived rules
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError

from registry.attestations.apply import org_view_of
from registry.catalog.loader import Catalog, build_catalog, load_catalog
from registry.catalog.models import Provider
from registry.codes import Code
from registry.engine.decisions import Evaluation
from registry.engine.engine import Engine
from registry.errors import CatalogError, PolicyError, Problem
from registry.policy.loader import LoadedPolicy, load_policy
from registry.policy.models import ClassName, TargetId
from registry.policy.targets import check_targets
from registry.schema_types import IsoDate, StrictModel
from registry.validation import problems_from_validation
from registry.yamlload import Document, load_file


class InlineCatalog(StrictModel):
    providers: Annotated[list[dict[str, Any]], Field(min_length=1)]


class Case(StrictModel):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    data_class: ClassName | None = None
    model: str | None = None
    permitted: list[TargetId] | None = None
    denied: dict[TargetId, list[str]] = {}
    waived: dict[TargetId, list[str]] = {}
    not_targets: list[TargetId] = []


class PolicyTestFile(StrictModel):
    policy: Annotated[str, Field(min_length=1)]
    as_of: IsoDate
    catalog: str | InlineCatalog
    attestations: list[Annotated[str, Field(min_length=1)]] = []
    cases: Annotated[list[Case], Field(min_length=1)]


@dataclass(frozen=True)
class CaseResult:
    file: str
    name: str
    line: int | None
    failures: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


def _inline_catalog(inline: InlineCatalog, doc: Document) -> Catalog:
    providers: dict[str, Provider] = {}
    problems: list[Problem] = []
    for i, raw in enumerate(inline.providers):
        try:
            provider = Provider.model_validate(raw)
        except ValidationError as err:
            prefix = ("catalog", "providers", i)
            problems.extend(problems_from_validation(err, doc, Code.T001, Provider, prefix))
            continue
        providers[provider.id] = provider
    if problems:
        raise CatalogError(problems)
    return build_catalog(doc.file, providers, dict.fromkeys(providers, doc))


def load_test_file(path: Path) -> tuple[PolicyTestFile, Document, LoadedPolicy, Catalog]:
    doc = load_file(path)
    try:
        spec = PolicyTestFile.model_validate(doc.data)
    except ValidationError as err:
        raise PolicyError(problems_from_validation(err, doc, Code.T001, PolicyTestFile)) from None
    policy = load_policy(path.parent / spec.policy)
    if isinstance(spec.catalog, str):
        catalog = load_catalog(path.parent / spec.catalog)
    else:
        catalog = _inline_catalog(spec.catalog, doc)
    return spec, doc, policy, catalog


def _compare(case: Case, result: Evaluation) -> list[str]:
    failures: list[str] = []
    if case.permitted is not None and sorted(case.permitted) != result.permitted:
        failures.append(f"permitted: expected {sorted(case.permitted)}, got {result.permitted}")
    for target, rules in case.denied.items():
        decision = result.decisions.get(target)
        got = sorted(r.rule for r in decision.reasons) if decision else None
        if decision is None or decision.permitted or got != sorted(rules):
            failures.append(
                f"{target}: expected denied by {sorted(rules)}, got "
                f"{'no such target' if decision is None else got or 'permitted'}"
            )
    for target, rules in case.waived.items():
        decision = result.decisions.get(target)
        got = sorted(w.reason.rule for w in decision.waived) if decision else None
        if got != sorted(rules):
            failures.append(f"{target}: expected waived {sorted(rules)}, got {got}")
    failures.extend(
        f"{target}: expected not to be a target, but it was evaluated"
        for target in case.not_targets
        if target in result.decisions
    )
    return failures


def run_test_file(
    path: Path,
    engine: Engine,
    *,
    allow_unknown_targets: bool = False,
    attestations: Sequence[Path] = (),
) -> list[CaseResult]:
    """Run every case of one test file; input errors raise InputError (also a policy target
    the test's catalog does not know, unless `allow_unknown_targets`). The org's
    attestations are the file's own (`attestations:`) and `attestations` (the CLI's)."""
    spec, doc, policy, public = load_test_file(path)
    if not allow_unknown_targets:
        check_targets(policy, public)
    paths = [path.parent / p for p in spec.attestations] + list(attestations)
    catalog = org_view_of(public, paths, spec.as_of, policy.policy.org)
    results = []
    for i, case in enumerate(spec.cases):
        result = engine.evaluate(policy, catalog, case.data_class, case.model, spec.as_of)
        results.append(
            CaseResult(
                doc.file, case.name, doc.line_of(("cases", i)), tuple(_compare(case, result))
            )
        )
    return results
