"""Shapes of the personal-data export and erasure."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from contacts.api.schemas import StrictModel
from contacts.changelog.schemas import ChangeOut
from contacts.optouts.schemas import OptOutOut
from contacts.people.schemas import ContactOut, EmploymentOut
from contacts.touchpoints.schemas import TouchpointOut


class CardRecord(BaseModel):
    id: str
    status: str
    uploaded_by: str
    created_at: datetime
    exchanged_at: datetime | None
    location: str | None
    event_id: str | None
    note: str | None
    fields: dict[str, Any] = Field(description="What OCR read, with confidences and boxes.")
    text: str | None = Field(description="The whole OCR text.")
    images: list[str] = Field(description="Paths of the stored images (GET them with the same token).")


class MembershipRecord(BaseModel):
    campaign_id: str
    campaign_name: str
    status: str
    status_at: datetime
    added_at: datetime


class MergeRecord(BaseModel):
    id: str
    winner_id: str
    loser_ids: list[str]
    automatic: bool
    created_at: datetime
    undone_at: datetime | None


class PersonExport(BaseModel):
    """Everything the organisation holds about one person."""

    contact: ContactOut
    merged_contacts: list[ContactOut] = Field(
        description="Records merged into this contact (the same person)."
    )
    employment: list[EmploymentOut]
    touchpoints: list[TouchpointOut]
    cards: list[CardRecord]
    campaigns: list[MembershipRecord]
    opt_outs: list[OptOutOut] = Field(default_factory=list, description="Opt-outs with when, how and who.")
    merges: list[MergeRecord]
    changes: list[ChangeOut] = Field(description="The change log of these records: who did what, when.")


class EraseIn(StrictModel):
    """Body of POST /contacts/{id}/erase: the caller confirms that erasure cannot be undone."""

    confirm: Literal[True]
    reason: str | None = Field(default=None, max_length=500)


class EraseResult(BaseModel):
    erased_contact_ids: list[str]
    touchpoints: int
    cards: int
    images: int = Field(description="Stored image files removed (files no other card uses).")
    merges: int
    duplicate_candidates: int
    idempotency_records: int
    suppressed_identifiers: int = Field(
        default=0,
        description="E-mail addresses and phone numbers of an opted-out person kept on the suppression list "
        "(as digests), so that the person is opted out again if they come back.",
    )
