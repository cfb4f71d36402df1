"""Benchmark card ingest: upload → completed latency (p50, p95) for single cards, and cards per minute.

Two setups, each on a temporary database with real Tesseract on cards-dev images:
- embedded: SQLite and the in-process worker pool (MEISHI_WORKERS threads, default 2), as `make run`;
- postgresql: PostgreSQL, Redis and 2 `meishi worker` processes (one thread each).
Every organisation's threshold is 0, so each card with a name or email completes by itself (the full
confirmation into contact, company, touchpoint is included in the time).

    python -m tests.bench.bench_ingest [--singles 10] [--batch 100] [--setups embedded,postgresql]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from contacts import migrate
from contacts.app import create_app
from contacts.cards.queue import EmbeddedPool, queue_of
from contacts.changelog.models import ChangeLogEntry
from contacts.config import settings_of
from contacts.db import session_factory
from tests.cards.conftest import set_threshold, upload
from tests.conftest import REPO, OrgClient, make_org
from tests.dbs import temporary_database
from tests.shared_data import shared_data_dir

DONE = ("completed", "needs_review", "failed")
REDIS_URL = os.environ.get("MEISHI_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def card_images() -> list[tuple[str, bytes]]:
    """Return every cards-dev image (scans, photos, real photos) as (name, bytes)."""
    root = shared_data_dir("cards-dev")
    files = sorted(p for folder in ("scans", "photos", "real-en") for p in (root / folder).glob("*.jpg"))
    if not files:
        raise SystemExit(f"no cards-dev images under {root}")
    return [(f"{p.parent.name}/{p.name}", p.read_bytes()) for p in files]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _status(org: OrgClient, card_id: str) -> str:
    return str(org.get(f"/api/v1/cards/{card_id}").get_json()["status"])


def _wait_batch(org: OrgClient, batch_id: str, timeout: float) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        summary: dict[str, int] = org.get(f"/api/v1/cards?batch_id={batch_id}&limit=1").get_json()["summary"]
        if summary["completed"] + summary["needs_review"] + summary["failed"] >= summary["total"]:
            return summary
        time.sleep(0.05)
    raise TimeoutError(f"batch {batch_id} not done after {timeout} s")


def _ocr_seconds(org: OrgClient) -> list[float]:
    """Return the OCR time of each processed card of the organisation, in processing order."""
    with session_factory(org.app)() as session:
        rows = session.scalars(
            select(ChangeLogEntry.data)
            .where(
                ChangeLogEntry.organization_id == org.organization_id,
                ChangeLogEntry.entity == "card",
                ChangeLogEntry.operation == "processed",
            )
            .order_by(ChangeLogEntry.seq)
        )
        return [float(d["ocr_seconds"]) for d in rows if d and d.get("ocr_seconds") is not None]


def measure(org: OrgClient, images: list[tuple[str, bytes]], *, singles: int, batch: int) -> dict[str, Any]:
    """Time single cards on an idle system, then one batch; return the figures."""
    latencies = []
    statuses: dict[str, int] = {}
    for i in range(singles):
        name, data = images[(i * 7) % len(images)]
        started = time.perf_counter()
        resp = upload(org, [("front", name, data)])
        assert resp.status_code == 202, resp.get_json()
        card_id = resp.get_json()["cards"][0]["id"]
        status = _status(org, card_id)
        while status not in DONE:
            time.sleep(0.02)
            status = _status(org, card_id)
        latencies.append(time.perf_counter() - started)
        statuses[status] = statuses.get(status, 0) + 1
        time.sleep(0.3)  # idle between cards
    single_ocr = _ocr_seconds(org)
    files = [("front", images[i % len(images)][0], images[i % len(images)][1]) for i in range(batch)]
    started = time.perf_counter()
    resp = upload(org, files)
    assert resp.status_code == 202, resp.get_json()
    uploaded = time.perf_counter() - started
    summary = _wait_batch(org, resp.get_json()["batch_id"], timeout=60 * 30)
    elapsed = time.perf_counter() - started
    batch_ocr = _ocr_seconds(org)[len(single_ocr) :]
    return {
        "single_ocr_p50_s": round(statistics.median(single_ocr), 3),
        "single_ocr_p95_s": round(_percentile(single_ocr, 0.95), 3),
        "batch_ocr_mean_s": round(statistics.fmean(batch_ocr), 3),
        "load_average": [round(x, 1) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "single_p50_s": round(statistics.median(latencies), 3),
        "single_p95_s": round(_percentile(latencies, 0.95), 3),
        "single_max_s": round(max(latencies), 3),
        "single_statuses": statuses,
        "batch_cards": batch,
        "batch_upload_s": round(uploaded, 2),
        "batch_seconds": round(elapsed, 1),
        "cards_per_minute": round(batch / elapsed * 60, 1),
        "batch_summary": summary,
    }


@contextmanager
def embedded_setup(tmp: Path) -> Iterator[OrgClient]:
    """SQLite and the in-process pool, as `make run` has them."""
    with temporary_database("sqlite", tmp) as url:
        migrate.upgrade(url)
        app = create_app({"database_url": url, "storage_dir": tmp / "images", "queue": "embedded"})
        org = make_org(app, "Bench")
        set_threshold(app, org.organization_id, 0.0)
        pool = queue_of(app)
        assert isinstance(pool, EmbeddedPool)
        pool.ensure_started()
        try:
            yield org
        finally:
            pool.stop(timeout=60)
            app.extensions["meishi.engine"].dispose()


def _start_workers(app: Flask, namespace: str, count: int, log_dir: Path) -> list[subprocess.Popen[bytes]]:
    settings = settings_of(app)
    env = dict(
        os.environ,
        MEISHI_DATABASE_URL=settings.database_url,
        MEISHI_QUEUE="redis",
        MEISHI_REDIS_URL=REDIS_URL,
        MEISHI_STORAGE_DIR=str(settings.storage_dir),
        PYTHONPATH=str(REPO),
    )
    meishi = Path(sys.executable).with_name("meishi")
    return [
        subprocess.Popen(
            [str(meishi), "worker", "--threads", "1", "--namespace", namespace],
            env=env,
            cwd=REPO,
            stdout=(log_dir / f"worker-{i}.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        for i in range(count)
    ]


@contextmanager
def postgresql_setup(tmp: Path, workers: int = 2) -> Iterator[OrgClient]:
    """PostgreSQL, Redis and ``workers`` separate `meishi worker` processes."""
    with temporary_database("postgresql", tmp) as url:
        migrate.upgrade(url)
        namespace = f"meishi-bench-{uuid.uuid4().hex[:8]}"
        app = create_app(
            {"database_url": url, "storage_dir": tmp / "images", "queue": "redis", "redis_url": REDIS_URL}
        )
        queue_of(app).namespace = namespace  # type: ignore[attr-defined]
        org = make_org(app, "Bench")
        set_threshold(app, org.organization_id, 0.0)
        procs = _start_workers(app, namespace, workers, tmp)
        time.sleep(3)  # let the workers start before timing
        try:
            yield org
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
            app.extensions["meishi.engine"].dispose()


SETUPS: dict[str, Callable[[Path], Any]] = {"embedded": embedded_setup, "postgresql": postgresql_setup}


def main() -> int:
    """Run the chosen setups and print one line per setup, then JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--singles", type=int, default=10)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--setups", default="embedded,postgresql")
    args = parser.parse_args()
    images = card_images()
    results = {}
    for name in [s.strip() for s in args.setups.split(",") if s.strip()]:
        with tempfile.TemporaryDirectory() as tmp, SETUPS[name](Path(tmp)) as org:
            r = measure(org, images, singles=args.singles, batch=args.batch)
        results[name] = r
        print(
            f"{name:>10}: single card upload→done p50 {r['single_p50_s']:.2f} s, p95 {r['single_p95_s']:.2f} s "
            f"(target p95 ≤ 3 s; OCR alone p50 {r['single_ocr_p50_s']:.2f} s, p95 {r['single_ocr_p95_s']:.2f} s); batch of {r['batch_cards']}: "
            f"{r['batch_seconds']:.0f} s, {r['cards_per_minute']:.0f} cards/min (OCR {r['batch_ocr_mean_s']:.2f} s "
            f"per card); load average {r['load_average']} on {r['cpus']} CPUs",
            flush=True,
        )
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
