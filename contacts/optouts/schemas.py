"""Opt-out request and response shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from contacts.api.schemas import StrictModel, text
from contacts.people.schemas import OptOutChannel

ApiSource = Literal["api", "web", "import"]
Source = Literal["api", "web", "campaign_unsubscribe", "import", "merge"]

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
    source_id: str | None = Field(description="The campaign of an unsubscribe.")
    note: str | None
    created_by: str | None
    created_at: datetime


class OptOutPage(BaseModel):
    items: list[OptOutOut]
    next_cursor: str | None = None
