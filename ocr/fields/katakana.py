"""Mend katakana words the recogniser misspelt, by the words a Japanese dictionary knows (SudachiDict).

Loanwords are written in katakana, and the recogniser loses what is small in them: the long-vowel mark ー
(マケティング for マーケティング, above all in columns read turned), a small kana (マーケテング), or it reads a
small kana full size or a full-size one small (メデイカル, デザィン). Such a misspelling is no word, while the word
is one edit away. ``mend_katakana`` looks a run of katakana up in SudachiDict (the ``sudachidict_core`` wheel,
read through SudachiPy; nothing is downloaded) and, when the run is no word and no sequence of words, tries the
edits the recogniser makes, one at a time:

- a long-vowel mark after a full-size kana;
- a small kana after a kana that spelling puts it after (ティ, フォ, デュ);
- イ made small after such a kana (メデイカル → メディカル), and ヤユヨ made small after an i-row kana
  (マネジヤー → マネジャー);
- before a small kana that its kana cannot take, the kana read as it, or one of those that can take it
  (デザィン → デザイン, マーケィング → マーケティング).

An edit is taken only when it leaves fewer characters of the run outside dictionary words than the run had, and
the word the edit falls in has four characters or more, five when part of the run stays outside words (a short
word is too easily made by chance: ビル → ビール, ドミール → ドー・ミール). A misspelling may also fall apart into
short words (マーケテング into マーケ and テング): a run that is words already is mended only by an edit that makes
fewer words, the edited one seven characters or more. When two edits do equally well, nothing
is changed. A run the dictionary knows is never touched, nor are names, where a spelling may be anyone's own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from functools import lru_cache
from typing import Any

from ocr.result import Field

# Fields whose katakana are words: the company (a coined name is left alone unless an edit makes it words),
# department and title. Not the address: its katakana are place names (Hokkaido's チヤンベツ, from Ainu, is spelt
# with a full-size ヤ) and coined building names, which a dictionary of words does not hold.
MENDED_FIELDS = ("company", "department", "title")
# Small kana and the kana spelling puts them after (ティ, フィ, ウィ; ファ, ヴァ; シェ, チェ; フォ, ウォ; キャ, シュ, テュ).
SMALL_AFTER = {
    "ィ": frozenset("テデウフヴスズツクグ"),
    "ァ": frozenset("フヴツクグウ"),
    "ェ": frozenset("シジチテデウフヴツクグイ"),
    "ォ": frozenset("フヴツクグウ"),
    "ャ": frozenset("キシチニヒミリギジビピ"),
    "ュ": frozenset("キシチニヒミリギジビピテデフヴ"),
    "ョ": frozenset("キシチニヒミリギジビピ"),
}
_FULL_SIZE = {"ィ": "イ", "ァ": "ア", "ェ": "エ", "ォ": "オ", "ャ": "ヤ", "ュ": "ユ", "ョ": "ヨ"}
I_ROW = frozenset("キシチニヒミリギジビピ")
_RUN = re.compile(r"[ァ-ヺー]{2,}")
_NO_MARK_AFTER = frozenset("ーッ")
MIN_WORD = 2  # the shortest katakana dictionary word a run is made of
SHORT_WORD = 4  # the word an edit falls in has this many characters at least
LONG_WORD = 5  # and this many when the edit leaves part of the run outside words
JOINED_WORD = 7  # or this many when the run was words already and the edit makes fewer (マーケ・テング)


@lru_cache(maxsize=1)
def _dictionary() -> Any:
    """Open SudachiDict's core dictionary (once per process; memory-mapped, about 0.1 s)."""
    from sudachipy import Dictionary

    return Dictionary(dict="core")


@lru_cache(maxsize=65536)
def is_word(text: str) -> bool:
    """Tell whether the dictionary has an entry written exactly ``text``."""
    return len(_dictionary().lookup(text)) > 0


@lru_cache(maxsize=16384)
def split_words(run: str) -> tuple[int, tuple[tuple[int, int], ...]]:
    """Split a katakana run into dictionary words of ``MIN_WORD`` characters or more, leaving as few characters
    outside any word as can be, then using as few words; return (characters left out, the words' (start, end))."""
    best: list[tuple[int, tuple[tuple[int, int], ...]]] = [(0, ())] * (len(run) + 1)
    for start in range(len(run) - 1, -1, -1):
        left, words = best[start + 1]
        here = (left + 1, words)
        for end in range(start + MIN_WORD, len(run) + 1):
            if is_word(run[start:end]):
                left, words = best[end]
                if (left, len(words) + 1) < (here[0], len(here[1])):
                    here = (left, ((start, end), *words))
        best[start] = here
    return best[0]


def _word_over(words: tuple[tuple[int, int], ...], index: int) -> int:
    """Return the length of the word of a split that holds position ``index`` (0 when none does)."""
    return next((end - start for start, end in words if start <= index < end), 0)


def _edits(run: str) -> Iterator[tuple[str, int]]:
    """Yield (edited run, position of the edit) for every edit the recogniser's losses suggest."""
    for i in range(1, len(run) + 1):
        before = run[i - 1]
        if before not in _NO_MARK_AFTER:
            yield run[:i] + "ー" + run[i:], i
        for small, after in SMALL_AFTER.items():
            if before in after:
                yield run[:i] + small + run[i:], i
    for i, ch in enumerate(run):
        before = run[i - 1] if i else ""
        if ch == "イ" and before in SMALL_AFTER["ィ"]:
            yield run[:i] + "ィ" + run[i + 1 :], i
        if ch in "ヤユヨ" and before in I_ROW:
            yield run[:i] + "ャュョ"["ヤユヨ".index(ch)] + run[i + 1 :], i
        if ch in SMALL_AFTER and before not in SMALL_AFTER[ch]:
            yield run[:i] + _FULL_SIZE[ch] + run[i + 1 :], i
            for kana in sorted(SMALL_AFTER[ch]):
                yield run[:i] + kana + run[i:], i


def mend_run(run: str) -> str | None:
    """Return the dictionary's spelling of a misspelt katakana run, or None when it is a word, cannot be mended
    by one edit, or could be mended two ways equally well."""
    if is_word(run):
        return None
    left, parts = split_words(run)
    found: dict[tuple[int, int], set[str]] = {}
    for edited, index in _edits(run):
        edited_left, words = split_words(edited)
        length = _word_over(words, index)
        if (edited_left < left and length >= (SHORT_WORD if edited_left == 0 else LONG_WORD)) or (
            edited_left == left == 0 and len(words) < len(parts) and length >= JOINED_WORD
        ):
            found.setdefault((edited_left, len(words)), set()).add(edited)
    if not found:
        return None
    best = found[min(found)]
    return next(iter(best)) if len(best) == 1 else None


def mend_text(text: str) -> str:
    """Mend every katakana run of a field's text (``mend_run``)."""
    return _RUN.sub(lambda m: mend_run(m.group(0)) or m.group(0), text)


def mend_katakana(fields: dict[str, Field]) -> tuple[dict[str, Field], list[str]]:
    """Mend the katakana of a card's company, department and title; return the fields and a warning per
    field changed (the value read and the value kept), so that no mend is made silently."""
    out = dict(fields)
    warnings = []
    for name in MENDED_FIELDS:
        field = fields.get(name)
        if field is None:
            continue
        mended = mend_text(field.value)
        if mended != field.value:
            out[name] = replace(field, value=mended)
            warnings.append(f"{name}: {field.value} corrected to {mended} (dictionary)")
    return out, warnings
