"""What the two kinds of versioned documents an org writes (policies, attestations files)
share over HTTP: reading a YAML or JSON body, the answer to a write, the revisions list."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from fastapi import Response
from starlette.concurrency import run_in_threadpool

from registry.api.problems import ProblemError
from registry.api.records import RevisionOut, Revisions, Written
from registry.codes import Code
from registry.errors import PreconditionFailedError, PreconditionRequiredError
from registry.store.preconditions import check_preconditions
from registry.store.repository import Receipt
from registry.store.state import StoredText

YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
JSON_TYPES = ("application/json",)


class Revision(Protocol):
    revision: int
    content_hash: str
    media_type: str
    created_at: datetime


def request_text(raw: bytes, content_type: str) -> tuple[str, str]:
    """The media type and text of a YAML or JSON body (415 / 400 problems otherwise); its
    size is already bounded by AccessMiddleware, which answers 413 before a route reads it."""
    media_type = content_type.split(";", maxsplit=1)[0].strip().lower()
    if media_type not in (*YAML_TYPES, *JSON_TYPES):
        raise ProblemError(
            415,
            Code.A415,
            "Unsupported media type",
            f"Content-Type {media_type or '(none)'} is not YAML or JSON",
            "send Content-Type: application/yaml or application/json",
        )
    try:
        return media_type, raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ProblemError(
            400, Code.A400, "Not UTF-8", "the body is not UTF-8 text", "send the body as UTF-8"
        ) from None


async def preconditions_first(
    known: str | None,
    current: Callable[[], str | None],
    if_match: str | None,
    if_none_match: str | None,
    kind: str,
) -> None:
    """`If-Match` / `If-None-Match` checked before the body is parsed, so a stale write is
    refused without parsing it or opening a write transaction (RFC 9110 evaluates
    preconditions before the content, too). Checked against `known`, the snapshot's ETag;
    a refusal is confirmed with `current()`, the store's (the snapshot may be behind
    another replica's write). A pass is checked again inside the write transaction."""
    try:
        check_preconditions(known, if_match, if_none_match, kind)
    except (PreconditionFailedError, PreconditionRequiredError):
        check_preconditions(await run_in_threadpool(current), if_match, if_none_match, kind)


def written(
    response: Response, org: str, name: str, stored: StoredText, created: bool, receipt: Receipt
) -> Written:
    """The answer to a PUT that was stored: 201 or 200, its ETag, and the store revision
    that made the write (`min_revision` for reading it on any replica; this replica's
    snapshot already serves it, api/holder.py)."""
    response.status_code = 201 if created else 200
    response.headers["ETag"] = stored.etag
    revision = receipt.generation
    response.headers["X-Clearance-Revision"] = str(revision)
    return Written(
        org=org, name=name, revision=stored.revision, etag=stored.etag, store_revision=revision
    )


def revisions_answer(org: str, name: str, revisions: Sequence[Revision]) -> Revisions:
    listed = [
        RevisionOut(
            revision=r.revision,
            etag=f'"{r.content_hash}"',
            media_type=r.media_type,
            created_at=r.created_at.isoformat(),
        )
        for r in revisions
    ]
    return Revisions(org=org, name=name, revisions=listed)
