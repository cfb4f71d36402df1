"""Benchmark: the CPU one request of each kind of bench_load's mix costs, in Python and in PostgreSQL.

In-process (the Flask test client, one thread, so no lock or GIL waits), on PostgreSQL with the contacts of
bench_load: for each kind, ``--requests`` requests one after the other, timing this thread's CPU and the CPU
of the database's backends (from /proc). Steadier than bench_load on a shared machine, and it tells which kind
of request the server's CPU goes to; the last line weighs the kinds as bench_load's mix does:
    python -m tests.bench.bench_request_cpu [--contacts 2000] [--requests 400]
"""

from __future__ import annotations

import argparse
import os
import random
import time

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from contacts.app import freeze_startup_heap
from tests.bench.bench_api import bench_org, seed
from tests.bench.bench_load import MIX, _ticks, next_request


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    with bench_org("postgresql") as (app, org):
        _, queries, _ = seed(app, org.organization_id, args.contacts)
        contact_ids = [c["id"] for c in org.get("/api/v1/contacts?limit=500").get_json()["items"]]
        freeze_startup_heap()  # as contacts.wsgi does once the app is ready
        url = app.extensions["meishi.settings"].database_url
        database_name = url.rsplit("/", 1)[1].split("?")[0]
        meter = create_engine(url, poolclass=NullPool)
        hz = os.sysconf("SC_CLK_TCK")

        def backend_seconds() -> float:
            with meter.connect() as conn:
                pids = conn.scalars(
                    text("SELECT pid FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"),
                    {"d": database_name},
                ).all()
            return sum(_ticks(pid) for pid in pids) / hz

        client, rng = app.test_client(), random.Random(1)
        headers = {"Authorization": f"Bearer {org.token}"}

        def send(kind: str) -> None:
            method, path, payload = next_request(kind, rng, queries, contact_ids)
            resp = client.open(
                path, method=method, headers=headers, data=payload, content_type="application/json"
            )
            assert resp.status_code < 400, (path, resp.status_code, resp.get_data(as_text=True)[:300])

        for kind, _ in MIX:  # warm-up: compiled statements, prepared statements, the first rows read
            for _ in range(30):
                send(kind)
        weighted_python = weighted_database = 0.0
        for kind, share in MIX:
            python_start, database_start = time.thread_time(), backend_seconds()
            for _ in range(args.requests):
                send(kind)
            python = (time.thread_time() - python_start) / args.requests * 1000
            postgresql = (backend_seconds() - database_start) / args.requests * 1000
            weighted_python += share * python
            weighted_database += share * postgresql
            print(
                f"{kind:<15} ({share:.0%} of the mix): Python {python:5.2f} ms, PostgreSQL {postgresql:5.2f} ms"
            )
        print(
            f"weighted as the mix: Python {weighted_python:.2f} ms, PostgreSQL {weighted_database:.2f} ms "
            f"per request ({args.requests} requests of each kind, {args.contacts} contacts; "
            f"load average {os.getloadavg()[0]:.1f})"
        )


if __name__ == "__main__":
    main()
