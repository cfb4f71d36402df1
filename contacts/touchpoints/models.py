"""Touchpoints: every exchange with a customer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contacts.db import Base, UTCDateTime, new_id, utcnow

TOUCHPOINT_KINDS = (
    "card_exchange",
    "meeting",
    "visit",
    "call",
    "email",
    "web_inquiry",
    "document_request",
    "seminar",
    "webinar",
    "trade_show",
    "direct_mail",
    "chat",
    "sns",
    "store_visit",
    "import",
    "other",
)
CHANNELS = ("offline", "online", "o2o", "omo")
TOUCHPOINT_SOURCES = ("card", "api", "import", "manual")


class Touchpoint(Base):
    __tablename__ = "touchpoint"
    __table_args__ = (
        Index("ix_touchpoint_contact_occurred", "contact_id", "occurred_at", "id"),
        Index("ix_touchpoint_org_occurred", "organization_id", "occurred_at", "id"),
        # Touchpoint analytics (contacts.analytics): counts by time and channel read only this index.
        Index(
            "ix_touchpoint_org_occurred_channel", "organization_id", "occurred_at", "channel", "contact_id"
        ),
        UniqueConstraint("organization_id", "external_id"),
    )

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"))
    contact_id: Mapped[str] = mapped_column(ForeignKey("contact.id"))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    company_id: Mapped[str | None] = mapped_column(ForeignKey("company.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(10))
    event_id: Mapped[str | None] = mapped_column(ForeignKey("event.id", ondelete="SET NULL"), index=True)
    campaign_id: Mapped[str | None] = mapped_column(
        ForeignKey("campaign.id", ondelete="SET NULL"), index=True
    )
    card_id: Mapped[str | None] = mapped_column(String(26), index=True)
    location: Mapped[str | None] = mapped_column(String(500))
    summary: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(10), default="api")
    external_id: Mapped[str | None] = mapped_column(String(200))
    company_name_at_time: Mapped[str | None] = mapped_column(String(300))
    title_at_time: Mapped[str | None] = mapped_column(String(400))
    # Recorded for many contacts at once (a mass mailing): it does not make its user "know" the person.
    bulk: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
