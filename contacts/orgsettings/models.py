"""One settings row per organisation (absent until an admin first changes a setting)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from contacts.db import Base, JSONType, UTCDateTime, utcnow


class OrganizationSettings(Base):
    __tablename__ = "organization_settings"

    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True
    )
    # None: the deployment's default (MEISHI_REVIEW_THRESHOLD).
    review_threshold: Mapped[float | None] = mapped_column(Float, default=None)
    learn_corrections: Mapped[bool] = mapped_column(Boolean, default=True)
    # IANA name the organisation's reports (analytics buckets) are in; None: Asia/Tokyo.
    time_zone: Mapped[str | None] = mapped_column(String(64), default=None)
    # Contact-frequency rules: [{"max": 3, "kinds": ["email", "call"], "days": 14}, ...]; None: no rule.
    contact_rules: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType, default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
