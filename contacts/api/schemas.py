"""Schema building blocks shared by every resource: strict input models and common types."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

# The date and time as RFC 3339 writes them; pydantic alone would also read "0.5" as a Unix time.
_RFC3339_START = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _rfc3339_text(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _RFC3339_START.match(value.strip()):
        raise ValueError("expected an RFC 3339 date-time, e.g. 2026-11-24T10:00:00+09:00")
    return value


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timestamps need an offset (RFC 3339), e.g. 2026-11-24T10:00:00+09:00")
    try:
        value.astimezone(UTC)
    except OverflowError as e:  # 0001-01-01T00:00:00+14:00 is before the first representable instant
        raise ValueError("the timestamp is out of range in UTC") from e
    return value


AwareDatetime = Annotated[datetime, BeforeValidator(_rfc3339_text), AfterValidator(_aware)]
Limit = Annotated[int, Field(ge=1, le=500)]


def _no_control(value: str) -> str:
    if any(ord(c) < 32 and c not in "\t\n\r" for c in value) or "\x7f" in value:
        raise ValueError("control characters are not allowed")
    return value


def text(max_length: int, *, min_length: int = 0) -> object:
    """Annotated string type with length bounds that refuses control characters."""
    return Annotated[str, Field(min_length=min_length, max_length=max_length), AfterValidator(_no_control)]


Short = Annotated[str, Field(max_length=400), AfterValidator(_no_control)]
Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_no_control)]
Long = Annotated[str, Field(max_length=20_000), AfterValidator(_no_control)]
Url = Annotated[str, Field(max_length=2000), AfterValidator(_no_control)]
Id = Annotated[str, Field(min_length=1, max_length=64)]


class StrictModel(BaseModel):
    """Input model: unknown fields are errors, strings are stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OutModel(BaseModel):
    """Output model."""

    model_config = ConfigDict(from_attributes=True)


class ListQuery(StrictModel):
    """Common list parameters."""

    limit: Limit = 50
    cursor: Annotated[str, Field(max_length=2000)] | None = None
