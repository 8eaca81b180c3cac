"""`clearance catalog check-sources`: does every evidence quote still appear at its URL?

Each distinct URL is fetched once (httpx, bounded concurrency, a timeout, a descriptive
User-Agent, at most `max_bytes` read); each quoted evidence entry is then judged per fact it
names: the quote is present, gone, its page is gone (404/410), or the page could not be read.
Providers change their terms; this ties that drift to the facts routing depends on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

import httpx

from registry.catalog.loader import Catalog
from registry.catalog.models import HIGH_STAKES, Evidence, Provider
from registry.catalog.pagetext import page_text, quote_on_page
from registry.catalog.quotes import blocks

Status = Literal["present", "gone", "page gone", "unreachable", "not quoted"]
USER_AGENT = (
    "clearance-check-sources/0.1 (LLM provider data-policy catalog; checks that cited quotes"
    " are still on the page)"
)
MAX_BYTES = 5_000_000
GONE_CODES = frozenset({404, 410})


@dataclass(frozen=True)
class Page:
    url: str
    status: Literal["ok", "gone", "unreachable"]
    text: str = ""
    detail: str = ""  # HTTP status, error, final URL after redirects, truncation
    truncated: bool = False  # larger than the cap: only its start was read


@dataclass(frozen=True)
class SourceResult:
    provider: str
    block: str
    fact: str
    url: str
    status: Status
    high_stakes: bool
    detail: str

    @property
    def target(self) -> str:
        return f"{self.provider}/{self.block}" if self.block else self.provider

    def to_json(self) -> dict[str, object]:
        return {
            "provider": self.provider,
            "block": self.block or None,
            "fact": self.fact,
            "url": self.url,
            "status": self.status,
            "high_stakes": self.high_stakes,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Cited:
    provider: str
    block: str
    evidence: Evidence


def cited(catalog: Catalog, providers: Iterable[str] = ()) -> list[Cited]:
    """Every evidence entry of the catalog (or of the named providers), with where it sits."""
    wanted = set(providers)
    out: list[Cited] = []
    for pid, provider in sorted(catalog.providers.items()):
        if wanted and pid not in wanted:
            continue
        out.extend(_entries(provider))
    return out


def _entries(provider: Provider) -> Iterable[Cited]:
    for block, model, _ in blocks(provider):
        for item in model.evidence:
            yield Cited(provider.id, block, item)


def _high_stakes(fact: str) -> bool:
    """The fact path is high-stakes or a prefix of one (`retention` covers prompt days)."""
    return fact in HIGH_STAKES or any(path.startswith(fact + ".") for path in HIGH_STAKES)


def judge(entry: Cited, page: Page) -> list[SourceResult]:
    """One result per fact the entry names."""
    status: Status
    detail = page.detail
    if page.status == "gone":
        status = "page gone"
    elif page.status == "unreachable":
        status = "unreachable"
    elif not entry.evidence.quote:
        status = "not quoted"
    elif quote_on_page(entry.evidence.quote, page.text):
        status = "present"
    elif page.truncated:
        status = "unreachable"  # not in the part read: cannot say it is gone
        detail = f"{detail}; the quote is not in the part read"
    else:
        status = "gone"
    return [
        SourceResult(
            entry.provider,
            entry.block,
            fact,
            entry.evidence.url,
            status,
            _high_stakes(fact),
            detail,
        )
        for fact in entry.evidence.facts
    ]


async def fetch_page(client: httpx.AsyncClient, url: str, max_bytes: int) -> Page:
    """One page's text; never raises (every failure is a Page that says what happened)."""
    try:
        async with client.stream("GET", url) as response:
            if response.status_code in GONE_CODES:
                return Page(url, "gone", detail=f"HTTP {response.status_code}")
            if response.status_code >= 400:
                return Page(url, "unreachable", detail=f"HTTP {response.status_code}")
            body, truncated = await _read_capped(response, max_bytes)
            text = page_text(
                body.decode(response.encoding or "utf-8", errors="replace"),
                response.headers.get("content-type", ""),
            )
            notes = []
            if str(response.url) != url:
                notes.append(f"redirected to {response.url}")
            if truncated:
                notes.append(f"page larger than {max_bytes} bytes: only the start was read")
            return Page(url, "ok", text, "; ".join(notes), truncated)
    except httpx.TimeoutException:
        return Page(url, "unreachable", detail="timed out")
    except (httpx.HTTPError, UnicodeError, ValueError) as exc:
        return Page(url, "unreachable", detail=f"{type(exc).__name__}: {exc}")


async def _read_capped(response: httpx.Response, max_bytes: int) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= max_bytes:
            return b"".join(chunks)[:max_bytes], True
    return b"".join(chunks), False


async def fetch_all(
    urls: list[str],
    *,
    concurrency: int = 8,
    timeout: float = 20.0,
    max_bytes: int = MAX_BYTES,
    progress: Callable[[str], None] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> dict[str, Page]:
    """Fetch each URL once, at most `concurrency` at a time."""
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(
        headers={"User-Agent": USER_AGENT, "Accept": "text/html,text/plain;q=0.9,*/*;q=0.5"},
        timeout=httpx.Timeout(timeout),
        follow_redirects=True,
        max_redirects=5,
        limits=limits,
        transport=transport,
        trust_env=True,
    ) as client:

        async def one(url: str) -> Page:
            async with gate:
                page = await fetch_page(client, url, max_bytes)
            if progress is not None:
                progress(url)
            return page

        pages = await asyncio.gather(*(one(url) for url in urls))
    return {page.url: page for page in pages}


def check_sources(
    catalog: Catalog,
    *,
    providers: Iterable[str] = (),
    concurrency: int = 8,
    timeout: float = 20.0,
    max_bytes: int = MAX_BYTES,
    progress: Callable[[str], None] | None = None,
) -> list[SourceResult]:
    """Every evidence entry's facts with the state of its quote at its URL."""
    entries = cited(catalog, providers)
    urls = sorted({entry.evidence.url for entry in entries})
    pages = asyncio.run(
        fetch_all(
            urls, concurrency=concurrency, timeout=timeout, max_bytes=max_bytes, progress=progress
        )
    )
    return [result for entry in entries for result in judge(entry, pages[entry.evidence.url])]


def failing(results: Iterable[SourceResult]) -> list[SourceResult]:
    """High-stakes facts whose quote or page is gone (exit 1)."""
    return [r for r in results if r.high_stakes and r.status in ("gone", "page gone")]


def unreadable(results: Iterable[SourceResult]) -> list[SourceResult]:
    """High-stakes quoted facts whose page could not be read (exit 3 when nothing is gone)."""
    return [r for r in results if r.high_stakes and r.status == "unreachable"]
