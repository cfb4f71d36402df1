"""Request and response shapes of /organization/settings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import available_timezones

from pydantic import AfterValidator, BaseModel, Field

from contacts.api.schemas import StrictModel

Threshold = Annotated[float, Field(ge=0.0, le=1.0, strict=True)]  # a JSON boolean is not a threshold
DEFAULT_TIME_ZONE = "Asia/Tokyo"


def _known_zone(name: str) -> str:
    if name not in available_timezones():
        raise ValueError(f"unknown time zone {name!r}: send an IANA name such as Asia/Tokyo")
    return name


TimeZoneName = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_known_zone)]


class OrgSettingsUpdate(StrictModel):
    """Body of PATCH /organization/settings; ``review_threshold: null`` returns to the deployment default."""

    review_threshold: Threshold | None = Field(
        default=None, description="Field confidence below which a card waits for review (0 to 1)."
    )
    learn_corrections: bool | None = Field(
        default=None, description="Remember reviewers' corrections and apply them to later cards."
    )
    time_zone: TimeZoneName | None = Field(
        default=None,
        description="IANA time zone the organisation's reports count days, weeks and months in; "
        "null returns to Asia/Tokyo.",
    )


class OrgSettingsOut(BaseModel):
    review_threshold: float | None = Field(description="The organisation's own threshold; null: the default.")
    default_review_threshold: float = Field(description="The deployment's default (MEISHI_REVIEW_THRESHOLD).")
    effective_review_threshold: float = Field(description="The threshold cards are held to now.")
    learn_corrections: bool
    time_zone: str = Field(default=DEFAULT_TIME_ZONE, description="IANA name; analytics buckets follow it.")
    version: int
    updated_by: str | None
    updated_at: datetime | None
