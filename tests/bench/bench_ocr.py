"""Benchmark the OCR pipeline on cards-dev and cards-hard: accuracy, ceiling, baseline, speed, memory.

Run: ``python -m tests.bench.bench_ocr [--skip-baseline] [--recognizers tesseract,ppocr,combined] [--json]``.
Prints, for cards-dev photos/, scans/, real-en/ and cards-hard: per-field exact accuracy and
recognition ceiling (label found anywhere in the recognised text), overall accuracy and false
positives, for each recognizer and for the baseline (plain ``tesseract -l jpn+eng --psm 3`` on
the raw image with the same field extraction); seconds per card on photos/ (median, p95,
wall and CPU of one warm worker with the default recognizer) and per stage and engine; the
worker's peak RSS; and cards per second with 1 and 2 processes.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from tests.shared_data import shared_data_dir

FOLDERS = ("photos", "scans", "real-en")
HARD = "cards-hard"
RECOGNIZERS = ("tesseract", "ppocr", "combined")


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


_STAGES: dict[str, list[float]] = {}


def predict_with(recognizer: str | None) -> Any:
    """Return a predictor running the real pipeline with ``recognizer`` (None: the default)."""

    def predict(data: bytes) -> tuple[dict[str, str], float, str]:
        from ocr.pipeline import scan_card

        result = scan_card(data, recognizer=recognizer)
        for side in result.sides:
            for stage, seconds in side.seconds.items():
                _STAGES.setdefault(stage, []).append(seconds)
        return {k: v.value for k, v in result.fields.items()}, result.seconds, result.text

    return predict


def predict_pipeline(data: bytes) -> tuple[dict[str, str], float, str]:
    """Run the real pipeline with the default recognizer and this process's shared engines."""
    return predict_with(None)(data)


def predict_baseline(data: bytes) -> tuple[dict[str, str], float]:
    """Plain tesseract (jpn+eng, psm 3) on the raw image, then the same field extraction."""
    from ocr.engine import TesseractEngine
    from ocr.fields import extract_fields
    from ocr.intake import load_image
    from ocr.layout import group_lines
    from ocr.preprocess import to_gray

    started = time.perf_counter()
    pixels = load_image(data).pixels
    words = TesseractEngine(timeout=60).recognize(to_gray(pixels), lang="jpn+eng", psm=3)
    _, fields = extract_fields(group_lines(words))
    return {k: v.value for k, v in fields.items()}, time.perf_counter() - started


def score(folder: Path, predict: Any) -> dict[str, Any]:
    """Evaluate one labelled folder."""
    from ocr.evaluate import evaluate_folder

    return evaluate_folder(folder, predict).to_dict()


def timing(folder: Path) -> dict[str, Any]:
    """Seconds per card of one warm worker (wall and CPU), and its peak RSS."""
    from ocr.evaluate import iter_labelled

    files = [path.read_bytes() for path, _ in iter_labelled(folder)]
    predict_pipeline(files[0])  # load the models once, as a long-lived worker does
    _STAGES.clear()
    wall: list[float] = []
    cpu: list[float] = []
    for data in files:
        c0, t0 = _cpu(), time.perf_counter()
        predict_pipeline(data)
        wall.append(time.perf_counter() - t0)
        cpu.append(_cpu() - c0)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "wall": _stats(wall),
        "cpu": _stats(cpu),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "stages": {
            stage: _stats(values) | {"cards": len(values)} for stage, values in sorted(_STAGES.items())
        },
    }


def combine(folders: Any) -> dict[str, Any]:
    """Pool the per-field counts of several folder reports into one (the "all" column)."""
    fields: dict[str, dict[str, float]] = {}
    for folder in list(folders):
        for name, f in folder["fields"].items():
            acc = fields.setdefault(
                name, {"exact": 0, "sim": 0.0, "n": 0, "empty": 0, "fp": 0, "in": 0.0, "with": 0}
            )
            acc["exact"] += f["exact"]
            if f.get("ceiling") is not None:
                acc["with"] += f["n"] - f["empty_labels"]
                acc["in"] += f["ceiling"] * (f["n"] - f["empty_labels"])
            acc["sim"] += f["similarity"] * f["n"]
            acc["n"] += f["n"]
            acc["empty"] += f["empty_labels"]
            acc["fp"] += f["false_positives"]
    total = sum(f["n"] for f in fields.values())
    empty = sum(f["empty"] for f in fields.values())
    with_text = sum(f["with"] for f in fields.values())
    return {
        "fields": {
            name: {
                "accuracy": round(f["exact"] / f["n"], 4),
                "similarity": round(f["sim"] / f["n"], 4),
                "false_positive_rate": round(f["fp"] / f["empty"], 4) if f["empty"] else None,
                "n": int(f["n"]),
                "ceiling": round(f["in"] / f["with"], 4) if f["with"] else None,
            }
            for name, f in fields.items()
        },
        "ceiling": round(sum(f["in"] for f in fields.values()) / with_text, 4) if with_text else None,
        "overall_accuracy": round(sum(f["exact"] for f in fields.values()) / total, 4),
        "overall_similarity": round(sum(f["sim"] for f in fields.values()) / total, 4),
        "false_positive_rate": round(sum(f["fp"] for f in fields.values()) / empty, 4) if empty else 0.0,
    }


def _stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "median": round(statistics.median(ordered), 3),
        "p95": round(p95, 3),
        "mean": round(statistics.fmean(ordered), 3),
    }


def _worker_scan(path: str) -> float:
    predict_pipeline(Path(path).read_bytes())
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _warm(_: int) -> None:
    import numpy as np

    from ocr.engine import default_engine
    from ocr.ppocr import paddle_engine

    default_engine().recognize(np.full((40, 40), 255, dtype="uint8"), lang="jpn", psm=6)
    paddle_engine().read(np.full((64, 64, 3), 255, dtype="uint8"))


def throughput(folder: Path, processes: int) -> dict[str, float]:
    """Cards per second over a folder with a pool of worker processes (models preloaded)."""
    from ocr.evaluate import iter_labelled

    paths = [str(path) for path, _ in iter_labelled(folder)]
    with get_context("spawn").Pool(processes) as pool:
        pool.map(_warm, range(processes * 2))
        started = time.perf_counter()
        rss = pool.map(_worker_scan, paths, chunksize=1)
        elapsed = time.perf_counter() - started
    return {"cards_per_second": round(len(paths) / elapsed, 2), "peak_rss_mb": round(max(rss), 1)}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--skip-baseline", action="store_true", help="do not run the plain-tesseract baseline"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--timing-only", action="store_true", help="only seconds, RSS and throughput")
    parser.add_argument(
        "--recognizers",
        default=",".join(RECOGNIZERS),
        help="comma-separated recognizers to score (tesseract, ppocr, combined)",
    )
    args = parser.parse_args(argv)
    root = shared_data_dir("cards-dev")
    if not (root / "photos" / "labels.json").exists():
        print(f"cards-dev not found at {root}", file=sys.stderr)
        return 2
    hard = shared_data_dir(HARD)
    folders = {name: root / name for name in FOLDERS}
    if (hard / "labels.json").exists():
        folders[HARD] = hard

    kinds = [r.strip() for r in args.recognizers.split(",") if r.strip() in RECOGNIZERS]
    if args.timing_only:
        kinds, args.skip_baseline = [], True
    report: dict[str, Any] = {kind: {} for kind in kinds}
    report["baseline"] = {}
    for name, folder in folders.items():
        for kind in kinds:
            report[kind][name] = score(folder, predict_with(kind))
        if not args.skip_baseline:
            report["baseline"][name] = score(folder, predict_baseline)
    for kind in [*kinds, "baseline"]:
        if report[kind] and all(name in report[kind] for name in FOLDERS):
            dev = [report[kind][name] for name in FOLDERS]
            report[kind]["dev-all"] = combine(dev)
    report["timing_photos"] = timing(root / "photos")
    report["throughput"] = {str(n): throughput(root / "photos", n) for n in (1, 2)}
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print_report(report)
    return 0


def print_report(report: dict[str, Any]) -> None:
    """Print the report as tables."""
    from ocr.result import FIELD_NAMES

    for kind in [k for k in report if k in (*RECOGNIZERS, "baseline")]:
        if not report[kind]:
            continue
        print(f"\n== {kind}: exact accuracy / recognition ceiling per field")
        folders = list(report[kind])
        print(f"{'field':<12}" + "".join(f"{f:>14}" for f in folders))
        for field in FIELD_NAMES:
            cells = []
            for folder in folders:
                row = report[kind][folder]["fields"].get(field, {})
                acc, ceiling = row.get("accuracy"), row.get("ceiling")
                cell = "-" if acc is None else f"{acc:.3f}/" + ("-" if ceiling is None else f"{ceiling:.3f}")
                cells.append(f"{cell:>14}")
            print(f"{field:<12}" + "".join(cells))
        print(f"{'overall':<12}" + "".join(f"{report[kind][f]['overall_accuracy']:>14.3f}" for f in folders))
        print(f"{'ceiling':<12}" + "".join(f"{report[kind][f]['ceiling'] or 0:>14.3f}" for f in folders))
        print(
            f"{'similarity':<12}"
            + "".join(f"{report[kind][f]['overall_similarity']:>14.3f}" for f in folders)
        )
        print(
            f"{'false+ rate':<12}"
            + "".join(f"{report[kind][f]['false_positive_rate']:>14.3f}" for f in folders)
        )
    t = report["timing_photos"]
    print("\n== photos/, one warm worker, seconds per card")
    print(f"wall: median {t['wall']['median']}  p95 {t['wall']['p95']}  mean {t['wall']['mean']}")
    print(f"cpu:  median {t['cpu']['median']}  p95 {t['cpu']['p95']}  mean {t['cpu']['mean']}")
    print(f"peak RSS of the worker: {t['peak_rss_mb']} MB")
    print("seconds per stage and engine (wall, over the cards that ran the stage):")
    for stage, row in t["stages"].items():
        print(
            f"  {stage:<20} median {row['median']:<7} p95 {row['p95']:<7} mean {row['mean']:<7} cards {row['cards']}"
        )
    for n, row in report["throughput"].items():
        print(f"{n} process(es): {row['cards_per_second']} cards/s (peak worker RSS {row['peak_rss_mb']} MB)")


if __name__ == "__main__":
    sys.exit(main())
