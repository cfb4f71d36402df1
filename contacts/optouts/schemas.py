"""Opt-out request and response shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from contacts.api.schemas import ListQuery, StrictModel, text
from contacts.people.schemas import OptOutChannel

ApiSource = Literal["api", "web", "import"]
Source = Literal["api", "web", "campaign_unsubscribe", "import", "merge", "suppression"]

Note = text(1000)


class OptOutCreate(StrictModel):
    """Body of POST /contacts/{id}/opt-outs: the channel the contact may no longer be reached through."""

    channel: OptOutChannel = Field(description="email, phone, postal_mail, or all of them.")
    source: ApiSource = Field(default="api", description="How the request reached us.")
    note: Note | None = None  # type: ignore[valid-type]


class OptOutChannelQuery(StrictModel):
    """Query of DELETE /contacts/{id}/opt-outs: the channel whose opt-out is withdrawn."""

    channel: OptOutChannel


class OptOutOut(BaseModel):
    contact_id: str
    channel: OptOutChannel
    source: Source
    source_id: str | None = Field(
        description="The campaign of an unsubscribe; the suppression of a remembered one."
    )
    note: str | None
    created_by: str | None
    created_at: datetime


class OptOutPage(BaseModel):
    items: list[OptOutOut]
    next_cursor: str | None = None


SuppressionKind = Literal["email", "phone"]
Identifier = text(320, min_length=1)


class SuppressionOut(BaseModel):
    id: str
    kind: SuppressionKind
    channels: list[OptOutChannel] = Field(
        description="The channels the identifier may not be reached through."
    )
    reason: Literal["erasure", "request"] = Field(
        description="erasure: kept from an opted-out person who was erased; request: added through the API."
    )
    note: str | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class SuppressionPage(BaseModel):
    items: list[SuppressionOut]
    next_cursor: str | None


class SuppressionCreate(StrictModel):
    """Body of POST /suppressions: one e-mail address or phone number, and the channels it is closed to."""

    email: Identifier | None = None  # type: ignore[valid-type]
    phone: Identifier | None = None  # type: ignore[valid-type]
    channels: list[OptOutChannel] = Field(default=["all"], min_length=1, max_length=4)
    note: Note | None = None  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _one_identifier(self) -> SuppressionCreate:
        if (self.email is None) == (self.phone is None):
            raise ValueError("give exactly one of email and phone")
        return self

    def identifier(self) -> tuple[str, str]:
        """The kind and the value given."""
        return ("email", self.email) if self.email is not None else ("phone", str(self.phone))


class SuppressionListQuery(ListQuery):
    """GET /suppressions: paging; ``kind``; ``email`` or ``phone`` finds the suppression of that identifier."""

    kind: SuppressionKind | None = None
    email: Identifier | None = None  # type: ignore[valid-type]
    phone: Identifier | None = None  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _one_lookup(self) -> SuppressionListQuery:
        if self.email is not None and self.phone is not None:
            raise ValueError("look up one of email and phone")
        return self

    def lookup(self) -> tuple[str, str] | None:
        """The identifier looked up, if any."""
        if self.email is not None:
            return "email", self.email
        return ("phone", self.phone) if self.phone is not None else None
