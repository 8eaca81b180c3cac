"""Requirement operators: small pure functions over JSON-decoded fact values.

Each takes the (known, non-null) fact value and the requirement's compiled parameter and says
whether the requirement holds. Unknown values never reach them: the Casbin matcher decides
those by the class's `on_unknown`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from registry.countries import BUILTIN_GROUPS, expand
from registry.schema_types import TRUST_ORDER

Operator = Callable[[Any, Any], bool]

ZDR_OK: Mapping[str, frozenset[str]] = {
    "required": frozenset({"default", "available"}),
    "in_effect": frozenset({"default"}),
}
TRAINING_OK: Mapping[str, frozenset[str]] = {
    "forbidden": frozenset({"never", "opt-in"}),
    "opt_out_ok": frozenset({"never", "opt-in", "opt-out"}),
}


def within(value: list[str], allowed: list[str]) -> bool:
    """Every country the fact may mean is allowed (an empty fact holds)."""
    return expand(value, BUILTIN_GROUPS) <= set(allowed)


def member(value: str, allowed: list[str]) -> bool:
    return value in allowed


def not_member(value: str, excluded: list[str]) -> bool:
    return value not in excluded


def one_of(value: str, allowed: list[str]) -> bool:
    return value.lower() in allowed


def is_true(value: bool, _: Any) -> bool:
    return value is True


def at_most(value: int, limit: int) -> bool:
    return value <= limit


def at_least(value: float, floor: float) -> bool:
    return value >= floor


def zdr_ok(value: str, mode: str) -> bool:
    return value in ZDR_OK[mode]


def training_ok(value: str, mode: str) -> bool:
    return value in TRAINING_OK[mode]


def _valid_certs(value: list[list[Any]], as_of: str) -> set[str]:
    return {cert_id for cert_id, expires in value if expires is None or expires >= as_of}


def certs_all(value: list[list[Any]], expected: dict[str, Any]) -> bool:
    return set(expected["ids"]) <= _valid_certs(value, expected["as_of"])


def certs_any(value: list[list[Any]], expected: dict[str, Any]) -> bool:
    return bool(set(expected["ids"]) & _valid_certs(value, expected["as_of"]))


def contains_all(value: list[str], required: list[str]) -> bool:
    return set(required) <= {v.lower() for v in value}


def excludes(value: list[str], excluded: list[str]) -> bool:
    return not set(excluded) & {v.lower() for v in value}


def on_or_after(value: str, cutoff: str) -> bool:
    return value >= cutoff


def trust_at_least(value: list[list[Any]], minimum: str) -> bool:
    floor = TRUST_ORDER.index(minimum)
    return all(t is not None and TRUST_ORDER.index(t) >= floor for _, t in value)


def operator_table() -> dict[str, Operator]:
    """Operator name → function; the Casbin model registers each under its name."""
    return {
        "within": within,
        "member": member,
        "not_member": not_member,
        "one_of": one_of,
        "is_true": is_true,
        "at_most": at_most,
        "at_least": at_least,
        "zdr_ok": zdr_ok,
        "training_ok": training_ok,
        "certs_all": certs_all,
        "certs_any": certs_any,
        "contains_all": contains_all,
        "excludes": excludes,
        "on_or_after": on_or_after,
        "trust_at_least": trust_at_least,
    }
