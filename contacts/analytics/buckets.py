"""Local-date windows and buckets in an organisation's time zone, for the touchpoint scan and the rollup."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ARRAY, ColumnElement, DateTime, case, func, literal, literal_column
from sqlalchemy.orm import Session

from contacts.analytics.schemas import MAX_BUCKETS, AnalyticsWindow
from contacts.errors import ValidationFailed
from contacts.orgsettings.service import time_zone
from contacts.touchpoints.models import Touchpoint

DEFAULT_SPAN = {"day": 30, "week": 13, "month": 12}


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


def as_date(value: Any, starts: list[date] | None = None) -> date:
    """Return the local date a bucket expression gave (a bucket number on PostgreSQL, given ``starts``)."""
    if isinstance(value, int) and starts is not None:
        return starts[value - 1]
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
