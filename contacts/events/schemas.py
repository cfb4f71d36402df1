"""Event and campaign request and response schemas (the JSON shapes of design.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Self

from pydantic import BaseModel, Field, model_validator

from contacts.api.schemas import AwareDatetime, ListQuery, Long, Name, Short, StrictModel

EventKind = Literal["trade_show", "seminar", "webinar", "meeting", "other"]


class _Period(StrictModel):
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _ends_after_start(self) -> Self:
        if self.starts_at is not None and self.ends_at is not None and self.ends_at < self.starts_at:
            raise ValueError("ends_at must not be before starts_at")
        return self


class EventCreate(_Period):
    """Body of POST /events; the event's tag (kind "event", same name) is created or reused."""

    name: Name
    kind: EventKind = "other"
    venue: Short | None = None


class EventUpdate(_Period):
    """Body of PATCH /events/{id}: only the fields sent change; a new name renames the event's tag."""

    name: Name | None = None
    kind: EventKind | None = None
    venue: Short | None = None


class TagRef(BaseModel):
    id: str
    name: str


class EventOut(BaseModel):
    id: str
    name: str
    kind: EventKind
    starts_at: datetime | None
    ends_at: datetime | None
    venue: str | None
    tag: TagRef | None = Field(description="The tag put on contacts met at the event.")
    version: int
    created_at: datetime
    updated_at: datetime


class EventPage(BaseModel):
    items: list[EventOut]
    next_cursor: str | None


class EventListQuery(ListQuery):
    """Filters of GET /events: ``q`` matches part of the name; starts_from/starts_to bound starts_at."""

    q: str | None = Field(default=None, max_length=200)
    kind: EventKind | None = None
    starts_from: AwareDatetime | None = None
    starts_to: AwareDatetime | None = None


class CampaignCreate(_Period):
    """Body of POST /campaigns; the campaign's tag (kind "campaign", same name) is created or reused."""

    name: Name
    description: Long | None = None


class CampaignUpdate(_Period):
    """Body of PATCH /campaigns/{id}: only the fields sent change; a new name renames the campaign's tag."""

    name: Name | None = None
    description: Long | None = None


class CampaignOut(BaseModel):
    id: str
    name: str
    description: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    tag: TagRef | None
    created_at: datetime
    updated_at: datetime


class CampaignPage(BaseModel):
    items: list[CampaignOut]
    next_cursor: str | None


class CampaignListQuery(ListQuery):
    """Filters of GET /campaigns: ``q`` matches part of the name."""

    q: str | None = Field(default=None, max_length=200)
