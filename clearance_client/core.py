"""What the sync and async clients share: every decision about what to send, return, retry
or raise. The clients only do the I/O:

    sent, headers = core.prepare(query)            # If-None-Match from the cached answer
    outcome = core.on_response(query, sent, resp)  # or core.on_error(err); may raise a refusal
    Permitted → return it
    Failure   → core.delay(attempt, failure, started, query) → sleep and try again, or
                None → core.give_up(query, failure, attempts) → a fresh cached answer or
                ServiceUnavailable

A service over its in-flight bound sheds a request with 503 `CLR-A509` and `Retry-After`:
with a fresh cached answer for the query, that answer is served at once (no retry, no
wait); without one, the retry honours `Retry-After` as for any 503.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import httpx

from clearance_client.answer import Entry, Permitted, Query
from clearance_client.cache import AnswerCache
from clearance_client.errors import (
    ClearanceClientError,
    Forbidden,
    InvalidRequest,
    NotFound,
    ServiceUnavailable,
    Unauthorized,
)
from clearance_client.retry import next_delay, parse_retry_after

DEFAULT_TIMEOUT = httpx.Timeout(2.0, connect=1.0)
UNREACHABLE_REMEDY = "check base_url, the network and the service's /readyz; deny until it answers"
FAILED_REMEDY = "retry later; check the service's /readyz and logs; deny until it answers"
SHED_CODE = "CLR-A509"  # the service's "overloaded, over --max-inflight" problem code
MALFORMED_REMEDY = "check that base_url points at the Clearance service, not a proxy page"
_REFUSALS: dict[int, tuple[type[ClearanceClientError], str]] = {
    401: (Unauthorized, "use an active key: `clearance keys create --org ORG --role router`"),
    403: (Forbidden, "use a key whose role may read decisions (router, viewer, editor, admin)"),
    404: (NotFound, "check the org and policy names; a key sees only its own org"),
}


@dataclass(frozen=True)
class Options:
    """The knobs both clients take; see `ClearanceClient` for their meaning."""

    max_staleness: float = 300.0
    retries: int = 2
    backoff: float = 0.1
    max_backoff: float = 2.0
    total_timeout: float = 10.0
    max_entries: int = 1024
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        for name in ("max_staleness", "retries", "backoff", "max_backoff", "total_timeout"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")


@dataclass(frozen=True)
class Failure:
    """A try that got no answer: unreachable, 5xx, 429 or malformed."""

    code: str
    message: str
    remedy: str
    cause: BaseException | None = None
    status: int | None = None
    problem: dict[str, Any] | None = None
    retry_after: float | None = None
    retryable: bool = True
    shed: bool = False  # refused by the service's admission control (503 CLR-A509)


def auth_headers(api_key: str) -> dict[str, str]:
    if not api_key or any(c in api_key for c in "\r\n "):
        raise ValueError("api_key must be a non-empty key without spaces or line breaks")
    return {"Authorization": f"Bearer {api_key}", "Accept": "application/json"}


def checked_base_url(base_url: str) -> str:
    """The service's root URL; anything but http(s) is a configuration error, not an outage."""
    if not base_url.startswith(("http://", "https://")):
        raise ValueError(f"base_url must start with http:// or https://, not {base_url!r}")
    return base_url


class ClientCore:
    """The shared state (options, cache, jitter) and decisions of one client."""

    def __init__(self, options: Options, rng: random.Random | None = None) -> None:
        self.options = options
        self.cache = AnswerCache(options.max_entries)
        self._rng = rng or random.Random()

    def prepare(self, query: Query) -> tuple[Entry | None, dict[str, str]]:
        sent = self.cache.get(query)
        headers = {"If-None-Match": sent.etag} if sent is not None and sent.etag else {}
        return sent, headers

    def on_error(self, err: httpx.RequestError) -> Failure:
        message = f"cannot reach {_url_of(err)}: {type(err).__name__}: {err}"
        return Failure("CLR-K001", message, UNREACHABLE_REMEDY, cause=err)

    def on_response(
        self, query: Query, sent: Entry | None, response: httpx.Response
    ) -> Permitted | Failure:
        """The answer, or a failure to retry; raises at once on a refusal (4xx but 429)."""
        status = response.status_code
        if status == 200:
            return self._fresh(query, response)
        if status == 304:
            return self._not_modified(query, sent, response)
        if status == 429 or status >= 500:
            return _failed(response)
        if 400 <= status < 500:
            raise self._refusal(query, response)
        message = f"{_where(response)} answered {status}, neither an answer nor an error"
        return Failure("CLR-K003", message, MALFORMED_REMEDY, status=status, retryable=False)

    def delay(
        self, attempt: int, failure: Failure, started: float, query: Query | None = None
    ) -> float | None:
        """Seconds to wait before trying again, or None to give up (see `next_delay`); a
        retry that would start after `total_timeout` (real time, from `started`) is not made.
        A shed request (`failure.shed`) of a `query` with a fresh cached answer gives up at
        once: the overloaded service asked us to go away, and `give_up` serves the cache.
        """
        if not failure.retryable:
            return None
        if failure.shed and query is not None and self._fresh_cached(query):
            return None
        options = self.options
        wait = next_delay(
            attempt,
            options.retries,
            failure.retry_after,
            options.backoff,
            options.max_backoff,
            self._rng,
        )
        if wait is None or time.monotonic() + wait - started > options.total_timeout:
            return None
        return wait

    def _fresh_cached(self, query: Query) -> bool:
        entry = self.cache.get(query)
        if entry is None:
            return False
        return self.options.clock() - entry.confirmed_at <= self.options.max_staleness

    def on_document(self, response: httpx.Response) -> dict[str, Any] | Failure:
        """An `explain` or `gate` answer (a JSON object; never cached), or a failure to
        retry; raises at once on a refusal (4xx but 429)."""
        status = response.status_code
        if status == 429 or status >= 500:
            return _failed(response)
        if 400 <= status < 500:
            raise self._refusal(None, response)
        body = _json_object(response) if status == 200 else None
        if body is None:
            message = f"{_where(response)} answered {status}, not a JSON object"
            return Failure("CLR-K003", message, MALFORMED_REMEDY, status=status)
        return body

    def give_up(self, query: Query, failure: Failure, attempts: int) -> Permitted:
        """The cached answer if the service confirmed it within `max_staleness`, else raise
        `ServiceUnavailable`: never a stale answer, never a default."""
        now = self.options.clock()
        entry = self.cache.get(query)
        age = None if entry is None else max(0.0, now - entry.confirmed_at)
        if entry is not None and age is not None and age <= self.options.max_staleness:
            return Permitted.of(entry, now, True, query.format)
        cached = (
            "nothing cached"
            if age is None
            else f"the cached answer is {age:.1f} s old, over max_staleness "
            f"{self.options.max_staleness:g} s"
        )
        raise unavailable(failure, attempts, cached, age) from failure.cause

    # -- answers -------------------------------------------------------------------------

    def _fresh(self, query: Query, response: httpx.Response) -> Permitted | Failure:
        raw = response.content
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        deployments = None
        if isinstance(body, dict) and query.format == "json":
            listed = body.get("permitted")
            if isinstance(listed, list) and all(isinstance(d, str) for d in listed):
                deployments = tuple(listed)
            else:
                body = None
        if not isinstance(body, dict):
            message = f"{_where(response)} answered 200 with a body that is not a permitted set"
            return Failure("CLR-K003", message, MALFORMED_REMEDY, status=200)
        revision = _revision(response)
        if revision is None and isinstance(body.get("store_revision"), int):
            revision = body["store_revision"]
        now = self.options.clock()
        entry = Entry(raw, response.headers.get("etag"), now, revision, deployments)
        self.cache.put(query, entry)
        result = Permitted.of(entry, now, False, query.format)
        result.__dict__["body"] = body  # this caller's own copy, already parsed
        return result

    def _not_modified(
        self, query: Query, sent: Entry | None, response: httpx.Response
    ) -> Permitted | Failure:
        if sent is None:
            message = f"{_where(response)} answered 304 to a request without If-None-Match"
            return Failure("CLR-K003", message, MALFORMED_REMEDY, status=304, retryable=False)
        now = self.options.clock()
        revision = _revision(response)
        entry = replace(
            sent,
            confirmed_at=now,
            store_revision=sent.store_revision if revision is None else revision,
        )
        self.cache.confirm(query, entry)
        return Permitted.of(entry, now, False, query.format)

    def _refusal(self, query: Query | None, response: httpx.Response) -> ClearanceClientError:
        """A 4xx is the service's answer: raise it, and forget what a revoked key or a
        deleted policy was allowed (401/403 clear the cache, 404 evicts the entry)."""
        status = response.status_code
        if status in (401, 403):
            self.cache.clear()
        elif status == 404 and query is not None:
            self.cache.evict(query)
        kind, remedy = _REFUSALS.get(status, (InvalidRequest, "fix the query as detail says"))
        problem = _problem(response)
        code = str(problem.get("code") or f"CLR-K{status}") if problem else f"CLR-K{status}"
        if problem and problem.get("remedy"):
            remedy = str(problem["remedy"])
        message = f"{_where(response)} answered {status}: {_detail(response, problem)}"
        return kind(code, message, remedy, status=status, problem=problem)


def unavailable(
    failure: Failure, attempts: int, cached: str = "", age: float | None = None
) -> ServiceUnavailable:
    """The error for a call that got no answer after `attempts` tries."""
    note = f"after {attempts} attempt(s)" + (f"; {cached}" if cached else "")
    return ServiceUnavailable(
        failure.code,
        f"{failure.message} ({note})",
        failure.remedy,
        status=failure.status,
        problem=failure.problem,
        cause=failure.cause,
        cache_age=age,
        attempts=attempts,
    )


def _failed(response: httpx.Response) -> Failure:
    status = response.status_code
    problem = _problem(response) or {}
    return Failure(
        str(problem.get("code") or "CLR-K002"),
        f"{_where(response)} answered {status}: {_detail(response, problem)}",
        str(problem.get("remedy") or FAILED_REMEDY),
        status=status,
        problem=problem or None,
        retry_after=parse_retry_after(response.headers.get("retry-after")),
        shed=status == 503 and problem.get("code") == SHED_CODE,
    )


def _problem(response: httpx.Response) -> dict[str, Any] | None:
    return _json_object(response)


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    """The body as a JSON object, or None when it is not one (or not JSON at all)."""
    if "json" not in response.headers.get("content-type", ""):
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _detail(response: httpx.Response, problem: dict[str, Any] | None) -> str:
    if problem and problem.get("detail"):
        return str(problem["detail"])
    return response.text[:200] or response.reason_phrase


def _where(response: httpx.Response) -> str:
    request = response.request
    return f"{request.method} {request.url.copy_with(query=None)}"


def _url_of(err: httpx.RequestError) -> str:
    try:
        return str(err.request.url.copy_with(query=None))
    except RuntimeError:  # no request attached
        return "the service"


def _revision(response: httpx.Response) -> int | None:
    value = response.headers.get("x-clearance-revision", "")
    return int(value) if value.isdigit() else None
