"""Unicode folding for search and matching: NFKC, width, case, kana and kanji variants."""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from importlib import resources

from contacts.normalize.data import word_pairs

#: Variant → standard form, added to joyokanji's tables (which miss these; see docs/matching-notes.md).
KANJI_VARIANTS: dict[str, str] = word_pairs("kanji_variants.tsv")

#: Legally different characters that people and OCR mix up: one blocking key, a "variant" level below exact.
LOOSE_KANJI_VARIANTS: dict[str, str] = word_pairs("loose_kanji_variants.tsv")

# Names, companies and addresses repeat a lot across cards: the pure functions below are memoised.
CACHE_SIZE = 1 << 18

HIRAGANA_TO_KATAKANA = {cp: cp + 0x60 for cp in range(0x3041, 0x3097)} | {0x309D: 0x30FD, 0x309E: 0x30FE}
_KATAKANA_TO_HIRAGANA = {v: k for k, v in HIRAGANA_TO_KATAKANA.items()}
# Variation selectors and ideographic variation sequences (IVS) carry glyph choices, not identity.
_VARIATION_SELECTORS = {cp: None for cp in [*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)]}
WHITESPACE_RE = re.compile(r"\s+")


def _load_joyokanji_tables() -> dict[str, str]:
    """Return joyokanji's character maps (old forms and variants) as one dict."""
    merged: dict[str, str] = {}
    base = resources.files("joyokanji") / "config"
    for name in ("kanji.json", "variants.json"):
        try:
            data = json.loads((base / name).read_text(encoding="utf-8"))
        except (FileNotFoundError, OSError, ValueError):
            continue
        merged.update({k: v for k, v in data.items() if len(k) == 1 and len(v) == 1 and k != v})
    return merged


def _close(mapping: dict[str, str]) -> dict[int, int]:
    """Resolve chains (a→b, b→c) so one translate pass reaches the fixed point."""
    table: dict[int, int] = {}
    for src in mapping:
        dst = mapping[src]
        seen = {src}
        while dst in mapping and dst not in seen:
            seen.add(dst)
            dst = mapping[dst]
        if dst != src:
            table[ord(src)] = ord(dst)
    return table


@functools.cache
def _strict_table() -> dict[int, int | None]:
    mapping = _load_joyokanji_tables()
    mapping.update(KANJI_VARIANTS)
    table: dict[int, int | None] = dict(_close(mapping))
    table.update(HIRAGANA_TO_KATAKANA)
    table.update(_VARIATION_SELECTORS)
    return table


@functools.cache
def _loose_table() -> dict[int, int | None]:
    mapping = _load_joyokanji_tables()
    mapping.update(KANJI_VARIANTS)
    mapping.update(LOOSE_KANJI_VARIANTS)
    table: dict[int, int | None] = dict(_close(mapping))
    table.update(HIRAGANA_TO_KATAKANA)
    table.update(_VARIATION_SELECTORS)
    return table


def _fold_once(s: str, table: dict[int, int | None]) -> str:
    s = unicodedata.normalize("NFKC", s).casefold()
    s = WHITESPACE_RE.sub("", s).translate(table)
    return unicodedata.normalize("NFKC", s)


@functools.lru_cache(maxsize=CACHE_SIZE)
def fold_text(s: str) -> str:
    """Fold text for search and comparison: NFKC, width, case, kana, kanji variants, no whitespace.

    Idempotent, and for ordinary text (no combining marks at the joint) ``fold_text(a + b) ==
    fold_text(a) + fold_text(b)``, so a stored concatenation can be searched with ``LIKE '%q%'``.
    """
    if s.isascii():
        return WHITESPACE_RE.sub("", s.lower())
    table = _strict_table()
    out = _fold_once(s, table)
    # Rare inputs (combining marks next to removed spaces, casefold expansions) need a second pass.
    while True:
        again = _fold_once(out, table)
        if again == out:
            return out
        out = again


@functools.lru_cache(maxsize=CACHE_SIZE)
def fold_loose(s: str) -> str:
    """Fold like :func:`fold_text`, and also merge look-alike surnames (斎/斉, 竜/龍) for blocking."""
    if s.isascii():
        return WHITESPACE_RE.sub("", s.lower())
    table = _loose_table()
    out = _fold_once(s, table)
    while True:
        again = _fold_once(out, table)
        if again == out:
            return out
        out = again


_KANJI_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f々〆]")


def has_kanji(s: str) -> bool:
    """Tell whether ``s`` contains a CJK ideograph (or 々/〆)."""
    return _KANJI_RE.search(s) is not None
