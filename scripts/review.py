"""The second reader's scope review (docs/catalog.md): export what to review, record verdicts.

    python scripts/review.py items [--recheck] [--catalog DIR] [PROVIDER...] > items.json
    python scripts/review.py record verdicts.json [--catalog DIR]

`items` lists every set high-stakes fact that has no verdict on its current value and quotes:
the fact, its value, what it means, where it applies and the quotes that may carry it —
nothing else, so a reader judges the quotes alone. `record` reads a JSON list of
`{"id", "verdict": "supported|broader|unrelated", "relied_on": [n, ...], "note"}` (for
`supported`, the numbers of the quotes that together carry the fact; default all) and appends
the verdicts to `<catalog>/reviews/<provider>.yaml`.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from registry.catalog.loader import load_catalog
from registry.catalog.reviews import (
    VERDICTS,
    ReviewItem,
    digest,
    judged,
    load_reviews,
    review_items,
)


def open_items(catalog_dir: Path, providers: list[str], recheck: bool = False) -> list[ReviewItem]:
    """Items without a verdict (with `recheck`, also those judged broader or unrelated)."""
    catalog = load_catalog(catalog_dir)
    log = load_reviews(catalog_dir)
    wanted = {None, "broader", "unrelated"} if recheck else {None}
    return [
        item
        for pid, provider in sorted(catalog.providers.items())
        if not providers or pid in providers
        for item in review_items(provider)
        if judged(item, log) in wanted
    ]


def item_id(item: ReviewItem) -> str:
    return digest("|".join([*item.key, *sorted(item.digests)]))


def export(catalog_dir: Path, providers: list[str], recheck: bool) -> None:
    rows = [
        {
            "id": item_id(item),
            "fact": item.fact,
            "value": item.value,
            "meaning": item.meaning,
            "applies_to": item.scope,
            "quotes": [
                {"n": n, "url": url, "quote": quote}
                for n, (url, quote) in enumerate(item.quotes, 1)
            ],
        }
        for item in open_items(catalog_dir, providers, recheck)
    ]
    json.dump(rows, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


def review_entry(item: ReviewItem, verdict: dict[str, Any], today: date) -> dict[str, Any]:
    if verdict["verdict"] not in VERDICTS:
        raise SystemExit(f"{verdict['id']}: verdict must be one of {', '.join(VERDICTS)}")
    numbers = verdict.get("relied_on") if verdict["verdict"] == "supported" else None
    chosen = [item.quotes[n - 1] for n in numbers] if numbers else list(item.quotes)
    entry: dict[str, Any] = {
        "target": item.target,
        "fact": item.fact,
        "value": item.value,
        "verdict": verdict["verdict"],
        "quotes": [{"url": url, "sha256": digest(quote)} for url, quote in chosen],
        "reviewed": today.isoformat(),
    }
    if verdict.get("note"):
        entry["note"] = str(verdict["note"])
    return entry


def append(catalog_dir: Path, entries: list[dict[str, Any]]) -> None:
    per_provider: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        provider = entry["target"].split("/")[0].split("@")[0]
        per_provider.setdefault(provider, []).append(entry)
    directory = catalog_dir / "reviews"
    directory.mkdir(exist_ok=True)
    for provider, found in sorted(per_provider.items()):
        path = directory / f"{provider}.yaml"
        document = yaml.safe_load(path.read_text()) if path.exists() else None
        document = document or {"provider": provider, "reviews": []}
        document["reviews"].extend(found)
        header = "# Second reader's scope review of high-stakes facts (docs/catalog.md).\n"
        path.write_text(header + yaml.safe_dump(document, sort_keys=False, width=100))
        print(f"{path}: {len(found)} verdict(s) recorded")


def record(catalog_dir: Path, verdicts_file: Path, today: date) -> None:
    verdicts: list[dict[str, Any]] = json.loads(verdicts_file.read_text())
    by_id = {item_id(item): item for item in open_items(catalog_dir, [], recheck=True)}
    entries = []
    for verdict in verdicts:
        item = by_id.get(verdict["id"])
        if item is None:
            print(f"skipped {verdict['id']}: no such open item", file=sys.stderr)
            continue
        entries.append(review_entry(item, verdict, today))
    append(catalog_dir, entries)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("command", choices=["items", "record"])
    parser.add_argument("args", nargs="*")
    parser.add_argument("--catalog", type=Path, default=Path("provider_catalog"))
    parser.add_argument("--date", type=date.fromisoformat, default=date.today())
    parser.add_argument(
        "--recheck", action="store_true", help="items: also those judged broader or unrelated"
    )
    options = parser.parse_intermixed_args()
    if options.command == "items":
        export(options.catalog, options.args, options.recheck)
    else:
        record(options.catalog, Path(options.args[0]), options.date)


if __name__ == "__main__":
    main()
