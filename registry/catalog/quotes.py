"""Quote discipline for the facts a policy's permit hangs on (issue 14).

Every *high-stakes* fact a catalog block writes (inference / storage / decryption countries,
training, prompt retention, zero data retention, TLS termination) needs at least one covering
evidence entry whose verbatim `quote` speaks to that fact. "Speaks to" is checked here only
as a floor — the quote must use a word of the fact's subject (a retention sentence cannot
carry a training fact); whether it supports the value is a second reader's judgement,
recorded in the review log (`registry/catalog/reviews.py`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from registry.catalog.facts import written_facts
from registry.catalog.loader import Catalog
from registry.catalog.models import HIGH_STAKES, Evidence, FactBlock, Provider

_PLACES = (
    r"region|countr|locat|data.?cent|datacent|resid|hosted|hosting|geograph|jurisdiction"
    r"|territor|sovereign|infrastructure|zone|endpoint|global|worldwide|anywhere|within"
    r"|europe|\beu\b|\beea\b|\bus\b|\busa\b|united states|china|japan|canada|australia|india"
    r"|singapore|korea|brazil|switzerland|germany|france|sweden|ireland|netherlands|finland"
    r"|iceland|norway|spain|italy|poland|united kingdom|\buk\b|americas|asia|apac|emea|routed"
    r"|rechenzentr|standort|deutschland"
)
_RETENTION = (
    r"retain|retention|stor(e|ed|age|ing)|log(s|ged|ging)?\b|delet|kept|keep|persist|sav(e|ed)"
    r"|cache|days|hours|zero data|\bzdr\b|no data|discard|speicher|aufbewahr|lösch"
)
# The words a quote must use to speak to each high-stakes fact (case-insensitive).
SUBJECT: dict[str, re.Pattern[str]] = {
    "inference_countries": re.compile(_PLACES, re.I),
    "storage_countries": re.compile(_PLACES + "|" + _RETENTION, re.I),
    "decryption_countries": re.compile(_PLACES + r"|decrypt|encrypt|tls", re.I),
    "training_on_customer_data": re.compile(r"train|improv|fine.?tun|develop (our|its)", re.I),
    "retention.prompts_days": re.compile(_RETENTION, re.I),
    "retention.zero_data_retention": re.compile(_RETENTION, re.I),
    "decryption.tls_termination": re.compile(
        r"tls|ssl|https|encrypt|terminat|cdn|cloudflare|fastly|akamai|proxy|gateway"
        r"|infrastructure|third.part|data.?cent",
        re.I,
    ),
}


@dataclass(frozen=True)
class QuoteGap:
    """A high-stakes fact without a quote that can carry it, or a quote that cannot."""

    provider: str
    block: str  # "" for the provider level, else a deployment or model id
    fact: str
    problem: str

    def __str__(self) -> str:
        where = f"{self.provider}/{self.block}" if self.block else self.provider
        return f"{where}: {self.fact}: {self.problem}"


def names(evidence: Evidence, fact: str) -> bool:
    """The entry lists `fact` itself or a prefix of it (`retention` covers its fields)."""
    return any(fact == f or fact.startswith(f + ".") for f in evidence.facts)


def speaks_to(quote: str, fact: str) -> bool:
    return bool(SUBJECT[fact].search(quote))


def blocks(provider: Provider) -> Iterator[tuple[str, FactBlock, list[Evidence]]]:
    """Each block of a provider with the evidence that may support it (its own and above)."""
    yield "", provider, list(provider.evidence)
    for dep in provider.deployments:
        yield dep.id, dep, [*provider.evidence, *dep.evidence]
    for offering in provider.models:
        scoped = [d.evidence for d in provider.deployments if d.id in (offering.deployments or ())]
        above = [e for group in scoped for e in group]
        yield offering.id, offering, [*provider.evidence, *above, *offering.evidence]


def set_high_stakes(provider: Provider) -> Iterator[tuple[str, str, Any, list[Evidence]]]:
    """(block, fact, value, candidate evidence) for every high-stakes fact a block writes
    (known)."""
    for block, model, evidence in blocks(provider):
        written = written_facts(model)
        for fact in HIGH_STAKES:
            if written.get(fact) is not None:
                yield block, fact, written[fact], evidence


def quoted_support(evidence: Iterable[Evidence], fact: str) -> list[Evidence]:
    return [e for e in evidence if e.quote and names(e, fact) and speaks_to(e.quote, fact)]


def quote_gaps(catalog: Catalog) -> list[QuoteGap]:
    """Set high-stakes facts with no quoted covering evidence."""
    return [
        QuoteGap(pid, block, fact, "no evidence entry naming it quotes a sentence about it")
        for pid, provider in sorted(catalog.providers.items())
        for block, fact, _, evidence in set_high_stakes(provider)
        if not quoted_support(evidence, fact)
    ]


def off_subject(catalog: Catalog) -> list[QuoteGap]:
    """Quoted evidence entries naming a high-stakes fact their quote does not speak to."""
    out: list[QuoteGap] = []
    for pid, provider in sorted(catalog.providers.items()):
        for block, model, _ in blocks(provider):
            for item in model.evidence:
                for fact in HIGH_STAKES:
                    if item.quote and names(item, fact) and not speaks_to(item.quote, fact):
                        out.append(
                            QuoteGap(pid, block, fact, f"the quote at {item.url} is not about it")
                        )
    return out


@dataclass(frozen=True)
class QuoteCount:
    quoted: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * self.quoted / self.total if self.total else 100.0


def quote_count(catalog: Catalog) -> QuoteCount:
    """How many set high-stakes facts have a quoted covering evidence entry."""
    quoted = total = 0
    for provider in catalog.providers.values():
        for _, fact, _, evidence in set_high_stakes(provider):
            total += 1
            quoted += bool(quoted_support(evidence, fact))
    return QuoteCount(quoted, total)
