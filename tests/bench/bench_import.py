"""Benchmark: import of N contact rows (default 100,000): dry-run, commit (with matching), rollback.

A base of N/5 contacts is imported first (not timed); the measured file has N rows, a tenth of them updating
a base contact (same email, new title), a twentieth the same person as a base contact by name and mobile
(merged by the matching engine), the rest new people. Through the whole Flask stack in-process:
    python -m tests.bench.bench_import [--rows 100000] [--backend postgresql] [--profile FILE] [--chunks]
        [--statements N]
Targets (issue 13, PostgreSQL, 100,000 rows): dry-run <= 60 s, commit <= 180 s, rollback <= 180 s.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import time
from typing import Any

from contacts.app import freeze_startup_heap
from contacts.imports.worker import run_pending
from tests.bench.bench_api import bench_org
from tests.conftest import OrgClient

HEADER = "Record ID,First Name,Last Name,Email,Phone Number,Mobile Phone Number,Company Name,Job Title\n"
FAMILY = [
    "佐藤",
    "鈴木",
    "高橋",
    "田中",
    "伊藤",
    "渡辺",
    "山本",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山田",
    "佐々木",
    "山口",
    "松本",
    "井上",
    "木村",
    "林",
    "斎藤",
    "清水",
]
GIVEN = [
    "太郎",
    "花子",
    "一郎",
    "次郎",
    "美咲",
    "健太",
    "陽子",
    "大輔",
    "直子",
    "翔太",
    "由美",
    "拓也",
    "恵",
    "誠",
    "愛",
]
TITLES = ("部長", "課長", "係長", "主任", "担当")


def _person(i: int, rng: random.Random) -> dict[str, str]:
    return {
        "id": str(i),
        "given": f"{rng.choice(GIVEN)}{i}",
        "family": rng.choice(FAMILY),
        "email": f"p{i}@corp{i % 997}.example.co.jp",
        "phone": f"03-{1000 + i % 9000:04d}-{i % 10000:04d}",
        "mobile": f"090-{1000 + (i // 10000) % 9000:04d}-{i % 10000:04d}",
        "company": f"株式会社テスト{i % 997}",
        "title": rng.choice(TITLES),
    }


def _line(p: dict[str, str]) -> str:
    return (
        ",".join(
            (p["id"], p["given"], p["family"], p["email"], p["phone"], p["mobile"], p["company"], p["title"])
        )
        + "\n"
    )


def files(rows: int) -> tuple[str, str]:
    """Return (the base file, the measured file)."""
    rng = random.Random(13)
    base = [_person(i, rng) for i in range(rows // 5)]
    out = []
    for i in range(rows):
        if i % 10 == 0 and base:
            p = dict(base[(i // 10) % len(base)])
            p["title"] = "取締役"  # an update of a known email
        elif i % 20 == 5 and base:
            p = dict(base[(i // 20) % len(base)])
            p["email"] = f"private{i}@home.example"  # same name and mobile, another email: a merge
            p["phone"] = ""
        else:
            p = _person(1_000_000 + i, rng)
        out.append(p)
    return HEADER + "".join(_line(p) for p in base), HEADER + "".join(_line(p) for p in out)


def upload(org: OrgClient, text: str) -> dict[str, Any]:
    resp = org.post(
        "/api/v1/imports",
        data={"file": (io.BytesIO(text.encode()), "bench.csv")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 201, resp.get_data(as_text=True)[:500]
    body: dict[str, Any] = resp.get_json()
    return body


def commit(org: OrgClient, import_id: str) -> dict[str, Any]:
    assert org.post(f"/api/v1/imports/{import_id}/commit").status_code == 202
    run_pending(org.app)
    body: dict[str, Any] = org.get(f"/api/v1/imports/{import_id}").get_json()
    return body


STATEMENTS = [0]
TOP = [0]
#: Time and count of each statement text (``--statements``), reset at the start of each timed step.
BY_STATEMENT: dict[str, list[float]] = {}


def _count_statements(app: Any, *, timed: bool = False) -> None:
    """Count the SQL statements the app sends: a figure that, unlike time, does not depend on the load."""
    from sqlalchemy import event

    engine = app.extensions["meishi.engine"]

    @event.listens_for(engine, "before_cursor_execute")
    def _count(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        STATEMENTS[0] += 1
        if timed:
            conn.info["bench_started"] = time.perf_counter()

    if timed:

        @event.listens_for(engine, "after_cursor_execute")
        def _time(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            spent = time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())
            entry = BY_STATEMENT.setdefault(" ".join(statement.split())[:300], [0.0, 0])
            entry[0] += spent
            entry[1] += 1

    # A COPY (contacts.bulkinsert on PostgreSQL) goes to the driver's connection without SQLAlchemy's events:
    # counted (and timed) here as the one statement it is.
    from contacts import bulkinsert

    copy = bulkinsert._copy

    def counted_copy(session: Any, table: Any, columns: tuple[str, ...], rows: list[Any]) -> None:
        STATEMENTS[0] += 1
        started = time.perf_counter()
        copy(session, table, columns, rows)
        if timed:
            entry = BY_STATEMENT.setdefault(
                f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"[:300], [0.0, 0]
            )
            entry[0] += time.perf_counter() - started
            entry[1] += 1

    bulkinsert._copy = counted_copy


def _print_statements(top: int) -> None:
    ranked = sorted(BY_STATEMENT.items(), key=lambda kv: -kv[1][0])[:top]
    for text_, (spent, n) in ranked:
        print(f"  {spent:8.2f} s {int(n):8d} x {1000 * spent / n:7.2f} ms  {text_[:220]}")
    BY_STATEMENT.clear()


def _time_chunks() -> None:
    """Print each commit chunk's time and statements (the loop's period: apply, result rows, commit)."""
    from contacts.imports import commit as commit_module

    apply_chunk = commit_module.apply_chunk
    last: list[float] = []

    def timed_apply_chunk(session: Any, imp: Any, rows: list[Any], **kwargs: Any) -> None:
        now, sent = time.perf_counter(), STATEMENTS[0]
        if last:
            print(
                f"    chunk {int(last[2])}: {now - last[0]:.2f} s, {sent - int(last[1])} statements",
                flush=True,
            )
        last[:] = [now, sent, rows[0].row_number]
        apply_chunk(session, imp, rows, **kwargs)

    commit_module.apply_chunk = timed_apply_chunk  # type: ignore[assignment]


def _timed(label: str, fn: Any, profile: cProfile.Profile | None = None, rows: int = 0) -> Any:
    started, before = time.perf_counter(), STATEMENTS[0]
    if profile is not None:
        profile.enable()
    result = fn()
    if profile is not None:
        profile.disable()
    sent = STATEMENTS[0] - before
    per_row = f", {sent / rows:.1f} per row" if rows else ""
    print(f"{label}: {time.perf_counter() - started:.1f} s, {sent} SQL statements{per_row}", flush=True)
    if BY_STATEMENT:
        _print_statements(TOP[0])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument(
        "--profile", default=None, help="Write cProfile stats of the timed steps to this file."
    )
    parser.add_argument("--chunks", action="store_true", help="Print each commit chunk's time.")
    parser.add_argument(
        "--statements", type=int, default=0, help="Print the N statements that took the most time, per step."
    )
    args = parser.parse_args()
    base, measured = files(args.rows)
    with bench_org(args.backend) as (app, org):
        # As the processes that commit imports do once the app is ready (`meishi serve`, `meishi imports work`,
        # `meishi import`): without it, the cyclic collector took about a third of the commit's CPU time.
        freeze_startup_heap()
        _count_statements(app, timed=bool(args.statements))
        TOP[0] = args.statements
        seeded = _timed(
            f"seed: import of {args.rows // 5} base contacts",
            lambda: commit(org, upload(org, base)["id"]),
            rows=args.rows // 5,
        )
        assert seeded["status"] == "committed", seeded
        BY_STATEMENT.clear()
        if args.chunks:
            _time_chunks()
        prof = cProfile.Profile() if args.profile else None
        planned = _timed(
            f"dry-run of {args.rows} rows ({args.backend})", lambda: upload(org, measured), prof, args.rows
        )
        print(f"  planned {planned['planned']}")
        done = _timed(
            f"commit of {args.rows} rows ({args.backend})",
            lambda: commit(org, planned["id"]),
            prof,
            args.rows,
        )
        print(f"  committed {done['results']}")
        resp = _timed(
            f"rollback of {args.rows} rows ({args.backend})",
            lambda: org.post(f"/api/v1/imports/{planned['id']}/rollback"),
            prof,
            args.rows,
        )
        assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
        if prof is not None:
            prof.dump_stats(args.profile)
            pstats.Stats(prof).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
