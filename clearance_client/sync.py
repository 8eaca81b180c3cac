"""`ClearanceClient`: the blocking client (thread-safe; one per process is enough)."""

from __future__ import annotations

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


class ClearanceClient:
    """Asks a Clearance service which deployments a policy permits, with a last-known-good
    cache that fails closed.

    `max_staleness`: seconds a cached answer may be served, counted from the service's last
    confirmation, when the service cannot answer (0: never). `timeout`: httpx timeouts per
    try. `retries`: extra tries after a transport error, 5xx or 429; the waits are
    `backoff * 2**n` with equal jitter, at most `max_backoff`, or the `Retry-After` asked
    (not retried if longer than `max_backoff`); no retry starts after `total_timeout`
    seconds. `max_entries`: cached answers kept (LRU). `transport`: an httpx transport
    (for tests, or a custom TLS setup). `clock`: what `Permitted.fetched_at`/`age` read.
    """

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
        transport: httpx.BaseTransport | None = None,
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
        self._http = httpx.Client(
            base_url=checked_base_url(base_url),
            headers=auth_headers(api_key),
            timeout=timeout,
            transport=transport,
        )

    def permitted(
        self,
        org: str,
        policy: str,
        data_class: str | None,
        model: str | None = None,
        format: str = "json",
    ) -> Permitted:
        """The permitted set for `data_class` (None: the policy's default) and `model`.

        Raises a `ClearanceClientError` (see `clearance_client.errors`); never returns a
        default, and a cached answer only within `max_staleness`.
        """
        query = Query(org, policy, data_class, model, format)
        started, attempt = time.monotonic(), 0
        while True:
            outcome = self._try(query)
            if isinstance(outcome, Permitted):
                return outcome
            wait = self._core.delay(attempt, outcome, started, query)
            if wait is None:
                return self._core.give_up(query, outcome, attempt + 1)
            time.sleep(wait)
            attempt += 1

    def explain(
        self,
        org: str,
        policy: str,
        target: str,
        data_class: str | None = None,
        model: str | None = None,
    ) -> dict[str, Any]:
        """Every requirement for `target` (a provider, or `provider/deployment`), as the
        service answers `GET …/explain/…`: `permitted`, `targets` (each with its `checks`)
        and the revisions that produced it. Never cached: no answer raises
        `ServiceUnavailable` after the retries."""
        return self._document(Call.explain(org, policy, target, data_class, model))

    def gate(
        self,
        org: str,
        policy: str,
        manifests: Sequence[tuple[str, str]],
        data_class: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """The gate report (as `clearance gate --format json`) of `manifests`, a sequence
        of (file name, text), against the org's stored `policy`; `env` gives the values of
        `os.environ/NAME` in LiteLLM configs (URLs and regions, never secrets). The check
        changes nothing on the service, so it is retried like `permitted`; never cached."""
        return self._document(Call.gate(org, policy, manifests, data_class, env or {}))

    def _document(self, call: Call) -> dict[str, Any]:
        started, attempt = time.monotonic(), 0
        while True:
            try:
                response = self._http.request(
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
            time.sleep(wait)
            attempt += 1

    def _try(self, query: Query) -> Permitted | Failure:
        sent, headers = self._core.prepare(query)
        try:
            response = self._http.get(query.path, params=query.params, headers=headers)
        except httpx.RequestError as err:
            return self._core.on_error(err)
        return self._core.on_response(query, sent, response)

    @property
    def cached(self) -> int:
        """How many answers the cache holds."""
        return len(self._core.cache)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
