"""`clearance gate`: manifests read by content, line-accurate violations, SPEC exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from cli.exitcodes import ExitCode
from tests.conftest import ROOT

MANIFESTS = ROOT / "tests" / "manifests"
POLICY = ["--policy", "policies/eu-confidential.yaml", "--as-of", "2026-11-26"]


def gate(app: typer.Typer, runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["gate", *args])
    return result.exit_code, result.stdout, result.stderr


def report(app: typer.Typer, runner: CliRunner, *args: str) -> tuple[int, dict[str, Any]]:
    code, out, err = gate(app, runner, *args, "--format", "json")
    assert code in (ExitCode.OK, ExitCode.FAILED), err
    return code, json.loads(out)


def by_line(doc: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {r["line"]: r for r in doc["results"]}


def test_litellm_config_across_clouds_and_regions(
    app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    code, doc = report(
        app,
        runner,
        str(MANIFESTS / "litellm_multi_cloud.yaml"),
        *POLICY,
        "--data-class",
        "confidential",
    )
    assert code == ExitCode.FAILED
    results = by_line(doc)
    assert sorted(results) == [5, 9, 13, 17, 22, 26]  # the line of each litellm_params.model
    assert results[5]["targets"] == ["amazon-bedrock/eu-central-1"]
    assert results[9]["targets"] == ["amazon-bedrock/us-east-1"]
    assert "confidential.inference_within" in results[9]["rules"]
    assert results[13]["provider"] == "google-vertex"
    assert "no deployment in region 'europe-west12'" in results[13]["message"]
    assert results[13]["rules"] == ["gate.unresolved"]
    azure = results[17]
    assert azure["provider"] == "azure-openai"
    assert len(azure["targets"]) > 1  # no region: every deployment it may use must pass
    assert results[22]["targets"] == ["openai/eu"]  # the prefix's deployment by api_base host
    # openai/eu is denied for confidential since the precise catalog: its inference and
    # storage countries and prompt retention are unknown (fail closed)
    assert results[22]["compliant"] is False
    assert "confidential.inference_within" in results[22]["rules"]
    outcomes = {d["fact"]: d["outcome"] for d in results[22]["denied"]["openai/eu"]}
    assert outcomes["inference_countries"] == "unknown"
    assert results[26]["provider"] == "openai"  # no prefix: matched by the api_base host
    assert results[26]["targets"] == ["openai/us"]
    assert results[26]["compliant"] is False
    assert doc["summary"] == {"entries": 6, "violations": 6, "waived": 0}
    # an entry whose api_base host is a deployment permitted for confidential passes
    code, doc = report(
        app,
        runner,
        str(MANIFESTS / "litellm_eu_sovereign.yaml"),
        *POLICY,
        "--data-class",
        "confidential",
    )
    ovh = by_line(doc)[29]
    assert (ovh["provider"], ovh["targets"], ovh["compliant"]) == (
        "ovhcloud",
        ["ovhcloud/default"],
        True,
    )


def test_an_entrys_own_class_and_the_gates_class_both_apply(
    app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    """A manifest cannot lower the class CI checks: `data_class: confidential` in the
    manifest under `--data-class restricted` must pass both (it used to pass confidential
    only, which `restricted` denies). The entry is ovhcloud/default, the one deployment the
    shipped catalog permits for confidential: only the rules `restricted` adds fail."""
    code, doc = report(
        app,
        runner,
        str(MANIFESTS / "clearance_eu_only.yaml"),
        *POLICY,
        "--data-class",
        "restricted",
    )
    results = by_line(doc)
    assert results[4]["data_class"] == "confidential + restricted"
    assert results[4]["compliant"] is False
    # its decryption country is unknown and its evidence below self-declared
    assert results[4]["rules"] == ["restricted.decryption_within", "restricted.min_evidence_trust"]
    assert results[6]["data_class"] == "internal + restricted"
    assert "internal.training" in results[6]["rules"]  # mistral trains unless opted out
    assert results[8]["data_class"] == "restricted"  # --data-class where the entry names none
    assert code == ExitCode.FAILED
    code, doc = report(app, runner, str(MANIFESTS / "clearance_eu_only.yaml"), *POLICY)
    results = by_line(doc)
    assert (results[4]["data_class"], results[4]["compliant"]) == ("confidential", True)
    assert results[8]["data_class"] == "internal"  # the policy's default


def test_only_compliant_entries_exit_zero(
    app: typer.Typer, runner: CliRunner, tmp_path: Path, in_repo: Path
) -> None:
    manifest = tmp_path / "ok.yaml"
    # ovhcloud/default: the one deployment the shipped catalog permits for confidential
    manifest.write_text("kind: clearance/deployment\nuses:\n  - provider: ovhcloud/default\n")
    code, out, _ = gate(app, runner, str(manifest), *POLICY, "--data-class", "confidential")
    assert code == ExitCode.OK
    assert "1 entries checked, 0 violation(s)" in out


def test_unknown_providers_and_deployments_are_violations_not_passes(
    app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    code, out, _ = gate(
        app,
        runner,
        str(MANIFESTS / "clearance_unknown_provider.yaml"),
        *POLICY,
        "--data-class",
        "confidential",
    )
    assert code == ExitCode.FAILED
    manifest = "tests/manifests/clearance_unknown_provider.yaml"
    assert f"{manifest}:4: VIOLATION not-a-provider" in out.replace(str(ROOT) + "/", "")
    assert "unknown provider 'not-a-provider'" in out
    assert "unknown deployment 'openai/mars'" in out
    code, doc = report(app, runner, str(MANIFESTS / "litellm_multi_cloud.yaml"), *POLICY)
    assert all(r["rules"] for r in doc["results"] if not r["compliant"])


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("malformed_types.yaml", 4),
        ("malformed_yaml.yaml", 4),
        ("malformed_litellm_entry.yaml", 5),
        ("not_a_manifest.yaml", 1),
    ],
)
def test_malformed_manifests_exit_two_with_file_and_line(
    name: str, line: int, app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    code, out, err = gate(app, runner, str(MANIFESTS / name), *POLICY)
    assert code == ExitCode.INVALID
    assert f"{name}:{line}:" in err
    assert out == ""


def test_report_written_to_a_file(
    app: typer.Typer, runner: CliRunner, tmp_path: Path, in_repo: Path
) -> None:
    target = tmp_path / "report.json"
    code, out, _ = gate(
        app,
        runner,
        str(MANIFESTS / "clearance_eu_only.yaml"),
        *POLICY,
        "--format",
        "json",
        "--output",
        str(target),
    )
    assert code == ExitCode.FAILED
    assert out == ""
    assert json.loads(target.read_text())["summary"]["entries"] == 3


FORMATS = ["text", "json", "sarif", "junit", "github"]
GOLDEN = ROOT / "tests" / "golden"


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_matches_its_golden_file(
    fmt: str, app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    import os

    code, out, _ = gate(
        app,
        runner,
        "tests/manifests/clearance_unknown_provider.yaml",
        "tests/manifests/clearance_eu_only.yaml",
        *POLICY,
        "--format",
        fmt,
    )
    assert code == ExitCode.FAILED
    golden = GOLDEN / f"gate.{fmt}"
    if os.environ.get("CLEARANCE_UPDATE_EXPECTED") == "1":
        golden.write_text(out)
    assert out == golden.read_text()


# Both LiteLLM configs: every entry is a violation for confidential but the OVHcloud one
# (litellm_eu_sovereign.yaml:29, the one deployment the shipped catalog permits for it).
LITELLM_CONFIGS = [
    "tests/manifests/litellm_multi_cloud.yaml",
    "tests/manifests/litellm_eu_sovereign.yaml",
]
VIOLATIONS = {("litellm_multi_cloud.yaml", line) for line in (5, 9, 13, 17, 22, 26)} | {
    ("litellm_eu_sovereign.yaml", line) for line in (7, 12, 16, 22, 34, 38, 44, 48, 52)
}


def test_sarif_is_valid_against_the_official_schema(
    app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    import jsonschema

    from tests.conftest import SARIF_SCHEMA

    _, out, _ = gate(
        app,
        runner,
        *LITELLM_CONFIGS,
        *POLICY,
        "--data-class",
        "confidential",
        "--format",
        "sarif",
    )
    sarif = json.loads(out)
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.validate(sarif, schema)
    run = sarif["runs"][0]
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    assert all(rule["help"]["text"] for rule in run["tool"]["driver"]["rules"])
    assert {r["ruleId"] for r in run["results"]} == set(rule_ids)
    lines = {
        (
            Path(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]).name,
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in run["results"]
    }
    assert lines == VIOLATIONS  # the compliant OVHcloud entry has no result


def test_junit_parses_with_one_testcase_per_entry(
    app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    from xml.etree import ElementTree

    _, out, _ = gate(
        app,
        runner,
        *LITELLM_CONFIGS,
        *POLICY,
        "--data-class",
        "confidential",
        "--format",
        "junit",
    )
    suite = ElementTree.fromstring(out).find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert len(cases) == 16
    assert suite.get("failures") == "15"
    assert sum(case.find("failure") is not None for case in cases) == 15
    (passed,) = [case for case in cases if case.find("failure") is None]
    assert passed.get("classname") == "tests/manifests/litellm_eu_sovereign.yaml"
    assert (passed.get("name") or "").startswith("line 29: ")


def test_github_annotations_point_at_file_and_line(
    app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    _, out, _ = gate(
        app,
        runner,
        *LITELLM_CONFIGS,
        *POLICY,
        "--data-class",
        "confidential",
        "--format",
        "github",
    )
    lines = out.splitlines()
    assert len(lines) == 15
    assert all(line.startswith("::error file=tests/manifests/litellm_") for line in lines)
    pointed = {
        (
            Path(line.split("file=", 1)[1].split(",", 1)[0]).name,
            int(line.split(",line=")[1].split(",")[0]),
        )
        for line in lines
    }
    assert pointed == VIOLATIONS  # the compliant OVHcloud entry has no annotation
    assert all("\n" not in line for line in lines)


FAILOVER_POLICY = """policy: failover
org: t
default_data_class: tools
data_classes:
  tools: {training: forbidden}
routing:
  min_deployments_per_model: 2
  distinct_operators: true
"""


def _failover_catalog(root: Path, second_operator: str) -> Path:
    providers = root / "catalog" / "providers"
    providers.mkdir(parents=True)
    for pid, operator, prefix in (("alpha", "cloud-a", "alpha"), ("beta", second_operator, "beta")):
        (providers / f"{pid}.yaml").write_text(
            f"id: {pid}\nname: {pid}\ntraining_on_customer_data: never\n"
            f"aliases: {{litellm: [{prefix}]}}\ngpu: {{operators: [{operator}]}}\n"
        )
    return providers.parent


def _failover_manifest(root: Path, providers: list[str]) -> Path:
    lines = ["model_list:"]
    for pid in providers:
        lines += ["  - model_name: agent", "    litellm_params:", f"      model: {pid}/m"]
    path = root / "litellm.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(
    ("providers", "second_operator", "expected_rule"),
    [
        (["alpha", "beta"], "cloud-b", None),
        (["alpha"], "cloud-b", "routing.min_deployments_per_model"),
        (["alpha", "beta"], "cloud-a", "routing.distinct_operators"),
    ],
)
def test_failover_needs_enough_deployments_and_distinct_operators(
    providers: list[str],
    second_operator: str,
    expected_rule: str | None,
    app: typer.Typer,
    runner: CliRunner,
    tmp_path: Path,
) -> None:
    policy = tmp_path / "failover.yaml"
    policy.write_text(FAILOVER_POLICY)
    catalog = _failover_catalog(tmp_path, second_operator)
    manifest = _failover_manifest(tmp_path, providers)
    code, out, err = gate(
        app,
        runner,
        str(manifest),
        "--policy",
        str(policy),
        "--catalog",
        str(catalog),
        "--format",
        "json",
    )
    assert code in (ExitCode.OK, ExitCode.FAILED), err
    doc = json.loads(out)
    rules = [rule for r in doc["results"] for rule in r["rules"]]
    if expected_rule is None:
        assert code == ExitCode.OK
        assert rules == []
    else:
        assert code == ExitCode.FAILED
        assert rules == [expected_rule]
        failover = [r for r in doc["results"] if r["kind"] == "failover"]
        assert failover[0]["line"] == 4
        assert "cannot fail over" in failover[0]["message"]


def test_text_report_is_coloured_on_a_terminal() -> None:
    import io

    from rich.console import Console

    from cli.outputs.gate import colour_text

    buffer = io.StringIO()
    terminal = Console(file=buffer, force_terminal=True, color_system="standard")
    colour_text("a.yaml:1: VIOLATION x\nb.yaml:2: ok        y\n2 entries checked\n", terminal)
    lines = buffer.getvalue().splitlines()
    assert lines[0].startswith("\x1b[31m")
    assert lines[1].startswith("\x1b[32m")
    assert lines[2] == "2 entries checked"
