"""Contact request and response schemas (the JSON shapes of design.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Self

from pydantic import BaseModel, Field, model_validator

from contacts.api.schemas import AwareDatetime, Id, ListQuery, Long, OutModel, Short, StrictModel, Url
from contacts.touchpoints.schemas import Kind as TouchKind

EmailType = Literal["work", "personal", "other"]
PhoneType = Literal["work", "mobile", "fax", "other"]
AddressType = Literal["work", "home", "other"]
Status = Literal["active", "merged", "deleted"]


class EmailIn(StrictModel):
    value: str = Field(min_length=3, max_length=320)
    type: EmailType = "work"
    primary: bool = False


class PhoneIn(StrictModel):
    value: str = Field(min_length=1, max_length=100)
    type: PhoneType | None = None
    primary: bool = False


class AddressIn(StrictModel):
    value: str = Field(min_length=1, max_length=1000)
    postal_code: str | None = Field(default=None, max_length=20)
    type: AddressType = "work"
    primary: bool = False


class _ContactFields(StrictModel):
    family_name: Short | None = None
    given_name: Short | None = None
    full_name: Short | None = None
    name_kana: Short | None = None
    name_romaji: Short | None = None
    company_id: Id | None = None
    company_name: Short | None = None
    department: Short | None = None
    title: Short | None = None
    url: Url | None = None
    notes: Long | None = None
    owner_id: Id | None = None
    emails: list[EmailIn] | None = Field(default=None, max_length=20)
    phones: list[PhoneIn] | None = Field(default=None, max_length=20)
    addresses: list[AddressIn] | None = Field(default=None, max_length=10)

    @model_validator(mode="after")
    def _one_company_reference(self) -> Self:
        if self.company_id is not None and self.company_name is not None:
            raise ValueError("send company_id or company_name, not both")
        return self


class ContactCreate(_ContactFields):
    """Body of POST /contacts."""

    tags: list[Short] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _needs_identity(self) -> Self:
        if not any(
            [self.full_name, self.family_name, self.given_name, self.name_romaji, self.name_kana, self.emails]
        ):
            raise ValueError("a contact needs a name or an email")
        return self


class ContactUpdate(_ContactFields):
    """Body of PATCH /contacts/{id}: only the fields sent change; lists are replaced whole."""

    status: Literal["active"] | None = None


class CompanyRef(OutModel):
    id: str
    name: str


class EmailOut(OutModel):
    value: str
    type: str
    primary: bool


class PhoneOut(OutModel):
    value: str
    e164: str | None
    type: str
    primary: bool


class AddressOut(OutModel):
    postal_code: str | None
    value: str
    type: str


class ContactOut(BaseModel):
    id: str
    uid: str
    family_name: str | None
    given_name: str | None
    full_name: str
    name_kana: str | None
    name_romaji: str | None
    company: CompanyRef | None
    department: str | None
    title: str | None
    emails: list[EmailOut]
    phones: list[PhoneOut]
    addresses: list[AddressOut]
    url: str | None
    notes: str | None
    tags: list[str]
    owner_id: str | None
    status: Status
    merged_into: str | None = Field(
        description="The contact this one survives as: the end of its chain of merges (null unless merged)."
    )
    merge_path: list[str] = Field(
        default_factory=list,
        description="The contacts this one was merged into, hop by hop; the last is merged_into.",
    )
    version: int
    sources: dict[str, dict[str, str | None]]
    created_at: datetime
    updated_at: datetime


class ContactPage(BaseModel):
    items: list[ContactOut]
    next_cursor: str | None


class TouchFilter(BaseModel):
    """Contacts by when we last reached them: to find the ones met lately, or to leave alone the ones
    contacted too often. ``touch_kind`` narrows both to touchpoints of those kinds."""

    touched_since: AwareDatetime | None = Field(
        default=None, description="Only contacts with a touchpoint at or after this time."
    )
    not_touched_since: AwareDatetime | None = Field(
        default=None, description="Only contacts without any touchpoint at or after this time."
    )
    touch_kind: list[TouchKind] = Field(default_factory=list, max_length=15)

    @model_validator(mode="after")
    def _kind_needs_a_time(self) -> Self:
        if self.touch_kind and self.touched_since is None and self.not_touched_since is None:
            raise ValueError("touch_kind narrows touched_since or not_touched_since; send one of them")
        return self


class ContactListQuery(ListQuery, TouchFilter):
    """Filters of GET /contacts. ``tag`` requires all, ``any_tag`` any, ``not_tag`` none of the names."""

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
    status: Status = "active"


class EmploymentOut(BaseModel):
    id: str
    contact_id: str
    company: CompanyRef | None
    department: str | None
    title: str | None
    started_at: datetime | None
    ended_at: datetime | None
    source: dict[str, str | None]


class EmploymentPage(BaseModel):
    items: list[EmploymentOut]
    next_cursor: str | None
