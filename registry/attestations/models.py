"""Attestations file schema (SPEC §9): entries of facts one org knows, each with its document."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, model_validator

from registry.catalog.models import Facts
from registry.schema_types import IsoDate, Label, Slug, StrictModel

TargetId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}(/[a-z0-9][a-z0-9-]{0,62})?$")]
Url = Annotated[str, Field(pattern=r"^https?://[^\s]+$", max_length=2000)]
# An org's own knowledge is at best what it signed or audited; `self-declared` is a vendor's
# answer to a questionnaire.
AttestedTrust = Literal["contractual", "audited", "self-declared"]


class AttestationEntry(StrictModel):
    """Facts one org knows about one provider or deployment, and the document behind them."""

    target: TargetId
    facts: Facts | None = None
    signed_contracts: list[Slug] | None = None
    document: Annotated[str, Field(min_length=3, max_length=300)]
    url: Url | None = None
    trust: AttestedTrust
    signed: IsoDate
    expires: IsoDate
    approved_by: Label

    @model_validator(mode="after")
    def _dates_and_content(self) -> AttestationEntry:
        if self.expires < self.signed:
            raise ValueError(
                f"expires {self.expires} is before signed {self.signed}; fix one of the dates"
            )
        if self.facts is None and self.signed_contracts is None:
            raise ValueError("the entry sets nothing; add facts or signed_contracts")
        return self

    def in_effect(self, as_of: date) -> bool:
        """Signed on or before `as_of` and not expired (the expiry day still counts)."""
        return self.signed <= as_of <= self.expires


class AttestationsFile(StrictModel):
    attestations: Slug
    org: Slug
    entries: list[AttestationEntry] = []
