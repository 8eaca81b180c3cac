"""Quote discipline and the second reader's review (issue 14): the rules on small catalogs,
then the shipped catalog held to them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from cli.exitcodes import ExitCode
from registry.catalog.loader import Catalog, load_catalog
from registry.catalog.quotes import off_subject, quote_count, quote_gaps
from registry.catalog.reviews import (
    VERDICTS,
    digest,
    load_reviews,
    review_items,
    review_state,
    verdict_counts,
)
from registry.errors import CatalogError
from tests.conftest import ROOT

CATALOG = ROOT / "provider_catalog"


@pytest.fixture(scope="module")
def shipped_catalog() -> Catalog:
    return load_catalog(CATALOG)


RETENTION_QUOTE = "API inputs and outputs are deleted after 30 days."
TRAINING_QUOTE = "We do not train on API data."
PROVIDER = f"""id: p
name: P
training_on_customer_data: never
retention: {{prompts_days: 30}}
deployments:
  - id: eu
    inference_countries: [DE]
    evidence:
      - url: https://p.example/regions
        as_of: 2026-12-01
        facts: [inference_countries]
        trust: self-declared
        quote: "Requests to eu.p.example are processed in our Frankfurt data centre."
  - id: us
models:
  - id: lab/m
    deployments: [eu]
    storage_countries: [DE]
    evidence:
      - url: https://p.example/models
        as_of: 2026-12-01
        facts: [storage_countries]
        trust: self-declared
        quote: "Logs of lab/m are stored in Germany."
evidence:
  - url: https://p.example/data
    as_of: 2026-12-01
    facts: [retention, training_on_customer_data]
    trust: self-declared
    quote: "{RETENTION_QUOTE}"
"""


def _catalog(root: Path, text: str = PROVIDER) -> Path:
    (root / "providers").mkdir(parents=True, exist_ok=True)
    (root / "providers" / "p.yaml").write_text(text)
    return root


def test_a_quote_must_speak_to_each_fact_it_carries(tmp_path: Path) -> None:
    catalog = load_catalog(_catalog(tmp_path))
    # a retention sentence cannot carry training (the cerebras finding)
    assert [str(g) for g in quote_gaps(catalog)] == [
        "p: training_on_customer_data: no evidence entry naming it quotes a sentence about it"
    ]
    assert [str(g) for g in off_subject(catalog)] == [
        "p: training_on_customer_data: the quote at https://p.example/data is not about it"
    ]
    count = quote_count(catalog)
    assert (count.quoted, count.total) == (3, 4)


def test_inherited_evidence_covers_lower_levels_only_within_scope(tmp_path: Path) -> None:
    text = PROVIDER.replace("facts: [retention, training_on_customer_data]", "facts: [retention]")
    text = text.replace("    deployments: [eu]\n", "    deployments: [us]\n")
    text = text.replace(
        "        facts: [storage_countries]\n", "        facts: [training_on_customer_data]\n"
    )
    text = text.replace("training_on_customer_data: never\n", "")
    # the offering on `us` cannot use the eu deployment's evidence, nor a quote about a fact
    # it does not name
    gaps = [str(g) for g in quote_gaps(load_catalog(_catalog(tmp_path, text)))]
    assert gaps == [
        "p/lab/m: storage_countries: no evidence entry naming it quotes a sentence about it"
    ]


def _record(root: Path, verdicts: dict[str, str]) -> None:
    """Write a review log the way scripts/review.py does, one verdict per fact."""
    provider = load_catalog(root).providers["p"]
    reviews = [
        {
            "target": item.target,
            "fact": item.fact,
            "value": item.value,
            "verdict": verdicts[item.fact],
            "quotes": [{"url": url, "sha256": digest(quote)} for url, quote in item.quotes],
            "reviewed": "2026-12-03",
        }
        for item in review_items(provider)
        if item.fact in verdicts
    ]
    path = root / "reviews" / "p.yaml"
    path.parent.mkdir(exist_ok=True)
    old = yaml.safe_load(path.read_text())["reviews"] if path.exists() else []
    path.write_text(yaml.safe_dump({"provider": "p", "reviews": old + reviews}))


def test_a_review_is_tied_to_the_value_and_the_quote(tmp_path: Path) -> None:
    root = _catalog(
        tmp_path, PROVIDER.replace(RETENTION_QUOTE, f"{RETENTION_QUOTE} {TRAINING_QUOTE}")
    )
    items = {(i.target, i.fact) for i in review_items(load_catalog(root).providers["p"])}
    assert items == {
        ("p", "training_on_customer_data"),
        ("p", "retention.prompts_days"),
        ("p/eu", "inference_countries"),
        ("p@lab/m", "storage_countries"),
    }
    _record(
        root,
        {
            "training_on_customer_data": "supported",
            "retention.prompts_days": "supported",
            "inference_countries": "broader",
        },
    )
    state = review_state(load_catalog(root), load_reviews(root))
    assert (state.supported, state.total) == (2, 4)
    assert state.rejected == ["p/eu: inference_countries: broader"]
    assert state.unreviewed == ["p@lab/m: storage_countries"]

    # a later review of the same quotes replaces a rejection; an added quote keeps a
    # supported verdict (its quotes are all still there)
    _record(root, {"inference_countries": "supported"})
    provider = root / "providers" / "p.yaml"
    provider.write_text(
        provider.read_text().replace(
            "facts: [inference_countries]", "facts: [inference_countries, storage_countries]"
        )
    )
    state = review_state(load_catalog(root), load_reviews(root))
    assert (state.supported, state.rejected) == (3, [])

    # a changed value or an edited quote is a new claim: the old verdict no longer counts
    provider.write_text(provider.read_text().replace("prompts_days: 30", "prompts_days: 0"))
    provider.write_text(provider.read_text().replace("We do not train", "We never train"))
    state = review_state(load_catalog(root), load_reviews(root))
    assert state.supported == 1
    assert state.unreviewed == [
        "p: retention.prompts_days",
        "p: training_on_customer_data",
        "p@lab/m: storage_countries",
    ]


def test_a_malformed_review_log_is_an_error_with_file_and_line(tmp_path: Path) -> None:
    root = _catalog(tmp_path)
    (root / "reviews").mkdir()
    (root / "reviews" / "p.yaml").write_text(
        "provider: p\nreviews:\n  - target: p\n    fact: x\n    value: '0'\n"
        "    quotes: [{url: u, sha256: 0123456789abcdef}]\n    verdict: fine\n"
        "    reviewed: 2026-12-03\n"
    )
    with pytest.raises(CatalogError) as caught:
        load_reviews(root)
    rendered = caught.value.render()
    assert "reviews/p.yaml:7: [reviews[0].verdict] CLR-C001" in rendered
    assert "use one of 'supported', 'broader' or 'unrelated'" in rendered


def test_cli_quotes_lists_gaps_and_rejections(
    tmp_path: Path, app: typer.Typer, runner: CliRunner
) -> None:
    root = _catalog(tmp_path)
    result = runner.invoke(app, ["catalog", "quotes", "--catalog", str(root)])
    assert result.exit_code == ExitCode.FAILED
    assert "p: training_on_customer_data: no evidence entry" in result.stdout
    assert "high-stakes facts quoted: 3 of 4 (75 %)" in result.stdout
    clean = PROVIDER.replace("training_on_customer_data: never\n", "").replace(
        "facts: [retention, training_on_customer_data]", "facts: [retention]"
    )
    root = _catalog(tmp_path / "clean", clean)
    _record(root, {"retention.prompts_days": "supported", "storage_countries": "supported"})
    result = runner.invoke(app, ["catalog", "quotes", "--catalog", str(root)])
    assert result.exit_code == ExitCode.OK, result.stdout
    assert "second reader's review: 2 of 3" in result.stdout
    _record(root, {"inference_countries": "unrelated"})
    result = runner.invoke(app, ["catalog", "quotes", "--catalog", str(root)])
    assert result.exit_code == ExitCode.FAILED
    assert "p/eu: inference_countries: unrelated (the second reader's verdict)" in result.stdout


def test_review_dates_are_iso(tmp_path: Path) -> None:
    root = _catalog(tmp_path)
    _record(root, {"retention.prompts_days": "supported"})
    ((review,),) = load_reviews(root).values()
    assert review.reviewed == date(2026, 12, 3)


# --- the shipped catalog held to the rules ------------------------------------------------


def test_every_shipped_high_stakes_fact_is_quoted_on_subject(shipped_catalog: Catalog) -> None:
    assert [str(g) for g in quote_gaps(shipped_catalog)] == []
    assert [str(g) for g in off_subject(shipped_catalog)] == []


def test_every_shipped_high_stakes_fact_has_the_second_readers_support(
    shipped_catalog: Catalog,
) -> None:
    state = review_state(shipped_catalog, load_reviews(CATALOG))
    assert state.rejected == []
    assert state.unreviewed == []
    assert state.supported == state.total > 0


def test_docs_state_the_review_counts(shipped_catalog: Catalog) -> None:
    """docs/catalog.md reports the review's numbers as they are."""
    state = review_state(shipped_catalog, load_reviews(CATALOG))
    counts = verdict_counts(load_reviews(CATALOG))
    totals = {v: sum(c[v] for c in counts.values()) for v in VERDICTS}
    text = (ROOT / "docs" / "catalog.md").read_text()
    assert f"{state.supported} of {state.total} set high-stakes facts quoted and supported" in text
    assert (
        f"{sum(totals.values())} verdicts: {totals['supported']} supported,"
        f" {totals['broader']} broader, {totals['unrelated']} unrelated" in text
    )


HYPERSCALER_REGIONS = {
    "azure-openai": {"swedencentral", "francecentral", "germanywestcentral", "eastus", "global"},
    "amazon-bedrock": {"eu-central-1", "eu-north-1", "eu-west-3", "us-east-1", "eu", "global"},
    "google-vertex": {"europe-west4", "europe-west1", "us-central1", "global", "eu", "us"},
}


def test_the_hyperscalers_regions_are_deployments(shipped_catalog: Catalog) -> None:
    for pid, wanted in HYPERSCALER_REGIONS.items():
        deployments = {d.id for d in shipped_catalog.providers[pid].deployments}
        assert wanted <= deployments, (pid, sorted(wanted - deployments))
        assert len(deployments) >= 25, (pid, len(deployments))
    regions = {
        r for d in shipped_catalog.providers["google-vertex"].deployments for r in d.cloud_regions
    }
    assert "europe-west4" in regions  # LiteLLM's vertex_location is matched against these


def test_global_endpoints_that_state_no_commitment_are_any(shipped_catalog: Catalog) -> None:
    for target in ("azure-openai/global", "google-vertex/global", "amazon-bedrock/global"):
        pid, dep = target.split("/")
        (found,) = [d for d in shipped_catalog.providers[pid].deployments if d.id == dep]
        assert found.inference_countries == ["ANY"], target
