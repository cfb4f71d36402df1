"""Tags and their links to contacts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contacts.db import Base, UTCDateTime, new_id, utcnow

TAG_KINDS = ("event", "campaign", "segment", "custom")


class Tag(Base):
    __tablename__ = "tag"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="custom")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContactTag(Base):
    __tablename__ = "contact_tag"
    __table_args__ = (Index("ix_contact_tag_tag_contact", "tag_id", "contact_id"),)

    contact_id: Mapped[str] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[str] = mapped_column(ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"), index=True)
    tagged_by: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    tagged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CompanyTag(Base):
    """A tag on a company (an account segment such as "competitor customer" or a target list)."""

    __tablename__ = "company_tag"
    __table_args__ = (Index("ix_company_tag_tag_company", "tag_id", "company_id"),)

    company_id: Mapped[str] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[str] = mapped_column(ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"), index=True)
    tagged_by: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    tagged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
