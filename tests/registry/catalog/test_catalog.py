"""The catalog: inheritance of facts, evidence trust, cross-file rules, and the shipped data
staying faithful to the research it was built from (tests/data/provider-facts.yaml)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from registry.catalog.facts import Target, best_trust, targets, trust_index
from registry.catalog.loader import load_catalog
from registry.catalog.models import Evidence
from registry.errors import CatalogError
from tests.conftest import RESEARCH, ROOT

FACTS_TO_CATALOG = {
    "openai-api": "openai",
    "azure-openai": "azure-openai",
    "anthropic-api": "anthropic",
    "aws-bedrock": "amazon-bedrock",
    "google-vertex-ai": "google-vertex",
    "google-gemini-api": "google-ai-studio",
    "mistral-la-plateforme": "mistral",
    "cohere": "cohere",
    "together-ai": "together",
    "fireworks-ai": "fireworks",
    "deepinfra": "deepinfra",
    "groq": "groq",
    "cerebras": "cerebras",
    "sambanova": "sambanova",
    "nebius-token-factory": "nebius",
    "lambda-inference": "lambda",
    "hyperbolic": "hyperbolic",
    "novita-ai": "novita",
    "deepseek-api": "deepseek",
    "alibaba-model-studio": "alibaba",
    "moonshot-kimi": "moonshotai",
    "minimax": "minimax",
    "xai": "xai",
    "baseten": "baseten",
    "parasail": "parasail",
    "openrouter": "openrouter",
}
URL = re.compile(r"https?://[^\s)]+")


@pytest.fixture(scope="module")
def facts() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load(RESEARCH.read_text())
    return {p["id"]: p for p in data["providers"]}


@pytest.fixture(scope="module")
def research_date() -> date:
    """When the research was compiled; a changed fact must cite a source read since."""
    data = yaml.safe_load(RESEARCH.read_text())
    return date.fromisoformat(str(data["compiled"]))


@pytest.fixture(scope="module")
def shipped() -> Any:
    return load_catalog(ROOT / "provider_catalog")


def _urls(node: Any, in_source: bool = False) -> set[str]:
    """URLs under `source`/`sources` keys (other URLs, e.g. endpoint values, are facts)."""
    if isinstance(node, dict):
        return {
            u
            for key, value in node.items()
            for u in _urls(value, in_source or key in ("source", "sources"))
        }
    if isinstance(node, list):
        return {u for value in node for u in _urls(value, in_source)}
    if isinstance(node, str) and in_source:
        return {u.rstrip(";,.") for u in URL.findall(node)}
    return set()


def _catalog_urls(provider: Any) -> set[str]:
    return {e.url for e in _all_evidence(provider)}


def test_shipped_catalog_has_every_researched_provider(shipped: Any, facts: dict[str, Any]) -> None:
    assert len(shipped.providers) >= 24
    assert set(FACTS_TO_CATALOG) == set(facts)
    assert set(FACTS_TO_CATALOG.values()) <= set(shipped.providers)


RESEARCH_SOURCE_KEYS = (
    "sources",
    "facts",
    "jurisdiction",
    "regions",
    "retention",
    "decryption",
    "gpu_ownership",
    "trains_on_api_data",
    "certifications",
    "subprocessors",
    "region_pinning",
)


def _research_sources(entry: dict[str, Any]) -> set[str]:
    return {u for key in RESEARCH_SOURCE_KEYS for u in _urls(entry.get(key))}


def _all_evidence(provider: Any) -> list[Evidence]:
    return [
        *provider.evidence,
        *(e for d in provider.deployments for e in d.evidence),
        *(e for m in provider.models for e in m.evidence),
    ]


def _notes(provider: Any) -> str:
    blocks = [provider, *provider.deployments, *provider.models]
    return " ".join(b.notes or "" for b in blocks)


def test_every_source_url_is_kept_as_evidence(shipped: Any, facts: dict[str, Any]) -> None:
    """Every research URL stays an evidence entry, or the provider's notes name it with why it
    was dropped (a second reader found it does not carry the fact it was cited for)."""
    for facts_id, catalog_id in FACTS_TO_CATALOG.items():
        provider = shipped.providers[catalog_id]
        missing = _research_sources(facts[facts_id]) - _catalog_urls(provider)
        unexplained = {url for url in missing if url not in _notes(provider)}
        assert not unexplained, (catalog_id, sorted(unexplained))


def test_inferred_facts_quote_what_they_are_read_from(shipped: Any, facts: dict[str, Any]) -> None:
    """An inference added since the research quotes the sentence it reads (the research's own
    inferred sources carry its reasoning in the provider's notes)."""
    research = {c: _research_sources(facts[f]) for f, c in FACTS_TO_CATALOG.items()}
    unquoted = [
        (provider.id, ev.url)
        for provider in shipped.providers.values()
        for ev in _all_evidence(provider)
        if ev.trust == "inferred"
        and not (ev.quote or "").strip()
        and ev.url not in research.get(provider.id, set())
    ]
    assert not unquoted, unquoted


# Research value -> the catalog values that agree with it. A research `default: true` for
# training means the provider trains unless the customer opts out (or always does).
TRAINING_DEFAULT: dict[bool, frozenset[str]] = {
    True: frozenset({"opt-out", "always"}),
    False: frozenset({"never", "opt-in"}),
}


def _one(value: Any) -> frozenset[Any] | None:
    return None if value is None else frozenset({value})


def _researched(research: dict[str, Any]) -> dict[str, frozenset[Any] | None]:
    """Fact path -> the catalog values consistent with the research; None = research unknown."""
    retention = research["retention"]
    default = research["trains_on_api_data"].get("default")
    return {
        "retention.prompts_days": _one(retention.get("prompt_days")),
        "retention.outputs_days": _one(retention.get("output_days")),
        "retention.abuse_monitoring_days": _one(retention.get("abuse_monitoring_days")),
        "headquarters": _one(research["jurisdiction"].get("hq_country")),
        "training_on_customer_data": None if default is None else TRAINING_DEFAULT[default],
    }


def _cites_newer_source(target: Target, path: str, since: date) -> bool:
    """Evidence on the provider or deployment names `path` (prefix match, as trust does),
    was read on or after the research and quotes the source."""
    return any(
        ev.as_of >= since and bool(ev.quote) and path in trust_index([ev]) for ev in target.evidence
    )


def _research_conflicts(
    catalog: Any, provider_id: str, research: dict[str, Any], since: date
) -> list[str]:
    """Where the catalog disagrees with the research without the evidence that allows it.

    Deployments and model offerings are checked alike.

    - research value known: a deployment holds it or is unknown, or its changed value cites a
      newer source (evidence naming the fact, dated on/after the research, with a quote). A
      value may become unknown everywhere: a high-stakes fact no verbatim quote carries is
      dropped (tests/registry/catalog/test_catalog_quotes.py), and unknown denies;
    - research value unknown: a deployment may hold a value only if some evidence on its
      provider or deployment names the fact.
    """
    found = [t for t in targets(catalog) if t.provider == provider_id]
    offerings = [
        t
        for model in sorted({m.id for m in catalog.providers[provider_id].models})
        for t in targets(catalog, model)
        if t.provider == provider_id
    ]
    problems: list[str] = []
    for path, accepted in _researched(research).items():
        for target in (*found, *offerings):
            value = target.facts[path]
            if value is None:
                continue
            if accepted is None:
                if target.trust[path] is None:
                    problems.append(
                        f"{target.id}: {path}={value!r} but the research has no value and"
                        " no evidence names the fact"
                    )
            elif value not in accepted and not _cites_newer_source(target, path, since):
                problems.append(
                    f"{target.id}: {path}={value!r} differs from the research"
                    f" {sorted(accepted)} without a newer quoted source"
                )
    return problems


def test_researched_facts_stay_consistent_with_the_catalog(
    shipped: Any, facts: dict[str, Any], research_date: date
) -> None:
    """Retention days, headquarters and training defaults agree with the research, or a
    changed value cites a newer source; a fact the research left unknown has evidence."""
    problems = [
        problem
        for facts_id, catalog_id in FACTS_TO_CATALOG.items()
        for problem in _research_conflicts(shipped, catalog_id, facts[facts_id], research_date)
    ]
    assert not problems, "\n".join(problems)


SYNTHETIC_RESEARCH: dict[str, Any] = {
    "jurisdiction": {"hq_country": "DE"},
    "retention": {"prompt_days": 30, "output_days": None, "abuse_monitoring_days": None},
    "trains_on_api_data": {"default": False},
}
AGREES = "retention: {prompts_days: 30}\ntraining_on_customer_data: never\n"


def _ev(path: str, as_of: str = "2026-11-26", quote: bool = True, indent: int = 2) -> str:
    """One evidence entry (a flow mapping) as a YAML list item."""
    quoted = ", quote: The source says so." if quote else ""
    fields = f"url: https://p.example, as_of: {as_of}, facts: [{path}], trust: inferred"
    return f"{' ' * indent}- {{{fields}{quoted}}}\n"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (AGREES, []),
        (
            "headquarters: DE\nretention: {prompts_days: 30}\ntraining_on_customer_data: opt-in\n",
            [],
        ),
        # a deployment may leave a researched number unknown while another keeps it
        (AGREES + "deployments: [{id: a}, {id: b, retention: {prompts_days: null}}]\n", []),
        # a changed value needs evidence naming it, read on/after the research, with a quote
        (
            "retention: {prompts_days: 0}\ntraining_on_customer_data: never\n",
            ["p/default: retention.prompts_days=0 differs"],
        ),
        (
            "retention: {prompts_days: 0}\ntraining_on_customer_data: never\nevidence:\n"
            + _ev("retention.prompts_days", as_of="2026-11-25")
            + _ev("retention.prompts_days", quote=False)
            + _ev("retention.outputs_days"),
            ["p/default: retention.prompts_days=0 differs"],
        ),
        (
            "retention: {prompts_days: 0}\ntraining_on_customer_data: never\nevidence:\n"
            + _ev("retention"),
            [],
        ),
        (
            AGREES
            + "deployments:\n  - id: a\n  - id: b\n    retention: {prompts_days: 7}\n"
            + "    evidence:\n"
            + _ev("retention.prompts_days", indent=6),
            [],
        ),
        (
            AGREES + "models: [{id: lab/m, retention: {prompts_days: 1}}]\n",
            ["p/default: retention.prompts_days=1 differs"],
        ),
        (AGREES + "headquarters: US\n", ["p/default: headquarters='US' differs"]),
        (
            "retention: {prompts_days: 30}\ntraining_on_customer_data: opt-out\n",
            ["p/default: training_on_customer_data='opt-out' differs"],
        ),
        # a researched number or training default may become unknown (fails closed)
        ("training_on_customer_data: never\n", []),
        ("retention: {prompts_days: 30}\n", []),
        # a value the research left unknown needs some evidence naming it (any trust, any date)
        (
            AGREES.replace("30}", "30, outputs_days: 5}"),
            ["p/default: retention.outputs_days=5 but the research has no value"],
        ),
        (
            AGREES + "deployments:\n  - id: a\n    retention: {outputs_days: 5}\n"
            "    evidence:\n" + _ev("retention.outputs_days", quote=False, indent=6),
            [],
        ),
    ],
)
def test_research_conflicts_catch_unsourced_changes(
    tmp_path: Path, body: str, expected: list[str]
) -> None:
    """The consistency rule itself: it must fail on unsourced changes and additions."""
    _write(tmp_path, "p", "id: p\nname: P\n" + body)
    catalog = load_catalog(tmp_path)
    problems = _research_conflicts(catalog, "p", SYNTHETIC_RESEARCH, date(2026, 11, 26))
    assert len(problems) == len(expected), problems
    for problem, start in zip(problems, expected, strict=True):
        assert problem.startswith(start), problems


def test_trust_levels_are_honest_about_third_parties(shipped: Any) -> None:
    """A source on a domain unrelated to the provider is at most `secondary` trust."""
    third_party = (
        "conductatlas.com",
        "aiprovidertrust.com",
        "trustatlas.pages.dev",
        "windowsforum.com",
        "c-sharpcorner.com",
        "char.com",
    )
    for provider in shipped.providers.values():
        for ev in provider.evidence:
            if any(domain in ev.url for domain in third_party):
                assert ev.trust in ("secondary", "inferred"), (provider.id, ev.url)


# Other spellings of an operator the shipped catalog names one way. `distinct_operators`
# compares names, so "azure" next to "microsoft-azure" would pass two Azure deployments as
# run by different operators.
OPERATOR_SPELLINGS = {
    "azure": "microsoft-azure",
    "google": "google-cloud",
    "gcp": "google-cloud",
    "amazon": "aws",
    "amazon-web-services": "aws",
    "oci": "oracle-cloud",
    "oracle": "oracle-cloud",
    "ibm": "ibm-cloud",
    "alibaba": "alibaba-cloud",
}


def test_operators_have_one_name_each(shipped: Any) -> None:
    misspelt = {
        (t.id, op): OPERATOR_SPELLINGS[op]
        for t in targets(shipped)
        for op in t.facts["gpu.operators"] or []
        if op in OPERATOR_SPELLINGS
    }
    assert not misspelt, misspelt


def test_shipped_regional_deployments_exist(shipped: Any) -> None:
    ids = {t.id for t in targets(shipped)}
    for expected in (
        "openai/eu",
        "openai/us",
        "amazon-bedrock/eu-central-1",
        "google-vertex/eu",
        "azure-openai/datazone-eu",
        "mistral/eu",
    ):
        assert expected in ids


def _write(root: Path, name: str, text: str) -> None:
    (root / "providers").mkdir(parents=True, exist_ok=True)
    (root / "providers" / f"{name}.yaml").write_text(text)


def test_facts_inherit_and_override_field_by_field(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "inherit",
        """id: inherit
name: Inherit
training_on_customer_data: never
retention: {prompts_days: 30, outputs_days: 30, zero_data_retention: available}
inference_countries: [US]
deployments:
  - id: eu
    inference_countries: [EEA]
    retention: {prompts_days: 0}
  - id: us
    retention: {outputs_days: null}
models:
  - id: lab/model
    deployments: [eu]
    retention: {prompts_days: 7}
    quantization: fp8
""",
    )
    catalog = load_catalog(tmp_path)
    by_id = {t.id: t for t in targets(catalog)}
    eu, us = by_id["inherit/eu"], by_id["inherit/us"]
    assert eu.facts["inference_countries"] == ("EEA",)
    assert eu.facts["retention.prompts_days"] == 0
    assert eu.facts["retention.outputs_days"] == 30  # untouched field inherited
    assert eu.facts["retention.zero_data_retention"] == "available"
    assert us.facts["inference_countries"] == ("US",)
    assert us.facts["retention.outputs_days"] is None  # explicit null overrides to unknown
    (offering,) = targets(catalog, "lab/model")
    assert offering.id == "inherit/eu" and offering.model == "lab/model"
    assert offering.facts["retention.prompts_days"] == 7
    assert offering.facts["quantization"] == "fp8"
    assert offering.facts["training_on_customer_data"] == "never"


def test_unknown_enum_values_become_none(tmp_path: Path) -> None:
    _write(tmp_path, "plain", "id: plain\nname: Plain\n")
    (target,) = targets(load_catalog(tmp_path))
    assert target.id == "plain/default"
    assert target.facts["training_on_customer_data"] is None
    assert target.facts["gpu.ownership"] is None
    assert target.facts["certifications"] is None


def test_best_trust_uses_prefix_match_and_the_highest_level() -> None:
    evidence = [
        Evidence.model_validate(
            {
                "url": "https://a.example",
                "as_of": "2026-01-01",
                "facts": ["retention"],
                "trust": "secondary",
                "quote": "Logs are kept for 30 days.",
            }
        ),
        Evidence.model_validate(
            {
                "url": "https://b.example",
                "as_of": "2026-01-01",
                "facts": ["retention.prompts_days"],
                "trust": "audited",
                "quote": "Prompts are deleted after 30 days.",
            }
        ),
        Evidence.model_validate(
            {
                "url": "https://c.example",
                "as_of": "2026-01-01",
                "facts": ["retention.zero_data_retention", "retention.outputs_days"],
                "trust": "contractual",
            }
        ),
    ]
    assert best_trust("retention.prompts_days", evidence) == "audited"
    assert best_trust("retention.outputs_days", evidence) == "contractual"
    # a bare URL (no quote) does not carry a high-stakes fact: the quoted entry sets its trust
    assert best_trust("retention.zero_data_retention", evidence) == "secondary"
    assert best_trust("retention_x", evidence) is None
    assert best_trust("gpu.ownership", evidence) is None


def test_an_alias_may_name_only_one_provider(tmp_path: Path) -> None:
    _write(tmp_path, "one", "id: one\nname: One\naliases: {hosts: [api.same.example]}\n")
    _write(tmp_path, "two", "id: two\nname: Two\naliases: {hosts: [api.same.example]}\n")
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path)
    (problem,) = caught.value.problems
    assert problem.file.endswith("two.yaml") and problem.line == 3
    assert "also names provider one" in problem.message


def test_catalog_errors_are_collected_across_files(tmp_path: Path) -> None:
    _write(tmp_path, "a", "id: a\nname: A\nheadquarters: XX\n")
    _write(tmp_path, "b", "id: b\nname: B\ntraining_on_customer_data: sometimes\n")
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path)
    assert [(Path(p.file).name, p.line) for p in caught.value.problems] == [
        ("a.yaml", 3),
        ("b.yaml", 3),
    ]


def test_revision_is_a_content_hash(tmp_path: Path) -> None:
    _write(tmp_path / "x", "p", "id: p\nname: P\n")
    _write(tmp_path / "y", "p", "# a comment changes nothing\nid: p\nname: P\n")
    _write(tmp_path / "z", "p", "id: p\nname: P2\n")
    revisions = [load_catalog(tmp_path / d).revision for d in "xyz"]
    assert revisions[0] == revisions[1] != revisions[2]
