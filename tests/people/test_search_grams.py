"""The stored one- and two-character grams answer short queries exactly as a substring search would."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from contacts.people.service import SHORT_QUERY, grams_of

_ALPHABET = st.sampled_from("ab1@.-林小村田ｱイ")
_PIECES = st.lists(st.text(_ALPHABET, min_size=0, max_size=12), max_size=5)


@given(pieces=_PIECES, query=st.text(_ALPHABET, min_size=1, max_size=SHORT_QUERY))
def test_short_query_is_a_gram_exactly_when_it_is_a_substring_of_a_piece(
    pieces: list[str], query: str
) -> None:
    assert (query in grams_of(pieces)) == any(query in piece for piece in pieces)


def test_grams_never_span_two_pieces() -> None:
    assert "ab" not in grams_of(["xa", "by"])


def test_grams_are_sorted_and_distinct() -> None:
    assert grams_of(["abab"]) == ["a", "ab", "b", "ba"]
