"""Issue 12, hole 6: a policy target the catalog does not know is an error, not a warning —
`deny: [deepsek]` used to validate with exit 0 and deny nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cli.exitcodes import ExitCode
from registry.catalog.loader import load_named
from registry.errors import CatalogError
from registry.policy.targets import catalog_ids

TYPO = """policy: typos
org: example
default_data_class: internal
data_classes:
  internal:
    training: forbidden
providers:
  deny: [deepsek]
exceptions:
  - target: mistral/europe
    data_class: internal
    waive: [training]
    reason: reviewed in SEC-1
    approved_by: alice@example.com
    expires: 2027-06-30
"""


@pytest.fixture
def typo(tmp_path: Path) -> Path:
    path = tmp_path / "typos.yaml"
    path.write_text(TYPO)
    return path


@pytest.mark.parametrize(
    "command",
    [
        ["validate"],
        ["allowed", "--policy"],
        ["explain", "openai/eu", "--policy"],
        ["gate", "tests/manifests/clearance_eu_only.yaml", "--policy"],
    ],
)
def test_an_unknown_target_exits_2_naming_line_key_and_the_closest_id(
    command: list[str], typo: Path, app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    result = runner.invoke(app, [*command, str(typo)])
    assert result.exit_code == ExitCode.INVALID, result.output
    assert f"{typo}:8: [providers.deny[0]] CLR-P005 'deepsek' is not a provider" in result.stderr
    assert "did you mean deepseek?" in result.stderr
    assert f"{typo}:10: [exceptions[0].target] CLR-P005 'mistral/europe'" in result.stderr
    assert "did you mean mistral/eu?" in result.stderr


def test_allow_unknown_targets_turns_the_error_into_a_warning(
    typo: Path, app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    validated = runner.invoke(app, ["validate", str(typo), "--allow-unknown-targets"])
    assert validated.exit_code == ExitCode.OK
    assert "warning:" in validated.stderr and "deepsek" in validated.stderr
    args = ["allowed", "--policy", str(typo), "--format", "json", "--allow-unknown-targets"]
    allowed = runner.invoke(app, args)
    assert allowed.exit_code == ExitCode.OK
    assert "deepsek" in allowed.stdout  # still listed among the answer's warnings


def test_a_diff_may_fix_a_typo_the_old_side_had(
    typo: Path, tmp_path: Path, app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    fixed = tmp_path / "fixed.yaml"
    fixed.write_text(TYPO.replace("deepsek", "deepseek").replace("mistral/europe", "mistral/eu"))
    result = runner.invoke(app, ["diff", "--policy", str(typo), str(fixed)])
    assert result.exit_code == ExitCode.FAILED, result.output  # the exception now applies
    assert "mistral/eu" in result.stdout
    backwards = runner.invoke(app, ["diff", "--policy", str(fixed), str(typo)])
    assert backwards.exit_code == ExitCode.INVALID


def test_a_policy_test_against_a_fixture_catalog_checks_targets_too(
    tmp_path: Path, app: typer.Typer, runner: CliRunner
) -> None:
    (tmp_path / "p.yaml").write_text(TYPO.replace("mistral/europe", "deepsek"))
    (tmp_path / "p.test.yaml").write_text(
        "policy: p.yaml\nas_of: 2026-11-26\ncatalog:\n  providers:\n"
        "    - {id: deepseek, name: DeepSeek, training_on_customer_data: never}\n"
        "cases:\n  - name: x\n    data_class: internal\n    permitted: [deepseek/default]\n"
    )
    result = runner.invoke(app, ["test", str(tmp_path / "p.test.yaml")])
    assert result.exit_code == ExitCode.INVALID, result.output
    assert "did you mean deepseek?" in result.stderr
    allowed = runner.invoke(app, ["test", str(tmp_path / "p.test.yaml"), "--allow-unknown-targets"])
    assert allowed.exit_code in (ExitCode.OK, ExitCode.FAILED), allowed.output


@pytest.fixture
def client(sqlite_client: TestClient) -> TestClient:
    return sqlite_client


def test_the_registry_refuses_an_unknown_target_unless_asked(client: TestClient) -> None:
    url = "/v1/orgs/example/policies/typos"
    headers = {"Content-Type": "application/yaml"}
    refused = client.put(url, content=TYPO, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["code"] == "CLR-P005"
    assert "did you mean deepseek?" in refused.text
    assert client.get(url).status_code == 404
    accepted = client.put(f"{url}?allow_unknown_targets=true", content=TYPO, headers=headers)
    assert accepted.status_code == 201


def test_validate_reads_only_the_providers_a_policy_names_when_they_hold_every_target(
    tmp_path: Path, app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    """The default catalog is read whole only when a target is missing (for the closest id):
    a file of another provider, even a broken one, does not stop the check."""
    catalog = tmp_path / "catalog"
    shutil.copytree(in_repo / "provider_catalog", catalog)
    (catalog / "providers" / "zz-broken.yaml").write_text("id: zz-broken\nname: [\n")
    fixed = tmp_path / "fixed.yaml"
    fixed.write_text(TYPO.replace("deepsek", "deepseek").replace("mistral/europe", "mistral/eu"))
    checked = runner.invoke(app, ["validate", str(fixed), "--catalog", str(catalog)])
    assert checked.exit_code == ExitCode.OK, checked.output
    assert "not checked" not in checked.stderr
    named = load_named(catalog, {"deepseek", "mistral", "no-such-ai", "../providers/openai"})
    assert sorted(named.providers) == ["deepseek", "mistral"]
    assert "mistral/eu" in catalog_ids(named) and "openai" not in catalog_ids(named)
    with pytest.raises(CatalogError):
        load_named(catalog, {"zz-broken"})
    # no catalog at all: a warning that the targets were not checked, never a traceback
    unchecked = runner.invoke(app, ["validate", str(fixed), "--catalog", str(tmp_path)])
    assert unchecked.exit_code == ExitCode.OK, unchecked.output
    assert "policy targets not checked" in unchecked.stderr
