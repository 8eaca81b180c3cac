"""A LiteLLM Router hook that admits only the deployments a Clearance policy permits for the
request's data class, decided at request time.

    from clearance_client import AsyncClearanceClient
    from clearance_client.litellm_hook import ClearanceFilter

    client = AsyncClearanceClient("http://clearance:8000", os.environ["CLEARANCE_API_KEY"])
    litellm.callbacks = [ClearanceFilter(client, org="acme", policy="eu-confidential")]
    metadata = {"clearance_data_class": "confidential"}
    await router.acompletion(model="gpt", messages=messages, metadata=metadata)

LiteLLM calls `async_filter_deployments` with the healthy candidates of each request; the
hook asks the registry for the policy's LiteLLM view (`permitted?format=litellm`, revalidated
with ETags, served from the client's last-known-good cache within `max_staleness`) and keeps
a deployment only if `registry.routers.litellm_match.decide` permits it — the same resolution
the CI gate uses, with this process's environment for `os.environ/NAME` params (the gate is
given the same values with `--env`/`--env-file`), the running proxy's settings that move
prompts (`litellm.api_base`, `model_alias_map`, `credential_list`, `use_litellm_proxy`: what
the gate reads from the config), and an endpoint the request itself names (`api_base`,
`base_url`, and `extra_body` with OpenRouter preferences: a client allowed to choose one is
judged on its choice).

Data classes: every class any source names applies — the request's metadata
(`clearance_data_class`), and every `clearance:<class>` tag of the request, its metadata, the
proxy key and the key's team. A deployment is kept only if it is permitted for each of them,
so a client cannot downgrade the class its key is tagged with (a class that inherits another
only adds requirements: the intersection is the strictest; two unordered classes both
apply). With no class named, the policy's default class applies.

Fail closed: if the registry cannot answer and the cache is too old, if the view is not one
this version understands, or if nothing is permitted, the hook returns no deployment, and
LiteLLM refuses the request. It never lets a request through unchecked.

Importing this module imports litellm (the `integration` extra) and the matcher, which is
standard library only.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any

from litellm.integrations.custom_logger import CustomLogger

from clearance_client.aio import AsyncClearanceClient
from clearance_client.errors import ClearanceClientError
from registry.routers.litellm_match import ViewError, check_view, decide
from registry.routers.litellm_proxy import ENDPOINT_KEYS, NO_SETTINGS, ProxySettings

log = logging.getLogger("clearance.litellm")
# what a request may carry that changes where LiteLLM sends it: an endpoint, and OpenRouter
# provider preferences (`extra_body.provider`) that replace the deployment's pin
REQUEST_OVERRIDES = frozenset({*ENDPOINT_KEYS, "extra_body"})
METADATA_KEY = "clearance_data_class"
TAG_PREFIX = "clearance:"


def _tags(value: Any) -> list[str]:
    return [t for t in value if isinstance(t, str)] if isinstance(value, list) else []


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def data_classes_of(request: Mapping[str, Any] | None) -> list[str | None]:
    """Every data class the request names (module doc), in a stable order; `[None]` (the
    policy's default class) when it names none."""
    if not request:
        return [None]
    metadata = _mapping(request.get("metadata"))
    found: list[str] = []
    explicit = metadata.get(METADATA_KEY)
    if isinstance(explicit, str) and explicit:
        found.append(explicit)
    sources = (
        request.get("tags"),
        metadata.get("tags"),
        _mapping(metadata.get("user_api_key_metadata")).get("tags"),
        _mapping(metadata.get("user_api_key_team_metadata")).get("tags"),
    )
    for tags in sources:
        found.extend(
            tag[len(TAG_PREFIX) :]
            for tag in _tags(tags)
            if tag.startswith(TAG_PREFIX) and len(tag) > len(TAG_PREFIX)
        )
    named: list[str | None] = [*sorted(set(found))]
    return named or [None]


class ClearanceFilter(CustomLogger):  # type: ignore[misc]  # litellm is untyped for mypy here
    """LiteLLM `CustomLogger` whose `async_filter_deployments` enforces a Clearance policy."""

    def __init__(self, client: AsyncClearanceClient, org: str, policy: str) -> None:
        super().__init__()
        self.client, self.org, self.policy = client, org, policy

    async def async_filter_deployments(
        self,
        model: str,
        healthy_deployments: list[dict[str, Any]],
        messages: Any,
        request_kwargs: dict[str, Any] | None = None,
        parent_otel_span: Any = None,
    ) -> list[dict[str, Any]]:
        classes = data_classes_of(request_kwargs)
        views = []
        try:
            for data_class in classes:
                answer = await self.client.permitted(
                    self.org, self.policy, data_class, format="litellm"
                )
                check_view(answer.body)
                views.append(answer.body)
        except (ClearanceClientError, ViewError) as err:
            log.error("clearance: no deployment for %s (data classes %s): %s", model, classes, err)
            return []
        overrides = {k: v for k, v in (request_kwargs or {}).items() if k in REQUEST_OVERRIDES}
        settings = proxy_settings()
        return keep_permitted(
            views, healthy_deployments, model, os.environ, settings, overrides=overrides
        )


def _field(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, Mapping) else getattr(item, name, None)


def proxy_settings() -> ProxySettings:
    """The running proxy's settings that move prompts, read from litellm at call time."""
    import litellm

    credentials = {
        name: values
        for item in getattr(litellm, "credential_list", None) or []
        if isinstance(name := _field(item, "credential_name"), str)
        and isinstance(values := _field(item, "credential_values"), Mapping)
    }
    aliases = getattr(litellm, "model_alias_map", None) or {}
    api_base = getattr(litellm, "api_base", None)
    return ProxySettings(
        api_base=api_base if isinstance(api_base, str) and api_base else None,
        model_alias_map={k: v for k, v in aliases.items() if isinstance(v, str)},
        credentials=credentials,
        use_litellm_proxy=getattr(litellm, "use_litellm_proxy", False) is True,
    )


def keep_permitted(
    views: Sequence[Mapping[str, Any]],
    deployments: Sequence[dict[str, Any]],
    model: str,
    env: Mapping[str, str],
    settings: ProxySettings = NO_SETTINGS,
    *,
    overrides: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The deployments every view permits, in their order, each judged with the request's
    own endpoint `overrides` merged in; each refusal is logged with why. No view permits
    nothing."""
    if not views:
        return []
    kept = []
    for deployment in deployments:
        params = deployment.get("litellm_params")
        params = {**(params if isinstance(params, Mapping) else {}), **(overrides or {})}
        verdicts = [decide(view, params, env, settings) for view in views]
        refused = [v for v in verdicts if not v.permitted]
        if not refused:
            kept.append(deployment)
            continue
        reasons = "; ".join(r for v in refused for r in v.reasons)
        log.info("clearance: %s skips a deployment: %s", model, reasons)
    return kept
