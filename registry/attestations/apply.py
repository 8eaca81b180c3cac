"""The catalog as one org sees it on one date: its attestations in effect laid over it.

Entries in effect (signed on or before the date, expiring on or after it) become the
overlay; expired ones are ignored and warned about (the catalog's facts apply again: fail
closed), and ones expiring within 30 days warn ahead. Views are memoized on the base
catalog per (attestations, date), a few at a time (in its index).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from registry.attestations.loader import (
    AttestationSet,
    EntryAt,
    check_attestations,
    load_attestation_paths,
)
from registry.catalog.index import Kind
from registry.catalog.loader import Catalog
from registry.catalog.overlay import FactOverlay, OverlayEntry, overlaid

EXPIRY_WARNING_DAYS = 30
VIEWS_KEPT = 64
# the org views of one catalog, by (attestations key, date), newest last
VIEWS: Kind[OrderedDict[tuple[str, date], Catalog]] = Kind("org views")
_VIEWS_LOCK = threading.Lock()


def _where(at: EntryAt) -> str:
    return f"{at.entry.target} ({at.file}:{at.line}, {at.entry.document!r})"


def entry_warnings(
    aset: AttestationSet, as_of: date, within_days: int = EXPIRY_WARNING_DAYS
) -> tuple[str, ...]:
    """Expired, not yet signed, and soon expiring entries, in file order."""
    found: list[str] = []
    for at in aset.entries:
        entry = at.entry
        left = (entry.expires - as_of).days
        if left < 0:
            found.append(
                f"attestation for {_where(at)} expired on {entry.expires} and is ignored: "
                "the catalog's facts apply"
            )
        elif entry.signed > as_of:
            found.append(
                f"attestation for {_where(at)} is signed {entry.signed}, after {as_of}: "
                "not in effect yet, the catalog's facts apply"
            )
        elif left <= within_days:
            found.append(
                f"attestation for {_where(at)} expires on {entry.expires} "
                f"(in {left} day{'s' * (left != 1)}): renew it before then, or the "
                "catalog's facts apply again"
            )
    return tuple(found)


def build_overlay(catalog: Catalog, aset: AttestationSet, as_of: date) -> FactOverlay:
    """The overlay of the entries in effect on `as_of` (file order within a target)."""
    by_target: dict[str, list[OverlayEntry]] = {}
    active: list[int] = []
    for index, at in enumerate(aset.entries):
        if not at.entry.in_effect(as_of):
            continue
        active.append(index)
        entry = OverlayEntry(at.entry.target, at.facts, at.source)
        by_target.setdefault(at.entry.target, []).append(entry)
    key = hashlib.sha256(f"{aset.key}:{active}".encode()).hexdigest()[:16]
    entries = {target: tuple(items) for target, items in by_target.items()}
    return FactOverlay(catalog, aset.revision, key, entries, entry_warnings(aset, as_of))


def with_attestations(catalog: Catalog, aset: AttestationSet | None, as_of: date) -> Catalog:
    """The catalog as the set's org sees it on `as_of` (the catalog itself when no set)."""
    if aset is None:
        return catalog
    if catalog.overlay is not None:
        raise ValueError("attestations apply to a public catalog, not to an org's view of one")
    key = (aset.key, as_of)
    with _VIEWS_LOCK:
        views = catalog.index.get(VIEWS, None, OrderedDict)
        view = views.get(key)
        if view is None:
            view = views[key] = overlaid(build_overlay(catalog, aset, as_of))
            while len(views) > VIEWS_KEPT:
                views.popitem(last=False)
        views.move_to_end(key)
    return view


def org_view_of(catalog: Catalog, paths: Iterable[Path], as_of: date, org: str) -> Catalog:
    """The catalog as `org` sees it on `as_of` with the attestations under `paths` (the
    catalog itself when there are none); AttestationError for an unusable set (schema,
    another org, an unknown target, a conflict)."""
    found = load_attestation_paths(paths)
    if found is not None:
        check_attestations(found, catalog, as_of, org)
    return with_attestations(catalog, found, as_of)
