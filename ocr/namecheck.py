"""Cross-check a Japanese name with the reading printed beside it (kana or romaji).

The ``jpn`` model misreads single kanji of a large, thin name line (裕 -> 俗, 也 -> 志)
with high confidence. The name line is read again on its own (psm 7, with a margin, at
a few text heights); among the engine's own readings, the one whose dictionary reading
(pykakasi) agrees with the reading the card prints wins. No reading is ever invented: a
candidate must come from the engine. With no printed reading, or when no candidate
agrees, the first reading stays; when the second readings disagree with it, its
confidence is capped so that the name goes to review.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import unicodedata
from dataclasses import replace
from typing import Any

import cv2
import numpy as np

from ocr.engine import OcrEngine
from ocr.layout import is_cjk, make_line
from ocr.result import Field

NAME_LANG = "jpn"
# Text heights (px) the name line is scaled to for its second readings; the first pass
# read it at print size, which for large type is where the misreadings happen.
NAME_TEXT_HEIGHTS = (40, 60)
PAD = 16
# Confidence of a name that the second readings contradict and no printed reading confirms.
DISPUTED_CONFIDENCE = 0.55
MAX_MIXES = 256  # character mixes of the readings tried against the printed reading
_KANJI = re.compile(r"[\u3400-\u9fff\uf900-\ufaff々]")


@functools.lru_cache(maxsize=1)
def _kakasi() -> Any:
    import pykakasi  # ~110 MB of dictionary: loaded only when a name needs checking

    return pykakasi.kakasi()


def _collapse(romaji: str) -> str:
    """Fold the spellings of long vowels (Satou, Saitoh, Yuuta -> Sato, Saito, Yuta)."""
    text = re.sub(r"[^a-z]", "", romaji.lower())
    text = re.sub(r"oh(?![aeiou])", "o", text)
    for long, short in (("ou", "o"), ("oo", "o"), ("uu", "u"), ("ii", "i"), ("aa", "a"), ("ee", "e")):
        text = text.replace(long, short)
    return text


def _hiragana(text: str) -> str:
    """Katakana to hiragana, without spaces and dots."""
    out = []
    for ch in unicodedata.normalize("NFKC", text):
        if "\u30a1" <= ch <= "\u30f6":
            out.append(chr(ord(ch) - 0x60))
        elif ch not in " ・\u3000":
            out.append(ch)
    return "".join(out)


def _hira_to_romaji(hira: str) -> str:
    parts = _kakasi().convert(hira)
    return "".join(p["hepburn"] for p in parts)


def reading_agrees(name: str, *, kana: str | None, romaji: str | None) -> bool:
    """Tell whether the dictionary reading of ``name`` equals the printed kana or romaji reading."""
    parts = _kakasi().convert(name.replace(" ", ""))
    hira = "".join(p["hira"] for p in parts)
    if kana:
        printed = _hiragana(kana)
        if hira == printed or _collapse(_hira_to_romaji(hira)) == _collapse(_hira_to_romaji(printed)):
            return True
    if romaji:
        words = romaji.split()
        mine = _collapse("".join(p["hepburn"] for p in parts))
        orders = {_collapse("".join(words)), _collapse("".join(reversed(words)))}
        if mine in orders:
            return True
    return False


def _plausible(text: str, current: str) -> bool:
    """A second reading may replace the name only if it looks like it: kanji first, CJK, same length."""
    return len(text) == len(current) and all(is_cjk(c) for c in text) and bool(_KANJI.match(text))


def reread_name(
    gray: np.ndarray, box: tuple[int, int, int, int], engine: OcrEngine, *, dpi: int
) -> list[tuple[str, float]]:
    """Read the name's line alone at each of NAME_TEXT_HEIGHTS; return (compact text, confidence) pairs."""
    x, y, w, h = box
    if w <= 0 or h <= 0:
        return []
    # A wide margin at the ends, a narrow one above and below: the reading line often
    # sits just under the name, and half of it in the crop turns psm 7 into noise.
    mx, my = max(4, h // 3), max(2, h // 10)
    crop = gray[max(0, y - my) : y + h + my, max(0, x - mx) : x + w + mx]
    if crop.size == 0:
        return []
    readings: list[tuple[str, float]] = []
    for target in NAME_TEXT_HEIGHTS:
        scale = float(np.clip(target / h, 0.3, 2.0))
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
        scaled = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=interp)
        framed = cv2.copyMakeBorder(scaled, PAD, PAD, PAD, PAD, cv2.BORDER_CONSTANT, value=255)
        words = engine.recognize(framed, lang=NAME_LANG, psm=7, dpi=dpi)
        if not words:
            continue
        line = make_line(sorted(words, key=lambda wd: wd.box[0]))
        readings.append((line.compact, 0.5 * line.confidence + 0.5 * line.weakest))
    return readings


def _display_like(candidate: str, current: str) -> str:
    """Write ``candidate`` with the space where the current value has it ("family given")."""
    if " " in current:
        cut = current.index(" ")
        return f"{candidate[:cut]} {candidate[cut:]}"
    return candidate


def _agreeing_mix(
    current: str,
    current_conf: float,
    alternatives: list[tuple[str, float]],
    *,
    kana: str | None,
    romaji: str | None,
) -> tuple[str, float] | None:
    """Find the mix of the engine's readings, character by character, that the printed reading confirms.

    All readings have the name's length, so position i of each is an alternative for
    character i (the surname read right once and the given name right another time).
    The agreeing mix with the fewest changes from the first reading wins, then the one
    whose characters come from the most confident readings. Returns (text, confidence).
    """
    readings = [(current, current_conf), *alternatives]
    options: list[dict[str, float]] = [{} for _ in current]
    for text, conf in readings:
        for i, ch in enumerate(text):
            options[i][ch] = max(options[i].get(ch, 0.0), conf)
    if math.prod(len(o) for o in options) > MAX_MIXES:
        return None
    best: tuple[tuple[int, float], str, float] | None = None
    for mix in itertools.product(*(list(o) for o in options)):
        text = "".join(mix)
        if text == current or not reading_agrees(text, kana=kana, romaji=romaji):
            continue
        changed = [i for i, ch in enumerate(text) if ch != current[i]]
        support = min(options[i][text[i]] for i in changed)
        key = (-len(changed), support)
        if best is None or key > best[0]:
            best = (key, text, support)
    return None if best is None else (best[1], best[2])


def check_name(
    fields: dict[str, Field], gray: np.ndarray, engine: OcrEngine, *, dpi: int
) -> dict[str, Field]:
    """Return the fields with the Japanese name checked against second readings and its printed reading."""
    name = fields.get("name")
    if name is None:
        return fields
    current = name.value.replace(" ", "")
    if not current or not all(is_cjk(c) for c in current):
        return fields
    readings = [(t, c) for t, c in reread_name(gray, name.box, engine, dpi=dpi) if _plausible(t, current)]
    alternatives = [(t, c) for t, c in readings if t != current]
    if not alternatives:
        return fields
    kana = fields["name_kana"].value if "name_kana" in fields else None
    romaji = fields["name_romaji"].value if "name_romaji" in fields else None
    out = dict(fields)
    if (kana or romaji) and not reading_agrees(current, kana=kana, romaji=romaji):
        best = _agreeing_mix(current, name.confidence, alternatives, kana=kana, romaji=romaji)
        if best is not None:
            text, conf = best
            # Two independent pieces of evidence agree: the engine's readings and the printed one.
            confidence = max(name.confidence, min(0.9, 0.3 + 0.7 * conf))
            out["name"] = replace(name, value=_display_like(text, name.value), confidence=confidence)
            return out
    elif kana or romaji:
        return fields  # the printed reading confirms the first reading
    out["name"] = replace(name, confidence=min(name.confidence, DISPUTED_CONFIDENCE))
    return out
