"""Deduplication (名寄せ): normalised keys, blocking, scoring with reasons, clustering; no database here.

The service stores :class:`MatchKeys` (``to_dict``) and :func:`blocking_keys` per contact when a contact is
written, fetches candidates by those keys, and calls :func:`match_one`; batch runs use
:func:`find_duplicates`.
"""

from contacts.dedup.blocking import blocking_keys
from contacts.dedup.engine import DedupeResult, ScoredPair, find_duplicates, match_one
from contacts.dedup.records import ContactRecord, CsvError, MatchKeys, iter_csv_records, record_keys
from contacts.dedup.scoring import THRESHOLDS, WEIGHTS, NameStats, PairScore, score_pair

__all__ = [
    "THRESHOLDS",
    "WEIGHTS",
    "ContactRecord",
    "CsvError",
    "DedupeResult",
    "MatchKeys",
    "NameStats",
    "PairScore",
    "ScoredPair",
    "blocking_keys",
    "find_duplicates",
    "iter_csv_records",
    "match_one",
    "record_keys",
    "score_pair",
]
