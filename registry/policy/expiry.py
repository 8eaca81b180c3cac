"""Warnings about a policy's time-boxed exceptions: expired ones are ignored (the decision
falls back to the requirement), and ones expiring soon turn a build red on the day after
their date — CI should say so before that day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from registry.policy.loader import LoadedPolicy

EXPIRY_WARNING_DAYS = 30
EXPIRED = "policy.exception_expired"
EXPIRING = "policy.exception_expiring"


@dataclass(frozen=True)
class ExpiryWarning:
    data_class: str
    line: int | None
    code: str  # EXPIRED | EXPIRING
    message: str


def exception_warnings(
    policy: LoadedPolicy, as_of: date, within_days: int = EXPIRY_WARNING_DAYS
) -> list[ExpiryWarning]:
    """One warning per exception that expired before `as_of` or expires within
    `within_days` of it (0: only expired ones)."""
    found = []
    for waiver in policy.waivers:
        ex = waiver.exception
        where = f"{policy.file}:{waiver.line}"
        left = (ex.expires - as_of).days
        if left < 0:
            message = f"exception for {ex.target} ({where}) expired on {ex.expires} and is ignored"
            found.append(ExpiryWarning(ex.data_class, waiver.line, EXPIRED, message))
        elif left <= within_days:
            message = (
                f"exception for {ex.target} ({where}), waiving {', '.join(ex.waive)} for "
                f"{ex.data_class}, expires on {ex.expires} (in {left} day{'s' * (left != 1)}): "
                "renew it or meet the requirement before then"
            )
            found.append(ExpiryWarning(ex.data_class, waiver.line, EXPIRING, message))
    return found
