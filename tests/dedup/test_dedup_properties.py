"""Property tests of the engine: scoring is symmetric and stored keys are stable."""

from __future__ import annotations

from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from contacts.dedup import MatchKeys, blocking_keys, record_keys, score_pair
from tests.dedup.synthetic import generate_cards


@cache
def _keys() -> list[MatchKeys]:
    return [record_keys(c.record) for c in generate_cards(400, seed=17)]


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 399), st.integers(0, 399))
def test_score_pair_is_symmetric(i: int, j: int) -> None:
    a, b = _keys()[i], _keys()[j]
    ab, ba = score_pair(a, b), score_pair(b, a)
    assert (ab.points, ab.decision, sorted(ab.reasons)) == (ba.points, ba.decision, sorted(ba.reasons))


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 399))
def test_blocking_keys_survive_a_storage_round_trip(i: int) -> None:
    k = _keys()[i]
    assert blocking_keys(MatchKeys.from_dict(k.to_dict())) == blocking_keys(k)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 399))
def test_a_card_matches_itself(i: int) -> None:
    k = _keys()[i]
    assert score_pair(k, k).decision is not None
