"""An org's attestations files (SPEC §9): read (JSON or YAML), create/replace with ETags,
revisions. Read and write need the same roles as policies (policy.read, policy.write): an
attestation changes decisions as much as a policy does.

A write is checked as the org's whole set would be served: the new file replaces the
stored one of its name, joins the org's other files, and the set must pass the loader's
checks against the active catalog (targets, conflicts), else 422 and nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence

import yaml
from fastapi import APIRouter, Header, Request, Response

from registry.api.access import requires
from registry.api.deps import PrincipalDep, StateDep, today
from registry.api.orgviews import attestations_file, checked_set, parse_stored
from registry.api.problems import ProblemError
from registry.api.records import AttestationsList, Revisions, Stored, Written
from registry.api.routes.versioned import (
    YAML_TYPES,
    preconditions_first,
    request_text,
    revisions_answer,
    written,
)
from registry.api.snapshot import Snapshot
from registry.attestations.loader import AttestationsDoc, load_attestations_text
from registry.attestations.models import AttestationsFile
from registry.catalog.loader import Catalog
from registry.codes import Code
from registry.security.roles import Action
from registry.store.preconditions import etag_matches
from registry.store.repository import AttestationsCheck, Receipt
from registry.store.state import StoredAttestations

router = APIRouter(prefix="/v1/orgs/{org}/attestations", tags=["attestations"])


def _not_found(org: str, name: str) -> ProblemError:
    return ProblemError(
        404,
        Code.A404,
        "Not found",
        f"no attestations {name!r} in org {org!r}",
        f"list them at /v1/orgs/{org}/attestations",
    )


@router.get("", response_model=AttestationsList, openapi_extra=requires(Action.policy_read))
def list_attestations(org: str, state: StateDep) -> AttestationsList:
    stored = state.store.list_attestations(org)
    listed = [Stored(name=s.name, revision=s.revision, etag=s.etag) for s in stored]
    return AttestationsList(org=org, attestations=listed)


@router.get(
    "/{name}",
    responses={200: {"model": AttestationsFile, "content": {"application/yaml": {}}}, 304: {}},
    openapi_extra=requires(Action.policy_read),
)
def get_attestations(org: str, name: str, state: StateDep, request: Request) -> Response:
    """The file as JSON, or its stored text with `Accept: application/yaml`; with its ETag."""
    stored = state.store.get_attestations(org, name)
    if stored is None:
        raise _not_found(org, name)
    headers = {"ETag": stored.etag, "X-Clearance-Attestations-Revision": str(stored.revision)}
    if etag_matches(request.headers.get("if-none-match", ""), stored.etag):
        return Response(status_code=304, headers=headers)
    doc = parse_stored(stored)
    if any(t in request.headers.get("accept", "") for t in YAML_TYPES):
        text = (
            stored.body
            if stored.media_type in YAML_TYPES
            else yaml.safe_dump(
                doc.body.model_dump(mode="json", exclude_unset=True), sort_keys=False
            )
        )
        return Response(text, media_type="application/yaml", headers=headers)
    body = doc.body.model_dump_json(exclude_unset=True)
    return Response(body, media_type="application/json", headers=headers)


def _parse(org: str, name: str, text: str) -> AttestationsDoc:
    """The body as the attestations file the URL names (422 naming both otherwise)."""
    doc = load_attestations_text(text, attestations_file(org, name))
    if (doc.org, doc.name) != (org, name):
        raise ProblemError(
            422,
            Code.A422,
            "Names differ",
            f"the body is attestations {doc.name!r} of org {doc.org!r}, "
            f"but the URL names {name!r} of org {org!r}",
            "make `attestations:` and `org:` in the body match the URL",
        )
    return doc


def _set_check(doc: AttestationsDoc, catalog: Catalog | None, org: str) -> AttestationsCheck:
    """The store's in-transaction check: this file with the org's other stored files must
    load and pass check_attestations on today's date (raises AttestationError → 422)."""

    def check(others: Sequence[StoredAttestations]) -> None:
        checked_set([doc, *(parse_stored(o) for o in others)], catalog, today(), org)

    return check


@router.put(
    "/{name}",
    status_code=200,
    response_model=Written,
    responses={201: {"model": Written}, 412: {}, 422: {}, 428: {}},
    openapi_extra=requires(Action.policy_write),
)
async def put_attestations(
    org: str,
    name: str,
    state: StateDep,
    request: Request,
    response: Response,
    caller: PrincipalDep,
    if_match: str | None = Header(default=None),
    if_none_match: str | None = Header(default=None),
) -> Written:
    """Create (201) or replace (200, needs `If-Match`); an invalid file, an unknown target
    or a conflict with the org's other files is 422 and changes nothing."""
    media_type, text = request_text(await request.body(), request.headers.get("content-type", ""))
    snapshot = state.holder.snapshot
    await preconditions_first(
        _known_etag(snapshot, org, name),
        lambda: state.store.attestations_etag(org, name),
        if_match,
        if_none_match,
        "attestations file",
    )
    doc = _parse(org, name, text)
    catalog = snapshot.catalog if snapshot is not None else None

    receipt = Receipt()

    def write() -> tuple[StoredAttestations, bool]:  # on the writer thread: write, then serve it
        stored, created = state.store.put_attestations(
            org,
            name,
            text,
            media_type,
            if_match,
            if_none_match,
            actor=caller.key_id,
            check=_set_check(doc, catalog, org),
            receipt=receipt,
        )
        state.holder.wrote_attestations(receipt, stored)
        return stored, created

    stored, created = await state.writer.run(write)
    return written(response, org, name, stored, created, receipt)


def _known_etag(snapshot: Snapshot | None, org: str, name: str) -> str | None:
    """The ETag of the file as the snapshot holds it (None: not there)."""
    texts = snapshot.state.attestations if snapshot is not None and snapshot.state else ()
    return next((t.etag for t in texts if (t.org, t.name) == (org, name)), None)


@router.get(
    "/{name}/revisions", response_model=Revisions, openapi_extra=requires(Action.policy_read)
)
def list_revisions(org: str, name: str, state: StateDep) -> Revisions:
    revisions = state.store.attestations_revisions(org, name)
    if not revisions:
        raise _not_found(org, name)
    return revisions_answer(org, name, revisions)
