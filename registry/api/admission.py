"""Admission control: at most `limit` requests in flight; the excess is shed at once.

A request over the bound gets `503` problem+json (`CLR-A509`) with `Retry-After`, built
once at start-up, before authentication, routing or reading the body: shedding costs almost
nothing, so an overloaded server keeps answering fast instead of queueing every caller into
a multi-second tail. A router's client (`clearance_client`) then serves its last-known-good
answer at once (within its `max_staleness`) rather than waiting.

Health endpoints (`/healthz`, `/readyz`, `/metrics`) are never shed and do not count: an
orchestrator's probe that timed out or failed under load would restart or unroute a replica
that is merely busy, and move its load onto the others. `limit` 0 admits everything.

One counter on one event loop (no lock: `__call__` runs on the loop only) is the whole
per-request cost.

What is counted is requests inside the app: those awaiting a thread (writes, store reads),
the store or their body. A `permitted` answer is computed within one step of the event loop,
so a queue in front of a CPU-bound server forms in the kernel and the loop, where no ASGI
middleware sees it: there the bound does not engage (docs/benchmarks.md, admission control).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from registry.codes import Code

if TYPE_CHECKING:  # types only: `clearance --help` registers serve without loading starlette
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

# One worker answers ~2,500 permitted/s on 2 cores (docs/benchmarks.md): 128 requests are
# ~50 ms of work, about 3x the 40 threads that run writes and store reads; requests past it
# would wait, not work.
MAX_INFLIGHT = 128
SHED_CODE = Code.A509
RETRY_AFTER_SECONDS = 1
EXEMPT_PATHS = frozenset({"/healthz", "/livez", "/readyz", "/metrics"})


def _shed_messages(limit: int) -> tuple[Message, Message]:
    body = json.dumps(
        {
            "type": f"https://clearance.dev/problems/{SHED_CODE}",
            "title": "Overloaded",
            "status": 503,
            "code": SHED_CODE,
            "detail": f"the server already handles {limit} requests (--max-inflight)",
            "remedy": f"retry after {RETRY_AFTER_SECONDS} s; meanwhile serve your "
            "last-known-good answer (clearance_client does), or add replicas",
        },
        separators=(",", ":"),
    ).encode()
    start: Message = {
        "type": "http.response.start",
        "status": 503,
        "headers": [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
            (b"cache-control", b"no-store"),
        ],
    }
    return start, {"type": "http.response.body", "body": body, "more_body": False}


class Admission:
    """The bound and its two counters (shared with /metrics)."""

    def __init__(self, limit: int) -> None:
        if limit < 0:
            raise ValueError("max_inflight must be 0 (no bound) or more")
        self.limit = limit
        self.inflight = 0
        self.shed = 0  # requests refused since start


class AdmissionMiddleware:
    """Counts requests in flight and sheds those over the bound (see the module doc)."""

    def __init__(self, app: ASGIApp, admission: Admission) -> None:
        self.app = app
        self.admission = admission
        self.limit = admission.limit
        self._start, self._body = _shed_messages(admission.limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.limit == 0 or scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        admission = self.admission
        if admission.inflight >= self.limit:
            admission.shed += 1
            await send(self._start)
            await send(self._body)
            return
        admission.inflight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            admission.inflight -= 1
