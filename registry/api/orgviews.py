"""Each org's stored attestations as answers use them (SPEC §9), loaded with the snapshot.

An org's files are parsed once (reused across reloads while their text is unchanged), made
into one set and checked against the snapshot's catalog. A set that no longer loads or
checks (a newer catalog dropped a target, a file written under older rules) is kept as its
problems: that org's decisions then fail closed (503) instead of being made without its
attestations, since one of them may be what makes a deployment *less* compliant.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import groupby

from registry.attestations.loader import (
    AttestationsDoc,
    AttestationSet,
    attestation_set,
    check_attestations,
    load_attestations_text,
)
from registry.catalog.loader import Catalog
from registry.errors import InputError, Problem
from registry.store.state import StoredAttestations


@dataclass(frozen=True)
class OrgAttestations:
    """One org's current files: the checked set, or the problems that make it unusable."""

    org: str
    docs: Mapping[StoredAttestations, AttestationsDoc]
    aset: AttestationSet | None
    problems: tuple[Problem, ...] = ()


def attestations_file(org: str, name: str) -> str:
    """The file name problems and attested reasons cite for a stored attestations file."""
    return f"{org}/attestations/{name}"


def parse_stored(stored: StoredAttestations) -> AttestationsDoc:
    return load_attestations_text(stored.body, attestations_file(stored.org, stored.name))


def checked_set(
    docs: Sequence[AttestationsDoc], catalog: Catalog | None, as_of: date, org: str
) -> AttestationSet | None:
    """The org's set from its files, checked against the catalog when there is one (without
    one nothing is decided anyway); AttestationError lists every problem."""
    aset = attestation_set(sorted(docs, key=lambda d: d.name))
    if aset is not None and catalog is not None:
        check_attestations(aset, catalog, as_of, org)
    return aset


def load_org(
    org: str,
    stored: Sequence[StoredAttestations],
    catalog: Catalog | None,
    as_of: date,
    parsed: Mapping[StoredAttestations, AttestationsDoc],
) -> OrgAttestations:
    """One org's attestations; `parsed` holds docs of an earlier snapshot to reuse."""
    docs: dict[StoredAttestations, AttestationsDoc] = {}
    problems: list[Problem] = []
    for item in stored:
        try:
            docs[item] = parsed[item] if item in parsed else parse_stored(item)
        except InputError as err:
            problems.extend(err.problems)
    if problems:
        return OrgAttestations(org, docs, None, tuple(problems))
    try:
        aset = checked_set(list(docs.values()), catalog, as_of, org)
    except InputError as err:
        return OrgAttestations(org, docs, None, tuple(err.problems))
    return OrgAttestations(org, docs, aset)


def load_orgs(
    stored: Iterable[StoredAttestations],
    catalog: Catalog | None,
    as_of: date,
    previous: Mapping[str, OrgAttestations],
    *,
    same_catalog: bool = False,
) -> dict[str, OrgAttestations]:
    """Every org's attestations (only orgs that have files), reusing parsed docs; with
    `same_catalog` (the previous snapshot's catalog object) an org whose files are unchanged
    and whose set checked keeps it as it is: a set that passes passes later too."""
    parsed = {s: d for found in previous.values() for s, d in found.docs.items()}
    by_org = groupby(sorted(stored, key=lambda s: (s.org, s.name)), key=lambda s: s.org)
    orgs: dict[str, OrgAttestations] = {}
    for org, items in by_org:
        files = list(items)
        old = previous.get(org)
        if same_catalog and old is not None and not old.problems and list(old.docs) == files:
            orgs[org] = old
        else:
            orgs[org] = load_org(org, files, catalog, as_of, parsed)
    return orgs
