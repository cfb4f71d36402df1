"""Touchpoint analytics in SQL on SQLite and PostgreSQL: buckets in the organisation's time zone, distinct
contacts, contact frequency, and new contacts, cost, revenue and ROI per event and campaign.

Every figure counts the touchpoints of the contacts a contact filter of GET /contacts selects (a semi-join on
``contacts_query``; the empty filter selects the active contacts), in a window of local dates.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    DateTime,
    and_,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session, aliased

from contacts.analytics.schemas import (
    MAX_BUCKETS,
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
from contacts.errors import ValidationFailed
from contacts.events.members import roi
from contacts.events.models import Campaign, CampaignMember, Event
from contacts.orgsettings.service import time_zone
from contacts.people.models import Contact
from contacts.people.schemas import ContactListQuery
from contacts.people.service import contacts_query
from contacts.tags.schemas import ContactFilter
from contacts.touchpoints.models import CHANNELS, TOUCHPOINT_KINDS, Touchpoint

# The default window per interval when ``from`` is not sent: 30 days, 13 weeks, 12 months.
DEFAULT_SPAN = {"day": 30, "week": 13, "month": 12}
NONE_LABEL = "(none)"


@dataclass(frozen=True)
class Window:
    """A window of whole local dates and the UTC instants it spans."""

    zone_name: str
    first: date  # first local date, included
    last: date  # last local date, included
    start: datetime  # UTC instant of ``first``'s local midnight
    end: datetime  # UTC instant of the local midnight after ``last`` (excluded)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.zone_name)


def _bad(field: str, message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[{"field": field, "message": message, "code": code}])


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """Return the UTC instant a local date starts at."""
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def bucket_start(day: date, interval: str) -> date:
    """Return the first local date of the bucket holding ``day`` (weeks start on Monday, ISO 8601)."""
    if interval == "week":
        return day - timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    return day


def next_bucket(day: date, interval: str) -> date:
    """Return the first date of the bucket after the one starting at ``day``."""
    if interval == "week":
        return day + timedelta(days=7)
    if interval == "month":
        return date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return day + timedelta(days=1)


def bucket_starts(first: date, last: date, interval: str) -> list[date]:
    """Return the start of every bucket from the one holding ``first`` to the one holding ``last``."""
    out = []
    day = bucket_start(first, interval)
    while day <= last:
        out.append(day)
        day = next_bucket(day, interval)
    return out


def _today(zone: ZoneInfo) -> date:
    return datetime.now(zone).date()


def window_of(session: Session, org_id: str, query: AnalyticsWindow, interval: str | None = None) -> Window:
    """Resolve the query's local-date window in the organisation's time zone (widened to whole buckets)."""
    zone_name = time_zone(session, org_id)
    zone = ZoneInfo(zone_name)
    last = query.date_to or _today(zone)
    if query.date_from is not None:
        first = query.date_from
    elif interval == "month":
        first = bucket_start(last, "month")
        for _ in range(DEFAULT_SPAN["month"] - 1):
            first = bucket_start(first - timedelta(days=1), "month")
    elif interval == "week":
        first = bucket_start(last, "week") - timedelta(weeks=DEFAULT_SPAN["week"] - 1)
    else:
        first = last - timedelta(days=DEFAULT_SPAN["day"] - 1)
    if query.date_to is None and first > last:
        last = first
    if interval is not None:
        starts = bucket_starts(first, last, interval)
        if len(starts) > MAX_BUCKETS[interval]:
            raise _bad(
                "from",
                f"the window holds {len(starts)} {interval} buckets; at most {MAX_BUCKETS[interval]}: "
                "shorten it or use a longer interval",
                "too_many_buckets",
            )
        first, last = starts[0], next_bucket(starts[-1], interval) - timedelta(days=1)
    elif (last - first).days >= 3660:
        raise _bad("from", "the window is longer than ten years", "window_too_large")
    return Window(
        zone_name=zone_name,
        first=first,
        last=last,
        start=local_midnight(first, zone),
        end=local_midnight(last + timedelta(days=1), zone),
    )


def _offset(instant: datetime, zone: ZoneInfo) -> int:
    offset = instant.astimezone(zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def offset_changes(zone: ZoneInfo, start: datetime, end: datetime) -> tuple[int, list[tuple[datetime, int]]]:
    """Return the zone's UTC offset (seconds) at ``start`` and every (instant, new offset) change before ``end``."""
    first = _offset(start, zone)
    changes: list[tuple[datetime, int]] = []
    step = timedelta(hours=12)
    current, at = first, start
    while at < end:
        nxt = min(at + step, end)
        if _offset(nxt, zone) != current:
            lo, hi = at, nxt  # the offset is ``current`` at lo and differs at hi: find the first second
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                if _offset(mid, zone) == current:
                    lo = mid
                else:
                    hi = mid
            # Offsets change on whole seconds: the change is the first whole second after ``lo``.
            instant = lo.replace(microsecond=0) + timedelta(seconds=1)
            current = _offset(instant, zone)
            changes.append((instant, current))
        at = nxt
    return first, changes


def _modifier(seconds: int) -> str:
    return f"{seconds:+d} seconds"


def bucket_expr(session: Session, window: Window, interval: str) -> ColumnElement[Any]:
    """The SQL expression of a touchpoint's bucket (its first local date) in the window's time zone."""
    col = Touchpoint.occurred_at
    if session.get_bind().dialect.name == "postgresql":
        # The bucket's number (1 = the first) among the buckets' UTC starts, computed here with zoneinfo: exact
        # across DST changes, and cheaper per row than timezone() and date_trunc().
        starts = bucket_starts(window.first, window.last, interval)
        bounds = [local_midnight(day, window.zone) for day in starts] + [window.end]
        return func.width_bucket(col, literal(bounds, ARRAY(DateTime(timezone=True))))
    # SQLite: add the offset in force at each instant (a CASE over the zone's changes within the window).
    first, changes = offset_changes(window.zone, window.start, window.end)
    shift: Any = literal_column(f"'{_modifier(first)}'")
    if changes:
        whens = []
        previous = first
        for instant, offset in changes:
            whens.append((col < instant, _modifier(previous)))
            previous = offset
        shift = case(*whens, else_=_modifier(previous))
    if interval == "week":
        return func.date(col, shift, "weekday 0", "-6 days")
    if interval == "month":
        return func.date(col, shift, "start of month")
    return func.date(col, shift)


def _as_date(value: Any, starts: list[date] | None = None) -> date:
    if isinstance(value, int) and starts is not None:
        return starts[value - 1]
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def contact_ids(session: Session, org_id: str, contact_filter: ContactFilter) -> Any:
    """The select of the ids of the contacts the filter selects, or None when it selects nobody."""
    fields = contact_filter.model_dump(include=set(ContactFilter.model_fields))
    stmt = contacts_query(session, org_id, ContactListQuery(**fields))
    return None if stmt is None else stmt.with_only_columns(Contact.id)


def touch_conditions(
    session: Session, org_id: str, query: AnalyticsWindow, window: Window
) -> list[ColumnElement[bool]] | None:
    """The WHERE of the touchpoints counted, or None when the contact filter selects nobody."""
    fields = set(ContactFilter.model_fields)
    if query.model_dump(include=fields) == ContactFilter().model_dump(include=fields):
        # No contact filter: every active contact, as an anti-join on the few others (the same rows, cheaper).
        ids = select(Contact.id).where(Contact.organization_id == org_id, Contact.status != "active")
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


def touchpoint_series(session: Session, org_id: str, query: TouchpointSeriesQuery) -> TouchpointSeries:
    """Count touchpoints and distinct contacts per bucket (and per series when split), zero-filled."""
    window = window_of(session, org_id, query, query.interval)
    starts = bucket_starts(window.first, window.last, query.interval)
    where = touch_conditions(session, org_id, query, window)
    per: dict[tuple[date, str | None], int] = {}
    reached: dict[date, int] = {}
    touchpoints = contacts = 0
    if where is not None:
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
            per[(_as_date(bucket, starts), key)] = n
        for bucket, n in session.execute(
            select(inner.c.bucket, func.count(inner.c.contact_id.distinct())).group_by(inner.c.bucket)
        ):
            reached[_as_date(bucket, starts)] = n
        touchpoints, contacts = session.execute(
            select(func.count(), func.count(Touchpoint.contact_id.distinct())).where(*where)
        ).one()
    totals: dict[str | None, int] = defaultdict(int)
    for (_, key), n in per.items():
        totals[key] += n
    series = _series(session, query.split_by, totals)
    buckets = [
        Bucket(
            start=start,
            touchpoints=sum(per.get((start, s.key), 0) for s in series),
            contacts=reached.get(start, 0),
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
        touchpoints=touchpoints,
        contacts=contacts,
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
