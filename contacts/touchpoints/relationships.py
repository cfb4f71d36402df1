"""Relationships (つながり): who on our side knows a person or a company, and how often we reach them.

Both come from the touchpoints: a contact's are its own; a company's are those recorded while the person
worked there (``touchpoint.company_id`` is the company at the time), so a person who moved on still counts
for the company where we met them. Counts are given in total and within a recent window, so a rep sees who
met the customer last and marketing sees who was contacted too often.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from contacts.auth.models import User
from contacts.db import utcnow
from contacts.people.models import Contact
from contacts.status import RecordStatus
from contacts.touchpoints.models import Touchpoint
from contacts.touchpoints.schemas import (
    Acquaintance,
    CompanyRelationship,
    ContactRelationship,
    CountByKey,
    KnownContact,
    RelationshipQuery,
    TouchpointSummary,
)

TOP_CONTACTS = 50


def _windowed(since: datetime) -> tuple[Any, ...]:
    """The aggregate columns every grouping shares: count, count in the window, first and last time."""
    recent = func.sum(case((Touchpoint.occurred_at >= since, 1), else_=0))
    return (
        func.count().label("total"),
        func.coalesce(recent, 0).label("recent"),
        func.min(Touchpoint.occurred_at).label("first_at"),
        func.max(Touchpoint.occurred_at).label("last_at"),
    )


def _summary(session: Session, where: ColumnElement[bool], since: datetime) -> TouchpointSummary:
    total, recent, first_at, last_at = session.execute(select(*_windowed(since)).where(where)).one()
    last = session.execute(
        select(Touchpoint.kind, Touchpoint.channel)
        .where(where)
        .order_by(Touchpoint.occurred_at.desc(), Touchpoint.id.desc())
        .limit(1)
    ).first()

    def by(column: Any) -> list[CountByKey]:
        rows = session.execute(
            select(column, *_windowed(since))
            .where(where)
            .group_by(column)
            .order_by(func.count().desc(), column)
        )
        return [CountByKey(key=r[0], total=r.total, in_window=int(r.recent)) for r in rows]

    return TouchpointSummary(
        total=total,
        in_window=int(recent),
        first_at=first_at,
        last_at=last_at,
        last_kind=last.kind if last else None,
        last_channel=last.channel if last else None,
        by_kind=by(Touchpoint.kind),
        by_channel=by(Touchpoint.channel),
    )


def _acquaintances(session: Session, where: ColumnElement[bool], since: datetime) -> list[Acquaintance]:
    """Our users who took part in the touchpoints, most recent contact first."""
    stats = (
        select(Touchpoint.user_id, *_windowed(since))
        # A mass mailing (bulk) reaches people; it does not make its sender know them.
        .where(where, Touchpoint.user_id.is_not(None), Touchpoint.bulk.is_(False))
        .group_by(Touchpoint.user_id)
        .subquery()
    )
    rows = session.execute(
        select(stats, User.name, User.email, User.active)
        .join(User, User.id == stats.c.user_id)
        .order_by(stats.c.last_at.desc(), stats.c.user_id)
    )
    return [
        Acquaintance(
            user_id=r.user_id,
            name=r.name,
            email=r.email,
            active=r.active,
            touchpoints=r.total,
            in_window=int(r.recent),
            first_at=r.first_at,
            last_at=r.last_at,
        )
        for r in rows
    ]


def contact_relationship(
    session: Session, org_id: str, contact_id: str, query: RelationshipQuery
) -> ContactRelationship:
    now = utcnow()
    since = now - timedelta(days=query.window_days)
    where = (Touchpoint.organization_id == org_id) & (Touchpoint.contact_id == contact_id)
    return ContactRelationship(
        contact_id=contact_id,
        as_of=now,
        window_days=query.window_days,
        touchpoints=_summary(session, where, since),
        known_by=_acquaintances(session, where, since),
    )


def company_relationship(
    session: Session, org_id: str, company_id: str, query: RelationshipQuery
) -> CompanyRelationship:
    now = utcnow()
    since = now - timedelta(days=query.window_days)
    where = (Touchpoint.organization_id == org_id) & (Touchpoint.company_id == company_id)
    stats = (
        select(Touchpoint.contact_id, *_windowed(since))
        .where(where)
        .group_by(Touchpoint.contact_id)
        .subquery()
    )
    rows = session.execute(
        select(stats, Contact.full_name, Contact.title, Contact.company_id, Contact.status)
        .join(Contact, Contact.id == stats.c.contact_id)
        .order_by(stats.c.last_at.desc(), stats.c.contact_id)
        .limit(TOP_CONTACTS)
    )
    contacts = [
        KnownContact(
            contact_id=r.contact_id,
            full_name=r.full_name,
            title=r.title,
            still_there=r.company_id == company_id and r.status == RecordStatus.ACTIVE,
            touchpoints=r.total,
            in_window=int(r.recent),
            first_at=r.first_at,
            last_at=r.last_at,
        )
        for r in rows
    ]
    return CompanyRelationship(
        company_id=company_id,
        as_of=now,
        window_days=query.window_days,
        touchpoints=_summary(session, where, since),
        known_by=_acquaintances(session, where, since),
        contacts=contacts,
    )
