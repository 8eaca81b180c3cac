"""Small synthetic catalogs and policies written to a temporary directory for CLI tests."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

# The shipped Vertex regions in the EEA whose only unknown fact for EU confidential is prompt
# retention, so a provider-level retention answer permits exactly these (google-vertex/eu and
# eu-rep also lack storage countries, europe-west6 its inference countries; global is ANY).
VERTEX_EEA_REGIONS: tuple[str, ...] = tuple(
    f"google-vertex/{r}"
    for r in (
        "europe-central2",
        "europe-north1",
        "europe-southwest1",
        "europe-west1",
        "europe-west3",
        "europe-west4",
        "europe-west8",
        "europe-west9",
    )
)


def write_synthetic(root: Path, providers: Mapping[str, str], policy: str) -> tuple[str, str]:
    """`root/catalog/providers/<id>.yaml` (each body after an `id:`/`name:` header) and
    `root/policy.yaml`; returns (policy path, catalog directory) as CLI arguments."""
    directory = root / "catalog" / "providers"
    directory.mkdir(parents=True)
    for pid, body in providers.items():
        (directory / f"{pid}.yaml").write_text(f"id: {pid}\nname: {pid}\n{body}")
    (root / "policy.yaml").write_text(policy)
    return str(root / "policy.yaml"), str(root / "catalog")
