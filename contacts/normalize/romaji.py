"""Romaji keys from kana or romaji, and a guessed key from kanji."""

from __future__ import annotations

import functools
import re
import unicodedata

from contacts.normalize.text import CACHE_SIZE, HIRAGANA_TO_KATAKANA, fold_text, has_kanji

_KANA_DIGRAPHS: dict[str, str] = {
    "キャ": "kya",
    "キュ": "kyu",
    "キョ": "kyo",
    "シャ": "sya",
    "シュ": "syu",
    "ショ": "syo",
    "シェ": "sye",
    "チャ": "tya",
    "チュ": "tyu",
    "チョ": "tyo",
    "チェ": "tye",
    "ニャ": "nya",
    "ニュ": "nyu",
    "ニョ": "nyo",
    "ヒャ": "hya",
    "ヒュ": "hyu",
    "ヒョ": "hyo",
    "ミャ": "mya",
    "ミュ": "myu",
    "ミョ": "myo",
    "リャ": "rya",
    "リュ": "ryu",
    "リョ": "ryo",
    "ギャ": "gya",
    "ギュ": "gyu",
    "ギョ": "gyo",
    "ジャ": "zya",
    "ジュ": "zyu",
    "ジョ": "zyo",
    "ジェ": "zye",
    "ヂャ": "zya",
    "ヂュ": "zyu",
    "ヂョ": "zyo",
    "ビャ": "bya",
    "ビュ": "byu",
    "ビョ": "byo",
    "ピャ": "pya",
    "ピュ": "pyu",
    "ピョ": "pyo",
    "ファ": "ha",
    "フィ": "hi",
    "フェ": "he",
    "フォ": "ho",
    "ティ": "ti",
    "ディ": "di",
    "デュ": "dyu",
    "ウィ": "wi",
    "ウェ": "we",
    "ウォ": "wo",
    "ヴァ": "ba",
    "ヴィ": "bi",
    "ヴェ": "be",
    "ヴォ": "bo",
}
_KANA_MONOGRAPHS: dict[str, str] = dict(
    zip(
        "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヰヱヲン"
        "ガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポヴァィゥェォャュョヮ",
        [
            "a",
            "i",
            "u",
            "e",
            "o",
            "ka",
            "ki",
            "ku",
            "ke",
            "ko",
            "sa",
            "si",
            "su",
            "se",
            "so",
            "ta",
            "ti",
            "tu",
            "te",
            "to",
            "na",
            "ni",
            "nu",
            "ne",
            "no",
            "ha",
            "hi",
            "hu",
            "he",
            "ho",
            "ma",
            "mi",
            "mu",
            "me",
            "mo",
            "ya",
            "yu",
            "yo",
            "ra",
            "ri",
            "ru",
            "re",
            "ro",
            "wa",
            "i",
            "e",
            "o",
            "n",
            "ga",
            "gi",
            "gu",
            "ge",
            "go",
            "za",
            "zi",
            "zu",
            "ze",
            "zo",
            "da",
            "zi",
            "zu",
            "de",
            "do",
            "ba",
            "bi",
            "bu",
            "be",
            "bo",
            "pa",
            "pi",
            "pu",
            "pe",
            "po",
            "bu",
            "a",
            "i",
            "u",
            "e",
            "o",
            "ya",
            "yu",
            "yo",
            "wa",
        ],
        strict=True,
    )
)
_ROMAJI_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), r)
    for p, r in [
        (r"[^a-z]", ""),
        (r"tch", "tt"),
        (r"shi", "si"),
        (r"sh", "sy"),
        (r"chi", "ti"),
        (r"ch", "ty"),
        (r"tsu", "tu"),
        (r"dzu", "zu"),
        (r"du", "zu"),
        (r"di", "zi"),
        (r"ji", "zi"),
        (r"j", "zy"),
        (r"fu", "hu"),
        (r"f", "h"),
        (r"m(?=[bpm])", "n"),
        (r"oh(?![aeiouy])", "o"),
        (r"o[ou]+", "o"),
        (r"uu+", "u"),
        (r"aa+", "a"),
        (r"ee+", "e"),
        (r"(.)\1+", r"\1\1"),
    ]
]


def _kana_to_romaji(kata: str) -> str:
    out: list[str] = []
    i = 0
    geminate = False
    while i < len(kata):
        pair = kata[i : i + 2]
        ch = kata[i]
        if pair in _KANA_DIGRAPHS:
            syl = _KANA_DIGRAPHS[pair]
            i += 2
        elif ch in _KANA_MONOGRAPHS:
            syl = _KANA_MONOGRAPHS[ch]
            i += 1
        elif ch == "ッ":
            geminate = True
            i += 1
            continue
        elif ch == "ー":
            i += 1  # long vowel mark: folded away like ou/oo
            continue
        else:
            out.append(ch)
            i += 1
            continue
        if geminate and syl[0] not in "aeiou":
            syl = syl[0] + syl
        geminate = False
        out.append(syl)
    return "".join(out)


def _fold_romaji(s: str) -> str:
    decomposed = unicodedata.normalize("NFKD", s.casefold())
    s = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # ン before a vowel or y written as n' in Hepburn: keep it as "n" (the apostrophe goes below).
    while True:
        before = s
        for pattern, repl in _ROMAJI_RULES:
            s = pattern.sub(repl, s)
        if s == before:
            return s


@functools.lru_cache(maxsize=CACHE_SIZE)
def romaji_key(s: str) -> str:
    """Return a folded romaji key from kana or romaji (オオノ, おおの, Ōno, Ohno → "ono"); "" for kanji."""
    if not s or has_kanji(s):
        return ""
    text = unicodedata.normalize("NFKC", s).translate(HIRAGANA_TO_KATAKANA)
    return _fold_romaji(_kana_to_romaji(text))


@functools.cache
def _kakasi() -> object:
    import pykakasi

    return pykakasi.kakasi()


@functools.lru_cache(maxsize=CACHE_SIZE)
def guess_romaji_key(kanji: str) -> str:
    """Guess a romaji key for a kanji name (pykakasi after variant folding); "" when it cannot.

    A guess, not a reading: 淳 may be Jun, Atsushi or Makoto. Use it as weak evidence only.
    """
    folded = fold_text(kanji)
    if not folded:
        return ""
    parts = _kakasi().convert(folded)  # type: ignore[attr-defined]
    romaji = "".join(str(p.get("hepburn", "")) for p in parts)
    if not romaji or "?" in romaji or has_kanji(romaji) or not romaji.isascii():
        return ""
    return _fold_romaji(romaji)


def romaji_tokens(s: str) -> list[str]:
    """Return the romaji keys of each whitespace- or comma-separated part of ``s`` (name order kept)."""
    if not s or has_kanji(s):
        return []
    parts = re.split(r"[\s,、・･/]+", unicodedata.normalize("NFKC", s).strip())
    return [k for k in (romaji_key(p) for p in parts) if k]
