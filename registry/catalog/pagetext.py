"""Page text for quote checks: HTML stripped, entities decoded, typography and whitespace
normalized, so a quote copied from a rendered page matches the page source it came from."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_SKIPPED = frozenset({"script", "style", "noscript", "template", "svg"})
# Typographic characters a copied quote may or may not keep.
_TYPOGRAPHY = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u00a0": " ",
        "\u200b": "",
        "\u00ad": "",
    }
)
_SPACE = re.compile(r"\s+")
# Markdown emphasis and links in pages served as markdown (`.md` docs): **x**, `x`, [x](url)
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MD_MARK = re.compile(r"[*_`]+")
# A quote's omitted parts and our own additions: "…", "...", and "Our reading: …" (an
# inferred fact's reading of its source, never on the page).
_ELLIPSIS = re.compile(r"\s*(?:\u2026|\.\.\.|\[\u2026\]|\[\.\.\.\])\s*")
_READING = re.compile(r"\bOur reading:.*$", re.S)
_QUOTED = re.compile(r'"([^"]{12,})"')
MIN_FRAGMENT = 12


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skip += 1
        self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED and self._skip:
            self._skip -= 1
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def normalize(text: str) -> str:
    """Casefolded text with typography, markdown marks and whitespace runs made uniform."""
    text = html.unescape(text).translate(_TYPOGRAPHY)
    text = _MD_MARK.sub("", _MD_LINK.sub(r"\1", text))
    return _SPACE.sub(" ", text).strip().casefold()


def page_text(body: str, content_type: str) -> str:
    """The normalized visible text of a page (HTML stripped; other text kept as is)."""
    if "html" in content_type or body.lstrip()[:15].lower().startswith(("<!doctype", "<html")):
        collector = _TextCollector()
        collector.feed(body)
        collector.close()
        body = "".join(collector.parts)
    return normalize(body)


def fragments(quote: str) -> list[str]:
    """The parts of a quote that must appear on the page: our reading dropped, a quote of the
    source inside it preferred, split at ellipses; parts shorter than 12 characters skipped."""
    source = _READING.sub("", quote.translate(_TYPOGRAPHY))
    quoted = _QUOTED.findall(source)
    pieces = quoted or [source]
    out = []
    for piece in pieces:
        for part in _ELLIPSIS.split(piece):
            cleaned = normalize(part).strip(" \"'")
            if len(cleaned) >= MIN_FRAGMENT:
                out.append(cleaned)
    return out


def quote_on_page(quote: str, text: str) -> bool:
    """Every fragment of the quote is in the page's normalized text (and there is one)."""
    parts = fragments(quote)
    return bool(parts) and all(part in text for part in parts)
