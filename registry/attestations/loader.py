"""Load attestations files strictly and check them against a catalog (SPEC §9).

A file goes through the same strict YAML loader as policies (file:line, key path, code,
remedy). Checks that need more than the file: every target is a catalog id (else the
closest one is suggested), the files of one set belong to one org and have distinct names,
and no two entries in effect set the same fact of the same target (both lines named).
A value starting with `FILL IN` (the placeholders `clearance questionnaire --format yaml`
writes) never validates.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from registry.attestations.models import AttestationEntry, AttestationsFile
from registry.catalog.attested import Attested
from registry.catalog.facts import SIGNED_CONTRACTS, canonical, written_facts
from registry.catalog.loader import Catalog
from registry.codes import Code
from registry.errors import AttestationError, InputError, Problem
from registry.policy.targets import catalog_ids, closest_id_hint
from registry.validation import problems_from_validation
from registry.yamlload import Document, KeyPath, load_file, load_text, render_path

SCHEMA_CODE = Code.O001
RULE_CODE = Code.O002
PLACEHOLDER_CODE = Code.O003
PLACEHOLDER = "FILL IN"
SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class EntryAt:
    """One entry with where it is written and the canonical facts it sets."""

    entry: AttestationEntry
    file: str
    line: int | None
    facts: Mapping[str, Any]
    lines: Mapping[str, int | None]

    @property
    def source(self) -> Attested:
        e = self.entry
        return Attested(self.file, self.line, e.document, e.trust, e.signed, e.expires, e.url)


@dataclass(frozen=True)
class AttestationsDoc:
    """One validated attestations file: `revision` hashes what it says, `source` where."""

    body: AttestationsFile
    file: str
    entries: tuple[EntryAt, ...]
    revision: str
    source: str

    @property
    def name(self) -> str:
        return self.body.attestations

    @property
    def org(self) -> str:
        return self.body.org


@dataclass(frozen=True)
class AttestationSet:
    """The attestations of one org: every file, in a stable order."""

    org: str
    docs: tuple[AttestationsDoc, ...]

    @property
    def entries(self) -> tuple[EntryAt, ...]:
        return tuple(e for d in self.docs for e in d.entries)

    @property
    def revision(self) -> str:
        """A hash of what the org's attestations say (what answers report)."""
        return _digest(sorted((d.name, d.revision) for d in self.docs))

    @property
    def key(self) -> str:
        """A hash of what they say and where (reasons cite file and line): for caches."""
        return _digest(sorted((d.name, d.revision, d.file, d.source) for d in self.docs))


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


def _placeholders(value: Any, path: KeyPath) -> Iterator[KeyPath]:
    if isinstance(value, str) and value.strip().upper().startswith(PLACEHOLDER):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _placeholders(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _placeholders(item, (*path, i))


def _placeholder_problems(doc: Document) -> list[Problem]:
    return [
        Problem(
            PLACEHOLDER_CODE,
            "placeholder left unfilled",
            "replace it with the answer and the document that establishes it, or delete "
            "the key (an unknown fact stays unknown)",
            doc.file,
            doc.line_of(path),
            render_path(path),
        )
        for path in _placeholders(doc.data, ())
    ]


def _fact_key_path(index: int, fact: str) -> KeyPath:
    if fact == SIGNED_CONTRACTS:
        return ("entries", index, SIGNED_CONTRACTS)
    return ("entries", index, "facts", *fact.split("."))


def _entry_at(doc: Document, index: int, entry: AttestationEntry) -> EntryAt:
    facts = written_facts(entry.facts) if entry.facts is not None else {}
    if entry.signed_contracts is not None:
        facts[SIGNED_CONTRACTS] = canonical(entry.signed_contracts)
    lines = {fact: doc.line_of(_fact_key_path(index, fact)) for fact in facts}
    return EntryAt(entry, doc.file, doc.line_of(("entries", index)), facts, lines)


def _source_digest(doc: Document) -> str:
    return _digest([doc.file, sorted((render_path(p), line) for p, line in doc.lines.items())])


def attestations_from_document(doc: Document) -> AttestationsDoc:
    """Validate one parsed document as an attestations file."""
    if not isinstance(doc.data, dict):
        raise AttestationError(
            [
                Problem(
                    SCHEMA_CODE,
                    "an attestations file must be a mapping",
                    "start the file with `attestations:` and `org:`",
                    doc.file,
                    1,
                )
            ]
        )
    placeholders = _placeholder_problems(doc)
    if placeholders:
        raise AttestationError(placeholders)
    try:
        body = AttestationsFile.model_validate(doc.data)
    except ValidationError as err:
        raise AttestationError(
            problems_from_validation(err, doc, SCHEMA_CODE, AttestationsFile)
        ) from None
    entries = tuple(_entry_at(doc, i, e) for i, e in enumerate(body.entries))
    revision = _digest(body.model_dump(mode="json"))
    return AttestationsDoc(body, doc.file, entries, revision, _source_digest(doc))


def load_attestations_text(text: str, file: str = "<attestations>") -> AttestationsDoc:
    return attestations_from_document(load_text(text, file))


def load_attestations_file(path: Path, display: str | None = None) -> AttestationsDoc:
    return attestations_from_document(load_file(path, display))


def attestation_files(path: Path) -> list[Path]:
    """The file itself, or every YAML/JSON file under a directory (sorted)."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in SUFFIXES)
    if path.is_file():
        return [path]
    raise AttestationError(
        [
            Problem(
                SCHEMA_CODE,
                "no such file or directory",
                "pass an attestations file or a directory of them (--attestations, "
                "CLEARANCE_ATTESTATIONS)",
                str(path),
            )
        ]
    )


def _set_problems(docs: Sequence[AttestationsDoc]) -> Iterator[Problem]:
    first = docs[0]
    names: dict[str, AttestationsDoc] = {}
    for doc in docs:
        if doc.org != first.org:
            yield Problem(
                RULE_CODE,
                f"org {doc.org!r} differs from org {first.org!r} of {first.file}",
                "one attestations set belongs to one org: pass only that org's files",
                doc.file,
                None,
                "org",
            )
        seen = names.setdefault(doc.name, doc)
        if seen is not doc:
            yield Problem(
                RULE_CODE,
                f"attestations name {doc.name!r} is also used by {seen.file}",
                "give every attestations file of an org its own name",
                doc.file,
                None,
                "attestations",
            )


def attestation_set(docs: Sequence[AttestationsDoc]) -> AttestationSet | None:
    """One org's set from its files (None when there are none); AttestationError when the
    files name different orgs or repeat a name."""
    if not docs:
        return None
    problems = list(_set_problems(docs))
    if problems:
        raise AttestationError(problems)
    return AttestationSet(docs[0].org, tuple(docs))


def load_attestation_paths(paths: Iterable[Path]) -> AttestationSet | None:
    """Every attestations file under the given files and directories, as one org's set;
    AttestationError lists every problem of every file."""
    docs: list[AttestationsDoc] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            files = attestation_files(path)
        except AttestationError as err:
            problems.extend(err.problems)
            continue
        for file in files:
            try:
                docs.append(load_attestations_file(file, str(file)))
            except InputError as err:  # schema and strict-YAML problems of every file
                problems.extend(err.problems)
    if problems:
        raise AttestationError(problems)
    return attestation_set(docs)


def target_problems(aset: AttestationSet, catalog: Catalog) -> Iterator[Problem]:
    """Entries whose target is not a catalog id (with the closest one)."""
    known = catalog_ids(catalog)
    for doc in aset.docs:
        for i, at in enumerate(doc.entries):
            target = at.entry.target
            if target not in known:
                yield Problem(
                    RULE_CODE,
                    f"{target!r} is not a provider or deployment in the catalog",
                    closest_id_hint(target, known),
                    doc.file,
                    at.line,
                    f"entries[{i}].target",
                )


def conflict_problems(aset: AttestationSet, as_of: date) -> Iterator[Problem]:
    """Two entries unexpired on `as_of` that set one fact of one target (both lines)."""
    first: dict[tuple[str, str], EntryAt] = {}
    for at in aset.entries:
        if at.entry.expires < as_of:
            continue
        for fact in at.facts:
            seen = first.setdefault((at.entry.target, fact), at)
            if seen is at:
                continue
            yield Problem(
                RULE_CODE,
                f"{fact} of {at.entry.target} is also attested at "
                f"{seen.file}:{seen.lines[fact]} (both unexpired)",
                "keep one entry per fact and target: remove or let one of them expire",
                at.file,
                at.lines[fact],
                fact,
            )


def attestation_problems(
    aset: AttestationSet, catalog: Catalog, as_of: date, org: str | None = None
) -> list[Problem]:
    """What makes a set unusable with this catalog on this date (and for this org)."""
    problems: list[Problem] = []
    if org is not None and aset.org != org:
        problems.append(
            Problem(
                RULE_CODE,
                f"these attestations belong to org {aset.org!r}, the policy to {org!r}",
                "pass the policy's own org's attestations: one org's knowledge never "
                "applies to another",
                aset.docs[0].file,
                None,
                "org",
            )
        )
    problems.extend(target_problems(aset, catalog))
    problems.extend(conflict_problems(aset, as_of))
    return problems


def check_attestations(
    aset: AttestationSet, catalog: Catalog, as_of: date, org: str | None = None
) -> None:
    problems = attestation_problems(aset, catalog, as_of, org)
    if problems:
        raise AttestationError(problems)
