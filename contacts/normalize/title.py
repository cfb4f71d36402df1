"""Seniority from a printed job title (役職): executive, director, manager, chief or staff.

The words and their levels are the data file ``seniority_titles.tsv``. A title takes the highest level any of
its words prints (代表取締役社長 is executive, 営業部 部長代理 is director); a title with none of the words is
staff; no title at all has no seniority. Latin words match whole words only (``cto`` is not in "director").
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from contacts.normalize.data import word_pairs

# Highest first; the Japanese names are what a Japanese user types in a filter.
SENIORITY_LEVELS = ("executive", "director", "manager", "chief", "staff")
SENIORITY_JA = {"役員": "executive", "部長": "director", "課長": "manager", "係長": "chief", "一般": "staff"}


@cache
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    pairs = word_pairs("seniority_titles.tsv")
    found = []
    for word, level in sorted(pairs.items(), key=lambda p: -len(p[0])):
        if level not in SENIORITY_LEVELS:
            raise ValueError(f"seniority_titles.tsv: unknown level {level!r} for {word!r}")
        escaped = re.escape(word)
        found.append((re.compile(rf"\b{escaped}\b" if word.isascii() else escaped), level))
    return found


def fold_title(title: str) -> str:
    """Fold a printed title for matching: NFKC, lower case, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", title).lower().split())


def seniority_of(title: str | None) -> str | None:
    """Return the seniority level ``title`` prints, "staff" when it names none, None without a title."""
    if title is None or not title.strip():
        return None
    folded = fold_title(title)
    levels = {level for pattern, level in _patterns() if pattern.search(folded)}
    return next((level for level in SENIORITY_LEVELS if level in levels), "staff")


def seniority_level(name: str) -> str | None:
    """Return the level a filter value names (English code or 役員/部長/課長/係長/一般), None if unknown."""
    folded = name.strip().lower()
    if folded in SENIORITY_LEVELS:
        return folded
    return SENIORITY_JA.get(name.strip())
