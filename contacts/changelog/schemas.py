"""Change feed schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from contacts.api.schemas import ListQuery
from contacts.changelog.vocabulary import Entity


class ChangeListQuery(ListQuery):
    """``after`` is a sequence number: the feed returns what came after it, oldest first."""

    after: int | None = Field(default=None, ge=0, le=2**63 - 1)
    entity: Entity | None = None


class ChangeOut(BaseModel):
    seq: int
    entity: str
    entity_id: str
    operation: str
    actor_id: str | None
    occurred_at: datetime
    data: dict[str, Any] | None


class ChangePage(BaseModel):
    items: list[ChangeOut]
    next_cursor: str | None
    last_seq: int = Field(description="The highest sequence number in the organisation right now.")
