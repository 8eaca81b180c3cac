"""HTTP preconditions of policy and attestations writes (RFC 9110): `If-Match` to replace
(428 without it, 412 when stale), `If-None-Match: *` to refuse replacing."""

from __future__ import annotations

from registry.codes import Code
from registry.errors import PreconditionFailedError, PreconditionRequiredError


def etag_matches(header: str, etag: str) -> bool:
    """RFC 9110 list of entity tags (weak comparison is not used for If-Match)."""
    return any(tag.strip() in ("*", etag) for tag in header.split(","))


def check_preconditions(
    current: str | None, if_match: str | None, if_none_match: str | None, kind: str = "policy"
) -> None:
    """Raise 412/428 errors whose texts name `kind` (policy, attestations file)."""
    if (
        if_none_match is not None
        and current is not None
        and (if_none_match.strip() == "*" or etag_matches(if_none_match, current))
    ):
        raise PreconditionFailedError(
            Code.S412,
            f"the {kind} already exists",
            "GET it and replace it with If-Match: <its ETag>",
        )
    if current is None:
        if if_match is not None:
            raise PreconditionFailedError(
                Code.S412,
                f"If-Match given but the {kind} does not exist",
                "create it without If-Match (or with If-None-Match: *)",
            )
        return
    if if_match is None:
        raise PreconditionRequiredError(
            Code.S428,
            f"replacing an existing {kind} needs If-Match",
            f"GET the {kind} and send its ETag in If-Match",
        )
    if not etag_matches(if_match, current):
        raise PreconditionFailedError(
            Code.S412,
            f"If-Match {if_match} is not the current ETag {current}",
            f"GET the {kind} again and merge your change",
        )
