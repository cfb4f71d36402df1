"""Benchmark other requests' latency on SQLite while one 100-card upload decodes and stores its images.

Issue 15, item 6: the upload used to hold SQLite's write lock while it decoded and re-encoded its images, so
every other request (and /healthz behind them in a sync server) waited. Target: p95 at most 300 ms.

    python -m tests.bench.bench_upload_stall [--cards 100] [--readers 4]
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Callable
from typing import Any

from tests.bench.bench_api import bench_org
from tests.bench.bench_ingest import _percentile, card_images
from tests.cards.conftest import upload
from tests.conftest import make_org

TARGET_P95_MS = 300.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=100)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument("--idle-seconds", type=float, default=15.0)
    args = parser.parse_args()
    images = card_images()
    files = [
        ("front", images[i % len(images)][0].replace("/", "-"), images[i % len(images)][1])
        for i in range(args.cards)
    ]
    with bench_org("sqlite") as (app, uploader):
        other = make_org(app, "Neighbour")
        other.post("/api/v1/contacts", json={"family_name": "鈴木", "given_name": "花子"})
        done = threading.Event()
        latencies: dict[str, list[float]] = {"healthz": [], "contacts": []}
        errors: list[int] = []
        lock = threading.Lock()

        def read(n: int) -> None:
            client = app.test_client()
            headers = {"Authorization": f"Bearer {other.token}"}
            while not done.is_set():
                started = time.perf_counter()
                kind = "healthz" if n % 2 else "contacts"
                resp = (
                    client.get("/healthz")
                    if kind == "healthz"
                    else client.get("/api/v1/contacts", headers=headers, query_string={"limit": 20})
                )
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies[kind].append(elapsed)
                    if resp.status_code != 200:
                        errors.append(resp.status_code)
                time.sleep(0.02)

        def phase(work: Callable[[], None]) -> dict[str, list[float]]:
            done.clear()
            for values in latencies.values():
                values.clear()
            readers = [threading.Thread(target=read, args=(i,)) for i in range(args.readers)]
            for t in readers:
                t.start()
            work()
            done.set()
            for t in readers:
                t.join()
            return {k: list(v) for k, v in latencies.items()}

        idle = phase(lambda: time.sleep(args.idle_seconds))
        outcome: dict[str, Any] = {}

        def one_upload() -> None:
            started = time.perf_counter()
            outcome["resp"] = upload(uploader, files, [("tags", "bench")])
            outcome["seconds"] = time.perf_counter() - started

        busy = phase(one_upload)
    resp = outcome["resp"]
    assert resp.status_code == 202, resp.get_data(as_text=True)[:300]
    print(
        f"{args.cards}-card upload on SQLite: {outcome['seconds']:.1f} s, {args.readers} other clients; "
        f"errors {len(errors)}"
    )
    met = not errors
    for label, figures in (("idle", idle), ("during the upload", busy)):
        for kind, values in figures.items():
            p50, p95 = _percentile(values, 0.5), _percentile(values, 0.95)
            if label != "idle":
                met = met and p95 <= TARGET_P95_MS
            print(
                f"  {label:>17} {kind:>8}: {len(values)} requests, p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
                f"max {max(values):.0f} ms"
            )
    print(f"target p95 <= {TARGET_P95_MS:.0f} ms during the upload: {'met' if met else 'MISSED'}")


if __name__ == "__main__":
    main()
