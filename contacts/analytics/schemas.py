"""Query and response shapes of /analytics (the JSON shapes are a contract for integrations)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, Field, model_validator

from contacts.tags.schemas import ContactFilter
from contacts.touchpoints.schemas import Channel, Kind

Interval = Literal["day", "week", "month"]
Split = Literal["channel", "kind", "event", "campaign", "user"]
# The most buckets one request may ask for: a year of days, five years of weeks, ten years of months.
MAX_BUCKETS: dict[str, int] = {"day": 366, "week": 261, "month": 120}
# Dates a window may name: far enough for any history, near enough that every bound has a UTC instant.
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2999, 12, 31)


class AnalyticsWindow(ContactFilter):
    """Which touchpoints count: a window of local dates (both ends included, in the organisation's time zone),
    optionally narrowed to some kinds and channels, of the contacts any contact filter of GET /contacts selects."""

    date_from: date | None = Field(
        default=None,
        alias="from",
        ge=FIRST_DATE,
        le=LAST_DATE,
        description="First local date counted (default: see the interval).",
    )
    date_to: date | None = Field(
        default=None,
        alias="to",
        ge=FIRST_DATE,
        le=LAST_DATE,
        description="Last local date counted (default: today).",
    )
    kind: list[Kind] = Field(
        default_factory=list, max_length=15, description="Only touchpoints of these kinds."
    )
    channel: list[Channel] = Field(default_factory=list, max_length=4, description="Only these channels.")

    @model_validator(mode="before")
    @classmethod
    def _by_alias(cls, data: Any) -> Any:
        # The query parser keys values by field name; validate them under their public names (from, to).
        if isinstance(data, dict):
            renamed = {"date_from": "from", "date_to": "to"}
            return {renamed.get(k, k): v for k, v in data.items()}
        return data

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.date_from is not None and self.date_to is not None and self.date_to < self.date_from:
            raise ValueError("to must not be before from")
        return self


class TouchpointSeriesQuery(AnalyticsWindow):
    """Query of GET /analytics/touchpoints: the window is widened to whole buckets."""

    interval: Interval = "week"
    split_by: Split | None = Field(
        default=None, description="Count each bucket per channel, kind, event, ..."
    )


class FrequencyQuery(AnalyticsWindow):
    """Query of GET /analytics/touchpoints/frequency."""

    cap: int = Field(
        default=10, ge=2, le=100, description="The last class counts contacts touched cap or more times."
    )


class Series(BaseModel):
    key: str | None = Field(description="The channel, kind, or event/campaign/user id; null: none of them.")
    label: str = Field(description="The key, or the event's, campaign's or user's name.")
    touchpoints: int = Field(description="Touchpoints of this key in the whole window.")


class Bucket(BaseModel):
    start: date = Field(description="The bucket's first local date (a Monday for weeks, the 1st for months).")
    touchpoints: int
    contacts: int = Field(description="Distinct contacts touched in the bucket.")
    counts: list[int] = Field(description="Touchpoints per series, in the order of ``series``.")


class TouchpointSeries(BaseModel):
    interval: Interval
    time_zone: str = Field(description="The organisation's time zone the buckets are counted in.")
    date_from: date = Field(serialization_alias="from", description="First local date counted.")
    date_to: date = Field(serialization_alias="to", description="Last local date counted.")
    split_by: Split | None
    series: list[Series]
    buckets: list[Bucket] = Field(description="Every bucket of the window in order, empty ones with zeros.")
    touchpoints: int
    contacts: int = Field(description="Distinct contacts touched in the whole window.")


class FrequencyClass(BaseModel):
    touches: str = Field(description='How many times: "1", "2", ... and "<cap>+" for the last class.')
    min_touches: int
    contacts: int


class Frequency(BaseModel):
    time_zone: str
    date_from: date = Field(serialization_alias="from")
    date_to: date = Field(serialization_alias="to")
    cap: int
    classes: list[FrequencyClass]
    contacts: int = Field(description="Distinct contacts touched at least once.")
    touchpoints: int
    untouched: int = Field(description="Contacts the filter selects that were not touched in the window.")


class SourceOut(BaseModel):
    id: str
    name: str
    starts_at: datetime | None
    touchpoints: int = Field(description="Touchpoints through it in the window.")
    contacts: int = Field(description="Distinct contacts reached through it in the window.")
    new_contacts: int = Field(
        description="Contacts whose first touchpoint ever was through it, within the window (first touch)."
    )
    cost: int | None
    currency: str
    cost_per_new_contact: float | None


class CampaignSourceOut(SourceOut):
    converted: int = Field(description="Members converted (all members, not only the filter's).")
    revenue: int = Field(description="Sum of the converted members' value.")
    roi: float | None = Field(description="(revenue - cost) / cost; null without a cost above 0.")


class Acquisition(BaseModel):
    time_zone: str
    date_from: date = Field(serialization_alias="from")
    date_to: date = Field(serialization_alias="to")
    events: list[SourceOut]
    campaigns: list[CampaignSourceOut]
