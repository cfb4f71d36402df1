"""Calibrated field confidence: the raw rule-times-OCR score mapped to how often such a field is right.

Per field, a monotone step function fitted on labelled cards (pool-adjacent-violators over the raw scores,
each step lowered to the lower bound of its 90% Wilson interval, so that a step learnt from few cards
promises less). The table is data shipped with the package (``calibration.json``), written by
``python -m tests.bench.bench_confirm --fit``; a field without a table keeps its raw score.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from ocr.result import Field

TABLE_PATH = Path(__file__).with_name("calibration.json")
Z_90 = 1.645  # one-sided 95% / two-sided 90% normal quantile
Z_975 = 1.96  # one-sided 97.5% / two-sided 95% normal quantile
MIN_STEP = 8  # pooled samples per step at least: fewer say too little about a rate


def wilson_lower(right: float, total: float, z: float = Z_90) -> float:
    """Return the lower bound of the Wilson score interval of right / total."""
    if total <= 0:
        return 0.0
    p = right / total
    denom = 1 + z * z / total
    centre = p + z * z / (2 * total)
    margin = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    return max(0.0, (centre - margin) / denom)


def fit_field(samples: Iterable[tuple[float, bool]], *, z: float = Z_90) -> list[tuple[float, float]]:
    """Fit one field: return steps (lowest raw score of the step, calibrated confidence), ascending.

    Each step is the lower bound of the Wilson interval of its rate at ``z`` (by default the 90% interval).
    """
    ordered = sorted(samples)
    if not ordered:
        return []
    # Blocks of [lowest raw, right, total], merged until their rates rise and each is big enough.
    blocks: list[list[float]] = []
    for raw, right in ordered:
        blocks.append([raw, float(right), 1.0])
        while len(blocks) > 1 and (
            blocks[-2][1] / blocks[-2][2] >= blocks[-1][1] / blocks[-1][2] or blocks[-2][2] < MIN_STEP
        ):
            last = blocks.pop()
            blocks[-1][1] += last[1]
            blocks[-1][2] += last[2]
    if len(blocks) > 1 and blocks[-1][2] < MIN_STEP:
        last = blocks.pop()
        blocks[-1][1] += last[1]
        blocks[-1][2] += last[2]
    steps = [(round(low, 4), round(wilson_lower(right, total, z), 4)) for low, right, total in blocks]
    # Keep the step function monotone after the interval bounds.
    out: list[tuple[float, float]] = []
    for low, value in steps:
        out.append((low, max(value, out[-1][1]) if out else value))
    return out


def fit(samples: Mapping[str, Iterable[tuple[float, bool]]]) -> dict[str, list[tuple[float, float]]]:
    """Fit every field's steps from (raw confidence, was right) samples."""
    return {name: steps for name, values in samples.items() if (steps := fit_field(values))}


def calibrate_with(table: Mapping[str, list[tuple[float, float]]], field: str, raw: float) -> float:
    """Map a raw score through a table (a field without steps keeps its raw score)."""
    steps = table.get(field)
    if not steps:
        return raw
    value = steps[0][1] if raw >= steps[0][0] else min(raw, steps[0][1])
    for low, calibrated in steps:
        if raw >= low:
            value = calibrated
    return value


@functools.lru_cache(maxsize=1)
def shipped_table() -> dict[str, list[tuple[float, float]]]:
    """Load the table shipped with the package (empty when there is none)."""
    if not TABLE_PATH.exists():
        return {}
    data = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    return {name: [(float(a), float(b)) for a, b in steps] for name, steps in data.get("fields", {}).items()}


def calibrate(field: str, raw: float) -> float:
    """Map a field's raw score to its calibrated confidence with the shipped table."""
    return calibrate_with(shipped_table(), field, raw)


def calibrate_fields(fields: Mapping[str, Field]) -> dict[str, Field]:
    """Replace each field's raw score by its calibrated confidence, keeping the raw one beside it."""
    return {
        name: replace(f, confidence=calibrate(name, f.confidence), raw_confidence=f.confidence)
        for name, f in fields.items()
    }


def save(table: Mapping[str, list[tuple[float, float]]], *, source: str, path: Path = TABLE_PATH) -> None:
    """Write a fitted table as the shipped calibration data."""
    lines = [f"  {json.dumps(k)}: {json.dumps([list(s) for s in v])}" for k, v in sorted(table.items())]
    body = ",\n".join(lines)
    path.write_text(
        f'{{\n "source": {json.dumps(source)},\n "fields": {{\n{body}\n }}\n}}\n', encoding="utf-8"
    )
