"""Sealed catalog bundles: a manifest of every catalog file's SHA-256, the counts and the
catalog revision, optionally signed with Ed25519 (as OPA seals its bundles).

    DIR/catalog.manifest.json   {"format", "revision", "counts", "files": {path: sha256}}
    DIR/catalog.manifest.sig    base64 Ed25519 signature of the manifest's exact bytes

The seal covers the files the loaders read: `providers/*.yaml|yml` and `reviews/*.yaml|yml`
(not `__init__.py`, caches or anything else in the directory). An unsigned seal proves the
bundle is complete and unchanged since it was sealed (a cut or missing file is refused); a
signature checked with `--verify-key` proves who sealed it. Keys are PEM files as
`openssl genpkey -algorithm ed25519` writes them (private: PKCS#8; public: SubjectPublicKeyInfo).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from registry.catalog.facts import targets
from registry.catalog.loader import Catalog
from registry.codes import Code
from registry.errors import CatalogError, Problem

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

MANIFEST = "catalog.manifest.json"
SIGNATURE = "catalog.manifest.sig"
FORMAT = "clearance-catalog-seal/1"
SEALED_DIRS = ("providers", "reviews")
SUFFIXES = (".yaml", ".yml")
MISMATCH = Code.C011
UNSIGNED = Code.C012


@dataclass(frozen=True)
class Seal:
    """A verified (or freshly written) manifest: revision, counts, and whether it is signed."""

    revision: str
    counts: Mapping[str, int]
    signed: bool


def sealed_files(root: Path) -> dict[str, bytes]:
    """The bytes of every file the seal covers, by path relative to `root` (POSIX)."""
    found: dict[str, bytes] = {}
    for name in SEALED_DIRS:
        directory = root / name
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            if path.suffix in SUFFIXES and path.is_file():
                found[f"{name}/{path.name}"] = path.read_bytes()
    return found


def counts_of(catalog: Catalog, files: Mapping[str, bytes]) -> dict[str, int]:
    return {
        "providers": len(catalog.providers),
        "deployments": len(targets(catalog)),
        "files": len(files),
    }


def manifest_bytes(catalog: Catalog, files: Mapping[str, bytes]) -> bytes:
    document = {
        "format": FORMAT,
        "revision": catalog.revision,
        "counts": counts_of(catalog, files),
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
    }
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()


def seal(root: Path, catalog: Catalog, key: Path | None = None) -> Seal:
    """Write the manifest for `catalog` (loaded from `root`), and its signature with the
    Ed25519 private key in `key`; without a key an old signature file is removed."""
    files = sealed_files(root)
    data = manifest_bytes(catalog, files)
    signature = None if key is None else _sign(key, data)
    (root / MANIFEST).write_bytes(data)
    if signature is None:
        (root / SIGNATURE).unlink(missing_ok=True)
    else:
        (root / SIGNATURE).write_text(base64.b64encode(signature).decode() + "\n")
    return Seal(catalog.revision, counts_of(catalog, files), signature is not None)


def verify(root: Path, catalog: Catalog, verify_key: Path | None = None) -> Seal | None:
    """Check the seal of `root` against its files and the loaded `catalog`; None when the
    directory has no manifest and no key is given (an unsealed bundle). Raises CatalogError
    (CLR-C011 manifest mismatch, CLR-C012 signature missing or wrong) naming each problem."""
    manifest, signature = root / MANIFEST, root / SIGNATURE
    return check(
        str(root),
        manifest.read_bytes() if manifest.is_file() else None,
        signature.read_text(errors="replace") if signature.is_file() else None,
        sealed_files(root),
        catalog,
        None if verify_key is None else public_key(verify_key),
    )


def check(
    root: str,
    data: bytes | None,
    signature: str | None,
    files: Mapping[str, bytes],
    catalog: Catalog,
    public: Ed25519PublicKey | None,
    scope: tuple[str, ...] = SEALED_DIRS,
) -> Seal | None:
    """`verify` on a bundle in memory: the manifest's bytes, the signature file's text and
    the files by relative path. `scope` limits the check to the manifest's entries in those
    directories (an upload of providers/ only); the file count is compared only in full."""
    manifest = f"{root}/{MANIFEST}"
    if data is None:
        if public is None:
            return None
        raise _error(UNSIGNED, f"{root} is not sealed (no {MANIFEST})", root, manifest)
    if public is not None:
        _check_signature(root, data, signature, public)
    document = _parse(root, manifest, data)
    listed = {k: v for k, v in document["files"].items() if k.split("/")[0] in scope}
    problems = _file_problems(root, listed, files)
    counts = counts_of(catalog, files)
    if scope != SEALED_DIRS:
        counts.pop("files")
        listed_counts = document.get("counts")
        if isinstance(listed_counts, dict):
            document["counts"] = {k: v for k, v in listed_counts.items() if k in counts}
    for field, value in {"revision": catalog.revision, "counts": counts}.items():
        if not problems and document.get(field) != value:
            problems.append(
                _problem(f"the manifest's {field} is {document.get(field)}, not {value}", root)
            )
    if problems:
        raise CatalogError(_with_file(problems, manifest))
    return Seal(catalog.revision, counts_of(catalog, files), public is not None)


def load_verified(root: Path, verify_key: Path | None = None) -> Catalog:
    """Load a catalog directory and check its seal (see `verify`): what a server seeds."""
    from registry.catalog.loader import load_catalog

    catalog = load_catalog(root)
    verify(root, catalog, verify_key)
    return catalog


def public_key(path: Path) -> Ed25519PublicKey:
    """The Ed25519 public key in a PEM file; CatalogError (CLR-C012) if it is not one."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        public = load_pem_public_key(path.read_bytes())
    except (OSError, ValueError, TypeError) as err:
        raise _key_error(path, f"cannot read the public key {path} ({err})") from None
    if not isinstance(public, Ed25519PublicKey):
        raise _key_error(path, f"{path} is not an Ed25519 public key")
    return public


def _remedy(root: str) -> str:
    return (
        "restore the bundle as it was sealed; if the change is meant, re-seal it:"
        f" clearance catalog seal {root}"
    )


def _problem(message: str, root: str, code: str = MISMATCH) -> Problem:
    return Problem(code, message, _remedy(root))


def _with_file(problems: list[Problem], manifest: str) -> list[Problem]:
    return [Problem(p.code, p.message, p.remedy, manifest) for p in problems]


def _error(code: str, message: str, root: str, where: str) -> CatalogError:
    remedy = f"seal it with the private key: clearance catalog seal {root} --key KEY.pem"
    return CatalogError([Problem(code, message, remedy, where)])


def _parse(root: str, manifest: str, data: bytes) -> dict[str, Any]:
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise CatalogError(
            _with_file([_problem(f"the manifest is not JSON ({err})", root)], manifest)
        ) from None
    if not (
        isinstance(document, dict)
        and document.get("format") == FORMAT
        and isinstance(document.get("files"), dict)
    ):
        raise CatalogError(
            _with_file([_problem(f"the manifest is not a {FORMAT} manifest", root)], manifest)
        )
    return dict(document)


def _file_problems(
    root: str, listed: Mapping[str, Any], present: Mapping[str, bytes]
) -> list[Problem]:
    problems = [_problem(f"{name} is sealed but missing", root) for name in listed.keys() - present]
    problems += [_problem(f"{name} is not in the seal", root) for name in present.keys() - listed]
    for name in sorted(listed.keys() & present.keys()):
        if hashlib.sha256(present[name]).hexdigest() != listed[name]:
            problems.append(_problem(f"{name} differs from the sealed file (SHA-256)", root))
    return sorted(problems, key=lambda p: p.message)


def _sign(key: Path, data: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        private = load_pem_private_key(key.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as err:
        raise _key_error(key, f"cannot read the private key {key} ({err})") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise _key_error(key, f"{key} is not an Ed25519 private key")
    return private.sign(data)


def _check_signature(
    root: str, data: bytes, signature: str | None, public: Ed25519PublicKey
) -> None:
    from cryptography.exceptions import InvalidSignature

    where = f"{root}/{SIGNATURE}"
    if signature is None:
        raise _error(UNSIGNED, f"{root} is sealed but not signed (no {SIGNATURE})", root, where)
    try:
        public.verify(base64.b64decode(signature.strip(), validate=True), data)
    except (InvalidSignature, binascii.Error, ValueError):
        raise _error(
            UNSIGNED,
            f"the signature in {SIGNATURE} does not match the manifest and the verify key",
            root,
            where,
        ) from None


def _key_error(key: Path, message: str) -> CatalogError:
    remedy = (
        "give a PEM Ed25519 key: openssl genpkey -algorithm ed25519 -out seal.pem;"
        " openssl pkey -in seal.pem -pubout -out seal.pub.pem"
    )
    return CatalogError([Problem(UNSIGNED, message, remedy, str(key))])
