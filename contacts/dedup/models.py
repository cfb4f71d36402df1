"""Stored match keys, duplicate candidates and undoable merge operations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contacts.db import Base, JSONType, UTCDateTime, new_id, utcnow


class CandidateStatus(StrEnum):
    """Where a proposed pair stands: waiting for a person, judged not the same, or merged."""

    OPEN = "open"
    DISMISSED = "dismissed"
    MERGED = "merged"


class MatchKey(Base):
    """A blocking key of a contact, written when the contact is written."""

    __tablename__ = "match_key"
    __table_args__ = (Index("ix_match_key_org_key", "organization_id", "key"),)

    contact_id: Mapped[str] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"))


class MatchProfile(Base):
    """The precomputed, serialised matching keys of a contact."""

    __tablename__ = "match_profile"

    contact_id: Mapped[str] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"), index=True)
    keys: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class DuplicateCandidate(Base):
    __tablename__ = "duplicate_candidate"
    __table_args__ = (
        UniqueConstraint("organization_id", "entity", "a_id", "b_id"),
        Index("ix_duplicate_candidate_org_status", "organization_id", "status", "score"),
    )

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"))
    entity: Mapped[str] = mapped_column(String(10), default="contact")
    a_id: Mapped[str] = mapped_column(String(26), index=True)
    b_id: Mapped[str] = mapped_column(String(26), index=True)
    score: Mapped[float] = mapped_column(Float)
    decision: Mapped[str] = mapped_column(String(10))
    reasons: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(10), default=CandidateStatus.OPEN.value)
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MergeOperation(Base):
    __tablename__ = "merge_operation"

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organization.id"), index=True)
    entity: Mapped[str] = mapped_column(String(10), default="contact")
    winner_id: Mapped[str] = mapped_column(String(26), index=True)
    loser_ids: Mapped[list[Any]] = mapped_column(JSONType)
    field_choices: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType)
    automatic: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by: Mapped[str | None] = mapped_column(ForeignKey("user_account.id"))
