"""Benchmark: ``meishi dedupe-scan`` over an organisation of synthetic card contacts in PostgreSQL.

Seeds the contacts of ``bench_api`` (companies, e-mails, phones, tags; the synthetic set repeats people the
way cards do), then runs the scan as the command does, committing as it goes, and prints the time of each
stage, what it did and the peak memory:
    python -m tests.bench.bench_scan [--contacts 20000] [--backend postgresql]
"""

from __future__ import annotations

import argparse
import resource
import time

from contacts.db import session_factory
from contacts.dedup.scan import scan_organization
from tests.bench.bench_api import bench_org, seed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    args = parser.parse_args()
    with bench_org(args.backend) as (app, org):
        seed(app, org.organization_id, args.contacts)
        stages: dict[str, float] = {}
        started = time.perf_counter()

        def progress(stage: str, done: int, total: int) -> None:
            stages.setdefault(stage, time.perf_counter() - started)

        with session_factory(app)() as session:
            result = scan_organization(session, org.organization_id, progress=progress, commit=session.commit)
            session.commit()
        wall = time.perf_counter() - started
        marks = sorted(stages.items(), key=lambda kv: kv[1])
        print(f"dedupe-scan of {result.contacts} contacts on {args.backend}: {wall:.1f} s wall")
        for (stage, at), nxt in zip(marks, [*(m[1] for m in marks[1:]), None], strict=True):
            print(f"  {stage:<11} from {at:6.1f} s" + (f" to {nxt:6.1f} s" if nxt is not None else ""))
        print(
            f"  automatic merges {len(result.merges)} ({result.merged_contacts} contacts), contact candidates "
            f"{result.candidates}, company candidates {result.company_candidates}, skipped (changed) "
            f"{result.skipped_changed}"
        )
        print(f"  peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
