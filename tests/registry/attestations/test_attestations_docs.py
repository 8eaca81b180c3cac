"""docs/attestations.md's worked example: every number and list it states, recomputed from
the shipped catalog, policies and examples/attestations/vendor-reviews.yaml."""

from __future__ import annotations

import json
import re
from datetime import date

from registry.attestations.apply import with_attestations
from registry.attestations.loader import check_attestations, load_attestation_paths
from registry.catalog.loader import load_catalog
from registry.engine.decisions import Evaluation
from registry.engine.engine import Engine
from registry.policy.loader import load_policy
from tests.conftest import ROOT

AS_OF = date(2026, 11, 26)
DOC = (ROOT / "docs" / "attestations.md").read_text()
EXAMPLE = ROOT / "examples" / "attestations"


def _evaluate(policy_file: str, data_class: str, attested: bool) -> Evaluation:
    policy = load_policy(ROOT / "policies" / policy_file)
    catalog = load_catalog(ROOT / "provider_catalog")
    found = load_attestation_paths([EXAMPLE]) if attested else None
    if found is not None:
        check_attestations(found, catalog, AS_OF, policy.policy.org)
    view = with_attestations(catalog, found, AS_OF)
    return Engine().evaluate(policy, view, data_class, None, AS_OF)


def _only_unknown(result: Evaluation) -> int:
    return sum(
        1
        for d in result.decisions.values()
        if not d.permitted and all(r.outcome == "unknown" for r in d.reasons)
    )


def _ids(text: str) -> list[str]:
    return sorted(re.findall(r"`([a-z0-9-]+/[a-z0-9-]+)`", text))


def test_the_before_numbers_hold() -> None:
    eu = _evaluate("eu-confidential.yaml", "confidential", attested=False)
    hipaa = _evaluate("hipaa-phi.yaml", "phi", attested=False)
    before = DOC.split("**Before.**")[1].split("**Questions.**")[0]
    assert f"{len(eu.permitted)} of {len(eu.decisions)} deployments" in before
    assert f"{_only_unknown(eu)} more are" in before
    verb = "is" if len(hipaa.permitted) == 1 else "are"
    assert f"`phi`, {len(hipaa.permitted)} {verb} permitted" in before
    assert f"{_only_unknown(hipaa)} are denied only by unknowns" in before
    assert _ids(before) == sorted(eu.permitted + hipaa.permitted)


def test_the_after_numbers_hold() -> None:
    eu = _evaluate("eu-confidential.yaml", "confidential", attested=True)
    hipaa = _evaluate("hipaa-phi.yaml", "phi", attested=True)
    after = DOC.split("**After.**")[1]
    assert f"permits **{len(eu.permitted)} of {len(eu.decisions)}**" in after
    assert f"permits **{len(hipaa.permitted)}**" in after
    gained = set(eu.permitted) - set(
        _evaluate("eu-confidential.yaml", "confidential", False).permitted
    )
    table = after.split("**Gains**")[1].split("Changes found.")[0]
    assert _ids(table) == sorted(gained)
    ionos = eu.decisions["ionos/de-txl"]
    assert {r.rule: r.outcome for r in ionos.reasons} == {
        "confidential.storage_within": "unknown",
        "confidential.max_prompt_retention_days": "failed",
    }
    (reason,) = [r for r in ionos.reasons if r.outcome == "failed"]
    assert reason.value == 90 and reason.attested is not None
    assert reason.attested.document in (EXAMPLE / "vendor-reviews.yaml").read_text()
    assert not eu.warnings and not hipaa.warnings


def test_the_example_says_its_documents_are_fictional() -> None:
    text = (EXAMPLE / "vendor-reviews.yaml").read_text()
    documents = re.findall(r'document: "([^"]+)"', text)
    assert documents and all("(fictional)" in d for d in documents)
    assert "FICTIONAL" in text and "fictional" in DOC
    assert json.dumps(documents)  # plain strings


def test_the_questionnaire_numbers_hold() -> None:
    from registry.attestations.questionnaire import build_questionnaire

    catalog = load_catalog(ROOT / "provider_catalog")
    result = _evaluate("eu-confidential.yaml", "confidential", attested=False)
    found = build_questionnaire(result, catalog)
    section = DOC.split("**Questions.**")[1].split("**Three attestations**")[0]
    providers = {q.target.split("/", 1)[0] for q in found.questions}
    assert f"**{len(found.questions)} questions of {len(providers)} providers**" in section
    assert f"the {len(found.considered)} targets denied only by unknowns" in section.replace(
        "\n", " "
    )
    rows = re.findall(r"\| \d+ \| `([^`]+)` \| ([a-z_.]+) \| (\d+) \| (\d+) \|", section)
    assert len(rows) == 5
    by_key = {(q.target, q.fact): q for q in found.questions}
    for target, fact, unblocks, needed in rows:
        question = by_key[(target, fact)]
        assert (len(question.unblocked), len(question.targets)) == (int(unblocks), int(needed))
