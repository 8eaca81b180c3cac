"""The Clearance hook for a LiteLLM proxy: `litellm_settings.callbacks` in config.yaml names
`clearance_hook.proxy_handler_instance` (this file must be importable from the proxy's
working directory).

Settings from the environment: CLEARANCE_URL, CLEARANCE_API_KEY (a `router` key),
CLEARANCE_ORG, CLEARANCE_POLICY, and optionally CLEARANCE_MAX_STALENESS (seconds a cached
answer may be used while the registry is unreachable; default 300).

Clients pick the data class per request with `metadata: {"clearance_data_class": "…"}`, or
per API key with a `clearance:<class>` tag on the key; without either, the policy's default
class applies. A request for which no deployment is permitted is refused by the proxy.
"""

from __future__ import annotations

import os

from clearance_client import AsyncClearanceClient
from clearance_client.litellm_hook import ClearanceFilter


def make_hook() -> ClearanceFilter:
    client = AsyncClearanceClient(
        os.environ["CLEARANCE_URL"],
        os.environ["CLEARANCE_API_KEY"],
        max_staleness=float(os.environ.get("CLEARANCE_MAX_STALENESS", "300")),
    )
    return ClearanceFilter(client, os.environ["CLEARANCE_ORG"], os.environ["CLEARANCE_POLICY"])


proxy_handler_instance = make_hook()
