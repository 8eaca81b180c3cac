"""Issue 12: every way a manifest used to be reported compliant although a prompt could reach
a deployment the policy denies or the catalog does not know. Each test failed before the fix.

The `public` class of policies/eu-confidential.yaml has no requirement: every deployment the
catalog knows is permitted for it, so under `public` a violation can only mean "the gate
cannot say where this goes" — exactly what these holes hid.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from cli.exitcodes import ExitCode
from tests.gating import POLICY, entry, run

# OVHcloud AI Endpoints: the one deployment the shipped catalog permits for confidential
OVH = "https://oai.endpoints.kepler.ai.cloud.ovh.net/v1"
OVH_MODEL = "openai/Meta-Llama-3_3-70B-Instruct"

# --- 1. values read from the environment ----------------------------------------------------


@pytest.mark.parametrize(
    "api_base",
    ["os.environ/VLLM_URL", "${VLLM_URL}/v1", "$VLLM_URL", "vllm.internal:8000/v1", 8000],
)
def test_an_api_base_the_gate_cannot_read_is_a_violation_not_the_public_api(
    api_base: Any, app: typer.Typer, runner: CliRunner, tmp_path: Path, in_repo: Path
) -> None:
    text = entry("openai/gpt-4o", api_base=api_base)
    code, doc, _ = run(app, runner, tmp_path, text, "--data-class", "public")
    assert code == ExitCode.FAILED
    (result,) = doc["results"]
    assert result["targets"] == [] and result["provider"] is None
    assert result["rules"] == ["gate.unresolved"]
    if isinstance(api_base, str) and "VLLM_URL" in api_base:
        assert "environment variable VLLM_URL" in result["problem"]
        assert "--env VLLM_URL=" in result["problem"]


def test_env_values_given_on_the_command_line_decide(
    app: typer.Typer, runner: CliRunner, tmp_path: Path, in_repo: Path
) -> None:
    text = entry(OVH_MODEL, api_base="os.environ/VLLM_URL")
    ovh = f"VLLM_URL={OVH}"
    code, doc, _ = run(app, runner, tmp_path, text, "--data-class", "confidential", "--env", ovh)
    assert code == ExitCode.OK
    assert doc["results"][0]["targets"] == ["ovhcloud/default"]
    us = "VLLM_URL=https://us.api.openai.com/v1"
    code, doc, _ = run(app, runner, tmp_path, text, "--data-class", "confidential", "--env", us)
    assert (code, doc["results"][0]["targets"]) == (ExitCode.FAILED, ["openai/us"])
    env_file = tmp_path / "proxy.env"
    env_file.write_text(
        "# the proxy's environment\nexport VLLM_URL=https://vllm.internal:8000/v1\n"
    )
    code, doc, _ = run(
        app, runner, tmp_path, text, "--data-class", "public", "--env-file", str(env_file)
    )
    assert code == ExitCode.FAILED
    assert "endpoint host 'vllm.internal' is not in the catalog" in doc["results"][0]["problem"]


def test_a_region_read_from_the_environment_is_unresolved_not_a_region_name(
    app: typer.Typer, runner: CliRunner, tmp_path: Path, in_repo: Path
) -> None:
    text = entry(
        "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0", aws_region_name="os.environ/AWS_REGION"
    )
    code, doc, _ = run(app, runner, tmp_path, text, "--data-class", "public")
    assert code == ExitCode.FAILED
    problem = doc["results"][0]["problem"]
    assert "environment variable AWS_REGION" in problem
    assert "no deployment in region" not in problem
    _, doc, _ = run(
        app, runner, tmp_path, text, "--data-class", "public", "--env", "AWS_REGION=eu-central-1"
    )
    assert doc["results"][0]["targets"] == ["amazon-bedrock/eu-central-1"]


def test_a_bad_env_argument_or_file_line_exits_2_with_its_line(
    app: typer.Typer, runner: CliRunner, tmp_path: Path, in_repo: Path
) -> None:
    manifest = tmp_path / "config.yaml"
    manifest.write_text(entry("openai/gpt-4o"))
    bad = runner.invoke(app, ["gate", str(manifest), *POLICY, "--env", "no-equals-sign"])
    assert bad.exit_code == ExitCode.INVALID
    assert "is not NAME=VALUE" in bad.stderr
    env_file = tmp_path / "proxy.env"
    env_file.write_text("A=1\nthis is not a line\n")
    bad = runner.invoke(app, ["gate", str(manifest), *POLICY, "--env-file", str(env_file)])
    assert bad.exit_code == ExitCode.INVALID
    assert f"{env_file}:2: CLR-G003" in bad.stderr


# --- 2. include: ------------------------------------------------------------------------------


def test_included_model_lists_are_checked_at_their_own_file_and_line(
    app: typer.Typer, runner: CliRunner, tmp_path: Path, in_repo: Path
) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "extra.yaml").write_text(
        "# included\n" + entry("openai/gpt-4o", api_base="https://us.api.openai.com/v1")
    )
    parent = "include:\n  - models/extra.yaml\n" + entry(OVH_MODEL, api_base=OVH)
    code, doc, _ = run(app, runner, tmp_path, parent, "--data-class", "confidential")
    assert code == ExitCode.FAILED
    files = [(Path(r["file"]).name, r["line"], r["compliant"]) for r in doc["results"]]
    assert files == [("config.yaml", 6, True), ("extra.yaml", 5, False)]


def test_an_include_that_cannot_be_followed_exits_2(
    app: typer.Typer, runner: CliRunner, tmp_path: Path, in_repo: Path
) -> None:
    manifest = tmp_path / "config.yaml"
    manifest.write_text("include:\n  - missing.yaml\n" + entry("openai/gpt-4o"))
    result = runner.invoke(app, ["gate", str(manifest), *POLICY])
    assert result.exit_code == ExitCode.INVALID
    assert "config.yaml:2: [include[0]] CLR-G002 included file 'missing.yaml' not found" in (
        result.stderr
    )
    # a cycle is read once, as LiteLLM reads it; nesting past the bound is refused
    (tmp_path / "a.yaml").write_text("include: [config.yaml]\n")
    manifest.write_text("include: [a.yaml]\n" + entry("openai/gpt-4o"))
    cycle = runner.invoke(app, ["gate", str(manifest), *POLICY, "--format", "json"])
    assert cycle.exit_code == ExitCode.OK
    assert len(json.loads(cycle.stdout)["results"]) == 1
    for i in range(12):
        (tmp_path / f"n{i}.yaml").write_text(f"include: [n{i + 1}.yaml]\n")
    (tmp_path / "n12.yaml").write_text(entry("openai/gpt-4o"))
    manifest.write_text("include: [n0.yaml]\n")
    result = runner.invoke(app, ["gate", str(manifest), *POLICY])
    assert result.exit_code == ExitCode.INVALID
    assert "includes nest deeper than 8 levels" in result.stderr


def test_the_config_filter_refuses_a_config_with_includes(
    app: typer.Typer, runner: CliRunner, tmp_path: Path, in_repo: Path
) -> None:
    (tmp_path / "extra.yaml").write_text(entry("openai/gpt-4o"))
    config = tmp_path / "config.yaml"
    config.write_text(
        "include: [extra.yaml]\n" + entry("openai/gpt-4o", api_base="https://eu.api.openai.com/v1")
    )
    policy = "policies/eu-confidential.yaml"
    args = ["allowed", "--policy", policy, "--data-class", "confidential", "--format", "litellm"]
    result = runner.invoke(app, [*args, "--litellm-config", str(config)])
    assert result.exit_code == ExitCode.INVALID
    assert "the config includes other files" in result.stderr
    assert result.stdout == ""


# --- 3. Bedrock inference profiles and endpoint overrides -----------------------------------


@pytest.mark.parametrize(
    ("model", "profile"),
    [
        ("bedrock/us.anthropic.claude-3-5-sonnet-20240620-v1:0", "amazon-bedrock/us"),
        ("bedrock/converse/us.anthropic.claude-3-5-sonnet-20240620-v1:0", "amazon-bedrock/us"),
        (
            "bedrock/invoke/global.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "amazon-bedrock/global",
        ),
        (
            "bedrock/arn:aws:bedrock:eu-central-1:123456789012:inference-profile/"
            "apac.anthropic.claude-3-haiku-20240307-v1:0",
            "amazon-bedrock/apac",
        ),
    ],
)
def test_a_cross_region_profile_reaches_its_geography_not_only_the_source_region(
    model: str, profile: str, app: typer.Typer, runner: CliRunner, tmp_path: Path, in_repo: Path
) -> None:
    text = entry(model, aws_region_name="eu-central-1")
    code, doc, _ = run(app, runner, tmp_path, text, "--data-class", "confidential")
    assert code == ExitCode.FAILED
    (result,) = doc["results"]
    assert result["targets"] == sorted(["amazon-bedrock/eu-central-1", profile])
    assert profile in result["denied"]


def test_a_profile_the_catalog_does_not_model_and_an_endpoint_override_are_unresolved(
    app: typer.Typer, runner: CliRunner, tmp_path: Path, in_repo: Path
) -> None:
    # `ca.` is a profile prefix the catalog does not model (`jp.` now is a deployment)
    ca = entry(
        "bedrock/ca.anthropic.claude-haiku-4-5-20251001-v1:0", aws_region_name="ca-central-1"
    )
    code, doc, _ = run(app, runner, tmp_path, ca, "--data-class", "public")
    assert code == ExitCode.FAILED
    assert "inference profile 'ca'" in doc["results"][0]["problem"]
    override = entry(
        "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0",
        aws_region_name="eu-central-1",
        aws_bedrock_runtime_endpoint="https://bedrock.proxy.example.com",
    )
    code, doc, _ = run(app, runner, tmp_path, override, "--data-class", "public")
    assert code == ExitCode.FAILED
    assert "'bedrock.proxy.example.com' is not in the catalog" in doc["results"][0]["problem"]


# --- 4. OpenRouter slugs the catalog does not know, unpinned requests -----------------------


def test_an_only_list_with_a_slug_the_catalog_lacks_is_a_violation(
    app: typer.Typer, runner: CliRunner, tmp_path: Path, in_repo: Path
) -> None:
    # the example: Lambda has no OpenRouter slug in the catalog either
    prefs = {"only": ["together", "lambda", "nextbit"]}
    body = json.dumps({"model": "meta-llama/llama-3.3-70b-instruct", "provider": prefs})
    code, doc, _ = run(app, runner, tmp_path, body, "--data-class", "public")
    assert code == ExitCode.FAILED
    (result,) = doc["results"]
    assert result["problem_rule"] == "gate.unknown_provider"
    assert "the catalog does not know lambda, nextbit" in result["problem"]
    assert {t.split("/")[0] for t in result["targets"]} == {"together"}
    fix = json.loads(result["message"].split("to comply, send ", 1)[1])
    assert fix["provider"]["only"] == ["together"]


@pytest.mark.parametrize(
    "provider",
    [
        None,
        {"order": ["anthropic"]},
        {"ignore": ["deepinfra"]},
        {"data_collection": "deny"},
    ],
)
def test_an_unpinned_request_is_a_violation_under_every_class(
    provider: dict[str, Any] | None,
    app: typer.Typer,
    runner: CliRunner,
    tmp_path: Path,
    in_repo: Path,
) -> None:
    body = {"model": "anthropic/claude-sonnet-4.5", **({"provider": provider} if provider else {})}
    code, doc, _ = run(app, runner, tmp_path, json.dumps(body), "--data-class", "public")
    assert code == ExitCode.FAILED
    assert doc["results"][0]["problem_rule"] == "gate.unpinned"


def test_openrouters_data_collection_example_without_a_model_is_judged(
    app: typer.Typer, runner: CliRunner, tmp_path: Path, in_repo: Path
) -> None:
    body = '{"provider": {"data_collection": "deny", "only": ["anthropic"]}}'
    code, doc, _ = run(app, runner, tmp_path, body, "--data-class", "internal")
    assert code == ExitCode.OK
    assert doc["results"][0]["entry"] == "OpenRouter pinned request for any model"


def test_a_litellm_entry_sent_to_openrouter_reaches_the_upstreams_it_pins(
    app: typer.Typer, runner: CliRunner, tmp_path: Path, in_repo: Path
) -> None:
    # OpenRouter forwards to an upstream of its choosing (free models may reach providers
    # that train): unpinned, the entry used to pass on OpenRouter's own facts. Judged under
    # `public` (every deployment permitted): OpenRouter's own training is unknown in the
    # catalog, so under `internal` its own facts deny it whatever the pinning.
    paid = entry("openrouter/meta-llama/llama-3.3-70b-instruct")
    code, doc, _ = run(app, runner, tmp_path, paid, "--data-class", "public")
    assert code == ExitCode.FAILED
    assert "OpenRouter forwards the prompt" in doc["results"][0]["problem"]
    pin = "      extra_body: {provider: {only: [anthropic], allow_fallbacks: false}}\n"
    free = entry("openrouter/meta-llama/llama-3.3-70b-instruct:free") + pin
    code, doc, _ = run(app, runner, tmp_path, free, "--data-class", "public")
    assert code == ExitCode.FAILED  # pinned, but free endpoints may log and train
    assert "is a free variant" in doc["results"][0]["problem"]
    pinned = paid + pin
    code, doc, _ = run(app, runner, tmp_path, pinned, "--data-class", "public")
    targets = doc["results"][0]["targets"]
    assert {t.split("/")[0] for t in targets} == {"openrouter", "anthropic"}
    assert code == ExitCode.OK
    # under `internal` the pinned upstream is judged on its own facts (anthropic passes) and
    # OpenRouter on its own: training_on_customer_data unknown, denied (fail closed)
    code, doc, _ = run(app, runner, tmp_path, pinned, "--data-class", "internal")
    assert code == ExitCode.FAILED
    (result,) = doc["results"]
    assert {t.split("/")[0] for t in result["targets"]} == {"openrouter", "anthropic"}
    assert result["rules"] == ["internal.training"]
    assert {t.split("/")[0] for t in result["denied"]} == {"openrouter"}
    unknown = paid + "      extra_body: {provider: {only: [anthropic, nextbit]}}\n"
    code, doc, _ = run(app, runner, tmp_path, unknown, "--data-class", "public")
    assert code == ExitCode.FAILED
    assert "nextbit, which the catalog does not know" in doc["results"][0]["problem"]


# --- anchors, every bad entry, unprefixed names ---------------------------------------------


def test_anchors_and_merge_keys_are_expanded_in_manifests_only(
    app: typer.Typer, runner: CliRunner, tmp_path: Path, in_repo: Path
) -> None:
    text = (
        f"x-ovh: &ovh\n  api_base: {OVH}\n"
        "model_list:\n"
        f"  - model_name: a\n    litellm_params:\n      <<: *ovh\n      model: {OVH_MODEL}\n"
        "  - model_name: b\n    litellm_params:\n      <<: *ovh\n      model: openai/gpt-4o-mini\n"
        "      api_base: https://us.api.openai.com/v1\n"
    )
    code, doc, _ = run(app, runner, tmp_path, text, "--data-class", "confidential")
    assert code == ExitCode.FAILED
    assert [(r["targets"], r["compliant"]) for r in doc["results"]] == [
        (["ovhcloud/default"], True),
        (["openai/us"], False),
    ]
    laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join([f'*{p}'] * 10)}]\n" for p, c in zip("abcde", "bcdef", strict=True)
    )
    manifest = tmp_path / "config.yaml"
    manifest.write_text(laughs + "model_list: *f\n")
    result = runner.invoke(app, ["gate", str(manifest), *POLICY])
    assert result.exit_code == ExitCode.INVALID
    assert "CLR-Y011 aliases expand to more than" in result.stderr


def test_every_bad_entry_of_every_manifest_is_reported(
    app: typer.Typer, runner: CliRunner, tmp_path: Path, in_repo: Path
) -> None:
    first = tmp_path / "one.yaml"
    first.write_text("model_list:\n  - model_name: a\n  - model_name: b\n    litellm_params: {}\n")
    second = tmp_path / "two.yaml"
    second.write_text("model_list:\n  - litellm_params: {model: 7}\n")
    result = runner.invoke(app, ["gate", str(first), str(second), *POLICY])
    assert result.exit_code == ExitCode.INVALID
    assert [line.split(" ")[0] for line in result.stderr.splitlines()] == [
        f"{first}:2:",
        f"{first}:3:",
        f"{second}:2:",
    ]


def test_unprefixed_names_resolve_as_litellm_resolves_them(
    app: typer.Typer, runner: CliRunner, tmp_path: Path, in_repo: Path
) -> None:
    code, doc, _ = run(app, runner, tmp_path, entry("gpt-4o"), "--data-class", "public")
    assert code == ExitCode.OK
    assert doc["results"][0]["provider"] == "openai"
    code, doc, _ = run(app, runner, tmp_path, entry("my-private-model"), "--data-class", "public")
    assert code == ExitCode.FAILED
    assert "unknown provider for 'my-private-model'" in doc["results"][0]["problem"]
