"""Where an attested fact comes from: one entry of one org's attestations (SPEC §9)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True, slots=True)
class Attested:
    """The attestation entry that set a fact for one org: its file and line, the document
    that establishes it, its trust, when it was signed and when it expires."""

    file: str
    line: int | None
    document: str
    trust: str
    signed: date
    expires: date
    url: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "document": self.document,
            "expires": self.expires.isoformat(),
            "trust": self.trust,
            "signed": self.signed.isoformat(),
            "url": self.url,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Attested:
        """The entry `to_json` wrote (a registry's answer, read back by the CLI)."""
        return cls(
            doc["file"],
            doc.get("line"),
            doc["document"],
            doc["trust"],
            date.fromisoformat(doc["signed"]),
            date.fromisoformat(doc["expires"]),
            doc.get("url"),
        )

    def note(self) -> str:
        """How text output names the attestation behind a reason."""
        return (
            f'attested by "{self.document}" ({self.file}:{self.line}, {self.trust}, '
            f"expires {self.expires.isoformat()})"
        )
