"""The touchpoint rollup: GET /analytics/touchpoints without a contact, kind or channel filter, from per-day
summaries instead of a scan of every touchpoint in the window.

Per organisation and local day (in the organisation's time zone) ``analytics_day`` holds the touchpoints per kind
and channel, and ``analytics_day_contacts`` the contacts touched as a bit array over a dense contact ordinal, so
distinct contacts per bucket and in the window are a union of bit arrays. Both cover the touchpoints of contacts
of every status; a report takes the few non-active contacts' touchpoints and bits off, so a contact's status
change invalidates nothing. The results are exactly the scan's.

Kept current lazily (``analytics_dirty``): a touchpoint write or an erasure marks the instants of the touchpoints
it changed, before and after; a merge or its undo marks the contacts, whose days are those they were touched on
at the last refresh (their bits) and are now (their touchpoints). The next report refreshes the marked days;
another time zone, or no rollup yet, rebuilds the organisation's.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import ARRAY, String, delete, func, insert, literal, select
from sqlalchemy.orm import Session

from contacts.analytics.buckets import (
    Window,
    as_date,
    bucket_expr,
    bucket_start,
    bucket_starts,
    local_midnight,
)
from contacts.analytics.models import (
    AnalyticsContactOrdinal,
    AnalyticsDay,
    AnalyticsDayContacts,
    AnalyticsDirty,
    AnalyticsState,
)
from contacts.db import batches, utcnow
from contacts.orgsettings.service import time_zone
from contacts.people.models import Contact
from contacts.status import RecordStatus
from contacts.touchpoints.models import Touchpoint

WHOLE_MAP = 20_000  # contacts without a known ordinal above which a refresh reads every ordinal at once
RUN_DAYS = 31  # days recomputed per query, so that a rebuild holds one month of rows in memory at a time
# The splits the rollup answers (its rows keep the kind and the channel, not the event, campaign or user).
SPLITS = (None, "channel", "kind")
_SPLIT_ROLLUP: dict[str, Any] = {"channel": AnalyticsDay.channel, "kind": AnalyticsDay.kind}
_SPLIT_TOUCHPOINT: dict[str, Any] = {"channel": Touchpoint.channel, "kind": Touchpoint.kind}
Bits = np.ndarray[Any, np.dtype[np.uint8]]


def mark(session: Session, org_id: str, contact_ids: Iterable[str]) -> None:
    """Note that these contacts' touchpoints changed at any time (the next report refreshes their days)."""
    rows = [{"organization_id": org_id, "contact_id": c} for c in sorted(set(contact_ids))]
    if rows:
        session.execute(insert(AnalyticsDirty), rows)


def mark_instants(session: Session, org_id: str, instants: Iterable[datetime]) -> None:
    """Note that touchpoints at these instants changed (the next report refreshes their days)."""
    rows = [{"organization_id": org_id, "occurred_at": at} for at in sorted(set(instants))]
    if rows:
        session.execute(insert(AnalyticsDirty), rows)


def _pack(ordinals: Iterable[int]) -> bytes:
    ords = np.fromiter(ordinals, dtype=np.int64)
    flags = np.zeros(int(ords.max()) + 1 if ords.size else 0, dtype=bool)
    flags[ords] = True
    return zlib.compress(np.packbits(flags).tobytes())


def unpack(blob: bytes) -> Bits:
    """Return a day's bit array (bit ``n`` of the big-endian bit order is ordinal ``n``)."""
    return np.frombuffer(zlib.decompress(blob), dtype=np.uint8)


def union(arrays: Iterable[Bits]) -> Bits:
    """Return the bitwise OR of bit arrays of any lengths."""
    out: Bits = np.zeros(0, dtype=np.uint8)
    for a in arrays:
        if a.size > out.size:
            out = np.concatenate([out, np.zeros(a.size - out.size, dtype=np.uint8)])
        out[: a.size] |= a
    return out


def clear(bits: Bits, ordinals: Bits | np.ndarray[Any, Any]) -> None:
    """Clear the bits of ``ordinals`` in place."""
    ords = np.asarray(ordinals, dtype=np.int64)
    ords = ords[ords < bits.size * 8]
    np.bitwise_and.at(bits, ords >> 3, ~(np.uint8(0x80) >> (ords & 7).astype(np.uint8)))


def popcount(bits: Bits) -> int:
    """Return how many bits are set."""
    return int(np.unpackbits(bits).sum())


@dataclass
class Counts:
    """A report's figures: touchpoints per (bucket, series key), distinct contacts per bucket, and in total."""

    per: dict[tuple[date, str | None], int] = field(default_factory=dict)
    reached: dict[date, int] = field(default_factory=dict)
    touchpoints: int = 0
    contacts: int = 0


def counts(session: Session, org_id: str, window: Window, interval: str, split_by: str | None) -> Counts:
    """Count the active contacts' touchpoints of the window from the (refreshed) rollup, split by ``split_by``."""
    out = Counts()
    key = _SPLIT_ROLLUP.get(split_by or "")
    in_days = (
        AnalyticsDay.organization_id == org_id,
        AnalyticsDay.day >= window.first,
        AnalyticsDay.day <= window.last,
    )
    per: dict[tuple[date, str | None], int] = {}
    columns = [AnalyticsDay.day] if key is None else [AnalyticsDay.day, key]
    for row in session.execute(
        select(*columns, func.sum(AnalyticsDay.touchpoints)).where(*in_days).group_by(*columns)
    ):
        at = (bucket_start(row[0], interval), None if key is None else row[1])
        per[at] = per.get(at, 0) + int(row[-1])
    # Take off the touchpoints of contacts reports leave out (few: merged or deleted).
    inactive = inactive_contacts(org_id)
    starts = bucket_starts(window.first, window.last, interval)
    left_out = _SPLIT_TOUCHPOINT.get(split_by or "")
    bucket = bucket_expr(session, window, interval).label("bucket")
    columns = [bucket] if left_out is None else [bucket, left_out]
    # Driven from the few contacts (their status index), then their touchpoints by contact and time.
    others = inactive.subquery()
    for row in session.execute(
        select(*columns, func.count())
        .select_from(others)
        .join(Touchpoint, Touchpoint.contact_id == others.c.id)
        .where(
            Touchpoint.organization_id == org_id,
            Touchpoint.occurred_at >= window.start,
            Touchpoint.occurred_at < window.end,
        )
        .group_by(*columns)
    ):
        at = (as_date(row[0], starts), None if left_out is None else row[1])
        per[at] = per.get(at, 0) - row[-1]
    out.per = {at: n for at, n in per.items() if n}
    out.touchpoints = sum(out.per.values())
    gone = np.asarray(
        session.scalars(
            select(AnalyticsContactOrdinal.ordinal).where(
                AnalyticsContactOrdinal.organization_id == org_id,
                AnalyticsContactOrdinal.contact_id.in_(inactive),
            )
        ).all(),
        dtype=np.int64,
    )
    per_bucket: dict[date, list[Bits]] = {}
    for day, blob in session.execute(
        select(AnalyticsDayContacts.day, AnalyticsDayContacts.bits).where(
            AnalyticsDayContacts.organization_id == org_id,
            AnalyticsDayContacts.day >= window.first,
            AnalyticsDayContacts.day <= window.last,
        )
    ):
        per_bucket.setdefault(bucket_start(day, interval), []).append(unpack(blob))
    unions = []
    for start, arrays in per_bucket.items():
        bits = union(arrays)
        clear(bits, gone)
        out.reached[start] = popcount(bits)
        unions.append(bits)
    out.contacts = popcount(union(unions))
    return out


def _lock_state(session: Session, org_id: str) -> AnalyticsState:
    """Return the organisation's state row, locked until the transaction ends (one refresher at a time)."""
    stmt = select(AnalyticsState).where(AnalyticsState.organization_id == org_id).with_for_update()
    state = session.scalars(stmt).one_or_none()
    if state is None:
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as upsert
        else:
            from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
        session.execute(upsert(AnalyticsState).values(organization_id=org_id).on_conflict_do_nothing())
        state = session.scalars(stmt.execution_options(populate_existing=True)).one()
    return state


def refresh(session: Session, org_id: str) -> None:
    """Bring the organisation's rollup up to date with its touchpoints (in the caller's transaction)."""
    zone_name = time_zone(session, org_id)
    stale = select(AnalyticsDirty.id).where(AnalyticsDirty.organization_id == org_id).limit(1)
    cut_in = select(AnalyticsState.time_zone).where(AnalyticsState.organization_id == org_id)
    if session.scalar(cut_in) == zone_name and session.scalar(stale) is None:
        return  # current: no lock taken, so reports do not wait for each other
    state = _lock_state(session, org_id)
    marks = session.execute(
        select(AnalyticsDirty.id, AnalyticsDirty.contact_id, AnalyticsDirty.occurred_at).where(
            AnalyticsDirty.organization_id == org_id
        )
    ).all()
    if state.time_zone == zone_name and not marks:
        return  # another report refreshed it while this one waited for the lock
    zone = ZoneInfo(zone_name)
    if state.time_zone != zone_name:
        session.execute(delete(AnalyticsDay).where(AnalyticsDay.organization_id == org_id))
        session.execute(delete(AnalyticsDayContacts).where(AnalyticsDayContacts.organization_id == org_id))
        lo, hi = session.execute(
            select(func.min(Touchpoint.occurred_at), func.max(Touchpoint.occurred_at)).where(
                Touchpoint.organization_id == org_id
            )
        ).one()
        days = set() if lo is None else {lo.astimezone(zone).date(), hi.astimezone(zone).date()}
        if len(days) == 2:
            first, last = min(days), max(days)
            days = {first + timedelta(days=n) for n in range((last - first).days + 1)}
    else:
        contact_ids = sorted({c for _, c, _ in marks if c is not None})
        days = _days_touched(session, org_id, contact_ids, zone)
        days |= {at.astimezone(zone).date() for _, _, at in marks if at is not None}
    ordinals = Ordinals(session, org_id)
    for first, last in _runs(sorted(days)):
        window = Window(
            zone_name=zone_name,
            first=first,
            last=last,
            start=local_midnight(first, zone),
            end=local_midnight(last + timedelta(days=1), zone),
        )
        _recompute(session, org_id, window, ordinals)
    ids = [mark_id for mark_id, _, _ in marks]
    for batch in batches(ids):
        session.execute(delete(AnalyticsDirty).where(AnalyticsDirty.id.in_(batch)))
    state.time_zone = zone_name
    state.refreshed_at = utcnow()
    session.flush()


def _days_touched(session: Session, org_id: str, contact_ids: list[str], zone: Any) -> set[date]:
    """The days these contacts were touched on at the last refresh (their bits) or are now (their touchpoints)."""
    days: set[date] = set()
    ordinals: list[int] = []
    for chunk in batches(contact_ids):
        ordinals += session.scalars(
            select(AnalyticsContactOrdinal.ordinal).where(
                AnalyticsContactOrdinal.organization_id == org_id,
                AnalyticsContactOrdinal.contact_id.in_(chunk),
            )
        ).all()
        for (occurred_at,) in session.execute(
            select(Touchpoint.occurred_at).where(
                Touchpoint.organization_id == org_id, Touchpoint.contact_id.in_(chunk)
            )
        ):
            days.add(occurred_at.astimezone(zone).date())
    if ordinals:
        ords = np.asarray(ordinals, dtype=np.int64)
        at, masks = ords >> 3, np.uint8(0x80) >> (ords & 7).astype(np.uint8)
        for day, blob in session.execute(
            select(AnalyticsDayContacts.day, AnalyticsDayContacts.bits).where(
                AnalyticsDayContacts.organization_id == org_id
            )
        ):
            bits = unpack(blob)
            inside = at < bits.size
            if np.any(bits[at[inside]] & masks[inside]):
                days.add(day)
    return days


def _runs(days: list[date]) -> list[tuple[date, date]]:
    """Group sorted days into runs of consecutive days (at most ``RUN_DAYS``), as (first, last)."""
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and runs[-1][1] + timedelta(days=1) == day and (day - runs[-1][0]).days < RUN_DAYS:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


class Ordinals:
    """The organisation's contact ordinals one refresh has read or assigned (all of them once many are asked)."""

    def __init__(self, session: Session, org_id: str) -> None:
        self.session, self.org_id = session, org_id
        self.known: dict[str, int] = {}
        self.complete = False

    def _read(self, contact_ids: list[str]) -> dict[str, int]:
        known = AnalyticsContactOrdinal
        mine = known.organization_id == self.org_id
        if self.session.get_bind().dialect.name == "postgresql":  # one array parameter: no IN list to expand
            wanted = known.contact_id == func.any(literal(contact_ids, ARRAY(String)))
            return dict(
                self.session.execute(select(known.contact_id, known.ordinal).where(mine, wanted))
                .tuples()
                .all()
            )
        out: dict[str, int] = {}
        for batch in batches(contact_ids):
            chunk = known.contact_id.in_(batch)
            out.update(
                self.session.execute(select(known.contact_id, known.ordinal).where(mine, chunk))
                .tuples()
                .all()
            )
        return out

    def of(self, contact_ids: set[str]) -> dict[str, int]:
        """Return the ordinal of each contact, assigning the next ones to contacts without."""
        known = AnalyticsContactOrdinal
        missing = [c for c in contact_ids if c not in self.known]
        if missing and not self.complete:
            if len(missing) > WHOLE_MAP:
                where = [known.organization_id == self.org_id]
                self.known.update(
                    self.session.execute(select(known.contact_id, known.ordinal).where(*where)).tuples().all()
                )
                self.complete = True
            else:
                self.known.update(self._read(missing))
        new = sorted(c for c in contact_ids if c not in self.known)
        if new:
            top = self.session.scalar(
                select(func.max(known.ordinal)).where(known.organization_id == self.org_id)
            )
            first = 0 if top is None else top + 1
            assigned = {contact_id: first + n for n, contact_id in enumerate(new)}
            self.session.execute(
                insert(known),
                [
                    {"organization_id": self.org_id, "contact_id": c, "ordinal": o}
                    for c, o in assigned.items()
                ],
            )
            self.known.update(assigned)
        return self.known


def _recompute(session: Session, org_id: str, window: Window, ordinals: Ordinals) -> None:
    """Recompute the rollup of the window's days from the touchpoints (one read of them)."""
    starts = bucket_starts(window.first, window.last, "day")
    day_of = bucket_expr(session, window, "day").label("day")
    for model in (AnalyticsDay, AnalyticsDayContacts):
        session.execute(
            delete(model).where(
                model.organization_id == org_id, model.day >= window.first, model.day <= window.last
            )
        )
    counts: dict[tuple[date, str, str], int] = {}
    touched: dict[date, set[str]] = {}
    for day, kind, channel, contact_id, n in session.execute(
        select(day_of, Touchpoint.kind, Touchpoint.channel, Touchpoint.contact_id, func.count())
        .where(
            Touchpoint.organization_id == org_id,
            Touchpoint.occurred_at >= window.start,
            Touchpoint.occurred_at < window.end,
        )
        .group_by(day_of, Touchpoint.kind, Touchpoint.channel, Touchpoint.contact_id)
    ):
        local = as_date(day, starts)
        counts[(local, kind, channel)] = counts.get((local, kind, channel), 0) + n
        touched.setdefault(local, set()).add(contact_id)
    if not counts:
        return
    session.execute(
        insert(AnalyticsDay),
        [
            {"organization_id": org_id, "day": day, "kind": kind, "channel": channel, "touchpoints": n}
            for (day, kind, channel), n in counts.items()
        ],
    )
    number = ordinals.of(set().union(*touched.values()))
    session.execute(
        insert(AnalyticsDayContacts),
        [
            {"organization_id": org_id, "day": day, "bits": _pack(number[c] for c in ids)}
            for day, ids in touched.items()
        ],
    )


def inactive_contacts(org_id: str) -> Any:
    """The select of the organisation's contacts that reports leave out (every status but active)."""
    others = [s.value for s in RecordStatus if s != RecordStatus.ACTIVE]
    return select(Contact.id).where(Contact.organization_id == org_id, Contact.status.in_(others))
