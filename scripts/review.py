"""The second reader's scope review (docs/catalog.md): export what to review, record verdicts.

    python scripts/review.py items [--catalog DIR] [PROVIDER...] > items.json
    python scripts/review.py record verdicts.json [--catalog DIR]

`items` lists, for every set high-stakes fact without a verdict on its current value and
quote, one item per quote: the fact, its value, what it means, where it applies, the URL and
the quote — nothing else, so a reader judges the quote alone. `record` reads a JSON list of
`{"id": ..., "verdict": "supported|broader|unrelated", "note": "..."}` for those items and
appends the verdicts to `<catalog>/reviews/<provider>.yaml`.
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
from registry.catalog.reviews import VERDICTS, ReviewItem, digest, load_reviews, review_items


def _items(catalog_dir: Path, providers: list[str]) -> list[ReviewItem]:
    catalog = load_catalog(catalog_dir)
    done = load_reviews(catalog_dir)
    return [
        item
        for pid, provider in sorted(catalog.providers.items())
        if not providers or pid in providers
        for item in review_items(provider)
        if item.key not in done
    ]


def _item_id(item: ReviewItem) -> str:
    return digest("|".join(item.key))


def export(catalog_dir: Path, providers: list[str]) -> None:
    rows = [
        {
            "id": _item_id(item),
            "fact": item.fact,
            "value": item.value,
            "meaning": item.meaning,
            "applies_to": item.scope,
            "url": item.url,
            "quote": item.quote,
        }
        for item in _items(catalog_dir, providers)
    ]
    json.dump(rows, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


def record(catalog_dir: Path, verdicts_file: Path, today: date) -> None:
    verdicts: list[dict[str, Any]] = json.loads(verdicts_file.read_text())
    by_id = {_item_id(item): item for item in _items(catalog_dir, [])}
    per_provider: dict[str, list[dict[str, Any]]] = {}
    for verdict in verdicts:
        item = by_id.get(verdict["id"])
        if item is None:
            print(f"skipped {verdict['id']}: no such open item", file=sys.stderr)
            continue
        if verdict["verdict"] not in VERDICTS:
            raise SystemExit(f"{verdict['id']}: verdict must be one of {', '.join(VERDICTS)}")
        provider = item.target.split("/")[0].split("@")[0]
        entry: dict[str, Any] = {
            "target": item.target,
            "fact": item.fact,
            "value": item.value,
            "url": item.url,
            "quote_sha256": digest(item.quote),
            "verdict": verdict["verdict"],
            "reviewed": today.isoformat(),
        }
        if verdict.get("note"):
            entry["note"] = str(verdict["note"])
        per_provider.setdefault(provider, []).append(entry)
    directory = catalog_dir / "reviews"
    directory.mkdir(exist_ok=True)
    for provider, entries in sorted(per_provider.items()):
        path = directory / f"{provider}.yaml"
        document = yaml.safe_load(path.read_text()) if path.exists() else None
        document = document or {"provider": provider, "reviews": []}
        document["reviews"].extend(entries)
        header = "# Second reader's scope review of high-stakes facts (docs/catalog.md).\n"
        path.write_text(header + yaml.safe_dump(document, sort_keys=False, width=100))
        print(f"{path}: {len(entries)} verdict(s) recorded")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["items", "record"])
    parser.add_argument("args", nargs="*")
    parser.add_argument("--catalog", type=Path, default=Path("provider_catalog"))
    parser.add_argument("--date", type=date.fromisoformat, default=date.today())
    options = parser.parse_args()
    if options.command == "items":
        export(options.catalog, options.args)
    else:
        record(options.catalog, Path(options.args[0]), options.date)


if __name__ == "__main__":
    main()
