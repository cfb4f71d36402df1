"""The lifecycle of a contact or company record: active, merged into another, or (soft-)deleted."""

from __future__ import annotations

from enum import StrEnum


class RecordStatus(StrEnum):
    """Where a contact or company stands; only active records are listed, matched and tagged."""

    ACTIVE = "active"
    MERGED = "merged"
    DELETED = "deleted"
