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

import re
import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from ocr.engine import Word
from ocr.ppocr import PaddleEngine, TextLine
from ocr.preprocess import CardQuad, fit_scan, rotate, warp_card

# Lines read with at least this mean character probability count as confidently read.
CONFIDENT = 0.8
# Fewer confident characters than this: try the inverted image too (dark cards, coloured panels).
SPARSE_CHARACTERS = 40
# A candidate (crop, rotation or inversion) must beat the current one by this share to replace it.
MARGIN = 0.03
CARD_LONG_SIDE = 1400  # px of the warped card (the whole image is read at its own size, up to this)
_POSTAL_MARK = re.compile(r"^[テ亍丁〒干](?=\s*\d{3}\s*[-ー－‐]\s*\d{4})")


@dataclass
class PaddleReading:
    """The chosen reading of a side: the upright image, its lines (upright coordinates) and how it was got."""

    image: np.ndarray  # RGB, upright
    lines: list[TextLine]
    rotation: int  # degrees clockwise applied to the candidate image
    source: str  # "whole" or "card"
    vertical: bool = False
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


def _upright(lines: list[TextLine], rotation: int, shape: tuple[int, int], *, vertical: bool) -> list[TextLine]:
    """Move lines into the coordinates of the image rotated by ``rotation``."""
    out = []
    for line in lines:
        quad = rotate_quad(line.quad, rotation, shape)
        out.append(TextLine(quad=quad, text=line.text, score=line.score, upside_down=0.0,
                            turned=vertical and line.turned))
    return out


def read_candidate(engine: PaddleEngine, image: np.ndarray, source: str,
                   seconds: dict[str, float]) -> PaddleReading:
    """Read one candidate image and bring it upright (rotation voted by its lines)."""
    started = time.perf_counter()
    lines = engine.read(image)
    rotation = vote_rotation(lines)
    h, w = image.shape[:2]
    best = PaddleReading(image=rotate(image, rotation), lines=_upright(lines, rotation, (h, w), vertical=False),
                         rotation=rotation, source=source, quality=reading_quality(lines))
    if rotation in (90, 270):
        # Tall lines: a card turned on the table, or a vertical card. Read it turned and compare.
        turned = rotate(image, rotation)
        again = engine.read(turned)
        quality = reading_quality(again)
        if quality >= best.quality * (1 - MARGIN):
            best = PaddleReading(image=turned, lines=again, rotation=rotation, source=source, quality=quality)
        else:
            best = PaddleReading(image=image, lines=_upright(lines, 0, (h, w), vertical=True), rotation=0,
                                 source=source, vertical=True, quality=best.quality)
    seconds[f"ppocr_{source}"] = seconds.get(f"ppocr_{source}", 0.0) + time.perf_counter() - started
    return best


def read_side(engine: PaddleEngine, pixels: np.ndarray, quad: CardQuad | None) -> PaddleReading:
    """Read a decoded side: the whole image and the detected card, upright; keep the better reading."""
    seconds: dict[str, float] = {}
    whole = fit_scan(pixels, long_side=min(CARD_LONG_SIDE, max(pixels.shape[:2])))
    best = read_candidate(engine, whole, "whole", seconds)
    if quad is not None:
        card = read_candidate(engine, warp_card(pixels, quad, long_side=CARD_LONG_SIDE), "card", seconds)
        # The crop wins ties: it is flatter and its boxes refer to the card alone.
        if card.quality >= best.quality * (1 - MARGIN):
            best = card
    if reading_quality(best.lines) < SPARSE_CHARACTERS:
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


def reading_words(reading: PaddleReading) -> list[Word]:
    """Adapt the chosen lines to layout words (one word per line; 〒 misread as テ/亍 restored)."""
    words = []
    for index, line in enumerate(reading.lines):
        text = _POSTAL_MARK.sub("〒", line.text.strip())
        words.append(Word(text=text, confidence=line.score, box=line.box, line_key=(1, 1, index + 1)))
    return words
