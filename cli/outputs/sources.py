"""Renderings of a source check: text (one line per fact that needs attention, then totals),
JSON (every result) and markdown (for an issue or a scheduled job's summary)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence

from registry.catalog.sourcecheck import SourceResult

ATTENTION = ("gone", "page gone", "unreachable")


def _totals(results: Sequence[SourceResult]) -> str:
    counts: Counter[str] = Counter(r.status for r in results)
    order = ("present", "gone", "page gone", "unreachable", "not quoted")
    shown = ", ".join(f"{counts[s]} {s}" for s in order if counts[s])
    urls = len({r.url for r in results})
    high = [r for r in results if r.high_stakes and r.status != "not quoted"]
    kept = sum(r.status == "present" for r in high)
    return (
        f"{len(results)} fact(s) from {urls} page(s): {shown or 'nothing checked'};"
        f" high-stakes quotes present: {kept} of {len(high)}"
    )


def render_text(results: Sequence[SourceResult]) -> str:
    lines = [
        f"{r.status.upper():<12} {r.target}: {r.fact}{' (high-stakes)' if r.high_stakes else ''}"
        f" {r.url}{f' ({r.detail})' if r.detail else ''}"
        for r in results
        if r.status in ATTENTION
    ]
    return "\n".join([*lines, _totals(results)]) + "\n"


def render_json(results: Sequence[SourceResult]) -> str:
    document = {
        "summary": dict(Counter(r.status for r in results)),
        "results": [r.to_json() for r in results],
    }
    return json.dumps(document, indent=2) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(results: Sequence[SourceResult]) -> str:
    lines = ["# Catalog source check", "", _totals(results), ""]
    attention = [r for r in results if r.status in ATTENTION]
    if not attention:
        return "\n".join([*lines, "Every checked quote is still on its page.", ""])
    lines += [
        "| status | target | fact | high-stakes | source | detail |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.status} | `{r.target}` | `{r.fact}` | {'yes' if r.high_stakes else 'no'}"
        f" | {_cell(r.url)} | {_cell(r.detail)} |"
        for r in attention
    ]
    return "\n".join([*lines, ""])
