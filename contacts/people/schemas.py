"""Contact request and response schemas (the JSON shapes of design.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, Field, model_validator

from contacts.api.schemas import AwareDatetime, Id, ListQuery, Long, OutModel, Short, StrictModel, Url
from contacts.normalize.prefecture import prefecture_name
from contacts.normalize.title import SENIORITY_JA, SENIORITY_LEVELS, seniority_level
from contacts.touchpoints.schemas import Kind as TouchKind

EmailType = Literal["work", "personal", "other"]
PhoneType = Literal["work", "mobile", "fax", "other"]
AddressType = Literal["work", "home", "other"]
Status = Literal["active", "merged", "deleted"]
OptOutChannel = Literal["email", "phone", "postal_mail", "all"]
Region = Literal["北海道", "東北", "関東", "中部", "近畿", "中国", "四国", "九州・沖縄"]
CampaignStatus = Literal["planned", "sent", "opened", "responded", "attended", "converted", "unsubscribed"]


def _seniority(value: str) -> str:
    level = seniority_level(value)
    if level is None:
        names = ", ".join([*SENIORITY_LEVELS, *SENIORITY_JA])
        raise ValueError(f"unknown seniority {value!r}: one of {names}")
    return level


def _prefecture(value: str) -> str:
    name = prefecture_name(value)
    if name is None:
        raise ValueError(f"unknown prefecture {value!r}: send e.g. 東京都, 東京 or Tokyo")
    return name


Seniority = Annotated[str, Field(max_length=20), AfterValidator(_seniority)]
PrefectureName = Annotated[str, Field(max_length=20), AfterValidator(_prefecture)]


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
    seniority: str | None = Field(
        default=None, description="executive, director, manager, chief or staff, from the title."
    )
    prefecture: str | None = Field(default=None, description="From the primary address, e.g. 東京都.")
    region: str | None = Field(default=None, description="The prefecture's region, e.g. 関東.")
    opted_out: list[OptOutChannel] = Field(
        default_factory=list, description="Channels the contact opted out of (配信停止)."
    )
    over_contacted: OverContacted | None = Field(
        default=None, description="The contact-frequency rule the contact breaks now, if any."
    )
    version: int
    sources: dict[str, dict[str, str | None]]
    created_at: datetime
    updated_at: datetime


class OverContacted(BaseModel):
    rule: dict[str, Any] = Field(description="The rule broken: max, kinds, days.")
    until: datetime = Field(description="When the contact stops breaking it, unless touched again.")


ContactOut.model_rebuild()


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


class MarketingFilter(BaseModel):
    """Marketing filters of the one contact filter; all combine (AND), repeated values are any-of."""

    title: str | None = Field(default=None, max_length=200, description="Part of the printed title.")
    seniority: list[Seniority] = Field(
        default_factory=list,
        max_length=5,
        description="executive/役員, director/部長, manager/課長, chief/係長, staff/一般 (any of).",
    )
    prefecture: list[PrefectureName] = Field(default_factory=list, max_length=47)
    region: list[Region] = Field(default_factory=list, max_length=8)
    company_tag: list[Short] = Field(
        default_factory=list, max_length=20, description="Contacts whose company carries any of the tags."
    )
    campaign_id: Id | None = Field(default=None, description="Members of this campaign.")
    campaign_status: list[CampaignStatus] = Field(
        default_factory=list, max_length=7, description="With campaign_id: members at any of these statuses."
    )
    not_campaign_id: Id | None = Field(default=None, description="Contacts not in this campaign.")
    opted_out: OptOutChannel | None = Field(
        default=None,
        description="Contacts who may not be reached through this channel (opted out of it or of all); "
        "all: opted out of every channel.",
    )
    not_opted_out: OptOutChannel | None = Field(
        default=None, description="Contacts who may be reached through this channel."
    )
    over_contacted: bool | None = Field(
        default=None, description="true: contacts breaking a contact-frequency rule now; false: the others."
    )

    @model_validator(mode="after")
    def _status_needs_campaign(self) -> Self:
        if self.campaign_status and self.campaign_id is None:
            raise ValueError("campaign_status narrows campaign_id; send campaign_id")
        return self


class ContactListQuery(ListQuery, TouchFilter, MarketingFilter):
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
