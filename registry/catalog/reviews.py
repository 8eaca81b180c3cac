"""The second reader's scope review of high-stakes facts (issue 14, docs/catalog.md).

An independent reader sees only a fact, what it means, where it applies and one quote, and
judges: `supported`, `broader` (the fact claims more than the quote: another scope, a
stronger value) or `unrelated`. Verdicts live in `provider_catalog/reviews/<provider>.yaml`,
each tied to the fact's value and to a digest of the quote, so a changed value or an edited
quote needs a new review. Only facts with a `supported` verdict on a current quote stay set.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from registry.catalog.facts import written_facts
from registry.catalog.loader import Catalog
from registry.catalog.models import Evidence, Provider
from registry.catalog.quotes import HIGH_STAKES, blocks, quoted_support
from registry.errors import CatalogError
from registry.schema_types import IsoDate, Slug, StrictModel, Text
from registry.validation import problems_from_validation
from registry.yamlload import load_file

Verdict = Literal["supported", "broader", "unrelated"]
VERDICTS: tuple[Verdict, ...] = ("supported", "broader", "unrelated")


class Review(StrictModel):
    target: str = Field(max_length=300)  # provider, provider/deployment or provider@model
    fact: str = Field(max_length=100)
    value: str = Field(max_length=2000)  # the fact's value as reviewed (canonical text)
    url: str = Field(max_length=2000)
    quote_sha256: str = Field(pattern=r"^[0-9a-f]{16}$")
    verdict: Verdict
    reviewed: IsoDate
    note: Text | None = None


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
    "inference_countries": "prompts are processed (the model runs) only in these countries",
    "storage_countries": "prompts/outputs that are retained are stored only in these countries"
    " ([] = nothing is retained)",
    "decryption_countries": "plaintext prompts exist (TLS ends and processing happens) only in"
    " these countries",
    "training_on_customer_data": "whether the provider trains models on customers' API inputs"
    " and outputs (never, opt-in: only if the customer opts in, opt-out: unless the customer"
    " opts out, always)",
    "retention.prompts_days": "prompts are kept at most this many days (0 = not retained)",
    "retention.zero_data_retention": "zero data retention: default (applies to every customer"
    " without asking), available (on request or by a setting), unavailable",
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
    """One high-stakes fact of one block with one quote that may support it."""

    target: str
    fact: str
    value: str
    meaning: str
    scope: str
    url: str
    quote: str

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.target, self.fact, self.value, self.url, digest(self.quote))


def review_items(provider: Provider) -> Iterator[ReviewItem]:
    for block, model, evidence in blocks(provider):
        written = written_facts(model)
        for fact in HIGH_STAKES:
            value = written.get(fact)
            if value is None:
                continue
            for entry in _distinct(quoted_support(evidence, fact)):
                yield ReviewItem(
                    target_of(provider, block),
                    fact,
                    shown(value),
                    meaning(fact),
                    scope(provider, block),
                    entry.url,
                    entry.quote or "",
                )


def _distinct(entries: list[Evidence]) -> list[Evidence]:
    seen: set[tuple[str, str]] = set()
    out = []
    for entry in entries:
        key = (entry.url, digest(entry.quote or ""))
        if key not in seen:
            seen.add(key)
            out.append(entry)
    return out


def load_reviews(root: Path | str) -> dict[tuple[str, str, str, str, str], Review]:
    """Every verdict under `<catalog>/reviews/`, keyed like `ReviewItem.key` (the last file
    wins a repeated key, so a re-review replaces an earlier verdict)."""
    directory = Path(root) / "reviews"
    found: dict[tuple[str, str, str, str, str], Review] = {}
    if not directory.is_dir():
        return found
    for path in sorted(directory.glob("*.yaml")):
        document = load_file(path, str(path))
        try:
            parsed = ReviewFile.model_validate(document.data)
        except ValidationError as err:
            raise CatalogError(
                problems_from_validation(err, document, "CLR-C001", ReviewFile)
            ) from None
        for review in parsed.reviews:
            key = (review.target, review.fact, review.value, review.url, review.quote_sha256)
            found[key] = review
    return found


@dataclass(frozen=True)
class ReviewState:
    supported: int  # set high-stakes facts with a supported verdict on a current quote
    total: int
    rejected: list[str]  # a current quote a reader judged broader or unrelated for the fact
    unreviewed: list[str]


def review_state(
    catalog: Catalog, reviews: dict[tuple[str, str, str, str, str], Review]
) -> ReviewState:
    supported = total = 0
    rejected: list[str] = []
    unreviewed: list[str] = []
    for provider in catalog.providers.values():
        by_fact: dict[tuple[str, str], list[Review | None]] = {}
        for item in review_items(provider):
            by_fact.setdefault((item.target, item.fact), []).append(reviews.get(item.key))
            verdict = reviews.get(item.key)
            if verdict is not None and verdict.verdict != "supported":
                rejected.append(f"{item.target}: {item.fact}: {verdict.verdict} ({item.url})")
        for block, model, _ in blocks(provider):
            written = written_facts(model)
            for fact in HIGH_STAKES:
                if written.get(fact) is None:
                    continue
                total += 1
                verdicts = by_fact.get((target_of(provider, block), fact), [])
                if any(v is not None and v.verdict == "supported" for v in verdicts):
                    supported += 1
                else:
                    unreviewed.append(f"{target_of(provider, block)}: {fact}")
    return ReviewState(supported, total, rejected, unreviewed)


def verdict_counts(
    reviews: dict[tuple[str, str, str, str, str], Review], since: date | None = None
) -> dict[str, dict[str, int]]:
    """Per provider, how many verdicts of each kind the log holds."""
    out: dict[str, dict[str, int]] = {}
    for review in reviews.values():
        if since is not None and review.reviewed < since:
            continue
        provider = review.target.split("/")[0].split("@")[0]
        counts = out.setdefault(provider, dict.fromkeys(VERDICTS, 0))
        counts[review.verdict] += 1
    return out
