"""Benchmark: the CPU one request of each kind of bench_load's mix costs, in Python and in PostgreSQL.

In-process (the Flask test client, one thread, so no lock or GIL waits), on PostgreSQL with the contacts of
bench_load: for each kind, ``--requests`` requests one after the other, timing this thread's CPU and the CPU
of the database's backends (from /proc). Steadier than bench_load on a shared machine, and it tells which kind
of request the server's CPU goes to; the last line weighs the kinds as bench_load's mix does:
    python -m tests.bench.bench_request_cpu [--contacts 2000] [--requests 400]
``--count`` prints instead what each kind costs in counts, which the machine's load does not move: SQL
statements, round trips to PostgreSQL (statements, BEGIN, COMMIT/ROLLBACK and the pool's pre-ping) and Python
function calls (cProfile's count) per request. ``--profile KIND`` prints a cProfile of ``--requests`` requests
of one kind (``--sort`` tottime or cumulative).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from contacts.app import freeze_startup_heap
from tests.bench.bench_api import bench_org, seed
from tests.bench.bench_load import MIX, _ticks, next_request


class RoundTrips:
    """Count the statements an engine runs (SQLAlchemy's events) and its round trips to PostgreSQL.

    Round trips are read from libpq's trace of every connection the engine opens from now on: each simple
    query (BEGIN, COMMIT, ROLLBACK, the pool's pre-ping) and each Sync of the extended protocol (one statement)
    is the client waiting for the server once.
    """

    def __init__(self, engine: Engine, trace_file: str) -> None:
        self.statements = 0
        self.trace = open(trace_file, "w+", encoding="utf-8")  # noqa: SIM115  (closed by close())
        self.connections: list[Any] = []
        engine.dispose()  # the connections open so far are not traced

        def connected(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.pgconn.trace(self.trace.fileno())
            self.connections.append(dbapi_connection)

        def statement(*_: Any) -> None:
            self.statements += 1

        event.listen(engine, "connect", connected)
        event.listen(engine, "before_cursor_execute", statement)

    def take(self) -> tuple[int, Counter[str]]:
        """Return the statements and the round trips (by kind) since the last call, and start again."""
        for connection in self.connections:
            connection.pgconn.untrace()  # flushes libpq's buffer
        self.trace.seek(0)
        trips: Counter[str] = Counter()
        for line in self.trace:
            parts = [part.strip() for part in line.split("\t", 5)]
            if len(parts) > 3 and parts[1] == "F" and parts[3] in ("Query", "Sync"):
                # a simple query names itself (BEGIN, COMMIT, ROLLBACK, ";" for the pool's pre-ping)
                name = parts[4].strip('"') if parts[3] == "Query" else "statement"
                trips["ping" if name == ";" else name] += 1
        self.trace.seek(0)
        self.trace.truncate()
        for connection in self.connections:
            if not connection.closed:
                connection.pgconn.trace(self.trace.fileno())
        statements, self.statements = self.statements, 0
        return statements, trips


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--count", action="store_true", help="count statements, round trips and calls")
    parser.add_argument("--profile", choices=[kind for kind, _ in MIX], help="cProfile one kind")
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative"])
    args = parser.parse_args()
    with bench_org("postgresql") as (app, org):
        _, queries, _ = seed(app, org.organization_id, args.contacts)
        contact_ids = [c["id"] for c in org.get("/api/v1/contacts?limit=500").get_json()["items"]]
        freeze_startup_heap()  # as contacts.wsgi does once the app is ready
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
        if args.profile:
            _profile(lambda: send(args.profile), args.requests, args.sort)
        elif args.count:
            _count(app.extensions["meishi.engine"], send, args.requests)
        else:
            _cpu(app.extensions["meishi.settings"].database_url, send, args)


def _profile(send: Callable[[], None], n: int, sort: str) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        send()
    profiler.disable()
    pstats.Stats(profiler).sort_stats(sort).print_stats(40)


def _count(engine: Engine, send: Callable[[str], None], n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        trips = RoundTrips(engine, os.path.join(tmp, "libpq.trace"))
        for kind, _ in MIX:  # the connections opened again
            send(kind)
        trips.take()
        _count_kinds(trips, send, n)
        trips.trace.close()


def _count_kinds(trips: RoundTrips, send: Callable[[str], None], n: int) -> None:
    weighted: Counter[str] = Counter()
    for kind, share in MIX:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(n):
            send(kind)
        profiler.disable()
        calls = pstats.Stats(profiler).total_calls  # type: ignore[attr-defined]
        statement_count, by_kind = trips.take()
        per = {k: v / n for k, v in by_kind.items()}
        statements, round_trips, python_calls = statement_count / n, sum(per.values()), calls / n
        weighted.update({"statements": share * statements, "round trips": share * round_trips})
        weighted["calls"] += share * python_calls
        detail = ", ".join(f"{k} {v:.2f}" for k, v in sorted(per.items()))
        print(
            f"{kind:<15} ({share:.0%} of the mix): {statements:5.2f} statements, {round_trips:5.2f} round "
            f"trips ({detail}), {python_calls:7.0f} Python calls per request"
        )
    print(
        f"weighted as the mix: {weighted['statements']:.2f} statements, {weighted['round trips']:.2f} round "
        f"trips, {weighted['calls']:.0f} Python calls per request ({n} requests of each kind)"
    )


def _cpu(url: str, send: Callable[[str], None], args: argparse.Namespace) -> None:
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
