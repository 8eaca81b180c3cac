"""Service settings: explicit values, built by the CLI (or tests), never at import time."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from registry.api.admission import MAX_INFLIGHT
from registry.store.db import data_dir, default_url


@dataclass(frozen=True)
class Settings:
    database_url: str
    max_staleness: float = 300.0  # seconds a snapshot may go unconfirmed before 503
    poll_interval: float = 0.5  # seconds between store generation checks
    seed_catalog: Path | None = None  # imported when the store holds no catalog
    seed_policies: Path | None = None  # imported (org `seed_org`) when the store holds none
    seed_org: str = "example"
    cache_control: str = "private, max-age=0, must-revalidate"
    max_body: int = 1024 * 1024  # bytes; larger request bodies get 413 unread
    rate_limit: float = 100.0  # requests per second per API key (0 = no limit)
    rate_burst: float = 200.0  # requests a key may send at once before the rate applies
    bootstrap_key_file: Path | None = None  # first run: an admin key for seed_org goes here
    max_inflight: int = MAX_INFLIGHT  # requests in flight before 503 + Retry-After (0 = no bound)
    # Ed25519 public key (PEM): the seed catalog and every POST /v1/catalog must carry a seal
    # signed with its private key (registry/catalog/seal.py)
    catalog_verify_key: Path | None = None

    @classmethod
    def from_env(cls, database: str | None = None, **overrides: object) -> Settings:
        url = database or os.environ.get("DATABASE_URL") or default_url(data_dir())
        return cls(database_url=url, **overrides)  # type: ignore[arg-type]
