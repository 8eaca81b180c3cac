"""Read what one LiteLLM deployment's `litellm_params` say about where a prompt goes.

Standard library only (a LiteLLM hook imports it through `litellm_match`). The CI gate and the
hook both read params here, with the environment they know: the hook the proxy's own
(`os.environ`), the gate only what the user passed (`--env NAME=VALUE`, `--env-file`).

Fields read, each of which LiteLLM uses to pick the endpoint (any other key is ignored):

- `custom_llm_provider`, else the `model` prefix (`bedrock/…`), else, for an unprefixed
  name (`gpt-4o`), the provider LiteLLM itself resolves it to (`litellm_models.json`);
- the endpoint: `base_url`, else `api_base`, else `aws_bedrock_runtime_endpoint`, else the
  proxy's `litellm_settings.api_base`, else an environment variable LiteLLM reads for the
  provider's base (`<PREFIX>_API_BASE`, `WATSONX_URL`, …). `use_litellm_proxy` (entry,
  settings or `USE_LITELLM_PROXY`) sends what sets no endpoint to `LITELLM_PROXY_API_BASE`.
  An `http://` endpoint other than loopback is unresolved: the catalog's facts describe TLS
  endpoints, and the prompt would cross the network in clear text;
- the region, only from the keys the provider's LiteLLM integration reads to pick its
  endpoint (`REGION_KEYS`): `aws_region_name` for Bedrock and SageMaker (else the region of
  a model ARN, else `AWS_REGION_NAME`/`AWS_REGION`), `vertex_location` for Vertex AI (else
  `VERTEXAI_LOCATION`). Elsewhere region keys do not move the prompt — `region_name` is a
  label for LiteLLM's region-based routing (`allowed_model_region`), and watsonx takes its
  URL from `WATSONX_URL` — so they narrow nothing;
- for Bedrock, a cross-region inference profile (`us.`, `eu.`, `apac.`, `global.` model ids,
  also after `converse/` or `invoke/`, in `model_id` and in inference-profile ARNs).

Before that, the proxy-wide settings (`litellm_proxy.ProxySettings`) apply: a named
credential's values, the model alias map, and whether clients may choose the endpoint.

A value written `os.environ/NAME` (LiteLLM's syntax) or holding `${NAME}` / `$NAME` is read
from the environment given (`litellm_env`); when a variable has no value there, the field is
*unresolved*: the entry resolves to nothing (a violation, a refused deployment), never to the
default the field would have without it. So is a URL without a scheme or host, or a
non-string value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from registry.routers.litellm_env import UnresolvedError, env_value, implicit, truthy
from registry.routers.litellm_proxy import (
    ENDPOINT_KEYS,
    NO_SETTINGS,
    ProxySettings,
    check_client_side,
    with_credential,
)

_AWS = ("aws_region_name",)
_VERTEX = ("vertex_location", "vertex_ai_location")
REGION_KEYS = {
    "bedrock": _AWS,
    "sagemaker": _AWS,
    "sagemaker_chat": _AWS,
    "vertex_ai": _VERTEX,
    "vertex_ai_beta": _VERTEX,
}
# Environment variables LiteLLM reads when a field is not set, per provider prefix (besides
# `<PREFIX>_API_BASE` and `<PREFIX>_BASE_URL`, read for every prefix).
BASE_ENV = {
    "openai": ("OPENAI_BASE_URL", "OPENAI_API_BASE"),
    "azure": ("AZURE_API_BASE",),
    "bedrock": ("AWS_BEDROCK_RUNTIME_ENDPOINT", "BEDROCK_API_BASE"),
    "vertex_ai": ("VERTEXAI_API_BASE", "VERTEX_API_BASE"),
    "watsonx": ("WATSONX_URL", "WX_URL", "WML_URL"),
    "watsonx_text": ("WATSONX_URL", "WX_URL", "WML_URL"),
}
REGION_ENV = {
    "bedrock": ("AWS_REGION_NAME", "AWS_REGION"),
    "sagemaker": ("AWS_REGION_NAME", "AWS_REGION"),
    "vertex_ai": ("VERTEXAI_LOCATION", "VERTEX_LOCATION"),
}
BEDROCK = "bedrock"
_HOST = re.compile(r"[A-Za-z0-9._:-]+")  # a name or an IP address; never a `*` pattern
_LOOPBACK = re.compile(r"localhost|127(\.\d{1,3}){3}|::1")
_ARN = re.compile(r"arn:aws[a-z-]*:bedrock:([a-z0-9-]*):[0-9]*:([a-z-]+)/(.+)")
_PROFILE = re.compile(r"([a-z]{2,8}(?:-[a-z]+)?)\.[a-z][a-z0-9]*\.[a-z]")


@dataclass(frozen=True)
class Read:
    """What one `litellm_params` asks LiteLLM to call."""

    model: str
    prefix: str | None  # LiteLLM provider prefix, None when LiteLLM would not know one
    host: str  # the endpoint's lower-case host, "" when LiteLLM uses the provider's default
    region: str | None  # the region asked for, lower case
    profile: str | None  # a Bedrock cross-region inference profile's geography (`us`, …)
    problem: str | None = None


def _host_of(key: str, url: str) -> str:
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        host = None
    scheme = parts.scheme.lower() if host else ""
    if not host or scheme not in ("http", "https") or not _HOST.fullmatch(host):
        raise UnresolvedError(
            f"{key} {url!r} is not an http(s) URL with a host, so where the prompt goes "
            "cannot be read"
        )
    host = host.lower().rstrip(".")
    if scheme == "http" and not _LOOPBACK.fullmatch(host):
        raise UnresolvedError(
            f"{key} {url!r} is plain http: the prompt would cross the network unencrypted, "
            "which no catalog fact covers (use https)"
        )
    return host


@cache
def unprefixed_models() -> Mapping[str, str]:
    """Model names LiteLLM resolves without a prefix → the provider prefix it resolves them to
    (generated from litellm itself by scripts/litellm_models.py; a test re-checks it)."""
    text = resources.files("registry.routers").joinpath("litellm_models.json").read_text()
    table: dict[str, str] = json.loads(text)["models"]
    return table


def _split(model: str, provider: str | None) -> tuple[str | None, str]:
    """(LiteLLM provider prefix, the rest of the model string)."""
    head, slash, rest = model.partition("/")
    if provider is not None:
        return provider.lower(), rest if slash and head.lower() == provider.lower() else model
    if slash:
        return head.lower(), rest
    return unprefixed_models().get(model), model


def bedrock_profile(model_id: str) -> tuple[str | None, str | None]:
    """(profile geography, ARN region) of a Bedrock model id, route path or ARN; an
    application inference profile, whose Regions the id does not tell, is Unresolved."""
    arn = _ARN.search(model_id)
    if arn is not None:
        region, kind, name = arn.groups()
        if kind == "application-inference-profile":
            raise UnresolvedError(
                f"model {model_id!r} is an application inference profile: which Regions it "
                "routes to cannot be read from its id"
            )
        geography = _profile_of(name) if kind == "inference-profile" else None
        return geography, region or None
    return _profile_of(model_id.rsplit("/", 1)[-1]), None


def _profile_of(name: str) -> str | None:
    match = _PROFILE.match(name.lower())
    return match.group(1) if match else None


def _endpoint(
    params: Mapping[str, Any], prefix: str | None, env: Mapping[str, str], settings: ProxySettings
) -> str:
    for key in ENDPOINT_KEYS:
        url = env_value(key, params.get(key), env)
        if url is not None:
            return _host_of(key, url)
    proxy = params.get("use_litellm_proxy") is True or settings.use_litellm_proxy
    if proxy or truthy(implicit("USE_LITELLM_PROXY", env, settings.unknown_env)):
        url = implicit("LITELLM_PROXY_API_BASE", env, settings.unknown_env)
        if url is None:
            raise UnresolvedError(
                "use_litellm_proxy sends the prompt to LITELLM_PROXY_API_BASE, which has no "
                "value here"
            )
        return _host_of("LITELLM_PROXY_API_BASE", url)
    if settings.api_base is not None:
        return _host_of("litellm_settings.api_base", settings.api_base)
    if prefix is None:
        return ""
    upper = prefix.upper()
    names = (*BASE_ENV.get(prefix, ()), f"{upper}_API_BASE", f"{upper}_BASE_URL")
    for name in names:
        url = implicit(name, env, settings.unknown_env)
        if url:
            return _host_of(f"environment variable {name}", url)
    return ""


def _region(params: Mapping[str, Any], prefix: str | None, env: Mapping[str, str]) -> str | None:
    for key in REGION_KEYS.get(prefix or "", ()):
        region = env_value(key, params.get(key), env)
        if region is not None:
            return region.lower()
    return None


def _region_from_env(
    prefix: str | None, env: Mapping[str, str], unknown: frozenset[str]
) -> str | None:
    for name in REGION_ENV.get(prefix or "", ()):
        region = implicit(name, env, unknown)
        if region:
            return region.lower()
    return None


def _model(params: Mapping[str, Any], env: Mapping[str, str], settings: ProxySettings) -> str:
    model = env_value("model", params.get("model"), env)
    if model is None:
        raise UnresolvedError("litellm_params.model is missing or empty")
    return settings.model_alias_map.get(model, model)


def _read(params: Mapping[str, Any], env: Mapping[str, str], settings: ProxySettings) -> Read:
    if settings.problem is not None:
        raise UnresolvedError(settings.problem)
    params = with_credential(params, settings)
    check_client_side(params, settings)
    model = _model(params, env, settings)
    provider = env_value("custom_llm_provider", params.get("custom_llm_provider"), env)
    prefix, rest = _split(model, provider)
    host = _endpoint(params, prefix, env, settings)
    region = _region(params, prefix, env)
    profile = None
    if prefix == BEDROCK:  # LiteLLM: aws_region_name, else the ARN's, else the env's
        model_id = env_value("model_id", params.get("model_id"), env)
        profile, arn_region = bedrock_profile(model_id or rest)
        if model_id is not None and profile is None:
            profile = bedrock_profile(rest)[0]
        region = region or arn_region
    region = region or _region_from_env(prefix, env, settings.unknown_env)
    return Read(model, prefix, host, region, profile)


def read_params(
    params: Mapping[str, Any], env: Mapping[str, str], settings: ProxySettings = NO_SETTINGS
) -> Read:
    """Read one deployment's params; `problem` says why they cannot be (module doc)."""
    try:
        return _read(params, env, settings)
    except UnresolvedError as err:
        raw = params.get("model")
        return Read(raw if isinstance(raw, str) else "", None, "", None, None, str(err))
