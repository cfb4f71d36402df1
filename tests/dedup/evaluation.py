"""Benchmark helpers: load the FEBRL sets as contact records and measure pairwise quality."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from contacts.dedup.engine import DedupeResult
from contacts.dedup.records import ContactRecord

__all__ = ["PairMetrics", "febrl_records", "febrl_true_pairs", "pair_metrics"]


def _febrl_record(row: dict[str, str], prefix: str = "") -> ContactRecord:
    street = " ".join(x for x in (row["street_number"], row["address_1"]) if x.strip())
    address = ", ".join(x for x in (street, row["address_2"], row["suburb"], row["state"]) if x.strip())
    return ContactRecord(
        id=prefix + row["rec_id"],
        family_name=row["surname"],
        given_name=row["given_name"],
        postal_code=row["postcode"],
        address=address,
    )


def febrl_records(path: str | Path, prefix: str = "", limit: int | None = None) -> list[ContactRecord]:
    """Read a FEBRL CSV with name and address columns only (no birth date, no social security id)."""
    with Path(path).open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    if limit is not None:
        rows = rows[:limit]
    return [_febrl_record(r, prefix) for r in rows]


def febrl_true_pairs(path: str | Path, prefix_a: str = "", prefix_b: str = "") -> set[frozenset[str]]:
    """Read the true duplicate pairs of a FEBRL set."""
    with Path(path).open(encoding="utf-8", newline="") as f:
        return {frozenset((prefix_a + r["rec_id_a"], prefix_b + r["rec_id_b"])) for r in csv.DictReader(f)}


@dataclass(frozen=True, slots=True)
class PairMetrics:
    """Pairwise precision, recall and F1 of merge+review, and precision/recall of merge alone."""

    precision: float
    recall: float
    f1: float
    merge_precision: float
    merge_recall: float
    predicted: int
    merges: int
    true: int


def pair_metrics(
    result: DedupeResult, truth: set[frozenset[str]], *, within: Iterable[str] | None = None
) -> PairMetrics:
    """Score a result against true pairs; ``within`` restricts to pairs whose ids are all in it."""
    allowed = set(within) if within is not None else None
    if allowed is not None:
        truth = {p for p in truth if p <= allowed}
    predicted = {frozenset((p.a, p.b)) for p in result.pairs}
    merges = {frozenset((p.a, p.b)) for p in result.pairs if p.decision == "merge"}
    tp = len(predicted & truth)
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    mtp = len(merges & truth)
    return PairMetrics(
        precision=precision,
        recall=recall,
        f1=f1,
        merge_precision=mtp / len(merges) if merges else 1.0,
        merge_recall=mtp / len(truth) if truth else 1.0,
        predicted=len(predicted),
        merges=len(merges),
        true=len(truth),
    )
