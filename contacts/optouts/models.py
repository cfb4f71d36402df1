"""Opt-outs: per contact and channel, with when, how and who; one row per contact and channel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contacts.db import Base, UTCDateTime, new_id, utcnow

# "all" covers every channel; a campaign of channel c skips contacts opted out of c or of all.
OPT_OUT_CHANNELS = ("email", "phone", "postal_mail", "all")
OPT_OUT_SOURCES = ("api", "web", "campaign_unsubscribe", "import", "merge")


class OptOut(Base):
    __tablename__ = "opt_out"
    __table_args__ = (
        UniqueConstraint("contact_id", "channel"),
        Index("ix_opt_out_org_channel_contact", "organization_id", "channel", "contact_id"),
    )

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"))
    contact_id: Mapped[str] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(30), default="api")
    source_id: Mapped[str | None] = mapped_column(String(64))  # the campaign of an unsubscribe, say
    note: Mapped[str | None] = mapped_column(String(1000))
    created_by: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
