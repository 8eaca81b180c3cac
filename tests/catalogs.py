"""Small synthetic catalogs and policies written to a temporary directory for CLI tests."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


def write_synthetic(root: Path, providers: Mapping[str, str], policy: str) -> tuple[str, str]:
    """`root/catalog/providers/<id>.yaml` (each body after an `id:`/`name:` header) and
    `root/policy.yaml`; returns (policy path, catalog directory) as CLI arguments."""
    directory = root / "catalog" / "providers"
    directory.mkdir(parents=True)
    for pid, body in providers.items():
        (directory / f"{pid}.yaml").write_text(f"id: {pid}\nname: {pid}\n{body}")
    (root / "policy.yaml").write_text(policy)
    return str(root / "policy.yaml"), str(root / "catalog")
