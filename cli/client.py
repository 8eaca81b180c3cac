"""Plain requests to the registry for `push` and `pull` (the stored texts, with ETags and
preconditions): unreachable or failing means exit 3. The evaluating commands (`allowed`,
`explain`, `gate --server`) ask through `clearance_client` instead (cli/remote.py).
Imported only when a command talks to a server: it imports httpx."""

from __future__ import annotations

import httpx

from cli.remote import ServiceRefusedError, ServiceUnavailableError
from registry.codes import Code

DEFAULT_TIMEOUT = 30.0
__all__ = ["DEFAULT_TIMEOUT", "ServiceRefusedError", "ServiceUnavailableError", "call"]


def _detail(response: httpx.Response) -> str:
    """The problem's detail, and every problem of a 422 (file:line, key, code, remedy)."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    if not isinstance(body, dict):
        return str(body)[:300]
    lines = [str(body.get("detail") or body)]
    for item in body.get("problems") or ():
        if isinstance(item, dict):
            where = item.get("file") or ""
            if item.get("line") is not None:
                where += f":{item['line']}"
            key = f" [{item['key']}]" if item.get("key") else ""
            fix = f" Fix: {item['remedy']}" if item.get("remedy") else ""
            lines.append(f"  {where}:{key} {item.get('code')} {item.get('message')}.{fix}")
    return "\n".join(lines)


def call(
    method: str,
    url: str,
    api_key: str | None,
    *,
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
    allow: tuple[int, ...] = (),
    timeout: float = DEFAULT_TIMEOUT,
    unreachable: str = "check --server / CLEARANCE_SERVER and the network",
) -> httpx.Response:
    """One request to the registry. Unreachable, 5xx or 429: ServiceUnavailableError (exit
    3, never "done"); another 4xx not in `allow`: ServiceRefusedError with the problem."""
    sent = dict(headers or {})
    if api_key:
        sent["Authorization"] = f"Bearer {api_key}"
    try:
        response = httpx.request(method, url, content=content, headers=sent, timeout=timeout)
    except httpx.HTTPError as err:
        raise ServiceUnavailableError(
            Code.N001,
            f"cannot reach {url}: {err}",
            unreachable,
        ) from None
    if response.status_code >= 500 or response.status_code == 429:
        raise ServiceUnavailableError(
            Code.N002,
            f"{method} {url} answered {response.status_code}: {_detail(response)}",
            "retry; check the registry's /readyz",
        )
    if response.status_code >= 400 and response.status_code not in allow:
        raise ServiceRefusedError(
            Code.N003,
            f"{method} {url} answered {response.status_code}: {_detail(response)}",
            "fix the request as the detail says",
        )
    return response
