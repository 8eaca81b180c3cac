"""Field types shared by the catalog and policy schemas (pydantic, strict mode)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from registry.countries import BUILTIN_GROUPS, ISO_3166_1_ALPHA2

TRUST_ORDER: tuple[str, ...] = ("inferred", "secondary", "self-declared", "contractual", "audited")

Trust = Literal["inferred", "secondary", "self-declared", "contractual", "audited"]
Training = Literal["never", "opt-in", "opt-out", "always", "unknown"]
GpuOwnership = Literal["owned", "leased", "mixed", "unknown"]
Zdr = Literal["default", "available", "unavailable", "unknown"]
TlsTermination = Literal["provider", "cdn", "hyperscaler", "unknown"]
Quantization = Literal["fp32", "bf16", "fp16", "fp8", "int8", "int4", "unknown"]


class StrictModel(BaseModel):
    """Base of every file schema: unknown keys rejected, no type coercion, immutable."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _parse_date(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a date; write YYYY-MM-DD") from None
    return value


def _check_country(value: str) -> str:
    if value not in ISO_3166_1_ALPHA2:
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code (e.g. DE, US)")
    return value


def _check_country_or_builtin_group(value: str) -> str:
    if value not in ISO_3166_1_ALPHA2 and value not in BUILTIN_GROUPS:
        raise ValueError(
            f"{value!r} is neither an ISO 3166-1 alpha-2 code nor a built-in group (EU, EEA, ANY)"
        )
    return value


IsoDate = Annotated[date, BeforeValidator(_parse_date)]
Country = Annotated[str, AfterValidator(_check_country)]
CountryOrGroup = Annotated[str, AfterValidator(_check_country_or_builtin_group)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
Label = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(max_length=4000)]
Days = Annotated[int, Field(ge=0, le=36500)]
