"""Fail-open paths found by an adversarial probe after the first round of issue 12: a LiteLLM
proxy config moves prompts in more places than `litellm_params`, OpenRouter model variants
route beyond the pinned providers' facts, and YAML merge keys mean different things to
different YAML libraries. Each was confirmed against litellm 1.110.2 (the probe recorded the
URL LiteLLM would call) and each test failed before the fix."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from cli.exitcodes import ExitCode
from registry.catalog.loader import load_catalog
from registry.engine.engine import Engine
from registry.policy.loader import load_policy
from registry.routers.litellm import to_litellm
from tests.conftest import ROOT
from tests.gating import POLICY, run

SCALEWAY = (
    "  - model_name: qwen\n    litellm_params:\n"
    "      model: scaleway/qwen3-235b-a22b-instruct-2507\n"
)

# The cases below are about where the proxy sends a prompt, not about the shipped facts: they
# need an entry permitted for confidential whose prefix LiteLLM routes by itself. No shipped
# deployment with a LiteLLM prefix is (scaleway/fr-par lost it when its training, storage and
# prompt retention became unknown; ibm-watsonx/eu-de when its inference country did), so the
# shipped catalog is copied with that provider replaced by a stand-in whose facts pass.
FACTS = (
    "training_on_customer_data: never\ncontracts: [dpa]\nretention: {prompts_days: 0}\n"
    "storage_countries: []\n"
)
SCALEWAY_STAND_IN = (
    "id: scaleway\nname: Scaleway stand-in\nheadquarters: FR\n"
    "aliases: {litellm: [scaleway], hosts: [api.scaleway.ai]}\n" + FACTS + "deployments:\n"
    "  - {id: fr-par, cloud_regions: [fr-par], inference_countries: [FR]}\n"
)
WATSONX_STAND_IN = (
    "id: ibm-watsonx\nname: IBM watsonx.ai stand-in\nheadquarters: US\n"
    "aliases: {litellm: [watsonx]}\n" + FACTS + "deployments:\n"
    "  - {id: us-south, hosts: [us-south.ml.cloud.ibm.com], inference_countries: [US]}\n"
    "  - {id: eu-de, hosts: [eu-de.ml.cloud.ibm.com], inference_countries: [DE]}\n"
)


def stand_in(tmp_path: Path, provider: str, text: str) -> tuple[str, str]:
    """`--catalog` for the shipped catalog with `provider` replaced by `text`."""
    root = tmp_path / "catalog"
    shutil.copytree(ROOT / "provider_catalog" / "providers", root / "providers")
    (root / "providers" / f"{provider}.yaml").write_text(text)
    return "--catalog", str(root)


def verdict(
    app: typer.Typer, runner: CliRunner, tmp_path: Path, text: str, data_class: str, *extra: str
) -> tuple[int, dict[str, Any]]:
    code, doc, _ = run(app, runner, tmp_path, text, "--data-class", data_class, *extra)
    return code, doc["results"][0]


def test_the_scaleway_entry_alone_is_compliant_for_confidential(
    app: typer.Typer, runner: CliRunner, tmp_path: Path, in_repo: Path
) -> None:
    """The baseline every case below changes: scaleway/fr-par (the stand-in) is permitted."""
    catalog = stand_in(tmp_path, "scaleway", SCALEWAY_STAND_IN)
    text = "model_list:\n" + SCALEWAY
    code, result = verdict(app, runner, tmp_path, text, "confidential", *catalog)
    assert code == ExitCode.OK
    assert result["targets"] == ["scaleway/fr-par"]
    # the shipped scaleway/fr-par is denied for confidential: training is unknown
    code, result = verdict(app, runner, tmp_path, text, "confidential")
    assert code == ExitCode.FAILED
    assert "confidential.training" in result["rules"]


@pytest.mark.parametrize(
    ("config", "says"),
    [
        (  # the proxy copies environment_variables into its environment first
            "environment_variables:\n  SCALEWAY_API_BASE: https://api.deepseek.com/v1\n",
            '"targets": ["deepseek/default"]',
        ),
        (  # ... and a value it copies from elsewhere is unknown here
            "environment_variables:\n  SCALEWAY_API_BASE: os.environ/SECRET_BASE\n",
            "SCALEWAY_API_BASE is set by the config's environment_variables",
        ),
        ("litellm_settings:\n  api_base: https://api.deepseek.com/v1\n", "deepseek/default"),
        (
            "litellm_settings:\n  model_alias_map:\n"
            "    scaleway/qwen3-235b-a22b-instruct-2507: deepseek/deepseek-chat\n",
            "deepseek",
        ),
        (
            "environment_variables:\n  USE_LITELLM_PROXY: 'true'\n"
            "  LITELLM_PROXY_API_BASE: https://proxy.elsewhere.example/v1\n",
            "'proxy.elsewhere.example' is not in the catalog",
        ),
        ("litellm_settings:\n  use_litellm_proxy: true\n", "LITELLM_PROXY_API_BASE"),
        (
            "general_settings:\n  allow_client_side_credentials: true\n",
            "allow_client_side_credentials",
        ),
        (
            "credential_list:\n  - credential_name: scw\n    credential_values:\n"
            "      api_base: https://api.deepseek.com/v1\n",
            "deepseek/default",
        ),
    ],
)
def test_proxy_wide_settings_that_move_the_prompt_are_read(
    config: str, says: str, app: typer.Typer, runner: CliRunner, tmp_path: Path, in_repo: Path
) -> None:
    entry = SCALEWAY
    if "credential_list" in config:
        entry += "      litellm_credential_name: scw\n"
    catalog = stand_in(tmp_path, "scaleway", SCALEWAY_STAND_IN)
    text = config + "model_list:\n" + entry
    code, result = verdict(app, runner, tmp_path, text, "confidential", *catalog)
    assert code == ExitCode.FAILED
    assert says in json.dumps(result)


def test_an_entry_that_lets_clients_choose_api_base_is_unresolved(
    app: typer.Typer, runner: CliRunner, tmp_path: Path, in_repo: Path
) -> None:
    text = (
        "model_list:\n  - model_name: gpt\n    litellm_params:\n      model: openai/gpt-4o\n"
        "      api_base: https://eu.api.openai.com/v1\n"
        "      configurable_clientside_auth_params: [api_base]\n"
    )
    code, result = verdict(app, runner, tmp_path, text, "confidential")
    assert code == ExitCode.FAILED
    assert "lets a client choose api_base" in result["problem"]


def test_the_hook_judges_the_endpoint_a_request_names() -> None:
    from clearance_client.litellm_hook import keep_permitted

    catalog = load_catalog(ROOT / "provider_catalog")
    policy = load_policy(ROOT / "policies" / "eu-confidential.yaml")
    evaluation = Engine().evaluate(policy, catalog, "confidential")
    view = to_litellm(evaluation, catalog, policy.data_class("confidential"))
    # OVHcloud's endpoint: the one deployment the shipped catalog permits for confidential
    ovh = {
        "litellm_params": {
            "model": "openai/Meta-Llama-3_3-70B-Instruct",
            "api_base": "https://oai.endpoints.kepler.ai.cloud.ovh.net/v1",
        }
    }
    assert keep_permitted([view], [ovh], "llama", {}) == [ovh]
    us = {"api_base": "https://us.api.openai.com/v1"}
    assert keep_permitted([view], [ovh], "llama", {}, overrides=us) == []
    # an OpenRouter deployment pinned in the config, unpinned by the request's extra_body
    public = to_litellm(
        Engine().evaluate(policy, catalog, "public"), catalog, policy.data_class("public")
    )
    pin = {"provider": {"only": ["anthropic"], "allow_fallbacks": False}}
    routed = {"litellm_params": {"model": "openrouter/anthropic/claude", "extra_body": pin}}
    assert keep_permitted([public], [routed], "claude", {}) == [routed]
    unpinned = {"extra_body": {"provider": {"order": ["anthropic"]}}}
    assert keep_permitted([public], [routed], "claude", {}, overrides=unpinned) == []


def test_watsonx_takes_its_endpoint_from_watsonx_url_not_region_name(
    app: typer.Typer, runner: CliRunner, tmp_path: Path, in_repo: Path
) -> None:
    text = (
        "model_list:\n  - model_name: granite\n    litellm_params:\n"
        "      model: watsonx/ibm/granite-3-8b-instruct\n      region_name: eu-de\n"
    )
    catalog = stand_in(tmp_path, "ibm-watsonx", WATSONX_STAND_IN)
    code, result = verdict(app, runner, tmp_path, text, "confidential", *catalog)
    assert code == ExitCode.FAILED  # every ibm-watsonx deployment: region_name moves nothing
    assert result["targets"] == ["ibm-watsonx/eu-de", "ibm-watsonx/us-south"]
    us = "WATSONX_URL=https://us-south.ml.cloud.ibm.com"
    code, result = verdict(app, runner, tmp_path, text, "confidential", "--env", us, *catalog)
    assert (code, result["targets"]) == (ExitCode.FAILED, ["ibm-watsonx/us-south"])
    eu = "WATSONX_URL=https://eu-de.ml.cloud.ibm.com"
    code, result = verdict(app, runner, tmp_path, text, "confidential", "--env", eu, *catalog)
    assert (code, result["targets"]) == (ExitCode.OK, ["ibm-watsonx/eu-de"])
    # the shipped catalog resolves the same way: every deployment, then the URL's region
    # (ibm-watsonx/eu-de is denied there: its inference country is unknown)
    code, result = verdict(app, runner, tmp_path, text, "confidential")
    assert len(result["targets"]) > 1
    code, result = verdict(app, runner, tmp_path, text, "confidential", "--env", eu)
    assert (code, result["targets"]) == (ExitCode.FAILED, ["ibm-watsonx/eu-de"])


def test_plain_http_to_a_catalog_host_is_unresolved(
    app: typer.Typer, runner: CliRunner, tmp_path: Path, in_repo: Path
) -> None:
    text = (
        "model_list:\n  - model_name: gpt\n    litellm_params:\n      model: openai/gpt-4o\n"
        "      api_base: http://eu.api.openai.com/v1\n"
    )
    code, result = verdict(app, runner, tmp_path, text, "confidential")
    assert code == ExitCode.FAILED
    assert "plain http" in result["problem"]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"model": "meta-llama/llama-3.3-70b-instruct:free"}, "free variant"),
        ({"model": "meta-llama/llama-3.3-70b-instruct:online"}, "searches the web"),
        ({"model": "meta-llama/llama-3.3-70b-instruct", "plugins": [{"id": "web"}]}, "web search"),
        ({"model": "@preset/team-default"}, "preset"),
        ({"model": "meta-llama/llama-3.3-70b-instruct", "preset": "team-default"}, "preset"),
    ],
)
def test_openrouter_variants_that_route_beyond_the_pinned_providers_are_violations(
    body: dict[str, Any],
    says: str,
    app: typer.Typer,
    runner: CliRunner,
    tmp_path: Path,
    in_repo: Path,
) -> None:
    request = {**body, "provider": {"only": ["together"], "allow_fallbacks": False}}
    code, result = verdict(app, runner, tmp_path, json.dumps(request), "public")
    assert code == ExitCode.FAILED
    assert says in result["problem"]


def test_merge_keys_that_disagree_are_refused(
    app: typer.Typer, runner: CliRunner, tmp_path: Path, in_repo: Path
) -> None:
    """PyYAML 6.0.3 and 6.0.4 (which LiteLLM may run with) pick different winners here."""
    manifest = tmp_path / "config.yaml"
    manifest.write_text(
        "x-eu: &eu {api_base: https://eu.api.openai.com/v1}\n"
        "x-us: &us {api_base: https://us.api.openai.com/v1}\n"
        "model_list:\n  - model_name: gpt\n    litellm_params:\n"
        "      model: openai/gpt-4o\n      <<: [*eu, *us]\n"
    )
    result = runner.invoke(app, ["gate", str(manifest), *POLICY])
    assert result.exit_code == ExitCode.INVALID
    assert "CLR-Y012 merge keys give 'api_base' different values" in result.stderr


def test_an_empty_data_class_is_refused_not_the_default(
    app: typer.Typer, runner: CliRunner, in_repo: Path
) -> None:
    args = ["gate", "tests/manifests/clearance_eu_only.yaml", *POLICY, "--data-class", ""]
    result = runner.invoke(app, args)
    assert result.exit_code == ExitCode.INVALID
    assert "is empty" in result.output
