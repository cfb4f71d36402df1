"""Import request and response shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

from contacts.api.schemas import ListQuery

Action = Literal["create", "update", "merge", "skip", "error"]


class ImportTotals(BaseModel):
    create: int = 0
    update: int = 0
    merge: int = 0
    skip: int = 0
    error: int = 0


class ImportOut(BaseModel):
    id: str
    status: Literal["planned", "committing", "committed", "rolled_back", "failed"]
    filename: str | None
    format: Literal["csv", "vcard"]
    profile: str
    encoding: str
    mapping: dict[str, str]
    total_rows: int
    processed_rows: int
    progress: float
    planned: ImportTotals
    results: ImportTotals | None
    warnings: int
    error: str | None
    created_by: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    committed_at: datetime | None
    rolled_back_at: datetime | None


class ImportPage(BaseModel):
    items: list[ImportOut]
    next_cursor: str | None


class ImportRowOut(BaseModel):
    row: int
    action: Action
    result: Action | None
    contact_id: str | None
    fields: list[str] | None = None
    reasons: list[str] | None = None
    score: float | None = None
    errors: list[dict[str, Any]] | None = None
    warnings: list[dict[str, Any]] | None = None
    detail: dict[str, Any]
    values: dict[str, Any]


class ImportRowPage(BaseModel):
    items: list[ImportRowOut]
    next_cursor: str | None


class ImportListQuery(ListQuery):
    """GET /imports takes only the paging parameters."""


class ImportRowQuery(ListQuery):
    """GET /imports/{id}/rows: paging, optionally only the rows of one planned action."""

    action: Action | None = None
