"""API keys: `clr_<id>_<secret>`, 256 random bits, stored only as a SHA-256 digest.

The public `id` (12 hex characters) names the key in listings and audit entries and finds
its row; the secret is checked by comparing digests in constant time. Keys are random
256-bit values, so a fast hash is enough (there is no password to brute-force).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

PREFIX = "clr_"
_KEY = re.compile(r"^clr_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class Principal:
    """Who is calling: an authenticated key, its org (`*` for catalog-admins) and role."""

    key_id: str
    org: str
    role: str


@dataclass(frozen=True)
class NewKey:
    """A key just made: `raw` is shown once and never stored."""

    id: str
    raw: str
    digest: str


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def generate() -> NewKey:
    key_id = secrets.token_hex(6)
    raw = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    return NewKey(key_id, raw, digest(raw))


def key_id_of(raw: str) -> str | None:
    """The id inside a well-formed key, or None (then the key is refused unread)."""
    match = _KEY.match(raw)
    return match.group(1) if match else None


def matches(raw: str, stored_digest: str) -> bool:
    """Constant-time comparison of the presented key's digest with the stored one."""
    return hmac.compare_digest(digest(raw).encode(), stored_digest.encode())


def bearer(header: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
