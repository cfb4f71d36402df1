"""Uploaded business cards and their OCR state; the row is the source of truth for processing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from contacts.db import Base, JSONType, UTCDateTime, new_id, utcnow

# "discarded": a reviewer judged the card unusable; it is kept for audit and never becomes a contact.
CARD_STATUSES = ("queued", "processing", "completed", "needs_review", "failed", "discarded")


class Card(Base):
    __tablename__ = "card"
    __table_args__ = (
        Index("ix_card_org_status_created", "organization_id", "status", "created_at"),
        Index("ix_card_org_batch", "organization_id", "batch_id"),
        Index("ix_card_status_lease", "status", "lease_expires_at"),
    )

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"))
    batch_id: Mapped[str] = mapped_column(String(26))
    status: Mapped[str] = mapped_column(String(20), default="queued")
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_by: Mapped[str] = mapped_column(ForeignKey("user_account.id"), index=True)
    event_id: Mapped[str | None] = mapped_column(ForeignKey("event.id", ondelete="SET NULL"), index=True)
    exchanged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    location: Mapped[str | None] = mapped_column(String(500))
    note: Mapped[str | None] = mapped_column(Text)
    requested_tags: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    front_image: Mapped[str] = mapped_column(String(100))
    back_image: Mapped[str | None] = mapped_column(String(100))
    front_normalized: Mapped[str | None] = mapped_column(String(100))
    back_normalized: Mapped[str | None] = mapped_column(String(100))
    lang: Mapped[str | None] = mapped_column(String(10))
    fields: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    text: Mapped[str | None] = mapped_column(Text)
    warnings: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contact.id"), index=True)
    # A reviewer's "this card is of that existing contact" (confirmation then updates it).
    match_contact_id: Mapped[str | None] = mapped_column(ForeignKey("contact.id"), index=True)
    pipeline_version: Mapped[str | None] = mapped_column(String(40))
    worker_id: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the id was last put on the Redis queue; the sweeper resends cards whose message got lost.
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
