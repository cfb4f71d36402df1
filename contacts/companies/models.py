"""Companies (accounts) and their domains."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contacts.db import Base, JSONType, UTCDateTime, new_id, utcnow
from contacts.status import RecordStatus


class Company(Base):
    __tablename__ = "company"
    __table_args__ = (
        Index("ix_company_org_name_normalized", "organization_id", "name_normalized"),
        Index("ix_company_org_corporate_number", "organization_id", "corporate_number"),
        Index("ix_company_org_updated", "organization_id", "updated_at", "id"),
        Index(
            "ix_company_name_normalized_trgm",
            "name_normalized",
            postgresql_using="gin",
            postgresql_ops={"name_normalized": "gin_trgm_ops"},
        ),
    )

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"))
    name: Mapped[str] = mapped_column(String(300))
    name_normalized: Mapped[str] = mapped_column(String(300), default="")
    name_kana: Mapped[str | None] = mapped_column(String(300))
    corporate_number: Mapped[str | None] = mapped_column(String(13))
    url: Mapped[str | None] = mapped_column(String(2000))
    addresses: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    phones: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(10), default=RecordStatus.ACTIVE.value)
    merged_into_id: Mapped[str | None] = mapped_column(ForeignKey("company.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    domain_rows: Mapped[list[CompanyDomain]] = relationship(
        back_populates="company", cascade="all, delete-orphan", order_by="CompanyDomain.domain"
    )

    @property
    def domains(self) -> list[str]:
        return [d.domain for d in self.domain_rows]


class CompanyDomain(Base):
    __tablename__ = "company_domain"
    __table_args__ = (
        UniqueConstraint("company_id", "domain"),
        Index("ix_company_domain_org_domain", "organization_id", "domain"),
    )

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"))
    company_id: Mapped[str] = mapped_column(ForeignKey("company.id", ondelete="CASCADE"))
    domain: Mapped[str] = mapped_column(String(253))
    note: Mapped[str | None] = mapped_column(Text)

    company: Mapped[Company] = relationship(back_populates="domain_rows")
