"""Change feed schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from contacts.api.schemas import ListQuery
from contacts.changelog.vocabulary import Entity


class ChangeListQuery(ListQuery):
    """``after`` is a sequence number: the feed returns what came after it, oldest first."""

    after: int | None = Field(default=None, ge=0, le=2**63 - 1)
    entity: Entity | None = None
    include: Literal["data"] | None = Field(
        default=None, description="data: each entry carries its record's JSON as the API shows it now."
    )


class ChangeOut(BaseModel):
    seq: int
    entity: str
    entity_id: str
    operation: str
    actor_id: str | None
    occurred_at: datetime
    data: dict[str, Any] | None


class ChangeWithResource(ChangeOut):
    """An entry of ``?include=data``: the record's JSON, or null with the reason it has none."""

    resource: dict[str, Any] | None = Field(
        description="The record as its own endpoint shows it at the time of the read (its version is this "
        "entry's or a later one's); null when the record is gone."
    )
    resource_missing: Literal["deleted", "erased", "not_rendered"] | None = Field(
        description="Why resource is null: deleted, erased (a person's erasure), or not_rendered (an entity "
        "the feed does not render, such as user or token)."
    )


class ChangePage(BaseModel):
    items: list[ChangeWithResource | ChangeOut]
    next_cursor: str | None
    cursor: str = Field(
        description="Where to continue from next time: the position after the last entry of this page "
        "(or the position asked for, on an empty page)."
    )
    last_seq: int = Field(description="The highest sequence number in the organisation right now.")


class ChangeCursor(BaseModel):
    cursor: str = Field(
        description="The feed's head: GET /changes?cursor=... returns what happens after now."
    )
    last_seq: int
