"""`AsyncClearanceClient`: the asyncio client, the same API and rules as `ClearanceClient`.

Safe to share between tasks: the cache's lock is never held across an `await`. Create it
inside the event loop that uses it (an `httpx.AsyncClient` belongs to one loop).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self

import httpx

from clearance_client.answer import Call, Permitted, Query
from clearance_client.core import (
    DEFAULT_TIMEOUT,
    ClientCore,
    Failure,
    Options,
    auth_headers,
    checked_base_url,
    unavailable,
)


class AsyncClearanceClient:
    """See `ClearanceClient`: the same arguments; `permitted`, `explain` and `gate` are
    coroutines."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        max_staleness: float = 300.0,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retries: int = 2,
        backoff: float = 0.1,
        max_backoff: float = 2.0,
        total_timeout: float = 10.0,
        max_entries: int = 1024,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        options = Options(
            max_staleness=max_staleness,
            retries=retries,
            backoff=backoff,
            max_backoff=max_backoff,
            total_timeout=total_timeout,
            max_entries=max_entries,
            clock=clock,
        )
        self._core = ClientCore(options)
        self._http = httpx.AsyncClient(
            base_url=checked_base_url(base_url),
            headers=auth_headers(api_key),
            timeout=timeout,
            transport=transport,
        )

    async def permitted(
        self,
        org: str,
        policy: str,
        data_class: str | None,
        model: str | None = None,
        format: str = "json",
    ) -> Permitted:
        """See `ClearanceClient.permitted`."""
        query = Query(org, policy, data_class, model, format)
        started, attempt = time.monotonic(), 0
        while True:
            outcome = await self._try(query)
            if isinstance(outcome, Permitted):
                return outcome
            wait = self._core.delay(attempt, outcome, started, query)
            if wait is None:
                return self._core.give_up(query, outcome, attempt + 1)
            await asyncio.sleep(wait)
            attempt += 1

    async def explain(
        self,
        org: str,
        policy: str,
        target: str,
        data_class: str | None = None,
        model: str | None = None,
    ) -> dict[str, Any]:
        """See `ClearanceClient.explain`."""
        return await self._document(Call.explain(org, policy, target, data_class, model))

    async def gate(
        self,
        org: str,
        policy: str,
        manifests: Sequence[tuple[str, str]],
        data_class: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """See `ClearanceClient.gate`."""
        return await self._document(Call.gate(org, policy, manifests, data_class, env or {}))

    async def _document(self, call: Call) -> dict[str, Any]:
        started, attempt = time.monotonic(), 0
        while True:
            try:
                response = await self._http.request(
                    call.method, call.path, params=call.params, json=call.body
                )
            except httpx.RequestError as err:
                outcome: dict[str, Any] | Failure = self._core.on_error(err)
            else:
                outcome = self._core.on_document(response)
            if not isinstance(outcome, Failure):
                return outcome
            wait = self._core.delay(attempt, outcome, started)
            if wait is None:
                raise unavailable(outcome, attempt + 1) from outcome.cause
            await asyncio.sleep(wait)
            attempt += 1

    async def _try(self, query: Query) -> Permitted | Failure:
        sent, headers = self._core.prepare(query)
        try:
            response = await self._http.get(query.path, params=query.params, headers=headers)
        except httpx.RequestError as err:
            return self._core.on_error(err)
        return self._core.on_response(query, sent, response)

    @property
    def cached(self) -> int:
        """How many answers the cache holds."""
        return len(self._core.cache)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
