"""Benchmark: CSV export of every contact (time, and the process's RSS sampled while it streams) and the count
of a few realistic saved segments (GET /segments/{id}), over synthetic card contacts with companies, e-mails,
phones, tags and touchpoints.

Bulk-loads with the bench_api seed (never the API); measures through the whole Flask stack in-process:
    python -m tests.bench.bench_segments [--contacts 100000] [--requests 50] [--backend postgresql]
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from contacts.db import new_id, session_factory
from contacts.people.models import Contact
from contacts.touchpoints.models import Touchpoint
from tests.bench.bench_api import bench_org, measure, seed

TOUCHES_PER_CONTACT = 2
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    """The process's resident set size now, in MiB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE / 2**20


def seed_touches(app: Any, org_id: str, user_id: str) -> None:
    """Give the contacts about TOUCHES_PER_CONTACT meetings each over the last year (for last_touchpoint_at)."""
    rng = random.Random(4)
    now = datetime.now(UTC)
    with app.app_context(), session_factory(app)() as s:
        ids = list(s.scalars(select(Contact.id).where(Contact.organization_id == org_id)))
        rows = []
        for _ in range(len(ids) * TOUCHES_PER_CONTACT):
            at = now - timedelta(seconds=rng.randrange(0, 365 * 86400))
            rows.append(
                {
                    "id": new_id(),
                    "organization_id": org_id,
                    "contact_id": rng.choice(ids),
                    "user_id": user_id,
                    "occurred_at": at,
                    "kind": "meeting",
                    "channel": "offline",
                    "source": "import",
                    "version": 1,
                    "created_at": at,
                    "updated_at": at,
                }
            )
            if len(rows) == 5000:
                s.execute(insert(Touchpoint.__table__), rows)
                rows = []
        if rows:
            s.execute(insert(Touchpoint.__table__), rows)
        s.commit()


def export_once(org: Any, path: str, **params: Any) -> tuple[int, float, list[float]]:
    """Stream one export; return its bytes, seconds and the RSS sampled every 20 chunks."""
    started = time.perf_counter()
    resp = org.get(path, query_string=params, buffered=False)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    size, samples = 0, [rss_mb()]
    for i, chunk in enumerate(resp.response):
        size += len(chunk)
        if i % 20 == 0:
            samples.append(rss_mb())
    resp.close()
    samples.append(rss_mb())
    return size, time.perf_counter() - started, samples


def settle(app: Any, backend: str) -> None:
    """VACUUM ANALYZE after the bulk load, as autovacuum leaves a table in use (index-only scans need it)."""
    if backend != "postgresql":
        return
    engine = app.extensions["meishi.engine"]
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    args = parser.parse_args()
    with bench_org(args.backend) as (app, org):
        started = time.perf_counter()
        tags, queries, _ = seed(app, org.organization_id, args.contacts)
        seed_touches(app, org.organization_id, org.user_id)
        settle(app, args.backend)
        print(f"seeded {args.contacts} contacts on {args.backend} in {time.perf_counter() - started:.0f} s")
        since = (datetime.now(UTC) - timedelta(days=90)).isoformat()
        segments = {
            "one tag": {"tag": [tags[0]]},
            "any of 3 tags, not 1": {"any_tag": tags[1:4], "not_tag": [tags[5]]},
            "search + tag": {"q": queries[0], "any_tag": tags[:5]},
            "tag, not touched in 90 d": {"tag": [tags[2]], "not_touched_since": since},
            "everyone": {},
        }
        for label, contact_filter in segments.items():
            resp = org.post("/api/v1/segments", json={"name": label, "filter": contact_filter})
            assert resp.status_code == 201, resp.get_data(as_text=True)
            url = f"/api/v1/segments/{resp.get_json()['id']}"
            counted = resp.get_json()["count"]

            def call(url: str = url) -> None:
                assert org.get(url).status_code == 200

            p50, p95, p99 = measure(call, args.requests)
            print(
                f"segment count {label:<26} ({counted:>6} contacts) p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  "
                f"p99 {p99:6.1f} ms  ({args.requests} requests, load {os.getloadavg()[0]:.1f})",
                flush=True,
            )
        for encoding in ("utf-8", "cp932"):
            size, seconds, samples = export_once(org, "/api/v1/contacts/export.csv", encoding=encoding)
            quarter = samples[: max(2, len(samples) // 4)]
            print(
                f"export {args.contacts} contacts {encoding:<6} {seconds:6.1f} s  {size / 2**20:6.1f} MiB  RSS start "
                f"{samples[0]:.0f} MiB, max in first quarter {max(quarter):.0f} MiB, max {max(samples):.0f} MiB, "
                f"end {samples[-1]:.0f} MiB",
                flush=True,
            )


if __name__ == "__main__":
    main()
