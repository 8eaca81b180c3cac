"""Example policies are executable documentation: each data class, evaluated against the
shipped catalog, must equal its checked-in expected result (policies/expected/).

Regenerate after a deliberate catalog or policy change with `make expected` and review the
diff like any other change.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from registry.catalog.loader import load_catalog
from registry.engine.engine import Engine
from registry.policy.loader import load_policy
from tests.conftest import ROOT

AS_OF = date(2026, 11, 26)
POLICIES = sorted(p for p in (ROOT / "policies").glob("*.yaml") if ".test." not in p.name)
CASES = [(path, name) for path in POLICIES for name in load_policy(path).policy.data_classes]
UPDATE = os.environ.get("CLEARANCE_UPDATE_EXPECTED") == "1"


def expected_path(policy: Path, data_class: str) -> Path:
    return ROOT / "policies" / "expected" / f"{policy.stem}.{data_class}.json"


def test_there_are_four_example_policies() -> None:
    names = {p.stem for p in POLICIES}
    assert {"eu-confidential", "hipaa-phi", "no-training", "agent-quality"} <= names


@pytest.mark.parametrize(("policy", "data_class"), CASES, ids=lambda v: getattr(v, "stem", v))
def test_example_matches_expected_result(policy: Path, data_class: str) -> None:
    loaded = load_policy(policy, f"policies/{policy.name}")
    catalog = load_catalog(ROOT / "provider_catalog")
    result = Engine().evaluate(loaded, catalog, data_class, None, AS_OF).to_json()
    result["catalog_revision"] = catalog.revision
    path = expected_path(policy, data_class)
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    assert path.exists(), f"missing {path.name}: run `make expected` and review it"
    assert json.loads(path.read_text()) == result


@pytest.mark.parametrize(("policy", "data_class"), CASES[:3], ids=lambda v: getattr(v, "stem", v))
def test_cli_allowed_json_equals_expected(
    policy: Path, data_class: str, app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    args = [
        "allowed",
        "--policy",
        f"policies/{policy.name}",
        "--data-class",
        data_class,
        "--as-of",
        AS_OF.isoformat(),
        "--format",
        "json",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == json.loads(expected_path(policy, data_class).read_text())


def test_example_unit_tests_pass(app: typer.Typer, runner: CliRunner, in_repo: Path) -> None:
    result = runner.invoke(app, ["test"])
    assert result.exit_code == 0, result.output
    assert "0 failed" in result.stdout
    assert result.stdout.count("PASS ") >= 10


def test_shipped_catalog_and_policies_validate(
    app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0, result.output
    assert "catalog provider_catalog" in result.stdout
    assert result.stdout.count("ok   policy policies/") == len(POLICIES)
