"""Response and query shapes of /corrections."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from contacts.api.schemas import ListQuery

CorrectableField = Literal["name", "name_kana", "name_romaji", "company", "department", "title"]


class CorrectionOut(BaseModel):
    id: str
    field: str
    read_value: str = Field(description="What the OCR read.")
    value: str = Field(description="What a reviewer corrected it to; later cards that read the same get it.")
    applied_count: int = Field(description="Cards the correction was applied to since it was learnt.")
    source_card_id: str | None
    created_by: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class CorrectionPage(BaseModel):
    items: list[CorrectionOut]
    next_cursor: str | None


class CorrectionListQuery(ListQuery):
    """GET /corrections: paging, and one field's corrections only."""

    field: CorrectableField | None = None
