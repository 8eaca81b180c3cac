"""The catalog: inheritance of facts, evidence trust, cross-file rules, and the shipped data
staying faithful to ../shared/provider-facts.yaml."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from registry.catalog.facts import best_trust, targets
from registry.catalog.loader import load_catalog
from registry.catalog.models import Evidence
from registry.errors import CatalogError
from tests.conftest import ROOT, SHARED

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
    data = yaml.safe_load((SHARED / "provider-facts.yaml").read_text())
    return {p["id"]: p for p in data["providers"]}


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
    evidence = [
        *provider.evidence,
        *(e for d in provider.deployments for e in d.evidence),
        *(e for m in provider.models for e in m.evidence),
    ]
    return {e.url for e in evidence}


def test_shipped_catalog_has_every_researched_provider(shipped: Any, facts: dict[str, Any]) -> None:
    assert len(shipped.providers) >= 24
    assert set(FACTS_TO_CATALOG) == set(facts)
    assert set(FACTS_TO_CATALOG.values()) <= set(shipped.providers)


def test_every_source_url_is_kept_as_evidence(shipped: Any, facts: dict[str, Any]) -> None:
    for facts_id, catalog_id in FACTS_TO_CATALOG.items():
        sources = {
            u
            for key in (
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
            for u in _urls(facts[facts_id].get(key))
        }
        missing = sources - _catalog_urls(shipped.providers[catalog_id])
        assert not missing, (catalog_id, sorted(missing))


def _values(catalog: Any, provider_id: str, fact: str) -> set[Any]:
    return {t.facts[fact] for t in targets(catalog) if t.provider == provider_id}


def test_retention_days_and_headquarters_match_the_research(
    shipped: Any, facts: dict[str, Any]
) -> None:
    """A stated number is on the provider or one of its deployments; unknown stays unknown."""
    for facts_id, catalog_id in FACTS_TO_CATALOG.items():
        researched = facts[facts_id]
        for src, dst in (
            ("prompt_days", "prompts_days"),
            ("output_days", "outputs_days"),
            ("abuse_monitoring_days", "abuse_monitoring_days"),
        ):
            stated = researched["retention"].get(src)
            found = _values(shipped, catalog_id, f"retention.{dst}")
            if stated is None:
                assert found == {None}, (catalog_id, dst, found)
            else:
                assert stated in found, (catalog_id, dst, found)
        hq = researched["jurisdiction"].get("hq_country")
        if shipped.providers[catalog_id].headquarters is not None:
            assert shipped.providers[catalog_id].headquarters == hq, catalog_id


def test_training_never_claims_more_than_the_research(shipped: Any, facts: dict[str, Any]) -> None:
    for facts_id, catalog_id in FACTS_TO_CATALOG.items():
        default = facts[facts_id]["trains_on_api_data"].get("default")
        found = _values(shipped, catalog_id, "training_on_customer_data")
        if default is True:
            assert found & {"opt-out", "always"}, (catalog_id, found)


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
            }
        ),
        Evidence.model_validate(
            {
                "url": "https://b.example",
                "as_of": "2026-01-01",
                "facts": ["retention.prompts_days"],
                "trust": "audited",
            }
        ),
    ]
    assert best_trust("retention.prompts_days", evidence) == "audited"
    assert best_trust("retention.outputs_days", evidence) == "secondary"
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
