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
the CI gate uses. The data class comes from the request's metadata
(`clearance_data_class`), else from a `clearance:<class>` tag (request tags, then the API
key's tags on a LiteLLM proxy), else the policy's default class.

Fail closed: if the registry cannot answer and the cache is too old, if the view is not one
this version understands, or if nothing is permitted, the hook returns no deployment, and
LiteLLM refuses the request. It never lets a request through unchecked.

Importing this module imports litellm (the `integration` extra) and the matcher, which is
standard library only.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from litellm.integrations.custom_logger import CustomLogger

from clearance_client.aio import AsyncClearanceClient
from clearance_client.errors import ClearanceClientError
from registry.routers.litellm_match import ViewError, check_view, decide

log = logging.getLogger("clearance.litellm")
METADATA_KEY = "clearance_data_class"
TAG_PREFIX = "clearance:"


def _tags(value: Any) -> list[str]:
    return [t for t in value if isinstance(t, str)] if isinstance(value, list) else []


def data_class_of(request: Mapping[str, Any] | None) -> str | None:
    """The request's data class, or None (the policy's default class then applies)."""
    if not request:
        return None
    metadata = request.get("metadata")
    metadata = metadata if isinstance(metadata, Mapping) else {}
    explicit = metadata.get(METADATA_KEY)
    if isinstance(explicit, str) and explicit:
        return explicit
    key_metadata = metadata.get("user_api_key_metadata")
    key_tags = key_metadata.get("tags") if isinstance(key_metadata, Mapping) else None
    for tags in (request.get("tags"), metadata.get("tags"), key_tags):
        for tag in _tags(tags):
            if tag.startswith(TAG_PREFIX) and len(tag) > len(TAG_PREFIX):
                return tag[len(TAG_PREFIX) :]
    return None


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
        data_class = data_class_of(request_kwargs)
        try:
            answer = await self.client.permitted(
                self.org, self.policy, data_class, format="litellm"
            )
            view = answer.body
            check_view(view)
        except (ClearanceClientError, ViewError) as err:
            log.error("clearance: no deployment for %s (data class %s): %s", model, data_class, err)
            return []
        return keep_permitted(view, healthy_deployments, model)


def keep_permitted(
    view: Mapping[str, Any], deployments: Sequence[dict[str, Any]], model: str
) -> list[dict[str, Any]]:
    """The deployments the view permits, in their order; each refusal is logged with why."""
    kept = []
    for deployment in deployments:
        params = deployment.get("litellm_params")
        verdict = decide(view, params if isinstance(params, Mapping) else {})
        if verdict.permitted:
            kept.append(deployment)
        else:
            log.info("clearance: %s skips a deployment: %s", model, "; ".join(verdict.reasons))
    return kept
