"""Benchmark: change-feed reads (pages of 500, plain and ``include=data``) and the reference sync client
(examples/crm_sync) catching up the whole feed, over ``--changes`` change-log entries about contacts and
touchpoints (bulk-loaded, never the API; measured through the whole Flask stack in-process):

    python -m tests.bench.bench_feed [--changes 100000] [--requests 50] [--backend postgresql]

Targets (issue 13, PostgreSQL): a page of 500 in p95 <= 20 ms; catching up 100,000 changes in <= 60 s.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text, update

from contacts.auth.models import Organization
from contacts.changelog.models import ChangeLogEntry
from contacts.db import new_id, session_factory, utcnow
from contacts.pagination import encode_cursor
from contacts.people.models import Contact
from contacts.touchpoints.models import Touchpoint
from examples.crm_sync.client import Params, SyncClient
from examples.crm_sync.store import Json, Store
from tests.bench.bench_analytics import measure
from tests.bench.bench_api import bench_org
from tests.conftest import OrgClient

CHUNK = 5000


class InProcessHttp:
    """The client's HTTP through the Flask test client."""

    def __init__(self, org: OrgClient) -> None:
        self.org = org

    def get(self, path: str, params: Params) -> tuple[int, Json]:
        response = self.org.get(path, query_string=dict(params))
        return response.status_code, response.get_json()


def seed(app: Any, org_id: str, changes: int) -> None:
    """Contacts (half the changes: created, then updated), a touchpoint per fourth contact, and their entries."""
    rng = random.Random(13)
    now = utcnow()
    n = max(1, changes // 2)
    contacts = [
        {
            "id": new_id(),
            "uid": f"urn:uuid:{new_id()}",
            "organization_id": org_id,
            "full_name": f"Contact {i}",
            "title": rng.choice([None, "部長", "課長", "Engineer"]),
            "status": "active",
            "field_sources": {},
            "search_text": f"contact {i}",
            "search_grams": [],
            "version": 2,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(n)
    ]
    entries: list[dict[str, Any]] = []
    for c in contacts:
        for operation in ("created", "updated"):
            entries.append({"entity": "contact", "entity_id": c["id"], "operation": operation})
    points = []
    for c in contacts[::4]:
        point_id = new_id()
        points.append(
            {
                "id": point_id,
                "organization_id": org_id,
                "contact_id": c["id"],
                "occurred_at": now,
                "kind": "meeting",
                "channel": "offline",
                "source": "api",
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
    # the touchpoints' entries replace as many contact updates, so the feed has exactly ``changes`` entries
    for i, p in enumerate(points):
        entries[2 * 4 * i + 1] = {"entity": "touchpoint", "entity_id": p["id"], "operation": "created"}
    entries = entries[:changes]
    with app.app_context(), session_factory(app)() as s:
        for table, rows in ((Contact.__table__, contacts), (Touchpoint.__table__, points)):
            for start in range(0, len(rows), CHUNK):
                s.execute(insert(table), rows[start : start + CHUNK])
        log = [
            {**e, "organization_id": org_id, "seq": i + 1, "actor_id": None, "data": None, "occurred_at": now}
            for i, e in enumerate(entries)
        ]
        for start in range(0, len(log), CHUNK):
            s.execute(insert(ChangeLogEntry.__table__), log[start : start + CHUNK])
        s.execute(update(Organization).where(Organization.id == org_id).values(change_seq=len(log)))
        s.commit()
        if s.get_bind().dialect.name == "postgresql":
            s.connection().connection.driver_connection.autocommit = True
            s.connection().exec_driver_sql("VACUUM ANALYZE")
        else:
            s.execute(text("ANALYZE"))
            s.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    args = parser.parse_args()
    with bench_org(args.backend) as (app, org):
        started = time.perf_counter()
        seed(app, org.organization_id, args.changes)
        print(f"seeded {args.changes} changes on {args.backend} in {time.perf_counter() - started:.0f} s")
        rng = random.Random(3)
        last = max(1, args.changes - 500)
        for label, extra in (("page of 500", {}), ("page of 500, include=data", {"include": "data"})):

            def call(extra: dict[str, str] = extra) -> None:
                params = {"after": rng.randrange(0, last), "limit": 500, **extra}
                resp = org.get("/api/v1/changes", query_string=params)
                assert resp.status_code == 200 and len(resp.get_json()["items"]) == min(500, args.changes)

            p50, p95, p99 = measure(call, args.requests)
            print(
                f"{label:<28} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   p99 {p99:7.1f} ms   "
                f"({args.requests} requests, load {os.getloadavg()[0]:.1f})",
                flush=True,
            )
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(Path(tmp) / "crm.sqlite")
            store.set_cursor(encode_cursor([0]))  # follow the whole feed rather than resync from the lists
            started = time.perf_counter()
            applied = SyncClient(InProcessHttp(org), store).sync()
            took = time.perf_counter() - started
            print(
                f"reference client caught up {applied} changes ({len(store.records())} records) in {took:.1f} s "
                f"({applied / took:,.0f} changes/s)",
                flush=True,
            )


if __name__ == "__main__":
    main()
