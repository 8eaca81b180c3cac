"""Every request passes here first: body limit, authentication, tenant isolation,
authorization and rate limit, in one pure ASGI middleware (no per-request framework work).

Each route declares the action it needs with `openapi_extra=requires(Action.x)`; a route
without one makes `create_app` fail (`check_routes`), so nothing is served unguarded.
The order of answers, and what each may reveal:

    no route matched          → passed on (404/405 from the router; says nothing of data)
    public action             → passed on
    no snapshot yet           → 503 (keys unknown: fail closed)
    no / malformed / unknown / revoked key → 401, one message for all
    org in the URL ≠ key's org → 404, the same body whether the org and object exist or not
    role lacks the action     → 403
    over the key's rate       → 429 with Retry-After
    body over the limit       → 413, before anything parses it
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from registry.api.problems import problem
from registry.codes import Code
from registry.errors import EngineError
from registry.security import keys
from registry.security.keys import Principal
from registry.security.roles import GLOBAL, Action

ACTION_KEY = "x-clearance-action"
_GUARDED_RESPONSES = {
    "401": {"description": "no valid API key (problem+json)"},
    "403": {"description": "the key's role lacks this action (problem+json)"},
    "404": {"description": "not found, or not visible to this key (problem+json)"},
    "413": {"description": "request body over the limit (problem+json)"},
    "429": {"description": "rate limit exceeded; see Retry-After (problem+json)"},
    "503": {"description": "stale or unavailable (problem+json)"},
}


def requires(action: Action, **extra: Any) -> dict[str, Any]:
    """`openapi_extra` for a route: the action it needs (and, if guarded, bearer auth)."""
    declared: dict[str, Any] = {ACTION_KEY: action.value, **extra}
    if action is not Action.public:
        declared["security"] = [{"bearerAuth": []}]
        declared["responses"] = {**_GUARDED_RESPONSES, **declared.get("responses", {})}
    return declared


def route_action(route: BaseRoute) -> str | None:
    extra = getattr(route, "openapi_extra", None) or {}
    action = extra.get(ACTION_KEY)
    return str(action) if action else None


def check_routes(routes: list[BaseRoute]) -> None:
    """Refuse to build an app with a route that declares no action (fail closed)."""
    missing = [getattr(r, "path", repr(r)) for r in routes if route_action(r) is None]
    if missing:
        raise RuntimeError(f"routes without a declared action: {missing}")


class RateLimiter:
    """A token bucket per key: `rate` requests per second, bursts up to `burst`."""

    def __init__(
        self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate, self.burst, self.clock = rate, max(burst, 1.0), clock
        self._buckets: dict[str, list[float]] = {}

    def wait(self, key_id: str) -> float:
        """0 when the request may go (a token is taken), else seconds until it may."""
        if self.rate <= 0:
            return 0.0
        now = self.clock()
        bucket = self._buckets.setdefault(key_id, [self.burst, now])
        tokens = min(self.burst, bucket[0] + (now - bucket[1]) * self.rate)
        bucket[1] = now
        if tokens >= 1.0:
            bucket[0] = tokens - 1.0
            return 0.0
        bucket[0] = tokens
        return (1.0 - tokens) / self.rate


def _header(scope: Scope, name: bytes) -> bytes:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return b""


def authenticate(snapshot: Any, header: bytes) -> Principal | None:
    """The key an `Authorization` header carries, if it is active and its secret matches."""
    known: Principal | None = snapshot.principals.get(header)
    if known is not None:
        return known
    token = keys.bearer(header.decode("latin-1"))
    key_id = keys.key_id_of(token) if token else None
    info = snapshot.keys.get(key_id) if key_id else None
    if token is None or info is None or not keys.matches(token, info.digest):
        return None
    principal = Principal(info.id, info.org, info.role)
    if len(snapshot.principals) < 10_000:
        snapshot.principals[header] = principal
    return principal


def unauthorized(detail: str) -> Response:
    response = problem(
        401,
        Code.A401,
        "Unauthorized",
        detail,
        "send Authorization: Bearer <key>; create keys with `clearance keys create`",
    )
    response.headers["WWW-Authenticate"] = 'Bearer realm="clearance"'
    return response


def not_visible(path: str) -> Response:
    return problem(
        404,
        Code.A404,
        "Not found",
        f"nothing at {path} for this key",
        "check the URL; a key sees only its own organization",
    )


class AccessMiddleware:
    """Guards the app; see the module docstring. `state` is the app's AppState."""

    def __init__(self, app: ASGIApp, state: Any, routes: list[BaseRoute]) -> None:
        self.app, self.state, self.routes = app, state, routes
        settings = state.settings
        self.max_body: int = settings.max_body
        self.limiter = RateLimiter(settings.rate_limit, settings.rate_burst)
        self._table: list[tuple[BaseRoute, str]] | None = None
        self._matches: dict[tuple[str, str], tuple[str, dict[str, Any]] | None] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        matched = self._match(scope)
        if matched is not None and matched[0] != Action.public:
            refusal = self._guard(scope, matched[0], matched[1])
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        if scope["method"] in ("POST", "PUT", "PATCH"):
            replay = await self._bounded(scope, receive, send)
            if replay is None:
                return
            receive = replay
        await self.app(scope, receive, send)

    def _match(self, scope: Scope) -> tuple[str, dict[str, Any]] | None:
        key = (scope["method"], scope["path"])
        if key in self._matches:
            return self._matches[key]
        if self._table is None:
            self._table = [(r, a) for r in self.routes if (a := route_action(r)) is not None]
        found = None
        for route, action in self._table:
            match, child = route.matches(scope)
            if match is Match.FULL:
                found = (action, dict(child.get("path_params", {})))
                break
        if len(self._matches) > 10_000:
            self._matches.clear()
        self._matches[key] = found
        return found

    def _guard(self, scope: Scope, action: str, params: dict[str, Any]) -> Response | None:
        snapshot = self.state.holder.snapshot
        if snapshot is None:
            return problem(503, Code.A503, "Not ready", "no snapshot loaded yet", "retry shortly")
        header = _header(scope, b"authorization")
        info = authenticate(snapshot, header)
        if info is None:
            return unauthorized("no valid API key" if header else "no API key")
        org = params.get("org")
        if org is not None and org != info.org:
            return not_visible(scope["path"])
        domain = org or (GLOBAL if action == Action.catalog_import else info.org)
        try:
            allowed = snapshot.authorizer.allowed(info.key_id, domain, action)
        except EngineError as err:
            return problem(503, err.code, "Unavailable", err.message, err.remedy)
        if not allowed:
            return problem(
                403,
                Code.A403,
                "Forbidden",
                f"role {info.role!r} may not {action}",
                "ask an org admin for a key with a role that has this action",
            )
        wait = self.limiter.wait(info.key_id)
        if wait > 0:
            response = problem(
                429, Code.A429, "Too many requests", "rate limit exceeded", "slow down"
            )
            response.headers["Retry-After"] = str(math.ceil(wait))
            return response
        scope.setdefault("state", {})["principal"] = info
        return None

    async def _bounded(self, scope: Scope, receive: Receive, send: Send) -> Receive | None:
        """Read the body up to the limit (413 beyond it, unparsed) and replay it."""
        declared = _header(scope, b"content-length")
        if declared.isdigit() and int(declared) > self.max_body:
            await self._too_large(int(declared), scope, receive, send)
            return None
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > self.max_body:
                await self._too_large(size, scope, receive, send)
                return None
        body, sent = b"".join(chunks), False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        return replay

    async def _too_large(self, size: int, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(
            413,
            Code.A413,
            "Body too large",
            f"the body has {size}+ bytes; the limit is {self.max_body}",
            "send less: split the document",
        )
        response.headers["Connection"] = "close"
        await response(scope, receive, send)
