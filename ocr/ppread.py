"""Read one card side with PP-OCR: candidate crops, orientation from the lines, and an inverted try.

Card finding never makes a reading worse: the whole image is always a candidate beside the
detected card quad, and the candidate whose reading has more *confident characters* wins
(``reading_quality``). Orientation comes from the lines themselves: a line detected tall is
read turned a quarter, the text-line classifier says whether it is upside down, and the
votes of all lines (weighted by confident characters) give the card's rotation. A card whose
lines all stand tall is either turned 90 degrees on the table or printed vertically (縦書き):
both readings are compared and the better one kept. When little confident text is found
(light text on a dark card), the inverted image is read as well.
"""

from __future__ import annotations

import difflib
import re
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from ocr.diacritics import lost_marks, marks_over
from ocr.engine import Word
from ocr.fields.confirm import (
    LACKING,
    PARTICLES,
    compact,
    email_spells_given_name,
    reading_falls_short,
    suspect_value,
)
from ocr.fields.contact import WebLines
from ocr.fields.people import NAME_PARTICLES
from ocr.layout import is_cjk, separate_in_row
from ocr.ppocr import (
    CONFIDENT,
    DET_LIMIT_SIDE,
    Framing,
    PaddleEngine,
    TextLine,
    as_bgr,
    confident_latin,
    crop_quad,
    reframe,
)
from ocr.preprocess import CardQuad, card_transform, fit_scan, order_quad, rotate
from ocr.result import Field

# Fewer confident characters than this: try the inverted image too (dark cards, coloured panels).
SPARSE_CHARACTERS = 40
# A candidate (crop, rotation or inversion) must beat the current one by this share to replace it.
MARGIN = 0.03
CARD_LONG_SIDE = 1400  # px of the warped card
WHOLE_LONG_SIDE = 2000  # px; the whole image is read at its own size up to this (a small card stays legible)
# Share of the text area outside the card quad above which the whole image is read as well.
OUTSIDE_TEXT = 0.1
# A card covering less of the frame than this is detected again on its flattened crop (small text).
SMALL_CARD = 0.35
CHECK_LIMIT_SIDE = 480  # px; detection that only looks for text outside a small card
# In a vertical column the hyphens of a number stand upright and come back as any short mark.
_COLUMN_MARKS = ":：,，.·・〜~～ー一|｜)"
_NUMBER_GROUPS = re.compile(
    f"(?<![\\d])(\\d{{2,5}})[{_COLUMN_MARKS}](\\d{{1,4}})[{_COLUMN_MARKS}](\\d{{3,4}})(?!\\d)"
)
_POSTAL_GROUPS = re.compile(f"^([〒テ亍丁干デT])\\s*(\\d{{3}})[{_COLUMN_MARKS}](\\d{{4}})(?!\\d)")
# The brackets of an area code printed upright in a column (092(191)2249), read turned: the opening one as a wave
# dash or bracket, the closing one as ン, レ or ノ.
_BRACKETED = re.compile(r"(?<=\d)[〜～~(（]\s?(\d{2,4})\s?[ンレノ)）](?=\d{3,4}(?!\d))")
_STROKES = {"-", "一", "ー", "—", "_", "|", "I", "l", "1"}
_POSTAL_MARK = re.compile(r"^[テ亍丁〒干](?=\s*\d{3}\s*[-ー－‐]\s*\d{4})")


# Lines of a Japanese address or company name: a prefecture or municipality mark, a postal code, a block number,
# a legal form.
_ADDRESS_OR_COMPANY = re.compile(r"[都道府県市区町村郡]|\d{3}\D?\d{4}|丁目|番地?|号|会社")


class DroppedCharacters:
    """The second look (``ocr.ppocr.SecondLook``) at Japanese address and company lines.

    Greedy CTC drops a character now and then (武蔵村山市 read 武蔵村市, 岩手県 read 岩県, 有限会社井上工業 read
    有限会社井上業), and which one depends on how the line is framed: a small line's detector box leaves a wide
    margin that the recogniser's 48 px height shrinks the characters into. The line is read twice more, framed
    tighter (an eighth of its height off the top and the bottom) and looser (a quarter added above and below), and
    the characters either finds *between* the first reading's characters are inserted (``insert_dropped``); no
    character the first reading has is changed or removed. Measured on the 307 Japanese address and company lines
    of both folders, before choosing: the label's line is read exactly in 221 lines by the first reading, 234 with
    both framings merged (13 mended, none broken); a crop widened 1.25x and kept only when it adds characters
    mended 3; either framing alone 8 or 9.
    """

    framings: tuple[Framing, ...] = (Framing(trim=0.125), Framing(pad=0.25))
    # Only a line whose first reading gave some step's probability to a character it did not read there
    # (``ocr.ppocr.missed_character``) is read again. On the 307 such lines of both folders (2.4.0, every line read
    # again) the evidence splits in two: 99 lines under 0.02 (no other character anywhere), few from there to 0.1,
    # and each of the 40 lines the framings changed had 0.10 or more. 0.05 sits in that gap, with room on both
    # sides: 108 lines (35%) are read once, none of the changed ones, and every reading of both folders stays the
    # same. The lines spared are mostly short (company names): reread crops per cards-dev photo 5.1 -> 3.6.
    doubt: float = 0.05

    def wants(self, text: str) -> bool:
        """Tell whether a line reads as a Japanese address or company name (six characters, four of them CJK)."""
        bare = re.sub(r"\s", "", text)
        return (
            len(bare) >= 6
            and sum(is_cjk(c) for c in bare) >= 4
            and _ADDRESS_OR_COMPANY.search(bare) is not None
        )

    def choose(self, first: tuple[str, float], again: list[tuple[str, float]]) -> tuple[str, float]:
        """Return the first reading with the characters the other readings found between its characters.

        (Lowering the score of a line whose framings disagree was tried: on cards-hard 74% of the lines all three
        readings agree on hold the labelled value and 41% of those they read differently, but the lower line
        scores changed how vertical cards were read and ranked cards worse for the card model; not kept.)
        """
        text = first[0]
        for other, _score in again:
            text = insert_dropped(text, other)
        return (text, first[1])


class UprightColumns:
    """The look (``ocr.ppocr.ColumnLook``) at columns of vertical print read again with their glyphs upright.

    Read turned, a column loses what vertical print sets apart: the long-vowel mark, a vertical stroke there (マネー
    ジャー read マネジャ, チーフ read チフ), and one of two digits set across the column in one glyph's place
    (tate-chu-yoko: 35丁目 read 5丁目, 20番 read 2番). Read upright, the glyphs come back as horizontal print, but
    with their own errors: small kana read full size (シヤルム), an upright hyphen read as 1. So the upright reading
    only adds to the first (``insert_upright``): a long-vowel mark after katakana, and in an address a digit beside
    a digit. Measured on the 17 vertical cards of cards-hard before choosing (upright readings merged with
    ``insert_dropped``, which adds any letter): the long-vowel marks and the lost digits came back, and so did a
    kanji beside a name (陽子 read 小陽子), full-size kana (ロジステイクス) and digits before a phone number.
    """

    def wants(self, text: str) -> bool:
        """Tell whether a column holds katakana, or digits in an address."""
        return any(_is_katakana(c) for c in text) or (
            any(c.isdigit() for c in text) and _ADDRESS_OR_COMPANY.search(text) is not None
        )

    def choose(self, first: tuple[str, float], again: tuple[str, float]) -> tuple[str, float]:
        """Return the first reading, a stroke in it after katakana read as the long-vowel mark it is in a column
        (チ1フ, マネ|ジャ), with what the upright one adds (``insert_upright``)."""
        text = _COLUMN_LONG_VOWEL.sub("ー", first[0])
        address = _ADDRESS_OR_COMPANY.search(text) is not None
        return (insert_upright(text, again[0], address=address), first[1])


def _is_katakana(ch: str) -> bool:
    return "\u30a1" <= ch <= "\u30fa"


# The long-vowel mark of vertical print is a stroke along the column. The upright row (``upright_glyphs``) lays
# it across as horizontal print does, and it comes back as ー or as a dash or 一 (テクフロジ- for テクノロジー);
# a stroke it left standing comes back as | or 1. Read turned, it is a stroke or a 1 between katakana (or ending
# them).
_UPRIGHT_STROKES = frozenset("ー|Il1丨｜-一—―‐")
_COLUMN_LONG_VOWEL = re.compile(r"(?<=[ァ-ヺ])[|Il1丨｜１](?=[ァ-ヺ]|$|\s)")


_ONE_MARK = str.maketrans(dict.fromkeys(":：,，.．·・", "-"))


def insert_upright(first: str, upright: str, *, address: bool) -> str:
    """Insert into ``first`` what ``upright`` reads between two of its characters (or at its end) where ``first``
    has nothing, when that is a long-vowel mark (or a stroke) after katakana, or (``address``) one digit beside a
    digit; a mark ``first`` reads after katakana where ``upright`` reads the long-vowel mark becomes it (マネジャ」).
    The first reading's letters are kept."""
    # (marks between numbers are one mark to the alignment: 3，25 and 37：25 differ by the 7 alone)
    matcher = difflib.SequenceMatcher(
        None, first.translate(_ONE_MARK), upright.translate(_ONE_MARK), autojunk=False
    )
    out = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        kept, added = first[i1:i2], unicodedata.normalize("NFKC", upright[j1:j2])
        before, after = first[i1 - 1 : i1], first[i1 : i1 + 1]
        long_vowel = len(added) == 1 and added in _UPRIGHT_STROKES and _is_katakana(before)
        if op == "insert" and long_vowel:
            out.append("ー")
        elif op == "insert" and address and len(added) == 1 and added.isdigit() and before:
            out.append(added if before.isdigit() or after.isdigit() else "")
        elif op == "replace" and long_vowel and len(kept) == 1 and not kept.isalnum():
            out.append("ー")
        else:
            out.append(kept)
    return "".join(out)


def insert_dropped(first: str, other: str) -> str:
    """Insert into ``first`` the characters ``other`` reads between two of its characters (or at an end), where
    ``first`` has nothing; where the two readings differ, ``first`` is kept. Only letters, digits, kana and kanji
    are inserted (an icon read as a mark is not)."""
    matcher = difflib.SequenceMatcher(None, first, other, autojunk=False)
    out = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "insert":
            out.append("".join(ch for ch in other[j1:j2] if ch.isalnum()))
        else:  # equal, delete (the other reading dropped it) or replace (they disagree): the first reading's
            out.append(first[i1:i2])
    return "".join(out)


@dataclass
class PaddleReading:
    """The chosen reading of a side: the upright image, its lines (upright coordinates) and how it was got."""

    image: np.ndarray  # RGB, upright
    lines: list[TextLine]
    rotation: int  # degrees clockwise applied to the candidate image
    source: str  # "whole" or "card"
    vertical: bool = False
    maybe_vertical: bool = False  # lines stand tall in Japanese text: vertical print or a turned card
    lying: bool = (
        False  # vertical print whose columns lie flat: the card lay on its side (``TextLine.column``)
    )
    inverted: bool = False
    quality: float = 0.0
    seconds: dict[str, float] = field(default_factory=dict)


def reading_quality(lines: list[TextLine]) -> float:
    """Return the confident-character mass: characters of confidently read lines times their score."""
    return float(sum(len(ln.text.replace(" ", "")) * ln.score for ln in lines if ln.score >= CONFIDENT))


def vote_rotation(lines: list[TextLine]) -> int:
    """Return the clockwise rotation (0/90/180/270) that makes most of the confident text upright.

    A tall crop was turned a quarter counter-clockwise before reading, so upright reading
    means the image is turned 90 degrees clockwise from upright (it needs 270); the
    classifier's 180 flips that.
    """
    votes: dict[int, float] = defaultdict(float)
    for line in lines:
        weight = len(line.text) * line.score if line.score >= CONFIDENT else 0.1 * len(line.text)
        base = 270 if line.turned else 0
        flip = 180 if line.upside_down > 0.5 else 0
        votes[(base + flip) % 360] += weight
    if not votes:
        return 0
    return max(votes, key=lambda r: votes[r])


def rotate_quad(quad: np.ndarray, degrees: int, shape: tuple[int, int]) -> np.ndarray:
    """Map quad corners through a clockwise rotation by a multiple of 90 of an image of ``shape`` (h, w)."""
    h, w = shape
    x, y = quad[:, 0], quad[:, 1]
    turns = (degrees // 90) % 4
    if turns == 1:
        out = np.stack([h - y, x], axis=1)
    elif turns == 2:
        out = np.stack([w - x, h - y], axis=1)
    elif turns == 3:
        out = np.stack([y, w - x], axis=1)
    else:
        out = np.stack([x, y], axis=1)
    return out.astype(np.float32)


def _upright(
    lines: list[TextLine], rotation: int, shape: tuple[int, int], *, vertical: bool
) -> list[TextLine]:
    """Move lines into the coordinates of the image rotated by ``rotation``."""
    return [
        TextLine(
            quad=rotate_quad(line.quad, rotation, shape),
            text=line.text,
            score=line.score,
            turned=vertical and line.turned,
        )
        for line in lines
    ]


def cjk_share(lines: list[TextLine]) -> float:
    """Return the share of kana and kanji among the confidently read letters (digits and marks left out)."""
    chars = "".join(ln.text for ln in lines if ln.score >= CONFIDENT)
    cjk = sum(1 for c in chars if is_cjk(c))
    latin = sum(1 for c in chars if c.isascii() and c.isalpha())
    return cjk / (cjk + latin) if cjk + latin else 0.0


def looks_vertical(lines: list[TextLine]) -> bool:
    """Tell a vertical (縦書き) card from a card turned a quarter, when most lines stand tall.

    On a turned card every line stands tall, Latin ones too. A vertical card prints its
    e-mail or URL across: a confidently read Latin line lying flat among tall Japanese
    columns says vertical.
    """
    return any(not line.turned and confident_latin(line.text, line.score) for line in lines)


def read_candidate(
    engine: PaddleEngine,
    image: np.ndarray,
    source: str,
    seconds: dict[str, float],
    detected: list[tuple[np.ndarray, float]] | None = None,
) -> PaddleReading:
    """Read one candidate image and bring it upright (rotation voted by its lines).

    Lines standing tall in Japanese text may be the columns of a vertical card: the reading
    is then flagged ``maybe_vertical`` and kept unturned when ``looks_vertical`` says so.
    """
    started = time.perf_counter()
    lines = engine.read(
        image, detected=detected, second_look=(WebLines(), DroppedCharacters()), columns=UprightColumns()
    )
    rotation = vote_rotation(lines)
    h, w = image.shape[:2]
    quality = reading_quality(lines)
    maybe_vertical = rotation in (90, 270) and cjk_share(lines) >= 0.5
    if maybe_vertical and looks_vertical(lines):
        # Columns read top to bottom: a tall line turned counter-clockwise (270) is upright print.
        turn = (rotation - 270) % 360
        reading = PaddleReading(
            image=rotate(image, turn),
            lines=_upright(lines, turn, (h, w), vertical=True),
            rotation=turn,
            source=source,
            vertical=True,
            quality=quality,
        )
    else:
        reading = PaddleReading(
            image=rotate(image, rotation),
            lines=_upright(lines, rotation, (h, w), vertical=False),
            rotation=rotation,
            source=source,
            quality=quality,
        )
    reading.maybe_vertical = maybe_vertical
    reading.lying = not reading.vertical and any(line.column for line in lines)
    seconds[f"ppocr_{source}"] = seconds.get(f"ppocr_{source}", 0.0) + time.perf_counter() - started
    return reading


def outside_share(found: list[tuple[np.ndarray, float]], quad: CardQuad) -> float:
    """Return the share of detected text area whose centre lies outside the card quad."""
    contour = quad.points.astype(np.float32).reshape(-1, 1, 2)
    total = outside = 0.0
    for box, _score in found:
        area = float(cv2.contourArea(box.reshape(-1, 1, 2)))
        cx, cy = box.mean(axis=0)
        total += area
        if cv2.pointPolygonTest(contour, (float(cx), float(cy)), False) < 0:
            outside += area
    return outside / total if total else 0.0


def read_side(engine: PaddleEngine, pixels: np.ndarray, quad: CardQuad | None) -> PaddleReading:
    """Read a decoded side: the detected card and the whole image, upright; keep the better reading.

    Text is detected once on the whole image. With a card quad, lines whose centre lies in the
    card are read from the flattened card (their boxes carried through the same perspective
    map), unless the card is small in the frame, where it is detected again at full size. The
    whole image is read as well when text lies outside the quad (the quad is a block inside the
    card, or cuts it), and the reading with more confident characters wins.
    """
    seconds: dict[str, float] = {}
    whole = fit_scan(pixels, long_side=min(WHOLE_LONG_SIDE, max(pixels.shape[:2])))
    area = 1.0
    if quad is not None:
        factor = max(whole.shape[:2]) / max(pixels.shape[:2])
        scaled = quad.scaled(factor)
        area = cv2.contourArea(scaled.points.reshape(-1, 1, 2)) / float(whole.shape[0] * whole.shape[1])
    started = time.perf_counter()
    # A small card is read from its own detection; the whole image is then only checked for text
    # outside the card, which a coarse detection does at a third of the cost.
    found = engine.detect(whole, limit_side=CHECK_LIMIT_SIDE if area < SMALL_CARD else DET_LIMIT_SIDE)
    seconds["ppocr_detect_whole"] = time.perf_counter() - started
    best: PaddleReading | None = None
    if quad is not None:
        outside = outside_share(found, scaled)
        matrix, size = card_transform(quad, long_side=CARD_LONG_SIDE)
        card_image = cv2.warpPerspective(
            pixels, matrix, size, flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE
        )
        detected = None if area < SMALL_CARD else _carry(found, scaled, matrix, factor, size)
        best = read_candidate(engine, card_image, "card", seconds, detected=detected)
        if outside < OUTSIDE_TEXT:
            return _maybe_inverted(engine, best, seconds)
        if area < SMALL_CARD:
            found = engine.detect(whole)
    reading = read_candidate(engine, whole, "whole", seconds, detected=found)
    # The card crop wins near-ties: it is flatter and its boxes refer to the card alone.
    if best is None or reading.quality > best.quality * (1 + MARGIN):
        best = reading
    return _maybe_inverted(engine, best, seconds)


def _carry(
    found: list[tuple[np.ndarray, float]],
    quad: CardQuad,
    matrix: np.ndarray,
    factor: float,
    size: tuple[int, int],
) -> list[tuple[np.ndarray, float]]:
    """Map boxes detected on the (scaled) whole image into the flattened card, keeping those inside it."""
    contour = quad.points.astype(np.float32).reshape(-1, 1, 2)
    out = []
    for box, score in found:
        cx, cy = box.mean(axis=0)
        if cv2.pointPolygonTest(contour, (float(cx), float(cy)), False) < 0:
            continue
        mapped = cv2.perspectiveTransform((box / factor).reshape(-1, 1, 2).astype(np.float32), matrix)
        mapped = mapped.reshape(4, 2)
        mapped[:, 0] = np.clip(mapped[:, 0], 0, size[0] - 1)
        mapped[:, 1] = np.clip(mapped[:, 1], 0, size[1] - 1)
        out.append((order_quad(mapped), score))
    return out


def _maybe_inverted(engine: PaddleEngine, best: PaddleReading, seconds: dict[str, float]) -> PaddleReading:
    """Read the inverted image too when little confident text was found; keep it if it reads better."""
    if best.quality < SPARSE_CHARACTERS:
        started = time.perf_counter()
        inverted = read_candidate(engine, 255 - best.image, best.source, seconds)
        seconds["ppocr_inverted"] = time.perf_counter() - started
        if inverted.quality > best.quality * (1 + MARGIN):
            inverted.image = 255 - inverted.image
            inverted.inverted = True
            inverted.rotation = (best.rotation + inverted.rotation) % 360
            best = inverted
    best.seconds = seconds
    return best


def row_keys(boxes: list[tuple[int, int, int, int]], texts: list[str] | None = None) -> list[int]:
    """Number the rows of horizontal line boxes: pieces of one printed line share a number.

    The detector sometimes splits a large name at its space and its boxes then overlap
    ("山本" / "一郎"): pieces of similar height that overlap vertically and lie close (or
    overlap a little) horizontally join one row, so the layout reads them as one line, left to right.
    Lines printed one over the other, or side by side in two columns, do not (``separate_in_row``;
    ``texts`` are the boxes' readings).
    """
    texts = texts if texts is not None else [""] * len(boxes)
    keys = [-1] * len(boxes)
    rows: list[list[int]] = []
    for i in sorted(range(len(boxes)), key=lambda k: boxes[k][0]):
        x, y, _w, h = boxes[i]
        for number, row in enumerate(rows):
            px, py, pw, ph = boxes[row[-1]]
            overlap = min(y + h, py + ph) - max(y, py)
            similar = 0.6 <= h / max(1, ph) <= 1.6 and overlap > 0.6 * min(h, ph)
            # a thin piece (the stroke of 一 detected alone) inside the row's height joins it
            piece = h < 0.6 * ph and py <= y + h / 2 <= py + ph
            gap = x - (px + pw)
            if (
                (similar or piece)
                and gap < 1.0 * max(h, ph)
                and not separate_in_row(boxes[row[-1]], boxes[i], texts[row[-1]], boxes)
            ):
                row.append(i)
                keys[i] = number
                break
        else:
            keys[i] = len(rows)
            rows.append([i])
    return keys


def column_numbers(text: str) -> str:
    """Restore the hyphens of phone numbers and postal codes printed in a column (011:904,1337 -> 011-904-1337).

    Used on Japanese cards, where a number read from a vertical column (or from a card read turned)
    comes back with its upright hyphens as colons, commas, dots or tildes.
    """
    text = _POSTAL_GROUPS.sub(lambda m: f"〒{m.group(2)}-{m.group(3)}", text)
    text = _BRACKETED.sub(lambda m: f"({m.group(1)})", text)
    return _NUMBER_GROUPS.sub(lambda m: f"{m.group(1)}-{m.group(2)}-{m.group(3)}", text)


def reading_words(reading: PaddleReading) -> list[Word]:
    """Adapt the chosen lines to layout words: one word per detected line, pieces of a row share its key.

    A postal mark read as テ/亍 before a postal code is restored to 〒.
    """
    boxes = [line.box for line in reading.lines]
    keys = list(range(len(boxes))) if reading.vertical else row_keys(boxes, [ln.text for ln in reading.lines])
    # Japanese as the fields see it (``ocr.fields.detect_lang``): a few confidently read kana or kanji, however
    # long the card's e-mail and web address are (a share of letters said English for such vertical cards).
    japanese = sum(is_cjk(c) for ln in reading.lines if ln.score > 0.5 for c in ln.text) >= 6
    words = []
    for line, box, key in zip(reading.lines, boxes, keys, strict=True):
        text = _POSTAL_MARK.sub("〒", unicodedata.normalize("NFKC", line.text).strip())  # (Ｔ501：5602)
        if japanese:
            text = column_numbers(text)
        if text in _STROKES and box[2] >= 1.2 * box[3] and keys.count(key) > 1:
            text = "一"  # a flat stroke detected apart from its row is the kanji one (健 / 一)
        words.append(Word(text=text, confidence=line.score, box=box, line_key=(1, 1, key + 1)))
    return words


# A runner-up (``ocr.ppocr.ctc_alternatives``) needs this probability at a step of a character to replace it.
# Measured: the three 幹 that cards-hard's names read 乾 were the runner-up at 0.39, 0.22 and 0.14 beside 干 (0.05
# to 0.35), the S of Sidi read small at 0.40; a tenth keeps the candidates to what the recogniser itself half saw.
RUNNER_UP = 0.1


def line_crop(reading: PaddleReading, line: TextLine) -> np.ndarray:
    """Cut a line out of the reading's upright image as the recogniser reads it (BGR, text left to right)."""
    crop = crop_quad(as_bgr(reading.image), order_quad(line.quad))
    return np.rot90(crop).copy() if line.turned else crop


def runners_up(
    engine: PaddleEngine,
    reading: PaddleReading,
    printed: str,
    cache: dict[int, list[tuple[str, dict[str, float]]]] | None = None,
) -> list[dict[str, float]] | None:
    """Read the line that holds ``printed`` once more, and return the recogniser's runners-up (at least
    ``RUNNER_UP``) of each of its characters, spaces left out; None when no line reads it so. Lines read once are
    kept in ``cache`` (by their place in the reading)."""
    printed = compact(printed)
    cache = {} if cache is None else cache
    for index, line in enumerate(reading.lines):
        if printed not in compact(line.text):
            continue
        if index not in cache:
            cache[index] = [
                (compact(ch), others)
                for ch, others in engine.alternatives(line_crop(reading, line), RUNNER_UP)
                if compact(ch)
            ]
        read = cache[index]
        text = "".join(ch for ch, _ in read)
        start = text.find(printed)
        if start >= 0 and len(text) == len(read):  # (one character per step, so positions line up)
            return [others for _, others in read[start : start + len(printed)]]
    return None


def mend_name_by_email(
    engine: PaddleEngine, reading: PaddleReading, fields: dict[str, Field]
) -> tuple[dict[str, Field], list[str]]:
    """Replace a character of a Japanese name by the recogniser's runner-up when the e-mail address spells the
    given name as the runner-up reads, and not as the first reading does (``email_spells_given_name``).

    高橋 乾 with miki.takahashi@: 乾 reads ken or tsuyoshi, its runner-up 幹 miki. A name the e-mail address says
    nothing about, or that no runner-up makes agree, is kept, and so is one that two different runners-up would
    make agree. Returns the fields and a warning per change.
    """
    name, email = fields.get("name"), fields.get("email")
    if name is None or email is None or email_spells_given_name(name.value, email.value) is not False:
        return fields, []
    surname, given = name.value.split()
    printed = surname + given
    agreeing = set()
    for offset, others in enumerate(runners_up(engine, reading, printed) or []):
        for other in others:
            candidate = printed[:offset] + other + printed[offset + 1 :]
            value = f"{candidate[: len(surname)]} {candidate[len(surname) :]}"
            if email_spells_given_name(value, email.value):
                agreeing.add(value)
    if len(agreeing) != 1:
        return fields, []
    value = agreeing.pop()
    return {**fields, "name": replace(name, value=value)}, [
        f"name: {name.value} corrected to {value} (the recogniser's runner-up, as the e-mail address spells it)"
    ]


# Fields whose spelling ``suspect_value`` judges and a runner-up may mend (numbers, e-mail and web addresses have
# rules of their own).
SPELLED = ("name", "name_kana", "company", "department", "title", "address")
WINDOW = 3  # characters on each side of a character that find its line (a value may join several lines)


def _respelling(value: str, i: int, other: str) -> bool:
    """Tell whether a runner-up may stand for the character at ``i`` in a spelling: a letter, kana or kanji, and for
    a Latin letter only its other case (a digit or a mark that quiets the check is another misread), never capital
    in a particle that names print small (van Dijk, de la Cruz)."""
    ch = value[i]
    if not other.isalpha():
        return False
    if not (ch.isascii() and ch.isalpha()):
        return True
    words = [m.group().lower() for m in re.finditer(r"[^\W\d_]+", value) if m.start() <= i < m.end()]
    return other == ch.swapcase() and not (other.isupper() and words[0] in PARTICLES | NAME_PARTICLES)


def mend_spelling(
    engine: PaddleEngine, reading: PaddleReading, fields: dict[str, Field], lang: str
) -> tuple[dict[str, Field], list[str]]:
    """Replace one character of a field that print would not spell so (``suspect_value``: シヤルム, 八イツ,
    silverline Engineering, 3, Bd sidi Mohammed) by the recogniser's runner-up for it, when that makes the spelling
    one print would give (シャルム, ハイツ, Silverline, Sidi). A field that no runner-up mends, or that two different
    runners-up would, is kept. Returns the fields and a warning per change."""
    mended = dict(fields)
    warnings = []
    cache: dict[int, list[tuple[str, dict[str, float]]]] = {}
    for name in SPELLED:
        field = fields.get(name)
        if field is None or not suspect_value(name, field.value, lang):
            continue
        value = field.value
        candidates = set()
        for i, ch in enumerate(value):
            if not ch.strip():
                continue
            low = max(0, i - WINDOW)
            ups = runners_up(engine, reading, value[low : i + WINDOW + 1], cache)
            for other in ups[len(compact(value[low:i]))] if ups else {}:
                candidate = value[:i] + other + value[i + 1 :]
                if _respelling(value, i, other) and not suspect_value(name, candidate, lang):
                    candidates.add(candidate)
        if len(candidates) == 1:
            mended[name] = replace(field, value=candidates.pop())
            warnings.append(
                f"{name}: {value} corrected to {mended[name].value} (the recogniser's runner-up, as print spells it)"
            )
    return mended, warnings


# Framings of a kana reading's line read again when the reading falls short of the name: a short line of kana set
# small above a name loses a character at its start or inside (のうえなおき for いのうえなおき, ふらはなこ for
# ふじわらはなこ). Measured on cards-hard's two such lines: widened, each comes back whole once; padded, one does.
KANA_FRAMINGS = (Framing(stretch=1.25), Framing(pad=0.25))


def mend_reading(
    engine: PaddleEngine, reading: PaddleReading, fields: dict[str, Field]
) -> tuple[dict[str, Field], list[str]]:
    """Read a kana reading's line again, framed as ``KANA_FRAMINGS`` say, when the reading falls short of the name
    (``reading_falls_short``), and insert what the framings find between its characters (``insert_dropped``); the
    result is kept only when it no longer falls short. Returns the fields and a warning per change."""
    name, kana = fields.get("name"), fields.get("name_kana")
    if name is None or kana is None or not reading_falls_short(name.value, kana.value):
        return fields, []
    for line in reading.lines:
        if compact(line.text) != compact(kana.value):
            continue
        crop = line_crop(reading, line)
        text = compact(kana.value)
        for framing in KANA_FRAMINGS:
            text = insert_dropped(text, compact(engine.recognize_crops([reframe(crop, framing)])[0][0]))
        if text == compact(kana.value) or reading_falls_short(name.value, text):
            return fields, []
        return {**fields, "name_kana": replace(kana, value=text)}, [
            f"name_kana: {kana.value} corrected to {text} (read again framed wider, as the name reads)"
        ]
    return fields, []


# Fields whose lines are looked at for marks the reading lost: the spelled ones, and the romaji name, which Hepburn
# may print with macrons over capitals (ŌNO).
MARKED = (*SPELLED, "name_romaji")
# A field whose line shows a mark the reading lost keeps this share of its raw score, so that a reviewer sees it
# among the least certain fields (chosen, not fitted: one labelled card prints such a name); its warning holds the
# card for review (``confirm.LACKING``).
LOST_MARK_FACTOR = 0.3


def doubt_lost_marks(
    engine: PaddleEngine, reading: PaddleReading, fields: dict[str, Field]
) -> tuple[dict[str, Field], list[str]]:
    """Lower the score of a field spelt in Latin capitals whose line shows a mark over a capital that the reading
    lacks (``ocr.diacritics``: RIVIERE printed RIVIÈRE), and warn: no runner-up of the recogniser holds the accented
    capital, so the spelling is left to a reviewer. Lines with no mark over a tall glyph cost no second reading.
    Returns the fields and a warning per field."""
    out = dict(fields)
    warnings = []
    for name in MARKED:
        field = fields.get(name)
        if field is None or not re.search("[A-Z]", field.value):
            continue
        value = compact(field.value)
        for line in reading.lines:
            text = compact(line.text)
            if not text or text not in value or not re.search("[A-Z]", text) or any(map(is_cjk, text)):
                continue
            crop = line_crop(reading, line)
            marks = marks_over(crop)
            lost = lost_marks(engine.positions(crop), marks) if marks else []
            if lost:
                out[name] = replace(field, confidence=field.confidence * LOST_MARK_FACTOR)
                warnings.append(
                    f"{name}: a mark is printed over {', '.join(dict.fromkeys(lost))} {LACKING} (an accent such as "
                    "È, Ü or Ñ); check the spelling"
                )
                break
    return out, warnings
