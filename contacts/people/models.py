"""Contacts (people) with their emails, phones, addresses and employment history."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contacts.companies.models import Company
from contacts.db import Base, JSONType, UTCDateTime, new_id, utcnow
from contacts.status import RecordStatus

SOURCE_TYPES = ("card", "import", "api", "manual", "merge")


def _urn_uuid() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


class Contact(Base):
    __tablename__ = "contact"
    __table_args__ = (
        Index("ix_contact_org_status_id", "organization_id", "status", "id"),
        # A list of ids from elsewhere (a tag's contacts) checked for organisation and status from the index alone.
        Index("ix_contact_id_org_status", "id", "organization_id", "status"),
        Index("ix_contact_org_updated", "organization_id", "updated_at", "id"),
        Index("ix_contact_org_owner", "organization_id", "owner_id"),
        Index("ix_contact_org_company", "organization_id", "company_id"),
        Index("ix_contact_org_seniority", "organization_id", "seniority"),
        Index("ix_contact_org_prefecture", "organization_id", "prefecture"),
        Index("ix_contact_org_over_contacted", "organization_id", "over_contacted_until"),
        Index("ix_contact_search_grams_gin", "search_grams", postgresql_using="gin"),
        Index(
            "ix_contact_search_text_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
    )

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    uid: Mapped[str] = mapped_column(String(64), unique=True, default=_urn_uuid)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"))
    family_name: Mapped[str | None] = mapped_column(String(200))
    given_name: Mapped[str | None] = mapped_column(String(200))
    full_name: Mapped[str] = mapped_column(String(400), default="")
    name_kana: Mapped[str | None] = mapped_column(String(400))
    name_romaji: Mapped[str | None] = mapped_column(String(400))
    company_id: Mapped[str | None] = mapped_column(ForeignKey("company.id"), index=True)
    department: Mapped[str | None] = mapped_column(String(400))
    title: Mapped[str | None] = mapped_column(String(400))
    # Normalised from the title (contacts.normalize.title) and the primary address (normalize.prefecture) on
    # every write, so that the seniority and prefecture/region filters read an index.
    seniority: Mapped[str | None] = mapped_column(String(20))
    prefecture: Mapped[str | None] = mapped_column(String(10))
    # Until when the contact breaks a contact-frequency rule (contacts.frequency keeps it), and which rule.
    over_contacted_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    over_contacted_rule: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    url: Mapped[str | None] = mapped_column(String(2000))
    notes: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=RecordStatus.ACTIVE.value)
    merged_into_id: Mapped[str | None] = mapped_column(ForeignKey("contact.id"), index=True)
    field_sources: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # Written on every change, read only by the database (``q``): not loaded with the row unless asked for.
    search_text: Mapped[str] = mapped_column(Text, default="", deferred=True)
    search_grams: Mapped[list[str] | None] = mapped_column(
        JSON().with_variant(ARRAY(Text()), "postgresql"), deferred=True
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    company: Mapped[Company | None] = relationship(lazy="joined")
    emails: Mapped[list[ContactEmail]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="ContactEmail.position"
    )
    phones: Mapped[list[ContactPhone]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="ContactPhone.position"
    )
    addresses: Mapped[list[ContactAddress]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="ContactAddress.position"
    )


class _ContactValue:
    """Columns shared by a contact's child values: kind, primary flag, order and provenance."""

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"))
    type: Mapped[str] = mapped_column(String(20), default="work")
    primary: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    source_type: Mapped[str] = mapped_column(String(10), default="api")
    source_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContactEmail(_ContactValue, Base):
    __tablename__ = "contact_email"
    __table_args__ = (Index("ix_contact_email_org_normalized", "organization_id", "value_normalized"),)

    contact_id: Mapped[str] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    value: Mapped[str] = mapped_column(String(320))
    value_normalized: Mapped[str] = mapped_column(String(320))

    contact: Mapped[Contact] = relationship(back_populates="emails")


class ContactPhone(_ContactValue, Base):
    __tablename__ = "contact_phone"
    __table_args__ = (Index("ix_contact_phone_org_e164", "organization_id", "e164"),)

    contact_id: Mapped[str] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    value: Mapped[str] = mapped_column(String(100))
    e164: Mapped[str | None] = mapped_column(String(20))

    contact: Mapped[Contact] = relationship(back_populates="phones")


class ContactAddress(_ContactValue, Base):
    __tablename__ = "contact_address"

    contact_id: Mapped[str] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    postal_code: Mapped[str | None] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(1000))
    value_normalized: Mapped[str] = mapped_column(String(1000), default="")

    contact: Mapped[Contact] = relationship(back_populates="addresses")


class Employment(Base):
    __tablename__ = "employment"
    __table_args__ = (Index("ix_employment_contact_started", "contact_id", "started_at"),)

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"), index=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    company_id: Mapped[str | None] = mapped_column(ForeignKey("company.id"), index=True)
    department: Mapped[str | None] = mapped_column(String(400))
    title: Mapped[str | None] = mapped_column(String(400))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source_type: Mapped[str] = mapped_column(String(10), default="api")
    source_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    company: Mapped[Company | None] = relationship(lazy="joined")
