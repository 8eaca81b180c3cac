"""The CI gate and the LiteLLM hook share one resolver: for any LiteLLM entry — with values
read from the environment, Bedrock inference profiles, endpoint overrides, odd URLs, cased
or made-up regions, and proxy-wide settings (the gate reads them from the config, the hook
from the running proxy) — the gate says compliant exactly when the hook admits the
deployment, and both name the same deployments and problem. Also: the table of unprefixed
model names agrees with the installed litellm."""

from __future__ import annotations

import json
import os
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from registry.catalog.loader import Catalog, load_catalog
from registry.engine.engine import Engine
from registry.gate.check import check_entries
from registry.gate.manifests import manifest_entries
from registry.policy.loader import load_policy
from registry.routers.litellm import litellm_index, to_litellm
from registry.routers.litellm_match import decide
from registry.routers.litellm_params import unprefixed_models
from registry.routers.litellm_proxy import ProxySettings
from registry.yamlload import load_text
from tests.conftest import ROOT

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
AS_OF = date(2026, 11, 26)
PROFILES = [
    "bedrock/us.anthropic.claude-3-5-sonnet-20240620-v1:0",
    "bedrock/converse/eu.anthropic.claude-3-haiku-20240307-v1:0",
    "bedrock/invoke/global.anthropic.claude-sonnet-4-5-20250929-v1:0",
    "bedrock/apac.amazon.nova-pro-v1:0",
    "bedrock/jp.anthropic.claude-haiku-4-5-20251001-v1:0",
    "bedrock/arn:aws:bedrock:eu-central-1:123456789012:inference-profile/eu.meta.llama3-2-1b",
    "bedrock/arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123",
    "bedrock/arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-v2",
    "us.anthropic.claude-3-5-sonnet-20240620-v1:0",
]


PINNED_OPENROUTER = {
    "model": "openrouter/anthropic/claude-sonnet-4.5",
    "extra_body": {"provider": {"only": ["anthropic"], "allow_fallbacks": False}},
}
ENDPOINTS = ("base_url", "api_base", "aws_bedrock_runtime_endpoint")  # LiteLLM's order
REGIONS = ("aws_region_name",)  # what LiteLLM's Bedrock integration reads


def _first(params: dict[str, Any], keys: tuple[str, ...]) -> Any:
    return next((params[k] for k in keys if params.get(k) not in (None, "")), None)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(ROOT / "provider_catalog")


def _strategy(index: dict[str, Any]) -> st.SearchStrategy[tuple[dict[str, Any], dict[str, str]]]:
    hosts = [*sorted(index["hosts"]), "vllm.internal", "x.openai.azure.com"]
    urls = st.sampled_from(hosts).map(lambda h: f"https://{h}/v1")
    regions = sorted(
        {r for e in index["providers"].values() for d in e["deployments"] for r in d["regions"]}
    )
    env_ref = st.sampled_from(["os.environ/BASE", "${BASE}", "$BASE/v1", "os.environ/NOPE"])
    region_ref = st.sampled_from(["os.environ/REGION", "${REGION}", "os.environ/NOPE"])
    text = st.text(alphabet="abcxyz019-_./: EU", max_size=10)
    prefixes = [*sorted(index["prefixes"]), "hosted_vllm", "unknown"]
    model = st.one_of(
        st.sampled_from(PROFILES),
        st.tuples(st.sampled_from(prefixes), text).map("/".join),
        st.sampled_from(["gpt-4o", "gemini-2.5-pro", "Bedrock/x", "no-such-model"]),
        st.sampled_from(["openrouter/anthropic/claude-sonnet-4.5", "openrouter/x/y:free"]),
        st.just("os.environ/MODEL"),
    )
    odd = st.sampled_from(
        ["vllm:8000", "", 42, "http://[", "not a url", "HTTPS://EU.API.OPENAI.COM"]
    )
    endpoint = urls | env_ref | odd
    region = st.sampled_from([*regions, "mars-1", "default"]) | region_ref | text
    region = region | st.sampled_from(regions).map(str.upper)
    params = st.fixed_dictionaries(
        {"model": model},
        optional={
            "base_url": endpoint,
            "api_base": endpoint,
            "aws_bedrock_runtime_endpoint": endpoint,
            "aws_region_name": region,
            "vertex_location": region,
            "region_name": region,
            "custom_llm_provider": st.sampled_from(["openai", "bedrock", "azure", "watsonx"]),
            "extra_body": _openrouter_preferences(sorted(index["openrouter_slugs"])),
        },
    )
    env = st.fixed_dictionaries(
        {},
        optional={
            "BASE": urls,
            "REGION": st.sampled_from(regions),
            "MODEL": st.sampled_from([*PROFILES, "gpt-4o", "openai/gpt-4o"]),
            "AWS_REGION": st.sampled_from(regions),
            "OPENAI_API_BASE": urls,
        },
    )
    return st.tuples(params, env)


def _openrouter_preferences(slugs: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """`extra_body.provider` of an entry sent to OpenRouter: pinned, unpinned or unknown."""
    names = st.lists(st.sampled_from([*slugs, "nextbit"]), min_size=1, max_size=3)
    provider = st.fixed_dictionaries(
        {"only": names}, optional={"allow_fallbacks": st.booleans(), "ignore": names}
    ) | st.fixed_dictionaries({"order": names, "allow_fallbacks": st.booleans()})
    return st.fixed_dictionaries({"provider": provider})


def _proxy(urls: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Proxy-wide settings a config may carry (`litellm_proxy`)."""
    return st.fixed_dictionaries(
        {},
        optional={
            "environment_variables": st.fixed_dictionaries(
                {}, optional={"OPENAI_BASE_URL": urls, "USE_LITELLM_PROXY": st.just("true")}
            ),
            "litellm_settings": st.fixed_dictionaries(
                {},
                optional={
                    "api_base": urls,
                    "model_alias_map": st.just({"gpt-4o": "deepseek/deepseek-chat"}),
                    "use_litellm_proxy": st.booleans(),
                },
            ),
        },
    )


def _settings_of(
    config: dict[str, Any], env: dict[str, str]
) -> tuple[ProxySettings, dict[str, str]]:
    """What the hook sees in the proxy the config starts: its environment holds the config's
    environment_variables, and litellm's globals its litellm_settings."""
    settings = config.get("litellm_settings", {})
    full = {**env, **config.get("environment_variables", {})}
    return ProxySettings(
        api_base=settings.get("api_base"),
        model_alias_map=settings.get("model_alias_map", {}),
        use_litellm_proxy=settings.get("use_litellm_proxy", False),
    ), full


def test_gate_and_hook_agree_on_env_profiles_and_endpoint_overrides(catalog: Catalog) -> None:
    from clearance_client.litellm_hook import keep_permitted

    policy = load_policy(ROOT / "policies" / "eu-confidential.yaml")
    engine = Engine()
    views = {
        c: to_litellm(
            engine.evaluate(policy, catalog, c, None, AS_OF), catalog, policy.data_class(c)
        )
        for c in policy.policy.data_classes
    }

    index = litellm_index(catalog)
    urls = st.sampled_from(sorted(index["hosts"])).map(lambda h: f"https://{h}/v1")

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(case=_strategy(index), config=_proxy(urls), data_class=st.sampled_from(sorted(views)))
    @example(case=(PINNED_OPENROUTER, {}), config={}, data_class="public")  # rare by chance
    def agree(
        case: tuple[dict[str, Any], dict[str, str]], config: dict[str, Any], data_class: str
    ) -> None:
        params, env = case
        config = {**config, "model_list": [{"model_name": "m", "litellm_params": params}]}
        entries = manifest_entries(load_text(json.dumps(config), "generated.yaml"), catalog, env)
        (gate,) = check_entries(policy, catalog, entries, data_class, AS_OF, engine).results
        proxy, full_env = _settings_of(config, env)
        view = views[data_class]
        verdict = decide(view, params, full_env, proxy)
        assert verdict.resolution.candidates == gate.entry.targets
        assert verdict.resolution.problem == gate.entry.problem
        admitted = keep_permitted([view], [{"litellm_params": params}], "m", full_env, proxy)
        assert bool(admitted) == gate.compliant == verdict.permitted
        bedrock = (
            str(params["model"]).startswith("bedrock/") and "custom_llm_provider" not in params
        )
        read = [_first(params, ENDPOINTS), _first(params, REGIONS) if bedrock else None]
        if any(isinstance(v, str) and "NOPE" in v for v in read):
            assert not gate.compliant  # a field LiteLLM reads, without a value: never passes

    agree()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_the_unprefixed_model_table_is_what_the_installed_litellm_resolves() -> None:
    import litellm

    table = unprefixed_models()
    resolved = {}
    for name in litellm.model_cost:
        if "/" in name or name == "sample_spec":
            continue
        try:
            resolved[name] = litellm.get_llm_provider(name)[1]
        except Exception:  # litellm's BadRequestError: it does not resolve the name either
            continue
    assert table == resolved  # regenerate: python -m scripts.litellm_models
