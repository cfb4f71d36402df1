"""Events (trade shows, seminars, webinars) and campaigns."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from contacts.db import Base, UTCDateTime, new_id, utcnow

EVENT_KINDS = ("trade_show", "seminar", "webinar", "meeting", "other")
# A member's progress through a campaign, in funnel order; "unsubscribed" stands outside the funnel.
MEMBER_FUNNEL = ("planned", "sent", "opened", "responded", "attended", "converted")
MEMBER_STATUSES = (*MEMBER_FUNNEL, "unsubscribed")
# What a campaign reaches people through; adding members skips contacts opted out of it (or of all).
CAMPAIGN_CHANNELS = ("email", "phone", "postal_mail", "other")


class Event(Base):
    __tablename__ = "event"

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), default="other")
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    venue: Mapped[str | None] = mapped_column(String(500))
    tag_id: Mapped[str | None] = mapped_column(ForeignKey("tag.id", ondelete="SET NULL"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cost: Mapped[int | None] = mapped_column(Integer, default=None)  # whole units of ``currency``
    currency: Mapped[str] = mapped_column(String(3), default="JPY")


class Campaign(Base):
    __tablename__ = "campaign"

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tag_id: Mapped[str | None] = mapped_column(ForeignKey("tag.id", ondelete="SET NULL"), index=True)
    cost: Mapped[int | None] = mapped_column(Integer)  # whole units of ``currency``
    currency: Mapped[str] = mapped_column(String(3), default="JPY")
    channel: Mapped[str] = mapped_column(String(20), default="other", server_default="other")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CampaignMember(Base):
    """A contact in a campaign, with how far the campaign got with them."""

    __tablename__ = "campaign_member"
    __table_args__ = (Index("ix_campaign_member_campaign_status", "campaign_id", "status"),)

    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True)
    contact_id: Mapped[str] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="planned")
    status_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    added_by: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # What the conversion was worth, in whole units of the campaign's currency (set with status converted).
    value: Mapped[int | None] = mapped_column(Integer, default=None)
