"""The second reader's scope review of high-stakes facts (issue 14, docs/catalog.md).

An independent reader sees only a fact, what it means, where it applies and the quotes that
carry it, and judges: `supported`, `broader` (the fact claims more than the quotes: another
scope, a stronger value) or `unrelated`. Verdicts live in
`provider_catalog/reviews/<provider>.yaml`, each tied to the fact's value and to digests of
the quotes it relied on: a changed value, or an edited or removed quote, needs a new review.
Only facts with a `supported` verdict whose quotes are all still there stay set.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from registry.catalog.loader import Catalog
from registry.catalog.models import Evidence, Provider
from registry.catalog.quotes import quoted_support, set_high_stakes
from registry.codes import Code
from registry.errors import CatalogError
from registry.schema_types import IsoDate, Slug, StrictModel, Text
from registry.validation import problems_from_validation
from registry.yamlload import load_file

Verdict = Literal["supported", "broader", "unrelated"]
VERDICTS: tuple[Verdict, ...] = ("supported", "broader", "unrelated")


class Quoted(StrictModel):
    url: str = Field(max_length=2000)
    sha256: str = Field(pattern=r"^[0-9a-f]{16}$")


class Review(StrictModel):
    target: str = Field(max_length=300)  # provider, provider/deployment or provider@model
    fact: str = Field(max_length=100)
    value: str = Field(max_length=2000)  # the fact's value as reviewed (canonical text)
    verdict: Verdict
    # supported: the quotes that together carry the fact; otherwise every quote shown
    quotes: list[Quoted] = Field(min_length=1)
    reviewed: IsoDate
    note: Text | None = None

    @property
    def digests(self) -> frozenset[str]:
        return frozenset(q.sha256 for q in self.quotes)


class ReviewFile(StrictModel):
    provider: Slug
    reviews: list[Review] = []


def digest(quote: str) -> str:
    """The first 16 hex digits of the quote's SHA-256 (whitespace runs normalized)."""
    return hashlib.sha256(" ".join(quote.split()).encode()).hexdigest()[:16]


def shown(value: Any) -> str:
    """A fact value as reviewers saw it: lists comma-joined, `[]` for an empty list."""
    if isinstance(value, tuple | list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def target_of(provider: Provider, block: str) -> str:
    if not block:
        return provider.id
    if any(d.id == block for d in provider.deployments):
        return f"{provider.id}/{block}"
    return f"{provider.id}@{block}"


_MEANING: dict[str, str] = {
    "inference_countries": "prompts are processed (the model runs) only in these countries"
    " (ANY = the provider states it makes no location commitment)",
    "storage_countries": "prompts/outputs that are retained are stored only in these countries"
    " ([] = nothing is retained)",
    "decryption_countries": "plaintext prompts exist (TLS ends and processing happens) only in"
    " these countries",
    "training_on_customer_data": "whether the provider trains models on customers' API inputs"
    " and outputs (never, opt-in: only if the customer opts in, opt-out: unless the customer"
    " opts out, always)",
    "retention.prompts_days": "in ordinary operation, prompts are kept at most this many days"
    " (0 = not retained); not counted here: content flagged for abuse review (a separate fact,"
    " abuse_monitoring_days) and holds the law or a court requires",
    "retention.zero_data_retention": "zero data retention: default (applies to every customer"
    " without asking), available (some customers can get it: by a setting, on request, or after"
    " approval; it may depend on plan or eligibility), unavailable",
    "decryption.tls_termination": "who terminates TLS for API traffic: the provider itself, a"
    " CDN, or a hyperscaler's front end",
}


def meaning(fact: str) -> str:
    return _MEANING[fact]


def scope(provider: Provider, block: str) -> str:
    """Where a block's fact applies, in words a reader without the catalog can judge."""
    if not block:
        return f"every deployment and model of {provider.name} (unless a narrower entry overrides)"
    for dep in provider.deployments:
        if dep.id == block:
            where = ", ".join([*dep.hosts, *dep.cloud_regions]) or "no host or region named"
            return f"every model on {provider.name}'s deployment {dep.id!r} ({where})"
    offering = next(m for m in provider.models if m.id == block)
    deps = ", ".join(offering.deployments) if offering.deployments else "all deployments"
    return f"only the model {offering.id} on {provider.name} ({deps})"


@dataclass(frozen=True)
class ReviewItem:
    """One high-stakes fact of one block with every quote that may carry it."""

    target: str
    fact: str
    value: str
    meaning: str
    scope: str
    quotes: tuple[tuple[str, str], ...]  # (url, quote)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.target, self.fact, self.value)

    @property
    def digests(self) -> frozenset[str]:
        return frozenset(digest(quote) for _, quote in self.quotes)


def _item(
    provider: Provider, block: str, fact: str, value: Any, evidence: list[Evidence]
) -> ReviewItem | None:
    """The review item of one set high-stakes fact (None when no quote can carry it)."""
    quotes = _distinct(quoted_support(evidence, fact))
    if not quotes:
        return None
    return ReviewItem(
        target_of(provider, block),
        fact,
        shown(value),
        meaning(fact),
        scope(provider, block),
        tuple((e.url, e.quote or "") for e in quotes),
    )


def review_items(provider: Provider) -> Iterator[ReviewItem]:
    for block, fact, value, evidence in set_high_stakes(provider):
        item = _item(provider, block, fact, value, evidence)
        if item is not None:
            yield item


def _distinct(entries: list[Evidence]) -> list[Evidence]:
    seen: set[tuple[str, str]] = set()
    out = []
    for entry in entries:
        key = (entry.url, digest(entry.quote or ""))
        if key not in seen:
            seen.add(key)
            out.append(entry)
    return out


ReviewLog = dict[tuple[str, str, str], list[Review]]


def load_reviews(root: Path | str) -> ReviewLog:
    """Every verdict under `<catalog>/reviews/`, by (target, fact, value), oldest first."""
    directory = Path(root) / "reviews"
    found: ReviewLog = {}
    if not directory.is_dir():
        return found
    for path in sorted(directory.glob("*.yaml")):
        document = load_file(path, str(path))
        try:
            parsed = ReviewFile.model_validate(document.data)
        except ValidationError as err:
            raise CatalogError(
                problems_from_validation(err, document, Code.C001, ReviewFile)
            ) from None
        for review in parsed.reviews:
            found.setdefault((review.target, review.fact, review.value), []).append(review)
    return found


def judged(item: ReviewItem, log: ReviewLog) -> Verdict | None:
    """`supported` when a supported review's quotes are all still there; else the verdict
    of the latest review that saw exactly these quotes; else None (not reviewed)."""
    reviews = log.get(item.key, [])
    if any(r.verdict == "supported" and r.digests <= item.digests for r in reviews):
        return "supported"
    latest = [r for r in reviews if r.digests == item.digests]
    return latest[-1].verdict if latest else None


@dataclass(frozen=True)
class ReviewState:
    supported: int  # set high-stakes facts with a supported verdict on current quotes
    total: int
    rejected: list[str]  # the current quotes were judged broader or unrelated
    unreviewed: list[str]


def review_state(catalog: Catalog, log: ReviewLog) -> ReviewState:
    supported = total = 0
    rejected: list[str] = []
    unreviewed: list[str] = []
    for provider in catalog.providers.values():
        for block, fact, value, evidence in set_high_stakes(provider):
            total += 1
            item = _item(provider, block, fact, value, evidence)
            verdict = judged(item, log) if item is not None else None
            where = f"{target_of(provider, block)}: {fact}"
            if verdict == "supported":
                supported += 1
            elif verdict is None:
                unreviewed.append(where)
            else:
                rejected.append(f"{where}: {verdict}")
    return ReviewState(supported, total, sorted(rejected), sorted(unreviewed))


def verdict_counts(log: ReviewLog) -> dict[str, dict[str, int]]:
    """Per provider, how many verdicts of each kind the log holds."""
    out: dict[str, dict[str, int]] = {}
    for reviews in log.values():
        for review in reviews:
            provider = review.target.split("/")[0].split("@")[0]
            counts = out.setdefault(provider, dict.fromkeys(VERDICTS, 0))
            counts[review.verdict] += 1
    return out
