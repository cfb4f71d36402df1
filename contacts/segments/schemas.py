"""Segment and export request and response schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, Field, model_validator

from contacts.api.schemas import ListQuery, Name, StrictModel, text
from contacts.tags.schemas import ContactFilter

Description = text(1000)
Encoding = Literal["utf-8", "cp932"]
ColumnList = Annotated[list[Annotated[str, Field(max_length=1000)]], Field(max_length=50)]


def _not_nested(contact_filter: ContactFilter | None) -> None:
    if contact_filter is not None and contact_filter.segment_id is not None:
        raise ValueError("a segment's filter cannot name a segment (segment_id)")


class SegmentCreate(StrictModel):
    """Body of POST /segments: a name and the filter of GET /contacts it saves (without ``segment_id``)."""

    name: Name
    description: Description | None = None  # type: ignore[valid-type]
    filter: ContactFilter = Field(default_factory=ContactFilter)

    @model_validator(mode="after")
    def _no_segment_in_filter(self) -> Self:
        _not_nested(self.filter)
        return self


class SegmentUpdate(StrictModel):
    """Body of PATCH /segments/{id}: a new filter replaces the stored one whole."""

    name: Name | None = None
    description: Description | None = None  # type: ignore[valid-type]
    filter: ContactFilter | None = None

    @model_validator(mode="after")
    def _no_segment_in_filter(self) -> Self:
        _not_nested(self.filter)
        return self


class StaleReference(BaseModel):
    field: str = Field(description="The filter key, e.g. tag or company_id.")
    value: str = Field(description="The tag name or id that no longer names anything.")


class SegmentOut(BaseModel):
    id: str
    name: str
    description: str | None
    filter: dict[str, Any] = Field(
        description="The stored filter of GET /contacts (keys left at defaults omitted)."
    )
    count: int | None = Field(
        description="Active contacts the filter selects now (on GET; on lists only with with_count=true)."
    )
    stale_references: list[StaleReference] = Field(
        description="Tags, companies, users, events or campaigns the filter names that no longer exist."
    )
    created_by: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class SegmentPage(BaseModel):
    items: list[SegmentOut]
    next_cursor: str | None


class SegmentListQuery(ListQuery):
    """Filters of GET /segments: ``q`` matches part of the name; ``with_count`` counts each segment."""

    q: str | None = Field(default=None, max_length=200)
    with_count: bool = False


class ExportOptions(StrictModel):
    """The format of a CSV export: which columns, in which encoding."""

    columns: ColumnList = Field(
        default_factory=list,
        description="Column names, repeated or comma-separated, from the documented set; empty: the default set.",
    )
    encoding: Encoding = Field(
        default="utf-8", description="utf-8 (with a BOM) or cp932 (Shift_JIS for Excel)."
    )


class ContactExportQuery(ContactFilter, ExportOptions):
    """Query of GET /contacts/export.csv: the filters of GET /contacts and the export's format."""


class SegmentExportQuery(ExportOptions):
    """Query of GET /segments/{id}/export.csv."""
