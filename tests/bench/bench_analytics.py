"""Benchmark: GET /analytics/touchpoints (week x channel over a year, and the other splits), the frequency and the
acquisition reports, over 100,000 contacts and 1,000,000 touchpoints spread over the last 365 days.

Bulk-loads with COPY (PostgreSQL) or executemany (SQLite), never the API; measures through the whole Flask stack
in-process. The rollup's cases (no filter; no split, channel or kind) are timed first cold (the first request
builds the rollup of the bulk-loaded data), then warm, then after batches of writes through the API (a bulk
touchpoint for 1,000 contacts and 20 single ones: the first request after refreshes their days):
    python -m tests.bench.bench_analytics [--contacts 100000] [--touchpoints 1000000] [--requests 20]
        [--backend postgresql] [--only "LABEL|..."] [--batches 5]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, text

from contacts.auth import service as auth_service
from contacts.db import new_id, session_factory, utcnow
from contacts.events.models import Campaign, Event
from contacts.people.models import Contact
from contacts.tags.models import ContactTag, Tag
from contacts.touchpoints.models import TOUCHPOINT_KINDS, Touchpoint
from tests.bench.bench_api import _percentile, bench_org

EVENTS = 50
CAMPAIGNS = 30
USERS = 10
CHANNEL_WEIGHTS = {"offline": 45, "online": 40, "o2o": 10, "omo": 5}
TOUCH_COLUMNS = [
    "id",
    "organization_id",
    "contact_id",
    "user_id",
    "occurred_at",
    "kind",
    "channel",
    "event_id",
    "campaign_id",
    "source",
    "version",
    "created_at",
    "updated_at",
]


def _seed_rows(
    app: Any, org_id: str, admin_id: str, contacts: int
) -> tuple[list[str], list[str], list[str], list[str]]:
    """Insert the contacts (10 % tagged "vip"), events, campaigns and users; return their ids."""
    now = utcnow()
    rng = random.Random(5)
    contact_rows = [
        {
            "id": new_id(),
            "uid": f"urn:uuid:{new_id()}",
            "organization_id": org_id,
            "full_name": f"Contact {i}",
            "status": "active",
            "field_sources": {},
            "search_text": f"contact {i}",
            "search_grams": [],
            "version": 1,
            "created_at": now - timedelta(days=rng.randrange(0, 730)),
            "updated_at": now,
        }
        for i in range(contacts)
    ]
    tag_id = new_id()
    links = [
        {"contact_id": c["id"], "tag_id": tag_id, "organization_id": org_id, "tagged_at": now}
        for c in contact_rows
        if rng.random() < 0.1
    ]
    events = [
        {
            "id": new_id(),
            "organization_id": org_id,
            "name": f"Expo {i}",
            "kind": "trade_show",
            "starts_at": now - timedelta(days=rng.randrange(0, 365)),
            "cost": rng.randrange(100_000, 3_000_000),
            "currency": "JPY",
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(EVENTS)
    ]
    campaigns = [
        {
            "id": new_id(),
            "organization_id": org_id,
            "name": f"Campaign {i}",
            "starts_at": now - timedelta(days=rng.randrange(0, 365)),
            "cost": rng.randrange(50_000, 1_000_000),
            "currency": "JPY",
            "created_at": now,
            "updated_at": now,
        }
        for i in range(CAMPAIGNS)
    ]
    with app.app_context(), session_factory(app)() as s:
        users = [admin_id]
        for i in range(USERS - 1):
            users.append(
                auth_service.create_user(
                    s, org_id, email=f"rep{i}@bench.example", name=f"Rep {i}", role="sales"
                ).id
            )
        s.execute(
            insert(Tag.__table__),
            [
                {
                    "id": tag_id,
                    "organization_id": org_id,
                    "name": "vip",
                    "kind": "custom",
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
        for table, rows in (
            (Contact.__table__, contact_rows),
            (ContactTag.__table__, links),
            (Event.__table__, events),
            (Campaign.__table__, campaigns),
        ):
            for start in range(0, len(rows), 5000):
                s.execute(insert(table), rows[start : start + 5000])
        s.commit()
    return [c["id"] for c in contact_rows], [e["id"] for e in events], [c["id"] for c in campaigns], users


def _touch_rows(org_id: str, n: int, ids: tuple[list[str], list[str], list[str], list[str]]) -> Any:
    contacts, events, campaigns, users = ids
    rng = random.Random(9)
    now = datetime.now(UTC)
    channels = list(CHANNEL_WEIGHTS)
    weights = list(CHANNEL_WEIGHTS.values())
    for _ in range(n):
        at = now - timedelta(seconds=rng.randrange(0, 365 * 86400))
        yield (
            new_id(),
            org_id,
            rng.choice(contacts),
            rng.choice(users),
            at,
            rng.choice(TOUCHPOINT_KINDS),
            rng.choices(channels, weights)[0],
            rng.choice(events) if rng.random() < 0.1 else None,
            rng.choice(campaigns) if rng.random() < 0.15 else None,
            "import",
            1,
            at,
            at,
        )


def seed(app: Any, org_id: str, admin_id: str, contacts: int, touchpoints: int) -> None:
    """Bulk-load the data set: COPY on PostgreSQL, executemany in chunks on SQLite; then VACUUM ANALYZE."""
    ids = _seed_rows(app, org_id, admin_id, contacts)
    rows = _touch_rows(org_id, touchpoints, ids)
    with app.app_context(), session_factory(app)() as s:
        if s.get_bind().dialect.name == "postgresql":
            raw = s.connection().connection.driver_connection
            with (
                raw.cursor() as cur,
                cur.copy(f"COPY touchpoint ({', '.join(TOUCH_COLUMNS)}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            s.commit()
            s.connection().connection.driver_connection.autocommit = True
            s.connection().exec_driver_sql("VACUUM ANALYZE")
        else:
            chunk: list[dict[str, Any]] = []
            for row in rows:
                chunk.append(dict(zip(TOUCH_COLUMNS, row, strict=True)))
                if len(chunk) == 10000:
                    s.execute(insert(Touchpoint.__table__), chunk)
                    chunk = []
            if chunk:
                s.execute(insert(Touchpoint.__table__), chunk)
            s.commit()
            s.execute(text("ANALYZE"))
            s.commit()


def measure(call: Any, n: int) -> tuple[float, float, float]:
    """Return p50, p95 and p99 in milliseconds of ``n`` calls (after 2 warm-up calls)."""
    for _ in range(2):
        call()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), _percentile(times, 0.95), _percentile(times, 0.99)


def _get(org: Any, path: str, params: dict[str, Any]) -> None:
    resp = org.get(path, query_string=params)
    assert resp.status_code == 200, resp.get_data(as_text=True)


def timed(label: str, call: Any) -> None:
    """Print how long one call took."""
    start = time.perf_counter()
    call()
    print(
        f"{label:<48} {(time.perf_counter() - start) * 1000:8.1f} ms   (load {os.getloadavg()[0]:.1f})",
        flush=True,
    )


def _contact_ids(app: Any, org_id: str) -> list[str]:
    with app.app_context(), session_factory(app)() as s:
        return list(s.scalars(select(Contact.id).where(Contact.organization_id == org_id)))


def _write_batch(org: Any, rng: random.Random, contact_ids: list[str], today: Any) -> None:
    """Record a bulk touchpoint for 1,000 contacts and 20 single ones, on random days of the last year."""

    def instant() -> str:
        day = today - timedelta(days=rng.randrange(0, 365))
        return f"{day.isoformat()}T{rng.randrange(24):02d}:30:00Z"

    body = {"contact_ids": rng.sample(contact_ids, 1000), "kind": "email", "occurred_at": instant()}
    assert org.post("/api/v1/touchpoints/bulk", json=body).status_code == 201
    for _ in range(20):
        one = {"contact_id": rng.choice(contact_ids), "kind": "call", "occurred_at": instant()}
        assert org.post("/api/v1/touchpoints", json=one).status_code == 201


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--touchpoints", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument(
        "--only", default="", help="measure only the cases whose label holds one of these (separated by |)"
    )
    parser.add_argument("--batches", type=int, default=5, help="write batches before a cold refresh")
    args = parser.parse_args()
    with bench_org(args.backend) as (app, org):
        started = time.perf_counter()
        seed(app, org.organization_id, org.user_id, args.contacts, args.touchpoints)
        print(
            f"seeded {args.contacts} contacts and {args.touchpoints} touchpoints on {args.backend} in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
        today = datetime.now(UTC).date()
        year = {"from": (today - timedelta(days=364)).isoformat(), "to": today.isoformat()}
        quarter = {"from": (today - timedelta(days=89)).isoformat(), "to": today.isoformat()}
        cases: list[tuple[str, str, dict[str, Any]]] = [
            (
                "week x channel, year",
                "/api/v1/analytics/touchpoints",
                {"interval": "week", "split_by": "channel", **year},
            ),
            ("week, no split, year", "/api/v1/analytics/touchpoints", {"interval": "week", **year}),
            (
                "month x kind, year",
                "/api/v1/analytics/touchpoints",
                {"interval": "month", "split_by": "kind", **year},
            ),
            (
                "week x event, year",
                "/api/v1/analytics/touchpoints",
                {"interval": "week", "split_by": "event", **year},
            ),
            (
                "week x campaign, year",
                "/api/v1/analytics/touchpoints",
                {"interval": "week", "split_by": "campaign", **year},
            ),
            (
                "week x user, year",
                "/api/v1/analytics/touchpoints",
                {"interval": "week", "split_by": "user", **year},
            ),
            (
                "day x channel, 90 days",
                "/api/v1/analytics/touchpoints",
                {"interval": "day", "split_by": "channel", **quarter},
            ),
            (
                "week x channel, tag=vip",
                "/api/v1/analytics/touchpoints",
                {"interval": "week", "split_by": "channel", "tag": "vip", **year},
            ),
            ("frequency, year", "/api/v1/analytics/touchpoints/frequency", year),
            ("acquisition, year", "/api/v1/analytics/acquisition", year),
        ]
        rollup_case = {"interval": "week", "split_by": "channel", **year}
        timed("cold: week x channel, year (builds the rollup)", lambda: _get(org, cases[0][1], rollup_case))
        rng = random.Random(11)
        contact_ids = _contact_ids(app, org.organization_id)
        for n in range(args.batches):
            _write_batch(org, rng, contact_ids, today)
            timed(f"after writes #{n + 1}: week x channel, year", lambda: _get(org, cases[0][1], rollup_case))
        for label, path, params in cases:
            if not any(part in label for part in args.only.split("|")):
                continue

            def call(path: str = path, params: dict[str, Any] = params) -> None:
                resp = org.get(path, query_string=params)
                assert resp.status_code == 200, resp.get_data(as_text=True)

            p50, p95, p99 = measure(call, args.requests)
            load = os.getloadavg()[0]
            print(
                f"{label:<26} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   p99 {p99:7.1f} ms   "
                f"({args.requests} requests, load {load:.1f})",
                flush=True,
            )


if __name__ == "__main__":
    main()
