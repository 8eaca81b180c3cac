"""Policies per organization: read (JSON or YAML), create/replace with ETags, revisions."""

from __future__ import annotations

from collections.abc import Callable

import yaml
from fastapi import APIRouter, Header, Request, Response

from registry.api.access import requires
from registry.api.deps import PrincipalDep, StateDep, fresh_snapshot
from registry.api.problems import ProblemError
from registry.api.records import PolicyList, Revisions, Stored, Written
from registry.api.routes.versioned import (
    YAML_TYPES,
    preconditions_first,
    request_text,
    revisions_answer,
    written,
)
from registry.api.snapshot import PolicyEntry, Snapshot
from registry.codes import Code
from registry.policy.loader import LoadedPolicy, load_policy_text
from registry.policy.models import Policy
from registry.policy.targets import check_targets
from registry.security.roles import Action
from registry.store.preconditions import etag_matches
from registry.store.repository import Receipt
from registry.store.state import StoredPolicy

router = APIRouter(prefix="/v1/orgs/{org}/policies", tags=["policies"])


def _not_found(org: str, name: str) -> ProblemError:
    return ProblemError(
        404,
        Code.A404,
        "Not found",
        f"no policy {name!r} in org {org!r}",
        f"list policies at /v1/orgs/{org}/policies",
    )


@router.get("", response_model=PolicyList, openapi_extra=requires(Action.policy_read))
def list_policies(org: str, state: StateDep) -> PolicyList:
    stored = state.store.list_policies(org)
    return PolicyList(
        org=org, policies=[Stored(name=s.name, revision=s.revision, etag=s.etag) for s in stored]
    )


@router.get(
    "/{name}",
    responses={200: {"model": Policy, "content": {"application/yaml": {}}}, 304: {}},
    openapi_extra=requires(Action.policy_read),
)
async def get_policy(org: str, name: str, state: StateDep, request: Request) -> Response:
    """The policy as JSON, or as YAML with `Accept: application/yaml`; with its ETag. Served
    from the snapshot, each form rendered once per policy text. A stored text the snapshot
    could not load (written under older rules) is parsed here, and refused as it was."""
    snapshot = fresh_snapshot(state)
    entry = snapshot.policies.get((org, name))
    if entry is not None:
        return _answer(entry.stored, request, lambda form: _cached(snapshot, entry, form))
    texts = snapshot.state.policies if snapshot.state is not None else ()
    stored = next((t for t in texts if (t.org, t.name) == (org, name)), None)
    if stored is None:
        raise _not_found(org, name)
    unloaded = PolicyEntry(stored, load_policy_text(stored.body, f"{org}/{name}"))
    return _answer(stored, request, lambda form: _rendered(unloaded, form))


def _answer(stored: StoredPolicy, request: Request, render: Callable[[str], str]) -> Response:
    headers = {"ETag": stored.etag, "X-Clearance-Policy-Revision": str(stored.revision)}
    if etag_matches(request.headers.get("if-none-match", ""), stored.etag):
        return Response(status_code=304, headers=headers)
    accept = request.headers.get("accept", "")
    form = "yaml" if any(t in accept for t in YAML_TYPES) else "json"
    return Response(render(form), media_type=f"application/{form}", headers=headers)


def _cached(snapshot: Snapshot, entry: PolicyEntry, form: str) -> str:
    """`_rendered`, once per policy text (the key names it: carried across snapshots)."""
    key = ("policy", entry.stored.content_hash, form)
    found: str | None = snapshot.responses.get(key)
    return found if found is not None else snapshot.remember(key, _rendered(entry, form))


def _rendered(entry: PolicyEntry, form: str) -> str:
    """The stored YAML text as it is; JSON (or YAML of a JSON text) from the parsed policy."""
    if form == "yaml" and entry.stored.media_type in YAML_TYPES:
        return entry.stored.body
    data = entry.loaded.policy
    if form == "yaml":
        dumped = data.model_dump(mode="json", exclude_defaults=True)
        return yaml.safe_dump(dumped, sort_keys=False)
    return data.model_dump_json(exclude_defaults=True)


def _parse(org: str, name: str, text: str) -> LoadedPolicy:
    """The body as the policy the URL names."""
    policy = load_policy_text(text, f"{org}/{name}")
    if (policy.policy.org, policy.policy.policy) != (org, name):
        raise ProblemError(
            422,
            Code.A422,
            "Names differ",
            f"the body is policy {policy.policy.policy!r} of org {policy.policy.org!r}, "
            f"but the URL names {name!r} of org {org!r}",
            "make `policy:` and `org:` in the body match the URL",
        )
    return policy


@router.put(
    "/{name}",
    status_code=200,
    response_model=Written,
    responses={201: {"model": Written}, 412: {}, 422: {}, 428: {}},
    openapi_extra=requires(Action.policy_write),
)
async def put_policy(
    org: str,
    name: str,
    state: StateDep,
    request: Request,
    response: Response,
    caller: PrincipalDep,
    if_match: str | None = Header(default=None),
    if_none_match: str | None = Header(default=None),
    allow_unknown_targets: bool = False,
) -> Written:
    """Create (201) or replace (200, needs `If-Match`); an invalid body changes nothing.
    Every providers.allow/deny and exception target must be in the active catalog (422
    naming the closest id) unless `allow_unknown_targets=true`. A body that differs only in
    comments or layout is a new revision (its text is what GET returns) whose decisions,
    and so the `permitted` ETags, do not change."""
    media_type, text = request_text(await request.body(), request.headers.get("content-type", ""))
    snapshot = state.holder.snapshot
    known = snapshot.policies.get((org, name)) if snapshot is not None else None
    await preconditions_first(
        known.stored.etag if known is not None else None,
        lambda: state.store.policy_etag(org, name),
        if_match,
        if_none_match,
        "policy",
    )
    policy = _parse(org, name, text)
    if not allow_unknown_targets and snapshot is not None and snapshot.catalog is not None:
        check_targets(policy, snapshot.catalog)

    receipt = Receipt()

    def write() -> tuple[StoredPolicy, bool]:  # on the writer thread: write, then serve it
        stored, created = state.store.put_policy(
            org,
            name,
            policy,
            text,
            media_type,
            if_match,
            if_none_match,
            actor=caller.key_id,
            receipt=receipt,
        )
        state.holder.wrote_policy(receipt, stored, policy)
        return stored, created

    stored, created = await state.writer.run(write)
    return written(response, org, name, stored, created, receipt)


@router.get(
    "/{name}/revisions", response_model=Revisions, openapi_extra=requires(Action.policy_read)
)
def list_revisions(org: str, name: str, state: StateDep) -> Revisions:
    revisions = state.store.policy_revisions(org, name)
    if not revisions:
        raise _not_found(org, name)
    return revisions_answer(org, name, revisions)
