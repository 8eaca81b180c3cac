"""The registry client (httpx) for remote mode: unreachable or failing means exit 3."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from registry.errors import ClearanceError

DEFAULT_TIMEOUT = 30.0


class ServiceUnavailableError(ClearanceError):
    """The registry could not be reached or failed (5xx): never treat it as compliant."""


class ServiceRefusedError(ClearanceError):
    """The registry refused the request (4xx): the input is wrong (exit 2)."""


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(body, dict):
        return str(body.get("detail") or body)
    return str(body)[:300]


def post_gate(
    server: str,
    org: str,
    policy: str,
    data_class: str | None,
    manifests: list[Path],
    api_key: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> dict[str, Any]:
    """POST the manifests to `{server}/v1/orgs/{org}/gate`; the report as JSON."""
    body = {
        "policy": policy,
        "data_class": data_class,
        "env": env or {},
        "manifests": [
            {"name": str(p), "content": p.read_text(encoding="utf-8")} for p in manifests
        ],
    }
    url = f"{server.rstrip('/')}/v1/orgs/{org}/gate"
    try:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        response = httpx.post(url, json=body, headers=headers, timeout=timeout)
    except httpx.HTTPError as err:
        raise ServiceUnavailableError(
            "CLR-N001",
            f"cannot reach {url}: {err}",
            "check --server / CLEARANCE_SERVER and the network; "
            "do not deploy until the gate has run",
        ) from None
    if response.status_code >= 500 or response.status_code == 429:
        raise ServiceUnavailableError(
            "CLR-N002",
            f"{url} answered {response.status_code}: {_detail(response)}",
            "retry; check the registry's /readyz",
        )
    if response.status_code >= 400:
        raise ServiceRefusedError(
            "CLR-N003",
            f"{url} answered {response.status_code}: {_detail(response)}",
            "fix the request as the detail says",
        )
    result: dict[str, Any] = response.json()
    return result
