"""Tag request and response schemas (the JSON shapes of design.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, Field, model_validator

from contacts.api.schemas import AwareDatetime, Id, ListQuery, Name, Short, StrictModel
from contacts.people.schemas import MarketingFilter, TouchFilter

TagKind = Literal["event", "campaign", "segment", "custom"]
MAX_IDS = 1000


class TagCreate(StrictModel):
    """Body of POST /tags."""

    name: Name
    kind: TagKind = "custom"


class TagUpdate(StrictModel):
    """Body of PATCH /tags/{id}: a new name keeps every link."""

    name: Name | None = None
    kind: TagKind | None = None


class TagOut(BaseModel):
    id: str
    name: str
    kind: TagKind
    contact_count: int = Field(description="Active contacts carrying the tag.")
    company_count: int = Field(description="Active companies carrying the tag.")
    created_at: datetime
    updated_at: datetime


class TagPage(BaseModel):
    items: list[TagOut]
    next_cursor: str | None


class TagListQuery(ListQuery):
    """Filters of GET /tags: ``q`` matches part of the name."""

    q: str | None = Field(default=None, max_length=200)
    kind: TagKind | None = None


class ContactFilter(StrictModel, TouchFilter, MarketingFilter):
    """The filters of GET /contacts, selecting the active contacts a bulk tagging applies to."""

    q: str | None = Field(default=None, max_length=200)
    company_id: Id | None = None
    tag: list[Short] = Field(default_factory=list, max_length=20)
    any_tag: list[Short] = Field(default_factory=list, max_length=20)
    not_tag: list[Short] = Field(default_factory=list, max_length=20)
    owner_id: Id | None = None
    updated_since: AwareDatetime | None = None
    segment_id: Id | None = Field(
        default=None, description="Also the contacts the saved segment selects (its filter, evaluated now)."
    )


class TagContactsIn(StrictModel):
    """Body of POST/DELETE /tags/{id}/contacts: exactly one of ``contact_ids`` or ``filter``."""

    contact_ids: Annotated[list[Id], Field(min_length=1, max_length=MAX_IDS)] | None = None
    filter: ContactFilter | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.contact_ids is None) == (self.filter is None):
            raise ValueError("send exactly one of contact_ids or filter")
        return self


class TagContactsResult(BaseModel):
    tag: TagOut
    changed_count: int = Field(description="Contacts whose tags changed.")
    changed_ids: list[str]


class TagCompaniesIn(StrictModel):
    """Body of POST/DELETE /tags/{id}/companies."""

    company_ids: Annotated[list[Id], Field(min_length=1, max_length=MAX_IDS)]


class TagCompaniesResult(BaseModel):
    tag: TagOut
    changed_count: int = Field(description="Companies whose tags changed.")
    changed_ids: list[str]
