"""An import of a contacts file, and one row of it with its plan and its committed result."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contacts.db import Base, JSONType, UTCDateTime, new_id, utcnow


class ImportStatus:
    """The life of an import: planned (dry-run done) → committing → committed → rolled_back."""

    PLANNED = "planned"
    COMMITTING = "committing"
    COMMITTED = "committed"
    ROLLED_BACK = "rolled_back"
    FAILED = "failed"


class ContactImport(Base):
    __tablename__ = "contact_import"

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"), index=True)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    filename: Mapped[str | None] = mapped_column(String(300))
    format: Mapped[str] = mapped_column(String(10))  # csv | vcard
    profile: Mapped[str] = mapped_column(
        String(30)
    )  # salesforce | hubspot | sansan | meishi | mapping | vcard
    encoding: Mapped[str] = mapped_column(String(20))
    mapping: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # column -> field
    status: Mapped[str] = mapped_column(String(20), default=ImportStatus.PLANNED)
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    processed_rows: Mapped[int] = mapped_column(Integer, default=0)
    planned: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # totals of the dry-run
    results: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # totals of the commit
    error: Mapped[str | None] = mapped_column(Text)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    committed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rolled_back_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ImportRow(Base):
    __tablename__ = "import_row"
    __table_args__ = (
        UniqueConstraint("import_id", "row_number"),
        Index("ix_import_row_import_result", "import_id", "result", "row_number"),
    )

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    import_id: Mapped[str] = mapped_column(ForeignKey("contact_import.id", ondelete="CASCADE"))
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)  # 1-based, the header not counted
    values: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # field -> value(s)
    action: Mapped[str] = mapped_column(String(10))  # create | update | merge | skip | error (the plan)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # fields, contact, reasons, errors
    result: Mapped[str | None] = mapped_column(String(10))  # what the commit did (None: not yet)
    contact_id: Mapped[str | None] = mapped_column(String(26), index=True)  # the contact written
    created_contact_id: Mapped[str | None] = mapped_column(String(26))  # a new contact (merged away or not)
    merge_id: Mapped[str | None] = mapped_column(String(26))
    touchpoint_id: Mapped[str | None] = mapped_column(String(26))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # snapshot of an updated contact
    version_after: Mapped[int | None] = mapped_column(Integer)  # the contact's version once written
