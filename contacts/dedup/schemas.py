"""Duplicate candidate and merge request/response schemas, and their serialisation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from contacts.api.schemas import Id, ListQuery, StrictModel
from contacts.companies.models import Company
from contacts.dedup.models import DuplicateCandidate, MergeOperation
from contacts.people.models import Contact
from contacts.people.schemas import CompanyRef

Entity = Literal["contact", "company"]
Decision = Literal["merge", "review"]


class DuplicateListQuery(ListQuery):
    """Filters of GET /duplicates: open contact candidates unless told otherwise."""

    entity: Entity = "contact"
    status: Literal["open", "dismissed", "merged"] = "open"
    decision: Decision | None = None
    contact_id: Id | None = None
    company_id: Id | None = None
    min_score: Annotated[float, Field(ge=0.0, le=1.0)] | None = None


class RecordSummary(BaseModel):
    """Enough of a contact or company to decide whether two are the same."""

    id: str
    status: str
    merged_into: str | None
    name: str
    name_kana: str | None = None
    company: CompanyRef | None = None
    department: str | None = None
    title: str | None = None
    emails: list[str] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list)
    addresses: list[str] = Field(default_factory=list)
    domains: list[str] = Field(default_factory=list)
    corporate_number: str | None = None


class CandidateOut(BaseModel):
    id: str
    entity: Entity
    a: RecordSummary | None
    b: RecordSummary | None
    score: float
    decision: str
    reasons: list[Any]
    status: str
    decided_by: str | None
    decided_at: datetime | None
    created_at: datetime


class CandidatePage(BaseModel):
    items: list[CandidateOut]
    next_cursor: str | None


class MergeIn(StrictModel):
    """Body of POST /merges: ``field_choices`` maps a field to the id whose value the winner takes."""

    entity: Entity = "contact"
    winner_id: Id
    loser_ids: Annotated[list[Id], Field(min_length=1, max_length=50)]
    field_choices: Annotated[dict[Annotated[str, Field(max_length=40)], Id], Field(max_length=20)] = Field(
        default_factory=dict
    )


class MergeOut(BaseModel):
    id: str
    entity: Entity
    status: Literal["applied", "undone"]
    winner_id: str
    loser_ids: list[str]
    field_choices: dict[str, str]
    automatic: bool
    dropped_duplicates: list[dict[str, Any]]
    created_by: str | None
    created_at: datetime
    undone_at: datetime | None
    undone_by: str | None


def _contact_summary(c: Contact) -> RecordSummary:
    return RecordSummary(
        id=c.id,
        status=c.status,
        merged_into=c.merged_into_id,
        name=c.full_name,
        name_kana=c.name_kana,
        company=CompanyRef(id=c.company.id, name=c.company.name) if c.company else None,
        department=c.department,
        title=c.title,
        emails=[e.value for e in c.emails],
        phones=[p.value for p in c.phones],
        addresses=[a.value for a in c.addresses],
    )


def _company_summary(c: Company) -> RecordSummary:
    return RecordSummary(
        id=c.id,
        status=c.status,
        merged_into=c.merged_into_id,
        name=c.name,
        name_kana=c.name_kana,
        domains=c.domains,
        corporate_number=c.corporate_number,
    )


def candidates_out(session: Session, rows: Sequence[DuplicateCandidate]) -> list[CandidateOut]:
    """Serialise candidates with both records' summaries (one query per entity kind)."""
    ids = list({i for r in rows for i in (r.a_id, r.b_id)})
    summaries: dict[str, RecordSummary] = {}
    if any(r.entity == "contact" for r in rows):
        for c in session.scalars(
            select(Contact)
            .where(Contact.id.in_(ids))
            .options(
                selectinload(Contact.emails), selectinload(Contact.phones), selectinload(Contact.addresses)
            )
        ):
            summaries[c.id] = _contact_summary(c)
    if any(r.entity == "company" for r in rows):
        for co in session.scalars(
            select(Company).where(Company.id.in_(ids)).options(selectinload(Company.domain_rows))
        ):
            summaries[co.id] = _company_summary(co)
    return [
        CandidateOut(
            id=r.id,
            entity=r.entity,
            a=summaries.get(r.a_id),
            b=summaries.get(r.b_id),
            score=r.score,
            decision=r.decision,
            reasons=list(r.reasons or []),
            status=r.status,
            decided_by=r.decided_by,
            decided_at=r.decided_at,
            created_at=r.created_at,
        )
        for r in rows
    ]


def merge_out(op: MergeOperation) -> MergeOut:
    """Serialise a merge operation (the snapshot stays internal)."""
    return MergeOut(
        id=op.id,
        entity=op.entity,
        status="undone" if op.undone_at else "applied",
        winner_id=op.winner_id,
        loser_ids=list(op.loser_ids),
        field_choices=dict(op.field_choices or {}),
        automatic=op.automatic,
        dropped_duplicates=list((op.snapshot or {}).get("dropped", [])),
        created_by=op.created_by,
        created_at=op.created_at,
        undone_at=op.undone_at,
        undone_by=op.undone_by,
    )
