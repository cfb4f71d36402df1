"""Japanese postal codes and addresses."""

from __future__ import annotations

import functools
import re
import unicodedata

from contacts.normalize.text import CACHE_SIZE, fold_text


def normalize_postal_code(s: str) -> str:
    """Return a Japanese postal code as 7 digits (〒100-0001 → 1000001), or "" when it is not one."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", s or ""))
    return digits if len(digits) == 7 else ""


_KANJI_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_KANJI_NUMBER_RE = re.compile(
    r"[〇零一二三四五六七八九十百]+(?=丁目|番|号|階|[のノ][0-9〇一二三四五六七八九十])"
)
_DASHES_RE = re.compile(r"[‐‑‒–—―−－ー―ｰ~〜～]")
_POSTAL_PREFIX_RE = re.compile(r"^\s*(?:〒|郵便番号)?\s*\d{3}\s*-\s*\d{4}\s*")


def _kanji_number(s: str) -> str:
    total = 0
    current = 0
    for ch in s:
        if ch in _KANJI_DIGITS:
            current = current * 10 + _KANJI_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
    return str(total + current)


_DASH_BETWEEN_DIGITS_RE = re.compile(r"(?<=\d)[" + _DASHES_RE.pattern[1:-1] + r"](?=\d)")
_ADDRESS_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(\d+)丁目"), r"\1-"),
    (re.compile(r"(\d+)番地?[のノ]?"), r"\1-"),
    (re.compile(r"(\d+)号(?!館|室|棟)"), r"\1"),
    (re.compile(r"(?<=\d)[のノ](?=\d)"), "-"),
    (re.compile(r"(\d+)階"), r"\1f"),
    (re.compile(r"-+(?!\d)"), ""),
]


@functools.lru_cache(maxsize=CACHE_SIZE)
def normalize_address(s: str) -> str:
    """Unify a Japanese address: fold, then kanji numerals, 丁目/番(地)/号 and dash forms to "1-2-3"."""
    if not s:
        return ""
    t = _POSTAL_PREFIX_RE.sub("", fold_text(s))
    t = _KANJI_NUMBER_RE.sub(lambda m: _kanji_number(m.group(0)), t)
    t = _DASH_BETWEEN_DIGITS_RE.sub("-", t)
    while True:
        before = t
        for pattern, repl in _ADDRESS_RULES:
            t = pattern.sub(repl, t)
        if t == before:
            return t
