"""Benchmark: GET /contacts?over_contacted=true (and combined with other filters) over 100,000 contacts and
1,000,000 touchpoints spread over the last 365 days, with the rule "at most 3 e-mails, calls or direct mails in
14 days"; also how long setting the rule (recomputing every contact's mark) and recording a touchpoint take.

Seeds like bench_analytics (COPY on PostgreSQL), then a share of the contacts gets a burst of recent touchpoints
so that some are over the rule. Measures through the whole Flask stack in-process:
    python -m tests.bench.bench_marketing [--contacts 100000] [--touchpoints 1000000] [--requests 50]
        [--backend postgresql]
Target (PostgreSQL, full scale): the over_contacted list p95 <= 100 ms.
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
from tests.bench.bench_analytics import measure, seed
from tests.bench.bench_api import bench_org

RULE = {"max": 3, "kinds": ["email", "call", "direct_mail"], "days": 14}
BURST_SHARE = 0.05  # contacts given 4 recent e-mails: over the rule


def burst(app: Any, org_id: str, user_id: str) -> int:
    """Give a share of the contacts four e-mails in the last week; return how many contacts got them."""
    rng = random.Random(17)
    now = datetime.now(UTC)
    with app.app_context(), session_factory(app)() as s:
        ids = list(s.scalars(select(Contact.id).where(Contact.organization_id == org_id)))
        chosen = [c for c in ids if rng.random() < BURST_SHARE]
        rows = [
            {
                "id": new_id(),
                "organization_id": org_id,
                "contact_id": contact_id,
                "user_id": user_id,
                "occurred_at": (at := now - timedelta(hours=rng.randrange(1, 24 * 7))),
                "kind": "email",
                "channel": "online",
                "source": "import",
                "bulk": True,
                "version": 1,
                "created_at": at,
                "updated_at": at,
            }
            for contact_id in chosen
            for _ in range(4)
        ]
        for start in range(0, len(rows), 5000):
            s.execute(insert(Touchpoint.__table__), rows[start : start + 5000])
        s.commit()
    return len(chosen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--touchpoints", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    args = parser.parse_args()
    with bench_org(args.backend) as (app, org):
        started = time.perf_counter()
        seed(app, org.organization_id, org.user_id, args.contacts, args.touchpoints)
        bursts = burst(app, org.organization_id, org.user_id)
        print(
            f"seeded {args.contacts} contacts and {args.touchpoints} touchpoints (+{bursts * 4} recent e-mails "
            f"for {bursts} contacts) on {args.backend} in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        started = time.perf_counter()
        resp = org.put("/api/v1/organization/contact-rules", json={"rules": [RULE]})
        assert resp.status_code == 200, resp.get_data(as_text=True)
        print(
            f"setting the rule (every contact recomputed): {time.perf_counter() - started:.2f} s", flush=True
        )
        over = org.get("/api/v1/contacts", query_string={"over_contacted": "true", "limit": 500}).get_json()
        print(f"over-contacted contacts on the first page of 500: {len(over['items'])}", flush=True)
        contact_ids = [
            c["id"] for c in org.get("/api/v1/contacts", query_string={"limit": 200}).get_json()["items"]
        ]
        rng = random.Random(3)
        cases: list[tuple[str, str, dict[str, Any]]] = [
            ("no filter (baseline)", "/api/v1/contacts", {"limit": 50}),
            ("over_contacted=true", "/api/v1/contacts", {"over_contacted": "true", "limit": 50}),
            ("over_contacted=false", "/api/v1/contacts", {"over_contacted": "false", "limit": 50}),
            (
                "over_contacted + tag=vip",
                "/api/v1/contacts",
                {"over_contacted": "true", "tag": "vip", "limit": 50},
            ),
        ]
        for label, path, params in cases:

            def call(path: str = path, params: dict[str, Any] = params) -> None:
                got = org.get(path, query_string=params)
                assert got.status_code == 200, got.get_data(as_text=True)

            report(label, measure(call, args.requests), args.requests)

        def record() -> None:
            body = {
                "contact_id": rng.choice(contact_ids),
                "kind": "email",
                "occurred_at": datetime.now(UTC).isoformat(),
            }
            got = org.post("/api/v1/touchpoints", json=body)
            assert got.status_code == 201, got.get_data(as_text=True)

        report("POST /touchpoints (rule on)", measure(record, args.requests), args.requests)


def report(label: str, figures: tuple[float, float, float], requests: int) -> None:
    p50, p95, p99 = figures
    print(
        f"{label:<28} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   p99 {p99:7.1f} ms   "
        f"({requests} requests, load {os.getloadavg()[0]:.1f})",
        flush=True,
    )


if __name__ == "__main__":
    main()
