"""Quality floors on small benchmark sets: these fail when matching quality drops.

The full figures come from ``python -m tests.bench.bench_dedupe``; these subsets keep the suite fast.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from contacts.dedup import find_duplicates
from tests.dedup.evaluation import PairMetrics, febrl_records, febrl_true_pairs, pair_metrics
from tests.dedup.synthetic import generate_cards, true_pairs
from tests.shared_data import require_shared_data


@pytest.fixture(scope="module")
def febrl() -> Path:
    return require_shared_data("febrl", "febrl3.csv")


@pytest.fixture(scope="module")
def febrl3(febrl: Path) -> PairMetrics:
    records = febrl_records(febrl / "febrl3.csv", limit=2000)
    truth = febrl_true_pairs(febrl / "febrl3_true_pairs.csv")
    return pair_metrics(find_duplicates(records), truth, within={r.id for r in records})


@pytest.fixture(scope="module")
def febrl4(febrl: Path) -> PairMetrics:
    records = febrl_records(febrl / "febrl4a.csv", "a:", limit=1500) + febrl_records(
        febrl / "febrl4b.csv", "b:", limit=1500
    )
    result = find_duplicates(records)
    result.pairs = [p for p in result.pairs if p.a[:2] != p.b[:2]]  # linking two files: cross pairs only
    truth = febrl_true_pairs(febrl / "febrl4_true_pairs.csv", "a:", "b:")
    return pair_metrics(result, truth, within={r.id for r in records})


@pytest.fixture(scope="module")
def japanese() -> PairMetrics:
    cards = generate_cards(4000, seed=23)
    return pair_metrics(find_duplicates([c.record for c in cards]), true_pairs(cards))


def test_febrl3_subset_f1(febrl3: PairMetrics) -> None:
    assert febrl3.f1 >= 0.96


def test_febrl3_subset_merge_precision(febrl3: PairMetrics) -> None:
    assert febrl3.merges > 0
    assert febrl3.merge_precision >= 0.995


def test_febrl4_subset_f1(febrl4: PairMetrics) -> None:
    assert febrl4.f1 >= 0.97


def test_febrl4_subset_merge_precision(febrl4: PairMetrics) -> None:
    assert febrl4.merges > 0
    assert febrl4.merge_precision >= 0.995


def test_japanese_merge_precision(japanese: PairMetrics) -> None:
    assert japanese.merge_precision >= 0.995


def test_japanese_merge_recall(japanese: PairMetrics) -> None:
    assert japanese.merge_recall >= 0.85


def test_japanese_merge_and_review_recall(japanese: PairMetrics) -> None:
    assert japanese.recall >= 0.95


def test_synthetic_data_is_deterministic() -> None:
    assert [c.record for c in generate_cards(200, seed=3)] == [c.record for c in generate_cards(200, seed=3)]
