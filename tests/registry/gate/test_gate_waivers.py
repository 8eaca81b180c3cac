"""Issue 12, hole 7: an entry permitted only through a policy exception is shown as such in
every format (approver, expiry, the exception's line), and exceptions that expire soon warn
before the build turns red. Also: a gate that cannot run still writes its report."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import typer
from typer.testing import CliRunner

from cli.exitcodes import ExitCode
from tests.conftest import SARIF_SCHEMA

POLICY = """policy: waivers
org: example
default_data_class: internal
data_classes:
  internal:
    training: forbidden
exceptions:
  - target: mistral/eu
    data_class: internal
    waive: [training]
    reason: opted out by contract, ticket SEC-42
    approved_by: alice@example.com
    expires: 2026-12-10
"""
MANIFEST = "kind: clearance/deployment\nuses:\n  - provider: mistral/eu\n"
AS_OF = "2026-11-26"


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    policy = tmp_path / "waivers.yaml"
    policy.write_text(POLICY)
    manifest = tmp_path / "deploy.yaml"
    manifest.write_text(MANIFEST)
    return policy, manifest


def gate(
    app: typer.Typer, runner: CliRunner, files: tuple[Path, Path], fmt: str, *extra: str
) -> str:
    policy, manifest = files
    args = ["gate", str(manifest), "--policy", str(policy), "--as-of", AS_OF, "--format", fmt]
    result = runner.invoke(app, [*args, *extra])
    assert result.exit_code == ExitCode.OK, result.output  # waived is compliant
    return result.stdout


def test_text_names_the_waiver_its_approver_expiry_and_line(
    app: typer.Typer, runner: CliRunner, files: tuple[Path, Path], in_repo: Path
) -> None:
    out = gate(app, runner, files, "text")
    assert f"{files[1]}:3: ok (waived) mistral/eu [internal]" in out
    assert "mistral/eu: internal.training waived by the exception at " in out
    assert f"{files[0]}:8 (approved by alice@example.com, expires 2026-12-10)" in out
    assert "warning: exception for mistral/eu" in out and "(in 14 days)" in out
    assert "1 permitted only by exceptions" in out


def test_json_carries_the_waiver_and_the_expiry_warning(
    app: typer.Typer, runner: CliRunner, files: tuple[Path, Path], in_repo: Path
) -> None:
    doc = json.loads(gate(app, runner, files, "json"))
    (result,) = doc["results"]
    assert result["compliant"] is True
    (waived,) = result["waived"]["mistral/eu"]
    assert waived["rule"] == "internal.training"
    assert waived["waiver"]["approved_by"] == "alice@example.com"
    assert waived["waiver"]["source"]["line"] == 8
    assert doc["summary"]["waived"] == 1
    (warning,) = doc["warnings"]
    assert warning["code"] == "policy.exception_expiring"
    assert warning["source"] == {"file": str(files[0]), "line": 8}


def test_sarif_has_a_note_at_the_entry_and_a_warning_at_the_exception(
    app: typer.Typer, runner: CliRunner, files: tuple[Path, Path], in_repo: Path
) -> None:
    import jsonschema

    sarif = json.loads(gate(app, runner, files, "sarif"))
    jsonschema.validate(sarif, json.loads(SARIF_SCHEMA.read_text()))
    results = sarif["runs"][0]["results"]
    levels = {r["level"]: r for r in results}
    assert set(levels) == {"note", "warning"}
    note = levels["note"]
    assert note["ruleId"] == "internal.training"
    assert note["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    related = note["relatedLocations"][0]["physicalLocation"]
    assert (related["artifactLocation"]["uri"], related["region"]["startLine"]) == (
        str(files[0]),
        8,
    )
    assert "alice@example.com" in note["message"]["text"]
    assert levels["warning"]["ruleId"] == "policy.exception_expiring"


def test_junit_and_github_show_it_too(
    app: typer.Typer, runner: CliRunner, files: tuple[Path, Path], in_repo: Path
) -> None:
    suite = ET.fromstring(gate(app, runner, files, "junit")).find("testsuite")
    assert suite is not None
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert "alice@example.com" in (props["clearance.waived"] or "")
    assert "expires on 2026-12-10" in (props["clearance.warning"] or "")
    assert suite.find("testcase/failure") is None
    lines = gate(app, runner, files, "github").splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == ["::notice", "::warning"]
    assert "approved by alice@example.com" in lines[0]


def test_the_expiry_warning_window_is_configurable(
    app: typer.Typer, runner: CliRunner, files: tuple[Path, Path], in_repo: Path
) -> None:
    doc = json.loads(gate(app, runner, files, "json", "--warn-expiring-days", "7"))
    assert doc["warnings"] == []
    assert doc["results"][0]["waived"]  # still shown: the waiver is what permits it


def test_after_expiry_the_entry_is_a_violation_and_the_warning_says_why(
    app: typer.Typer, runner: CliRunner, files: tuple[Path, Path], in_repo: Path
) -> None:
    policy, manifest = files
    args = ["gate", str(manifest), "--policy", str(policy), "--as-of", "2026-12-11"]
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == ExitCode.FAILED
    doc = json.loads(result.stdout)
    assert doc["warnings"][0]["code"] == "policy.exception_expired"


@pytest.mark.parametrize("fmt", ["sarif", "junit", "json", "github"])
def test_an_input_error_still_writes_the_report_it_was_asked_for(
    fmt: str, app: typer.Typer, runner: CliRunner, tmp_path: Path, in_repo: Path
) -> None:
    import jsonschema

    broken = tmp_path / "deploy.yaml"
    broken.write_text("model_list:\n  - model_name: x\n")
    out = tmp_path / f"report.{fmt}"
    args = ["gate", str(broken), "--policy", "policies/eu-confidential.yaml"]
    result = runner.invoke(app, [*args, "--format", fmt, "--output", str(out)])
    assert result.exit_code == ExitCode.INVALID
    assert f"{broken}:2:" in result.stderr
    text = out.read_text()
    if fmt == "sarif":
        sarif = json.loads(text)
        jsonschema.validate(sarif, json.loads(SARIF_SCHEMA.read_text()))
        (invocation,) = sarif["runs"][0]["invocations"]
        assert invocation["executionSuccessful"] is False
        (note,) = invocation["toolExecutionNotifications"]
        assert note["level"] == "error"
        assert note["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    elif fmt == "junit":
        suite = ET.fromstring(text).find("testsuite")
        assert suite is not None and suite.get("errors") == "1"
        error = suite.find("testcase/error")
        assert error is not None and error.get("type") == "CLR-G001"
    elif fmt == "json":
        doc = json.loads(text)
        assert doc["compliant"] is False and doc["problems"][0]["line"] == 2
    else:
        assert text.startswith("::error file=")
