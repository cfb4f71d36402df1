"""Card request and response schemas (the card shape of design.md, plus review details)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, field_validator

from contacts.api.schemas import AwareDatetime, Id, ListQuery, Long, Short, StrictModel, text

CardStatus = Literal["queued", "processing", "completed", "needs_review", "failed", "discarded"]
FieldName = Literal[
    "name",
    "name_kana",
    "name_romaji",
    "company",
    "department",
    "title",
    "email",
    "phone",
    "mobile",
    "fax",
    "postal_code",
    "address",
    "url",
    "other_phones",
]

if TYPE_CHECKING:
    Location = str
    FieldText = str
else:
    Location = text(500)
    FieldText = text(1000)


def _split_tags(value: Any) -> Any:
    """Accept tags repeated, as a comma list, or both."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        out += [t.strip() for t in str(item).split(",") if t.strip()] if isinstance(item, str) else [item]
    return out


class CardUploadForm(StrictModel):
    """The non-file fields of POST /cards (multipart/form-data)."""

    event_id: Id | None = None
    tags: list[Short] = Field(default_factory=list, max_length=50)
    exchanged_at: AwareDatetime | None = None
    location: Location | None = None
    note: Long | None = None

    _tags = field_validator("tags", mode="before")(_split_tags)


class CardFieldOut(BaseModel):
    """One field: the current value, the OCR's confidence, box and side, and any reviewer edit."""

    value: str | None
    confidence: float | None
    box: list[int] | None
    side: str | None
    e164: str | None = None
    ocr_value: str | None = None
    edited_by: str | None = None
    edited_at: datetime | None = None


class CardImageLinks(BaseModel):
    original: str
    normalized: str | None


class CardOut(BaseModel):
    id: str
    status: CardStatus
    batch_id: str
    side_count: int
    fields: dict[str, CardFieldOut]
    text: str | None
    lang: str | None
    warnings: list[str]
    contact_id: str | None
    match_contact_id: str | None
    event_id: str | None
    uploaded_by: str
    exchanged_at: datetime | None
    location: str | None
    note: str | None
    tags: list[str]
    error: str | None
    attempts: int
    pipeline_version: str | None
    images: dict[str, CardImageLinks]
    confirmed_at: datetime | None
    confirmed_by: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class CardBatchOut(BaseModel):
    """Answer of POST /cards: one card per front image."""

    batch_id: str
    cards: list[CardOut]


class BatchSummary(BaseModel):
    total: int
    queued: int
    processing: int
    completed: int
    needs_review: int
    failed: int
    discarded: int = 0


class CardPage(BaseModel):
    items: list[CardOut]
    next_cursor: str | None
    summary: BatchSummary | None = None


class CardListQuery(ListQuery):
    """Filters of GET /cards; oldest first."""

    status: CardStatus | None = None
    batch_id: Id | None = None
    event_id: Id | None = None
    uploaded_by: Id | None = None


class CardImageQuery(StrictModel):
    side: Literal["front", "back"] = "front"
    variant: Literal["original", "normalized"] = "original"


class CardUpdate(StrictModel):
    """Body of PATCH /cards/{id}: corrected fields (null removes one) and review details."""

    fields: dict[FieldName, FieldText | None] = Field(default_factory=dict)
    match_contact_id: Id | None = None
    exchanged_at: AwareDatetime | None = None
    location: Location | None = None
    note: Long | None = None
