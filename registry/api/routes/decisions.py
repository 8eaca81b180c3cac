"""The hot path: `permitted`, answered from the in-memory snapshot (explain: explain.py).

`permitted` answers from a per-snapshot cache of rendered bodies keyed by (policy revision,
catalog revision and the org's attestations in effect, data class, model, format, date); one
evaluation serves every format. Every answer uses the catalog as the policy's org sees it
(its attestations, SPEC §9), never another org's. The
weak ETag of `format=json` is a hash of the decisions, that of a router format (openrouter,
litellm, vercel) a hash of its bytes, so it changes iff the answer changes, and
`If-None-Match` gets 304 without re-rendering anything. A router document that would not
restrict the router is never served: 409 instead.
"""

from __future__ import annotations

import hashlib
import json
import operator
import time
from datetime import date
from functools import reduce
from typing import Any, NamedTuple

from fastapi import APIRouter, Request, Response

from registry.api.access import requires
from registry.api.answers import Permitted
from registry.api.deps import AppState, fresh_snapshot, policy_entry, today
from registry.api.problems import ProblemError, problem
from registry.api.snapshot import PolicyEntry, Snapshot
from registry.catalog.loader import Catalog
from registry.codes import Code
from registry.engine.decisions import Evaluation
from registry.routers.formats import ROUTER_FORMATS, restricts, router_body
from registry.security.roles import Action
from registry.store.preconditions import etag_matches

router = APIRouter(tags=["decisions"])
POLICY = "/v1/orgs/{org}/policies/{name}"
FORMATS = ("json", *ROUTER_FORMATS)
# Which revision produced an answer, not what it says: left out of its ETag.
REVISION_KEYS = (
    "catalog_revision",
    "policy_revision",
    "policy_meaning_revision",
    "store_revision",
    "attestations_revision",
)


def answer_etag(answer: dict[str, Any]) -> str:
    """A weak ETag over the decisions only: equal iff the answer is equal, whatever revision
    of the store, policy text or catalog produced it."""
    decisions = {k: v for k, v in answer.items() if k not in REVISION_KEYS}
    digest = hashlib.sha256(json.dumps(decisions, sort_keys=True).encode()).hexdigest()
    return f'W/"{digest[:32]}"'


def _base_key(entry: PolicyEntry, catalog: Catalog, query: Query, day: date) -> tuple[Any, ...]:
    stored = entry.stored
    evaluated = (stored.content_hash, catalog.cache_key, query.data_class, query.model, day)
    return (stored.org, stored.name, *evaluated)


def _evaluation(
    state: AppState, snapshot: Snapshot, entry: PolicyEntry, catalog: Catalog, query: Query
) -> tuple[Evaluation, tuple[Any, ...]]:
    """The evaluation behind every format of one query (computed once per snapshot), and
    the cache key of that query."""
    day = today()
    base = _base_key(entry, catalog, query, day)
    cached: Evaluation | None = snapshot.responses.get(("evaluation", *base))
    if cached is None:
        evaluated = state.engine.evaluate(entry.loaded, catalog, query.data_class, query.model, day)
        cached = snapshot.remember(("evaluation", *base), evaluated)
    return cached, base


def _json_body(entry: PolicyEntry, result: Evaluation, catalog: Catalog) -> tuple[bytes, str]:
    """The JSON answer without its closing brace, and its ETag: what the answer says does
    not depend on the store generation, so it is cached across snapshots (snapshot.py
    `carried`) and `with_store_revision` closes it with the serving snapshot's generation.
    Serialized through `Permitted`, the model OpenAPI documents, once per cached body
    (`store_revision`, its last field, is left out here and spliced in per snapshot)."""
    answer = result.to_json()
    answer["policy_revision"] = entry.stored.content_hash
    answer["policy_meaning_revision"] = entry.loaded.revision  # as the CLI hashes a file
    answer["attestations_revision"] = catalog.attestations_revision  # null: the org has none
    model = Permitted.model_validate({**answer, "store_revision": 0})
    body = model.model_dump_json(exclude_unset=True, exclude={"store_revision"}).encode()
    return body[:-1], answer_etag(answer)


def with_store_revision(open_body: bytes, generation: int) -> bytes:
    """`{...}` of `_json_body` closed with `"store_revision"` as its last key."""
    return b'%s,"store_revision":%d}' % (open_body, generation)


def _render(
    state: AppState, snapshot: Snapshot, entry: PolicyEntry, catalog: Catalog, query: Query
) -> tuple[bytes, str] | None:
    """The body and ETag of one answer, rendered once for its inputs (carried across snapshots
    while policy text, catalog and attestations are unchanged), query and day. A router
    format's weak ETag is a hash of exactly its bytes; None when its document would not
    restrict the router (an empty `only`): that is never served."""
    result, base = _evaluation(state, snapshot, entry, catalog, query)
    key = ("permitted", *base, query.fmt)
    if key in snapshot.responses:
        cached: tuple[bytes, str] | None = snapshot.responses[key]
        return cached
    rendered: tuple[bytes, str] | None = None
    if query.fmt == "json":
        rendered = _json_body(entry, result, catalog)
    else:
        cls = entry.loaded.data_class(query.data_class)
        document = ROUTER_FORMATS[query.fmt].render(result, catalog, cls)
        if restricts(query.fmt, document):  # never a document that would not restrict
            body = router_body(query.fmt, document)
            rendered = (body, f'W/"{hashlib.sha256(body).hexdigest()[:32]}"')
    snapshot.remember(key, rendered)
    return rendered


PERMITTED_200: dict[str, Any] = {
    "model": reduce(operator.or_, (f.model for f in ROUTER_FORMATS.values()), Permitted),
    "description": "format=json: the permitted set (`Permitted`, as `allowed --format json`); "
    "format=openrouter, litellm, vercel: that router's document (SPEC §8)",
}
PERMITTED_PARAMETERS: list[dict[str, Any]] = [
    {"name": "org", "in": "path", "required": True, "schema": {"type": "string"}},
    {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}},
    {
        "name": "data_class",
        "in": "query",
        "required": False,
        "schema": {"type": "string"},
        "description": "data class (default: the policy's default_data_class)",
    },
    {
        "name": "model",
        "in": "query",
        "required": False,
        "schema": {"type": "string"},
        "description": "model id (author/slug): evaluate its offerings",
    },
    {
        "name": "format",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "enum": list(FORMATS), "default": "json"},
        "description": "json: the permitted set; openrouter, litellm, vercel: what that "
        "router needs to stay on it (docs/routers.md)",
    },
    {
        "name": "min_revision",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 0},
        "description": "answer 503 instead of an answer older than this store revision",
    },
]


class Query(NamedTuple):
    data_class: str | None
    model: str | None
    fmt: str
    min_revision: int | None


def _query(request: Request) -> Query:
    """The hot path reads its query by hand: FastAPI's per-parameter validation costs more
    than the rest of the handler (measured with bench/api.py)."""
    query = request.query_params
    fmt = query.get("format", "json")
    if fmt not in FORMATS:
        raise ProblemError(
            422,
            Code.R422,
            "Invalid request",
            f"format {fmt!r} is not supported",
            f"use format={', '.join(FORMATS)}",
        )
    raw = query.get("min_revision")
    min_revision = None
    if raw is not None:
        if not raw.isdigit():
            raise ProblemError(
                422,
                Code.R422,
                "Invalid request",
                f"min_revision {raw!r} is not a whole number",
                "send the X-Clearance-Revision value of a previous answer",
            )
        min_revision = int(raw)
    return Query(query.get("data_class"), query.get("model"), fmt, min_revision)


@router.get(
    POLICY + "/permitted",
    responses={200: PERMITTED_200, 304: {}, 503: {}},
    openapi_extra=requires(Action.decision_read, parameters=PERMITTED_PARAMETERS),
)
async def permitted(request: Request) -> Response:
    """The permitted set, exactly as `clearance allowed --format json` prints it; with
    `format=openrouter|litellm|vercel` that router's document (as `allowed --format` prints
    it, compact), or 409 when it could not restrict the router.

    Only `Request` in the signature: FastAPI then validates nothing per request (org and
    name come from the router's match, the query is parsed once per snapshot and query).
    """
    started = time.perf_counter()
    org, name = request.path_params["org"], request.path_params["name"]
    state: AppState = request.app.state.clearance  # no dependency resolution on the hot path
    snapshot = fresh_snapshot(state)
    key = ("response", org, name, request.scope.get("query_string", b""), today())
    hit: tuple[int | None, str, Response, Response] | None = snapshot.responses.get(key)
    if hit is None:
        hit = snapshot.remember(key, _responses(state, snapshot, org, name, request))
    min_revision, etag, answer, not_modified = hit
    if min_revision is not None and snapshot.generation < min_revision:
        fresh_snapshot(state, min_revision)  # raises the 503 that says how far behind we are
    metrics = state.metrics
    metrics.permitted_latency.observe(time.perf_counter() - started)
    if etag_matches(request.headers.get("if-none-match", ""), etag):
        metrics.permitted_not_modified.inc()
        return not_modified
    metrics.permitted_ok.inc()
    return answer


def _responses(
    state: AppState, snapshot: Snapshot, org: str, name: str, request: Request
) -> tuple[int | None, str, Response, Response]:
    """Both possible responses for one query on one snapshot, built once and then reused
    as they are (a Response is a reusable ASGI app): the hot path only picks one."""
    query = _query(request)
    entry, catalog = policy_entry(snapshot, org, name)
    rendered = _render(state, snapshot, entry, catalog, query)
    if rendered is None:  # never an object that would not restrict the router: a problem
        refusal = _unroutable(query)
        return query.min_revision, "", refusal, refusal
    body, etag = rendered
    if query.fmt == "json":
        body = with_store_revision(body, snapshot.generation)
    headers = {
        "ETag": etag,
        "Cache-Control": state.settings.cache_control,
        "X-Clearance-Revision": str(snapshot.generation),
    }
    answer = Response(body, media_type="application/json", headers=headers)
    return query.min_revision, etag, answer, Response(status_code=304, headers=headers)


def _unroutable(query: Query) -> Response:
    return problem(
        409,
        Code.R409,
        "Nothing routable",
        f"no permitted deployment of data class {query.data_class or '(default)'} can be "
        f"expressed as {query.fmt} routing options; an empty `only` would not restrict routing",
        "see format=json for the permitted set; add the router's aliases to the catalog or "
        "permit a provider whose every deployment the policy allows",
    )
