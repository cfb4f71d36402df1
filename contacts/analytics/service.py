"""Touchpoint analytics in SQL on SQLite and PostgreSQL: buckets in the organisation's time zone, distinct
contacts, contact frequency, and new contacts, cost, revenue and ROI per event and campaign.

Every figure counts the touchpoints of the contacts a contact filter of GET /contacts selects (a semi-join on
``contacts_query``; the empty filter selects the active contacts), in a window of local dates.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal_column, or_, select, text
from sqlalchemy.orm import Session, aliased

from contacts.analytics import rollup
from contacts.analytics.buckets import (
    Window,
    as_date,
    bucket_expr,
    bucket_starts,
    window_of,
)
from contacts.analytics.schemas import (
    Acquisition,
    AnalyticsWindow,
    Bucket,
    CampaignSourceOut,
    Frequency,
    FrequencyClass,
    FrequencyQuery,
    Series,
    SourceOut,
    TouchpointSeries,
    TouchpointSeriesQuery,
)
from contacts.auth.models import User
from contacts.events.members import roi
from contacts.events.models import Campaign, CampaignMember, Event
from contacts.people.models import Contact
from contacts.people.schemas import ContactListQuery
from contacts.people.service import contacts_query
from contacts.tags.schemas import ContactFilter
from contacts.touchpoints.models import CHANNELS, TOUCHPOINT_KINDS, Touchpoint

NONE_LABEL = "(none)"


def contact_ids(session: Session, org_id: str, contact_filter: ContactFilter) -> Any:
    """The select of the ids of the contacts the filter selects, or None when it selects nobody."""
    fields = contact_filter.model_dump(include=set(ContactFilter.model_fields))
    stmt = contacts_query(session, org_id, ContactListQuery(**fields))
    return None if stmt is None else stmt.with_only_columns(Contact.id)


def touch_conditions(
    session: Session, org_id: str, query: AnalyticsWindow, window: Window
) -> list[ColumnElement[bool]] | None:
    """The WHERE of the touchpoints counted, or None when the contact filter selects nobody."""
    if _unfiltered(query):
        # No contact filter: every active contact, as an anti-join on the few others (the same rows, cheaper).
        ids = rollup.inactive_contacts(org_id)
        contacts_in: ColumnElement[bool] = ~Touchpoint.contact_id.in_(ids)
    else:
        chosen = contact_ids(session, org_id, query)
        if chosen is None:
            return None
        contacts_in = Touchpoint.contact_id.in_(chosen)
    where = [
        Touchpoint.organization_id == org_id,
        Touchpoint.occurred_at >= window.start,
        Touchpoint.occurred_at < window.end,
        contacts_in,
    ]
    if query.kind:
        where.append(Touchpoint.kind.in_(query.kind))
    if query.channel:
        where.append(Touchpoint.channel.in_(query.channel))
    return where


_SPLIT_COLUMNS = {
    "channel": Touchpoint.channel,
    "kind": Touchpoint.kind,
    "event": Touchpoint.event_id,
    "campaign": Touchpoint.campaign_id,
    "user": Touchpoint.user_id,
}


def _labels(session: Session, split: str, keys: list[str]) -> dict[str, str]:
    if split in ("channel", "kind") or not keys:
        return {k: k for k in keys}
    if split == "user":
        rows = session.execute(select(User.id, User.name, User.email).where(User.id.in_(keys))).all()
        return {r.id: r.name or r.email for r in rows}
    model = Event if split == "event" else Campaign
    return dict(session.execute(select(model.id, model.name).where(model.id.in_(keys))).tuples().all())


def _series(session: Session, split: str | None, totals: dict[str | None, int]) -> list[Series]:
    if split is None:
        return [Series(key=None, label="touchpoints", touchpoints=sum(totals.values()))]
    if split == "channel":
        keys: list[str | None] = list(CHANNELS)
    elif split == "kind":
        keys = [k for k in TOUCHPOINT_KINDS if k in totals]
    else:
        keys = sorted((k for k in totals if k is not None), key=lambda k: (-totals[k], k))
        if None in totals:
            keys.append(None)
    labels = _labels(session, split, [k for k in keys if k is not None])
    return [
        Series(key=k, label=NONE_LABEL if k is None else labels.get(k, k), touchpoints=totals.get(k, 0))
        for k in keys
    ]


def _unfiltered(query: AnalyticsWindow) -> bool:
    fields = set(ContactFilter.model_fields)
    return query.model_dump(include=fields) == ContactFilter().model_dump(include=fields)


def uses_rollup(query: TouchpointSeriesQuery) -> bool:
    """True when the rollup answers the query: no contact, kind or channel filter; split by channel or kind."""
    return _unfiltered(query) and not query.kind and not query.channel and query.split_by in rollup.SPLITS


def _scan(
    session: Session, org_id: str, query: TouchpointSeriesQuery, window: Window, starts: list[date]
) -> rollup.Counts:
    """Count by scanning every touchpoint of the window."""
    counts = rollup.Counts()
    where = touch_conditions(session, org_id, query, window)
    if where is None:
        return counts
    key_col = _SPLIT_COLUMNS[query.split_by] if query.split_by else literal_column("NULL")
    inner = (
        select(
            bucket_expr(session, window, query.interval).label("bucket"),
            key_col.label("key"),
            Touchpoint.contact_id.label("contact_id"),
        )
        .where(*where)
        .subquery()
    )
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))  # compiling costs more than it saves here
    for bucket, key, n in session.execute(
        select(inner.c.bucket, inner.c.key, func.count()).group_by(inner.c.bucket, inner.c.key)
    ):
        counts.per[(as_date(bucket, starts), key)] = n
    for bucket, n in session.execute(
        select(inner.c.bucket, func.count(inner.c.contact_id.distinct())).group_by(inner.c.bucket)
    ):
        counts.reached[as_date(bucket, starts)] = n
    counts.touchpoints, counts.contacts = session.execute(
        select(func.count(), func.count(Touchpoint.contact_id.distinct())).where(*where)
    ).one()
    return counts


def touchpoint_series(
    session: Session, org_id: str, query: TouchpointSeriesQuery, *, use_rollup: bool = True
) -> TouchpointSeries:
    """Count touchpoints and distinct contacts per bucket (and per series when split), zero-filled.

    With ``use_rollup`` a query the rollup answers refreshes the organisation's rollup (in the caller's
    transaction) and reads it; any other query scans the touchpoints. Both give the same figures.
    """
    window = window_of(session, org_id, query, query.interval)
    starts = bucket_starts(window.first, window.last, query.interval)
    if use_rollup and uses_rollup(query):
        rollup.refresh(session, org_id)
        counts = rollup.counts(session, org_id, window, query.interval, query.split_by)
    else:
        counts = _scan(session, org_id, query, window, starts)
    per = counts.per
    totals: dict[str | None, int] = defaultdict(int)
    for (_, key), n in per.items():
        totals[key] += n
    series = _series(session, query.split_by, totals)
    buckets = [
        Bucket(
            start=start,
            touchpoints=sum(per.get((start, s.key), 0) for s in series),
            contacts=counts.reached.get(start, 0),
            counts=[per.get((start, s.key), 0) for s in series],
        )
        for start in starts
    ]
    return TouchpointSeries(
        interval=query.interval,
        time_zone=window.zone_name,
        date_from=window.first,
        date_to=window.last,
        split_by=query.split_by,
        series=series,
        buckets=buckets,
        touchpoints=counts.touchpoints,
        contacts=counts.contacts,
    )


def frequency(session: Session, org_id: str, query: FrequencyQuery) -> Frequency:
    """Count the contacts touched 1, 2, ... and ``cap`` or more times in the window."""
    window = window_of(session, org_id, query)
    where = touch_conditions(session, org_id, query, window)
    counts: dict[int, int] = {}
    selected = 0
    if where is not None:
        per_contact = (
            select(Touchpoint.contact_id, func.count().label("n"))
            .where(*where)
            .group_by(Touchpoint.contact_id)
            .subquery()
        )
        times = case((per_contact.c.n >= query.cap, query.cap), else_=per_contact.c.n).label("times")
        counts = dict(session.execute(select(times, func.count()).group_by(times)).tuples().all())
        ids = contact_ids(session, org_id, query)
        selected = session.scalar(select(func.count()).select_from(ids.subquery())) or 0
    touched = sum(counts.values())
    classes = [
        FrequencyClass(
            touches=f"{n}+" if n == query.cap else str(n), min_touches=n, contacts=counts.get(n, 0)
        )
        for n in range(1, query.cap + 1)
    ]
    total = 0
    if where is not None:
        total = session.scalar(select(func.count()).select_from(Touchpoint).where(*where)) or 0
    return Frequency(
        time_zone=window.zone_name,
        date_from=window.first,
        date_to=window.last,
        cap=query.cap,
        classes=classes,
        contacts=touched,
        touchpoints=total,
        untouched=max(selected - touched, 0),
    )


def _first_touch() -> ColumnElement[bool]:
    """True for a touchpoint no other touchpoint of its contact precedes (ties broken by id)."""
    earlier = aliased(Touchpoint)
    return ~(
        select(earlier.id)
        .where(
            earlier.contact_id == Touchpoint.contact_id,
            or_(
                earlier.occurred_at < Touchpoint.occurred_at,
                and_(earlier.occurred_at == Touchpoint.occurred_at, earlier.id < Touchpoint.id),
            ),
        )
        .exists()
    )


def _source_counts(
    session: Session, where: list[ColumnElement[bool]], column: Any
) -> tuple[dict[str, tuple[int, int]], dict[str, int]]:
    reach = {
        key: (n, people)
        for key, n, people in session.execute(
            select(column, func.count(), func.count(Touchpoint.contact_id.distinct()))
            .where(*where, column.is_not(None))
            .group_by(column)
        )
    }
    new = dict(
        session.execute(
            select(column, func.count(Touchpoint.contact_id.distinct()))
            .where(*where, column.is_not(None), _first_touch())
            .group_by(column)
        )
        .tuples()
        .all()
    )
    return reach, new


def _per(cost: int | None, n: int) -> float | None:
    return round(cost / n, 2) if cost is not None and n else None


def acquisition(session: Session, org_id: str, query: AnalyticsWindow) -> Acquisition:
    """Per event and campaign active in the window: reach, new contacts (first touch), cost per new contact;
    per campaign also conversions, revenue and ROI."""
    window = window_of(session, org_id, query)
    where = touch_conditions(session, org_id, query, window)
    event_reach: dict[str, tuple[int, int]] = {}
    event_new: dict[str, int] = {}
    campaign_reach: dict[str, tuple[int, int]] = {}
    campaign_new: dict[str, int] = {}
    if where is not None:
        event_reach, event_new = _source_counts(session, where, Touchpoint.event_id)
        campaign_reach, campaign_new = _source_counts(session, where, Touchpoint.campaign_id)

    def started_in(model: type[Event] | type[Campaign]) -> Any:
        return and_(model.starts_at >= window.start, model.starts_at < window.end)

    events = session.scalars(
        select(Event)
        .where(Event.organization_id == org_id, or_(Event.id.in_(list(event_reach)), started_in(Event)))
        .order_by(Event.starts_at.desc(), Event.id)
    ).all()
    campaigns = session.scalars(
        select(Campaign)
        .where(
            Campaign.organization_id == org_id,
            or_(Campaign.id.in_(list(campaign_reach)), started_in(Campaign)),
        )
        .order_by(Campaign.starts_at.desc(), Campaign.id)
    ).all()
    results: dict[str, tuple[int, int]] = {}
    if campaigns:
        converted = func.sum(case((CampaignMember.status == "converted", 1), else_=0))
        results = {
            cid: (int(n or 0), int(value or 0))
            for cid, n, value in session.execute(
                select(CampaignMember.campaign_id, converted, func.sum(CampaignMember.value))
                .where(CampaignMember.campaign_id.in_([c.id for c in campaigns]))
                .group_by(CampaignMember.campaign_id)
            )
        }
    event_out = []
    for e in events:
        n, people = event_reach.get(e.id, (0, 0))
        new = event_new.get(e.id, 0)
        event_out.append(
            SourceOut(
                id=e.id,
                name=e.name,
                starts_at=e.starts_at,
                touchpoints=n,
                contacts=people,
                new_contacts=new,
                cost=e.cost,
                currency=e.currency,
                cost_per_new_contact=_per(e.cost, new),
            )
        )
    campaign_out = []
    for c in campaigns:
        n, people = campaign_reach.get(c.id, (0, 0))
        new = campaign_new.get(c.id, 0)
        won, revenue = results.get(c.id, (0, 0))
        campaign_out.append(
            CampaignSourceOut(
                id=c.id,
                name=c.name,
                starts_at=c.starts_at,
                touchpoints=n,
                contacts=people,
                new_contacts=new,
                cost=c.cost,
                currency=c.currency,
                cost_per_new_contact=_per(c.cost, new),
                converted=won,
                revenue=revenue,
                roi=roi(revenue, c.cost),
            )
        )
    return Acquisition(
        time_zone=window.zone_name,
        date_from=window.first,
        date_to=window.last,
        events=event_out,
        campaigns=campaign_out,
    )
