"""Opt-outs: per contact and channel, with when, how and who; one row per contact and channel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contacts.db import Base, JSONType, UTCDateTime, new_id, utcnow

# "all" covers every channel; a campaign of channel c skips contacts opted out of c or of all.
OPT_OUT_CHANNELS = ("email", "phone", "postal_mail", "all")
OPT_OUT_SOURCES = ("api", "web", "campaign_unsubscribe", "import", "merge", "suppression")
# What a suppression is keyed by, and why it was written.
SUPPRESSION_KINDS = ("email", "phone")
SUPPRESSION_REASONS = ("erasure", "request")


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


class Suppression(Base):
    """An identifier (an e-mail address or a phone number) that may not be contacted through ``channels``.

    Kept when an opted-out person is erased, or added for someone not in the base, so that the person's
    objection outlives their data: a contact created or given this identifier later is opted out again. Only
    a keyed digest of the normalised identifier is stored (``contacts.optouts.suppression.digest``), never the
    identifier itself.
    """

    __tablename__ = "opt_out_suppression"
    __table_args__ = (UniqueConstraint("organization_id", "kind", "digest"),)

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"))
    kind: Mapped[str] = mapped_column(String(10))
    digest: Mapped[str] = mapped_column(String(64))
    channels: Mapped[list[str]] = mapped_column(JSONType, default=list)
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(1000))
    created_by: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
