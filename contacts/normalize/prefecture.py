"""Prefecture (都道府県) and region (地方) of a Japanese address.

The 47 prefectures, their regions and romaji are the data file ``prefectures.tsv``. The regions are the eight
customary ones: 北海道, 東北, 関東, 中部, 近畿, 中国, 四国, 九州・沖縄 (三重 counts as 近畿). An address names
its prefecture in full (東京都千代田区…) or, in Latin script, by its romaji as a word (…Chiyoda-ku, Tokyo);
an address naming none has no prefecture.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from contacts.normalize.data import word_list

REGIONS = ("北海道", "東北", "関東", "中部", "近畿", "中国", "四国", "九州・沖縄")


@dataclass(frozen=True)
class Prefecture:
    name: str
    region: str
    romaji: str


@cache
def prefectures() -> tuple[Prefecture, ...]:
    """Return the 47 prefectures in JIS order."""
    rows = [Prefecture(*line.split("\t")) for line in word_list("prefectures.tsv")]
    for row in rows:
        if row.region not in REGIONS:
            raise ValueError(f"prefectures.tsv: unknown region {row.region!r} for {row.name}")
    return tuple(rows)


@cache
def _romaji_pattern() -> re.Pattern[str]:
    names = "|".join(p.romaji.lower() for p in prefectures())
    return re.compile(rf"\b({names})(?:[- ](?:ken|fu|to))?\b")


def prefecture_of(address: str | None) -> str | None:
    """Return the prefecture an address names (the first one written), or None."""
    if not address:
        return None
    text = unicodedata.normalize("NFKC", address)
    found = [(text.find(p.name), p.name) for p in prefectures() if p.name in text]
    if found:
        return min(found)[1]
    match = _romaji_pattern().search(text.lower())
    if match is None:
        return None
    return next(p.name for p in prefectures() if p.romaji.lower() == match.group(1))


def region_of(prefecture: str | None) -> str | None:
    """Return the region of a prefecture name, or None."""
    return _regions().get(prefecture) if prefecture else None


@cache
def _regions() -> dict[str, str]:
    """Map prefecture names to their regions (every contact in the JSON asks for its own)."""
    return {p.name: p.region for p in prefectures()}


def prefecture_name(value: str) -> str | None:
    """Return the prefecture a filter value names: 東京都, 東京 or Tokyo; None if none."""
    folded = unicodedata.normalize("NFKC", value).strip()
    for p in prefectures():
        if folded in (p.name, p.name.rstrip("都府県") or p.name) or folded.lower() == p.romaji.lower():
            return p.name
    return None
