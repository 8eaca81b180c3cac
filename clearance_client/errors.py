"""Every error the client raises, in one tree.

    ClearanceClientError        base: `code`, `message`, `remedy`; `status` and `problem` when
    │                           the service answered (its problem+json document)
    ├── ServiceUnavailable      unreachable (connect/read timeout, transport error), 5xx
    │                           (including the 503 fail-closed answer), 429 or a malformed
    │                           answer, after the retries, with no answer confirmed within
    │                           `max_staleness` to fall back on; carries `cause` (the last
    │                           exception, if any), `cache_age` (None: nothing cached) and
    │                           `attempts`
    ├── Unauthorized            401: no valid key (unknown, malformed or revoked)
    ├── Forbidden               403: the key's role may not read decisions
    ├── NotFound                404: no such policy, or an org the key does not belong to
    └── InvalidRequest          400, 422 and any other 4xx but 429: the query itself is wrong

Every one of them means "deny for now": never route on a default when one is raised.
Only `ServiceUnavailable` may turn into a cached answer, and only a fresh one; the others are
the service's answer, so they are raised at once and never served from the cache.

Codes are the service's problem codes (`CLR-A401`, `CLR-R422`, …) when it sent a problem
document, else the client's own: `CLR-K001` unreachable, `CLR-K002` the service failed
(5xx/429), `CLR-K003` a malformed answer, `CLR-K4xx` a refusal without a problem document.
"""

from __future__ import annotations

from typing import Any


class ClearanceClientError(Exception):
    """Base of every error the client raises: code, message, remedy."""

    def __init__(
        self,
        code: str,
        message: str,
        remedy: str,
        *,
        status: int | None = None,
        problem: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{code} {message}. Fix: {remedy}")
        self.code = code
        self.message = message
        self.remedy = remedy
        self.status = status
        self.problem = problem


class ServiceUnavailable(ClearanceClientError):  # noqa: N818 (httpx-style names, by design)
    """No answer, and no answer confirmed within `max_staleness`: deny for now."""

    def __init__(
        self,
        code: str,
        message: str,
        remedy: str,
        *,
        status: int | None = None,
        problem: dict[str, Any] | None = None,
        cause: BaseException | None = None,
        cache_age: float | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(code, message, remedy, status=status, problem=problem)
        self.cause = cause
        self.cache_age = cache_age
        self.attempts = attempts


class Unauthorized(ClearanceClientError):  # noqa: N818
    """401: the key is unknown, malformed or revoked."""


class Forbidden(ClearanceClientError):  # noqa: N818
    """403: the key's role may not read decisions."""


class NotFound(ClearanceClientError):  # noqa: N818
    """404: no such policy, or the key belongs to another org."""


class InvalidRequest(ClearanceClientError):  # noqa: N818
    """400, 422 (or another 4xx but 429): the query is wrong."""
