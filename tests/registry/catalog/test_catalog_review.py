"""`clearance catalog coverage` and `catalog stale`: evidence review of the catalog."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from typer.testing import CliRunner

from cli.exitcodes import ExitCode
from registry.catalog.loader import load_catalog
from registry.catalog.review import KEY_FACTS, coverage, stale_facts

PROVIDER = """id: p
name: P
headquarters: DE
training_on_customer_data: never
gpu: {ownership: owned}
deployments:
  - id: eu
    inference_countries: [DE]
  - id: us
evidence:
  - url: https://p.example/terms
    as_of: 2024-01-01
    facts: [training_on_customer_data]
    trust: self-declared
    quote: We do not train on API data.
  - url: https://p.example/about
    as_of: 2026-10-01
    facts: [headquarters]
    trust: inferred
"""


def _catalog(root: Path) -> Path:
    (root / "providers").mkdir(parents=True)
    (root / "providers" / "p.yaml").write_text(PROVIDER)
    return root


def test_coverage_counts_known_inferred_and_unknown(tmp_path: Path) -> None:
    (row,) = coverage(load_catalog(_catalog(tmp_path)))
    assert row.facts["training_on_customer_data"] == "known"
    assert row.facts["headquarters"] == "inferred"
    assert row.facts["inference_countries"] == "unknown"  # unknown on p/us
    assert row.facts["gpu.ownership"] == "unsourced"  # a value no evidence names
    assert row.covered == 2
    assert set(row.facts) == set(KEY_FACTS)


def test_any_is_a_known_location_in_coverage(tmp_path: Path) -> None:
    text = PROVIDER.replace("  - id: us\n", "  - id: us\n    inference_countries: [ANY]\n")
    text += (
        "  - url: https://p.example/global\n    as_of: 2026-12-01\n"
        "    facts: [inference_countries]\n    trust: self-declared\n"
        "    quote: Requests may be processed in any region.\n"
    )
    (tmp_path / "providers").mkdir(parents=True)
    (tmp_path / "providers" / "p.yaml").write_text(text)
    (row,) = coverage(load_catalog(tmp_path))
    assert row.facts["inference_countries"] == "known"


def test_stale_lists_old_and_unsourced_facts(tmp_path: Path) -> None:
    found = stale_facts(load_catalog(_catalog(tmp_path)), 365, date(2026, 11, 26))
    reasons = {(s.target, s.fact): s.reason for s in found}
    assert "older than 365 days" in reasons[("p/eu", "training_on_customer_data")]
    assert reasons[("p/eu", "gpu.ownership")].startswith("unsourced")
    assert reasons[("p/eu", "inference_countries")].startswith("unsourced")
    assert ("p/eu", "headquarters") not in reasons
    fresh = stale_facts(load_catalog(tmp_path), 2000, date(2026, 11, 26))
    assert ("p/eu", "training_on_customer_data") not in {(s.target, s.fact) for s in fresh}


def test_cli_coverage_and_stale(app: typer.Typer, runner: CliRunner, tmp_path: Path) -> None:
    root = str(_catalog(tmp_path))
    result = runner.invoke(app, ["catalog", "coverage", "--catalog", root])
    assert result.exit_code == ExitCode.OK
    assert f"total: 2 of {len(KEY_FACTS)} key facts known or inferred" in result.stdout
    (per_fact,) = [line for line in result.stdout.splitlines() if line.startswith("providers")]
    counts = [int(n) for n in per_fact.removeprefix("providers covered").split()]
    covered = {"headquarters", "training_on_customer_data"}
    assert counts == [int(f in covered) for f in KEY_FACTS]
    result = runner.invoke(
        app, ["catalog", "stale", "--days", "365", "--catalog", root, "--as-of", "2026-11-26"]
    )
    assert result.exit_code == ExitCode.FAILED
    assert "p/eu: training_on_customer_data: newest evidence is of 2024-01-01" in result.stdout
