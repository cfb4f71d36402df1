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

import numpy as np

from ocr.engine import OcrEngine
from ocr.fields.contact import Match
from ocr.fields.people import display_jp_name, find_readings, jp_name_score, jp_name_text
from ocr.layout import Line, is_cjk, make_line, union_box
from ocr.preprocess import framed_for_reading
from ocr.result import Field

NAME_LANG = "jpn"
# Text heights (px) the name line is scaled to for its second readings; the first pass
# read it at print size, which for large type is where the misreadings happen.
NAME_TEXT_HEIGHTS = (40, 60)
PAD = 16
READING_TEXT_HEIGHT = 40
_KANA_READING = re.compile(r"^(?:[\u30a1-\u30fa・ー ]+|[\u3041-\u3096・ー ]+)$")
# Confidence of a name that the second readings contradict and no printed reading confirms.
DISPUTED_CONFIDENCE = 0.55
MISSING_NAME_RATIO = 1.3  # rows this many times taller than the median line may hold a lost name
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


# Kana the engine confuses in small print: folded to one class before comparing readings.
_KANA_FOLD = str.maketrans(
    {
        "ん": "し",
        "つ": "し",
        "そ": "し",
        "ぁ": "あ",
        "ぃ": "い",
        "ぅ": "う",
        "ぇ": "え",
        "ぉ": "お",
        "ゃ": "や",
        "ゅ": "ゆ",
        "ょ": "よ",
        "っ": "し",
        "ゎ": "わ",
    }
)


def _fold_kana(hira: str) -> str:
    """Fold voicing marks, small kana and the し/ん/つ/そ look-alikes (for comparing readings)."""
    bare = "".join(c for c in unicodedata.normalize("NFD", hira) if c not in "\u3099\u309a")
    return bare.translate(_KANA_FOLD)


def reading_agrees(name: str, *, kana: str | None, romaji: str | None, loose: bool = False) -> bool:
    """Tell whether the dictionary reading of ``name`` equals the printed kana or romaji reading.

    ``loose`` compares kana after folding the look-alikes the engine confuses (シ/ン/ツ/ソ,
    voicing marks, small kana): for a reading line that was itself hard to read.
    """
    parts = _kakasi().convert(name.replace(" ", ""))
    hira = "".join(p["hira"] for p in parts)
    if kana:
        printed = _hiragana(kana)
        if hira == printed or _collapse(_hira_to_romaji(hira)) == _collapse(_hira_to_romaji(printed)):
            return True
        if loose and _fold_kana(hira) == _fold_kana(printed):
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


def _read_line(
    gray: np.ndarray,
    box: tuple[int, int, int, int],
    engine: OcrEngine,
    *,
    target: int,
    dpi: int,
    margin: float = 0.1,
) -> Line | None:
    """Read one line crop alone (psm 7), scaled to ``target`` px of text height."""
    x, y, w, h = box
    if w <= 0 or h <= 0:
        return None
    # A wide margin at the ends, a narrow one above and below: the reading line often
    # sits just under the name, and half of it in the crop turns psm 7 into noise.
    mx, my = max(4, h // 3), max(2, int(h * margin))
    crop = gray[max(0, y - my) : y + h + my, max(0, x - mx) : x + w + mx]
    if crop.size == 0:
        return None
    scale = float(np.clip(target / h, 0.3, 2.0))
    framed = framed_for_reading(crop, scale, PAD)
    words = engine.recognize(framed, lang=NAME_LANG, psm=7, dpi=dpi)
    return make_line(sorted(words, key=lambda wd: wd.box[0])) if words else None


def reread_name(
    gray: np.ndarray, box: tuple[int, int, int, int], engine: OcrEngine, *, dpi: int
) -> list[tuple[str, float]]:
    """Read the name's line alone at each of NAME_TEXT_HEIGHTS; return (compact text, confidence) pairs."""
    readings: list[tuple[str, float]] = []
    for target in NAME_TEXT_HEIGHTS:
        line = _read_line(gray, box, engine, target=target, dpi=dpi)
        if line is not None:
            readings.append((line.compact, 0.5 * line.confidence + 0.5 * line.weakest))
    return readings


def reread_kana_reading(
    gray: np.ndarray, name_box: tuple[int, int, int, int], lines: list[Line], engine: OcrEngine, *, dpi: int
) -> Line | None:
    """Read again the small lines just above or below the name; return one that reads as kana, or None.

    The フリガナ line is set small and light and the first reading may garble it
    ("ハルポン) マグヤ"); found again, it can confirm the name.
    """
    x, y, w, h = name_box
    near = [
        ln
        for ln in lines
        if ln.height < 0.8 * h
        and min(x + w, ln.box[0] + ln.box[2]) - max(x, ln.box[0]) > 0.3 * min(w, ln.box[2])
        and (0 <= ln.box[1] - (y + h) <= 1.5 * h or 0 <= y - (ln.box[1] + ln.box[3]) <= 1.5 * h)
    ]
    for ln in sorted(near, key=lambda ln: abs(ln.box[1] - y))[:2]:
        # The first reading may have kept only part of the line: read the row across the name's width.
        x0, x1 = min(x, ln.box[0]), max(x + w, ln.box[0] + ln.box[2])
        row = (x0, ln.box[1], x1 - x0, ln.box[3])
        found = _read_line(gray, row, engine, target=READING_TEXT_HEIGHT, dpi=dpi, margin=0.25)
        if found is not None and _KANA_READING.match(found.text) and 3 <= len(found.compact) <= 16:
            return Line(
                text=found.text,
                words=found.words,
                box=row,
                height=ln.height,
                confidence=found.confidence,
            )
    return None


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
        if text == current or not reading_agrees(text, kana=kana, romaji=romaji, loose=True):
            continue
        changed = [i for i, ch in enumerate(text) if ch != current[i]]
        support = min(options[i][text[i]] for i in changed)
        key = (-len(changed), support)
        if best is None or key > best[0]:
            best = (key, text, support)
    return None if best is None else (best[1], best[2])


def check_name(
    fields: dict[str, Field],
    gray: np.ndarray,
    engine: OcrEngine,
    *,
    dpi: int,
    lines: list[Line] | None = None,
) -> dict[str, Field]:
    """Return the fields with the Japanese name checked against second readings and its printed reading.

    With ``lines`` (the side's text lines), a card whose reading was not found gets its
    small lines next to the name read again, for a kana reading to check the name with.
    """
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
    found_kana: Line | None = None
    if kana is None and romaji is None and lines:
        found_kana = reread_kana_reading(gray, name.box, lines, engine, dpi=dpi)
        kana = found_kana.text if found_kana is not None else None
    out = dict(fields)
    if (kana or romaji) and not reading_agrees(current, kana=kana, romaji=romaji, loose=True):
        best = _agreeing_mix(current, name.confidence, alternatives, kana=kana, romaji=romaji)
        if best is not None:
            text, conf = best
            # Two independent pieces of evidence agree: the engine's readings and the printed one.
            confidence = max(name.confidence, min(0.9, 0.3 + 0.7 * conf))
            out["name"] = replace(name, value=_display_like(text, name.value), confidence=confidence)
            _add_reading(out, found_kana, text)
            return out
    elif kana or romaji:
        # The printed reading confirms the first reading, unless it confirms another one as well.
        _add_reading(out, found_kana, current)
        if not any(reading_agrees(t, kana=kana, romaji=romaji, loose=True) for t, _ in alternatives):
            return out
    out["name"] = replace(name, confidence=min(name.confidence, DISPUTED_CONFIDENCE))
    return out


def _add_reading(fields: dict[str, Field], kana: Line | None, name: str) -> None:
    """Add a kana reading found again when it spells the name's dictionary reading exactly."""
    if kana is not None and reading_agrees(name, kana=kana.text, romaji=None):
        ocr = 0.5 * kana.confidence + 0.5 * kana.weakest
        fields["name_kana"] = Field(
            value=kana.text, confidence=0.85 * (0.3 + 0.7 * ocr), box=kana.box, side=fields["name"].side
        )


def find_missing_name(
    fields: dict[str, Field], gray: np.ndarray, lines: list[Line], engine: OcrEngine, *, dpi: int
) -> dict[str, Field]:
    """Look again for a Japanese name the first reading broke into pieces ("遠" / "本").

    The tallest row of lines no field used is read again alone; a reading that looks like
    a name becomes the name, at a confidence that sends it to review unless the printed
    reading (found now that the name line is known) confirms it.
    """
    if "name" in fields or len(lines) < 3:
        return fields
    used = {f.box for f in fields.values()}
    free = [ln for ln in lines if ln.box not in used]
    heights = sorted(ln.height for ln in lines)
    median = heights[len(heights) // 2]
    tall = [ln for ln in free if ln.height >= MISSING_NAME_RATIO * median]
    if not tall:
        return fields
    top = max(tall, key=lambda ln: ln.height)
    y, h = top.box[1], top.box[3]
    row = [
        ln
        for ln in tall
        if min(y + h, ln.box[1] + ln.box[3]) - max(y, ln.box[1]) > 0.3 * min(h, ln.box[3])
        and ln.height >= 0.5 * top.height
    ]
    box = union_box([ln.box for ln in row])
    best: tuple[float, Line] | None = None
    for target in NAME_TEXT_HEIGHTS:
        read = _read_line(gray, box, engine, target=target, dpi=dpi)
        if read is None:
            continue
        line = Line(text=read.text, words=read.words, box=box, height=top.height, confidence=read.confidence)
        score = 0.5 * read.confidence + 0.5 * read.weakest
        if jp_name_score(line) > 0 and (best is None or score > best[0]):
            best = (score, line)
    if best is None:
        return fields
    score, line = best
    value = display_jp_name(jp_name_text(line))
    out = dict(fields)
    taken = {id(ln) for ln in row} | {id(ln) for ln in lines if ln.box in used}
    match = Match(value=value, line=line, certainty=0.6)
    kana, romaji = find_readings(lines, name=match, email_local=None, taken=taken)
    confirmed = (kana or romaji) is not None and reading_agrees(
        value, kana=kana.value if kana else None, romaji=romaji.value if romaji else None, loose=True
    )
    confidence = min(0.85 if confirmed else DISPUTED_CONFIDENCE, 0.3 + 0.7 * score)
    out["name"] = Field(value=value, confidence=confidence, box=box, side=_side(fields))
    for key, found in (("name_kana", kana), ("name_romaji", romaji)):
        if found is not None and confirmed and key not in out:
            ocr = 0.5 * found.line.confidence + 0.5 * found.line.weakest
            out[key] = Field(
                value=found.value,
                confidence=found.certainty * (0.3 + 0.7 * ocr),
                box=found.line.box,
                side=_side(fields),
            )
    return out


def _side(fields: dict[str, Field]) -> str:
    return next((f.side for f in fields.values()), "front")
