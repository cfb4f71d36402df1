"""The touchpoint rollup (contacts.analytics.rollup): per organisation and local day, touchpoints by kind and
channel and the set of contacts touched, kept current lazily from the contacts whose touchpoints changed."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contacts.db import Base, UTCDateTime


class AnalyticsState(Base):
    """One row per organisation whose rollup exists: the time zone its days were cut in (another: rebuild)."""

    __tablename__ = "analytics_state"

    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    time_zone: Mapped[str | None] = mapped_column(String(64))
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AnalyticsDirty(Base):
    """What changed since the last refresh: the touchpoints at an instant, or every touchpoint of a contact."""

    __tablename__ = "analytics_dirty"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"), index=True)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AnalyticsDay(Base):
    """Touchpoints of one kind and channel on one local day (every contact status)."""

    __tablename__ = "analytics_day"

    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10), primary_key=True)
    touchpoints: Mapped[int] = mapped_column(Integer)


class AnalyticsDayContacts(Base):
    """The contacts touched on one local day: a zlib-compressed bit array indexed by contact ordinal."""

    __tablename__ = "analytics_day_contacts"

    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    bits: Mapped[bytes] = mapped_column(LargeBinary)


class AnalyticsContactOrdinal(Base):
    """A dense per-organisation number for each contact with touchpoints: its bit in the day bit arrays."""

    __tablename__ = "analytics_contact_ordinal"
    __table_args__ = (
        UniqueConstraint("organization_id", "ordinal"),
        Index("ix_analytics_contact_ordinal_contact_id", "contact_id"),
    )

    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True)
    ordinal: Mapped[int] = mapped_column(Integer)
