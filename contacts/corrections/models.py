"""A remembered correction: on this organisation's cards, ``field`` read as ``read_value`` means ``value``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contacts.db import Base, UTCDateTime, new_id, utcnow


class FieldCorrection(Base):
    __tablename__ = "field_correction"
    __table_args__ = (UniqueConstraint("organization_id", "field", "read_key"),)

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"), index=True)
    field: Mapped[str] = mapped_column(String(30))
    read_key: Mapped[str] = mapped_column(String(400))  # the OCR value, normalised (see service.read_key)
    read_value: Mapped[str] = mapped_column(String(400))  # the OCR value as it was read
    value: Mapped[str] = mapped_column(String(400))  # what the reviewer corrected it to
    applied_count: Mapped[int] = mapped_column(Integer, default=0)
    source_card_id: Mapped[str | None] = mapped_column(ForeignKey("card.id", ondelete="SET NULL"), index=True)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
