"""OpenRouter requests and presets: where OpenRouter may route, given the preferences."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

from cli.exitcodes import ExitCode
from tests.conftest import ROOT

MANIFESTS = ROOT / "tests" / "manifests"
POLICY = [
    "--policy",
    "policies/eu-confidential.yaml",
    "--data-class",
    "internal",
    "--as-of",
    "2026-11-26",
    "--format",
    "json",
]


def run(app: typer.Typer, runner: CliRunner, *args: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["gate", *args])
    assert result.exit_code in (ExitCode.OK, ExitCode.FAILED), result.stderr
    return result.exit_code, json.loads(result.stdout)


def test_a_request_pinned_to_a_permitted_provider_passes(
    app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    code, doc = run(app, runner, str(MANIFESTS / "openrouter_pinned.json"), *POLICY)
    assert code == ExitCode.OK
    (result,) = doc["results"]
    assert result["line"] == 4  # the `provider` object
    assert result["targets"]
    assert all(t.startswith("anthropic/") for t in result["targets"])
    assert result["compliant"] is True


def test_an_unpinned_request_that_may_reach_a_denied_provider_fails_with_the_fix(
    app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    code, doc = run(app, runner, str(MANIFESTS / "openrouter_unpinned.json"), *POLICY)
    assert code == ExitCode.FAILED
    (result,) = doc["results"]
    assert "unpinned" in result["entry"]
    assert any(t.startswith("mistral/") for t in result["denied"])
    fix = json.loads(result["message"].split("to comply, send ", 1)[1])
    assert fix["provider"]["allow_fallbacks"] is False
    assert "anthropic" in fix["provider"]["only"]
    assert "mistral" not in fix["provider"]["only"]


def _catalog(root: Path) -> Path:
    providers = root / "catalog" / "providers"
    providers.mkdir(parents=True)
    rows = (
        ("keeps", "never", "available"),
        ("trains", "opt-out", "available"),
        ("nozdr", "never", "unavailable"),
        ("unsure", "unknown", "unknown"),
    )
    for pid, training, zdr in rows:
        (providers / f"{pid}.yaml").write_text(
            f"id: {pid}\nname: {pid}\naliases: {{openrouter: [{pid}]}}\n"
            f"training_on_customer_data: {training}\n"
            f"retention: {{zero_data_retention: {zdr}}}\n"
        )
    return providers.parent


def _targets(app: typer.Typer, runner: CliRunner, root: Path, preferences: str) -> list[str]:
    request = root / "request.yaml"
    request.write_text(f"model: lab/model\n{preferences}")
    policy = root / "policy.yaml"
    policy.write_text(
        "policy: p\norg: o\ndefault_data_class: c\ndata_classes:\n  c: {training: forbidden}\n"
    )
    _, doc = run(
        app,
        runner,
        str(request),
        "--policy",
        str(policy),
        "--catalog",
        str(root / "catalog"),
        "--format",
        "json",
    )
    targets: list[str] = doc["results"][0]["targets"]
    return targets


def test_preferences_narrow_where_openrouter_may_route(
    app: typer.Typer, runner: CliRunner, tmp_path: Path
) -> None:
    _catalog(tmp_path)
    every = ["keeps/default", "nozdr/default", "trains/default", "unsure/default"]
    assert _targets(app, runner, tmp_path, "") == every
    assert _targets(app, runner, tmp_path, "provider: {zdr: true}\n") == [
        "keeps/default",
        "trains/default",
        "unsure/default",
    ]
    # deny removes what is known to collect; an unknown training fact stays (fail closed)
    assert _targets(app, runner, tmp_path, "provider: {data_collection: deny}\n") == [
        "keeps/default",
        "nozdr/default",
        "unsure/default",
    ]
    assert _targets(app, runner, tmp_path, "provider: {ignore: [trains, unsure]}\n") == [
        "keeps/default",
        "nozdr/default",
    ]
    assert _targets(
        app, runner, tmp_path, "provider: {order: [keeps], allow_fallbacks: false}\n"
    ) == ["keeps/default"]
    assert _targets(app, runner, tmp_path, "provider: {order: [keeps]}\n") == every


def test_malformed_preferences_exit_two_with_the_line(
    app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    result = runner.invoke(
        app,
        [
            "gate",
            str(MANIFESTS / "openrouter_bad_types.yaml"),
            "--policy",
            "policies/eu-confidential.yaml",
        ],
    )
    assert result.exit_code == ExitCode.INVALID
    assert "openrouter_bad_types.yaml:3:" in result.stderr
