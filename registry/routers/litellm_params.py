"""Read what one LiteLLM deployment's `litellm_params` say about where a prompt goes.

Standard library only (a LiteLLM hook imports it through `litellm_match`). The CI gate and the
hook both read params here, with the environment they know: the hook the proxy's own
(`os.environ`), the gate only what the user passed (`--env NAME=VALUE`, `--env-file`).

Fields read, each of which LiteLLM uses to pick the endpoint (any other key is ignored):

- `custom_llm_provider`, else the `model` prefix (`bedrock/…`), else, for an unprefixed
  name (`gpt-4o`), the provider LiteLLM itself resolves it to (`litellm_models.json`);
- the endpoint: `base_url`, else `api_base`, else `aws_bedrock_runtime_endpoint`, else an
  environment variable LiteLLM reads for the provider's base (`<PREFIX>_API_BASE`, …);
- the region, only from the keys the provider's LiteLLM integration reads to pick its
  endpoint (`REGION_KEYS`): `aws_region_name` for Bedrock and SageMaker (else the region of
  a model ARN, else `AWS_REGION_NAME`/`AWS_REGION`), `vertex_location` for Vertex AI (else
  `VERTEXAI_LOCATION`), `region_name` for watsonx. Elsewhere `region_name` is only a label
  for LiteLLM's region-based routing (`allowed_model_region`): the prompt still goes to the
  provider's default endpoint, so it narrows nothing;
- for Bedrock, a cross-region inference profile (`us.`, `eu.`, `apac.`, `global.` model ids,
  also after `converse/` or `invoke/`, in `model_id` and in inference-profile ARNs).

A value written `os.environ/NAME` (LiteLLM's syntax) or holding `${NAME}` / `$NAME` is read
from the environment given; when a variable has no value there, the field is *unresolved*:
the entry resolves to nothing (a violation, a refused deployment), never to the default the
field would have without it. So is a URL without a scheme or host, or a non-string value.
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

ENV_PREFIX = "os.environ/"
HOST_KEYS = ("base_url", "api_base", "aws_bedrock_runtime_endpoint")
_AWS = ("aws_region_name",)
_VERTEX = ("vertex_location", "vertex_ai_location")
_WATSONX = ("region_name", "watsonx_region_name", "watsonx_region")
REGION_KEYS = {
    "bedrock": _AWS,
    "sagemaker": _AWS,
    "sagemaker_chat": _AWS,
    "vertex_ai": _VERTEX,
    "vertex_ai_beta": _VERTEX,
    "watsonx": _WATSONX,
    "watsonx_text": _WATSONX,
}
# Environment variables LiteLLM reads when a field is not set, per provider prefix (besides
# `<PREFIX>_API_BASE` and `<PREFIX>_BASE_URL`, read for every prefix).
BASE_ENV = {
    "openai": ("OPENAI_BASE_URL", "OPENAI_API_BASE"),
    "azure": ("AZURE_API_BASE",),
    "bedrock": ("AWS_BEDROCK_RUNTIME_ENDPOINT", "BEDROCK_API_BASE"),
    "vertex_ai": ("VERTEXAI_API_BASE", "VERTEX_API_BASE"),
}
REGION_ENV = {
    "bedrock": ("AWS_REGION_NAME", "AWS_REGION"),
    "sagemaker": ("AWS_REGION_NAME", "AWS_REGION"),
    "vertex_ai": ("VERTEXAI_LOCATION", "VERTEX_LOCATION"),
    "watsonx": ("WATSONX_REGION", "WX_REGION", "REGION"),
}
BEDROCK = "bedrock"
_VARIABLE = re.compile(
    r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-=?+][^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))"
)
_HOST = re.compile(r"[A-Za-z0-9._:-]+")  # a name or an IP address; never a `*` pattern
_REMEDY = (
    "give the value the proxy runs with (clearance gate --env {name}=VALUE or --env-file FILE)"
)
_ARN = re.compile(r"arn:aws[a-z-]*:bedrock:([a-z0-9-]*):[0-9]*:([a-z-]+)/(.+)")
_PROFILE = re.compile(r"([a-z]{2,8}(?:-[a-z]+)?)\.[a-z][a-z0-9]*\.[a-z]")


class UnresolvedError(ValueError):
    """A field whose value cannot be known here; the message says which and how to fix it."""


@dataclass(frozen=True)
class Read:
    """What one `litellm_params` asks LiteLLM to call."""

    model: str
    prefix: str | None  # LiteLLM provider prefix, None when LiteLLM would not know one
    host: str  # the endpoint's lower-case host, "" when LiteLLM uses the provider's default
    region: str | None  # the region asked for, lower case
    profile: str | None  # a Bedrock cross-region inference profile's geography (`us`, …)
    problem: str | None = None


def _substitute(key: str, text: str, env: Mapping[str, str]) -> str:
    missing: list[str] = []

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        found = env.get(name)
        if found is None:
            missing.append(name)
            return ""
        return found

    out = _VARIABLE.sub(value, text)
    if missing:
        names = ", ".join(dict.fromkeys(missing))
        raise UnresolvedError(
            f"{key} {text!r} uses environment variable {names}, which has no value here: "
            + _REMEDY.format(name=missing[0])
        )
    return out


def env_value(key: str, value: Any, env: Mapping[str, str]) -> str | None:
    """The string a field means with this environment; None when it is not set (or empty).
    Raises UnresolvedError when it cannot be known (module doc)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise UnresolvedError(f"{key} is {type(value).__name__} {value!r}, not a string")
    if value.startswith(ENV_PREFIX):
        name = value[len(ENV_PREFIX) :]
        found = env.get(name)
        if found is None:
            raise UnresolvedError(
                f"{key} is read from environment variable {name} ({value}), which has no "
                f"value here: {_REMEDY.format(name=name)}"
            )
        value = found
    elif "$" in value:
        value = _substitute(key, value, env)
    return value.strip() or None


def _host_of(key: str, url: str) -> str:
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        host = None
    if not host or parts.scheme.lower() not in ("http", "https") or not _HOST.fullmatch(host):
        raise UnresolvedError(
            f"{key} {url!r} is not an http(s) URL with a host, so where the prompt goes "
            "cannot be read"
        )
    return host.lower().rstrip(".")


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


def _endpoint(params: Mapping[str, Any], prefix: str | None, env: Mapping[str, str]) -> str:
    for key in HOST_KEYS:
        url = env_value(key, params.get(key), env)
        if url is not None:
            return _host_of(key, url)
    if prefix is None:
        return ""
    upper = prefix.upper()
    names = (*BASE_ENV.get(prefix, ()), f"{upper}_API_BASE", f"{upper}_BASE_URL")
    for name in names:
        url = (env.get(name) or "").strip()
        if url:
            return _host_of(f"environment variable {name}", url)
    return ""


def _region(params: Mapping[str, Any], prefix: str | None, env: Mapping[str, str]) -> str | None:
    for key in REGION_KEYS.get(prefix or "", ()):
        region = env_value(key, params.get(key), env)
        if region is not None:
            return region.lower()
    return None


def _region_from_env(prefix: str | None, env: Mapping[str, str]) -> str | None:
    for name in REGION_ENV.get(prefix or "", ()):
        region = (env.get(name) or "").strip()
        if region:
            return region.lower()
    return None


def read_params(params: Mapping[str, Any], env: Mapping[str, str]) -> Read:
    """Read one deployment's params; `problem` says why they cannot be (module doc)."""
    raw_model = params.get("model")
    try:
        model = env_value("model", raw_model, env)
        if model is None:
            raise UnresolvedError("litellm_params.model is missing or empty")
        provider = env_value("custom_llm_provider", params.get("custom_llm_provider"), env)
        prefix, rest = _split(model, provider)
        host = _endpoint(params, prefix, env)
        region = _region(params, prefix, env)
        profile = None
        if prefix == BEDROCK:  # LiteLLM: aws_region_name, else the ARN's, else the env's
            model_id = env_value("model_id", params.get("model_id"), env)
            profile, arn_region = bedrock_profile(model_id or rest)
            if model_id is not None and profile is None:
                profile = bedrock_profile(rest)[0]
            region = region or arn_region
        region = region or _region_from_env(prefix, env)
    except UnresolvedError as err:
        shown = raw_model if isinstance(raw_model, str) else ""
        return Read(shown, None, "", None, None, str(err))
    return Read(model, prefix, host, region, profile)
