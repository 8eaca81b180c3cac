"""A small client for the Clearance registry, safe on a router's hot path (httpx only).

    from clearance_client import ClearanceClient, ServiceUnavailable

    client = ClearanceClient("http://clearance:8000", api_key, max_staleness=300)
    answer = client.permitted("acme", "eu-confidential", "confidential")
    answer.is_permitted("openai/eu")     # True / False; answer.deployments, answer.body

Every call revalidates (`If-None-Match`: a 304 costs the service almost nothing). When the
service cannot answer, a cached answer it confirmed within `max_staleness` seconds is
returned with `from_cache=True`; otherwise `ServiceUnavailable` is raised. A refusal (401,
403, 404, 422) is raised at once and never answered from the cache. Errors:
`clearance_client.errors`. `AsyncClearanceClient` is the same for asyncio.

`client.explain(org, policy, target, data_class)` and `client.gate(org, policy, [(name,
text)], data_class)` answer the registry's explanation and gate report as dicts, with the
same retries and errors, never cached (the CLI's `--server` mode uses them).

This package imports nothing but httpx and the standard library (no fastapi, sqlmodel,
casbin or registry), and does nothing at import time.
"""

from clearance_client.aio import AsyncClearanceClient
from clearance_client.answer import Permitted
from clearance_client.errors import (
    ClearanceClientError,
    Forbidden,
    InvalidRequest,
    NotFound,
    ServiceUnavailable,
    Unauthorized,
)
from clearance_client.sync import ClearanceClient

__all__ = [
    "AsyncClearanceClient",
    "ClearanceClient",
    "ClearanceClientError",
    "Forbidden",
    "InvalidRequest",
    "NotFound",
    "Permitted",
    "ServiceUnavailable",
    "Unauthorized",
]
