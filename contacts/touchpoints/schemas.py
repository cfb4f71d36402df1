"""Touchpoint request and response schemas (the JSON shapes of design.md)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from contacts.api.schemas import AwareDatetime, Id, ListQuery, Long, Short, StrictModel, text

MAX_BULK = 1000

Kind = Literal[
    "card_exchange",
    "meeting",
    "visit",
    "call",
    "email",
    "web_inquiry",
    "document_request",
    "seminar",
    "webinar",
    "trade_show",
    "direct_mail",
    "chat",
    "sns",
    "store_visit",
    "import",
    "other",
]
Channel = Literal["offline", "online", "o2o", "omo"]
ApiSource = Literal["api", "import", "manual"]
Source = Literal["card", "api", "import", "manual"]

if TYPE_CHECKING:
    CompanyNameAtTime = str
    ExternalId = str
else:
    CompanyNameAtTime = text(300)
    ExternalId = text(200, min_length=1)


class _TouchpointFields(StrictModel):
    channel: Channel | None = Field(default=None, description="Defaults from the kind (offline or online).")
    event_id: Id | None = None
    campaign_id: Id | None = None
    user_id: Id | None = Field(default=None, description="Our user in the exchange; defaults to the caller.")
    location: Short | None = None
    summary: Long | None = None
    company_name_at_time: CompanyNameAtTime | None = None
    title_at_time: Short | None = None
    external_id: ExternalId | None = Field(default=None, description="Unique per organisation; a CRM's id.")


class TouchpointCreate(_TouchpointFields):
    """Body of POST /touchpoints; the company and title at the time default to the contact's current ones."""

    contact_id: Id
    kind: Kind
    occurred_at: AwareDatetime
    source: ApiSource = "api"
    bulk: bool = Field(
        default=False,
        description="Part of a mass sending (a newsletter): does not make its user know the person.",
    )


class TouchpointBulkCreate(_TouchpointFields):
    """Body of POST /touchpoints/bulk: one touchpoint per contact, all marked bulk."""

    contact_ids: list[Id] = Field(min_length=1, max_length=MAX_BULK)
    kind: Kind
    occurred_at: AwareDatetime
    source: ApiSource = "api"
    external_id: None = Field(default=None, description="Not with bulk touchpoints.")


class TouchWarning(BaseModel):
    code: Literal["over_contacted"]
    message: str
    contact_id: str
    rule: dict[str, Any]


class TouchpointUpdate(_TouchpointFields):
    """Body of PATCH /touchpoints/{id}: only the fields sent change."""

    kind: Kind | None = None
    occurred_at: AwareDatetime | None = None


class TouchpointOut(BaseModel):
    id: str
    contact_id: str
    user_id: str | None
    company_id: str | None
    occurred_at: datetime
    kind: Kind
    channel: Channel
    event_id: str | None
    campaign_id: str | None
    card_id: str | None
    location: str | None
    summary: str | None
    source: Source
    external_id: str | None
    company_name_at_time: str | None
    title_at_time: str | None
    bulk: bool = False
    version: int
    created_at: datetime
    updated_at: datetime


class TouchpointCreated(TouchpointOut):
    warnings: list[TouchWarning] = Field(
        default_factory=list, description="Contact-frequency rules the touchpoint breaks (it is recorded)."
    )


class TouchpointBulkResult(BaseModel):
    created: int
    touchpoint_ids: list[str]
    warnings: list[TouchWarning]


class TouchpointPage(BaseModel):
    items: list[TouchpointOut]
    next_cursor: str | None


class TimelineQuery(ListQuery):
    """Filters of a contact's timeline: kind, channel and an occurred_at window (from inclusive, to exclusive)."""

    kind: list[Kind] = Field(default_factory=list, max_length=15)
    channel: Channel | None = None
    occurred_from: AwareDatetime | None = None
    occurred_to: AwareDatetime | None = None


class TouchpointListQuery(TimelineQuery):
    """Filters of GET /touchpoints, newest first."""

    contact_id: Id | None = None
    company_id: Id | None = None
    user_id: Id | None = None
    event_id: Id | None = None
    campaign_id: Id | None = None
    external_id: str | None = Field(default=None, max_length=200)


class RelationshipQuery(StrictModel):
    """The recent window the ``in_window`` counts cover."""

    window_days: int = Field(default=90, ge=1, le=3650)


class CountByKey(BaseModel):
    key: str
    total: int
    in_window: int


class TouchpointSummary(BaseModel):
    total: int
    in_window: int = Field(description="Touchpoints within the last window_days.")
    first_at: datetime | None
    last_at: datetime | None
    last_kind: str | None
    last_channel: str | None
    by_kind: list[CountByKey]
    by_channel: list[CountByKey]


class Acquaintance(BaseModel):
    """One of our users who met the person or company, with how often and how recently."""

    user_id: str
    name: str
    email: str
    active: bool
    touchpoints: int
    in_window: int
    first_at: datetime
    last_at: datetime


class KnownContact(BaseModel):
    """A person we met at the company; ``still_there`` is false once they moved on (or were merged away)."""

    contact_id: str
    full_name: str
    title: str | None
    still_there: bool
    touchpoints: int
    in_window: int
    first_at: datetime
    last_at: datetime


class ContactRelationship(BaseModel):
    contact_id: str
    as_of: datetime
    window_days: int
    touchpoints: TouchpointSummary
    known_by: list[Acquaintance] = Field(description="Our users who met the person, most recent first.")


class CompanyRelationship(BaseModel):
    company_id: str
    as_of: datetime
    window_days: int
    touchpoints: TouchpointSummary
    known_by: list[Acquaintance] = Field(description="Our users who met someone there, most recent first.")
    contacts: list[KnownContact] = Field(description="Up to 50 people we met there, most recent first.")
