"""What a LiteLLM proxy applies to every deployment beyond its own `litellm_params`.

Standard library only. A proxy config changes where prompts go in more places than its
`model_list`, and the gate reads each of them (checked against litellm 1.110.2's proxy):

- `environment_variables:` — copied into the proxy's environment before the model list is
  set up (so `OPENAI_BASE_URL` there moves every `openai/…` entry); a value written
  `os.environ/NAME` without a value here makes that variable unknown;
- `litellm_settings.api_base` — LiteLLM's global base URL, used when an entry sets none;
- `litellm_settings.model_alias_map` — renames a model before its provider is chosen;
- `litellm_settings.use_litellm_proxy` (or `USE_LITELLM_PROXY`) — every entry goes to
  `LITELLM_PROXY_API_BASE`, another proxy;
- `credential_list` + an entry's `litellm_credential_name` — the credential's values are
  merged into the entry (an endpoint or region the entry and its credential both set, to
  different values, is unresolved: LiteLLM's code paths disagree on which wins);
- `general_settings.allow_client_side_credentials`, or an entry's
  `configurable_clientside_auth_params` naming an endpoint field — a client may send the
  prompt wherever it likes: unresolved.

An include's top-level keys are merged as LiteLLM merges them (lists extended, other values
replaced). The hook builds the same settings from the running litellm module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from registry.routers.litellm_env import ENV_PREFIX, UnresolvedError, env_value, truthy

ENDPOINT_KEYS = ("base_url", "api_base", "aws_bedrock_runtime_endpoint")
ROUTING_KEYS = (
    *ENDPOINT_KEYS,
    "custom_llm_provider",
    "aws_region_name",
    "vertex_location",
    "vertex_ai_location",
    "use_litellm_proxy",
)


@dataclass(frozen=True, kw_only=True)
class ProxySettings:
    """Proxy-wide settings that move prompts (module doc)."""

    api_base: str | None = None
    model_alias_map: Mapping[str, str] = field(default_factory=dict)
    credentials: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    use_litellm_proxy: bool = False
    client_side_credentials: bool = False
    unknown_env: frozenset[str] = frozenset()  # set by environment_variables, value unknown
    problem: str | None = None  # a setting that cannot be read: every entry is unresolved


NO_SETTINGS = ProxySettings()


def merged_config(configs: Iterable[Any]) -> dict[str, Any]:
    """The top-level keys of a config and its includes, merged as LiteLLM merges them."""
    merged: dict[str, Any] = {}
    for config in configs:
        if not isinstance(config, Mapping):
            continue
        for key, value in config.items():
            base = merged.get(key)
            if isinstance(base, list) and isinstance(value, list):
                merged[key] = [*base, *value]
            else:
                merged[key] = value
    return merged


def _section(config: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = config.get(key)
    if value is not None and not isinstance(value, Mapping):
        raise UnresolvedError(f"the config's {key} is not a mapping")
    return value or {}


def _environment(
    config: Mapping[str, Any], env: Mapping[str, str]
) -> tuple[dict[str, str], frozenset[str]]:
    overlay: dict[str, str] = {}
    unknown: set[str] = set()
    for name, value in _section(config, "environment_variables").items():
        if not (isinstance(value, str) and value.startswith(ENV_PREFIX)):
            overlay[str(name)] = str(value)  # as the proxy sets it: literally, no expansion
        elif value[len(ENV_PREFIX) :] in env:
            overlay[str(name)] = env[value[len(ENV_PREFIX) :]]
        else:  # the proxy would copy a value the gate does not know
            unknown.add(str(name))
    full = {k: v for k, v in env.items() if k not in unknown}
    return {**full, **overlay}, frozenset(unknown)


def _credentials(config: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    items = config.get("credential_list") or []
    if not isinstance(items, list):
        raise UnresolvedError("the config's credential_list is not a list")
    found: dict[str, Mapping[str, Any]] = {}
    for item in items:
        name = item.get("credential_name") if isinstance(item, Mapping) else None
        values = item.get("credential_values") if isinstance(item, Mapping) else None
        if not isinstance(name, str) or not isinstance(values, Mapping):
            raise UnresolvedError("a credential_list item has no credential_name/values")
        found[name] = values
    return found


def _aliases(settings: Mapping[str, Any]) -> dict[str, str]:
    aliases = settings.get("model_alias_map") or {}
    if not isinstance(aliases, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in aliases.items()
    ):
        raise UnresolvedError("litellm_settings.model_alias_map is not a map of model names")
    return dict(aliases)


def from_config(
    config: Mapping[str, Any], env: Mapping[str, str]
) -> tuple[ProxySettings, dict[str, str]]:
    """The settings of a (merged) proxy config, and the environment its entries see."""
    try:
        full_env, unknown = _environment(config, env)
        settings = _section(config, "litellm_settings")
        general = _section(config, "general_settings")
        return ProxySettings(
            api_base=env_value("litellm_settings.api_base", settings.get("api_base"), full_env),
            model_alias_map=_aliases(settings),
            credentials=_credentials(config),
            use_litellm_proxy=truthy(settings.get("use_litellm_proxy")),
            client_side_credentials=truthy(general.get("allow_client_side_credentials")),
            unknown_env=unknown,
        ), full_env
    except UnresolvedError as err:
        return ProxySettings(problem=str(err)), dict(env)


def with_credential(params: Mapping[str, Any], settings: ProxySettings) -> Mapping[str, Any]:
    """The entry's params with its named credential merged in (module doc)."""
    name = params.get("litellm_credential_name")
    if name is None:
        return params
    values = settings.credentials.get(name) if isinstance(name, str) else None
    if values is None:
        raise UnresolvedError(f"credential {name!r} is not in the config's credential_list")
    for key in ROUTING_KEYS:
        if key in values and key in params and values[key] != params[key]:
            raise UnresolvedError(
                f"{key} differs between the entry and credential {name!r}; LiteLLM's code "
                "paths disagree on which wins"
            )
    return {**values, **params}


def check_client_side(params: Mapping[str, Any], settings: ProxySettings) -> None:
    """UnresolvedError when a client may choose the endpoint (module doc)."""
    if settings.client_side_credentials:
        raise UnresolvedError(
            "general_settings.allow_client_side_credentials lets any client send the prompt "
            "to an api_base of its choosing"
        )
    allowed = params.get("configurable_clientside_auth_params") or []
    names = [
        key
        for item in (allowed if isinstance(allowed, list) else [allowed])
        for key in (item if isinstance(item, Mapping) else [item])
    ]
    if any(str(name) in ENDPOINT_KEYS for name in names):
        raise UnresolvedError(
            "configurable_clientside_auth_params lets a client choose api_base, so where the "
            "prompt goes is the client's choice"
        )
