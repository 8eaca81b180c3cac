"""The files in examples/ run against a real `clearance serve` process, as a user runs them."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT
from tests.serveproc import ServeProcess, run_cli

EXAMPLES = ROOT / "examples"
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    base = tmp_path_factory.mktemp("examples")
    with ServeProcess(f"sqlite:///{base / 'e.db'}", base / "logs") as server:
        key = server.new_key("example", "router")
        yield {"CLEARANCE_URL": server.base_url, "CLEARANCE_API_KEY": key}


def run_example(name: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_openrouter_request_builder(registry: dict[str, str]) -> None:
    from openrouter.components import ProviderPreferences

    done = run_example(
        "openrouter_request.py", registry, "example", "no-training", "internal", "x/y"
    )
    assert done.returncode == 0, done.stderr
    request = json.loads(done.stdout)
    provider = request["provider"]
    ProviderPreferences.model_validate(provider, strict=True)
    assert provider["only"] and provider["allow_fallbacks"] is False
    assert provider["data_collection"] == "deny"
    assert request["model"] == "x/y"
    # nothing the policy permits has an OpenRouter slug: no request at all, not a loose one
    refused = run_example(
        "openrouter_request.py", registry, "example", "eu-confidential", "confidential", "x/y"
    )
    assert refused.returncode != 0 and refused.stdout == ""


def test_vercel_gateway_options(registry: dict[str, str]) -> None:
    done = run_example("vercel_gateway.py", registry, "example", "no-training", "internal")
    assert done.returncode == 0, done.stderr
    gateway = json.loads(done.stdout)["providerOptions"]["gateway"]
    assert gateway["only"] and gateway["disallowPromptTraining"] is True
    cli = run_cli("allowed", "--policy", "policies/no-training.yaml", "--format", "vercel")
    assert json.loads(cli.stdout)["providerOptions"]["gateway"] == gateway
    none = run_example("vercel_gateway.py", registry, "example", "eu-confidential", "confidential")
    assert none.returncode == 1 and none.stdout == ""


def _load_hook_module(env: dict[str, str]) -> Any:
    path = EXAMPLES / "litellm_proxy" / "clearance_hook.py"
    spec = importlib.util.spec_from_file_location("clearance_hook_example", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    saved = dict(os.environ)
    os.environ.update({**env, "CLEARANCE_ORG": "example", "CLEARANCE_POLICY": "eu-confidential"})
    try:
        spec.loader.exec_module(module)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return module


def test_litellm_proxy_config_and_hook(registry: dict[str, str]) -> None:
    """The example config loads into a real litellm Router; the example hook keeps exactly
    what `clearance gate` passes for the same config, per data class."""
    import litellm

    config = yaml.safe_load((EXAMPLES / "litellm_proxy" / "config.yaml").read_text())
    assert config["litellm_settings"]["callbacks"] == "clearance_hook.proxy_handler_instance"
    router = litellm.Router(model_list=config["model_list"])
    deployments = router.registry().deployments("gpt") + router.registry().deployments("mistral")
    assert len(deployments) == 3

    async def kept(data_class: str) -> list[str]:
        hook = _load_hook_module(registry).proxy_handler_instance
        try:
            request = {"metadata": {"clearance_data_class": data_class}}
            result = await hook.async_filter_deployments("gpt", deployments, None, request)
        finally:
            await hook.client.aclose()
        return [d["litellm_params"].get("api_base", d["litellm_params"]["model"]) for d in result]

    for data_class in ("confidential", "public"):
        gate = run_cli(
            "gate",
            "examples/litellm_proxy/config.yaml",
            "--policy",
            "policies/eu-confidential.yaml",
            "--data-class",
            data_class,
            "--format",
            "json",
        )
        report = json.loads(gate.stdout)
        passed = [r for r in report["results"] if r["compliant"]]
        assert len(asyncio.run(kept(data_class))) == len(passed), (data_class, report)
    # OVHcloud AI Endpoints: the one deployment eu-confidential permits for confidential
    ovh = "https://oai.endpoints.kepler.ai.cloud.ovh.net/v1"
    assert asyncio.run(kept("confidential")) == [ovh]


def test_examples_readme_lists_every_example() -> None:
    listed = (EXAMPLES / "README.md").read_text()
    for path in sorted(EXAMPLES.rglob("*")):
        if path.suffix in (".py", ".yaml") and path.name != "__init__.py":
            assert path.relative_to(EXAMPLES).as_posix() in listed, path
