"""Router formats of `clearance allowed`: OpenRouter provider preferences."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from cli.exitcodes import ExitCode
from registry.routers.litellm_match import decide
from tests.catalogs import write_synthetic

CATALOG = {
    "full": "aliases: {openrouter: [full]}\ntraining_on_customer_data: never\n"
    "retention: {zero_data_retention: available}\n"
    "deployments:\n  - {id: a, inference_countries: [DE]}\n"
    "  - {id: b, inference_countries: [FR]}\n",
    "partial": "aliases: {openrouter: [partial]}\ntraining_on_customer_data: never\n"
    "retention: {zero_data_retention: available}\n"
    "deployments:\n  - id: eu\n    inference_countries: [DE]\n"
    "    aliases: {openrouter: [partial/eu-west-1]}\n"
    "  - {id: us, inference_countries: [US]}\n",
    "noslug": "training_on_customer_data: never\nretention: {zero_data_retention: default}\n"
    "inference_countries: [DE]\n",
}
POLICY = """policy: p
org: o
default_data_class: eu
data_classes:
  eu: {inference_within: [EEA], training: forbidden, zero_data_retention: required}
"""


def _setup(root: Path) -> tuple[str, str]:
    return write_synthetic(root, CATALOG, POLICY)


def test_openrouter_preferences_keep_requests_on_permitted_deployments(
    app: typer.Typer, runner: CliRunner, tmp_path: Path
) -> None:
    policy, catalog = _setup(tmp_path)
    result = runner.invoke(
        app, ["allowed", "--policy", policy, "--catalog", catalog, "--format", "openrouter"]
    )
    assert result.exit_code == ExitCode.OK, result.output
    provider = json.loads(result.stdout)["provider"]
    # every deployment of `full` is permitted: its base slug; only `partial`'s EU region
    assert provider["only"] == ["full", "partial/eu-west-1"]
    assert provider["allow_fallbacks"] is False
    assert provider["data_collection"] == "deny"
    assert provider["zdr"] is True
    assert "noslug/default has no OpenRouter slug" in result.stderr


SHARED = {
    # `glob` and `eu` share one host and one regional slug (one endpoint serving a global and
    # a regional mode); `glob` comes first, so "the last deployment wins" would pin `eu`
    "shared": "aliases: {openrouter: [shared], litellm: [shared]}\n"
    "training_on_customer_data: never\nretention: {zero_data_retention: available}\n"
    "deployments:\n"
    "  - id: glob\n    hosts: [api.shared.example]\n"
    "    aliases: {openrouter: [shared/fra]}\n"
    "  - id: eu\n    inference_countries: [DE]\n    hosts: [api.shared.example]\n"
    "    aliases: {openrouter: [shared/fra]}\n"
    "  - id: eu2\n    inference_countries: [DE]\n    hosts: [eu2.shared.example]\n"
    "    aliases: {openrouter: [shared/ams]}\n",
}


def test_a_host_or_slug_two_deployments_share_reaches_both(
    app: typer.Typer, runner: CliRunner, tmp_path: Path
) -> None:
    """A shared host or regional slug may reach either deployment: it is permitted only when
    both are (the unknown `glob` is not), never pinned to whichever was listed last."""
    policy, catalog = write_synthetic(tmp_path, SHARED, POLICY)
    args = ["allowed", "--policy", policy, "--catalog", catalog, "--format"]
    result = runner.invoke(app, [*args, "openrouter"])
    assert result.exit_code == ExitCode.OK, result.output
    assert json.loads(result.stdout)["provider"]["only"] == ["shared/ams"]
    assert "shared/eu has no OpenRouter slug" in result.stderr
    result = runner.invoke(app, [*args, "litellm"])
    assert result.exit_code == ExitCode.OK, result.output
    view = json.loads(result.stdout)
    shared = decide(view, {"model": "shared/m", "api_base": "https://api.shared.example/v1"})
    assert shared.resolution.candidates == ("shared/eu", "shared/glob")
    assert not shared.permitted and set(shared.denied) == {"shared/glob"}
    own = decide(view, {"model": "shared/m", "api_base": "https://eu2.shared.example/v1"})
    assert own.permitted and own.resolution.candidates == ("shared/eu2",)
