"""Matching benchmarks: FEBRL3/FEBRL4 quality, the Japanese synthetic set, and ``meishi dedupe`` at scale.

Run ``python -m tests.bench.bench_dedupe`` (``--size 100000`` for a smaller scale run, ``--skip-scale`` to
measure quality only). The scale run generates the synthetic CSV in a temporary directory and runs the
dedupe command in a child process, sampling the resident memory of its whole process tree.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from contacts.dedup import find_duplicates
from tests.dedup.evaluation import PairMetrics, febrl_records, febrl_true_pairs, pair_metrics
from tests.dedup.synthetic import generate_cards, true_pairs, write_csv


def _febrl_dir() -> Path:
    for base in (Path(__file__).resolve().parents[2].parent / "shared", Path("/work/shared")):
        if (base / "data" / "febrl").is_dir():
            return base / "data" / "febrl"
    raise SystemExit("shared/data/febrl not found beside the repository")


def _line(name: str, m: PairMetrics) -> str:
    return (
        f"{name:<10} precision {m.precision:.4f}  recall {m.recall:.4f}  F1 {m.f1:.4f}  "
        f"merge precision {m.merge_precision:.4f}  merge recall {m.merge_recall:.4f}  "
        f"(predicted {m.predicted}, merges {m.merges}, true {m.true})"
    )


def bench_febrl() -> None:
    """Print pairwise quality on FEBRL3 (deduplication) and FEBRL4 (linking a to b)."""
    d = _febrl_dir()
    records = febrl_records(d / "febrl3.csv")
    print(
        _line("FEBRL3", pair_metrics(find_duplicates(records), febrl_true_pairs(d / "febrl3_true_pairs.csv")))
    )
    records = febrl_records(d / "febrl4a.csv", "a:") + febrl_records(d / "febrl4b.csv", "b:")
    result = find_duplicates(records)
    result.pairs = [p for p in result.pairs if p.a[:2] != p.b[:2]]
    print(_line("FEBRL4", pair_metrics(result, febrl_true_pairs(d / "febrl4_true_pairs.csv", "a:", "b:"))))


def bench_japanese(n: int, seed: int) -> None:
    """Print quality on the synthetic Japanese card set."""
    cards = generate_cards(n, seed=seed)
    m = pair_metrics(find_duplicates([c.record for c in cards]), true_pairs(cards))
    print(_line(f"JA {n // 1000}k", m))


def _pss_kib(pid: int) -> int:
    """Proportional set size of one process: shared copy-on-write pages counted once across the tree."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree_memory_kib(root: int) -> tuple[int, int]:
    """Return (sum of PSS, sum of RSS) over ``root`` and its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", encoding="ascii", errors="replace") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields.get("PPid", "0").strip() or 0), []).append(pid)
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0]) if "VmRSS" in fields else 0
    pss_total, rss_total, stack = 0, 0, [root]
    while stack:
        pid = stack.pop()
        rss_total += rss.get(pid, 0)
        pss_total += _pss_kib(pid)
        stack.extend(children.get(pid, []))
    return pss_total, rss_total


def bench_scale(size: int, seed: int) -> None:
    """Generate ``size`` cards, run the dedupe command on them, print wall time, CPU time and peak memory."""
    with tempfile.TemporaryDirectory(prefix="meishi-bench-") as tmp:
        path = Path(tmp) / f"cards_{size}.csv"
        started = time.perf_counter()
        write_csv(generate_cards(size, seed=seed), path)
        print(
            f"generated {size} cards in {time.perf_counter() - started:.0f} s ({path.stat().st_size >> 20} MiB)"
        )
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        with (Path(tmp) / "out.json").open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "contacts.dedup.cli", str(path), "--json"], stdout=out
            )
            peak_pss = peak_rss = 0
            done = threading.Event()

            def sample() -> None:
                nonlocal peak_pss, peak_rss
                while not done.is_set():
                    pss, rss = _tree_memory_kib(proc.pid)
                    peak_pss, peak_rss = max(peak_pss, pss), max(peak_rss, rss)
                    done.wait(0.5)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            code = proc.wait()
            done.set()
            sampler.join()
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        out_size = (Path(tmp) / "out.json").stat().st_size >> 20
        print(
            f"dedupe {size} contacts: exit {code}, wall {wall:.0f} s, CPU {cpu:.0f} s on {os.cpu_count()} cores, "
            f"peak memory of the process tree {peak_pss / 1024 / 1024:.2f} GiB PSS "
            f"({peak_rss / 1024 / 1024:.2f} GiB summed RSS, shared pages counted per process), output {out_size} MiB, "
            f"load average now {os.getloadavg()[0]:.1f}"
        )


def main() -> None:
    """Run the benchmarks selected on the command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=1_000_000, help="contacts in the scale run")
    parser.add_argument("--japanese", type=int, default=20_000, help="cards in the Japanese quality set")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--skip-scale", action="store_true", help="measure quality only")
    args = parser.parse_args()
    bench_febrl()
    bench_japanese(args.japanese, args.seed)
    if not args.skip_scale:
        bench_scale(args.size, args.seed)


if __name__ == "__main__":
    main()
