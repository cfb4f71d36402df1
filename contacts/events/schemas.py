"""Event and campaign request and response schemas (the JSON shapes of design.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, Field, model_validator

from contacts.api.schemas import AwareDatetime, ListQuery, Long, Name, Short, StrictModel
from contacts.people.schemas import CompanyRef
from contacts.tags.schemas import TagContactsIn

EventKind = Literal["trade_show", "seminar", "webinar", "meeting", "other"]
CampaignChannel = Literal["email", "phone", "postal_mail", "other"]
MemberStatus = Literal["planned", "sent", "opened", "responded", "attended", "converted", "unsubscribed"]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. JPY")]
# The cost and value columns are 32-bit integers.
Cost = Annotated[int, Field(ge=0, le=2**31 - 1, description="Whole units of the campaign's currency")]


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
    cost: Cost | None = Field(
        default=None, description="What the event cost (booth, travel), for cost per lead."
    )
    currency: Currency = "JPY"


class EventUpdate(_Period):
    """Body of PATCH /events/{id}: only the fields sent change; a new name renames the event's tag."""

    name: Name | None = None
    kind: EventKind | None = None
    venue: Short | None = None
    cost: Cost | None = None
    currency: Currency | None = None


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
    cost: int | None = None
    currency: str = "JPY"
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
    cost: Cost | None = None
    currency: Currency = "JPY"
    channel: CampaignChannel = Field(
        default="other",
        description="What the campaign reaches people through; adding members skips contacts opted out of "
        "it or of all channels (other: only of all).",
    )


class CampaignUpdate(_Period):
    """Body of PATCH /campaigns/{id}: only the fields sent change; a new name renames the campaign's tag."""

    name: Name | None = None
    description: Long | None = None
    cost: Cost | None = None
    currency: Currency | None = None
    channel: CampaignChannel | None = None


class CampaignOut(BaseModel):
    id: str
    name: str
    description: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    tag: TagRef | None
    cost: int | None
    currency: str
    channel: CampaignChannel = "other"
    member_count: int
    created_at: datetime
    updated_at: datetime


class CampaignPage(BaseModel):
    items: list[CampaignOut]
    next_cursor: str | None


class CampaignListQuery(ListQuery):
    """Filters of GET /campaigns: ``q`` matches part of the name."""

    q: str | None = Field(default=None, max_length=200)


class MembersIn(TagContactsIn):
    """Body of POST /campaigns/{id}/members: contacts by ``contact_ids`` or ``filter``, and their status.

    New members get ``status`` (default planned); existing members move to ``status`` only when it is sent,
    and only forward along the funnel unless ``force``; ``unsubscribed`` always stands.
    """

    status: MemberStatus | None = None
    force: bool = Field(default=False, description="Move existing members back along the funnel too.")
    exclude_over_contacted: bool = Field(
        default=False, description="Do not add contacts that break a contact-frequency rule now."
    )
    tag_members: bool = Field(
        default=False,
        description="Also put the campaign's tag on the selected members (added or already there).",
    )


class MembersRemove(TagContactsIn):
    """Body of DELETE /campaigns/{id}/members: exactly one of ``contact_ids`` or ``filter``."""


class MembersResult(BaseModel):
    campaign_id: str
    added_ids: list[str]
    updated_ids: list[str] = Field(description="Members already there whose status changed.")
    removed_ids: list[str]
    moved: int = Field(default=0, description="Existing members whose status changed.")
    kept: int = Field(default=0, description="Existing members left as they were (already at the status).")
    skipped: int = Field(
        default=0,
        description="Members not moved (the funnel only goes forward without force; unsubscribed stands) "
        "and contacts not added (opted out or over-contacted, see below).",
    )
    skipped_opted_out: int = Field(default=0, description="Contacts not added: opted out of the channel.")
    skipped_over_contacted: int = Field(
        default=0, description="Contacts not added: over-contacted (with exclude_over_contacted)."
    )


class MemberUpdate(StrictModel):
    """Body of PATCH /campaigns/{id}/members/{contact_id}."""

    status: MemberStatus
    value: Cost | None = Field(
        default=None,
        description="What the conversion was worth (campaign currency); only with status converted.",
    )
    force: bool = Field(
        default=False, description="Allow moving back along the funnel (never out of unsubscribed)."
    )


class MemberOut(BaseModel):
    campaign_id: str
    contact_id: str
    full_name: str
    company: CompanyRef | None
    status: MemberStatus
    status_at: datetime
    added_at: datetime
    added_by: str | None
    version: int
    value: int | None = Field(default=None, description="What the conversion was worth (campaign currency).")


class MemberPage(BaseModel):
    items: list[MemberOut]
    next_cursor: str | None


class MemberListQuery(ListQuery):
    """Filters of GET /campaigns/{id}/members: ``status`` is repeatable (any of)."""

    status: list[MemberStatus] = Field(default_factory=list, max_length=7)


class FunnelCounts(BaseModel):
    planned: int
    sent: int
    opened: int
    responded: int
    attended: int
    converted: int
    unsubscribed: int


class CampaignReport(BaseModel):
    campaign_id: str
    members: int
    by_status: FunnelCounts = Field(description="Members at each status now.")
    reached: int = Field(
        description="Members the campaign got to: sent or any later status, or unsubscribed."
    )
    responded: int = Field(description="Members who responded, attended or converted.")
    attended: int = Field(description="Members who attended or converted.")
    converted: int
    response_rate: float | None = Field(description="responded / reached (null when nobody was reached).")
    conversion_rate: float | None = Field(description="converted / reached.")
    touchpoints: int = Field(description="Touchpoints recorded through the campaign.")
    touchpoint_contacts: int = Field(description="Distinct contacts of those touchpoints.")
    new_contacts: int | None = Field(
        description="Members whose contact was first recorded within the campaign's period (null without one)."
    )
    cost: int | None
    currency: str
    cost_per_response: float | None
    cost_per_conversion: float | None
    revenue: int = Field(default=0, description="Sum of the converted members' value (campaign currency).")
    roi: float | None = Field(
        default=None, description="(revenue - cost) / cost; null without a cost above 0."
    )
