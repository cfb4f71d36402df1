"""Run every benchmark module of this package in turn: ``python -m tests.bench [NAME ...]``."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import time
from pathlib import Path


def main() -> int:
    """Run the named benchmarks (default: all ``bench_*`` modules) and report failures."""
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    wanted = [f"bench_{n.removeprefix('bench_')}" for n in sys.argv[1:]] or names
    failed = []
    for name in wanted:
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", f"tests.bench.{name}"], check=False)
        print(
            f"--- {name}: {'ok' if result.returncode == 0 else 'FAILED'} in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
        if result.returncode != 0:
            failed.append(name)
    if failed:
        print(f"failed benchmarks: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
