"""What the catalog import guards cost (issue 16 item 2): loading the shipped catalog (what
an import did before), against the seal check (unsigned and Ed25519-signed) and the removals
check (one query in the import's write transaction), in the same process on the same files.

    .venv/bin/python -m bench.catalog_seal

Best of 5 runs each; the seal is written into a temporary copy of the catalog.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import Session

from registry.catalog.loader import load_catalog
from registry.catalog.seal import seal, verify
from registry.store.catalog_rows import removals
from registry.store.repository import Store

ROOT = Path(__file__).resolve().parents[1]
RUNS = 5


def best(action: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def keys(directory: Path) -> tuple[Path, Path]:
    private = Ed25519PrivateKey.generate()
    key, pub = directory / "seal.pem", directory / "seal.pub.pem"
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    pub.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return key, pub


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "catalog"
        shutil.copytree(ROOT / "provider_catalog", root)
        catalog = load_catalog(root)
        load = best(lambda: load_catalog(root))
        seal(root, catalog)
        unsigned = best(lambda: verify(root, catalog))
        key, pub = keys(Path(tmp))
        seal(root, catalog, key)
        signed = best(lambda: verify(root, catalog, pub))
        store = Store(f"sqlite:///{Path(tmp) / 'bench.db'}")
        store.migrate()
        store.import_catalog(catalog, actor="bench")
        with Session(store.engine) as session:
            removed = best(lambda: removals(session, catalog))
        store.close()
    print(f"load the catalog (an import before):   {load * 1000:7.1f} ms")
    print(f"seal check, unsigned:                  {unsigned * 1000:7.1f} ms")
    print(f"seal check, Ed25519-signed:            {signed * 1000:7.1f} ms")
    print(f"removals check (SQLite):               {removed * 1000:7.1f} ms")
    total = load + signed + removed
    print(f"load + signed seal + removals: {total * 1000:.1f} ms ({total / load:.2f}x the load)")


if __name__ == "__main__":
    main()
